//! The history folder and report files used in hostile ways, through the real binary: FIFOs
//! named like runs or given as reports, runs dated in the future by a wrong clock, foreign and
//! set-aside files in the folder, and strings that must be escaped in every JSON output.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use crate::support::{Env, Examready};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/recorded-report.json"
);

/// What a run printed.
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The binary in `env` (which gives it a private HOME and history).
fn cmd(env: &Env, args: &[&str]) -> Examready {
    env.cmd(args)
}

/// Runs the binary and fails the test if it has not finished within `limit` (it is then killed):
/// a command blocked on a FIFO would otherwise hang the test run.
fn run_within(env: &Env, args: &[&str], limit: Duration) -> Out {
    let (out_path, err_path) = (env.path("stdout.txt"), env.path("stderr.txt"));
    let mut child = cmd(env, args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`examready {}` was still running after {limit:?} (blocked?); stderr so far:\n{}",
                args.join(" "),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Out {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read_to_string(&out_path).unwrap(),
        stderr: std::fs::read_to_string(&err_path).unwrap(),
    }
}

/// Commands that read files only.
const QUICK: Duration = Duration::from_secs(20);
/// `check --only processes`, on a loaded machine.
const CHECK: Duration = Duration::from_secs(120);

fn history_dir(env: &Env) -> PathBuf {
    let dir = env.path("data/history");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[cfg(unix)]
fn is_fifo(path: &std::path::Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// Bug: a FIFO named like a run in the history folder hung `history`, `diff` and `check` (which
/// reads the history to compare with it later) forever, waiting for a writer.
#[cfg(unix)]
#[test]
fn a_fifo_in_the_history_never_blocks_history_diff_or_check() {
    let env = Env::new();
    let dir = history_dir(&env);
    for name in [
        "20261120T080500Z-recorded.json",
        "20261120T090500Z-recorded2.json",
    ] {
        std::fs::copy(FIXTURE, dir.join(name)).unwrap();
    }
    let fifo = dir.join("20261121T000000Z-0123456789.json");
    mkfifo(&fifo);
    let warned = |o: &Out| {
        assert!(
            o.stderr.contains("warning")
                && o.stderr.contains("20261121T000000Z-0123456789.json")
                && o.stderr.contains("not a regular file but a named pipe")
                && o.stderr.contains("left as it is"),
            "{}",
            o.stderr
        );
    };

    let o = run_within(&env, &["history"], QUICK);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.lines().count(), 2, "{}", o.stdout);
    warned(&o);

    let o = run_within(&env, &["diff"], QUICK);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("No changes"), "{}", o.stdout);
    warned(&o);

    let o = run_within(&env, &["check", "--only", "processes"], CHECK);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    warned(&o);
    assert!(is_fifo(&fifo), "the FIFO is left as it is");
    assert_eq!(env.history_files().len(), 4, "the run was saved");
}

/// Bug: a FIFO given as a report (`judge`) or a profile waited forever; `diff` called it
/// "neither a report file nor the id of a saved run".
#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_refused_at_once() {
    let env = Env::new();
    let fifo = env.path("r.json");
    mkfifo(&fifo);
    for args in [
        &["judge", "r.json"][..],
        &["judge", "r.json", "--json"],
        &["diff", "r.json", FIXTURE],
        &["diff", FIXTURE, "r.json"],
        &["check", "--profile", "r.json", "--only", "processes"],
    ] {
        let o = run_within(&env, args, QUICK);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr
                .contains("r.json: it is not a regular file but a named pipe (FIFO)"),
            "{args:?}: {}",
            o.stderr
        );
    }
    assert!(is_fifo(&fifo));
    assert!(env.history_files().is_empty(), "no run happened");
}

/// The fixture report with its time changed (a different report id).
fn fixture_at(time: &str) -> String {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    v["time"] = serde_json::json!(time);
    v.as_object_mut().unwrap().remove("report_id");
    serde_json::to_string_pretty(&v).unwrap()
}

/// The one run named with a save sequence `seq` (`...-<seq>.json`).
fn saved_with_sequence(env: &Env, seq: u64) -> PathBuf {
    let suffix = format!("-{seq}.json");
    let found: Vec<PathBuf> = env
        .history_files()
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(&suffix))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

