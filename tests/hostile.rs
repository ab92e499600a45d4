//! Hostile use of the real binary: clients of `examready serve` that are slow on purpose (under a
//! low open-file limit), secrets in `--server` URLs, and profiles or reports nested absurdly deep.

use crate::support::*;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A short network profile: every transfer 2 s, so a check takes a few seconds.
const NET_PROFILE: &str = "[profile]\nname = \"hostile net\"\n[runner]\ndeadline_s = 30\n\
    [network]\nmin_download_mbps = 1\nmin_upload_mbps = 1\ntest_seconds = 2\n\
    latency_probes = 8\nloss_packets = 200\n";

/// The binary with a private HOME and data folder under `env`, no proxy, no colour.
fn cmd(env: &Env, args: &[&str]) -> Examready {
    let mut c = env.cmd(args);
    c.stdin(Stdio::null());
    // The tests talk to 127.0.0.1 directly: no HTTPS_PROXY, no_proxy, ALL_PROXY ...
    for (name, _) in std::env::vars_os() {
        if name
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with("_proxy")
        {
            c.env_remove(name);
        }
    }
    c
}

/// A running `examready serve --listen 127.0.0.1:0 [args]`, killed on drop; its stderr is
/// drained by a thread so it never blocks.
struct Serve {
    child: Child,
    addr: SocketAddr,
}

