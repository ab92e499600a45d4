//! `examready watch`: real runs of the processes check on a short schedule, a prohibited
//! application started and stopped between runs, the announcements and desktop notifications
//! (through a recording `notify-send` on PATH), check-in already open, and the refusals.

#[cfg(unix)]
use std::io::{BufRead, BufReader};
#[cfg(unix)]
use std::process::Stdio;
#[cfg(unix)]
use std::sync::mpsc;
#[cfg(unix)]
use std::time::Duration;

use crate::support::Env;
#[cfg(unix)]
use crate::support::NamedProcess;

/// OnVUE's check-in rule (30 minutes) with only two applications prohibited, named so that no
/// other test starts them: whatever else runs on the machine changes nothing.
const PROFILE: &str = "[profile]\nname = \"watch test\"\nextends = \"onvue\"\n[processes]\n\
                       prohibited = []\ndiscouraged = []\nprohibited_apps = [\"parsec\", \"x11vnc\"]\n\
                       discouraged_apps = []\nallowed_apps = []\n";

/// "YYYY-MM-DD HH:MM" in UTC (the tests' time zone), `minutes` from now.
fn exam_in(minutes: i64) -> String {
    (jiff::Timestamp::now() + jiff::SignedDuration::from_mins(minutes))
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(unix)]
/// The next line of the watch's stdout (the test fails after a generous minute without one).
fn next_line(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>) -> Option<String> {
    let line = lines.recv_timeout(Duration::from_secs(60)).ok()?;
    seen.push(line.clone());
    Some(line)
}

#[cfg(unix)]
#[test]
fn a_change_between_runs_is_announced_once_and_its_end_too() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    std::fs::write(env.path("watch.toml"), PROFILE).unwrap();
    // A recording notify-send: one line per call in calls.txt, its arguments in args.txt.
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("notify-send");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho call >> '{0}/calls.txt'\nprintf '%s\\n' \"$@\" >> '{0}/args.txt'\n",
            env.dir.path().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Running from the start and all along: reported in the first result, never again.
    let parsec = NamedProcess::start("parsecd");
    let mut run = env.cmd(&[
        "watch",
        "--exam-at",
        &exam_in(180),
        "--every",
        "1s",
        "--runs",
        "8",
        "--only",
        "processes",
        "--profile",
        "watch.toml",
    ]);
    run.env("PATH", &path).stdout(Stdio::piped());
    let mut child = run.spawn().unwrap();
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = vec![];
    // The first result, in full, with Parsec in it.
    while let Some(l) = next_line(&lines, &mut seen) {
        if l.starts_with("Next run at") {
            break;
        }
    }
    let first = seen.join("\n");
    assert!(
        first.contains("Parsec") && first.contains(&parsec.pid().to_string()),
        "{first}"
    );
    assert!(first.contains("Re-checking every 1s"), "{first}");
    let after_first = seen.len();
    // Between two runs, a prohibited application starts ...
    let mut vnc = NamedProcess::start("x11vnc");
    let mut stopped = false;
    while let Some(l) = next_line(&lines, &mut seen) {
        if !stopped && l.contains("new: x11vnc") {
            // ... and is caught; then it ends, and that is caught too.
            vnc.stop();
            stopped = true;
        }
        if l.starts_with("Stopped after") {
            break;
        }
    }
    let status = child.wait().unwrap();
    let text = seen.join("\n");
    let later = &seen[after_first..];
    assert!(stopped, "x11vnc was never announced:\n{text}");
    let count = |needle: &str| later.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(count("new: x11vnc"), 1, "{text}");
    assert_eq!(count("fixed: x11vnc"), 1, "{text}");
    assert!(
        later
            .iter()
            .position(|l| l.contains("new: x11vnc"))
            .unwrap()
            < later
                .iter()
                .position(|l| l.contains("fixed: x11vnc"))
                .unwrap(),
        "{text}"
    );
    assert_eq!(
        count("1 change since"),
        2,
        "exactly one change each time:\n{text}"
    );
    assert_eq!(
        count("Parsec"),
        0,
        "an unchanged finding was announced:\n{text}"
    );
    // Every run that is not one of those two says so in one line.
    let runs: Vec<&String> = later
        .iter()
        .filter(|l| l.get(8..13) == Some(" run "))
        .collect();
    assert_eq!(runs.len(), 7, "{text}");
    assert_eq!(count("no change (not-ready)"), 5, "{text}");
    assert!(
        text.contains("Stopped after 8 runs. Last verdict")
            && text.contains("Not ready for watch test"),
        "{text}"
    );
    assert_eq!(status.code(), Some(1), "Parsec still runs: not ready");
    assert_eq!(env.history_files().len(), 8, "every run is saved");
    // One desktop notification per change, none for the runs without one.
    let calls = std::fs::read_to_string(env.path("calls.txt")).unwrap_or_default();
    let args = std::fs::read_to_string(env.path("args.txt")).unwrap_or_default();
    assert_eq!(calls.lines().count(), 2, "{args}");
    assert!(args.contains("examready: 1 change (not-ready)"), "{args}");
    assert!(
        args.contains("new: x11vnc") && args.contains("fixed: x11vnc"),
        "{args}"
    );
    assert!(!args.contains("Parsec"), "{args}");
}

