#![cfg(target_os = "linux")]
//! End-to-end runs of the real Windows build, examready.exe, under Wine: what a candidate on
//! Windows runs. `scripts/windows-test.sh` (part of the README's test command) builds the exe and
//! prepares the Wine prefix first; under CI a missing exe or Wine fails these tests.
//!
//! Each test drives a real part: a Windows process renamed like a catalogue app, `examready
//! serve` on 127.0.0.1, a PipeWire virtual microphone reached through Wine's WASAPI, registry
//! keys written with `wine reg add`.

use crate::support::{self, net as net_support, output_within, sound_server};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The Wine side: the exe, the prefix and the helpers scripts/wine/setup.sh builds.
struct Wine {
    exe: PathBuf,
    prefix: PathBuf,
    dir: PathBuf,
    /// Private data folder (history) for every run.
    data: tempfile::TempDir,
    /// Private HOME for Wine and the libraries it loads (PulseAudio's client keeps files there).
    home: tempfile::TempDir,
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .to_path_buf()
}

/// A Unix path as Wine's Z: drive names it.
fn winpath(p: &Path) -> String {
    format!("Z:{}", p.to_string_lossy().replace('/', "\\"))
}

fn wine() -> Option<Wine> {
    let target = target_dir();
    let exe = target.join("x86_64-pc-windows-gnu/debug/examready.exe");
    let dir = target.join("wine");
    let prefix = dir.join("prefix");
    let have_wine = Command::new("wine")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let ready = have_wine && exe.is_file() && prefix.join("system.reg").is_file();
    if !support::require(
        ready,
        "wine and examready.exe (run scripts/windows-test.sh first)",
    ) {
        return None;
    }
    Some(Wine {
        exe,
        prefix,
        dir,
        data: tempfile::tempdir().unwrap(),
        home: tempfile::tempdir().unwrap(),
    })
}

struct Run {
    report: Value,
    code: i32,
    stderr: String,
}

impl Run {
    fn check(&self, id: &str) -> &Value {
        self.report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id} check in {}", self.report))
    }
    fn finding(&self, id: &str, code: &str) -> Option<&Value> {
        self.check(id)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
    }
    fn codes(&self, id: &str) -> Vec<String> {
        self.check(id)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}:{}", f["code"].as_str().unwrap(), f["status"]))
            .collect()
    }
}

