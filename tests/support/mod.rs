//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// The real binary, with the environment that would change its output removed. Its history is
/// kept under the build's temporary folder, never in the developer's own data folder (where
/// test runs would pile up, and the history's pruning would delete real runs).
pub fn examready() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_examready"));
    c.env(
        "EXAMREADY_DATA_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("examready-data"),
    )
    .env_remove("NO_COLOR")
    .env_remove("EXAMREADY_LOG")
    .env_remove("DISPLAY")
    .env_remove("WAYLAND_DISPLAY");
    c
}

/// Whether the tests run in CI, where a real part that cannot run must fail the test.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A real part is missing: fail under CI, otherwise say so loudly and skip.
pub fn require(ok: bool, what: &str) -> bool {
    if !ok {
        if in_ci() {
            panic!("cannot run this test's real part under CI: {what}");
        }
        eprintln!("SKIPPED: {what}");
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

/// A private folder to run the real binary in, with its own history (`EXAMREADY_DATA_DIR`),
/// UTC, no colour.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_examready"));
        c.args(args)
            .current_dir(self.dir.path())
            .env("EXAMREADY_DATA_DIR", self.path("data"))
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env_remove("EXAMREADY_LOG");
        c
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
