/*!
History: every `examready check` run is saved as its JSON report in the platform's data folder
(`directories`: `~/.local/share/examready/history` on Linux, `~/Library/Application Support/...`
on macOS, `%APPDATA%\...` on Windows; `EXAMREADY_DATA_DIR` overrides it, for tests and portable
use). Files are written atomically ([`crate::fsutil::write_atomic`]) and named `<UTC time>-<report id>-<save sequence>.json`: the
sequence is one more than the highest in the folder, so it orders the runs by when they were
saved even when the clock was wrong. Names written before the sequence existed,
`<UTC time>-<report id>.json`, are still read; they were saved before any sequenced run, and
among themselves are ordered by modification time.

Only files named that way are runs. Anything else in the folder (a user's `my-backup.json`, a
set-aside `*.corrupt` file) is never read, renamed or deleted; a foreign `*.json` file is
skipped with a warning. Only regular files are read, never through a link, never blocking (a
FIFO named like a run is skipped with a warning, see [`crate::textfile`]), and at most
[`MAX_REPORT_BYTES`](crate::textfile::MAX_REPORT_BYTES) of them.

Reading never fails because of one bad file: a run whose content is corrupt (or too large) is set
aside (renamed to `*.corrupt`) with a warning and the others are used. A run that cannot be
opened (permissions, not a regular file), or that a newer examready wrote (a higher
`schema_version`), is left as it is, with a warning, so that going back to an older version
loses nothing. Runs dated in the future (a clock that was wrong) are counted in a warning.

The history is bounded: after each save only the [`MAX_RUNS`] most recently saved runs are kept,
the earliest saved deleted first, never the run just saved, so daily use never fills the disk.
*/

mod folder;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::model::Report;
use crate::render::json;
use crate::textfile::{self, TextError};
use folder::{Run, scan, set_aside};

/// The environment variable that moves the data folder (history lives in `<it>/history`).
pub const DATA_DIR_ENV: &str = "EXAMREADY_DATA_DIR";

/// How many runs the history keeps (a run a day for more than six months).
pub const MAX_RUNS: usize = 200;

/// How many foreign `*.json` files in the folder are named in warnings (the rest are counted).
const MAX_FOREIGN_NAMED: usize = 5;

/// A run dated more than this after the present was saved while the clock was wrong.
const FUTURE_SLACK: jiff::SignedDuration = jiff::SignedDuration::from_secs(600);

/// The data folder: `$EXAMREADY_DATA_DIR`, else the platform's (the history and the collect
/// server's SQLite file live in it).
pub fn data_dir() -> anyhow::Result<PathBuf> {
    if let Some(d) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let dirs = directories::ProjectDirs::from("", "", "examready")
        .context("cannot find a data folder (no home folder?); set EXAMREADY_DATA_DIR")?;
    Ok(dirs.data_dir().to_path_buf())
}

/// One saved run.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    /// The report id, computed from the content (not trusted from the file).
    pub id: String,
    pub report: Report,
}

/// What reading the history found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// In the order they were saved, the most recent last.
    pub entries: Vec<Entry>,
    /// One line per file that was set aside or could not be read.
    pub warnings: Vec<String>,
    /// Why the folder itself could not be read (it is a file, no permission ...), if so; not
    /// repeated in `warnings`.
    pub folder_error: Option<String>,
}

/// The history folder.
#[derive(Debug, Clone)]
pub struct Store {
    pub dir: PathBuf,
}

impl Store {
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// `$EXAMREADY_DATA_DIR/history`, else the platform's data folder.
    pub fn default_location() -> anyhow::Result<Store> {
        Ok(Store::at(data_dir()?.join("history")))
    }