impl Wine {
    /// `wine PROGRAM` in the test prefix, with a private data folder and no proxy settings.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("wine");
        c.arg(program)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=;winemenubuilder.exe=d")
            .env("EXAMREADY_DATA_DIR", winpath(self.data.path()))
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("XDG_CACHE_HOME", self.home.path().join(".cache"))
            .env("XDG_DATA_HOME", self.home.path().join(".local/share"))
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("EXAMREADY_LOG")
            .stdin(Stdio::null());
        for v in net_support::PROXY_VARS {
            c.env_remove(v);
        }
        c
    }

    /// `examready.exe check --json ARGS` with extra environment; killed if it hangs.
    fn check_env(&self, args: &[&str], env: &[(String, String)]) -> Run {
        let mut cmd = self.command(&self.exe);
        sound_server::apply_env(&mut cmd, env);
        cmd.arg("check")
            .arg("--json")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let out = wait_with_limit(cmd.spawn().expect("run wine"), Duration::from_secs(120));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let report: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
        Run {
            report,
            code: out.status.code().unwrap_or(-1),
            stderr,
        }
    }

    fn check(&self, args: &[&str]) -> Run {
        self.check_env(args, &[])
    }

    /// `wine reg ARGS` (add/delete keys in the test prefix).
    fn reg(&self, args: &[&str]) {
        let out = self
            .command("reg")
            .args(args)
            .output()
            .expect("run wine reg");
        assert!(
            out.status.success(),
            "wine reg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn wait_with_limit(mut child: Child, limit: Duration) -> std::process::Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("wine run hung for {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn no_crash(run: &Run, id: &str) {
    let status = run.check(id)["status"].as_str().unwrap().to_string();
    assert!(
        status != "crash" && status != "timeout",
        "{id} {status}: {}\nstderr: {}",
        run.check(id),
        run.stderr
    );
}

/// system: OS facts, CPU load (GetSystemTimes, no PDH), RAM, and a pending restart written into
/// the registry. Before, sysinfo's PDH call killed the whole process under Wine.
#[test]
fn system_facts_under_wine() {
    let Some(w) = wine() else { return };
    let run = w.check(&["--only", "system"]);
    no_crash(&run, "system");
    assert!(run.code == 0 || run.code == 1, "exit {}", run.code);
    let f = &run.check("system")["facts"];
    eprintln!("system facts under Wine: {}", f);
    assert_eq!(f["os"]["family"], "windows", "{f}");
    assert!(f["os"]["name"].as_str().unwrap().contains("Windows"), "{f}");
    assert!(f["cpu"]["logical_cores"].as_u64().unwrap() >= 1);
    let load = f["cpu"]["load_percent"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&load), "load {load}");
    assert!(f["memory"]["total_bytes"].as_u64().unwrap() > 100_000_000);
    // This machine (and Wine) has no battery.
    assert_eq!(f["power"]["battery"], false, "{f}");

    // A pending Windows Update restart, as Windows records it.
    let key =
        r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired";
    w.reg(&["add", key, "/f"]);
    let run = w.check(&["--only", "system"]);
    w.reg(&["delete", key, "/f"]);
    let pending = run
        .finding("system", "restart-pending")
        .unwrap_or_else(|| panic!("no restart-pending: {:?}", run.codes("system")));
    assert_eq!(pending["status"], "warn");
    assert!(
        pending["message"]
            .as_str()
            .unwrap()
            .contains("Windows Update"),
        "{pending}"
    );
}

/// processes: a Windows program copied as TeamViewer.exe and started under Wine is found, with
/// its Windows process id.
#[test]
fn prohibited_windows_app_is_found_with_its_pid() {
    let Some(w) = wine() else { return };
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("TeamViewer.exe");
    std::fs::copy(w.dir.join("sleeper.exe"), &app).unwrap();
    let mut child = w
        .command(&app)
        .arg("60")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid: u32 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("pid {line:?}"));
    let run = w.check(&["--only", "processes"]);
    let _ = child.kill();
    let _ = child.wait();
    no_crash(&run, "processes");
    let f = run
        .finding("processes", "app-prohibited")
        .unwrap_or_else(|| panic!("TeamViewer not found: {:?}", run.codes("processes")));
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("TeamViewer"), "{message}");
    assert!(
        message.contains(&pid.to_string()),
        "pid {pid} not in {message}"
    );
    assert_eq!(run.code, 1);
}

/// network: every figure measured by examready.exe against the Linux `examready serve`.
/// `check --only network --quick` under Wine against `serve`, with a test profile.
fn network_quick(w: &Wine, serve: &net_support::Serve) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let profile = net_support::profile(dir.path(), "");
    let run = w.check(&[
        "--only",
        "network",
        "--quick",
        "--profile",
        &winpath(&profile),
        "--server",
        &serve.url(),
    ]);
    no_crash(&run, "network");
    run
}

#[test]
fn network_against_serve_on_loopback() {
    let Some(w) = wine() else { return };
    let serve = net_support::Serve::start();
    let run = network_quick(&w, &serve);
    let f = &run.check("network")["facts"];
    eprintln!("network facts under Wine: {f}");
    let transfer = |dir: &str| f[dir]["median"].as_f64();
    assert!(
        transfer("download_mbps").is_some_and(|v| v > 1.0),
        "download: {f}"
    );
    assert!(
        transfer("upload_mbps").is_some_and(|v| v > 1.0),
        "upload: {f}"
    );
    assert!(f["latency_ms"]["median"].as_f64().is_some(), "latency: {f}");
}

