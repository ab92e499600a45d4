/*!
The command line. Arguments are parsed by clap, validated (profile, module ids, output format)
before any probe runs, and turned into a run. Exit codes: 0 ready, 1 not ready, 2 usage, profile
or internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM): see [`crate::interrupt`].
`explain` exits 0 when a known vendor message matches and 1 when none does.
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

mod args;
mod check_cmd;
mod collect_cmd;
mod docs_cmd;
mod explain_cmd;
mod history_cmd;
mod judge_cmd;
mod submit_cmd;
mod ui_cmd;
mod watch_cmd;

pub use args::*;
pub use check_cmd::select;
use check_cmd::*;
use collect_cmd::*;
pub use collect_cmd::{CollectCommand, TokenCommand};
use docs_cmd::*;
pub use docs_cmd::{completions, man_pages};
use explain_cmd::*;
use history_cmd::*;
use judge_cmd::*;
use submit_cmd::*;
use ui_cmd::*;
use watch_cmd::*;

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

/// examready started without a terminal (see `double_click`): serve the candidate's page in the
/// default browser until it has been closed for a while; if no browser opens (or the page
/// cannot be served), say why and run the check in the window instead.
fn double_clicked() -> ExitCode {
    let page = match Cli::try_parse_from(crate::double_click::page_args()) {
        Ok(Cli {
            command: Some(Command::Ui(args)),
            ..
        }) => serve_page(&args, true),
        Ok(_) => Err(anyhow::anyhow!("the page's arguments are not `ui`")),
        Err(e) => Err(e.into()),
    };
    let why = match page {
        Ok(Served::Stopped(code)) => return ExitCode::from(code),
        Ok(Served::NoBrowser(reason)) => format!("no web browser could be opened ({reason})"),
        Err(e) => format!("the page could not be served ({e:#})"),
    };
    say!(
        "examready: {}; the check runs in this window instead.\n",
        render::sanitize::plain(&why)
    );
    check_in_window()
}

/// The check in the console window: run it, save the HTML report where the candidate finds it,
/// say where, and keep the window open until Enter.
fn check_in_window() -> ExitCode {
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
        Some(Command::Profiles) => list_profiles(),
        Some(Command::Collect(cmd)) => run_collect(cmd),
        Some(Command::Ui(args)) => run_ui(&args),
        Some(Command::Watch(args)) => run_watch(&args),
        Some(Command::History) => run_history(),
        Some(Command::Diff { old, new }) => run_diff(old.as_deref(), new.as_deref()),
        Some(Command::Judge(args)) => run_judge(&args),
        Some(Command::Explain(args)) => run_explain(&args),
        Some(Command::Submit(args)) => run_submit(&args),
        Some(Command::Allowlist { profile, format }) => {
            let p = profile::load(&profile)?;
            let rows = crate::allowlist::entries(&p);
            let out = crate::allowlist::render(&p, &rows, format);
            // JSON is escaped by its renderer; text and CSV are made safe for the terminal.
            if format == crate::allowlist::Format::Json {
                print_raw(&out)?;
            } else {
                print_stdout(&out)?;
            }
            Ok(EXIT_READY)
        }
        Some(Command::Checklist { profile }) => {
            let p = profile::load(&profile)?;
            print_stdout(&crate::checklist::render_text(
                p.name(),
                &p.file.checklist.clean_items(),
            ))?;
            Ok(EXIT_READY)
        }
        Some(Command::Completions { shell }) => run_completions(shell),
        Some(Command::Man { dir }) => run_man(dir.as_deref()),
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

/// `examready profiles`: one line each, with the day its sources were last read.
fn list_profiles() -> anyhow::Result<u8> {
    let mut out = String::new();
    let profiles = profile::show::builtin_profiles()?;
    let width = profiles.iter().map(|p| p.id.len()).max().unwrap_or(0);
    for p in &profiles {
        let default = if p.id == profile::DEFAULT_PROFILE {
            " (default)"
        } else {
            ""
        };
        let updated = p
            .file
            .profile
            .updated
            .map(|d| format!(" (updated {d})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{:width$}  {}{default}: {}{updated}\n",
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
    fn ui_listens_on_loopback_only() {
        for ok in ["127.0.0.1:0", "[::1]:8080", "127.0.0.2:9"] {
            let c = Cli::try_parse_from(["examready", "ui", "--listen", ok]).unwrap();
            assert!(matches!(c.command, Some(Command::Ui(ref a)) if a.listen.ip().is_loopback()));
        }
        for bad in ["0.0.0.0:0", "192.168.1.2:80", "[::]:0", "localhost:80"] {
            let e = Cli::try_parse_from(["examready", "ui", "--listen", bad]).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn cli_parses_top_level_and_subcommand_forms() {
        let c = Cli::try_parse_from(["examready", "--json", "--only", "system,processes"]).unwrap();
        assert!(c.check.json);
        assert_eq!(c.check.select.only, ["system", "processes"]);
        let c = Cli::try_parse_from(["examready", "check", "--quick", "--color", "never"]).unwrap();
        assert!(matches!(c.command, Some(Command::Check(ref a)) if a.measure.quick));
        assert_eq!(c.color, ColorChoice::Never);
    }
}
