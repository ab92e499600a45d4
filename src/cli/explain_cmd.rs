//! `examready explain TEXT...`: what a vendor's message means (see [`crate::explain`]).

use super::*;
use crate::explain::{Explainer, render as explain_render};

/// The terminal's width for wrapping, when stdout is one.
fn terminal_width() -> Option<usize> {
    std::io::stdout()
        .is_terminal()
        .then(|| console::Term::stdout().size().1 as usize)
}

/// Exit status: 0 when a known message matches (or `--list`), 1 when none does; with `--run`,
/// the status of the checks it runs.
pub(super) fn run_explain(args: &ExplainArgs) -> anyhow::Result<u8> {
    let explainer = Explainer::builtin().map_err(|e| anyhow::anyhow!("{e}"))?;
    let width = terminal_width();
    if args.list {
        if args.json {
            print_raw(&explain_render::list_json(&explainer))?;
        } else {
            print_stdout(&explain_render::list(&explainer, width))?;
        }
        return Ok(EXIT_READY);
    }
    let query = args.text.join(" ");
    if crate::explain::matcher::words(&query, false).is_empty() {
        bail!(
            "give the words of the vendor's message, e.g. examready explain \"Network check 80%\""
        );
    }
    let matches = explainer.explain(&query);
    if args.json {
        print_raw(&explain_render::json(&query, &matches, &explainer))?;
    } else if matches.is_empty() {
        print_stdout(&explain_render::no_match(&query, &explainer, width))?;
    } else {
        print_stdout(&explain_render::text(&matches, width))?;
    }
    let Some(best) = matches.first() else {
        return Ok(EXIT_NOT_READY);
    };
    if !args.run {
        return Ok(EXIT_READY);
    }
    let mut argv = vec!["examready".to_string()];
    argv.extend(best.entry.check_args());
    say!("\nRunning: {}\n", best.entry.command());
    let cli = Cli::try_parse_from(argv).context("the checks of this message")?;
    match cli.command {
        Some(Command::Check(check)) => run_check(&check),
        _ => bail!("the checks of this message do not form a check command"),
    }
}
