//! `examready check`: which modules, the plan (profile, deadlines, output), the run, and the
//! delivery of the report (history, file, stdout) with its exit code.

use super::*;

/// Which modules to run, from `--only` and `--skip`. Unknown ids are usage errors.
pub fn select(only: &[String], skip: &[String]) -> anyhow::Result<Vec<&'static dyn Check>> {
    let clean = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect()
    };
    if !only.is_empty() && clean(only).is_empty() {
        bail!(
            "--only names no check: give one or more ids, comma-separated ({})",
            check::ids()
        );
    }
    let (only, skip) = (clean(only), clean(skip));
    for id in only.iter().chain(&skip) {
        if check::find(id).is_none() {
            bail!(
                "unknown check {id:?}: the checks are {} (see `examready checks`)",
                check::ids()
            );
        }
    }
    let chosen: Vec<&'static dyn Check> = check::REGISTRY
        .iter()
        .copied()
        .filter(|c| only.is_empty() || only.iter().any(|o| o == c.id()))
        .filter(|c| !skip.iter().any(|s| s == c.id()))
        .collect();
    if chosen.is_empty() {
        bail!("--only and --skip leave no check to run");
    }
    Ok(chosen)
}

/// Everything validated before any probe runs.
pub(super) struct Plan {
    pub(super) profile: Arc<Profile>,
    pub(super) checks: Vec<&'static dyn Check>,
    pub(super) output: Option<(PathBuf, render::output::Format)>,
    pub(super) options: ProbeOptions,
    pub(super) started: jiff::Timestamp,
    pub(super) exam: Option<crate::exam::ExamPlan>,
}

/// `--output` and `--format`: the file and its format, checked writable now (before probing).
pub(super) fn output_target(
    output: Option<&PathBuf>,
    format: Option<render::output::Format>,
) -> anyhow::Result<Option<(PathBuf, render::output::Format)>> {
    let Some(p) = output else { return Ok(None) };
    render::output::check_writable(p)?;
    let format = render::output::Format::choose(p, format)?;
    Ok(Some((p.clone(), format)))
}

pub(super) fn plan(args: &CheckArgs) -> anyhow::Result<Plan> {
    let mut profile = profile::load(&args.select.profile)?;
    let checks = select(&args.select.only, &args.select.skip)?;
    if let Some(server) = &args.measure.server {
        crate::check::network::parse_server_url(server)
            .map_err(|e| anyhow::anyhow!("--server: {e}"))?;
    }
    if let Some(soak) = args.soak {
        // The soak runs after the other measurements: extend the network deadline by its length.
        let runner = &mut profile.file.runner;
        let base = runner.deadline_for("network").as_secs_f64();
        runner.deadlines.insert(
            "network".into(),
            profile::Seconds(base + soak.as_secs_f64()),
        );
    }
    let output = output_target(args.output.as_ref(), args.format)?;
    let started = jiff::Timestamp::now();
    let exam = match &args.exam_at {
        Some(t) => Some(crate::exam::plan(
            t,
            &jiff::tz::TimeZone::system(),
            started,
            profile.file.checklist.check_in_minutes.map(|m| m.0),
        )?),
        None => None,
    };
    Ok(Plan {
        profile: Arc::new(profile),
        checks,
        output,
        options: ProbeOptions {
            quick: args.measure.quick,
            mic: args.measure.mic.clone(),
            speak: args.speak,
            play_tone: args.play_tone,
            camera: args.measure.camera.clone(),
            camera_frames: args.measure.camera_frames.clone(),
            snapshot: args.snapshot.clone(),
            server: args.measure.server.clone(),
            soak: args.soak,
        },
        started,
        exam,
    })
}

/// Where a finished report goes: the file, then stdout (JSON, another format, or the terminal
/// view).
pub(super) struct Delivery<'a> {
    pub(super) output: Option<&'a (PathBuf, render::output::Format)>,
    pub(super) json: bool,
    pub(super) format: Option<render::output::Format>,
    pub(super) verbose: bool,
}

