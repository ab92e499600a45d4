/*!
The command line. Arguments are parsed by clap, validated (profile, module ids, output format)
before any probe runs, and turned into a run. Exit codes: 0 ready, 1 not ready, 2 usage, profile
or internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM): see [`crate::interrupt`].
*/

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::check::{self, Check, ProbeOptions};
use crate::model::{Report, Verdict};
use crate::profile::{self, Profile};
use crate::render;

pub const EXIT_READY: u8 = 0;
pub const EXIT_NOT_READY: u8 = 1;
pub const EXIT_ERROR: u8 = 2;
/// Ended by Ctrl-C (SIGINT, 130) or SIGTERM (143) during `check` or `judge`: 128 + the signal,
/// as shells report it.
pub use crate::interrupt::{EXIT_INTERRUPTED, EXIT_TERMINATED};

/// A line on stderr. Unlike `eprintln!`, a closed or broken stderr (`2>&1 | head -0`) is not a
/// panic: the message is dropped.
macro_rules! say {
    ($($arg:tt)*) => {
        say_raw(&format!("{}\n", format_args!($($arg)*)))
    };
}

fn say_raw(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

#[derive(Debug, Parser)]
#[command(
    name = "examready",
    version,
    about = "Will this computer pass an online-proctored exam? Checks the system, running \
             applications, network, microphone, speaker and webcam against the proctoring \
             service's requirements, and says how to fix what fails.",
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: 0 ready, 1 not ready, 2 usage, profile or internal error, \
                  130 interrupted (Ctrl-C), 143 terminated (SIGTERM)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
    /// When to use colour: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the checks (the default when no command is given).
    Check(CheckArgs),
    /// List the check modules: id, title, what each verifies.
    Checks,
    /// List the built-in requirement profiles.
    Profiles,
    /// Show a profile's resolved requirements.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Run a network measurement server (GET /__down?bytes=N, POST /__up, UDP echo on the same
    /// port number) for `examready check --server http://HOST:PORT`. Stops on Ctrl-C.
    Serve(ServeArgs),
    /// The past runs, one line each: time, profile, verdict, report id.
    History,
    /// What changed between two runs (default: the last two), new problems first.
    Diff {
        /// The older run: a report id from `examready history` or a JSON report file.
        old: Option<String>,
        /// The newer run (default: the latest saved run).
        new: Option<String>,
    },
    /// Judge the facts of a saved JSON report again under a profile, without touching hardware.
    Judge(JudgeArgs),
    /// The manual checklist: what no program can verify before check-in.
    Checklist {
        /// Requirement profile: a built-in id or a .toml file.
        #[arg(long, value_name = "NAME|FILE", default_value = profile::DEFAULT_PROFILE)]
        profile: String,
    },
}

/// `examready serve`: where, and how long slow clients may take.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (TCP for HTTP and UDP for the echo, same port).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8765")]
    pub listen: std::net::SocketAddr,
    /// A request's headers must arrive within this (from the connection's start, or from the
    /// previous answer on a kept-alive connection).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub header_timeout: std::time::Duration,
    /// A connection on which nothing moves, either way, for this long is closed.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    pub idle_timeout: std::time::Duration,
    /// An upload whose body brings nothing for this long is answered 408 and closed.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub body_timeout: std::time::Duration,
    /// Connections served at once (lowered to fit the open-file limit); at the cap the one
    /// quiet longest is closed to make room.
    #[arg(long, value_name = "N", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
}

impl ServeArgs {
    fn limits(&self) -> crate::serve::Limits {
        crate::serve::Limits {
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            body_timeout: self.body_timeout,
            max_connections: self.max_connections as usize,
        }
    }
}

fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 500ms, 10s, 2m)"))?;
    if d < std::time::Duration::from_millis(100) || d > std::time::Duration::from_secs(3600) {
        return Err("a timeout must be between 100ms and 1h".into());
    }
    Ok(d)
}

