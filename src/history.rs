/*!
History: every `examready check` run is saved as its JSON report in the platform's data folder
(`directories`: `~/.local/share/examready/history` on Linux, `~/Library/Application Support/...`
on macOS, `%APPDATA%\...` on Windows; `EXAMREADY_DATA_DIR` overrides it, for tests and portable
use). Files are written atomically ([`crate::fsutil::write_atomic`]) and named `<UTC time>-<report id>.json`, so they sort by time.

Reading never fails because of one bad file: a corrupt or unreadable report is set aside (renamed
to `*.corrupt`) with a warning and the others are used. A report written by a newer examready (a
higher `schema_version`) is left as it is, with a warning, so that going back to an older version
loses nothing.

The history is bounded: after each save only the newest [`MAX_RUNS`] runs are kept (and the newest
[`MAX_RUNS`] set-aside files), the oldest deleted first, so daily use never fills the disk.
*/

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::model::Report;
use crate::render::json;

/// The environment variable that moves the data folder (history lives in `<it>/history`).
pub const DATA_DIR_ENV: &str = "EXAMREADY_DATA_DIR";

/// How many runs the history keeps (a run a day for more than six months).
pub const MAX_RUNS: usize = 200;

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
    /// Oldest first.
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
        if let Some(d) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(Store::at(PathBuf::from(d).join("history")));
        }
        let dirs = directories::ProjectDirs::from("", "", "examready").context(
            "cannot find a data folder for the history (no home folder?); set EXAMREADY_DATA_DIR",
        )?;
        Ok(Store::at(dirs.data_dir().join("history")))
    }

    /// Save `report` (its id filled in); returns the file written.
    pub fn save(&self, report: &Report) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create the history folder {}", self.dir.display()))?;
        let id = report.content_id();
        let name = format!("{}-{id}.json", report.time.strftime("%Y%m%dT%H%M%SZ"));
        let path = self.dir.join(name);
        crate::fsutil::write_atomic(&path, json::render(report).as_bytes())?;
        self.prune(MAX_RUNS);
        Ok(path)
    }

    /// Delete all but the newest `keep` runs (and the newest `keep` set-aside files), and
    /// temporary files more than an hour old (a run killed while saving). Names start with the
    /// UTC time, so they sort by age. Errors are ignored: pruning is tidying.
    pub fn prune(&self, keep: usize) {
        let Ok(read_dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut runs = Vec::new();
        let mut corrupt = Vec::new();
        for path in read_dir.filter_map(|e| e.ok().map(|e| e.path())) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') {
                // A temporary file left by a run that was killed while saving.
                let stale = path.metadata().and_then(|m| m.modified()).is_ok_and(|t| {
                    t.elapsed()
                        .is_ok_and(|age| age > std::time::Duration::from_secs(3600))
                });
                if name.ends_with(".tmp") && stale {
                    let _ = std::fs::remove_file(&path);
                }
                continue;
            }
            if !path.is_file() {
                continue;
            }
            if name.ends_with(".json") {
                runs.push(path);
            } else if name.contains(".json.corrupt") {
                corrupt.push(path);
            }
        }
        for mut list in [runs, corrupt] {
            list.sort();
            let excess = list.len().saturating_sub(keep);
            for old in &list[..excess] {
                let _ = std::fs::remove_file(old);
            }
        }
    }

    /// Every saved run, oldest first. A missing folder is an empty history.
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
        let mut paths: Vec<PathBuf> = read_dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        paths.sort();
        for path in paths {
            match read_report(&path) {
                Ok(report) => loaded.entries.push(Entry {
                    id: report.content_id(),
                    path,
                    report,
                }),
                // Newer, or not readable by this user (permissions): not corrupt, left alone.
                Err(e)
                    if e.is::<NewerSchema>()
                        || e.chain().any(|c| {
                            matches!(
                                c.downcast_ref::<crate::textfile::TextError>(),
                                Some(crate::textfile::TextError::Io(_))
                            )
                        }) =>
                {
                    loaded
                        .warnings
                        .push(format!("history: {e:#}; left as it is"))
                }
                Err(e) => loaded.warnings.push(set_aside(&path, &e)),
            }
        }
        loaded
            .entries
            .sort_by(|a, b| a.report.time.cmp(&b.report.time).then(a.path.cmp(&b.path)));
        loaded
    }
}

