//! Atomic writes and their temporary files; links, owners and modes in `links`, devices and
//! pipes in `special` (Unix).

use super::*;

#[cfg(unix)]
mod links;
#[cfg(unix)]
mod special;

pub(super) fn names(dir: &Path) -> Vec<String> {
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