#[derive(Debug, Clone, Args)]
pub struct JudgeArgs {
    /// A JSON report written by `examready check --output r.json`, or the report id of a saved
    /// run (see `examready history`).
    #[arg(value_name = "FACTS.json|ID")]
    pub file: PathBuf,
    /// Judge under this profile (default: the report's own profile if built in, else onvue).
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Print the JSON report on stdout (and nothing else there).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Also write the new report to FILE; the extension picks the format (.json, .html, .md).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The format of --output (overrides its extension), or, without --output, of stdout.
    #[arg(long, value_enum)]
    pub format: Option<render::output::Format>,
    /// Show the facts behind each result, passed items and the checklist too.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Print the resolved requirements of a built-in profile or a profile file (with what it
    /// inherits through `extends`), grouped per section.
    Show {
        /// A built-in profile id (see `examready profiles`) or a .toml file.
        name: String,
        /// Print a complete TOML file a user can edit (it parses back to the same profile).
        #[arg(long)]
        toml: bool,
    },
}

#[derive(Debug, Clone, Default, Args)]
pub struct CheckArgs {
    /// Requirement profile: a built-in id (see `examready profiles`) or a .toml file.
    #[arg(long, value_name = "NAME|FILE", default_value = profile::DEFAULT_PROFILE)]
    pub profile: String,
    /// Run only these checks (comma-separated ids, see `examready checks`).
    #[arg(long, value_name = "ID,ID", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Skip these checks (comma-separated ids).
    #[arg(long, value_name = "ID,ID", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Print the JSON report on stdout (and nothing else there).
    #[arg(long)]
    pub json: bool,
    /// Also write the report to FILE; the extension picks the format (.json, .html, .md).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show the facts behind each result, passed items and the manual checklist too.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Shorter measurements (less accurate; for a quick look).
    #[arg(long)]
    pub quick: bool,
    /// The format of --output (overrides its extension), or, without --output, of stdout.
    #[arg(long, value_enum, conflicts_with = "json")]
    pub format: Option<render::output::Format>,
    /// When the exam starts, local time: shows when check-in opens and when to re-check.
    #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
    pub exam_at: Option<String>,
    /// Compare with the previous saved run and show what changed.
    #[arg(long, value_name = "last", value_parser = ["last"])]
    pub compare: Option<String>,

    /// Record this microphone instead of the default input (a name or part of it, as listed
    /// in the microphone check's facts).
    #[arg(long, value_name = "NAME")]
    pub mic: Option<String>,
    /// Microphone check: you are asked to say a sentence, and your voice must rise clearly
    /// above the room's noise.
    #[arg(long)]
    pub speak: bool,
    /// Speaker check: play a short test tone you should hear.
    #[arg(long)]
    pub play_tone: bool,

    /// Webcam to examine: its name, part of its name, or its index (default: the first).
    #[arg(long, value_name = "NAME")]
    pub camera: Option<String>,
    /// Save one webcam frame as a PNG image to FILE (only when asked).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,

    /// Network measurement server (speaks GET /__down?bytes=N and POST /__up, e.g. one running
    /// `examready serve`), instead of the profile's.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Also stream a paced upload at the profile's video bit rate for this long (e.g. 60s, 5m):
    /// can this link carry webcam + screen for the whole exam?
    #[arg(long, value_name = "DURATION", value_parser = parse_soak)]
    pub soak: Option<std::time::Duration>,
}

fn parse_soak(s: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 60s, 5m, 1h)"))?;
    if d < std::time::Duration::from_secs(1) || d > std::time::Duration::from_secs(4 * 3600) {
        return Err("the soak must last between 1 s and 4 h".into());
    }
    Ok(d)
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    init_tracing();
    if crate::double_click::started_by_double_click() {
        return double_clicked();
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_READY
            };
            // `--help > /dev/full` is an error too; a closed pipe is not.
            return match e.print() {
                Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => {
                    say!("examready: error: cannot write to standard output: {io}");
                    ExitCode::from(EXIT_ERROR)
                }
                _ => ExitCode::from(code),
            };
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(EXIT_READY);
            }
            say!(
                "examready: error: {}",
                render::sanitize::plain(&format!("{e:#}"))
            );
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_tracing() {
    if let Ok(filter) = std::env::var("EXAMREADY_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init();
    }
}

