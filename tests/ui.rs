//! `examready ui`: the page in a real browser (Debian's headless Chromium driven through
//! chromedriver over WebDriver), and the server's refusals over plain HTTP (no browser).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::{self, NamedProcess, examready};

fn epoch_ms(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0
}

/// A running `examready ui --no-browser ...`, killed when dropped.
pub(crate) struct Ui {
    pub(crate) child: Child,
    pub(crate) url: String,
    /// `127.0.0.1:PORT`
    pub(crate) addr: String,
    pub(crate) token: String,
    /// When the process was started (wall clock, to compare with the browser's timings).
    spawned: SystemTime,
    /// From the start of the process to its first line on stdout (the URL).
    to_url: Duration,
    _run: support::Examready,
}

impl Ui {
    pub(crate) fn start(args: &[&str]) -> Ui {
        Ui::start_in(args, |_| {})
    }

    /// With the command set up further first (e.g. a private sound server's environment).
    pub(crate) fn start_in(args: &[&str], setup: impl FnOnce(&mut Command)) -> Ui {
        let mut run = examready();
        setup(&mut run);
        run.args(["ui", "--no-browser"])
            .args(args)
            .stdout(Stdio::piped());
        for v in support::net::PROXY_VARS {
            run.env_remove(v);
        }
        let spawned = SystemTime::now();
        let t0 = Instant::now();
        let mut child = run.spawn().expect("examready ui starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let to_url = t0.elapsed();
        let url = line.trim().to_string();
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("the first line is the URL: {line:?}"));
        let (port, token) = rest
            .split_once("/?token=")
            .expect("the URL carries a token");
        assert_eq!(token.len(), 32, "{url}");
        Ui {
            addr: format!("127.0.0.1:{port}"),
            token: token.to_string(),
            url,
            child,
            spawned,
            to_url,
            _run: run,
        }
    }

    pub(crate) fn port(&self) -> &str {
        self.addr.rsplit(':').next().unwrap()
    }

    pub(crate) fn cookie(&self) -> String {
        format!("Cookie: examready-{}={}\r\n", self.port(), self.token)
    }