/// network against a server that offers no UDP echo: latency and loss come from ICMP echo
/// through Windows' ICMP helper API (`IcmpSendEcho2`, asynchronous with one event per packet),
/// as on a candidate's PC measuring against a plain speed-test server.
#[test]
fn network_latency_by_icmp_helper_when_no_udp_echo() {
    let Some(w) = wine() else { return };
    let serve = net_support::Serve::start_with(&["--no-udp-echo"]);
    let run = network_quick(&w, &serve);
    let f = &run.check("network")["facts"];
    eprintln!("network facts under Wine, no UDP echo: {f}");
    assert_eq!(f["latency_method"], "icmp", "{f}");
    assert_eq!(f["loss_method"], "icmp", "{f}");
    assert_eq!(
        f["loss_percent"].as_f64(),
        Some(0.0),
        "loopback loses nothing: {f}"
    );
    let median = f["latency_ms"]["median"].as_f64().expect("latency");
    assert!((0.0..20.0).contains(&median), "loopback round trip: {f}");
    // Loaded latency came from the same helper, packets every 100 ms during the transfers.
    assert!(f["loaded_latency_ms"]["median"].as_f64().is_some(), "{f}");
}

/// webcam: no camera under Wine (no Media Foundation device): a clean finding, no crash; then
/// the consent store written as Windows writes it names Zoom, and the privacy switches and the
/// Group Policy are reported.
#[test]
fn webcam_no_camera_then_consent_store() {
    let Some(w) = wine() else { return };
    let run = w.check(&["--only", "webcam"]);
    no_crash(&run, "webcam");
    assert_eq!(
        run.check("webcam")["status"],
        "fail",
        "{}",
        run.check("webcam")
    );
    assert!(run.finding("webcam", "webcam-in-use").is_none());

    let store = r"HKCU\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam";
    let zoom = format!(r"{store}\NonPackaged\C:#Program Files#Zoom#bin#Zoom.exe");
    let policy = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\AppPrivacy";
    // 2026-11-30T08:00:00Z as a FILETIME; a stop of 0: in use now.
    let start = ((1_796_025_600u64 + 11_644_473_600) * 10_000_000).to_string();
    w.reg(&[
        "add",
        &zoom,
        "/v",
        "LastUsedTimeStart",
        "/t",
        "REG_QWORD",
        "/d",
        &start,
        "/f",
    ]);
    w.reg(&[
        "add",
        &zoom,
        "/v",
        "LastUsedTimeStop",
        "/t",
        "REG_QWORD",
        "/d",
        "0",
        "/f",
    ]);
    w.reg(&[
        "add",
        &format!(r"{store}\NonPackaged"),
        "/v",
        "Value",
        "/t",
        "REG_SZ",
        "/d",
        "Deny",
        "/f",
    ]);
    w.reg(&[
        "add",
        policy,
        "/v",
        "LetAppsAccessCamera",
        "/t",
        "REG_DWORD",
        "/d",
        "2",
        "/f",
    ]);
    let run = w.check(&["--only", "webcam"]);
    w.reg(&["delete", store, "/f"]);
    w.reg(&["delete", policy, "/f"]);
    no_crash(&run, "webcam");
    let consent = &run.check("webcam")["facts"]["consent"];
    assert_eq!(consent["in_use"][0]["app"], "Zoom", "{consent}");
    assert_eq!(consent["desktop_apps_access"], "deny", "{consent}");
    assert_eq!(consent["policy"], 2, "{consent}");
    let in_use = run
        .finding("webcam", "webcam-in-use")
        .unwrap_or_else(|| panic!("{:?}", run.codes("webcam")));
    assert_eq!(in_use["message"], "Zoom is using the camera.");
    assert!(run.finding("webcam", "webcam-policy-denied").is_some());
}

