//! Where a path leads: every symbolic link on the way checked against the module's rules
//! (see the module docs), and what kind of thing is at the end.

use std::path::{Path, PathBuf};

#[cfg(unix)]
use anyhow::Context;
use anyhow::bail;

/// What a path names once its links are resolved.
#[derive(Debug)]
pub(super) enum Target {
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

/// Where `path` leads, every link on the way checked (see the module docs).
#[cfg(unix)]
pub(super) fn resolve(path: &Path) -> anyhow::Result<Target> {
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
pub(super) fn resolve(path: &Path) -> anyhow::Result<Target> {
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
