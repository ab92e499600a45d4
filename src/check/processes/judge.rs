//! The judge: running processes matched against the catalogue under the profile's `[processes]`.

use std::collections::BTreeMap;

use super::{ProcessCode, ProcessFacts, ProcessRequirements};
use crate::catalogue::{App, Catalogue, OsFamily};
use crate::model::{Finding, Judgement};

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

/// Judge the running processes under `req`: each catalogue application found running is
/// prohibited (fail) or discouraged (warn) by the profile's rules.
pub fn judge_with(
    facts: &ProcessFacts,
    req: &ProcessRequirements,
    catalogue: &Catalogue,
    profile: &str,
) -> Judgement {
    let mut findings = Vec::new();
    let mut prohibited = Vec::new();
    let mut discouraged = Vec::new();
    for hit in hits(facts, catalogue).values_mut() {
        hit.pids.sort_unstable();
        let Some(is_prohibited) = req.rule_for(hit.app) else {
            continue;
        };
        let (message, remedy) = running(hit, facts.os, catalogue);
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
    let summary = summary(facts.scanned, &prohibited, &discouraged);
    Judgement { summary, findings }
}

/// The catalogue applications among the running processes, by application id.
fn hits<'a>(facts: &ProcessFacts, catalogue: &'a Catalogue) -> BTreeMap<&'a str, Hit<'a>> {
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
    hits
}

/// What is running (pids, names, other users' sessions) and how to close it.
fn running(hit: &mut Hit, os: OsFamily, catalogue: &Catalogue) -> (String, String) {
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
    let remedy = hit
        .app
        .close
        .clone()
        .unwrap_or_else(|| generic_close(hit.app, os));
    if hit.elsewhere.is_empty() {
        return (message, remedy);
    }
    hit.elsewhere.sort();
    let mut who: Vec<&str> = hit.elsewhere.iter().map(|(_, w)| w.as_str()).collect();
    who.dedup();
    let pids: Vec<u32> = hit.elsewhere.iter().map(|(p, _)| *p).collect();
    let remedy = format!(
        "{} It also runs in another account: {}, or restart the computer, which ends \
         every session.",
        remedy,
        sign_out_how(os)
    );
    let message = format!(
        "{message} It runs in another user's session ({}: process {}): the proctoring \
         app sees every signed-in account.",
        who.join(", "),
        pid_list(&pids)
    );
    (message, remedy)
}

/// One line: the prohibited and the discouraged applications running.
fn summary(scanned: usize, prohibited: &[String], discouraged: &[String]) -> String {
    match (prohibited.len(), discouraged.len()) {
        (0, 0) => format!("{scanned} processes, nothing prohibited"),
        (0, _) => format!("advised to close: {}", discouraged.join(", ")),
        (_, 0) => format!("prohibited: {}", prohibited.join(", ")),
        _ => format!(
            "prohibited: {}; advised to close: {}",
            prohibited.join(", "),
            discouraged.join(", ")
        ),
    }
}