    /// Save `report` (its id filled in); returns the file written.
    pub fn save(&self, report: &Report) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create the history folder {}", self.dir.display()))?;
        let id = report.content_id();
        let seq = std::fs::read_dir(&self.dir)
            .map(|r| scan(r).runs.iter().filter_map(|r| r.seq).max())
            .ok()
            .flatten()
            .map_or(1, |s| s.saturating_add(1));
        let name = format!("{}-{id}-{seq}.json", report.time.strftime("%Y%m%dT%H%M%SZ"));
        let path = self.dir.join(name);
        crate::fsutil::write_atomic(&path, json::render(report).as_bytes())?;
        self.prune(MAX_RUNS, &path);
        Ok(path)
    }

    /// Delete all but the `keep` most recently saved runs, never `saved` (the run just saved),
    /// and temporary files more than an hour old (a run killed while saving). Only regular files
    /// named as examready names runs are deleted: set-aside and foreign files stay. Errors are
    /// ignored: pruning is tidying.
    pub fn prune(&self, keep: usize, saved: &Path) {
        let Ok(read_dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let scan = scan(read_dir);
        for tmp in &scan.temporary {
            let stale = std::fs::symlink_metadata(tmp)
                .and_then(|m| m.modified())
                .is_ok_and(|t| {
                    t.elapsed()
                        .is_ok_and(|age| age > std::time::Duration::from_secs(3600))
                });
            if stale {
                let _ = std::fs::remove_file(tmp);
            }
        }
        let runs: Vec<&Run> = scan.runs.iter().filter(|r| r.regular).collect();
        let excess = runs.len().saturating_sub(keep);
        for old in runs.iter().filter(|r| r.path != saved).take(excess) {
            let _ = std::fs::remove_file(&old.path);
        }
    }

    /// Every saved run, in the order they were saved. A missing folder is an empty history.
    pub fn load(&self) -> Loaded {
        let mut loaded = Loaded::default();
        let read_dir = match std::fs::read_dir(&self.dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return loaded,
            Err(e) => {
                // "Not a directory" names no file: name the one in the way.
                let why = match self.dir.ancestors().find(|a| a.is_file()) {
                    Some(file) => format!("{} is a file, not a folder", file.display()),
                    None => e.to_string(),
                };
                loaded.folder_error = Some(format!(
                    "cannot read the history folder {}: {why}",
                    self.dir.display()
                ));
                return loaded;
            }
        };
        let scan = scan(read_dir);
        // Repeated on every command: a folder full of them is summed up.
        for path in scan.foreign.iter().take(MAX_FOREIGN_NAMED) {
            loaded.warnings.push(format!(
                "history: {} is not named like a run examready saved \
                 (<UTC time>-<report id>.json); left as it is",
                path.display()
            ));
        }
        if let Some(more) = scan
            .foreign
            .len()
            .checked_sub(MAX_FOREIGN_NAMED)
            .filter(|n| *n > 0)
        {
            loaded.warnings.push(format!(
                "history: {more} more *.json files in {} are not runs examready saved; left as \
                 they are",
                self.dir.display()
            ));
        }
        for run in scan.runs {
            match read_report_from(&run.path, textfile::Source::Stored) {
                Ok(report) => loaded.entries.push(Entry {
                    id: report.content_id(),
                    path: run.path,
                    report,
                }),
                Err(e) if left_alone(&e) => loaded
                    .warnings
                    .push(format!("history: {e:#}; left as it is")),
                Err(e) => loaded.warnings.push(set_aside(&run.path, &e)),
            }
        }
        let now = jiff::Timestamp::now();
        let ahead = loaded
            .entries
            .iter()
            .filter(|e| e.report.time.duration_since(now) > FUTURE_SLACK)
            .count();
        if ahead > 0 {
            let (runs, are) = if ahead == 1 {
                ("run is", "it was")
            } else {
                ("runs are", "they were")
            };
            loaded.warnings.push(format!(
                "history: {ahead} {runs} dated in the future; your clock may have been wrong \
                 when {are} saved (runs are ordered by when they were saved, not by their dates)"
            ));
        }
        loaded
    }
}

