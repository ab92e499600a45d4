/*!
Reading a text file the user names (a profile, a saved report) with errors that say what is
wrong with it: a folder, not text (binary or another encoding), or far too large for what it
claims to be. The read is bounded, so `--profile /dev/zero` or a multi-gigabyte file fails at
once instead of filling the memory. A UTF-8 byte-order mark is dropped.

The read never blocks: a named pipe (FIFO) or a socket is refused as "not a regular file" (a
FIFO with no writer would otherwise wait forever in `open`). On Unix the file is opened with
`O_NONBLOCK` and the opened handle is examined (`fstat`), so a file swapped for a FIFO between a
check and the open cannot slip through; elsewhere the metadata is checked before opening and the
handle's after. A file examready keeps itself ([`Source::Stored`], a history run) must be a
regular file, not a link or a device.
*/

use std::io::Read;
use std::path::Path;

/// A profile is a few kilobytes; 1 MiB leaves room for a very long comment history.
pub const MAX_PROFILE_BYTES: u64 = 1024 * 1024;
/// A report with a camera snapshot and long sample series stays well under a few megabytes;
/// parsed into memory a report takes tens of times its size, so the bound is kept modest.
pub const MAX_REPORT_BYTES: u64 = 16 * 1024 * 1024;

/// What is wrong with a file that was asked for as text.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("it is a folder, not a file")]
    Folder,
    #[error("it is not a regular file but {0}")]
    NotRegular(&'static str),
    #[error("it is larger than {limit} (a binary or unrelated file?)", limit = size(*.0))]
    TooLarge(u64),
    #[error(
        "it is not a text file (byte {at} is not UTF-8: a binary file, or text in another encoding)"
    )]
    NotText { at: usize },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

/// Where a file to read comes from, which decides what it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Named by the user: a link is followed, and a device is read up to the limit
    /// (`/dev/zero` is "too large", not a hang); a named pipe or a socket is refused.
    Named,
    /// A file examready wrote and keeps (a history run): only a regular file, never through a
    /// link, is read.
    Stored,
}

/// Read `path`, named by the user, as UTF-8 text of at most `limit` bytes.
pub fn read(path: &Path, limit: u64) -> Result<String, TextError> {
    read_from(path, limit, Source::Named)
}

/// Read `path` as UTF-8 text of at most `limit` bytes, refusing what `source` may not be.
pub fn read_from(path: &Path, limit: u64, source: Source) -> Result<String, TextError> {
    // A first look, for the clearer error (opening a socket fails with "no such device").
    let meta = match source {
        Source::Named => std::fs::metadata(path)?,
        Source::Stored => std::fs::symlink_metadata(path)?,
    };
    accept(&meta.file_type(), source)?;
    let file = open(path, source)?;
    // The file that was opened, which may not be the one looked at.
    let meta = file.metadata()?;
    accept(&meta.file_type(), source)?;
    if meta.is_file() && meta.len() > limit {
        return Err(TextError::TooLarge(limit));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(TextError::TooLarge(limit));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(TextError::NotText {
            at: e.valid_up_to() + 1 + (bytes.len() - body.len()),
        }),
    }
}

/// Whether a file of this type may be read from `source`.
fn accept(kind: &std::fs::FileType, source: Source) -> Result<(), TextError> {
    if kind.is_file() {
        return Ok(());
    }
    if kind.is_dir() {
        return Err(TextError::Folder);
    }
    if kind.is_symlink() {
        return Err(TextError::NotRegular("a symbolic link"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Err(TextError::NotRegular("a named pipe (FIFO)"));
        }
        if kind.is_socket() {
            return Err(TextError::NotRegular("a socket"));
        }
        if (kind.is_char_device() || kind.is_block_device()) && source == Source::Named {
            return Ok(());
        }
    }
    #[cfg(not(unix))]
    let _ = source;
    Err(TextError::NotRegular("a device or another special file"))
}

/// Open for reading without ever waiting: non-blocking (a FIFO with no writer opens at once), and
/// for a stored file without following a link at the last component.
#[cfg(unix)]
fn open(path: &Path, source: Source) -> Result<std::fs::File, TextError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK;
    if source == Source::Stored {
        flags |= libc::O_NOFOLLOW;
    }
    match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
    {
        Ok(f) => Ok(f),
        // The link O_NOFOLLOW refused, put there since the first look.
        Err(e) if source == Source::Stored && e.raw_os_error() == Some(libc::ELOOP) => {
            Err(TextError::NotRegular("a symbolic link"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Elsewhere the type was checked just before; the opened handle is checked again after.
#[cfg(not(unix))]
fn open(path: &Path, _source: Source) -> Result<std::fs::File, TextError> {
    Ok(std::fs::File::open(path)?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn folder_binary_huge_and_bom_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read(dir.path(), 10), Err(TextError::Folder)));
        let p = dir.path().join("f");
        std::fs::write(&p, b"ok\xff\xfe").unwrap();
        let e = read(&p, 100).unwrap_err();
        assert!(matches!(e, TextError::NotText { at: 3 }), "{e}");
        assert!(e.to_string().contains("not a text file"), "{e}");
        std::fs::write(&p, vec![b'#'; 2049]).unwrap();
        let e = read(&p, 2048).unwrap_err().to_string();
        assert!(e.contains("larger than 2 KiB"), "{e}");
        std::fs::write(&p, b"\xEF\xBB\xBF[profile]").unwrap();
        assert_eq!(read(&p, 100).unwrap(), "[profile]");
        let e = read(&dir.path().join("missing"), 10).unwrap_err();
        assert!(matches!(e, TextError::Io(ref io) if io.kind() == std::io::ErrorKind::NotFound));
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_file_is_cut_at_the_limit() {
        let e = read(Path::new("/dev/zero"), 4096).unwrap_err();
        assert!(matches!(e, TextError::TooLarge(4096)), "{e}");
    }

    /// A FIFO at `path` (no writer: opening it for reading the usual way waits forever).
    #[cfg(unix)]
    pub(crate) fn mkfifo(path: &Path) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    }

    /// Runs `f` on another thread and fails if it does not return within 10 seconds.
    #[cfg(unix)]
    pub(crate) fn promptly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the read blocked (still waiting after 10 s)")
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once_never_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("r.json");
        mkfifo(&fifo);
        for source in [Source::Named, Source::Stored] {
            let p = fifo.clone();
            let e = promptly(move || read_from(&p, 4096, source)).unwrap_err();
            assert!(matches!(e, TextError::NotRegular(_)), "{source:?}: {e}");
            assert!(
                e.to_string()
                    .contains("not a regular file but a named pipe"),
                "{e}"
            );
        }
        // Through a link too.
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        let e = promptly(move || read(&link, 4096)).unwrap_err();
        assert!(matches!(e, TextError::NotRegular(_)), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_stored_file_is_never_read_through_a_link_or_from_a_device() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "{}").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(read(&link, 100).unwrap(), "{}", "a named link is followed");
        let e = read_from(&link, 100, Source::Stored).unwrap_err();
        assert!(e.to_string().contains("a symbolic link"), "{e}");
        let e = read_from(Path::new("/dev/zero"), 100, Source::Stored).unwrap_err();
        assert!(matches!(e, TextError::NotRegular(_)), "{e}");
        assert_eq!(read_from(&real, 100, Source::Stored).unwrap(), "{}");
    }
}
