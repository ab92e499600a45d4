/*!
The command line. Arguments are parsed by clap, validated (profile, module ids, output format)
before any probe runs, and turned into a run. Exit codes: 0 ready, 1 not ready, 2 usage, profile
or internal error.
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

#[derive(Debug, Parser)]
#[command(
    name = "examready",
    version,
    about = "Will this computer pass an online-proctored exam? Checks the system, running \
             applications, network, microphone, speaker and webcam against the proctoring \
             service's requirements, and says how to fix what fails.",
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: 0 ready, 1 not ready, 2 usage, profile or internal error."
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
    Serve {
        /// Address to listen on (TCP for HTTP and UDP for the echo, same port).
        #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8765")]
        listen: std::net::SocketAddr,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Print the resolved requirements of a built-in profile or a profile file.
    Show {
        /// A built-in profile id (see `examready profiles`) or a .toml file.
        name: String,
        /// Print only the TOML, as a file a user can edit.
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
    /// Also write the report to FILE; the extension picks the format (.json).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show the facts behind each result, and passed items too.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Shorter measurements (less accurate; for a quick look).
    #[arg(long)]
    pub quick: bool,
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
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_READY
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(EXIT_READY);
            }
            eprintln!("examready: error: {e:#}");
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
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    apply_color(cli.color);
    match cli.command {
        None => run_check(&cli.check),
        Some(Command::Check(args)) => run_check(&args),
        Some(Command::Serve { listen }) => {
            crate::check::network::serve::run(listen)?;
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
            for (id, file, _) in profile::BUILTIN {
                let p = profile::load(id)?;
                let default = if *id == profile::DEFAULT_PROFILE {
                    " (default)"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "{id:10}  {}{default}: {}  [{file}]\n",
                    p.name(),
                    p.file.profile.description.as_deref().unwrap_or("")
                ));
            }
            print_stdout(&out)?;
            Ok(EXIT_READY)
        }
        Some(Command::Profile(ProfileCommand::Show { name, toml })) => {
            let p = profile::load(&name)?;
            let mut out = String::new();
            if !toml {
                out.push_str(&format!(
                    "# {} ({}), from {}\n# Resolved requirements; keys not shown are not judged.\n\n",
                    p.name(),
                    p.id,
                    p.origin
                ));
            }
            out.push_str(&profile::to_toml(&p));
            print_stdout(&out)?;
            Ok(EXIT_READY)
        }
    }
}

fn print_stdout(s: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Which modules to run, from `--only` and `--skip`. Unknown ids are usage errors.
pub fn select(only: &[String], skip: &[String]) -> anyhow::Result<Vec<&'static dyn Check>> {
    let clean = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect()
    };
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
        runner.deadlines.network = Some(profile::Seconds(base + soak.as_secs_f64()));
    }
    let output = match &args.output {
        Some(p) => Some((p.clone(), render::output::Format::from_path(p)?)),
        None => None,
    };
    Ok(Plan {
        profile: Arc::new(profile),
        checks,
        output,
        options: ProbeOptions {
            quick: args.quick,
            server: args.server.clone(),
            soak: args.soak,
        },
    })
}

fn run_check(args: &CheckArgs) -> anyhow::Result<u8> {
    let plan = plan(args)?;
    let started = jiff::Timestamp::now();
    crate::runner::quiet_panics();
    let spinners_on = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let (events, multi) = render::progress::spinners(spinners_on);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let results = rt.block_on(crate::runner::run(
        &plan.checks,
        plan.profile.clone(),
        Arc::new(plan.options),
        events,
    ));
    // A timed-out probe may still be stuck in a driver: do not wait for it.
    rt.shutdown_background();
    let _ = multi.clear();
    let report = Report::new(started, plan.profile.reference(), results);

    if let Some((path, format)) = &plan.output {
        render::output::write_report(&report, path, *format)?;
    }
    if args.json {
        print_stdout(&render::json::render(&report))?;
    } else {
        print_stdout(&render::terminal::render(&report, args.verbose))?;
        if let Some((path, _)) = &plan.output {
            eprintln!("Report written to {}", path.display());
        }
    }
    Ok(match report.verdict {
        Verdict::Ready => EXIT_READY,
        Verdict::NotReady => EXIT_NOT_READY,
    })
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