    /// One HTTP/1.1 request (`Connection: close`); the status and the whole answer. With
    /// `patience`, a stream that stays open is read for that long only.
    pub(crate) fn http(
        &self,
        request_line: &str,
        host: &str,
        extra: &str,
        patience: Duration,
    ) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(patience)).unwrap();
        let body = if request_line.starts_with("POST") {
            "profile=onvue"
        } else {
            ""
        };
        write!(
            s,
            "{request_line} HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
        let text = String::from_utf8_lossy(&answer).to_string();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
        (status, text)
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn without_the_token_from_another_host_or_origin_the_server_refuses_and_runs_nothing() {
    let ui = Ui::start(&["--only", "system,processes"]);
    let host = ui.addr.clone();
    let cookie = ui.cookie();
    let quick = Duration::from_secs(5);
    // No token, a wrong token, a token on another path: 401, for reading and for starting.
    for (req, extra) in [
        ("GET /", ""),
        ("GET /?token=00000000000000000000000000000000", ""),
        ("GET /events", ""),
        ("GET /report.json", ""),
        ("POST /start", ""),
        (&*format!("POST /start?token={}", ui.token), ""),
        ("POST /start", "Cookie: examready-1=nope\r\n"),
    ] {
        let (status, text) = ui.http(req, &host, extra, quick);
        assert_eq!(status, 401, "{req} {extra}: {text}");
        assert!(
            !text.to_ascii_lowercase().contains("access-control-"),
            "{text}"
        );
    }
    // A rebinding name for this address, even with the cookie: 403.
    let evil = format!("attacker.example:{}", ui.port());
    for req in ["GET /", "POST /start"] {
        let (status, text) = ui.http(req, &evil, &cookie, quick);
        assert_eq!(status, 403, "{req} Host {evil}: {text}");
    }
    // Another site's page posting with the candidate's cookie: 403.
    for origin in ["http://attacker.example", "null", "https://127.0.0.1"] {
        let extra = format!("{cookie}Origin: {origin}\r\n");
        let (status, text) = ui.http("POST /start", &host, &extra, quick);
        assert_eq!(status, 403, "Origin {origin}: {text}");
    }
    // A state change by GET: 405.
    let (status, text) = ui.http("GET /start", &host, &cookie, quick);
    assert_eq!(status, 405, "{text}");
    // The token in the URL is traded for the cookie, and the page no longer shows it.
    let (status, text) = ui.http(&format!("GET /?token={}", ui.token), &host, "", quick);
    assert_eq!(status, 303, "{text}");
    let lower = text.to_ascii_lowercase();
    assert!(
        lower.contains("httponly") && lower.contains("samesite=strict"),
        "{text}"
    );
    // No check ran: the event stream has nothing to replay, and there is no report.
    let (status, events) = ui.http("GET /events", &host, &cookie, Duration::from_secs(1));
    assert_eq!(status, 200, "{events}");
    assert!(!events.contains("\"type\""), "a check ran: {events}");
    assert_eq!(ui.http("GET /report.json", &host, &cookie, quick).0, 404);
}

#[test]
fn ui_refuses_a_non_loopback_address_stops_when_the_page_is_gone_and_on_ctrl_c() {
    let out = support::output_within(
        examready().args(["ui", "--no-browser", "--listen", "0.0.0.0:0"]),
        Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a loopback address"));
    // Nobody opens the page: it stops by itself.
    let out = support::output_within(
        examready().args(["ui", "--no-browser", "--stop-after-idle", "1s"]),
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("http://127.0.0.1:"));
    #[cfg(unix)]
    {
        let mut ui = Ui::start(&[]);
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(ui.child.id() as i32, libc::SIGINT) };
        let status = ui.child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{status:?}");
    }
}

/// chromedriver on a free port with a private HOME (Chromium writes its crash database and
/// settings there), killed with the browsers it started when dropped.
pub(crate) struct Chromedriver {
    child: Child,
    pub(crate) port: u16,
    _home: tempfile::TempDir,
}

impl Chromedriver {
    pub(crate) fn start() -> Chromedriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let mut cmd = Command::new("chromedriver");
        cmd.arg(format!("--port={port}"))
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("XDG_CACHE_HOME", home.path().join(".cache"))
            .env("XDG_DATA_HOME", home.path().join(".local/share"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        // Its own process group: a failed test leaves no browser behind.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("chromedriver starts");
        let until = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < until,
                "chromedriver does not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Chromedriver {
            child,
            port,
            _home: home,
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // SAFETY: a signal to the process group of our own child.
        #[cfg(unix)]
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL)
        };
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn screenshots() -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Records every state each live item takes, from before Start is pressed.
const WATCH_STATES: &str = r#"
window.__states = {}; window.__progress = {};
document.querySelectorAll('ol.live li').forEach(function (li) {
  var id = li.getAttribute('data-id');
  window.__states[id] = [li.getAttribute('data-state')]; window.__progress[id] = [];
  new MutationObserver(function () {
    var s = li.getAttribute('data-state'), seen = window.__states[id];
    if (seen[seen.length - 1] !== s) seen.push(s);
    var d = li.querySelector('.detail').textContent, p = window.__progress[id];
    if (s === 'running' && d && p[p.length - 1] !== d) p.push(d);
  }).observe(li, {attributes: true, subtree: true, childList: true, characterData: true});
});
"#;

const FETCH_JSON: &str = r#"
var done = arguments[arguments.length - 1];
fetch(document.getElementById('download-json').href, {credentials: 'same-origin'})
  .then(function (r) { return r.text(); })
  .then(done, function (e) { done('fetch failed: ' + e); });
"#;

#[test]
fn the_page_runs_the_checks_live_in_headless_chromium() {
    if !support::require(
        support::have("chromium") && support::have("chromedriver"),
        "chromium and chromedriver (scripts/install-deps.sh test installs them)",
    ) {
        return;
    }
    // A prohibited application, so that the report has a failure with its remedy; the network
    // measured against a local `examready serve` (OnVUE's rules without its vendor endpoints).
    let _tv = NamedProcess::start("TeamViewer");
    let serve = support::net::Serve::start();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let profile = dir.path().join("ui-test.toml");
    std::fs::write(
        &profile,
        "[profile]\nname = \"ui test\"\nextends = \"onvue\"\n[runner]\ndeadline_s = 60\n\
         [network]\nendpoints = []\nmin_download_mbps = 1\nmin_upload_mbps = 1\n",
    )
    .unwrap();
    let ui = Ui::start(&[
        "--only",
        "system,processes,network",
        "--quick",
        "--server",
        &serve.url(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    let driver = Chromedriver::start();
    let profile = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(drive(&ui, driver.port, profile.path()));
}

/// A headless Chromium session, phone-sized, through chromedriver.
pub(crate) async fn browser(driver_port: u16, user_data: &std::path::Path) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--window-size=412,915",
            format!("--user-data-dir={}", user_data.display()),
        ]}),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    fantoccini::ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a Chromium session through chromedriver")
}

async fn drive(ui: &Ui, driver_port: u16, user_data: &std::path::Path) {
    use fantoccini::Locator;
    let c = browser(driver_port, user_data).await;
    c.goto(&ui.url).await.unwrap();
    // The token is traded for the cookie: the address bar no longer shows it.
    let here = c.current_url().await.unwrap();
    assert_eq!(here.as_str(), format!("http://{}/", ui.addr));
    let timing = c
        .execute(
            "var t = performance.timing; return [t.navigationStart, t.domContentLoadedEventEnd];",
            vec![],
        )
        .await
        .unwrap();
    let nav = timing[0].as_f64().unwrap();
    let dcl = timing[1].as_f64().unwrap();
    // The first paint with content, from the navigation's start (the redirect included).
    let fcp = c
        .execute(
            "var p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : null;",
            vec![],
        )
        .await
        .unwrap();
    let spawned = epoch_ms(ui.spawned);
    eprintln!(
        "examready ui timings: process start -> URL line {:.0} ms; process start -> DOMContentLoaded {:.0} ms \
         (Chromium's own start included); navigation -> DOMContentLoaded {:.0} ms; navigation -> first contentful paint {fcp} ms",
        ui.to_url.as_secs_f64() * 1000.0,
        dcl - spawned,
        dcl - nav
    );
    let options = c.find_all(Locator::Css("#profile option")).await.unwrap();
    assert_eq!(
        options.len(),
        8,
        "the profile file, then the seven built-in profiles"
    );
    c.execute(WATCH_STATES, vec![]).await.unwrap();
    // Keyboard only: Tab to the profile picker, Tab to Start, Enter.
    let press = |key: char| {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key })
    };
    for (key, focused) in [('\u{e004}', "profile"), ('\u{e004}', "start-button")] {
        c.perform_actions(press(key)).await.unwrap();
        let id = c.active_element().await.unwrap().attr("id").await.unwrap();
        assert_eq!(id.as_deref(), Some(focused), "Tab reaches {focused}");
    }
    c.perform_actions(press('\u{e007}')).await.unwrap();
    // While the network is measured: its elapsed time and what it is doing.
    let running = c
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("#live-network[data-state=\"running\"]"))
        .await
        .expect("the network check runs");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let live = running.text().await.unwrap();
    let path = screenshots().join("ui-running.png");
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    eprintln!("while running: {live:?}");
    assert!(live.contains("running") && live.contains(" s"), "{live:?}");
    let verdict = c
        .wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Css("#result header.verdict h1"))
        .await
        .expect("the verdict appears");
    let headline = verdict.text().await.unwrap();
    assert_eq!(headline, "Not ready for ui test", "TeamViewer is running");
    let states = c.execute("return window.__states;", vec![]).await.unwrap();
    let progress = c
        .execute("return window.__progress;", vec![])
        .await
        .unwrap();
    eprintln!("progress texts seen on the page: {progress}");
    assert!(
        progress["network"].as_array().is_some_and(|p| p.len() >= 2),
        "the network's progress texts: {progress}"
    );
    for id in ["system", "processes", "network"] {
        let seen: Vec<&str> = states[id]
            .as_array()
            .unwrap_or_else(|| panic!("{id}: {states}"))
            .iter()
            .filter_map(|s| s.as_str())
            .collect();
        let last = *seen.last().unwrap();
        assert!(
            seen.first() == Some(&"waiting") && seen.contains(&"running"),
            "{id}: {seen:?}"
        );
        assert!(
            ["pass", "warn", "fail", "skip", "timeout", "crash"].contains(&last),
            "{id}: {seen:?}"
        );
        let word = c
            .find(Locator::Css(&format!("#live-{id} .state")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!word.is_empty() && word != "running", "{id}: {word}");
    }
    // (Chromium itself is a prohibited browser too.)
    let mut remedies = vec![];
    for f in c
        .find_all(Locator::Css(
            "#result li.finding.fail[data-code=\"app-prohibited\"]",
        ))
        .await
        .unwrap()
    {
        let text = f.text().await.unwrap();
        let remedy = f.find(Locator::Css(".remedy")).await.expect("a remedy");
        remedies.push((text, remedy.text().await.unwrap()));
    }
    assert!(
        remedies
            .iter()
            .any(|(f, r)| f.contains("TeamViewer") && r.contains("TeamViewer")),
        "{remedies:?}"
    );
    let status = c
        .find(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let json = c.execute_async(FETCH_JSON, vec![]).await.unwrap();
    let report: serde_json::Value =
        serde_json::from_str(json.as_str().unwrap()).expect("the JSON report parses");
    assert_eq!(report["schema_version"], 2);
    assert_eq!(report["checks"].as_array().unwrap().len(), 3);
    assert!(
        report["checks"][2]["figures"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "the network's figures"
    );
    // The figures with their limits are on the page too.
    let figures = c
        .find_all(Locator::Css(
            "#result #check-network table.figures tr.figure",
        ))
        .await
        .unwrap();
    assert!(!figures.is_empty(), "the network's figures on the page");
    let id = report["report_id"].as_str().unwrap();
    assert!(status.contains(id), "{status} / {id}");
    let shot = c.screenshot().await.unwrap();
    let path = screenshots().join("ui-finished.png");
    std::fs::write(&path, shot).unwrap();
    eprintln!("screenshot: {}", path.display());
    c.execute(
        "document.getElementById('check-network').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    let path = screenshots().join("ui-network.png");
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    c.close().await.unwrap();
}
