use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn write_under_a_file_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, b"x").unwrap();
    let e = write_atomic(&file.join("r.json"), b"data").unwrap_err();
    assert!(format!("{e:#}").contains("cannot write"), "{e:#}");
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
    assert_eq!(names(dir.path()), ["plain"]);
}

#[test]
fn a_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = write_atomic(dir.path(), b"data").unwrap_err();
    assert!(format!("{e:#}").contains("it is a folder"), "{e:#}");
    let e = check_writable(dir.path()).unwrap_err();
    assert!(format!("{e:#}").contains("it is a folder"), "{e:#}");
}

#[test]
fn failed_rename_removes_the_temporary_file() {
    // The temporary file is written, then the rename onto a non-empty folder fails
    // (`write_atomic` refuses a folder before that; the rename is tried here directly).
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("r.json");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("inside"), b"keep").unwrap();
    assert!(replace(&target, None, b"data").is_err());
    assert_eq!(names(dir.path()), ["r.json"], "no temporary file left");
    assert_eq!(std::fs::read(target.join("inside")).unwrap(), b"keep");
    let listed = UNFINISHED.lock().unwrap().clone();
    assert!(
        !listed.iter().any(|p| p.starts_with(dir.path())),
        "{listed:?}"
    );
}

#[test]
fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    write_atomic(&p, b"first").unwrap();
    write_atomic(&p, b"second").unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "second");
    assert_eq!(names(dir.path()), ["r.json"]);
}

#[test]
fn failed_write_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("missing-dir").join("r.json");
    let e = write_atomic(&p, b"x").unwrap_err();
    assert!(format!("{e:#}").contains("cannot write"));
    assert!(names(dir.path()).is_empty());
}

/// Bug: the temporary name was `.NAME.<pid>.tmp`, 10+ bytes longer than the name, so a name
/// of 246 to 255 bytes was "File name too long".
#[test]
fn a_name_of_255_bytes_works() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("{}.json", "n".repeat(250));
    assert_eq!(name.len(), 255);
    let p = dir.path().join(&name);
    check_writable(&p).unwrap();
    write_atomic(&p, b"first").unwrap();
    write_atomic(&p, b"second").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"second");
    assert_eq!(names(dir.path()), [name]);
}

/// Bug: the temporary file had a predictable name and was opened without `O_EXCL`, so a link
/// planted at that name was followed and its target written.
#[cfg(unix)]
#[test]
fn a_link_at_the_old_temporary_name_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let planted = dir
        .path()
        .join(format!(".r.json.{}.tmp", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let p = dir.path().join("r.json");
    write_atomic(&p, b"report").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(std::fs::read_link(&planted).unwrap(), victim);
    assert!(std::fs::symlink_metadata(&p).unwrap().is_file());
    assert_eq!(std::fs::read(&p).unwrap(), b"report");
}

/// The temporary file is created exclusively: a file or a link already at its name is an
/// error, never reused (with no random part the name is fixed, `.er.tmp`).
#[cfg(unix)]
#[test]
fn the_temporary_file_is_created_exclusively() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = dir.path().join(".er.tmp");
    std::fs::write(&fixed, b"someone else's").unwrap();
    let e = create_temp(dir.path(), 0, None).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::AlreadyExists, "{e}");
    assert_eq!(std::fs::read(&fixed).unwrap(), b"someone else's");
    std::fs::remove_file(&fixed).unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, &fixed).unwrap();
    let e = create_temp(dir.path(), 0, None).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::AlreadyExists, "{e}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    // The name written is the short random one.
    let t = create_temp(dir.path(), RANDOM_LEN, None).unwrap();
    let name = t.path().file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.len() == 15 && name.starts_with(".er") && name.ends_with(".tmp"),
        "{name}"
    );
}

#[test]
fn temporary_names_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let t = create_temp(dir.path(), RANDOM_LEN, None).unwrap();
    let name = t.path().file_name().unwrap().to_str().unwrap();
    assert!(is_temporary_name(name), "{name}");
    for other in [
        ".er.tmp",
        "r.json",
        ".r.json.123.tmp",
        ".erab/c.tmp",
        "er12345678.tmp",
    ] {
        assert!(!is_temporary_name(other), "{other}");
    }
}

/// A temporary file is listed for [`remove_unfinished`] while it lives. (Not called here: it
/// would remove the temporary files of the tests running alongside.)
#[test]
fn temporary_files_are_listed_while_unfinished() {
    let dir = tempfile::tempdir().unwrap();
    let t = create_temp(dir.path(), RANDOM_LEN, None).unwrap();
    let listed = |p: &Path| UNFINISHED.lock().unwrap().iter().any(|l| l == p);
    let entry = Unfinished::new(t.path());
    assert!(listed(t.path()));
    drop(entry);
    assert!(!listed(t.path()));
}

