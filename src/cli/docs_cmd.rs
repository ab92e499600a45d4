//! `examready completions SHELL` and `examready man`: generated from the clap command itself, so
//! every command and option (also those added later) is in them.

use clap::CommandFactory;

use super::*;

/// `examready completions SHELL`: the completion script on stdout.
pub(super) fn run_completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    print_raw(&completions(shell))?;
    Ok(EXIT_READY)
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "examready", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `examready man [--dir DIR]`: the page of `examready` (roff) on stdout, or one page per command
/// written into DIR (`examready.1`, `examready-check.1`, `examready-profile-show.1` ...).
pub(super) fn run_man(dir: Option<&std::path::Path>) -> anyhow::Result<u8> {
    match dir {
        None => print_raw(&man_page(Cli::command())?)?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            for (name, page) in man_pages()? {
                crate::fsutil::write_atomic(&dir.join(&name), page.as_bytes())?;
                println!("{}", dir.join(name).display());
            }
        }
    }
    Ok(EXIT_READY)
}

/// One command's page, dated with the build's date.
fn man_page(cmd: clap::Command) -> anyhow::Result<String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .date(crate::model::BUILD_DATE)
        .manual("examready manual")
        .render(&mut out)
        .context("cannot render the manual page")?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Every page: `examready.1` and one per (nested) visible command, named as clap names them
/// (`examready-profile-show.1`, the display name the built command gives each subcommand).
pub fn man_pages() -> anyhow::Result<Vec<(String, String)>> {
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, String)>) -> anyhow::Result<()> {
        let name = cmd.get_display_name().unwrap_or(cmd.get_name());
        out.push((format!("{name}.1"), man_page(cmd.clone())?));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, out)?;
        }
        Ok(())
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, &mut out)?;
    Ok(out)
}
