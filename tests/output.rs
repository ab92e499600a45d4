//! `--output FILE` used by a hostile or unlucky user, against the real binary: a named pipe with
//! no reader or a reader that does not read (and Ctrl-C / SIGTERM meanwhile), links planted by
//! another local user in a shared sticky folder, another user's file replaced, a name of 255
//! bytes. Each test failed before its fix. The rules are in `src/fsutil.rs` and the README
//! ("How examready writes files").

use std::path::Path;
#[cfg(unix)]
use std::process::{Child, Command, ExitStatus, Stdio};
#[cfg(unix)]
use std::time::{Duration, Instant};

use crate::support::Env;
#[cfg(unix)]
use crate::support::require;

/// `examready check --only processes --output NAME` (a quick run): exit code and stderr.
fn check_to(env: &Env, name: &str) -> (i32, String) {
    let (code, _, stderr) = env.run(&["check", "--only", "processes", "--output", name]);
    (code, stderr)
}

/// Wait up to `secs` for `child`; a child still running then is killed (and `None`).
#[cfg(unix)]
fn wait_for(child: &mut Child, secs: u64) -> Option<ExitStatus> {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[cfg(unix)]
fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut s).unwrap();
    }
    s
}

/// The names in `dir` that start with a dot (temporary files).
fn hidden_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Bug: `--output` to a named pipe nobody reads waited forever in open(2), deaf to Ctrl-C and
/// SIGTERM. Now it is an error at once.
#[cfg(unix)]
#[test]
fn a_named_pipe_without_reader_is_an_error_not_a_hang() {
    let env = Env::new();
    mkfifo(&env.path("fifo.json"));
    let mut child = env
        .cmd(&["check", "--only", "processes", "--output", "fifo.json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_for(&mut child, 30).expect("examready hung on a named pipe with no reader");
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no program is reading fifo.json"),
        "{stderr}"
    );
    assert!(stderr.contains("this run is saved"), "{stderr}");
}

/// Bug: with a reader that does not read, writing the report waited for ever, and neither
/// Ctrl-C nor SIGTERM ended it (tokio's handlers, installed for the probes, stay for the life
/// of the process). Now a signal ends it in that phase too: 130 for SIGINT, 143 for SIGTERM.
#[cfg(target_os = "linux")]
#[test]
fn signals_end_a_report_write_that_waits_for_its_reader() {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let env = Env::new();
        let fifo = env.path("fifo.json");
        mkfifo(&fifo);
        // The reader: opened without waiting, its pipe shrunk to one page, never read.
        let reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        // SAFETY: fcntl on a descriptor this test owns.
        let size = unsafe { libc::fcntl(reader.as_raw_fd(), libc::F_SETPIPE_SZ, 4096) };
        assert!(
            (1..6000).contains(&size),
            "pipe size {size}: a report must not fit"
        );
        let mut child = env
            .cmd(&["check", "--only", "processes", "--output", "fifo.json"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the pipe is full: the report is being written, and the write waits.
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let mut queued: libc::c_int = 0;
            // SAFETY: FIONREAD writes one int.
            unsafe { libc::ioctl(reader.as_raw_fd(), libc::FIONREAD, &mut queued) };
            if queued >= size {
                break;
            }
            assert!(child.try_wait().unwrap().is_none(), "examready ended early");
            assert!(Instant::now() < end, "the report never filled the pipe");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        // SAFETY: signals our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let status = wait_for(&mut child, 10);
        let stderr = stderr_of(&mut child);
        let status = status.unwrap_or_else(|| panic!("signal {signal} did not end it: {stderr}"));
        assert_eq!(status.code(), Some(code), "signal {signal}: {stderr}");
        assert!(stderr.contains("interrupted while the report"), "{stderr}");
        assert_eq!(env.history_files().len(), 1, "the run was saved first");
        assert!(hidden_files(env.dir.path()).is_empty());
        drop(reader);
    }
}

/// A throwaway local user (`useradd`), removed on drop.
#[cfg(unix)]
struct OtherUser {
    name: String,
    uid: u32,
}

#[cfg(unix)]
impl OtherUser {
    /// A new user, or `None` (and SKIPPED, or a failure under CI) when one cannot be made.
    fn create() -> Option<OtherUser> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        // SAFETY: geteuid touches no memory.
        let root = unsafe { libc::geteuid() } == 0;
        if !require(
            root && crate::support::have("useradd"),
            "a second local user needs root and useradd",
        ) {
            return None;
        }
        let name = format!(
            "ertest-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        // Another program may hold the lock on /etc/passwd for a moment: try again.
        let mut last = String::new();
        for _ in 0..20 {
            let out = Command::new("useradd")
                .args(["-M", "-s", "/usr/sbin/nologin", &name])
                .output()
                .unwrap();
            if out.status.success() {
                let id = Command::new("id").args(["-u", &name]).output().unwrap();
                let uid = String::from_utf8_lossy(&id.stdout).trim().parse().unwrap();
                return Some(OtherUser { name, uid });
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("useradd {name} failed: {last}");
    }
}

#[cfg(unix)]
impl Drop for OtherUser {
    fn drop(&mut self) {
        for _ in 0..20 {
            let ok = Command::new("userdel")
                .arg(&self.name)
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        eprintln!("warning: could not remove the test user {}", self.name);
    }
}

/// Bug: a link another user planted in a shared sticky folder (`/tmp`) was followed, so that
/// examready (perhaps as root) overwrote whatever file the link named. Now the link is refused,
/// before any probe runs (nothing saved, nothing written).
#[cfg(unix)]
#[test]
fn a_link_another_user_planted_in_a_shared_folder_is_refused_before_probing() {
    use std::os::unix::fs::PermissionsExt;
    let Some(other) = OtherUser::create() else {
        return;
    };
    let env = Env::new();
    let shared = env.path("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = env.path("victim");
    std::fs::write(&victim, "precious").unwrap();
    let link = shared.join("r.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(other.uid), None).unwrap();
    let (code, stderr) = check_to(&env, "shared/r.json");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot write the report"), "{stderr}");
    assert!(
        stderr.contains(&format!("another user (uid {})", other.uid)),
        "{stderr}"
    );
    assert!(stderr.contains("not followed"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(env.history_files().is_empty(), "refused before any probe");
    // The same link made by this user is followed.
    std::os::unix::fs::lchown(&link, Some(0), None).unwrap();
    let (code, stderr) = check_to(&env, "shared/r.json");
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(std::fs::read_to_string(&victim).unwrap().starts_with('{'));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
}

/// Bug: the report replaced another user's 0600 file (through a link, as with a link to
/// /etc/passwd, or named directly) with a file of the running user's, mode 0644. Now the
/// replacement keeps the owner, the group and the mode.
#[cfg(unix)]
#[test]
fn another_users_file_keeps_its_owner_and_mode_when_replaced() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Some(other) = OtherUser::create() else {
        return;
    };
    let env = Env::new();
    let theirs = env.path("theirs.json");
    let link = env.path("r.json");
    std::os::unix::fs::symlink("theirs.json", &link).unwrap();
    for output in ["r.json", "theirs.json"] {
        std::fs::write(&theirs, "old").unwrap();
        std::os::unix::fs::chown(&theirs, Some(other.uid), Some(other.uid + 1)).unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (code, stderr) = check_to(&env, output);
        assert!(code == 0 || code == 1, "{output}: {stderr}");
        let m = std::fs::metadata(&theirs).unwrap();
        assert_eq!(
            (m.uid(), m.gid(), m.mode() & 0o7777),
            (other.uid, other.uid + 1, 0o600),
            "{output}"
        );
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&theirs).unwrap()).unwrap();
        assert!(report["checks"].is_array(), "{output}");
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert!(hidden_files(env.dir.path()).is_empty());
    }
}

/// Bug: a name of 246 to 255 bytes was refused ("File name too long") because the temporary
/// file's name was the name plus 10 or more bytes.
#[test]
fn a_file_name_of_255_bytes_is_written() {
    let env = Env::new();
    let name = format!("{}.json", "r".repeat(250));
    assert_eq!(name.len(), 255);
    let (code, stderr) = check_to(&env, &name);
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(stderr.contains("Report written to"), "{stderr}");
    assert!(
        std::fs::read_to_string(env.path(&name))
            .unwrap()
            .starts_with('{')
    );
    assert!(hidden_files(env.dir.path()).is_empty());
}
