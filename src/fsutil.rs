/*!
Writing a file the user named (`--output`, the history) the way a careful Unix tool does. A leaf
module: it knows nothing of reports, and everything that creates or replaces such a file goes
through it.

[`write_atomic`]:

- **A new file, or an existing regular file, is written atomically.** The contents go to a
  temporary file in the destination's folder, which is flushed to disk and then renamed over the
  destination: the destination holds either all of the new contents or its old ones, and a failed
  or interrupted write leaves no temporary file behind. The temporary file is created exclusively
  (`O_CREAT|O_EXCL`: a file or a link already at its name is never reused nor followed) under a
  short random name, `.er` + 8 random characters + `.tmp`, so that another user cannot predict
  it and any name the filesystem accepts (up to 255 bytes) works for the destination.
- **Replacing an existing regular file keeps its owner, group and permission bits** (the
  set-user-id, set-group-id and sticky bits are dropped): the temporary file is given them before
  the rename, and stays private (0600) until then. Only root can give a file to another user;
  anyone else becomes the owner, keeping the group where allowed. A new file gets `0666` less the
  umask, as from any program. The file is replaced rather than rewritten in place because writing
  in place is not atomic (a failure halfway leaves half a file) and writes through every hard link
  to the file, even one another user made to a file of their choosing; the rename only ever
  replaces the name it was given. So other hard links keep the old contents, and extended
  attributes and ACLs are not carried over.
- **A symbolic link is followed and kept**: the file it points to is written as above (a dangling
  link: the file it names is created). **Except a link in a shared folder**: a link in a sticky
  folder that everyone can write to (`/tmp`) is not followed when it belongs to neither root, nor
  the user running examready, nor the folder's owner, wherever it is in the path: the error says
  so and nothing is written. That is the rule of Linux's `fs.protected_symlinks`, applied whatever
  that setting is (and on every Unix): otherwise another user could plant such a link to make
  examready, perhaps run as root, overwrite a file of their choosing.
- **A device or a named pipe is written in place**, never replaced (`/dev/stdout`, `/dev/full`,
  whose "disk full" is then an error). It is opened without waiting: a named pipe that no program
  reads is the error "no program is reading PATH", not a hang. Writing then waits for a slow
  reader like any program does; Ctrl-C and SIGTERM still end examready (see `interrupt`, which
  removes the unfinished temporary files through [`remove_unfinished`]).
- A folder is an error.

[`check_writable`] applies the same rules without writing anything, so that a path that will be
refused is refused before any probe runs.

Elsewhere than on Unix a link is followed to its final target (no shared-folder rule: that is
about Unix sticky folders), owners and permissions are not carried over, and what is neither a
file nor a folder is written in place.
*/

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};

/// Random characters in a temporary file's name.
const RANDOM_LEN: usize = 8;

/// What a path names once its links are resolved.
#[derive(Debug)]
enum Target {
    /// A file to create, or the regular file `existing` to replace, atomically.
    File {
        path: PathBuf,
        existing: Option<std::fs::Metadata>,
    },
    /// A device or a named pipe, written in place. `resolved`: `path` has no link in it (else the
    /// kernel follows `/proc`'s links to pipes and sockets, which name no file).
    Special {
        path: PathBuf,
        fifo: bool,
        resolved: bool,
    },
}

/// Fail now if `path` will not be written by [`write_atomic`]: a folder, a refused link (see the
/// module docs), a folder that does not exist or does not take a new file (tried for real, with
/// the temporary file the write would create, so permissions, read-only mounts and root are all
/// covered). A device or a named pipe is not opened now: a pipe's reader may start later.
pub fn check_writable(path: &Path) -> anyhow::Result<()> {
    match resolve(path)? {
        Target::Special { .. } => Ok(()),
        Target::File { path, .. } => {
            let folder = folder_of(&path);
            match std::fs::metadata(&folder) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => bail!("{} is not a folder", folder.display()),
                Err(e) => bail!("folder {}: {e}", folder.display()),
            }
            // Dropped at once: the probe file is removed.
            create_temp(&folder, RANDOM_LEN, None)?;
            Ok(())
        }
    }
}

/// Write `contents` to `path` as the module docs describe: atomically for a file (its owner and
/// mode kept), in place for a device or a named pipe, links followed except in a shared folder.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let why = || format!("cannot write {}", path.display());
    match resolve(path).with_context(why)? {
        Target::File { path: p, existing } => {
            replace(&p, existing.as_ref(), contents).with_context(why)
        }
        Target::Special {
            path: p,
            fifo,
            resolved,
        } => write_in_place(&p, path, fifo, resolved, contents).with_context(why),
    }
}