/// microphone and speaker: WASAPI through Wine's PulseAudio driver records the same PipeWire
/// virtual microphone as the Linux build, within 1 dB, and opens the virtual speaker.
#[test]
fn microphone_level_matches_the_linux_build() {
    let Some(w) = wine() else { return };
    let Some(server) = sound_server::start_or_skip(&sound_server::Options::default()) else {
        return;
    };
    // -23 dBFS RMS sine: amplitude 10^(-23/20) * sqrt(2).
    let tone = sound_server::sox(
        server.dir.path(),
        "tone.wav",
        &["synth", "40", "sine", "440", "vol", "0.100121"],
    );
    let _player = server.play(&tone);
    let linux = {
        let mut cmd = support::examready();
        sound_server::apply_env(&mut cmd, server.env());
        cmd.args(["check", "--json", "--only", "microphone"])
            .stdin(Stdio::null());
        let out = output_within(&mut cmd, Duration::from_secs(60));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["checks"][0]["facts"]["rms_dbfs"]
            .as_f64()
            .unwrap_or_else(|| panic!("Linux build: {report}"))
    };
    let run = w.check_env(&["--only", "microphone,speaker"], server.env());
    no_crash(&run, "microphone");
    no_crash(&run, "speaker");
    // The speaker side: WASAPI opens the PipeWire sink's output.
    let speaker = run.check("speaker");
    assert_eq!(speaker["status"], "pass", "{speaker}");
    let f = &run.check("microphone")["facts"];
    let windows = f["rms_dbfs"]
        .as_f64()
        .unwrap_or_else(|| panic!("Windows build recorded nothing: {f}\n{}", run.stderr));
    eprintln!("microphone: Linux {linux:.2} dBFS, Windows under Wine {windows:.2} dBFS");
    assert_eq!(f["host"], "WASAPI", "{f}");
    assert!(
        (windows - linux).abs() <= 1.0,
        "Linux {linux}, Windows {windows}"
    );
    assert!((windows + 23.0).abs() <= 1.5, "Windows {windows}");
}

/// `text` without terminal escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL`) and
/// carriage returns: Wine's console on a terminal draws every character between cursor codes.
fn strip_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    for c in chars.by_ref() {
                        if c == '\u{7}' {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// `wine ARGS` on a pseudo-terminal of its own (util-linux `script`), as a console window
/// would give it: what a double-click looks like to the program. `env` is set on top of the
/// test prefix's environment. Returns the child and a channel of everything it printed so far
/// (escape codes removed).
fn on_a_terminal(
    w: &Wine,
    args: &[&str],
    env: &[(&str, String)],
) -> (Child, std::sync::mpsc::Receiver<String>) {
    use std::io::Read;
    let mut line = String::from("wine");
    for a in args {
        line.push(' ');
        line.push_str(&format!("'{a}'"));
    }
    // The environment `command` gives wine, around `script` instead.
    let mut template = w.command("wine");
    for (k, v) in env {
        template.env(k, v);
    }
    let mut cmd = Command::new("script");
    cmd.args(["-qefc", &line, "/dev/null"]);
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run script (util-linux)");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut all = Vec::new();
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            let _ = tx.send(strip_escapes(&String::from_utf8_lossy(&all)));
        }
    });
    (child, rx)
}

/// Wait until the output contains `needle`; `Err` with the output so far if the program ended
/// or `limit` passed first.
fn wait_for(
    rx: &std::sync::mpsc::Receiver<String>,
    needle: &str,
    limit: Duration,
) -> Result<String, String> {
    let start = Instant::now();
    let mut seen = String::new();
    while !seen.contains(needle) {
        match rx.recv_timeout(limit.saturating_sub(start.elapsed())) {
            Ok(s) => seen = s,
            Err(_) => return Err(seen),
        }
    }
    Ok(seen)
}

