//! Real processes with prohibited names, found through sysinfo by the real binary.

mod support;
use support::*;

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

    tv.stop();
    zoom.stop();
    discord.stop();
    let r = processes_report();
    let c = check(&r, "processes");
    assert!(
        findings(c, "app-prohibited").is_empty(),
        "exited processes still reported: {c}"
    );
    // Facts hold names and pids only: never command lines.
    let facts = c["facts"].to_string();
    assert!(!facts.contains("120"), "arguments leaked into the facts");
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
    let _tv = NamedProcess::start("TeamViewer");
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("institution.toml");
    std::fs::write(
        &profile,
        "[profile]\nname = \"Institution\"\n[processes]\nprohibited = [\"remote-access\"]\nallowed_apps = [\"teamviewer\"]\n",
    )
    .unwrap();
    let out = examready()
        .args(["--only", "processes", "--json", "--profile"])
        .arg(&profile)
        .output()
        .unwrap();
    let r = json_of(&out);
    let c = check(&r, "processes");
    assert_eq!(
        c["status"], "pass",
        "an allowed application was flagged: {c}"
    );
    assert_eq!(r["profile"]["id"], "institution");
    assert_eq!(out.status.code(), Some(0));
}