/// The temporary files being written now, removed by [`remove_unfinished`].
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remove the temporary files being written now. For a signal handler about to end the process
/// (no destructor runs then): the destinations stay as they were.
pub fn remove_unfinished() {
    let list = UNFINISHED.lock().unwrap_or_else(|p| p.into_inner());
    for p in list.iter() {
        let _ = std::fs::remove_file(p);
    }
}

/// A temporary file listed in [`UNFINISHED`] while it lives.
struct Unfinished(PathBuf);

impl Unfinished {
    fn new(path: &Path) -> Unfinished {
        let path = path.to_path_buf();
        UNFINISHED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(path.clone());
        Unfinished(path)
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        let mut list = UNFINISHED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = list.iter().position(|p| *p == self.0) {
            list.swap_remove(i);
        }
    }
}

/// Whether `name` is one of the temporary files [`write_atomic`] creates (`.er` + random
/// characters + `.tmp`): left behind only by a run that was killed while writing.
pub fn is_temporary_name(name: &str) -> bool {
    name.len() > ".er.tmp".len()
        && name.starts_with(".er")
        && name.ends_with(".tmp")
        && name[3..name.len() - 4]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
}

/// A new temporary file in `folder`: `.er` + `random` characters + `.tmp`, created exclusively
/// (an existing file or link at that name is an error, never reused). Private (0600) while it
/// replaces `existing`; a new file starts as `0666` less the umask.
fn create_temp(
    folder: &Path,
    random: usize,
    existing: Option<&std::fs::Metadata>,
) -> io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(".er").suffix(".tmp").rand_bytes(random);
    #[cfg(unix)]
    if existing.is_none() {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    #[cfg(not(unix))]
    let _ = existing;
    b.tempfile_in(folder)
}

/// Write `contents` to a temporary file next to `path` and rename it over `path`, giving it the
/// owner and mode of the regular file `existing` first.
fn replace(path: &Path, existing: Option<&std::fs::Metadata>, contents: &[u8]) -> io::Result<()> {
    let mut tmp = create_temp(&folder_of(path), RANDOM_LEN, existing)?;
    let _listed = Unfinished::new(tmp.path());
    tmp.write_all(contents)?;
    if let Some(m) = existing {
        keep_owner_and_mode(tmp.as_file(), m)?;
    }
    tmp.as_file().sync_all()?;
    // On failure the temporary file is dropped with the error, which removes it.
    tmp.persist(path).map(drop).map_err(|e| e.error)
}

#[cfg(unix)]
fn keep_owner_and_mode(file: &std::fs::File, old: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, fchown};
    let new = file.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid())
        && fchown(file, Some(old.uid()), Some(old.gid())).is_err()
    {
        // Only root gives a file away; the group is kept if this user belongs to it.
        let _ = fchown(file, None, Some(old.gid()));
    }
    // After the chown, which clears the set-id bits anyway.
    file.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o777))
}

#[cfg(not(unix))]
fn keep_owner_and_mode(_file: &std::fs::File, _old: &std::fs::Metadata) -> io::Result<()> {
    Ok(())
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Where `path` leads, every link on the way checked (see the module docs).
#[cfg(unix)]
fn resolve(path: &Path) -> anyhow::Result<Target> {
    use std::os::unix::fs::FileTypeExt;
    let Some(real) = walk(path)? else {
        // A link in /proc to a pipe or a socket (`/dev/stdout` in a pipeline): only the kernel
        // can follow it.
        let m = std::fs::metadata(path)?;
        if m.is_file() || m.is_dir() {
            bail!("cannot tell which file {} is", path.display());
        }
        return Ok(Target::Special {
            path: path.to_path_buf(),
            fifo: m.file_type().is_fifo(),
            resolved: false,
        });
    };
    match std::fs::symlink_metadata(&real) {
        Ok(m) if m.is_dir() => bail!("it is a folder"),
        Ok(m) if m.is_file() => Ok(Target::File {
            path: real,
            existing: Some(m),
        }),
        Ok(m) if m.file_type().is_symlink() => {
            bail!("{} changed while it was being looked at", path.display())
        }
        Ok(m) => Ok(Target::Special {
            path: real,
            fifo: m.file_type().is_fifo(),
            resolved: true,
        }),
        // Nothing there yet (or an error that creating the file will report).
        Err(_) => Ok(Target::File {
            path: real,
            existing: None,
        }),
    }
}

/// `path` made absolute with every symbolic link in it resolved, each one allowed by
/// [`check_link`] first; `None` at a link in `/proc` to what is not a file (`pipe:[1234]`).
/// What does not exist is kept as it is: creating the file reports the error.
#[cfg(unix)]
fn walk(path: &Path) -> anyhow::Result<Option<PathBuf>> {
    use std::ffi::OsString;
    use std::path::Component;
    /// Linux's limit (`ELOOP`).
    const MAX_LINKS: usize = 40;
    enum Step {
        Root,
        Up,
        Name(OsString),
    }
    // Still to walk, the next one last: a link's target goes in front of what remains.
    let steps = |p: &Path| -> Vec<Step> {
        let mut v: Vec<Step> = p
            .components()
            .filter_map(|c| match c {
                Component::RootDir | Component::Prefix(_) => Some(Step::Root),
                Component::CurDir => None,
                Component::ParentDir => Some(Step::Up),
                Component::Normal(n) => Some(Step::Name(n.to_os_string())),
            })
            .collect();
        v.reverse();
        v
    };
    let mut todo = steps(path);
    // The working folder has no link in it: the kernel resolved it.
    let mut done = if path.is_absolute() {
        PathBuf::from("/")
    } else {
        std::env::current_dir().context("cannot find the current folder")?
    };
    let mut links = 0;
    while let Some(step) = todo.pop() {
        let name = match step {
            Step::Root => {
                done = PathBuf::from("/");
                continue;
            }
            Step::Up => {
                done.pop();
                continue;
            }
            Step::Name(n) => n,
        };
        let next = done.join(&name);
        match std::fs::symlink_metadata(&next) {
            Ok(m) if m.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    bail!("too many levels of symbolic links at {}", next.display());
                }
                check_link(&done, &next, &m)?;
                let target = std::fs::read_link(&next)
                    .with_context(|| format!("cannot read the link {}", next.display()))?;
                if done.starts_with("/proc") && is_kernel_object(&target) {
                    return Ok(None);
                }
                todo.extend(steps(&target));
            }
            _ => done = next,
        }
    }
    Ok(Some(done))
}