/// A double-click where no browser can be opened (Wine's browser launcher, winebrowser.exe,
/// disabled for this run): examready.exe with no arguments, alone on its console, says why,
/// runs the check, saves the HTML report in the Downloads (or Documents) folder inside the
/// prefix, says where, and waits for Enter. Started from a shell (cmd.exe) on the same console,
/// it does none of that.
#[test]
fn double_click_without_a_browser_saves_the_report_and_waits_for_enter() {
    use std::io::Write;
    let Some(w) = wine() else { return };
    let exe = winpath(&w.exe);
    let no_browser = (
        "WINEDLLOVERRIDES",
        "mscoree,mshtml=;winemenubuilder.exe=d;winebrowser.exe=d".to_string(),
    );
    let (mut child, rx) = on_a_terminal(&w, &[&exe], &[no_browser]);
    let seen = match wait_for(
        &rx,
        "Press Enter to close this window.",
        Duration::from_secs(150),
    ) {
        Ok(s) => s,
        Err(seen) => {
            let _ = child.kill();
            panic!("no prompt after a double-click; output so far:\n{seen}");
        }
    };
    // It waits: still running after the prompt.
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        child.try_wait().unwrap().is_none(),
        "closed without waiting:\n{seen}"
    );
    assert!(seen.contains("Not ready for Pearson OnVUE"), "{seen}");
    // Wine's console breaks lines at the terminal's width.
    let flat = seen.replace('\n', "");
    assert!(
        flat.contains("no web browser could be opened")
            && flat.contains("the check runs in this window instead"),
        "{seen}"
    );
    assert!(
        !seen.contains("?token="),
        "no address of a page nobody serves:\n{seen}"
    );
    let saved = seen
        .lines()
        .skip_while(|l| !l.contains("The report is saved as:"))
        .nth(1)
        .unwrap_or_else(|| panic!("no report path in:\n{seen}"))
        .trim()
        .to_string();
    assert!(
        saved.contains("Downloads") || saved.contains("Documents"),
        "{saved}"
    );
    child.stdin.as_mut().unwrap().write_all(b"\r").unwrap();
    let out = wait_with_limit(child, Duration::from_secs(30));
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{:?}",
        out.status
    );
    // The report, read back through the prefix's C: drive.
    let rel = saved
        .strip_prefix("C:\\")
        .unwrap_or_else(|| panic!("not on C: {saved}"))
        .replace('\\', "/");
    let file = w.prefix.join("drive_c").join(rel);
    // Inside the prefix, not through a link to a real folder of the user's.
    let real = file.canonicalize().unwrap();
    assert!(
        real.starts_with(w.prefix.canonicalize().unwrap()),
        "the report left the Wine prefix: {}",
        real.display()
    );
    let html = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(
        html.contains("<html") && html.contains("Pearson OnVUE"),
        "{file:?}"
    );
    std::fs::remove_file(&file).unwrap();

    // From cmd.exe on the same terminal the console has two processes: a normal run that
    // prints its verdict and ends, without saving a report or waiting.
    let (child, rx) = on_a_terminal(&w, &["cmd", "/c", &exe], &[]);
    let out = wait_with_limit(child, Duration::from_secs(150));
    let mut seen = String::new();
    while let Ok(s) = rx.try_recv() {
        seen = s;
    }
    assert!(out.status.code().is_some(), "{:?}", out.status);
    assert!(seen.contains("Not ready for Pearson OnVUE"), "{seen}");
    assert!(!seen.contains("Press Enter"), "{seen}");
    assert!(!seen.contains("The report is saved"), "{seen}");
}