#[test]
fn with_check_in_already_open_it_runs_once_and_says_so() {
    let env = Env::new();
    // Nothing prohibited (the other test here starts Parsec and x11vnc): the verdict is ready.
    let nothing = PROFILE.replace("\"parsec\", \"x11vnc\"", "");
    std::fs::write(env.path("watch.toml"), nothing).unwrap();
    let (code, out, err) = env.run(&[
        "watch",
        "--exam-at",
        &exam_in(10),
        "--only",
        "processes",
        "--profile",
        "watch.toml",
        "--no-notify",
    ]);
    assert!(
        out.contains("Check-in is already open: one run now, then stop."),
        "{out}{err}"
    );
    assert!(out.contains("Check-in is open. Last verdict"), "{out}");
    assert!(!out.contains("Next run at"), "{out}");
    assert_eq!(code, 0, "nothing prohibited runs: {out}{err}");
    assert_eq!(env.history_files().len(), 1);
}

#[test]
fn a_past_exam_a_bad_or_too_short_interval_are_usage_errors() {
    let env = Env::new();
    for (args, says) in [
        (vec!["--exam-at", "2020-01-01 09:00"], "is in the past"),
        (vec!["--exam-at", "tomorrow"], "YYYY-MM-DD HH:MM"),
        (
            vec!["--exam-at", &*exam_in(300), "--every", "often"],
            "not a duration",
        ),
        (
            vec!["--exam-at", &*exam_in(300), "--every", "30s"],
            "too short",
        ),
        (
            vec!["--exam-at", &*exam_in(300), "--every", "0s", "--runs", "2"],
            "too short",
        ),
        (vec!["--every", "10m"], "--exam-at"),
    ] {
        let mut all = vec!["watch", "--only", "processes"];
        all.extend(args.iter().copied());
        let (code, out, err) = env.run(&all);
        assert_eq!(code, 2, "{all:?}: {out}{err}");
        assert!(err.contains(says), "{all:?}: {err}");
        assert!(out.is_empty(), "{all:?}: {out}");
    }
    assert!(env.history_files().is_empty(), "nothing ran");
}

#[cfg(unix)]
#[test]
fn ctrl_c_while_waiting_ends_the_watch_with_130() {
    let env = Env::new();
    let mut run = env.cmd(&[
        "watch",
        "--exam-at",
        &exam_in(300),
        "--every",
        "10m",
        "--only",
        "processes",
        "--no-notify",
    ]);
    run.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = run.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 && !line.contains("Next run at") {
        line.clear();
    }
    assert!(line.contains("Next run at"), "{line}");
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("the watch stopped"), "{err}");
    assert_eq!(env.history_files().len(), 1, "the first run is saved");
}
