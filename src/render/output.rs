/*!
`--output FILE`: the report in the format named by the file's extension, written atomically (a
temporary file in the same folder, then a rename), so an interrupted or failed write never leaves
a partial report behind.
*/

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::model::Report;

/// Report formats that can be written to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The JSON report (the schema in `model.rs`).
    Json,
    /// One self-contained HTML page (inline CSS and SVG, no scripts).
    Html,
    /// Markdown, for a support ticket.
    #[value(alias = "markdown")]
    Md,
}

impl Format {
    pub fn from_path(path: &Path) -> anyhow::Result<Format> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "json" => Ok(Format::Json),
            "html" | "htm" => Ok(Format::Html),
            "md" | "markdown" => Ok(Format::Md),
            "" => bail!(
                "cannot tell the report format of {}: give the file a .json, .html or .md \
                 extension, or pass --format",
                path.display()
            ),
            other => bail!(
                "unsupported report format .{other} for {}: use .json, .html or .md, or pass \
                 --format",
                path.display()
            ),
        }
    }

    /// `--format` if given, else the extension of `path`.
    pub fn choose(path: &Path, explicit: Option<Format>) -> anyhow::Result<Format> {
        match explicit {
            Some(f) => Ok(f),
            None => Format::from_path(path),
        }
    }
}

/// The report in `format`, with its report id filled in.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => super::json::render(report),
        Format::Html => super::html::render(report),
        Format::Md => super::markdown::render(report),
    }
}

/// Fail early, before any probe runs, if `path` cannot be written: its folder must exist and
/// accept a new file (tried for real, so permissions, read-only mounts and root are all covered)
/// and `path` itself must not be a folder. The report is still written atomically afterwards.
pub fn check_writable(path: &Path) -> anyhow::Result<()> {
    let dir = folder_of(path);
    let why = |e: &dyn std::fmt::Display| {
        anyhow::anyhow!("cannot write the report to {}: {e}", path.display())
    };
    if path.is_dir() {
        return Err(why(&"it is a folder"));
    }
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(why(&format!("{} is not a folder", dir.display()))),
        Err(e) => return Err(why(&format!("folder {}: {e}", dir.display()))),
    }
    let probe = temp_name(&dir, path)?;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(why(&e)),
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The temporary file next to `path`: hidden, named after it and this process.
fn temp_name(dir: &Path, path: &Path) -> anyhow::Result<PathBuf> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    Ok(dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// Write `contents` to `path` atomically: the file either holds all of it or is untouched.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let tmp = temp_name(&folder_of(path), path)?;
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// Write `report` to `path` in `format`.
pub fn write_report(report: &Report, path: &Path, format: Format) -> anyhow::Result<()> {
    write_atomic(path, render(report, format).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(
            Format::from_path(Path::new("r.JSON")).unwrap(),
            Format::Json
        );
        assert!(Format::from_path(Path::new("r")).is_err());
        assert!(
            Format::from_path(Path::new("r.docx"))
                .unwrap_err()
                .to_string()
                .contains(".docx")
        );
    }

    #[test]
    fn explicit_format_overrides_extension() {
        assert_eq!(
            Format::from_path(Path::new("a/r.html")).unwrap(),
            Format::Html
        );
        assert_eq!(Format::from_path(Path::new("r.md")).unwrap(), Format::Md);
        assert_eq!(
            Format::choose(Path::new("r.txt"), Some(Format::Md)).unwrap(),
            Format::Md
        );
        assert!(Format::choose(Path::new("r.txt"), None).is_err());
    }

    #[test]
    fn writable_check_tries_for_real() {
        let dir = tempfile::tempdir().unwrap();
        check_writable(&dir.path().join("r.html")).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // A folder whose "parent" is a regular file cannot take a file, even for root.
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        let e = check_writable(&file.join("r.html"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot write the report"), "{e}");
        let e = check_writable(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn write_under_a_file_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        let e = write_atomic(&file.join("r.json"), b"data").unwrap_err();
        assert!(format!("{e:#}").contains("cannot write"), "{e:#}");
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_rename_removes_the_temporary_file() {
        // The temporary file is written, then the rename onto a non-empty folder fails.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), b"keep").unwrap();
        let e = write_atomic(&target, b"data").unwrap_err();
        assert!(format!("{e:#}").contains("cannot write"), "{e:#}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["r.json"], "no temporary file left");
        assert_eq!(std::fs::read(target.join("inside")).unwrap(), b"keep");
    }

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing-dir").join("r.json");
        let e = write_atomic(&p, b"x").unwrap_err();
        assert!(format!("{e:#}").contains("cannot write"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
