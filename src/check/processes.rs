/*!
The `processes` module: running applications that a proctor prohibits or discourages.

The probe lists running processes through sysinfo: each distinct kernel name and executable file
name with its pids. Command lines and environments are read by nobody here and recorded nowhere
(they hold secrets); only the file name of `argv[0]` is used, as a fallback name when the
executable's path cannot be read. The judge matches the names against the application catalogue
(`checks/apps.toml`) and the profile's `[processes]` rules, so a saved report can be judged again
under another profile.
*/

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{JudgeContext, Module, ProbeContext};
use crate::catalogue::{App, Catalogue, OsFamily};
use crate::model::{Finding, Judgement};
use crate::tomlfile::{SpannedNames, first_unknown};

pub use crate::os::procs::{ProcessFacts, RunningProcess, scan};

pub struct Processes;

/// `[processes]` in a profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessRequirements {
    /// Catalogue categories whose running applications fail the check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prohibited: SpannedNames,
    /// Catalogue categories whose running applications give a warning.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub discouraged: SpannedNames,
    /// Single applications (catalogue ids) that fail, whatever their category.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prohibited_apps: SpannedNames,
    /// Single applications that give a warning.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub discouraged_apps: SpannedNames,
    /// Applications never flagged (the exam software itself).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_apps: SpannedNames,
}

