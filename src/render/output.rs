/*!
`--output FILE`: the report in the format named by the file's extension, written by
[`crate::fsutil::write_atomic`]: atomically (a temporary file in the same folder, then a rename),
so an interrupted or failed write never leaves a partial report behind; a replaced file keeps its
owner and mode; a device or a named pipe is written in place, never replaced; a link is followed
and kept, except one another user planted in a shared folder such as `/tmp` (the module docs of
[`crate::fsutil`] give the rules).
*/

use std::path::Path;

use anyhow::bail;

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

/// The report in `format`, with its report id filled in. Control characters from the machine
/// are made visible in HTML and Markdown (`cat report.md` must not drive the terminal); JSON
/// escapes them itself.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => super::json::render(report),
        Format::Html => super::sanitize::plain(&super::html::render(report)).into_owned(),
        Format::Md => super::sanitize::plain(&super::markdown::render(report)).into_owned(),
    }
}

/// Fail early, before any probe runs, if `path` will not be written: a folder, a folder that
/// does not take a new file (tried for real), a link refused in a shared folder ... (the rules of
/// [`crate::fsutil`], which writes the report afterwards).
pub fn check_writable(path: &Path) -> anyhow::Result<()> {
    crate::fsutil::check_writable(path)
        .map_err(|e| anyhow::anyhow!("cannot write the report to {}: {e:#}", path.display()))
}

/// Write `report` to `path` in `format`.
pub fn write_report(report: &Report, path: &Path, format: Format) -> anyhow::Result<()> {
    crate::fsutil::write_atomic(path, render(report, format).as_bytes())
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
}