impl Serve {
    /// `nofile`: the open-file limit (soft and hard) the server runs under (Unix).
    fn start(env: &Env, args: &[&str], nofile: Option<u64>) -> Serve {
        let mut c = cmd(env, &["serve", "--listen", "127.0.0.1:0"]);
        c.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
        #[cfg(unix)]
        if let Some(n) = nofile {
            use std::os::unix::process::CommandExt;
            // SAFETY: only setrlimit, async-signal-safe, runs between fork and exec.
            unsafe {
                c.pre_exec(move || {
                    let lim = libc::rlimit {
                        rlim_cur: n as libc::rlim_t,
                        rlim_max: n as libc::rlim_t,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        #[cfg(not(unix))]
        let _ = nofile;
        let mut child = c.spawn().expect("start examready serve");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).expect("serve's first line");
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .parse()
            .unwrap();
        std::thread::spawn(move || {
            let mut sink = String::new();
            while stderr.read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        });
        Serve { child, addr }
    }
    #[cfg_attr(not(unix), allow(dead_code))]
    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
    fn connect(&self) -> TcpStream {
        TcpStream::connect_timeout(&self.addr, Duration::from_secs(3)).expect("connect to serve")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the server has closed `s` (EOF or a reset), without blocking; data it sent before
/// is read and dropped.
fn is_closed(mut s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return true,
        }
    }
}

/// How long after `since` the server closed `s`, waiting at most `limit`.
fn closed_within(s: &TcpStream, since: Instant, limit: Duration) -> Option<Duration> {
    while since.elapsed() < limit {
        if is_closed(s) {
            return Some(since.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// One HTTP/1.1 GET on a fresh connection: the status line, within `limit`.
fn get_status(serve: &Serve, path: &str, limit: Duration) -> String {
    let mut s = serve.connect();
    s.set_read_timeout(Some(limit)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.lines().next().unwrap_or_default().to_string()
}

/// The network check of the real binary against `server`; `(exit code, stdout, stderr)`.
fn check_network(env: &Env, server: &str, extra: &[&str]) -> (i32, String, String) {
    let profile = env.path("net.toml");
    std::fs::write(&profile, NET_PROFILE).unwrap();
    let out = cmd(
        env,
        &[
            "check", "--only", "network", "--color", "never", "--server", server,
        ],
    )
    .arg("--profile")
    .arg(&profile)
    .args(extra)
    .output()
    .expect("run examready check");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The network facts of a JSON report.
fn network_facts(stdout: &str) -> serde_json::Value {
    let report: serde_json::Value = serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("stdout is not a JSON report ({e}): {stdout}"));
    check(&report, "network")["facts"].clone()
}

/// Raise this process's soft open-file limit to at least `n` (up to the hard limit).
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
fn raise_nofile(n: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit on a struct we own.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        if (lim.rlim_cur as u64) < n {
            lim.rlim_cur = (n as libc::rlim_t).min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    lim.rlim_cur as u64
}

// ---------------------------------------------------------------------------------------------
// serve: slow clients
// ---------------------------------------------------------------------------------------------

/// 400 silent and half-sent connections against a server limited to 256 open files used to
/// leave it unable to accept anyone for minutes; now a real check still completes, and the
/// slow connections are closed after the header timeout.
#[cfg(unix)]
#[test]
fn serve_outlasts_400_slow_connections_under_a_256_file_limit() {
    const SLOW: usize = 400;
    if !require(
        raise_nofile(SLOW as u64 + 200) >= SLOW as u64 + 100,
        "this test process may not open 500 files (ulimit -n)",
    ) {
        return;
    }
    let env = Env::new();
    let serve = Serve::start(&env, &["--header-timeout", "2s"], Some(256));
    let opened = Instant::now();
    let mut slow = Vec::new();
    for i in 0..SLOW {
        let Ok(mut s) = TcpStream::connect_timeout(&serve.addr, Duration::from_secs(2)) else {
            continue;
        };
        if i % 2 == 1 {
            // Half a request: the headers never end.
            let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        }
        slow.push(s);
    }
    assert!(slow.len() >= SLOW * 9 / 10, "only {} connected", slow.len());

    // A real check, while they are open: it gets its answers within its deadline.
    let (code, stdout, stderr) = check_network(&env, &serve.url(), &["--json"]);
    let f = network_facts(&stdout);
    assert!(
        f["server_error"].is_null(),
        "the server was not usable (exit {code}): {f:#}\n{stderr}"
    );
    assert!(f["latency_ms"]["median"].as_f64().is_some(), "{f:#}");
    for key in ["download_mbps", "upload_mbps"] {
        assert!(
            f[key]["median"].as_f64().unwrap_or(0.0) > 1.0,
            "{key}: {f:#}"
        );
    }
    assert_eq!(f["loss_method"], "udp-echo", "{f:#}");

    // Every slow connection has been closed by the server: at the header timeout, or earlier
    // to make room for the check's.
    let deadline = Duration::from_secs(2 + 5).max(opened.elapsed() + Duration::from_secs(1));
    let still_open = slow
        .iter()
        .filter(|s| closed_within(s, opened, deadline).is_none())
        .count();
    assert_eq!(still_open, 0, "of {} slow connections", slow.len());
    // And the server still answers.
    assert!(
        get_status(&serve, "/", Duration::from_secs(3)).contains("200"),
        "no answer after the flood"
    );
}

/// Each timeout on its own: a silent connection and a half-sent header are closed at the
/// header timeout (not before), an upload that stalls mid-body gets 408 and is closed at the
/// body timeout, and a download nobody reads is cut at the idle timeout.
#[test]
fn each_timeout_closes_its_slow_client() {
    let env = Env::new();
    let serve = Serve::start(
        &env,
        &[
            "--header-timeout",
            "1s",
            "--body-timeout",
            "1s",
            "--idle-timeout",
            "2s",
        ],
        None,
    );
    let limit = Duration::from_secs(6);

    let start = Instant::now();
    let silent = serve.connect();
    let mut half = serve.connect();
    half.write_all(b"GET /__down?bytes=0 HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let t = closed_within(&silent, start, limit).expect("a silent connection stays open");
    assert!(t >= Duration::from_millis(900), "closed after {t:?}");
    let t = closed_within(&half, start, limit).expect("a half-sent header stays open");
    assert!(t >= Duration::from_millis(900), "closed after {t:?}");

    // An upload that stops after 1000 of 1,000,000 bytes.
    let mut up = serve.connect();
    up.write_all(b"POST /__up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
        .unwrap();
    up.write_all(&[0u8; 1000]).unwrap();
    let start = Instant::now();
    up.set_read_timeout(Some(limit)).unwrap();
    let mut answer = String::new();
    let _ = up.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "a stalled upload got {answer:?} after {:?}",
        start.elapsed()
    );
    assert!(
        start.elapsed() < limit,
        "answered after {:?}",
        start.elapsed()
    );

    // A 1 GB download that nobody reads: the server's writes stop, and after the idle timeout
    // it closes; reading then ends long before 1 GB.
    let mut down = serve.connect();
    down.write_all(b"GET /__down?bytes=1000000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    down.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut total = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    let read_start = Instant::now();
    let ended = loop {
        match down.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => total += n as u64,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break false;
            }
            Err(_) => break true,
        }
        if read_start.elapsed() > Duration::from_secs(20) {
            break false;
        }
    };
    assert!(
        ended,
        "the unread download was not cut ({total} bytes read)"
    );
    assert!(total < 500_000_000, "{total} bytes came through");

    // A normal request is still answered.
    assert!(get_status(&serve, "/__down?bytes=10", Duration::from_secs(3)).contains("200"));
}

/// At the connection cap, the connection quiet longest is closed to make room: a newcomer is
/// answered at once although every slot is held by a silent client and the header timeout is
/// far away.
#[test]
fn at_the_cap_the_quietest_connection_makes_room() {
    let env = Env::new();
    let serve = Serve::start(
        &env,
        &["--max-connections", "4", "--header-timeout", "60s"],
        None,
    );
    let silent: Vec<TcpStream> = (0..4)
        .map(|_| {
            let s = serve.connect();
            std::thread::sleep(Duration::from_millis(50));
            s
        })
        .collect();
    // Let every one be accepted and grow quiet.
    std::thread::sleep(Duration::from_millis(400));
    let start = Instant::now();
    let status = get_status(&serve, "/", Duration::from_secs(5));
    assert!(status.contains("200"), "the newcomer got {status:?}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "answered after {:?}",
        start.elapsed()
    );
    let oldest = closed_within(&silent[0], start, Duration::from_secs(2));
    assert!(oldest.is_some(), "the quietest connection was not closed");
    assert!(
        !is_closed(&silent[3]),
        "the youngest silent connection was closed too"
    );
}

// ---------------------------------------------------------------------------------------------
// Secrets in --server
// ---------------------------------------------------------------------------------------------

const SECRETS: &[&str] = &["s3cret", "abc123"];

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} contains {s:?}:\n{text}");
    }
}

fn history_text(env: &Env) -> Vec<(String, String)> {
    let files = env.history_files();
    files
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned(),
            )
        })
        .collect()
}

/// `--server http://user:s3cret@HOST/?token=abc123`: the measurement uses it, and neither the
/// password nor the token appears in the JSON, HTML or Markdown report, on stdout or stderr,
/// or in the history; the URL is shown as `http://***@HOST/?token=***`.
#[test]
fn server_url_secrets_are_never_recorded() {
    let env = Env::new();
    let serve = Serve::start(&env, &[], None);
    let server = format!("http://user:s3cret@{}/?token=abc123", serve.addr);
    let shown = format!("http://***@{}/?token=***", serve.addr);

    // The JSON report on stdout and the HTML report in a file.
    let (code, stdout, stderr) = check_network(&env, &server, &["--json", "--output", "r.html"]);
    let f = network_facts(&stdout);
    assert!(f["server_error"].is_null(), "exit {code}: {f:#}\n{stderr}");
    assert!(f["download_mbps"]["median"].as_f64().is_some(), "{f:#}");
    assert_eq!(f["server"], shown.as_str());
    assert_no_secret("stdout (JSON)", &stdout);
    assert_no_secret("stderr", &stderr);
    let html = std::fs::read_to_string(env.path("r.html")).unwrap();
    assert!(
        html.contains(&shown),
        "the HTML report does not show {shown}"
    );
    assert_no_secret("r.html", &html);

    // Markdown and JSON files, the terminal view on stdout.
    for out in ["r.md", "r.json"] {
        let (_, stdout, stderr) = check_network(&env, &server, &["--output", out]);
        assert_no_secret("stdout (terminal)", &stdout);
        assert_no_secret("stderr", &stderr);
        let text = std::fs::read_to_string(env.path(out)).unwrap();
        assert!(
            text.contains("***@"),
            "{out} does not show the masked URL:\n{text}"
        );
        assert_no_secret(out, &text);
    }

    // A server that never answers and one that refuses: the URL goes into error messages.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    for addr in [silent.local_addr().unwrap(), refused] {
        let server = format!("http://user:s3cret@{addr}/base?token=abc123#frag");
        let (code, stdout, stderr) = check_network(&env, &server, &["--json"]);
        let f = network_facts(&stdout);
        assert_eq!(code, 1, "{f:#}");
        assert!(f["server_error"].is_string(), "{f:#}");
        assert_no_secret("stdout (JSON, server error)", &stdout);
        assert_no_secret("stderr", &stderr);
    }

    // A URL that does not parse: the usage error does not repeat it either.
    let (code, stdout, stderr) = check_network(
        &env,
        "http://user:s3cret@127.0.0.1:notaport/?token=abc123",
        &["--json"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("***@"), "{stderr}");
    assert_no_secret("stdout", &stdout);
    assert_no_secret("stderr (usage error)", &stderr);

    let history = history_text(&env);
    assert!(history.len() >= 5, "{} runs in the history", history.len());
    for (path, text) in &history {
        assert_no_secret(path, text);
    }
}

// ---------------------------------------------------------------------------------------------
// Nesting
// ---------------------------------------------------------------------------------------------

/// Run `args` with the file `name` holding `text`: exit code and stderr.
fn run_on(env: &Env, name: &str, text: &str, args: &[&str]) -> (i32, String) {
    std::fs::write(env.path(name), text).unwrap();
    let out = cmd(env, args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A profile nested 20,000 deep, as dotted tables, inline tables or arrays: `check` and
/// `profile show` exit 2 before any probe, naming `deep.toml:LINE:COL` of the first key or
/// bracket deeper than 64 levels (the TOML parser's own "recursion limit" named no position).
#[test]
fn deeply_nested_profiles_are_positioned_errors() {
    let env = Env::new();
    let n = 20_000;
    let head = "[profile]\nname = \"deep\"\n";
    let dotted = vec!["a"; n].join(".");
    let cases = [
        // [a.a.a...]: the 65th part, after "[" and 64 "a.".
        (format!("{head}[{dotted}]\nx = 1\n"), "deep.toml:3:130:"),
        // x = {a = {a = ...}}: `x` is level 2 under [profile]; the key inside the 63rd table
        // is level 65.
        (
            format!("{head}x = {}1{}\n", "{a = ".repeat(n), "}".repeat(n)),
            "deep.toml:3:316:",
        ),
        // x = [[[...]]]: the 64th "[" is level 65.
        (
            format!("{head}x = {}1{}\n", "[".repeat(n), "]".repeat(n)),
            "deep.toml:3:68:",
        ),
    ];
    for (text, want) in &cases {
        let start = Instant::now();
        let (code, stderr) = run_on(
            &env,
            "deep.toml",
            text,
            &["check", "--profile", "deep.toml", "--only", "network"],
        );
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(want), "want {want} in {stderr}");
        assert!(stderr.contains("nested more than 64 levels"), "{stderr}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        let (code, stderr) = run_on(&env, "deep.toml", text, &["profile", "show", "deep.toml"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(want),
            "profile show: want {want} in {stderr}"
        );
    }
    // A profile that extends a deep one names the deep file.
    std::fs::write(env.path("deep.toml"), &cases[0].0).unwrap();
    let (code, stderr) = run_on(
        &env,
        "child.toml",
        "[profile]\nextends = \"deep.toml\"\n",
        &["profile", "show", "child.toml"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("deep.toml:3:130:"), "{stderr}");
    assert!(history_text(&env).is_empty(), "a run was recorded");
}

/// `judge` of a JSON report nested 100,000 deep: a clean usage error with the position, no
/// stack overflow.
#[test]
fn judge_of_a_100k_deep_json_is_a_clean_error() {
    let env = Env::new();
    let n = 100_000;
    let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let (code, stderr) = run_on(&env, "deep.json", &text, &["judge", "deep.json"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("deep.json"), "{stderr}");
    assert!(stderr.contains("recursion limit"), "{stderr}");
    assert!(stderr.contains("line 1 column"), "{stderr}");
    assert!(
        !stderr.contains("overflow") && !stderr.contains("panick"),
        "{stderr}"
    );
}