impl ProcessRequirements {
    /// Every category and application named must exist in the catalogue.
    pub fn validate(&self, cat: &Catalogue) -> Result<(), (std::ops::Range<usize>, String)> {
        for (key, list) in [
            ("prohibited", &self.prohibited),
            ("discouraged", &self.discouraged),
        ] {
            if let Some(bad) = first_unknown(list, |n| cat.has_category(n)) {
                let known = cat
                    .categories
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err((
                    bad.span(),
                    format!(
                        "[processes] {key}: unknown category {:?}; the catalogue has {known}",
                        bad.get_ref()
                    ),
                ));
            }
        }
        for (key, list) in [
            ("prohibited_apps", &self.prohibited_apps),
            ("discouraged_apps", &self.discouraged_apps),
            ("allowed_apps", &self.allowed_apps),
        ] {
            if let Some(bad) = first_unknown(list, |n| cat.app(n).is_some()) {
                return Err((
                    bad.span(),
                    format!(
                        "[processes] {key}: unknown application {:?} (not in checks/apps.toml)",
                        bad.get_ref()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn names(list: &SpannedNames, name: &str) -> bool {
        list.iter().any(|n| n.get_ref() == name)
    }

    /// The rule for one application: `Some(true)` prohibited, `Some(false)` discouraged.
    pub fn rule_for(&self, app: &App) -> Option<bool> {
        if Self::names(&self.allowed_apps, &app.id) {
            None
        } else if Self::names(&self.prohibited_apps, &app.id)
            || Self::names(&self.prohibited, &app.category)
        {
            Some(true)
        } else if Self::names(&self.discouraged_apps, &app.id)
            || Self::names(&self.discouraged, &app.category)
        {
            Some(false)
        } else {
            None
        }
    }
}

/// A catalogue application found running, with its pids and the names that matched.
#[derive(Debug)]
struct Hit<'a> {
    app: &'a App,
    pids: Vec<u32>,
    names: Vec<String>,
    /// Pids running in other users' sessions, and whose.
    elsewhere: Vec<(u32, String)>,
}

fn generic_close(app: &App, os: OsFamily) -> String {
    let how = match os {
        OsFamily::Windows => {
            "right-click its icon in the taskbar tray and choose Quit/Exit, then end any leftover process in Task Manager"
        }
        OsFamily::Macos => {
            "choose Quit from its menu (Cmd+Q) and from its menu-bar icon, then check Activity Monitor"
        }
        OsFamily::Linux => {
            "quit it from its window or tray icon, then check with `ps` that it is gone"
        }
    };
    format!(
        "Quit {} completely: {how}. Also stop it from starting with the computer, and restart before check-in.",
        app.name
    )
}

fn sign_out_how(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => {
            "sign that user out (Task Manager > Users > right-click the user > Sign off)"
        }
        OsFamily::Macos => "log that user out (Apple menu > Log Out, or fast user switching)",
        OsFamily::Linux => "log that user out (or end the session with `loginctl terminate-user`)",
    }
}

fn pid_list(pids: &[u32]) -> String {
    let shown: Vec<String> = pids.iter().take(8).map(|p| p.to_string()).collect();
    let more = pids.len().saturating_sub(8);
    let mut s = shown.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

pub fn judge_with(
    facts: &ProcessFacts,
    req: &ProcessRequirements,
    catalogue: &Catalogue,
    profile: &str,
) -> Judgement {
    let mut hits: BTreeMap<&str, Hit> = BTreeMap::new();
    for p in &facts.processes {
        let Some(app) = catalogue.match_process(facts.os, &p.name, p.exe.as_deref()) else {
            continue;
        };
        let hit = hits.entry(app.id.as_str()).or_insert_with(|| Hit {
            app,
            pids: vec![],
            names: vec![],
            elsewhere: vec![],
        });
        hit.pids.extend(&p.pids);
        if let Some(who) = &p.other_session {
            hit.elsewhere
                .extend(p.pids.iter().map(|&pid| (pid, who.clone())));
        }
        let shown = p.exe.clone().unwrap_or_else(|| p.name.clone());
        if !hit.names.contains(&shown) {
            hit.names.push(shown);
        }
    }
    let mut findings = Vec::new();
    let mut prohibited = Vec::new();
    let mut discouraged = Vec::new();
    for hit in hits.values_mut() {
        hit.pids.sort_unstable();
        let Some(is_prohibited) = req.rule_for(hit.app) else {
            continue;
        };
        let category = catalogue
            .categories
            .get(&hit.app.category)
            .map(|c| c.to_lowercase())
            .unwrap_or_else(|| hit.app.category.clone());
        let plural = if hit.pids.len() == 1 { "" } else { "es" };
        let message = format!(
            "{} ({category}) is running: process{plural} {} ({}).",
            hit.app.name,
            pid_list(&hit.pids),
            hit.names.join(", ")
        );
        let mut remedy = hit
            .app
            .close
            .clone()
            .unwrap_or_else(|| generic_close(hit.app, facts.os));
        let message = if hit.elsewhere.is_empty() {
            message
        } else {
            hit.elsewhere.sort();
            let mut who: Vec<&str> = hit.elsewhere.iter().map(|(_, w)| w.as_str()).collect();
            who.dedup();
            let pids: Vec<u32> = hit.elsewhere.iter().map(|(p, _)| *p).collect();
            remedy = format!(
                "{} It also runs in another account: {}, or restart the computer, which ends \
                 every session.",
                remedy,
                sign_out_how(facts.os)
            );
            format!(
                "{message} It runs in another user's session ({}: process {}): the proctoring \
                 app sees every signed-in account.",
                who.join(", "),
                pid_list(&pids)
            )
        };
        if is_prohibited {
            prohibited.push(hit.app.name.clone());
            findings.push(Finding::fail(
                ProcessCode::AppProhibited,
                format!("{message} {profile} does not allow it during the exam."),
                remedy,
            ));
        } else {
            discouraged.push(hit.app.name.clone());
            findings.push(Finding::warn(
                ProcessCode::AppDiscouraged,
                format!("{message} {profile} advises closing it."),
                remedy,
            ));
        }
    }
    if findings.is_empty() {
        findings.push(Finding::pass(
            ProcessCode::AppsNone,
            format!(
                "No prohibited application is running ({} processes checked).",
                facts.scanned
            ),
        ));
    }
    let summary = match (prohibited.len(), discouraged.len()) {
        (0, 0) => format!("{} processes, nothing prohibited", facts.scanned),
        (0, _) => format!("advised to close: {}", discouraged.join(", ")),
        (_, 0) => format!("prohibited: {}", prohibited.join(", ")),
        _ => format!(
            "prohibited: {}; advised to close: {}",
            prohibited.join(", "),
            discouraged.join(", ")
        ),
    };
    Judgement { summary, findings }
}

crate::finding_codes! {
    /// The processes module's finding codes.
    pub enum ProcessCode {
        AppProhibited = "app-prohibited": "a prohibited application is running",
        AppDiscouraged = "app-discouraged": "an application the profile advises closing is running",
        AppsNone = "apps-none": "no prohibited or discouraged application is running",
    }
}

impl Module for Processes {
    type Facts = ProcessFacts;
    type Requirements = ProcessRequirements;
    const ID: &'static str = "processes";
    const TITLE: &'static str = "Running applications";
    const ABOUT: &'static str =
        "remote-access, meeting, screen-capture, AI and other applications the proctor prohibits";
    const CODES: &'static [(&'static str, &'static str)] = ProcessCode::TABLE;

    fn probe(
        &self,
        _req: &ProcessRequirements,
        ctx: &ProbeContext,
    ) -> anyhow::Result<ProcessFacts> {
        ctx.progress("listing processes");
        scan()
    }

    fn judge(facts: &ProcessFacts, req: &ProcessRequirements, ctx: JudgeContext) -> Judgement {
        judge_with(facts, req, ctx.catalogue, ctx.profile_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn req(text: &str) -> ProcessRequirements {
        toml::from_str(text).unwrap()
    }

    fn facts(os: OsFamily, procs: &[(&str, Option<&str>, &[u32])]) -> ProcessFacts {
        ProcessFacts {
            os,
            scanned: 120,
            processes: procs
                .iter()
                .map(|(n, e, p)| RunningProcess {
                    name: n.to_string(),
                    exe: e.map(str::to_string),
                    pids: p.to_vec(),
                    other_session: None,
                })
                .collect(),
        }
    }

    fn cat() -> Catalogue {
        Catalogue::builtin().unwrap()
    }

    #[test]
    fn nothing_running_passes() {
        let f = facts(
            OsFamily::Windows,
            &[("explorer.exe", Some("explorer.exe"), &[10])],
        );
        let j = judge_with(
            &f,
            &req("prohibited = [\"remote-access\"]"),
            &cat(),
            "OnVUE",
        );
        assert_eq!(j.status(), Status::Pass);
        assert_eq!(j.findings[0].code, "apps-none");
        assert!(j.findings[0].message.contains("120 processes"));
    }

    #[test]
    fn prohibited_app_fails_with_pids_and_remedy() {
        let f = facts(
            OsFamily::Windows,
            &[
                ("TeamViewer.exe", Some("TeamViewer.exe"), &[4321]),
                (
                    "TeamViewer_Service.exe",
                    Some("TeamViewer_Service.exe"),
                    &[99],
                ),
            ],
        );
        let j = judge_with(
            &f,
            &req("prohibited = [\"remote-access\"]"),
            &cat(),
            "OnVUE",
        );
        assert_eq!(j.status(), Status::Fail);
        assert_eq!(j.findings.len(), 1, "one finding per application");
        let x = &j.findings[0];
        assert_eq!(x.code, "app-prohibited");
        assert!(
            x.message.contains("TeamViewer") && x.message.contains("99, 4321"),
            "{}",
            x.message
        );
        assert!(x.remedy.as_deref().unwrap().len() > 20);
        assert!(j.summary.contains("TeamViewer"));
    }

    #[test]
    fn discouraged_category_warns() {
        let f = facts(OsFamily::Linux, &[("TeamViewer", None, &[7])]);
        let j = judge_with(&f, &req("discouraged = [\"remote-access\"]"), &cat(), "X");
        assert_eq!(j.status(), Status::Warn);
        assert_eq!(j.findings[0].code, "app-discouraged");
    }

    #[test]
    fn allowed_app_is_never_flagged() {
        let f = facts(OsFamily::Linux, &[("TeamViewer", None, &[7])]);
        let j = judge_with(
            &f,
            &req("prohibited = [\"remote-access\"]\nallowed_apps = [\"teamviewer\"]"),
            &cat(),
            "X",
        );
        assert_eq!(j.status(), Status::Pass);
    }

    #[test]
    fn single_app_rule_beats_category() {
        let f = facts(OsFamily::Linux, &[("TeamViewer", None, &[7])]);
        let j = judge_with(&f, &req("prohibited_apps = [\"teamviewer\"]"), &cat(), "X");
        assert_eq!(j.status(), Status::Fail);
        // Not named at all: not judged.
        let j = judge_with(&f, &req(""), &cat(), "X");
        assert_eq!(j.status(), Status::Pass);
    }

    #[test]
    fn other_os_names_do_not_match() {
        // "TeamViewer.exe" is a Windows name; on Linux the judge uses the Linux list only.
        let f = facts(OsFamily::Macos, &[("bash", Some("bash"), &[1])]);
        let j = judge_with(&f, &req("prohibited = [\"remote-access\"]"), &cat(), "X");
        assert_eq!(j.status(), Status::Pass);
    }

    #[test]
    fn validation_names_unknown_entries() {
        let c = cat();
        assert!(req("prohibited = [\"remote-access\"]").validate(&c).is_ok());
        let e = req("discouraged = [\"nope\"]").validate(&c).unwrap_err();
        assert!(e.1.contains("unknown category \"nope\""), "{}", e.1);
        let e = req("allowed_apps = [\"nope\"]").validate(&c).unwrap_err();
        assert!(e.1.contains("unknown application"), "{}", e.1);
    }

    /// A garvis.ca report: AnyDesk left running in another signed-in account blocked the exam.
    #[test]
    fn an_app_in_another_session_is_found_and_said_so() {
        let mut f = facts(
            OsFamily::Windows,
            &[
                ("AnyDesk.exe", Some("AnyDesk.exe"), &[700]),
                ("AnyDesk.exe", Some("AnyDesk.exe"), &[9120]),
            ],
        );
        f.processes[1].other_session = Some("session 2".into());
        let j = judge_with(
            &f,
            &req("prohibited = [\"remote-access\"]"),
            &cat(),
            "OnVUE",
        );
        assert_eq!(j.findings.len(), 1);
        let x = &j.findings[0];
        assert_eq!(x.code, "app-prohibited");
        assert!(
            x.message
                .contains("another user's session (session 2: process 9120)"),
            "{}",
            x.message
        );
        assert!(x.message.contains("700, 9120"), "{}", x.message);
        assert!(x.remedy.as_ref().unwrap().contains("Task Manager > Users"));
    }

    /// A real process of another account: a copy of `sleep` named TeamViewer started under
    /// another uid is found, marked as another user's, and judged prohibited.
    #[cfg(target_os = "linux")]
    #[test]
    fn scan_marks_a_process_of_another_user() {
        use std::os::unix::fs::PermissionsExt;
        use std::os::unix::process::CommandExt;
        // SAFETY: getuid cannot fail.
        if unsafe { libc::getuid() } != 0 {
            let why = "starting a process as another user needs root";
            assert!(!crate::ci::in_ci(), "{why}");
            eprintln!("SKIPPED: {why}");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let exe = dir.path().join("TeamViewer");
        std::fs::copy("/bin/sleep", &exe).unwrap();
        const OTHER_UID: u32 = 64_123;
        let mut child = std::process::Command::new(&exe)
            .arg("30")
            .uid(OTHER_UID)
            .gid(OTHER_UID)
            .spawn()
            .unwrap();
        let pid = child.id();
        // The kernel sets the new name at exec: wait until the process shows it.
        let mut found = None;
        for _ in 0..100 {
            let f = scan().unwrap();
            found = f
                .processes
                .into_iter()
                .find(|p| p.pids.contains(&pid) && p.name == "TeamViewer");
            if found.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        let p = found.expect("the other user's TeamViewer was not found");
        assert_eq!(p.other_session.as_deref(), Some("uid 64123"));
        let facts = ProcessFacts {
            os: OsFamily::Linux,
            scanned: 1,
            processes: vec![p],
        };
        let j = judge_with(
            &facts,
            &req("prohibited = [\"remote-access\"]"),
            &cat(),
            "OnVUE",
        );
        assert_eq!(j.findings[0].code, "app-prohibited");
        assert!(
            j.findings[0]
                .message
                .contains("another user's session (uid 64123")
        );
    }

    #[test]
    fn scan_finds_this_test_process_parent_but_not_itself() {
        let f = scan().unwrap();
        assert!(f.scanned > 0);
        let me = std::process::id();
        assert!(!f.processes.iter().any(|p| p.pids.contains(&me)));
    }
}
