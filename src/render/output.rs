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
    Json,
}

impl Format {
    pub fn from_path(path: &Path) -> anyhow::Result<Format> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "json" => Ok(Format::Json),
            "" => bail!(
                "cannot tell the report format of {}: give the file a .json extension",
                path.display()
            ),
            other => bail!(
                "unsupported report format .{other} for {}: use .json",
                path.display()
            ),
        }
    }
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => super::json::render(report),
    }
}

/// Write `contents` to `path` atomically: the file either holds all of it or is untouched.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write the report to {}", path.display()));
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
        assert!(format!("{e:#}").contains("cannot write the report"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