/// Decide colour for stdout: `--color`, then NO_COLOR, then whether stdout is a terminal.
fn apply_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    colored::control::set_override(on);
    // A Windows 10 console shows ANSI colours as `←[32m` until virtual-terminal processing is on.
    #[cfg(windows)]
    if on {
        let _ = colored::control::set_virtual_terminal(true);
    }
}

/// examready.exe double-clicked (see `double_click`): run the check, save the HTML report where
/// the candidate finds it, say where, and keep the window open until Enter.
fn double_clicked() -> ExitCode {
    use crate::double_click as dc;
    let report = dc::report_folder().join(dc::report_name(jiff::Timestamp::now()));
    let code = match Cli::try_parse_from(dc::check_args(&report))
        .map_err(anyhow::Error::from)
        .and_then(run)
    {
        Ok(code) => {
            if report.is_file() {
                println!(
                    "\nThe report is saved as:\n  {}\nOpen it for the details, or send it to support.",
                    report.display()
                );
            }
            code
        }
        Err(e) => {
            say!(
                "examready: error: {}",
                render::sanitize::plain(&format!("{e:#}"))
            );
            EXIT_ERROR
        }
    };
    dc::wait_for_enter();
    ExitCode::from(code)
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    apply_color(cli.color);
    match cli.command {
        None => run_check(&cli.check),
        Some(Command::Check(args)) => run_check(&args),
        Some(Command::Serve(args)) => {
            crate::serve::run(args.listen, args.limits())?;
            Ok(EXIT_READY)
        }
        Some(Command::Checks) => {
            let mut out = String::new();
            let width = check::REGISTRY
                .iter()
                .map(|c| c.id().len())
                .max()
                .unwrap_or(0);
            for c in check::REGISTRY {
                out.push_str(&format!(
                    "{:width$}  {}: {}\n",
                    c.id(),
                    c.title(),
                    c.about()
                ));
            }
            print_stdout(&out)?;
            Ok(EXIT_READY)
        }
        Some(Command::Profiles) => {
            let mut out = String::new();
            let profiles = profile::show::builtin_profiles()?;
            let width = profiles.iter().map(|p| p.id.len()).max().unwrap_or(0);
            for p in &profiles {
                let default = if p.id == profile::DEFAULT_PROFILE {
                    " (default)"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "{:width$}  {}{default}: {}\n",
                    p.id,
                    p.name(),
                    p.file.profile.description.as_deref().unwrap_or("")
                ));
            }
            out.push_str(
                "\nShow one with `examready profile show NAME`; use one with `examready check --profile NAME`.\n",
            );
            print_stdout(&out)?;
            Ok(EXIT_READY)
        }
        Some(Command::History) => run_history(),
        Some(Command::Diff { old, new }) => run_diff(old.as_deref(), new.as_deref()),
        Some(Command::Judge(args)) => run_judge(&args),
        Some(Command::Checklist { profile }) => {
            let p = profile::load(&profile)?;
            print_stdout(&crate::checklist::render_text(
                p.name(),
                &p.file.checklist.clean_items(),
            ))?;
            Ok(EXIT_READY)
        }
        Some(Command::Profile(ProfileCommand::Show { name, toml })) => {
            let p = profile::load(&name)?;
            let out = if toml {
                format!("{}{}", profile::show::toml_header(&p), profile::to_toml(&p))
            } else {
                profile::show::describe(&p)
            };
            print_stdout(&out)?;
            Ok(EXIT_READY)
        }
    }
}

/// Print text for a person: control characters from the machine or a file are made visible
/// (see [`render::sanitize`]).
fn print_stdout(s: &str) -> anyhow::Result<()> {
    print_raw(&render::sanitize::for_display(s))
}