/// Not the content's fault: a newer examready's report, or a file that could not be opened or
/// is not a regular file. Such a file is left as it is.
fn left_alone(e: &anyhow::Error) -> bool {
    e.is::<NewerSchema>()
        || e.chain().any(|c| {
            matches!(
                c.downcast_ref::<TextError>(),
                Some(TextError::Io(_) | TextError::NotRegular(_) | TextError::Folder)
            )
        })
}

/// A report written by a newer examready than this one.
#[derive(Debug, thiserror::Error)]
#[error(
    "{path} was written by a newer examready (report schema {found}; this one reads up to {}): \
     update examready to read it",
    crate::model::SCHEMA_VERSION
)]
pub struct NewerSchema {
    pub path: String,
    pub found: u64,
}

/// Read a report file the user names. One from a newer schema is refused ([`NewerSchema`]): its
/// fields may mean other things.
pub fn read_report(path: &Path) -> anyhow::Result<Report> {
    read_report_from(path, textfile::Source::Named)
}

fn read_report_from(path: &Path, source: textfile::Source) -> anyhow::Result<Report> {
    let text = textfile::read_from(path, textfile::MAX_REPORT_BYTES, source)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let not_report = || format!("{} is not an examready JSON report", path.display());
    let value: serde_json::Value = serde_json::from_str(&text).with_context(not_report)?;
    if let Some(found) = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .filter(|v| *v > u64::from(crate::model::SCHEMA_VERSION))
    {
        return Err(NewerSchema {
            path: path.display().to_string(),
            found,
        }
        .into());
    }
    let mut report: Report = serde_json::from_value(value).with_context(not_report)?;
    crate::replay::fill_figures(&mut report);
    Ok(report)
}

/// A run named on the command line: a report file, or a report id (or its first 4+ characters)
/// from the history.
pub fn resolve(spec: &str, loaded: &Loaded) -> anyhow::Result<(String, Report)> {
    let path = Path::new(spec);
    // Anything there but a folder is read as a file, so that a FIFO or a device is named as such.
    if path.exists() && !path.is_dir() {
        let report = read_report(path)?;
        return Ok((report.content_id(), report));
    }
    let want = spec.trim().to_ascii_lowercase();
    if want.len() >= 4 && want.bytes().all(|b| b.is_ascii_hexdigit()) {
        let found: Vec<&Entry> = loaded
            .entries
            .iter()
            .filter(|e| e.id.starts_with(&want))
            .collect();
        match found.as_slice() {
            [one] => return Ok((one.id.clone(), one.report.clone())),
            [] => {}
            many => bail!(
                "report id {spec:?} matches {} saved runs; give more characters",
                many.len()
            ),
        }
    }
    if path.is_dir() {
        bail!("{spec:?} is a folder: give a JSON report file or a report id");
    }
    let hint = if want.bytes().all(|b| b.is_ascii_hexdigit()) && want.len() < 4 {
        " (a report id needs at least 4 characters)"
    } else {
        ""
    };
    bail!(
        "{spec:?} is neither a report file nor the id of a saved run{hint} (see `examready history`)"
    )
}

/// One line per run: local time, profile, verdict, report id, and what blocked.
pub fn list_lines(loaded: &Loaded, tz: &jiff::tz::TimeZone) -> String {
    let mut out = String::new();
    // Columns as wide as the longest profile id ("institution" from a profile file ...).
    let width = loaded
        .entries
        .iter()
        .map(|e| e.report.profile.id.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(10, 40);
    for e in &loaded.entries {
        let r = &e.report;
        let blocked = crate::render::plain::titles(r, crate::model::Status::blocks_readiness);
        let when = r
            .time
            .to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%d %H:%M");
        out.push_str(&format!(
            "{when}  {:<width$} {:<9}  {}",
            r.profile.id,
            r.verdict.as_str(),
            e.id
        ));
        if !blocked.is_empty() {
            out.push_str(&format!("  ({})", blocked.join(", ")));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
pub(crate) mod tests;
