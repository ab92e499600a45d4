//! Real processes with prohibited names, found through sysinfo by the real binary.

use crate::support::*;

fn processes_report() -> serde_json::Value {
    let out = examready()
        .args(["--only", "processes", "--json"])
        .output()
        .unwrap();
    json_of(&out)
}

#[test]
fn prohibited_processes_are_reported_with_pids_then_not_after_exit() {
    let mut tv = NamedProcess::start("TeamViewer");
    let mut zoom = NamedProcess::start("zoom");
    let mut discord = NamedProcess::start("Discord");
    let r = processes_report();
    let c = check(&r, "processes");
    assert_eq!(c["status"], "fail", "{c}");
    let found = findings(c, "app-prohibited");
    for (name, p) in [("TeamViewer", &tv), ("Zoom", &zoom), ("Discord", &discord)] {
        let f = found
            .iter()
            .find(|f| f["message"].as_str().unwrap().starts_with(name))
            .unwrap_or_else(|| panic!("{name} not reported: {c}"));
        let msg = f["message"].as_str().unwrap();
        assert!(msg.contains(&p.pid().to_string()), "pid missing: {msg}");
        assert!(f["remedy"].as_str().unwrap().contains("Quit"), "{f}");
    }
    assert_eq!(r["verdict"], "not-ready");

    let pids: Vec<String> = [&tv, &zoom, &discord]
        .iter()
        .map(|p| p.pid().to_string())
        .collect();
    tv.stop();
    zoom.stop();
    discord.stop();
    let r = processes_report();
    let c = check(&r, "processes");
    // Other tests run in parallel and may start their own copies: look for these pids only.
    for f in findings(c, "app-prohibited") {
        let msg = f["message"].as_str().unwrap();
        for pid in &pids {
            assert!(
                !msg.contains(&format!(" {pid}")),
                "exited process {pid} still reported: {msg}"
            );
        }
    }
    // Facts hold names and pids only, never command lines: the argument "120" is nowhere.
    let facts = &c["facts"]["processes"];
    for p in facts.as_array().unwrap() {
        assert!(
            p["name"] != "120" && p["exe"] != "120",
            "arguments leaked into the facts: {p}"
        );
        assert_eq!(
            p.as_object().unwrap().len(),
            3,
            "only name, exe and pids: {p}"
        );
    }
}

#[test]
fn long_names_cut_by_the_kernel_still_match_through_the_executable() {
    // Linux cuts process names to 15 characters: the kernel calls this one "AnyDeskRemoteCo".
    let p = NamedProcess::start("AnyDeskRemoteControlHelper");
    let facts = examready::check::processes::scan().unwrap();
    let entry = facts
        .processes
        .iter()
        .find(|e| e.pids.contains(&p.pid()))
        .expect("the process was not scanned");
    assert_eq!(entry.name, "AnyDeskRemoteCo");
    assert_eq!(entry.exe.as_deref(), Some("AnyDeskRemoteControlHelper"));
    let cat = examready::catalogue::Catalogue::parse(
        "t.toml",
        "[categories]\nremote-access = \"R\"\n[[app]]\nid = \"anydesk\"\nname = \"AnyDesk\"\ncategory = \"remote-access\"\nlinux = [\"AnyDeskRemoteControlHelper\"]\n",
    )
    .unwrap();
    let os = examready::catalogue::OsFamily::Linux;
    assert_eq!(
        cat.match_process(os, &entry.name, entry.exe.as_deref())
            .unwrap()
            .id,
        "anydesk"
    );
    // With the executable unreadable, the 15-character kernel name still matches.
    assert_eq!(
        cat.match_process(os, &entry.name, None).unwrap().id,
        "anydesk"
    );
}

#[test]
fn applications_the_profile_allows_are_never_flagged() {
    let rd = NamedProcess::start("rustdesk");
    let dir = tempfile::tempdir().unwrap();
    let run = |allowed: &str| {
        let profile = dir.path().join("institution.toml");
        std::fs::write(
            &profile,
            format!(
                "[profile]\nname = \"Institution\"\n[processes]\nprohibited = [\"remote-access\"]\nallowed_apps = [{allowed}]\n"
            ),
        )
        .unwrap();
        let out = examready()
            .args(["--only", "processes", "--json", "--profile"])
            .arg(&profile)
            .output()
            .unwrap();
        let r = json_of(&out);
        assert_eq!(r["profile"]["id"], "institution");
        let c = check(&r, "processes").clone();
        // Other tests run in parallel with their own prohibited processes: look at RustDesk only.
        findings(&c, "app-prohibited").iter().any(|f| {
            f["message"].as_str().unwrap().starts_with("RustDesk")
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains(&rd.pid().to_string())
        })
    };
    assert!(
        run(""),
        "RustDesk must be reported when the profile does not allow it"
    );
    assert!(!run("\"rustdesk\""), "an allowed application was flagged");
}
