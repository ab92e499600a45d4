//! The real binary: JSON report, exit codes, usage and profile errors.

use crate::support::*;

#[test]
fn system_and_processes_json_on_this_machine() {
    let out = examready()
        .args(["check", "--only", "system,processes", "--json"])
        .output()
        .unwrap();
    let r = json_of(&out);
    assert_eq!(r["schema_version"], 2);
    assert_eq!(r["tool"]["name"], "examready");
    assert_eq!(r["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(r["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(r["profile"]["id"], "onvue");
    assert_eq!(r["profile"]["name"], "Pearson OnVUE");
    let checks = r["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    for c in checks {
        for key in ["id", "title", "status", "duration_ms", "facts", "findings"] {
            assert!(c.get(key).is_some(), "check lacks {key}: {c}");
        }
        for f in c["findings"].as_array().unwrap() {
            assert!(f["code"].is_string() && f["status"].is_string() && f["message"].is_string());
        }
    }
    let system = check(&r, "system");
    // This machine is virtualized: the report must say so, with evidence.
    let virt = &system["facts"]["virtualization"];
    assert!(
        virt["kind"].is_string(),
        "virtualization not reported: {virt}"
    );
    assert!(!virt["evidence"].as_array().unwrap().is_empty());
    let vm = findings(system, "vm-detected");
    assert_eq!(vm.len(), 1);
    assert_eq!(vm[0]["status"], "fail");
    // Linux is not supported by OnVUE.
    let os = findings(system, "os-unsupported");
    assert_eq!(os.len(), 1, "{system}");
    assert_eq!(os[0]["status"], "fail");
    assert!(os[0]["remedy"].as_str().unwrap().contains("Windows"));
    assert_eq!(system["status"], "fail");
    assert_eq!(r["verdict"], "not-ready");
    assert_eq!(out.status.code(), Some(1));
    // Headless here: displays are skipped with the reason, not passed.
    let d = findings(system, "display-not-checked");
    assert_eq!(d[0]["status"], "skip");
}

#[test]
fn json_mode_prints_nothing_but_json_on_stdout() {
    let out = examready()
        .args(["--json", "--only", "processes"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(text.trim_start().starts_with('{') && text.trim_end().ends_with('}'));
    json_of(&out);
}

#[test]
fn terminal_report_has_marks_remedies_and_verdict_without_colour_when_piped() {
    let out = examready().args(["--only", "system"]).output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("[✗] Computer"), "{s}");
    assert!(
        s.contains("→ Take the exam on a computer running Windows 10+ or macOS 13+"),
        "{s}"
    );
    assert!(s.contains("Not ready for Pearson OnVUE"), "{s}");
    assert!(!s.contains('\u{1b}'), "colour codes in piped output");
    let out = examready()
        .args(["--only", "system", "--color", "always", "-v"])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains('\u{1b}'), "--color always must colour");
    let out = examready()
        .args(["--only", "system,processes", "--color", "never", "-v"])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    // -v shows passed items and the facts behind the result.
    assert!(s.contains("✓ No prohibited application is running"), "{s}");
    assert!(
        s.contains("virtualization.kind = container")
            || s.contains("virtualization.kind = virtual-machine"),
        "{s}"
    );
    // NO_COLOR turns colour off in auto mode even when asked nothing.
    let out = examready()
        .args(["--only", "system"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8(out.stdout).unwrap().contains('\u{1b}'));
}

#[test]
fn output_file_is_written_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let out = examready()
        .args(["--only", "processes", "--output"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(r["verdict"], "ready");
}

fn assert_usage_error(args: &[&str], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("never.json");
    let out = examready()
        .args(args)
        .arg("--output")
        .arg(&report)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: stderr lacks {needle:?}:\n{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing may run: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        !report.exists(),
        "no probe may run, no report may be written"
    );
}

#[test]
fn unknown_only_id_exits_2_before_probing() {
    assert_usage_error(&["--only", "system,webcamz"], "unknown check \"webcamz\"");
    assert_usage_error(&["--skip", "nope"], "unknown check \"nope\"");
}

#[test]
fn bad_profiles_exit_2_with_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    };
    let malformed = write("malformed.toml", "[profile]\nname = \"x\"\n[system\n");
    assert_usage_error(&["--profile", &malformed], "malformed.toml:3:");
    let unknown = write(
        "unknown.toml",
        "[profile]\nname = \"x\"\n\n[system]\nmax_ram = 3\n",
    );
    assert_usage_error(
        &["--profile", &unknown],
        "unknown.toml:5:1: unknown field `max_ram`",
    );
    let negative = write(
        "negative.toml",
        "[profile]\nname = \"x\"\n[system]\nmin_free_disk_gb = -2\n",
    );
    assert_usage_error(&["--profile", &negative], "negative.toml:4:20:");
    let bandwidth = write(
        "bandwidth.toml",
        "[profile]\nname = \"x\"\n[network]\nmin_upload_mbps = -3\n",
    );
    assert_usage_error(
        &["--profile", &bandwidth],
        "bandwidth.toml:4:19: a bandwidth in Mbps must be between 0 and 100000, got -3",
    );
    let category = write(
        "cat.toml",
        "[profile]\nname = \"x\"\n[processes]\nprohibited = [\"telepathy\"]\n",
    );
    assert_usage_error(
        &["--profile", &category],
        "cat.toml:4:15: [processes] prohibited: unknown category \"telepathy\"",
    );
    assert_usage_error(
        &["--profile", "nosuchvendor"],
        "unknown profile \"nosuchvendor\"",
    );
    assert_usage_error(
        &["--profile", "/nonexistent/p.toml"],
        "cannot read profile /nonexistent/p.toml",
    );
}

#[test]
fn bad_output_extension_exits_2_before_probing() {
    let out = examready()
        .args(["--only", "processes", "--output", "report.docx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".docx"));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    examready().arg("--bogus").assert().code(2);
    examready().arg("--help").assert().code(0);
    examready().arg("--version").assert().code(0);
}

#[test]
fn list_commands() {
    let out = examready().arg("checks").output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.lines().any(|l| l.starts_with("system ")), "{s}");
    assert!(s.lines().any(|l| l.starts_with("processes ")), "{s}");
    let out = examready().arg("profiles").output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("onvue") && s.contains("(default)"), "{s}");
    let out = examready()
        .args(["profile", "show", "onvue"])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("Pearson OnVUE (onvue)") && s.contains("1024x768"),
        "{s}"
    );
    let out = examready()
        .args(["profile", "show", "onvue", "--toml"])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("min_resolution = \"1024x768\""), "{s}");
    assert!(s.contains("[system.os.windows]"), "{s}");
}
