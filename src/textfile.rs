/*!
Reading a text file the user names (a profile, a saved report) with errors that say what is
wrong with it: a folder, not text (binary or another encoding), or far too large for what it
claims to be. The read is bounded, so `--profile /dev/zero` or a multi-gigabyte file fails at
once instead of filling the memory. A UTF-8 byte-order mark is dropped.
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

/// Read `path` as UTF-8 text of at most `limit` bytes.
pub fn read(path: &Path, limit: u64) -> Result<String, TextError> {
    if path.is_dir() {
        return Err(TextError::Folder);
    }
    let file = std::fs::File::open(path)?;
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

#[cfg(test)]
mod tests {
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
}