/// Rename a bad file to `<name>.corrupt` (or a free variant) and say so.
fn set_aside(path: &Path, error: &anyhow::Error) -> String {
    let mut target = path.with_extension("json.corrupt");
    let mut n = 1;
    while target.exists() && n < 1000 {
        target = path.with_extension(format!("json.corrupt.{n}"));
        n += 1;
    }
    match std::fs::rename(path, &target) {
        Ok(()) => format!(
            "history: {} cannot be read ({error:#}); set aside as {}",
            path.display(),
            target.display()
        ),
        Err(e) => format!(
            "history: {} cannot be read ({error:#}) nor set aside ({e}); ignored",
            path.display()
        ),
    }
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

/// Read one saved report. One from a newer schema is refused ([`NewerSchema`]): its fields may
/// mean other things.
pub fn read_report(path: &Path) -> anyhow::Result<Report> {
    let text = crate::textfile::read(path, crate::textfile::MAX_REPORT_BYTES)
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
    serde_json::from_value(value).with_context(not_report)
}

/// A run named on the command line: a report file, or a report id (or its first 4+ characters)
/// from the history.
pub fn resolve(spec: &str, loaded: &Loaded) -> anyhow::Result<(String, Report)> {
    let path = Path::new(spec);
    if path.is_file() {
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
mod tests {
    use super::*;
    use crate::model::{CheckResult, ProfileRef, Status};

    pub(crate) fn report(at: &str, upload: f64) -> Report {
        Report::new(
            at.parse().unwrap(),
            ProfileRef {
                id: "onvue".into(),
                name: "Pearson OnVUE".into(),
            },
            vec![CheckResult {
                id: "network".into(),
                title: "Network".into(),
                status: Status::Pass,
                summary: format!("upload {upload} Mbps"),
                duration_ms: 5000,
                facts: serde_json::json!({"upload_mbps": {"median": upload}}),
                findings: vec![],
            }],
        )
    }

    #[test]
    fn empty_or_missing_folder_is_an_empty_history() {
        let dir = tempfile::tempdir().unwrap();
        let l = Store::at(dir.path().join("nothing-here")).load();
        assert!(l.entries.is_empty() && l.warnings.is_empty());
        let l = Store::at(dir.path()).load();
        assert!(l.entries.is_empty() && l.warnings.is_empty());
        assert_eq!(list_lines(&l, &jiff::tz::TimeZone::UTC), "");
    }

    #[test]
    fn saves_and_lists_in_time_order_with_ids() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("h"));
        let newer = report("2026-11-24T09:00:00Z", 4.2);
        let older = report("2026-11-20T09:00:00Z", 9.1);
        let p = store.save(&newer).unwrap();
        store.save(&older).unwrap();
        assert!(
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("20261124T090000Z-")
        );
        let l = store.load();
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        assert_eq!(l.entries.len(), 2);
        assert_eq!(l.entries[0].report, older.clone().with_id());
        assert_eq!(l.entries[1].id, newer.content_id());
        let lines = list_lines(&l, &jiff::tz::TimeZone::UTC);
        let first = lines.lines().next().unwrap();
        assert!(first.starts_with("2026-11-20 09:00  onvue"), "{lines}");
        assert!(first.contains("ready") && first.contains(&older.content_id()));
        // Resolve by id prefix and by path.
        let (id, r) = resolve(&newer.content_id()[..6], &l).unwrap();
        assert_eq!((id, r.time), (newer.content_id(), newer.time));
        let (_, r) = resolve(p.to_str().unwrap(), &l).unwrap();
        assert_eq!(r.time, newer.time);
        let e = resolve("zzzz", &l).unwrap_err().to_string();
        assert!(e.contains("neither a report file"), "{e}");
    }

    #[test]
    fn corrupt_file_is_set_aside_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        store.save(&report("2026-11-20T09:00:00Z", 9.1)).unwrap();
        std::fs::write(
            dir.path().join("20261121T000000Z-bad.json"),
            "{\"schema_version\": 1,",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a report").unwrap();
        let l = store.load();
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.warnings.len(), 1);
        assert!(l.warnings[0].contains("set aside"), "{:?}", l.warnings);
        assert!(
            dir.path()
                .join("20261121T000000Z-bad.json.corrupt")
                .exists()
        );
        assert!(!dir.path().join("20261121T000000Z-bad.json").exists());
        // Once set aside it is no longer read, and no longer warned about.
        let l = store.load();
        assert_eq!((l.entries.len(), l.warnings.len()), (1, 0));
    }
}