/// Print exactly `s` (JSON, and the report formats, which are escaped by their renderers).
fn print_raw(s: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
}

/// A warning on stderr, its text made safe for the terminal.
fn warn(message: &str) {
    say!("examready: warning: {}", render::sanitize::plain(message));
}

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
struct Plan {
    profile: Arc<Profile>,
    checks: Vec<&'static dyn Check>,
    output: Option<(PathBuf, render::output::Format)>,
    options: ProbeOptions,
    started: jiff::Timestamp,
    exam: Option<crate::exam::ExamPlan>,
}

/// `--output` and `--format`: the file and its format, checked writable now (before probing).
fn output_target(
    output: Option<&PathBuf>,
    format: Option<render::output::Format>,
) -> anyhow::Result<Option<(PathBuf, render::output::Format)>> {
    let Some(p) = output else { return Ok(None) };
    render::output::check_writable(p)?;
    let format = render::output::Format::choose(p, format)?;
    Ok(Some((p.clone(), format)))
}

fn plan(args: &CheckArgs) -> anyhow::Result<Plan> {
    let mut profile = profile::load(&args.profile)?;
    let checks = select(&args.only, &args.skip)?;
    if let Some(server) = &args.server {
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
            quick: args.quick,
            mic: args.mic.clone(),
            speak: args.speak,
            play_tone: args.play_tone,
            camera: args.camera.clone(),
            snapshot: args.snapshot.clone(),
            server: args.server.clone(),
            soak: args.soak,
        },
        started,
        exam,
    })
}

/// Where a finished report goes: the file, then stdout (JSON, another format, or the terminal
/// view).
struct Delivery<'a> {
    output: Option<&'a (PathBuf, render::output::Format)>,
    json: bool,
    format: Option<render::output::Format>,
    verbose: bool,
}

