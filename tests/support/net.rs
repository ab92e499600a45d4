//! Shared by the network tests: a real `examready serve`, test profiles, and running the check.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::{Examready, examready};

/// Proxy variables removed from every child unless a test sets them on purpose.
pub const PROXY_VARS: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A running `examready serve` on 127.0.0.1, killed on drop.
pub struct Serve {
    pub child: Child,
    pub addr: String,
    /// Kept open so serve's later lines have somewhere to go.
    _stderr: BufReader<std::process::ChildStderr>,
    /// Its private HOME and history, kept while it runs.
    _cmd: Examready,
}

impl Serve {
    pub fn start() -> Serve {
        Serve::start_with(&[])
    }
    /// `examready serve` with extra options (e.g. `--no-udp-echo`).
    pub fn start_with(extra: &[&str]) -> Serve {
        let mut cmd = examready();
        let mut child = cmd
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start examready serve");
        let mut line = String::new();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        stderr
            .read_line(&mut line)
            .expect("read serve's first line");
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Serve {
            child,
            addr,
            _stderr: stderr,
            _cmd: cmd,
        }
    }
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn port(&self) -> u16 {
        self.addr.rsplit(':').next().unwrap().parse().unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A profile with every network rule, short transfers, and `extra` appended to `[network]`.
pub fn profile(dir: &Path, extra: &str) -> PathBuf {
    let text = format!(
        "[profile]\nname = \"net test\"\n[runner]\ndeadline_s = 30\n[network]\n\
         min_download_mbps = 1\nmin_upload_mbps = 1\nmax_latency_ms = 150\nmax_jitter_ms = 30\n\
         max_loss_percent = 1\nmax_loaded_latency_increase_ms = 1000\nallow_vpn = false\n\
         allow_proxy = false\nwarn_on_wifi = true\n{extra}\n"
    );
    let p = dir.join("net-test.toml");
    std::fs::write(&p, text).unwrap();
    p
}

pub struct Run {
    pub code: i32,
    pub report: serde_json::Value,
    pub elapsed: Duration,
    pub stderr: String,
}

impl Run {
    pub fn network(&self) -> &serde_json::Value {
        self.report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "network")
            .expect("a network result")
    }
    pub fn facts(&self) -> &serde_json::Value {
        &self.network()["facts"]
    }
    pub fn finding(&self, code: &str) -> Option<&serde_json::Value> {
        self.network()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
    }
}

/// `examready check --only network --json --profile P --server S [extra]`, with `env` set.
pub fn check(profile: &Path, server: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = examready();
    cmd.args([
        "check", "--only", "network", "--json", "--color", "never", "--server", server,
    ])
    .arg("--profile")
    .arg(profile)
    .args(extra)
    .stdin(Stdio::null());
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd.output().expect("run examready check");
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        code: out.status.code().unwrap_or(-1),
        report,
        elapsed,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