#[cfg(unix)]
#[test]
fn a_new_file_gets_the_usual_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    write_atomic(&p, b"x").unwrap();
    // SAFETY: umask only swaps the process's file creation mask (set back at once).
    let umask = unsafe {
        let m = libc::umask(0o022);
        libc::umask(m);
        m
    };
    let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o666 & !(umask as u32));
}

#[cfg(unix)]
#[test]
fn a_link_is_followed_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    check_writable(&link).unwrap();
    write_atomic(&link, b"new").unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&real).unwrap(), b"new");
    assert_eq!(names(dir.path()), ["link.json", "real.json"]);
    // A relative link, through a linked folder and `..`.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("sub", dir.path().join("via")).unwrap();
    std::os::unix::fs::symlink("../real.json", dir.path().join("sub/up.json")).unwrap();
    write_atomic(&dir.path().join("via/up.json"), b"newer").unwrap();
    assert_eq!(std::fs::read(&real).unwrap(), b"newer");
    // A dangling link: the file it names is created, the link kept.
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink("made.json", &dangling).unwrap();
    write_atomic(&dangling, b"made").unwrap();
    assert!(std::fs::symlink_metadata(&dangling).unwrap().is_symlink());
    assert_eq!(
        std::fs::read(dir.path().join("made.json")).unwrap(),
        b"made"
    );
}

#[cfg(unix)]
#[test]
fn a_link_loop_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
    std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
    let e = write_atomic(&dir.path().join("a"), b"x").unwrap_err();
    assert!(format!("{e:#}").contains("too many levels"), "{e:#}");
    assert_eq!(names(dir.path()), ["a", "b"]);
}

/// Whether this process may give files away (root): a real part of the owner tests.
#[cfg(unix)]
fn can_chown(what: &str) -> bool {
    // SAFETY: geteuid touches no memory.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    let why = format!("{what} needs root, to give files to another uid");
    assert!(!crate::ci::in_ci(), "{why}");
    eprintln!("SKIPPED: {why}");
    false
}

#[cfg(unix)]
fn lchown(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), None).unwrap();
}

/// The shared-folder rule: in a sticky folder everyone can write to, a link is followed only
/// when it belongs to root, to this user or to the folder's owner; anywhere in the path.
#[cfg(unix)]
#[test]
fn links_in_a_shared_folder_follow_the_owner_rule() {
    use std::os::unix::fs::PermissionsExt;
    if !can_chown("the shared-folder rule") {
        return;
    }
    let (other, third) = (54_321, 54_322);
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let link = shared.join("r.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    lchown(&link, other);
    for e in [
        check_writable(&link).unwrap_err(),
        write_atomic(&link, b"report").unwrap_err(),
    ] {
        let e = format!("{e:#}");
        assert!(e.contains("another user (uid 54321)"), "{e}");
        assert!(e.contains("not followed"), "{e}");
    }
    // A linked folder on the way is refused the same way.
    let via = shared.join("via");
    std::os::unix::fs::symlink(dir.path(), &via).unwrap();
    lchown(&via, other);
    assert!(write_atomic(&via.join("victim"), b"report").is_err());
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    // Not sticky, or not writable by everyone: followed.
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    write_atomic(&link, b"one").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"one");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1775)).unwrap();
    write_atomic(&link, b"two").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"two");
    // Sticky and shared, the link the folder owner's: followed; a third user's: refused.
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::os::unix::fs::chown(&shared, Some(other), None).unwrap();
    write_atomic(&link, b"three").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"three");
    lchown(&link, third);
    assert!(write_atomic(&link, b"four").is_err());
    // This user's own link: followed.
    // SAFETY: geteuid touches no memory.
    lchown(&link, unsafe { libc::geteuid() });
    write_atomic(&link, b"five").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"five");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
}

/// Replacing a file keeps its owner, group and permission bits (bug: the report became this
/// user's, mode 0644).
#[cfg(unix)]
#[test]
fn a_replaced_file_keeps_its_owner_and_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !can_chown("keeping another user's ownership") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("theirs.json");
    std::fs::write(&p, b"old").unwrap();
    std::os::unix::fs::chown(&p, Some(54_321), Some(54_322)).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o4640)).unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&p, &link).unwrap();
    write_atomic(&link, b"new").unwrap();
    let m = std::fs::metadata(&p).unwrap();
    assert_eq!((m.uid(), m.gid()), (54_321, 54_322));
    assert_eq!(
        m.mode() & 0o7777,
        0o640,
        "set-id bits dropped, the rest kept"
    );
    assert_eq!(std::fs::read(&p).unwrap(), b"new");
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