/// What a `/proc/PID/fd` link names when it is not a file: `pipe:[1234]`, `socket:[5678]`,
/// `anon_inode:[eventfd]`.
#[cfg(unix)]
fn is_kernel_object(target: &Path) -> bool {
    !target.is_absolute()
        && target
            .to_str()
            .is_some_and(|t| t.contains(":[") || t.starts_with("anon_inode:"))
}

/// Refuse to follow the link `link` in `folder` (which has no link in it) when the folder is
/// sticky and everyone can write to it, and the link belongs to neither root, nor this user,
/// nor the folder's owner: another user may have planted it (Linux's `protected_symlinks` rule).
#[cfg(unix)]
fn check_link(folder: &Path, link: &Path, meta: &std::fs::Metadata) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let dir = std::fs::metadata(folder)
        .with_context(|| format!("cannot examine the folder {}", folder.display()))?;
    let shared = dir.mode() & 0o1002 == 0o1002;
    // SAFETY: geteuid cannot fail and touches no memory.
    let me = unsafe { libc::geteuid() };
    let owner = meta.uid();
    if shared && owner != 0 && owner != me && owner != dir.uid() {
        bail!(
            "{} is a symbolic link that another user (uid {owner}) made in {}, a folder everyone \
             can write to: it is not followed, since it could lead to any file (remove the link \
             or choose another name)",
            link.display(),
            folder.display()
        );
    }
    Ok(())
}

/// Elsewhere than on Unix: a link is followed to its final target, what is neither a file nor a
/// folder is written in place.
#[cfg(not(unix))]
fn resolve(path: &Path) -> anyhow::Result<Target> {
    if let Ok(m) = std::fs::metadata(path) {
        if m.is_dir() {
            bail!("it is a folder");
        }
        if !m.is_file() {
            return Ok(Target::Special {
                path: path.to_path_buf(),
                fifo: false,
                resolved: false,
            });
        }
    }
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let path = match is_link.then(|| std::fs::canonicalize(path)) {
        Some(Ok(target)) => target,
        _ => path.to_path_buf(),
    };
    let existing = std::fs::metadata(&path).ok().filter(|m| m.is_file());
    Ok(Target::File { path, existing })
}

/// Write into an existing device or named pipe, without creating or replacing anything. Opened
/// without waiting (a pipe with no reader is an error at once, about `shown`, the name the user
/// gave), then written with ordinary, waiting writes.
fn write_in_place(
    path: &Path,
    shown: &Path,
    fifo: bool,
    resolved: bool,
    contents: &[u8],
) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if resolved { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | nofollow);
    }
    #[cfg(not(unix))]
    let _ = resolved;
    let mut f = match options.open(path) {
        Ok(f) => f,
        #[cfg(unix)]
        Err(e) if fifo && e.raw_os_error() == Some(libc::ENXIO) => bail!(
            "no program is reading {} (a named pipe: start its reader first)",
            shown.display()
        ),
        Err(e) => return Err(e.into()),
    };
    #[cfg(not(unix))]
    let _ = (fifo, shown);
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let fd = f.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns; only the status flags change.
        let ok = unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) == 0
        };
        if !ok {
            return Err(io::Error::last_os_error().into());
        }
    }
    f.write_all(contents)?;
    f.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
