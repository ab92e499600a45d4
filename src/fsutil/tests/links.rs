//! Links followed and kept, the shared-folder rule, and a replaced file's owner and mode.

use super::*;

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