/// The report goes to stdout first, so that a file that cannot be written (a full disk) still
/// leaves the candidate with the result on screen; then to the file. A closed stdout (`| head`)
/// does not stop the file from being written.
pub(super) fn deliver(report: &Report, d: &Delivery) -> anyhow::Result<()> {
    let printed = if d.json {
        print_raw(&render::json::render(report))
    } else if let (Some(format), None) = (d.format, d.output) {
        print_raw(&render::output::render(report, format))
    } else {
        let width = std::io::stdout()
            .is_terminal()
            .then(|| console::Term::stdout().size().1 as usize);
        print_stdout(&render::terminal::render(report, d.verbose, width))
    };
    if let Err(e) = &printed
        && !is_broken_pipe(e)
    {
        return printed;
    }
    if let Some((path, format)) = d.output {
        render::output::write_report(report, path, *format)?;
        if !d.json && d.format.is_none() {
            say!(
                "Report written to {}",
                render::sanitize::plain(&path.display().to_string())
            );
        }
    }
    printed
}

pub(super) fn verdict_code(report: &Report) -> u8 {
    match report.verdict {
        Verdict::Ready => EXIT_READY,
        Verdict::NotReady => EXIT_NOT_READY,
    }
}

/// The verdict's exit status once the report is delivered; a reader that closed stdout early
/// (`examready | head -3`) does not change it.
pub(super) fn deliver_or_pipe(
    report: &Report,
    delivered: anyhow::Result<()>,
) -> anyhow::Result<u8> {
    match delivered {
        Err(e) if !is_broken_pipe(&e) => Err(e),
        _ => Ok(verdict_code(report)),
    }
}

/// What Ctrl-C or SIGTERM prints before the checks start (and in `judge`, before the report is
/// delivered).
pub(super) const NOTHING_WRITTEN: &str = "examready: interrupted: nothing was saved or written";
/// What Ctrl-C or SIGTERM prints while the run is saved and the report written.
pub(super) const WHILE_DELIVERING: &str = "examready: interrupted while the report was being saved and \
                                written: a file being written was removed, files already written \
                                are kept";

/// The history read before a run is added to it; `None` (with a warning) when it cannot be
/// read, and the run is then not saved.
pub(super) fn history_before_run() -> Option<(crate::history::Store, crate::history::Loaded)> {
    match load_history() {
        Ok((_, loaded)) if loaded.folder_error.is_some() => {
            let e = loaded.folder_error.unwrap_or_default();
            warn(&format!("{e}; this run will not be saved"));
            None
        }
        Ok(h) => Some(h),
        Err(e) => {
            warn(&format!("{e:#}; this run will not be saved"));
            None
        }
    }
}

/// The async runtime the probes run on.
pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Run the plan's checks once (spinners on stderr when it is a terminal), starting at
/// `started`: the finished report with its id, or the signal that stopped the run (the spinners
/// cleared, nothing saved). After the run, a signal ends the program with `WHILE_DELIVERING`.
pub(super) fn run_once(
    plan: &Plan,
    started: jiff::Timestamp,
    rt: &tokio::runtime::Runtime,
    signals: &crate::interrupt::Watcher,
) -> Result<Report, crate::interrupt::Signal> {
    let spinners_on = std::io::stderr().is_terminal() && !crate::ci::in_ci();
    let (events, spinners) = render::progress::spinners(spinners_on);
    // While the probes run, a signal stops them here, so that the spinners are cleared.
    let deferred = signals.defer();
    let results = rt.block_on(async {
        tokio::select! {
            biased;
            signal = signals.signalled() => Err(signal),
            results = crate::runner::run(
                &plan.checks,
                plan.profile.clone(),
                Arc::new(plan.options.clone()),
                events,
            ) => Ok(results),
        }
    });
    let results = match results {
        Ok(results) => results,
        Err(signal) => {
            deferred.handled();
            spinners.clear_interrupted(signal == crate::interrupt::Signal::Interrupt);
            return Err(signal);
        }
    };
    spinners.clear();
    signals.set_message(WHILE_DELIVERING);
    // A signal that came as the probes finished ends the program now.
    drop(deferred);
    let mut report = Report::new(started, plan.profile.reference(), results);
    report.exam = plan.exam.clone().map(|mut exam| {
        exam.checked_local = started
            .to_zoned_datetime(jiff::tz::TimeZone::system())
            .datetime();
        exam
    });
    report.checklist = plan.profile.file.checklist.clean_items();
    // The snapshot this run took (--snapshot) goes into the HTML report; a path named in replayed
    // facts is never read.
    if let Some(img) = plan
        .options
        .snapshot
        .as_deref()
        .and_then(render::charts::load_image)
    {
        report.images.insert(
            <crate::check::webcam::Webcam as check::Module>::ID.to_string(),
            img,
        );
    }
    Ok(report.with_id())
}