/// Bugs: with 250 runs saved while the clock said 2099, retention deleted the run just saved
/// and `--compare last` compared with a 2099 run; a user's `my-backup.json` in the folder was
/// renamed as corrupt; set-aside files beyond 200 were deleted.
#[test]
fn future_dated_foreign_and_set_aside_files_survive_and_last_means_last_saved() {
    let env = Env::new();
    let dir = history_dir(&env);
    // Written by an examready before save sequences, its clock (and so the files' modification
    // times) in 2099.
    let future = fixture_at("2099-01-01T00:00:00Z");
    let then = SystemTime::UNIX_EPOCH + Duration::from_secs(4_070_908_800);
    for i in 0..250u64 {
        let name = format!("20990101T{:02}{:02}00Z-future{i:03}.json", i / 60, i % 60);
        let f = std::fs::File::create(dir.join(name)).unwrap();
        std::io::Write::write_all(&mut &f, future.as_bytes()).unwrap();
        f.set_modified(then + Duration::from_secs(i)).unwrap();
    }
    let backup = dir.join("my-backup.json");
    std::fs::write(&backup, "{\"mine\": true").unwrap();
    let corrupt: Vec<PathBuf> = (0..MAX_RUNS_PLUS)
        .map(|i| dir.join(format!("20200101T000000Z-junk{i:03}.json.corrupt")))
        .collect();
    for p in &corrupt {
        std::fs::write(p, "x").unwrap();
    }

    let o = run_within(&env, &["check", "--only", "processes"], CHECK);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("250 runs are dated in the future; your clock may have been wrong"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("my-backup.json is not named like a run examready saved"),
        "{}",
        o.stderr
    );
    let first = saved_with_sequence(&env, 1);
    let first_id = examready::history::read_report(&first)
        .unwrap()
        .content_id();
    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        "{\"mine\": true",
        "the user's file is untouched"
    );
    assert!(corrupt.iter().all(|p| p.exists()), "set-aside files stay");
    let runs = env
        .history_files()
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .count();
    assert_eq!(
        runs,
        examready::history::MAX_RUNS + 1,
        "200 runs and the backup"
    );

    let o = run_within(
        &env,
        &["check", "--only", "processes", "--compare", "last"],
        CHECK,
    );
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    assert!(
        o.stdout.contains(&format!("Changes from {first_id}")),
        "compared with the run saved before, not a 2099 one:\n{}",
        o.stdout
    );
    assert!(first.exists());
    saved_with_sequence(&env, 2);
    assert!(backup.exists() && corrupt.iter().all(|p| p.exists()));
}

/// More set-aside files than the history keeps runs.
const MAX_RUNS_PLUS: usize = examready::history::MAX_RUNS + 20;

/// Every character JSON output must escape (bidi marks, overrides and isolates, C1 controls
/// with the 8-bit CSI U+009B, line separators), in one string.
const HOSTILE: &str = "a\u{202E}b\u{2066}c\u{2067}d\u{2068}e\u{2069}f\u{200E}g\u{200F}h\
                       \u{061C}i\u{0080}j\u{009B}31mk\u{009F}l\u{2028}m\u{202A}n";

/// The characters of `text` that JSON output must never hold raw.
fn raw_hostile(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            matches!(c, '\u{7F}'..='\u{9F}' | '\u{061C}' | '\u{200E}' | '\u{200F}'
                | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// Bug: JSON output (stdout `--json`, `--output x.json`) wrote bidi overrides and C1 controls
/// raw, although the README said they were escaped.
#[test]
fn every_json_output_escapes_bidi_and_c1_characters() {
    let env = Env::new();
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    v["checks"][0]["facts"]["os"]["name"] = serde_json::json!(HOSTILE);
    v["checks"].as_array_mut().unwrap().push(
        serde_json::json!({"id": "hologram", "title": HOSTILE, "facts": {HOSTILE: [HOSTILE]}}),
    );
    std::fs::write(env.path("evil.json"), v.to_string()).unwrap();
    let check = |text: &str, what: &str| {
        assert_eq!(raw_hostile(text), Vec::<char>::new(), "{what}: {text}");
        assert!(text.contains("a\\u202eb\\u2066c"), "{what}: {text}");
        let back: serde_json::Value = serde_json::from_str(text).unwrap();
        let checks = back["checks"].as_array().unwrap();
        let system = checks.iter().find(|c| c["id"] == "system").unwrap();
        assert_eq!(system["facts"]["os"]["name"], HOSTILE, "{what}");
        let unknown = checks.iter().find(|c| c["id"] == "hologram").unwrap();
        assert_eq!(unknown["title"], HOSTILE, "{what}");
        assert_eq!(unknown["facts"][HOSTILE][0], HOSTILE, "{what}");
        // The report id is computed from the strings, not from their escapes.
        let report: examready::model::Report = serde_json::from_value(back.clone()).unwrap();
        assert_eq!(back["report_id"], report.content_id(), "{what}");
    };
    let o = run_within(&env, &["judge", "evil.json", "--json"], QUICK);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    check(&o.stdout, "--json");
    let o = run_within(&env, &["judge", "evil.json", "--output", "out.json"], QUICK);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    check(
        &std::fs::read_to_string(env.path("out.json")).unwrap(),
        "--output",
    );
    let o = run_within(
        &env,
        &["judge", "evil.json", "--format", "json", "-o", "out.txt"],
        QUICK,
    );
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    check(
        &std::fs::read_to_string(env.path("out.txt")).unwrap(),
        "--format json",
    );
}
