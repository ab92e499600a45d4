//! Helpers shared by every module of the test binary (`crate::support`): the one way to run the
//! real binary ([`examready`], [`Env`]), the CI rule, real processes and report lookups.
//! `net` serves and checks the network module, `sound_server` runs a private PipeWire.
// A toolbox: not every module uses every helper.
#![allow(dead_code)]

pub mod collect;
mod guard;
pub mod net;
#[cfg(unix)]
pub mod postgres;
#[cfg(unix)]
pub mod sound_server;
pub mod standin;

use std::ffi::OsStr;
use std::io::Read;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `.assert()` on a command or its output (assert_cmd).
pub use assert_cmd::assert::OutputAssertExt;

/// Variables of the developer's session that would change the binary's output, or let it reach
/// the session's display: a test that needs one sets it after the builder.
const CLEARED: &[&str] = &[
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "EXAMREADY_LOG",
    "DISPLAY",
    "WAYLAND_DISPLAY",
];

/// The one place a command for the real binary is made (`guard` checks that no test makes
/// another): its HOME is `home` with the data and configuration folders of every platform
/// inside it, and its history is `data`. Nothing a test runs can reach the developer's own
/// folders, where test runs would pile up and the history's pruning would delete real runs.
fn command(home: &Path, data: &Path) -> Command {
    std::fs::create_dir_all(home).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_examready"));
    c.env("HOME", home)
        .env("EXAMREADY_DATA_DIR", data)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("APPDATA", home.join("AppData/Roaming"))
        .env("LOCALAPPDATA", home.join("AppData/Local"));
    for v in CLEARED {
        c.env_remove(v);
    }
    c
}

/// A private folder under the build's temporary folder (on the same disk as the project, so
/// the system module's disk figures stay those of a real folder), removed on drop.
fn private_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
}

/// The real binary with a fresh private HOME and history (see [`command`]), kept until this is
/// dropped. Use it as a `std::process::Command`; a test may still set its own
/// `EXAMREADY_DATA_DIR`, `DISPLAY` ... after this.
pub fn examready() -> Examready {
    let dir = private_dir("examready-run-");
    let cmd = command(&dir.path().join("home"), &dir.path().join("data"));
    Examready {
        cmd,
        _dir: Some(dir),
    }
}

/// A command for the real binary, with the private folders it was made with.
pub struct Examready {
    cmd: Command,
    /// The private HOME and history of [`examready`]; `None` when an [`Env`] owns them.
    _dir: Option<tempfile::TempDir>,
}

impl Deref for Examready {
    type Target = Command;
    fn deref(&self) -> &Command {
        &self.cmd
    }
}

impl DerefMut for Examready {
    fn deref_mut(&mut self) -> &mut Command {
        &mut self.cmd
    }
}

impl Examready {
    /// Run the binary behind `wrapper` (`["unshare", "-rn", "sh", "script"]`,
    /// `["scripts/fakecam.sh", "2"]`): `wrapper... <binary> <arguments so far>`, with the same
    /// environment and folder. A script gets the binary as its argument.
    pub fn through<S: AsRef<OsStr>>(mut self, wrapper: impl IntoIterator<Item = S>) -> Examready {
        let mut wrapper = wrapper.into_iter();
        let mut c = Command::new(wrapper.next().expect("a wrapper program"));
        c.args(wrapper)
            .arg(self.cmd.get_program())
            .args(self.cmd.get_args());
        for (k, v) in self.cmd.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        if let Some(d) = self.cmd.get_current_dir() {
            c.current_dir(d);
        }
        self.cmd = c;
        self
    }
}

/// The output of `cmd` (the real binary), stdout and stderr captured; the test fails if it runs
/// longer than `limit` (the binary is killed first).
pub fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run examready");
    fn read_all(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = r.read_to_end(&mut b);
            b
        })
    }
    let stdout = read_all(child.stdout.take().unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "examready {:?} hung for {limit:?}",
                cmd.get_args().collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Whether the tests run in CI (`CI` is `true` or `1`: the library's one rule), where a real
/// part that cannot run must fail the test.
pub fn in_ci() -> bool {
    ::examready::ci::in_ci()
}

/// A real part this test needs is missing: fail under CI, otherwise say so loudly (the test
/// then returns, skipped).
pub fn skip_or_fail(what: &str) {
    if in_ci() {
        panic!("cannot run this test's real part under CI: {what}");
    }
    eprintln!("SKIPPED: {what}");
}

/// `ok`, or (a real part is missing) [`skip_or_fail`] and false: the test must return.
pub fn require(ok: bool, what: &str) -> bool {
    if !ok {
        skip_or_fail(what);
    }
    ok
}

/// Whether `name` is an executable on PATH.
pub fn have(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

/// A copy of `sleep` under another name, started: a real process with a prohibited name.
pub struct NamedProcess {
    pub child: Child,
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl NamedProcess {
    pub fn start(name: &str) -> NamedProcess {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let sleep = ["/bin/sleep", "/usr/bin/sleep"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.exists())
            .expect("no sleep binary");
        std::fs::copy(sleep, &path).unwrap();
        // Another test thread may fork while the copy's write handle is open, and its child
        // keeps that handle until it execs: executing the copy then fails with "text file busy"
        // for a moment. Retry briefly.
        let mut tries = 0;
        let child = loop {
            match Command::new(&path).arg("120").spawn() {
                Ok(c) => break c,
                Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => panic!("cannot start {}: {e}", path.display()),
            }
        };
        NamedProcess {
            child,
            _dir: dir,
            path,
        }
    }
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NamedProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Parse stdout of a `--json` run.
pub fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The check with `id` in a JSON report.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report}"))
}

/// The findings of a check with `code`.
pub fn findings<'a>(check: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// A private folder to run the real binary in (its working folder), with its own history
/// (`data` in it) and a private HOME outside it, both kept for the whole test. UTC, no colour.
pub struct Env {
    pub dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            home: private_dir("examready-home-"),
        }
    }
    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    pub fn cmd(&self, args: &[&str]) -> Examready {
        let mut c = command(self.home.path(), &self.path("data"));
        c.args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("TZ", "UTC");
        Examready { cmd: c, _dir: None }
    }
    /// Exit code, stdout and stderr of the binary run with `args`.
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
    /// The files in the history folder, sorted.
    pub fn history_files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.path("data/history"))
            .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
}