/// The report goes to stdout first, so that a file that cannot be written (a full disk) still
/// leaves the candidate with the result on screen; then to the file. A closed stdout (`| head`)
/// does not stop the file from being written.
fn deliver(report: &Report, d: &Delivery) -> anyhow::Result<()> {
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

fn verdict_code(report: &Report) -> u8 {
    match report.verdict {
        Verdict::Ready => EXIT_READY,
        Verdict::NotReady => EXIT_NOT_READY,
    }
}

fn load_history() -> anyhow::Result<(crate::history::Store, crate::history::Loaded)> {
    let store = crate::history::Store::default_location()?;
    let loaded = store.load();
    for w in &loaded.warnings {
        warn(w);
    }
    Ok((store, loaded))
}

/// The history for `history` and `diff`, which have nothing to show without it: a folder that
/// cannot be read is an error there (for `check` it is only a warning).
fn require_history() -> anyhow::Result<(crate::history::Store, crate::history::Loaded)> {
    let (store, loaded) = load_history()?;
    if let Some(e) = &loaded.folder_error {
        bail!(
            "{e} (set {} to keep the history in another folder)",
            crate::history::DATA_DIR_ENV
        );
    }
    Ok((store, loaded))
}

fn run_history() -> anyhow::Result<u8> {
    let (store, loaded) = require_history()?;
    if loaded.entries.is_empty() {
        print_stdout(&format!(
            "No saved runs yet in {}: run `examready check` first.\n",
            store.dir.display()
        ))?;
    } else {
        print_stdout(&crate::history::list_lines(
            &loaded,
            &jiff::tz::TimeZone::system(),
        ))?;
    }
    Ok(EXIT_READY)
}

fn run_diff(old: Option<&str>, new: Option<&str>) -> anyhow::Result<u8> {
    let (_, loaded) = require_history()?;
    let latest = |back: usize| -> anyhow::Result<crate::model::Report> {
        let n = loaded.entries.len();
        if n < back {
            bail!(
                "`examready diff` needs {back} saved run{} and the history has {n}: run `examready check`, \
                 or name two report files",
                if back == 1 { "" } else { "s" }
            );
        }
        Ok(loaded.entries[n - back].report.clone())
    };
    let (old, new) = match (old, new) {
        (None, None) => (latest(2)?, latest(1)?),
        (Some(o), None) => (crate::history::resolve(o, &loaded)?.1, latest(1)?),
        (Some(o), Some(n)) => (
            crate::history::resolve(o, &loaded)?.1,
            crate::history::resolve(n, &loaded)?.1,
        ),
        (None, Some(_)) => unreachable!("clap fills OLD before NEW"),
    };
    let d = crate::diff::diff(&old, &new);
    print_stdout(&d.render(&jiff::tz::TimeZone::system()))?;
    Ok(EXIT_READY)
}

fn run_judge(args: &JudgeArgs) -> anyhow::Result<u8> {
    let signals = crate::interrupt::install(NOTHING_WRITTEN);
    let output = output_target(args.output.as_ref(), args.format)?;
    let recorded = read_recorded(&args.file)?;
    let recorded_profile = recorded.pointer("/profile/id").and_then(|v| v.as_str());
    let profile_name = match &args.profile {
        Some(p) => p.clone(),
        None => match recorded_profile {
            Some(id) if profile::builtin(id).is_some() => id.to_string(),
            Some(id) => {
                warn(&format!(
                    "the report was made under the profile {id:?}, which is not built in: \
                     judging under {} (pass --profile FILE to use that profile's file)",
                    profile::DEFAULT_PROFILE
                ));
                profile::DEFAULT_PROFILE.to_string()
            }
            None => profile::DEFAULT_PROFILE.to_string(),
        },
    };
    let profile = profile::load(&profile_name)?;
    crate::runner::quiet_panics();
    let report = crate::replay::rejudge(&recorded, &profile)
        .with_context(|| format!("cannot judge {}", args.file.display()))?;
    signals.set_message(WHILE_DELIVERING);
    deliver_or_pipe(
        &report,
        deliver(
            &report,
            &Delivery {
                output: output.as_ref(),
                json: args.json,
                format: args.format,
                verbose: args.verbose,
            },
        ),
    )
}

/// The report `judge` reads: a JSON file, or a saved run named by its report id.
fn read_recorded(file: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let spec = file.to_string_lossy();
    let is_id = spec.len() >= 4 && spec.bytes().all(|b| b.is_ascii_hexdigit());
    if is_id && !file.exists() {
        let (_, loaded) = require_history()?;
        let (_, report) = crate::history::resolve(&spec, &loaded)?;
        return Ok(serde_json::to_value(report)?);
    }
    let text = crate::textfile::read(file, crate::textfile::MAX_REPORT_BYTES)
        .with_context(|| format!("cannot read {}", file.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not JSON (an examready report is written by `examready check --output r.json`)",
            file.display()
        )
    })
}

/// The verdict's exit status once the report is delivered; a reader that closed stdout early
/// (`examready | head -3`) does not change it.
fn deliver_or_pipe(report: &Report, delivered: anyhow::Result<()>) -> anyhow::Result<u8> {
    match delivered {
        Err(e) if !is_broken_pipe(&e) => Err(e),
        _ => Ok(verdict_code(report)),
    }
}

/// What Ctrl-C or SIGTERM prints before the checks start (and in `judge`, before the report is
/// delivered).
const NOTHING_WRITTEN: &str = "examready: interrupted: nothing was saved or written";
/// What Ctrl-C or SIGTERM prints while the run is saved and the report written.
const WHILE_DELIVERING: &str = "examready: interrupted while the report was being saved and \
                                written: a file being written was removed, files already written \
                                are kept";

