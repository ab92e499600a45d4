/*!
`--output FILE`: the report in the format named by the file's extension, written atomically (a
temporary file in the same folder, then a rename), so an interrupted or failed write never leaves
a partial report behind.

What is not a regular file is written in place, never replaced: a device (`/dev/stdout`,
`/dev/full`, whose "disk full" is then an error), a named pipe. A symbolic link to a file keeps
the link; the file it points to is replaced.
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
    if is_special(path) {
        // A device or a pipe: written in place later, nothing to try now (opening a pipe for
        // writing would wait for a reader).
        return Ok(());
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

/// Whether `path` (links followed) exists and is neither a regular file nor a folder.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Write into an existing device or pipe, without creating or replacing anything.
fn write_in_place(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut f| f.write_all(contents).and_then(|()| f.flush()))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Write `contents` to `path` atomically: the file either holds all of it or is untouched.
/// A device or a pipe is written in place; a link to a file is followed (see the module docs).
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    if is_special(path) {
        return write_in_place(path, contents);
    }
    let linked;
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(target) => {
                linked = target;
                linked.as_path()
            }
            // A dangling link: replaced by the report.
            Err(_) => path,
        },
        _ => path,
    };
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

    /// A character device node `major:minor` at `path` (needs root, as CI runs).
    #[cfg(target_os = "linux")]
    fn mknod(path: &Path, major: u32, minor: u32) -> bool {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mknod only creates a node.
        let rc = unsafe {
            libc::mknod(
                c.as_ptr(),
                libc::S_IFCHR | 0o666,
                libc::makedev(major, minor),
            )
        };
        rc == 0
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_device_is_written_in_place_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        // Private copies of /dev/full and /dev/null, so a regression cannot replace the real ones.
        let dir = tempfile::tempdir().unwrap();
        let (full, null) = (dir.path().join("full"), dir.path().join("null"));
        if !(mknod(&full, 1, 7) && mknod(&null, 1, 3)) {
            let why = "cannot create device nodes (mknod needs root)";
            assert!(!crate::ci::in_ci(), "{why}");
            eprintln!("SKIPPED: {why}");
            return;
        }
        let is_device = |p: &Path| {
            std::fs::symlink_metadata(p)
                .unwrap()
                .file_type()
                .is_char_device()
        };
        // Every write to "full" fails with "no space left on device".
        check_writable(&full).unwrap();
        let e = write_atomic(&full, b"report").unwrap_err();
        assert!(format!("{e:#}").contains("No space left"), "{e:#}");
        assert!(is_device(&full), "the device was replaced");
        check_writable(&null).unwrap();
        write_atomic(&null, b"report").unwrap();
        assert!(is_device(&null), "the device was replaced");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "nothing left"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
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
