//! `examready history` and `examready diff`: the saved runs.

use super::*;

pub(super) fn load_history() -> anyhow::Result<(crate::history::Store, crate::history::Loaded)> {
    let store = crate::history::Store::default_location()?;
    let loaded = store.load();
    for w in &loaded.warnings {
        warn(w);
    }
    Ok((store, loaded))
}

/// The history for `history` and `diff`, which have nothing to show without it: a folder that
/// cannot be read is an error there (for `check` it is only a warning).
pub(super) fn require_history() -> anyhow::Result<(crate::history::Store, crate::history::Loaded)> {
    let (store, loaded) = load_history()?;
    if let Some(e) = &loaded.folder_error {
        bail!(
            "{e} (set {} to keep the history in another folder)",
            crate::history::DATA_DIR_ENV
        );
    }
    Ok((store, loaded))
}

pub(super) fn run_history() -> anyhow::Result<u8> {
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

pub(super) fn run_diff(old: Option<&str>, new: Option<&str>) -> anyhow::Result<u8> {
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
