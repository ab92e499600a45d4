//! The history folder's files: which are runs (and in what order they were saved), which are
//! foreign or temporary, and setting a bad run aside.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A file named as examready names a run.
#[derive(Debug)]
pub(super) struct Run {
    pub(super) path: PathBuf,
    /// The save sequence; `None` for a name written before it existed.
    pub(super) seq: Option<u64>,
    pub(super) modified: Option<SystemTime>,
    /// A regular file (not a link, a folder, a FIFO ...): only these are ever deleted.
    pub(super) regular: bool,
}

/// What the history folder holds.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// In the order they were saved: names without a sequence first (the older examready's),
    /// then by sequence; ties by modification time, then by name (which starts with the time).
    pub(super) runs: Vec<Run>,
    /// Other `*.json` files: not examready's, never touched.
    pub(super) foreign: Vec<PathBuf>,
    /// Temporary files of atomic writes ([`crate::fsutil::is_temporary_name`]).
    pub(super) temporary: Vec<PathBuf>,
}

pub(super) fn scan(read_dir: std::fs::ReadDir) -> Scan {
    let mut found = Scan::default();
    for entry in read_dir.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            if crate::fsutil::is_temporary_name(&name) {
                found.temporary.push(path);
            }
            continue;
        }
        match run_sequence(&name) {
            Some(seq) => {
                // Not followed: the link itself, never its target.
                let meta = std::fs::symlink_metadata(&path).ok();
                found.runs.push(Run {
                    seq,
                    modified: meta.as_ref().and_then(|m| m.modified().ok()),
                    regular: meta.is_some_and(|m| m.is_file()),
                    path,
                });
            }
            None if name.ends_with(".json") => found.foreign.push(path),
            None => {}
        }
    }
    found
        .runs
        .sort_by(|a, b| (a.seq, a.modified, &a.path).cmp(&(b.seq, b.modified, &b.path)));
    found.foreign.sort();
    found
}

/// `Some(sequence)` when `name` is one examready gives a run: `<UTC time>-<id>-<sequence>.json`
/// (`Some(Some(n))`) or, before sequences, `<UTC time>-<id>.json` (`Some(None)`). The time is
/// `YYYYMMDDTHHMMSSZ`, the id letters and digits.
pub(super) fn run_sequence(name: &str) -> Option<Option<u64>> {
    let stem = name.strip_suffix(".json")?;
    let (time, rest) = stem.split_at_checked(16)?;
    let t = time.as_bytes();
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    if !(t[8] == b'T' && t[15] == b'Z' && digits(&t[..8]) && digits(&t[9..15])) {
        return None;
    }
    let rest = rest.strip_prefix('-')?;
    let (id, seq) = match rest.split_once('-') {
        Some((id, seq)) if (1..=19).contains(&seq.len()) && digits(seq.as_bytes()) => {
            (id, Some(seq.parse().ok()?))
        }
        Some(_) => return None,
        None => (rest, None),
    };
    let id_ok = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric());
    id_ok.then_some(seq)
}

/// Rename a bad file to `<name>.corrupt` (or a free variant) and say so.
pub(super) fn set_aside(path: &Path, error: &anyhow::Error) -> String {
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
