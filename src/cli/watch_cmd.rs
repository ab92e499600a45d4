//! `examready watch`: re-check on a schedule until check-in opens ([`crate::watch`]), print the
//! first result in full and then only what changed, ring the terminal bell and send a desktop
//! notification on a change, and end with the last run's verdict as the exit status.

use super::*;

use crate::watch::{self, Notifier, Schedule};

/// What Ctrl-C or SIGTERM prints between two runs.
const WAITING_STOPPED: &str =
    "examready: interrupted: the watch stopped; every run so far is saved in the history";
/// What it prints when it stops a run's probes.
const RUN_STOPPED: &str = "examready: interrupted: the watch stopped during a run; that run was \
                           not saved, the earlier ones are in the history";

fn hh_mm(t: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%H:%M:%S")
        .to_string()
}

/// Print for a person on stdout; a reader that went away (`| head`) does not stop the watch.
fn show(text: &str) -> anyhow::Result<()> {
    match print_stdout(text) {
        Err(e) if !is_broken_pipe(&e) => Err(e),
        _ => Ok(()),
    }
}

/// The lines before the first run: the exam, when check-in opens, the interval.
fn intro(plan: &Plan, schedule: &Schedule, runs: Option<u32>, tz: &jiff::tz::TimeZone) -> String {
    let exam = plan.exam.as_ref();
    let check_in = schedule.check_in;
    let opens = if exam.and_then(|e| e.check_in_minutes).is_some() {
        format!(
            "check-in opens at {}",
            check_in.to_zoned_datetime(tz.clone()).strftime("%H:%M")
        )
    } else {
        format!(
            "{} does not say when check-in opens: until the exam's start, {}",
            plan.profile.name(),
            hh_mm(check_in, tz)
        )
    };
    let mut intro = format!(
        "examready watch · {} · exam {} · {opens}\n",
        plan.profile.name(),
        exam.map(|e| e.local.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    );
    if plan.started >= check_in {
        intro.push_str("Check-in is already open: one run now, then stop.\n");
    } else {
        intro.push_str(&format!(
            "Re-checking every {} until then{}; after the first result only changes are shown.\n",
            humantime::format_duration(schedule.every),
            runs.map(|n| format!(" (at most {n} runs)"))
                .unwrap_or_default()
        ));
    }
    intro
}

/// One run's output: the first in full, a later one as what changed since `previous` (with
/// the bell and a notification on its own thread, pushed to `notifying`).
fn show_run(
    report: &Report,
    previous: Option<&Report>,
    done: u32,
    verbose: bool,
    notifier: Option<&'static dyn Notifier>,
    notifying: &mut Vec<std::thread::JoinHandle<()>>,
) -> anyhow::Result<()> {
    let tz = jiff::tz::TimeZone::system();
    let Some(prev) = previous else {
        let delivered = deliver(
            report,
            &Delivery {
                output: None,
                json: false,
                format: None,
                verbose,
            },
        );
        return match delivered {
            Err(e) if !is_broken_pipe(&e) => Err(e),
            _ => Ok(()),
        };
    };
    let when = hh_mm(report.time, &tz);
    let d = crate::diff::diff(prev, report);
    let n = d.count();
    if n == 0 {
        return show(&format!(
            "{when} run {done}: no change ({}).\n",
            report.verdict.as_str()
        ));
    }
    show(&format!(
        "{when} run {done}: {n} change{} since {}:\n{}",
        if n == 1 { "" } else { "s" },
        hh_mm(prev.time, &tz),
        d.render_changes()
    ))?;
    if std::io::stdout().is_terminal() {
        let _ = print_raw("\x07");
    }
    // On its own thread: a slow notification service never delays the next run.
    if let Some(notifier) = notifier {
        notifying.push(std::thread::spawn(move || {
            watch::announce(notifier, &d);
        }));
    }
    Ok(())
}

/// The run's plan (as `check` would make it, with the exam) and the schedule of the runs.
fn watch_plan(args: &WatchArgs) -> anyhow::Result<(Plan, Schedule)> {
    let min = if args.runs.is_some() {
        watch::MIN_EVERY_BOUNDED
    } else {
        watch::MIN_EVERY
    };
    let every = watch::parse_every(&args.every, min)?;
    let check = CheckArgs {
        select: args.select.clone(),
        measure: args.measure.clone(),
        exam_at: Some(args.exam_at.clone()),
        verbose: args.verbose,
        ..CheckArgs::default()
    };
    let plan = plan(&check)?;
    let exam = plan.exam.as_ref().context("--exam-at is required")?;
    let schedule = Schedule {
        check_in: exam.check_in_at(),
        every,
        max_runs: args.runs,
    };
    Ok((plan, schedule))
}

/// Say when the next run is, and sleep until then.
fn wait_for_next(next: &watch::NextRun, tz: &jiff::tz::TimeZone) -> anyhow::Result<()> {
    show(&format!(
        "Next run at {}{}; Ctrl-C stops.\n",
        hh_mm(next.at, tz),
        if next.last { " (the last)" } else { "" }
    ))?;
    let wait = jiff::Timestamp::now().duration_until(next.at);
    if let Ok(wait) = std::time::Duration::try_from(wait) {
        std::thread::sleep(wait);
    }
    Ok(())
}

/// The closing line: why the watch stopped and the last verdict.
fn say_last(
    last: &Report,
    done: u32,
    schedule: &Schedule,
    tz: &jiff::tz::TimeZone,
) -> anyhow::Result<()> {
    let why = if last.time >= schedule.check_in {
        "Check-in is open".to_string()
    } else {
        format!(
            "Stopped after {done} run{}",
            if done == 1 { "" } else { "s" }
        )
    };
    show(&format!(
        "\n{why}. Last verdict ({}): {}. Report id: {}\n",
        hh_mm(last.time, tz),
        render::plain::headline(last),
        last.report_id.as_deref().unwrap_or("-")
    ))
}

pub(super) fn run_watch(args: &WatchArgs) -> anyhow::Result<u8> {
    let signals = crate::interrupt::install(NOTHING_WRITTEN);
    let (plan, schedule) = watch_plan(args)?;
    let tz = jiff::tz::TimeZone::system();
    show(&format!("{}\n", intro(&plan, &schedule, args.runs, &tz)))?;
    let notifier: Option<&'static dyn Notifier> =
        (!args.no_notify).then_some(&watch::SystemNotifier);
    let mut notifying = Vec::new();
    let history = history_before_run();
    crate::runner::quiet_panics();
    let rt = runtime()?;
    let mut started = plan.started;
    let mut previous: Option<Report> = None;
    let mut done = 0u32;
    let last = loop {
        let report = match run_once(&plan, started, &rt, &signals) {
            Ok(report) => report,
            Err(signal) => {
                say!("{RUN_STOPPED}");
                return Ok(signal.exit_code());
            }
        };
        save_run(history.as_ref(), &report);
        done += 1;
        show_run(
            &report,
            previous.as_ref(),
            done,
            args.verbose,
            notifier,
            &mut notifying,
        )?;
        let next = schedule.after(started, done);
        previous = Some(report);
        signals.set_message(WAITING_STOPPED);
        let Some(next) = next else {
            break previous.expect("a run finished");
        };
        wait_for_next(&next, &tz)?;
        started = jiff::Timestamp::now();
    };
    // A timed-out probe may still be stuck in a driver: do not wait for it.
    rt.shutdown_background();
    // The last notifications are shown before the program ends (each is bounded in time).
    for n in notifying {
        let _ = n.join();
    }
    say_last(&last, done, &schedule, &tz)?;
    Ok(verdict_code(&last))
}
