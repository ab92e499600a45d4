/*!
The runner: starts every selected module at once, each probe on a blocking thread with its own
deadline, turns a panic into `crash` and an overrun into `timeout` for that module only, times
each module, and always returns one result per module, in registry order.

A probe that overruns cannot be killed (it may be stuck in a driver); the runner marks it as timed
out, raises its cancellation flag and moves on. The process exits without waiting for it.
*/

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::check::{Check, ProbeContext, ProbeOptions};
use crate::model::{CheckResult, Finding, Judgement, Status};
use crate::profile::Profile;

/// What the runner tells the display while it works.
#[derive(Debug, Clone)]
pub enum Event {
    Started {
        id: &'static str,
        title: &'static str,
    },
    Progress {
        id: &'static str,
        message: String,
    },
    Finished {
        result: CheckResult,
    },
}

pub type EventSink = Arc<dyn Fn(Event) + Send + Sync>;

/// A sink that drops every event.
pub fn no_events() -> EventSink {
    Arc::new(|_| {})
}

/// The message of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

fn crash_result(
    check: &dyn Check,
    duration: Duration,
    facts: serde_json::Value,
    what: &str,
    detail: String,
) -> CheckResult {
    CheckResult {
        id: check.id().into(),
        title: check.title().into(),
        status: Status::Crash,
        summary: format!("crashed while {what}"),
        duration_ms: duration.as_millis() as u64,
        facts,
        figures: vec![],
        findings: vec![Finding::new(
            crate::codes::RunnerCode::CheckCrashed,
            Status::Crash,
            format!("The {} check crashed while {what}: {detail}", check.title().to_lowercase()),
        )
        .with_remedy(
            "This is a bug in examready, not a problem with your computer. Run the check again; \
             if it repeats, report it with the JSON report (examready check --output report.json).",
        )],
    }
}

/// Judge recorded facts (used after a probe and by replays). A judge that panics or cannot read
/// the facts yields a `crash` result rather than taking the report down.
pub fn judge_facts(
    check: &dyn Check,
    facts: serde_json::Value,
    profile: &Profile,
    duration: Duration,
) -> CheckResult {
    let judged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let judgement = check.judge(&facts, profile)?;
        let figures = check.figures(&facts, profile)?;
        anyhow::Ok((judgement, figures))
    }));
    match judged {
        Ok(Ok((j, figures))) => finish(check, facts, j, figures, duration),
        Ok(Err(e)) => crash_result(
            check,
            duration,
            facts,
            "judging its facts",
            format!("{e:#}"),
        ),
        Err(p) => crash_result(
            check,
            duration,
            facts,
            "judging its facts",
            panic_message(p.as_ref()),
        ),
    }
}

fn finish(
    check: &dyn Check,
    facts: serde_json::Value,
    j: Judgement,
    figures: Vec<crate::model::Figure>,
    duration: Duration,
) -> CheckResult {
    CheckResult {
        id: check.id().into(),
        title: check.title().into(),
        status: j.status(),
        summary: j.summary,
        duration_ms: duration.as_millis() as u64,
        facts,
        figures,
        findings: j.findings,
    }
}

/// The result of a check whose probe did not answer within `deadline`.
fn timed_out(check: &dyn Check, elapsed: Duration, deadline: Duration) -> CheckResult {
    let id = check.id();
    CheckResult {
        id: id.into(),
        title: check.title().into(),
        status: Status::Timeout,
        summary: format!("no answer within {} s", fmt_secs(deadline)),
        duration_ms: elapsed.as_millis() as u64,
        facts: serde_json::Value::Null,
        figures: vec![],
        findings: vec![Finding::new(
            crate::codes::RunnerCode::CheckTimedOut,
            Status::Timeout,
            format!(
                "The {} check did not finish within {} s: a device, driver or network did not answer.",
                check.title().to_lowercase(),
                fmt_secs(deadline)
            ),
        )
        .with_remedy(format!(
            "Close programs that may hold the device, unplug and reconnect it (or restart the computer), \
             then run `examready check --only {id} -v`."
        ))],
    }
}

async fn run_one(
    check: &'static dyn Check,
    profile: Arc<Profile>,
    options: Arc<ProbeOptions>,
    deadline: Duration,
    events: EventSink,
) -> CheckResult {
    let id = check.id();
    events(Event::Started {
        id,
        title: check.title(),
    });
    let start = Instant::now();
    let progress_events = events.clone();
    let ctx = ProbeContext::new(
        options,
        profile.clone(),
        start + deadline,
        Arc::new(move |m: &str| {
            progress_events(Event::Progress {
                id,
                message: m.to_string(),
            })
        }),
    );
    let cancel = ctx.cancel_flag();
    tracing::debug!("probe started: {id}");
    let handle = tokio::task::spawn_blocking(move || check.probe(&ctx));
    let result = match tokio::time::timeout(deadline, handle).await {
        Err(_) => {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            timed_out(check, start.elapsed(), deadline)
        }
        Ok(Err(join)) if join.is_panic() => {
            let msg = panic_message(join.into_panic().as_ref());
            crash_result(
                check,
                start.elapsed(),
                serde_json::Value::Null,
                "probing",
                msg,
            )
        }
        Ok(Err(join)) => crash_result(
            check,
            start.elapsed(),
            serde_json::Value::Null,
            "probing",
            join.to_string(),
        ),
        Ok(Ok(Err(e))) => crash_result(
            check,
            start.elapsed(),
            serde_json::Value::Null,
            "probing",
            format!("{e:#}"),
        ),
        Ok(Ok(Ok(facts))) => judge_facts(check, facts, &profile, start.elapsed()),
    };
    events(Event::Finished {
        result: result.clone(),
    });
    result
}

fn fmt_secs(d: Duration) -> String {
    crate::check::fmt::num(d.as_secs_f64())
}

/// Run `checks` concurrently under `profile`. Deadlines come from the profile's `[runner]`.
pub async fn run(
    checks: &[&'static dyn Check],
    profile: Arc<Profile>,
    options: Arc<ProbeOptions>,
    events: EventSink,
) -> Vec<CheckResult> {
    let mut set = tokio::task::JoinSet::new();
    for (i, &check) in checks.iter().enumerate() {
        let deadline = profile.file.runner.deadline_for(check.id());
        let fut = run_one(
            check,
            profile.clone(),
            options.clone(),
            deadline,
            events.clone(),
        );
        set.spawn(async move { (i, fut.await) });
    }
    let mut results: Vec<Option<CheckResult>> = vec![None; checks.len()];
    while let Some(joined) = set.join_next().await {
        // run_one itself cannot panic: probes and judges are isolated inside it.
        if let Ok((i, r)) = joined {
            results[i] = Some(r);
        }
    }
    results
        .into_iter()
        .zip(checks)
        .map(|(r, c)| {
            r.unwrap_or_else(|| {
                crash_result(
                    *c,
                    Duration::ZERO,
                    serde_json::Value::Null,
                    "running",
                    "lost".into(),
                )
            })
        })
        .collect()
}

/// Silence the default panic printout while checks run: a crash is reported in the result, not
/// as a backtrace on the candidate's terminal. `EXAMREADY_LOG` shows it through tracing.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        tracing::debug!("panic: {info}");
    }));
}
