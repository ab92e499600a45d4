use super::*;
use crate::model::{CheckResult, Finding, ProfileRef, Report, Status};
use std::sync::Mutex;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn runs_every_interval_then_once_at_check_in_then_stop() {
    let s = Schedule {
        check_in: t("2026-12-01T09:00:00Z"),
        every: Duration::from_secs(600),
        max_runs: None,
    };
    assert!(!s.only_one(t("2026-12-01T08:35:00Z")));
    let n = s.after(t("2026-12-01T08:35:00Z"), 1).unwrap();
    assert_eq!(
        n,
        NextRun {
            at: t("2026-12-01T08:45:00Z"),
            last: false
        }
    );
    // The interval would pass check-in: the next run is at check-in, and the last.
    let n = s.after(t("2026-12-01T08:55:00Z"), 3).unwrap();
    assert_eq!(
        n,
        NextRun {
            at: t("2026-12-01T09:00:00Z"),
            last: true
        }
    );
    // Exactly at check-in: also the last.
    let n = s.after(t("2026-12-01T08:50:00Z"), 2).unwrap();
    assert_eq!(
        n,
        NextRun {
            at: t("2026-12-01T09:00:00Z"),
            last: true
        }
    );
    assert_eq!(s.after(t("2026-12-01T09:00:00Z"), 4), None);
    assert_eq!(s.after(t("2026-12-01T09:00:02Z"), 4), None);
    // Check-in already open at the start: one run.
    assert!(s.only_one(t("2026-12-01T09:10:00Z")));
}

#[test]
fn a_bounded_watch_stops_after_its_runs() {
    let s = Schedule {
        check_in: t("2026-12-01T09:00:00Z"),
        every: Duration::from_secs(1),
        max_runs: Some(3),
    };
    let n = s.after(t("2026-12-01T08:00:00Z"), 1).unwrap();
    assert_eq!(
        n,
        NextRun {
            at: t("2026-12-01T08:00:01Z"),
            last: false
        }
    );
    let n = s.after(t("2026-12-01T08:00:01Z"), 2).unwrap();
    assert!(n.last, "the third run is the last");
    assert_eq!(s.after(t("2026-12-01T08:00:02Z"), 3), None);
    assert!(
        Schedule {
            max_runs: Some(1),
            ..s
        }
        .only_one(t("2026-12-01T08:00:00Z"))
    );
}

#[test]
fn every_must_be_a_duration_within_bounds() {
    assert_eq!(
        parse_every("10m", MIN_EVERY).unwrap(),
        Duration::from_secs(600)
    );
    assert_eq!(
        parse_every(" 1h ", MIN_EVERY).unwrap(),
        Duration::from_secs(3600)
    );
    let e = parse_every("ten minutes", MIN_EVERY)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a duration"), "{e}");
    let e = parse_every("30s", MIN_EVERY).unwrap_err().to_string();
    assert!(e.contains("too short") && e.contains("1m"), "{e}");
    assert_eq!(
        parse_every("2s", MIN_EVERY_BOUNDED).unwrap(),
        Duration::from_secs(2)
    );
    assert!(parse_every("2days", MIN_EVERY).is_err());
}

/// Keeps what it was asked to show; fails when told to.
#[derive(Default)]
struct Recording {
    shown: Mutex<Vec<Announcement>>,
    fail: bool,
}

impl Notifier for Recording {
    fn notify(&self, a: &Announcement) -> anyhow::Result<()> {
        self.shown.lock().unwrap().push(a.clone());
        anyhow::ensure!(!self.fail, "no notification service");
        Ok(())
    }
}

fn apps_report(at: &str, running: &[(&str, u32)]) -> Report {
    let findings: Vec<Finding> = running
        .iter()
        .map(|(name, pid)| {
            Finding::fail(
                crate::check::processes::ProcessCode::AppProhibited,
                format!("{name} (remote access) is running: process {pid}."),
                format!("Quit {name}."),
            )
        })
        .collect();
    let status = if findings.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    Report::new(
        t(at),
        ProfileRef {
            id: "onvue".into(),
            name: "Pearson OnVUE".into(),
            updated: None,
        },
        vec![CheckResult {
            id: "processes".into(),
            title: "Running applications".into(),
            status,
            summary: String::new(),
            duration_ms: 40,
            facts: serde_json::json!({}),
            figures: vec![],
            findings,
        }],
    )
}

#[test]
fn only_a_change_is_announced_and_a_failed_notification_is_not_an_error() {
    let rec = Recording::default();
    let a = apps_report("2026-12-01T08:00:00Z", &[("Parsec", 10)]);
    // The same app under another pid: no change, nothing announced.
    let same = apps_report("2026-12-01T08:10:00Z", &[("Parsec", 11)]);
    assert_eq!(announce(&rec, &crate::diff::diff(&a, &same)), None);
    assert!(rec.shown.lock().unwrap().is_empty());
    let more = apps_report("2026-12-01T08:20:00Z", &[("Parsec", 11), ("x11vnc", 12)]);
    let got = announce(&rec, &crate::diff::diff(&same, &more)).unwrap();
    assert_eq!(got.title, "examready: 1 change (not-ready)");
    assert!(
        got.body.contains("new: x11vnc (remote access) is running"),
        "{}",
        got.body
    );
    assert!(
        !got.body.contains("Parsec"),
        "an unchanged finding: {}",
        got.body
    );
    assert_eq!(rec.shown.lock().unwrap().as_slice(), [got]);
    let failing = Recording {
        fail: true,
        ..Recording::default()
    };
    let gone = apps_report("2026-12-01T08:30:00Z", &[]);
    let got = announce(&failing, &crate::diff::diff(&more, &gone)).unwrap();
    assert_eq!(got.title, "examready: 3 changes (ready)", "{got:?}");
    assert!(got.body.contains("fixed: x11vnc") && got.body.contains("fixed: Parsec"));
    assert_eq!(failing.shown.lock().unwrap().len(), 1);
}

#[test]
fn the_platform_command_carries_title_and_body() {
    let a = Announcement {
        title: "examready: 1 change".into(),
        body: "✗ new: \"x\"".into(),
    };
    let (program, args) = SystemNotifier::command(&a);
    let all = args.join(" ");
    if cfg!(windows) {
        assert_eq!(program, "powershell");
    } else if cfg!(target_os = "macos") {
        assert_eq!(program, "osascript");
        assert!(all.contains("\\\"x\\\""), "{all}");
    } else {
        assert_eq!(program, "notify-send");
        assert_eq!(&args[args.len() - 2..], [a.title.clone(), a.body.clone()]);
    }
    assert!(all.contains("examready: 1 change"), "{all}");
}
