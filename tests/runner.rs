//! The runner with test-only modules: a panic becomes `crash`, a probe that never returns becomes
//! `timeout`, each for that module only, and the report is still complete and in order.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use examready::catalogue::Catalogue;
use examready::check::{Check, JudgeContext, Module, ProbeContext, ProbeOptions};
use examready::model::{Finding, Judgement, Status};
use examready::profile::{self, Profile};
use examready::runner::{self, Event};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Facts {
    value: u32,
}

examready::finding_codes! {
    /// The test modules' one code.
    enum TestCode {
        Ok = "ok": "fine",
    }
}

macro_rules! test_module {
    ($name:ident, $id:expr, $probe:expr, $judge:expr) => {
        struct $name;
        impl Module for $name {
            type Facts = Facts;
            type Requirements = ();
            const ID: &'static str = $id;
            const TITLE: &'static str = $id;
            const ABOUT: &'static str = "test-only module";
            const CODES: &'static [&'static [(&'static str, &'static str)]] = &[TestCode::TABLE];
            fn probe(&self, _: &(), ctx: &ProbeContext) -> anyhow::Result<Facts> {
                ($probe)(ctx)
            }
            fn judge(facts: &Facts, _: &(), _: JudgeContext) -> Judgement {
                ($judge)(facts)
            }
        }
    };
}

fn fine(f: &Facts) -> Judgement {
    Judgement {
        summary: format!("value {}", f.value),
        findings: vec![Finding::pass(TestCode::Ok, "fine")],
    }
}

test_module!(
    Good,
    "good",
    |ctx: &ProbeContext| {
        ctx.progress("working");
        Ok(Facts { value: 7 })
    },
    fine
);
test_module!(
    Panics,
    "panics",
    |_: &ProbeContext| -> anyhow::Result<Facts> { panic!("the driver exploded") },
    fine
);
test_module!(
    Hangs,
    "hangs",
    |_: &ProbeContext| -> anyhow::Result<Facts> {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    },
    fine
);
test_module!(
    Errors,
    "errors",
    |_: &ProbeContext| -> anyhow::Result<Facts> { anyhow::bail!("no such device") },
    fine
);
test_module!(
    JudgePanics,
    "judge-panics",
    |_: &ProbeContext| Ok(Facts { value: 1 }),
    |_: &Facts| -> Judgement { panic!("bad rule") }
);
test_module!(
    Slow,
    "slow",
    |_: &ProbeContext| {
        std::thread::sleep(Duration::from_millis(300));
        Ok(Facts { value: 3 })
    },
    fine
);

fn profile(deadline_s: f64) -> Arc<Profile> {
    let text = format!("[profile]\nname = \"Test\"\n[runner]\ndeadline_s = {deadline_s}\n");
    Arc::new(profile::parse("test", "test.toml", &text, Catalogue::builtin().unwrap()).unwrap())
}

#[test]
fn panics_and_hangs_are_isolated_and_the_report_is_complete() {
    runner::quiet_panics();
    let checks: Vec<&'static dyn Check> =
        vec![&Good, &Panics, &Hangs, &Errors, &JudgePanics, &Slow];
    let events = Arc::new(AtomicUsize::new(0));
    let progress = Arc::new(AtomicUsize::new(0));
    let (e, p) = (events.clone(), progress.clone());
    let sink: runner::EventSink = Arc::new(move |ev| {
        e.fetch_add(1, Ordering::SeqCst);
        if matches!(ev, Event::Progress { .. }) {
            p.fetch_add(1, Ordering::SeqCst);
        }
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    let results = rt.block_on(runner::run(
        &checks,
        profile(1.0),
        Arc::new(ProbeOptions::default()),
        sink,
    ));
    let elapsed = start.elapsed();
    rt.shutdown_background();

    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["good", "panics", "hangs", "errors", "judge-panics", "slow"],
        "registry order"
    );
    let status = |id: &str| results.iter().find(|r| r.id == id).unwrap();

    assert_eq!(status("good").status, Status::Pass);
    assert_eq!(status("good").facts["value"], 7);
    assert_eq!(status("good").summary, "value 7");

    let crash = status("panics");
    assert_eq!(crash.status, Status::Crash);
    assert_eq!(crash.findings[0].code, "check-crashed");
    assert!(
        crash.findings[0].message.contains("the driver exploded"),
        "{:?}",
        crash.findings
    );
    assert!(crash.findings[0].remedy.is_some());

    let hung = status("hangs");
    assert_eq!(hung.status, Status::Timeout);
    assert_eq!(hung.findings[0].code, "check-timed-out");
    assert!(hung.duration_ms >= 1000, "{}", hung.duration_ms);

    assert_eq!(status("errors").status, Status::Crash);
    assert!(
        status("errors").findings[0]
            .message
            .contains("no such device")
    );

    let jp = status("judge-panics");
    assert_eq!(jp.status, Status::Crash);
    assert!(jp.findings[0].message.contains("bad rule"));
    assert_eq!(
        jp.facts["value"], 1,
        "the probe's facts are kept when the judge crashes"
    );

    // Modules run concurrently: the slow one's 300 ms overlaps the hung one's 1 s deadline.
    let slow = status("slow");
    assert_eq!(slow.status, Status::Pass);
    assert!(slow.duration_ms >= 300);
    assert!(
        elapsed < Duration::from_secs(5),
        "the runner waited for the hung probe: {elapsed:?}"
    );

    // Started + Finished for each module, plus the good module's progress message.
    assert_eq!(progress.load(Ordering::SeqCst), 1);
    assert_eq!(events.load(Ordering::SeqCst), 6 * 2 + 1);

    let report =
        examready::model::Report::new(jiff::Timestamp::now(), profile(1.0).reference(), results);
    assert_eq!(report.verdict, examready::model::Verdict::NotReady);
    assert_eq!(report.checks.len(), 6);
}

#[test]
fn replaying_facts_that_do_not_fit_is_a_crash_not_a_panic() {
    let r = runner::judge_facts(
        &Good,
        serde_json::json!({"value": "not a number"}),
        &profile(1.0),
        Duration::ZERO,
    );
    assert_eq!(r.status, Status::Crash);
    assert!(
        r.findings[0].message.contains("cannot be read"),
        "{:?}",
        r.findings
    );
}