/// Save `report` in the history, if it can be; a failed save only warns. Whether it was saved.
pub(super) fn save_run(
    history: Option<&(crate::history::Store, crate::history::Loaded)>,
    report: &Report,
) -> bool {
    match history {
        Some((store, _)) => match store.save(report) {
            Ok(_) => true,
            Err(e) => {
                warn(&format!("this run was not saved in the history: {e:#}"));
                false
            }
        },
        None => false,
    }
}

/// What Ctrl-C or SIGTERM prints when it stops the probes.
pub(super) const PROBES_STOPPED: &str =
    "examready: interrupted: the checks were stopped; nothing was saved or written";

pub(super) fn run_check(args: &CheckArgs) -> anyhow::Result<u8> {
    // From here on a signal always ends the program (see `interrupt`).
    let signals = crate::interrupt::install(NOTHING_WRITTEN);
    let plan = plan(args)?;
    let target = args.send.target()?;
    // Read the history before this run is added to it.
    let history = history_before_run();
    crate::runner::quiet_panics();
    let rt = runtime()?;
    let ran = run_once(&plan, plan.started, &rt, &signals);
    // A timed-out probe may still be stuck in a driver: do not wait for it.
    rt.shutdown_background();
    let report = match ran {
        Ok(report) => report,
        Err(signal) => {
            // Nothing was written: the history and --output are only written after the run.
            say!("{PROBES_STOPPED}");
            return Ok(signal.exit_code());
        }
    };
    // Nothing lost: the run is saved before anything else can fail; a failed save only warns.
    let saved = save_run(history.as_ref(), &report);
    let code = show_run(args, &plan, history.as_ref(), &report, saved)?;
    // Sent only when asked (--submit), once the run is saved and shown.
    Ok(match &target {
        Some(target) => submit_after_check(target, &report, saved, code),
        None => code,
    })
}

/// Deliver the saved run (stdout, --output) and, with --compare, what changed: the verdict's
/// exit status.
fn show_run(
    args: &CheckArgs,
    plan: &Plan,
    history: Option<&(crate::history::Store, crate::history::Loaded)>,
    report: &Report,
    saved: bool,
) -> anyhow::Result<u8> {
    let delivered = deliver(
        report,
        &Delivery {
            output: plan.output.as_ref(),
            json: args.json,
            format: args.format,
            verbose: args.verbose,
        },
    );
    match delivered {
        Err(e) if !is_broken_pipe(&e) => {
            let saved = if saved {
                " (this run is saved: see `examready history`)"
            } else {
                ""
            };
            return Err(e.context(format!("the report was not delivered{saved}")));
        }
        // A reader that stopped early: the verdict stands.
        Err(_) => return Ok(verdict_code(report)),
        Ok(()) => {}
    }
    if args.compare.is_some() {
        let text = match history.and_then(|(_, l)| l.entries.last()) {
            Some(prev) => {
                crate::diff::diff(&prev.report, report).render(&jiff::tz::TimeZone::system())
            }
            None => "Nothing to compare with: this is the first saved run.\n".to_string(),
        };
        // stdout carries only the report when it is JSON or another file format.
        if args.json || args.format.is_some() && plan.output.is_none() {
            say_raw(&render::sanitize::for_display(&text));
        } else {
            return deliver_or_pipe(report, print_stdout(&format!("\n{text}")));
        }
    }
    Ok(verdict_code(report))
}
