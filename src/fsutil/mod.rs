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

mod resolve;

use resolve::{Target, resolve};

/// Random characters in a temporary file's name.
const RANDOM_LEN: usize = 8;

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
mod tests;
