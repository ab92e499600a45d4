//! The real binary used the way a demanding (or unlucky) user would: bad arguments, bad files,
//! full disks, devices, closed pipes, Ctrl-C, hostile strings from the machine and from files.
//! Each test is a regression test for a bug found by doing exactly that. Exit codes: 0 ready,
//! 1 not ready, 2 usage/profile/internal error, 130 interrupted (143 after SIGTERM).

#[cfg(unix)]
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;

use crate::support::{Env, require};

/// What a run printed.
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn write(env: &Env, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = env.path(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A run that must not panic.
fn run(env: &Env, args: &[&str]) -> Out {
    let (code, stdout, stderr) = env.run(args);
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    Out {
        code,
        stdout,
        stderr,
    }
}

/// A run that must fail with exit 2 and an error naming the problem.
fn fails(env: &Env, args: &[&str], needle: &str) -> Out {
    let o = run(env, args);
    assert_eq!(o.code, 2, "{args:?}: {}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains(needle),
        "{args:?}: want {needle:?} in: {}",
        o.stderr
    );
    assert!(o.stderr.starts_with("examready: error: ") || o.stderr.starts_with("error: "));
    o
}

/// A real JSON report of this machine (system and processes modules), written to `name`.
fn report(env: &Env, name: &str) -> PathBuf {
    let o = run(
        env,
        &["check", "--only", "system,processes", "--output", name],
    );
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    env.path(name)
}

#[test]
fn only_and_skip_arguments() {
    let env = Env::new();
    for only in ["", ",", " , "] {
        fails(&env, &["--only", only], "--only names no check");
    }
    fails(&env, &["--only", "system,nope"], "unknown check \"nope\"");
    fails(
        &env,
        &["--only", "system", "--skip", "system"],
        "leave no check",
    );
    // Duplicates and case are forgiven: one system result.
    let o = run(&env, &["--only", "SYSTEM,system", "--json"]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["system"]);
    // Missing and extra arguments are usage errors.
    fails(&env, &["checks", "extra"], "unexpected argument");
    fails(&env, &["diff", "a", "b", "c"], "unexpected argument");
    fails(&env, &["judge"], "required");
    fails(&env, &["profile", "show"], "required");
    fails(&env, &["--color", "bogus"], "invalid value");
}

#[test]
fn bad_profile_files_are_named_clearly() {
    let env = Env::new();
    std::fs::create_dir(env.path("folder.toml")).unwrap();
    write(&env, "empty.toml", "");
    write(&env, "blank.toml", "\n  \n");
    let mut binary = b"\x7fELF\x02\x01\x01".to_vec();
    binary.extend((0..=255u8).cycle().take(4000));
    write(&env, "binary.toml", &binary);
    let mut huge = b"[profile]\nname = \"Huge\"\n".to_vec();
    huge.extend(std::iter::repeat_n(b'#', 3 * 1024 * 1024));
    write(&env, "huge.toml", &huge);
    write(&env, "bom.toml", "\u{feff}[profile]\nname = \"With BOM\"\n");
    write(&env, "self.toml", "[profile]\nextends = \"self.toml\"\n");
    write(
        &env,
        "missing.toml",
        "[profile]\nextends = \"nowhere.toml\"\n",
    );
    for (file, needle) in [
        ("folder.toml", "folder.toml: it is a folder, not a file"),
        ("empty.toml", "empty.toml: the file is empty"),
        ("blank.toml", "blank.toml: the file is empty"),
        ("binary.toml", "binary.toml: it is not a text file"),
        ("huge.toml", "huge.toml: it is larger than 1 MiB"),
        ("self.toml", "self.toml:2:11: profile inheritance cycle"),
        ("missing.toml", "there is no file nowhere.toml"),
        (
            "absent.toml",
            "cannot read profile absent.toml: No such file",
        ),
    ] {
        let o = fails(&env, &["profile", "show", file], needle);
        // The cause is said once, not twice ("...(os error 21): ...(os error 21)").
        assert!(
            o.stderr.matches("os error").count() <= 1,
            "{file}: {}",
            o.stderr
        );
        fails(&env, &["check", "--profile", file], needle);
    }
    #[cfg(unix)]
    fails(
        &env,
        &["check", "--profile", "/dev/zero"],
        "/dev/zero: it is larger than 1 MiB",
    );
    let o = run(&env, &["profile", "show", "bom.toml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("With BOM (bom)"), "{}", o.stdout);
    assert!(env.history_files().is_empty(), "no run happened");
}

#[test]
fn output_targets_that_cannot_take_a_report() {
    let env = Env::new();
    std::fs::create_dir(env.path("dir")).unwrap();
    fails(
        &env,
        &["--only", "system", "--output", "dir"],
        "dir: it is a folder",
    );
    fails(
        &env,
        &["--only", "system", "--output", "."],
        ".: it is a folder",
    );
    fails(
        &env,
        &["--only", "system", "--output", "noext"],
        "cannot tell the report format of noext",
    );
    fails(
        &env,
        &["--only", "system", "--output", "r.txt"],
        "unsupported report format .txt",
    );
    fails(
        &env,
        &["--only", "system", "--output", "no/such/r.json"],
        "cannot write the report to no/such/r.json",
    );
    fails(
        &env,
        &["--only", "system", "--json", "--format", "md"],
        "cannot be used with",
    );
    // Nothing ran, so nothing was saved.
    assert!(env.history_files().is_empty());
    // --format names the format of a file without extension.
    let o = run(
        &env,
        &["--only", "system", "--output", "noext", "--format", "md"],
    );
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    let md = std::fs::read_to_string(env.path("noext")).unwrap();
    assert!(md.starts_with("# examready report"), "{md}");
}

/// `--output /dev/full` used to replace the device by a regular file when run as root (the
/// atomic rename), and so "succeeded". A device is now written in place: a full disk is exit 2,
/// the report is still shown, the run is still saved and the device is left alone.
#[cfg(target_os = "linux")]
#[test]
fn a_full_device_is_an_error_and_is_never_replaced() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::FileTypeExt;
    let env = Env::new();
    let full = env.path("full");
    let c = std::ffi::CString::new(full.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid path; creates a private copy of /dev/full (char 1:7).
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 7)) } == 0;
    if !require(made, "mknod needs root (CI runs as root)") {
        return;
    }
    let o = run(
        &env,
        &["--only", "system", "--output", "full", "--format", "json"],
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("cannot write full"), "{}", o.stderr);
    assert!(o.stderr.contains("No space left on device"), "{}", o.stderr);
    assert!(o.stderr.contains("this run is saved"), "{}", o.stderr);
    assert!(o.stdout.contains("[✗] Computer") || o.stdout.contains("[✓] Computer"));
    let meta = std::fs::symlink_metadata(&full).unwrap();
    assert!(meta.file_type().is_char_device(), "the device was replaced");
    assert_eq!(env.history_files().len(), 1, "the run is in the history");
    let names: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
}

#[test]
fn judge_refuses_what_is_not_a_report() {
    let env = Env::new();
    write(&env, "empty.json", "");
    write(&env, "text.json", "hello");
    write(&env, "array.json", "[1, 2]");
    write(&env, "shape.json", r#"{"checks": {"system": {}}}"#);
    write(
        &env,
        "nochecks.json",
        r#"{"schema_version": 1, "checks": []}"#,
    );
    write(&env, "noid.json", r#"{"checks": [{"facts": {}}]}"#);
    write(&env, "binary.json", b"\xff\xfe{\x00");
    std::fs::create_dir(env.path("dir.json")).unwrap();
    for (file, needle) in [
        ("empty.json", "empty.json is not JSON"),
        ("text.json", "text.json is not JSON"),
        ("array.json", "no \"checks\" list"),
        ("shape.json", "no \"checks\" list"),
        ("nochecks.json", "holds no check: there is nothing to judge"),
        ("noid.json", "has no \"id\""),
        ("binary.json", "it is not a text file"),
        ("dir.json", "it is a folder"),
        ("absent.json", "cannot read absent.json"),
    ] {
        fails(&env, &["judge", file], needle);
    }
}

/// A report made under a profile file is judged under the default profile, and says so.
#[test]
fn judge_says_which_profile_it_falls_back_to() {
    let env = Env::new();
    let text = std::fs::read_to_string(report(&env, "r.json")).unwrap();
    let uni = text.replacen("\"id\": \"onvue\"", "\"id\": \"my-uni\"", 1);
    assert_ne!(uni, text);
    write(&env, "uni.json", uni);
    let o = run(&env, &["judge", "uni.json"]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("profile \"my-uni\", which is not built in: judging under onvue"),
        "{}",
        o.stderr
    );
    assert!(
        o.stdout
            .contains("profile: Pearson OnVUE (onvue, requirements read "),
        "{}",
        o.stdout
    );
}

/// A report from a newer examready (schema_version above this build's) is refused by `judge`
/// and left untouched (not "set aside as corrupt") in the history.
#[test]
fn newer_schema_reports_are_refused_and_kept() {
    let env = Env::new();
    let report = report(&env, "r.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    v["schema_version"] = serde_json::json!(examready::model::SCHEMA_VERSION + 1);
    v["checks"][0]["facts"] = serde_json::json!({"renamed": true});
    let future = serde_json::to_string(&v).unwrap();
    write(&env, "future.json", &future);
    fails(
        &env,
        &["judge", "future.json"],
        "written by a newer examready",
    );
    let in_history = env.path("data/history/20991231T000000Z-0000000000.json");
    std::fs::write(&in_history, &future).unwrap();
    let o = run(&env, &["history"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("newer examready"), "{}", o.stderr);
    assert!(o.stderr.contains("left as it is"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&in_history).unwrap(), future);
}

/// Strings from the machine or a file reach the terminal, Markdown and HTML with their control
/// characters made visible: no escape sequence of theirs is ever printed.
#[test]
fn hostile_strings_in_a_report_never_drive_the_terminal() {
    let env = Env::new();
    let report = report(&env, "r.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let evil = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}[8m<script>alert(1)</script>\u{202e}|*x*`";
    v["checks"][0]["facts"]["os"]["name"] = serde_json::json!(evil);
    v["checks"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"id": evil, "title": evil, "facts": {"x": evil}}));
    write(&env, "hostile.json", serde_json::to_string(&v).unwrap());
    for color in ["never", "always"] {
        for format in [None, Some("md"), Some("html")] {
            let mut args = vec!["judge", "hostile.json", "-v", "--color", color];
            if let Some(f) = format {
                args.extend(["--format", f]);
            }
            let o = run(&env, &args);
            assert!(o.code == 0 || o.code == 1, "{args:?}: {}", o.stderr);
            for bad in ["\u{1b}[2J", "\u{1b}]0", "\u{7}", "\u{1b}[8m", "\u{202e}"] {
                assert!(!o.stdout.contains(bad), "{args:?} printed {bad:?}");
            }
            assert!(o.stdout.contains("\\u{1b}[2J"), "{args:?}: {}", o.stdout);
            if format == Some("html") {
                assert!(!o.stdout.contains("<script>"), "{args:?}");
            }
        }
    }
    let o = run(&env, &["judge", "hostile.json", "--output", "h.md"]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    let md = std::fs::read_to_string(env.path("h.md")).unwrap();
    assert!(!md.contains('\u{1b}'), "{md}");
}

/// A real process with escape sequences, a very long name and bytes that are not UTF-8: its
/// name is in the facts, shown escaped, and every format is still produced.
#[cfg(target_os = "linux")]
#[test]
fn a_process_with_a_hostile_name() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let mut name = b"\x1b[2Jevil\xff\xfe-".to_vec();
    name.extend(std::iter::repeat_n(b'x', 200));
    let exe = env.dir.path().join(std::ffi::OsStr::from_bytes(&name));
    std::fs::copy("/bin/sleep", &exe).unwrap();
    let mut child = std::process::Command::new(&exe).arg("30").spawn().unwrap();
    let o = run(&env, &["--only", "processes", "--json"]);
    let h = run(&env, &["--only", "processes", "-v", "--color", "always"]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let names = v["checks"][0]["facts"]["processes"].to_string();
    assert!(
        names.contains("\\u001b[2Jevil\u{fffd}\u{fffd}-xxx"),
        "{names}"
    );
    assert!(h.code == 0 || h.code == 1, "{}", h.stderr);
    assert!(!h.stdout.contains("\u{1b}[2J"), "{}", h.stdout);
}

#[test]
fn history_folder_problems_and_ids() {
    let env = Env::new();
    // The data folder is a file: history and diff cannot work (exit 2); check warns and runs.
    std::fs::write(env.path("data"), "not a folder").unwrap();
    fails(&env, &["history"], "is a file, not a folder");
    fails(&env, &["diff"], "is a file, not a folder");
    let o = run(&env, &["--only", "system"]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("this run will not be saved"),
        "{}",
        o.stderr
    );
    std::fs::remove_file(env.path("data")).unwrap();

    let o = run(&env, &["history"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("No saved runs yet"), "{}", o.stdout);
    fails(&env, &["diff"], "needs 2 saved runs and the history has 0");
    let report = report(&env, "r.json");
    let r = report.to_str().unwrap();
    fails(&env, &["diff", "zzzz"], "neither a report file nor the id");
    fails(
        &env,
        &["diff", "ab"],
        "a report id needs at least 4 characters",
    );
    std::fs::create_dir(env.path("folder")).unwrap();
    fails(&env, &["diff", "folder"], "is a folder");
    let o = run(&env, &["diff", r, r]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("No changes"), "{}", o.stdout);
    // judge takes a saved run's id as well as a file.
    let saved = examready::history::read_report(&env.history_files()[0]).unwrap();
    let id = saved.content_id();
    let o = run(&env, &["judge", &id[..6], "--json"]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    let again: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(again["time"], serde_json::json!(saved.time));
    fails(
        &env,
        &["judge", "abcdef0123"],
        "neither a report file nor the id",
    );
}

/// Two saved runs whose ids share their first four characters: the prefix is ambiguous.
#[test]
fn an_ambiguous_id_prefix_asks_for_more() {
    use examready::history::{Store, resolve};
    use examready::model::{ProfileRef, Report};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let profile = ProfileRef {
        id: "onvue".into(),
        name: "Pearson OnVUE".into(),
        updated: None,
    };
    let mut seen = std::collections::HashMap::new();
    // Birthday bound on 16 bits: a pair turns up after a few hundred reports.
    let (a, b, prefix) = (0..20_000i64)
        .find_map(|s| {
            let t = jiff::Timestamp::from_second(1_800_000_000 + s).unwrap();
            let r = Report::new(t, profile.clone(), vec![]);
            let prefix = r.content_id()[..4].to_string();
            seen.insert(prefix.clone(), r.clone())
                .map(|first| (first, r, prefix))
        })
        .expect("a shared prefix");
    store.save(&a).unwrap();
    store.save(&b).unwrap();
    let loaded = store.load();
    let e = resolve(&prefix, &loaded).unwrap_err().to_string();
    assert!(
        e.contains("matches 2 saved runs; give more characters"),
        "{e}"
    );
    let (id, _) = resolve(&b.content_id()[..8], &loaded).unwrap();
    assert_eq!(id, b.content_id());
}

/// The history keeps the newest MAX_RUNS runs: hundreds of runs do not pile up.
#[test]
fn history_is_pruned_to_the_newest_runs() {
    let env = Env::new();
    let report = std::fs::read_to_string(report(&env, "r.json")).unwrap();
    let files = env.history_files();
    assert_eq!(files.len(), 1);
    let dir = env.path("data/history");
    let max = examready::history::MAX_RUNS;
    // Older runs, named as the store names them (UTC time first).
    for i in 0..max + 5 {
        let name = format!("20200101T{:02}{:02}00Z-old{i:04}.json", i / 60, i % 60);
        std::fs::write(dir.join(name), &report).unwrap();
    }
    std::fs::write(dir.join("20200101T000000Z-bad.json.corrupt"), "x").unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    // Temporary files of runs killed while saving: an old one goes, a fresh one stays.
    let (old_tmp, new_tmp) = (dir.join(".a.json.1.tmp"), dir.join(".b.json.2.tmp"));
    std::fs::write(&old_tmp, "partial").unwrap();
    std::fs::write(&new_tmp, "partial").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&old_tmp)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let o = run(&env, &["--only", "system"]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    let after = env.history_files();
    let runs: Vec<_> = after
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(runs.len(), max, "{} runs kept", runs.len());
    // The two newest (real) runs are kept, the oldest ones went first.
    assert!(runs.contains(&&files[0]), "the first real run is kept");
    assert!(!dir.join("20200101T0000Z-old0000.json").exists());
    assert!(!dir.join("20200101T000000Z-old0000.json").exists());
    assert!(
        dir.join("notes.txt").exists(),
        "other files are not touched"
    );
    assert!(dir.join("20200101T000000Z-bad.json.corrupt").exists());
    let o = run(&env, &["history"]);
    assert_eq!(o.stdout.lines().count(), max, "{}", o.stderr);
}

#[test]
fn exam_time_edge_cases() {
    let env = Env::new();
    for (at, needle) in [
        ("", "is not a local date and time"),
        ("tomorrow 9am", "is not a local date and time"),
        ("2026-02-30 10:00", "is not a local date and time"),
        ("2020-01-01 10:00", "is in the past"),
        ("9999-12-31 23:59", "is more than a year away"),
    ] {
        fails(&env, &["--only", "system", "--exam-at", at], needle);
    }
    // The hour skipped when Paris moves its clocks forward (last Sunday of March).
    let year = jiff::ZonedDateTime::now().year() + 1;
    let march_31 = jiff::civil::date(year, 3, 31);
    let sunday = (0..7)
        .map(|d| march_31.checked_sub(jiff::Span::new().days(d)).unwrap())
        .find(|d| d.weekday() == jiff::civil::Weekday::Sunday)
        .unwrap();
    let gap = format!("{} 02:30", sunday.strftime("%Y-%m-%d"));
    let now = jiff::Timestamp::now();
    let in_range = gap
        .replace(' ', "T")
        .parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_second()
        - now.as_second()
        < 366 * 86_400;
    if in_range {
        let o = env
            .cmd(&["--only", "system", "--exam-at", &gap])
            .env("TZ", "Europe/Paris")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("does not exist in the local time zone"),
            "{stderr}"
        );
    }
    assert!(env.history_files().is_empty(), "no run was started");
}

/// Run `args` with stdout a pipe whose reader is already gone; returns the exit code and stderr.
fn with_closed_stdout(env: &Env, args: &[&str]) -> (i32, String) {
    let mut child = env
        .cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_is_quiet_and_keeps_the_verdict() {
    let env = Env::new();
    for args in [
        &["checks"][..],
        &["profiles"],
        &["profile", "show", "onvue"],
        &["checklist"],
        &["history"],
        &["--help"],
    ] {
        let (code, stderr) = with_closed_stdout(&env, args);
        assert_eq!((code, stderr.as_str()), (0, ""), "{args:?}");
    }
    let report = report(&env, "r.json");
    let want = if std::fs::read_to_string(&report)
        .unwrap()
        .contains("\"verdict\": \"ready\"")
    {
        0
    } else {
        1
    };
    for args in [
        &["judge", "r.json"][..],
        &["judge", "r.json", "--json"],
        &["judge", "r.json", "--format", "html"],
        &["--only", "system,processes", "--json"],
        &["--only", "system,processes", "--compare", "last"],
    ] {
        let (code, stderr) = with_closed_stdout(&env, args);
        // The verdict of a system check may differ between runs only in CPU load warnings,
        // which never block: the exit status is the verdict, never 2.
        assert!(code == want || code == 0 || code == 1, "{args:?}: {code}");
        assert_ne!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
    // A closed stdout does not stop --output from being written.
    let (code, stderr) = with_closed_stdout(&env, &["judge", "r.json", "--output", "again.html"]);
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(env.path("again.html").exists());
}

/// `eprintln!` panics when stderr is a broken pipe (`2>&1 >/dev/null | head -0`): every message
/// examready writes to stderr is dropped instead, and the exit status stays the documented one.
#[test]
fn a_closed_stderr_is_not_a_panic() {
    let env = Env::new();
    report(&env, "r.json");
    for (args, want) in [
        (&["--only", "nope"][..], 2),
        (&["--bogus"], 2),
        (&["judge", "r.json", "--output", "again.html"], -1),
        (&["profile", "show", "nowhere.toml"], 2),
    ] {
        let mut child = env
            .cmd(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stderr.take());
        let code = child.wait().unwrap().code();
        match want {
            -1 => assert!(matches!(code, Some(0 | 1)), "{args:?}: {code:?}"),
            w => assert_eq!(code, Some(w), "{args:?}"),
        }
    }
}

#[test]
fn a_full_stdout_is_an_error() {
    let env = Env::new();
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        require(false, "no /dev/full");
        return;
    };
    for args in [&["checks"][..], &["--help"]] {
        let out = env
            .cmd(args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output"),
            "{args:?}: {stderr}"
        );
    }
}

/// Ctrl-C during a run: exit 130 (SIGTERM: 143), a short message, and nothing written (no history
/// entry, no --output file, no temporary file).
#[cfg(unix)]
#[test]
fn ctrl_c_during_a_run_exits_130_and_writes_nothing() {
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let env = Env::new();
        let mut child = env
            .cmd(&["--only", "system,processes", "--output", "r.html"])
            .env("EXAMREADY_LOG", "examready=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The system probe samples the CPU load for about half a second: the signal arrives
        // while it runs, after the handlers are installed (they are, before any probe starts).
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let mut line = String::new();
        while stderr.read_line(&mut line).unwrap() > 0 {
            seen.push_str(&line);
            if line.contains("probe started: system") {
                break;
            }
            line.clear();
        }
        assert!(seen.contains("probe started"), "{seen}");
        // SAFETY: signals our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "signal {signal}: {seen}{rest}");
        assert!(rest.contains("interrupted"), "{rest}");
        assert!(env.history_files().is_empty(), "nothing saved");
        let left: Vec<_> = std::fs::read_dir(env.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "files left: {left:?}");
    }
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let env = Env::new();
    report(&env, "r.json");
    let has_colour = |args: &[&str], no_color: Option<&str>| {
        let mut c = env.cmd(args);
        match no_color {
            Some(v) => c.env("NO_COLOR", v),
            None => c.env_remove("NO_COLOR"),
        };
        let out = c.output().unwrap();
        String::from_utf8_lossy(&out.stdout).contains("\u{1b}[")
    };
    // Not a terminal: no colour unless asked for; --color wins over NO_COLOR.
    assert!(!has_colour(&["judge", "r.json"], None));
    assert!(!has_colour(&["judge", "r.json", "--color", "never"], None));
    assert!(has_colour(
        &["judge", "r.json", "--color", "always"],
        Some("1")
    ));
    // Formats meant for files never carry colour.
    for f in ["json", "md", "html"] {
        assert!(!has_colour(
            &["judge", "r.json", "--color", "always", "--format", f],
            None
        ));
    }
}
