//! Devices and pipes: written in place, never replaced, never waited on.

use super::*;

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
    // Through a link to it, too.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&null, &link).unwrap();
    write_atomic(&link, b"report").unwrap();
    assert!(is_device(&null), "the device was replaced");
    assert_eq!(names(dir.path()), ["full", "link", "null"], "nothing left");
}

/// `/dev/stdout` in a pipeline is a link in /proc to `pipe:[N]`, which names no file: the
/// kernel follows it, and the pipe is written in place.
#[cfg(target_os = "linux")]
#[test]
fn a_pipe_behind_a_proc_link_is_written_in_place() {
    use std::io::Read;
    use std::os::fd::AsRawFd;
    let (mut reader, writer) = std::io::pipe().unwrap();
    let path = PathBuf::from(format!("/proc/self/fd/{}", writer.as_raw_fd()));
    check_writable(&path).unwrap();
    write_atomic(&path, b"through the pipe").unwrap();
    drop(writer);
    let mut got = String::new();
    reader.read_to_string(&mut got).unwrap();
    assert_eq!(got, "through the pipe");
}

/// Bug: a named pipe with no reader made the open wait forever.
#[cfg(unix)]
#[test]
fn a_named_pipe_without_reader_is_an_error_at_once() {
    use std::io::Read;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.json");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    check_writable(&fifo).unwrap();
    let e = format!("{:#}", write_atomic(&fifo, b"report").unwrap_err());
    assert!(
        e.contains(&format!("no program is reading {}", fifo.display())),
        "{e}"
    );
    // With a reader, the pipe is written in place (the reader opens without waiting).
    let mut reader = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap()
    };
    write_atomic(&fifo, b"report").unwrap();
    let mut got = Vec::new();
    reader.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"report");
    assert_eq!(names(dir.path()), ["fifo.json"]);
}