/// A double-click: examready.exe with no arguments, alone on its console, serves the
/// candidate's page and opens it in the default browser. Wine opens a web address with
/// winebrowser.exe, which runs the first program of its browser list (`xdg-open` first) found
/// on the Unix PATH: here a recorder that writes down the address it is given. The test then
/// plays the browser from Linux: trades the token for the cookie, gets the page, starts a
/// check by POST, waits for the finished report and downloads its JSON; Ctrl-C in the window
/// stops the page.
#[test]
fn double_click_opens_the_page_in_the_default_browser() {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let Some(w) = wine() else { return };
    let browser = tempfile::tempdir().unwrap();
    let opened = browser.path().join("opened");
    let recorder = browser.path().join("xdg-open");
    std::fs::write(
        &recorder,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&recorder, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(std::iter::once(browser.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let path = ("PATH", path.to_string_lossy().into_owned());
    let exe = winpath(&w.exe);
    let spawned = Instant::now();
    let (mut child, rx) = on_a_terminal(&w, &[&exe], &[path]);
    let seen = match wait_for(&rx, "It stops by itself", Duration::from_secs(60)) {
        Ok(s) => s,
        Err(seen) => {
            let _ = child.kill();
            panic!("no page after a double-click; output so far:\n{seen}");
        }
    };
    // Wine's console breaks lines at the terminal's width.
    let flat = seen.replace('\n', "");
    assert!(
        flat.contains("the page is open in your browser")
            && flat.contains("Keep this window open")
            && flat.contains("press Ctrl-C to stop"),
        "{seen}"
    );
    assert!(!seen.contains("Press Enter"), "{seen}");
    // The address the browser was given: the page on loopback with a fresh token.
    let start = Instant::now();
    let url = loop {
        let text = std::fs::read_to_string(&opened).unwrap_or_default();
        if let Some(line) = text.lines().next() {
            break line.trim().to_string();
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the browser was not given an address; the window says:\n{seen}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!(
        "double-click to the browser given the address: {:.1} s (Wine's start included)",
        spawned.elapsed().as_secs_f64()
    );
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("not the page on loopback: {url}"));
    let (port, token) = rest.split_once("/?token=").expect("a token");
    assert!(
        token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{url}"
    );
    assert!(flat.contains(&url), "the window names the address:\n{seen}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt.block_on(play_the_browser(&url, port));
    assert_eq!(report["schema_version"], 2);
    assert_eq!(report["profile"]["id"], "onvue");
    assert!(
        report["report_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{report}"
    );
    assert_eq!(
        report["checks"].as_array().map(Vec::len),
        Some(6),
        "every module"
    );
    assert!(
        report["checks"][0]["facts"]["os"]
            .to_string()
            .contains("Windows")
    );
    // Ctrl-C in the window stops the page (exit 130).
    child.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    let out = wait_with_limit(child, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(130), "{:?}", out.status);
    // The run was saved in the history of this test's own data folder, under its report id.
    let id = report["report_id"].as_str().unwrap();
    let history = w.data.path().join("history");
    let saved = std::fs::read_dir(&history)
        .unwrap_or_else(|e| panic!("{}: {e}", history.display()))
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains(id));
    assert!(saved, "report {id} not in {}", history.display());
}

/// What a browser does with the page's address: the token for the cookie, the page, Start
/// (POST), then the finished result and the JSON report. Returns the report.
async fn play_the_browser(url: &str, port: &str) -> Value {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let traded = http.get(url).send().await.expect("the page answers");
    assert_eq!(traded.status(), 303, "the token buys the cookie");
    let cookie = traded
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a cookie")
        .to_string();
    assert_eq!(
        cookie.split_once('=').unwrap().0,
        format!("examready-{port}")
    );
    let base = format!("http://127.0.0.1:{port}");
    let get = |path: &str| {
        http.get(format!("{base}{path}"))
            .header("cookie", &cookie)
            .send()
    };
    let page = get("/").await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("id=\"start-button\"") && page.contains("value=\"onvue\""),
        "{page}"
    );
    let started = http
        .post(format!("{base}/start"))
        .header("cookie", &cookie)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("profile=onvue")
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202, "{:?}", started.text().await);
    let start = Instant::now();
    let result = loop {
        let r = get("/result").await.unwrap();
        if r.status() == 200 {
            break r.text().await.unwrap();
        }
        assert_eq!(r.status(), 404, "no result yet");
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the check did not finish"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    eprintln!(
        "POST /start to the finished result under Wine: {:.1} s",
        start.elapsed().as_secs_f64()
    );
    assert!(
        result.contains("id=\"verdict\"") && result.contains("Pearson OnVUE"),
        "{result}"
    );
    assert!(result.contains("href=\"/report.json\""), "{result}");
    let json = get("/report.json").await.unwrap();
    assert_eq!(json.status(), 200);
    assert!(
        json.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    serde_json::from_str(&json.text().await.unwrap()).expect("the JSON report parses")
}