fn run_check(args: &CheckArgs) -> anyhow::Result<u8> {
    // From here on a signal always ends the program (see `interrupt`).
    let signals = crate::interrupt::install(NOTHING_WRITTEN);
    let plan = plan(args)?;
    let started = plan.started;
    // Read the history before this run is added to it.
    let history = match load_history() {
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
    };
    crate::runner::quiet_panics();
    let spinners_on = std::io::stderr().is_terminal() && !crate::ci::in_ci();
    let (events, spinners) = render::progress::spinners(spinners_on);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let snapshot = plan.options.snapshot.clone();
    // While the probes run, a signal stops them here, so that the spinners are cleared.
    let deferred = signals.defer();
    let results = rt.block_on(async {
        tokio::select! {
            biased;
            signal = signals.signalled() => Err(signal),
            results = crate::runner::run(
                &plan.checks,
                plan.profile.clone(),
                Arc::new(plan.options),
                events,
            ) => Ok(results),
        }
    });
    // A timed-out probe may still be stuck in a driver: do not wait for it.
    rt.shutdown_background();
    let results = match results {
        Ok(results) => results,
        Err(signal) => {
            deferred.handled();
            spinners.clear_interrupted(signal == crate::interrupt::Signal::Interrupt);
            // Nothing was written: the history and --output are only written after the run.
            say!("examready: interrupted: the checks were stopped; nothing was saved or written");
            return Ok(signal.exit_code());
        }
    };
    spinners.clear();
    signals.set_message(WHILE_DELIVERING);
    // A signal that came as the probes finished ends the program now.
    drop(deferred);
    let mut report = Report::new(started, plan.profile.reference(), results);
    report.exam = plan.exam;
    report.checklist = plan.profile.file.checklist.clean_items();
    // The snapshot this run took (--snapshot) goes into the HTML report; a path named in replayed
    // facts is never read.
    if let Some(img) = snapshot.as_deref().and_then(render::charts::load_image) {
        report.images.insert(
            <crate::check::webcam::Webcam as check::Module>::ID.to_string(),
            img,
        );
    }
    let report = report.with_id();

    // Nothing lost: the run is saved before anything else can fail; a failed save only warns.
    let saved = match &history {
        Some((store, _)) => match store.save(&report) {
            Ok(_) => true,
            Err(e) => {
                warn(&format!("this run was not saved in the history: {e:#}"));
                false
            }
        },
        None => false,
    };
    let delivered = deliver(
        &report,
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
        Err(_) => return Ok(verdict_code(&report)),
        Ok(()) => {}
    }
    if args.compare.is_some() {
        let text = match history.as_ref().and_then(|(_, l)| l.entries.last()) {
            Some(prev) => {
                crate::diff::diff(&prev.report, &report).render(&jiff::tz::TimeZone::system())
            }
            None => "Nothing to compare with: this is the first saved run.\n".to_string(),
        };
        // stdout carries only the report when it is JSON or another file format.
        if args.json || args.format.is_some() && plan.output.is_none() {
            say_raw(&render::sanitize::for_display(&text));
        } else {
            return deliver_or_pipe(&report, print_stdout(&format!("\n{text}")));
        }
    }
    Ok(verdict_code(&report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_rejects_unknown_ids_and_empty_sets() {
        assert!(select(&[], &[]).unwrap().len() == check::REGISTRY.len());
        let e = select(&["nope".into()], &[]).err().unwrap().to_string();
        assert!(e.contains("unknown check \"nope\""), "{e}");
        assert_eq!(select(&["system".into()], &[]).unwrap().len(), 1);
        let all: Vec<String> = check::REGISTRY.iter().map(|c| c.id().to_string()).collect();
        assert!(select(&[], &all).is_err());
    }

    #[test]
    fn cli_parses_top_level_and_subcommand_forms() {
        let c = Cli::try_parse_from(["examready", "--json", "--only", "system,processes"]).unwrap();
        assert!(c.check.json);
        assert_eq!(c.check.only, ["system", "processes"]);
        let c = Cli::try_parse_from(["examready", "check", "--quick", "--color", "never"]).unwrap();
        assert!(matches!(c.command, Some(Command::Check(ref a)) if a.quick));
        assert_eq!(c.color, ColorChoice::Never);
    }
}
