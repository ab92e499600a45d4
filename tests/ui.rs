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
        let body = if request_line.starts_with("POST") {
            "profile=onvue"
        } else {
            ""
        };
        self.http_with(request_line, host, extra, body, patience)
    }

    /// [`Ui::http`] with this form-encoded body.
    fn http_with(
        &self,
        request_line: &str,
        host: &str,
        extra: &str,
        body: &str,
        patience: Duration,
    ) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(patience)).unwrap();
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
        ("POST /watch", ""),
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
    for req in ["GET /", "POST /start", "POST /watch"] {
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
    for req in ["GET /start", "GET /watch"] {
        let (status, text) = ui.http(req, &host, &cookie, quick);
        assert_eq!(status, 405, "{req}: {text}");
    }
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

/// Record what the Content-Security-Policy blocks on the page.
const WATCH_CSP: &str = r#"
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"#;

/// The network's charts as drawn: figure, the SVG's title and description, its size on the
/// page, its texts, and the line segments in the limits' colour (a dashed line is many).
const CHARTS: &str = r##"
return Array.from(document.querySelectorAll('#result #check-network figure.chart')).map(function (f) {
  var svg = f.querySelector('svg[role="img"]'), box = svg.getBoundingClientRect();
  var named = (svg.getAttribute('aria-labelledby') || '').split(' ').map(function (id) {
    var e = document.getElementById(id); return e ? e.textContent : null;
  });
  return {
    figure: f.getAttribute('data-figure'), title: named[0], desc: named[1],
    width: box.width, height: box.height,
    texts: Array.from(svg.querySelectorAll('text')).map(function (t) { return t.textContent.trim(); }),
    dashes: svg.querySelectorAll('[stroke="#B3261E"]').length
  };
});
"##;

#[test]
fn the_page_runs_the_checks_live_in_headless_chromium() {
    if !have_chromium() {
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
         [network]\nendpoints = []\nmin_download_mbps = 1\nmin_upload_mbps = 1\n\
         max_latency_ms = 400\n",
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
    in_chromium(|port, user_data| drive(&ui, port, user_data));
}

/// Whether Chromium and chromedriver are installed (under CI their absence fails the test).
pub(crate) fn have_chromium() -> bool {
    support::require(
        support::have("chromium") && support::have("chromedriver"),
        "chromium and chromedriver (scripts/install-deps.sh test installs them)",
    )
}

/// Run `drive` with a fresh chromedriver's port and a fresh user-data folder for Chromium.
pub(crate) fn in_chromium<F: std::future::Future<Output = ()>>(
    drive: impl FnOnce(u16, PathBuf) -> F,
) {
    let driver = Chromedriver::start();
    let user_data = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(drive(driver.port, user_data.path().to_path_buf()));
}

/// A headless Chromium session through chromedriver, with a fresh user-data folder and a
/// phone-sized window.
pub(crate) async fn chromium(driver_port: u16, user_data: &std::path::Path) -> fantoccini::Client {
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

async fn drive(ui: &Ui, driver_port: u16, user_data: PathBuf) {
    use fantoccini::Locator;
    let c = chromium(driver_port, &user_data).await;
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
    c.execute(WATCH_CSP, vec![]).await.unwrap();
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
    // Their charts: the HTML report's inline SVG, drawn on the page (a size, nothing blocked by
    // the Content-Security-Policy), named for a screen reader, the profile's limit a line with
    // its label.
    let charts = c.execute(CHARTS, vec![]).await.unwrap();
    eprintln!("charts on the page: {charts}");
    let charts = charts.as_array().unwrap();
    // The latency's probes are a series under --quick too (its goodput is one mean).
    let latency = charts
        .iter()
        .find(|ch| ch["figure"] == "network.latency_ms")
        .unwrap_or_else(|| panic!("no latency chart: {charts:?}"));
    assert_eq!(latency["title"], "Latency (ms)");
    assert!(
        latency["width"].as_f64().unwrap() > 100.0 && latency["height"].as_f64().unwrap() > 40.0,
        "{latency}"
    );
    let desc = latency["desc"].as_str().unwrap();
    assert!(
        desc.contains("values by probe") && desc.contains("maximum 400 ms, recommended 150 ms"),
        "{latency}"
    );
    let texts = latency["texts"].as_array().unwrap();
    for label in ["maximum 400 ms", "recommended 150 ms"] {
        assert!(
            texts.iter().any(|t| t == label),
            "the limit's label {label:?} is drawn: {latency}"
        );
    }
    assert!(
        latency["dashes"].as_u64().unwrap() >= 4,
        "the limits are dashed lines: {latency}"
    );
    c.execute(
        "document.querySelector('#check-network figure.chart').scrollIntoView({block: 'center'});",
        vec![],
    )
    .await
    .unwrap();
    let path = screenshots().join("ui-network-chart.png");
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    let blocked = c.execute("return window.__csp;", vec![]).await.unwrap();
    assert_eq!(
        blocked,
        serde_json::json!([]),
        "the page's policy blocked something"
    );
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

/// The text of the first element `css` matches, waiting up to `limit` for it.
pub(crate) async fn text_of(c: &fantoccini::Client, css: &str, limit: Duration) -> String {
    c.wait()
        .at_most(limit)
        .for_element(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
        .text()
        .await
        .unwrap()
}

#[test]
fn the_page_shows_what_changed_and_re_checks_until_check_in_in_headless_chromium() {
    if !have_chromium() {
        return;
    }
    // Only Deskreen is prohibited, a name no other test starts: other programs change nothing.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let profile = dir.path().join("watch-page.toml");
    std::fs::write(
        &profile,
        "[profile]\nname = \"watch page\"\nextends = \"onvue\"\n[processes]\nprohibited = []\n\
         discouraged = []\nprohibited_apps = [\"deskreen\"]\ndiscouraged_apps = []\nallowed_apps = []\n",
    )
    .unwrap();
    let exam = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3))
        .to_zoned_datetime(jiff::tz::TimeZone::system())
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    let ui = Ui::start(&[
        "--only",
        "processes",
        "--profile",
        profile.to_str().unwrap(),
        "--exam-at",
        &exam,
        "--watch-min-every",
        "1s",
    ]);
    in_chromium(|port, user_data| drive_watch(&ui, port, user_data, &exam));
}

/// Click the element with this id.
pub(crate) async fn click(c: &fantoccini::Client, id: &str) {
    let e = c.find(fantoccini::Locator::Id(id)).await.unwrap();
    e.click().await.unwrap();
}

/// A property of the element with this id.
async fn prop(c: &fantoccini::Client, id: &str, name: &str) -> Option<String> {
    let e = c.find(fantoccini::Locator::Id(id)).await.unwrap();
    e.prop(name).await.unwrap()
}

async fn drive_watch(ui: &Ui, driver_port: u16, user_data: PathBuf, exam: &str) {
    use fantoccini::Locator;
    let c = chromium(driver_port, &user_data).await;
    c.goto(&ui.url).await.unwrap();
    let limit = Duration::from_secs(60);
    // The exam's time from --exam-at is in the form; the toggle is labelled.
    let value = prop(&c, "exam-at", "value").await;
    assert_eq!(value.as_deref(), Some(&*exam.replace(' ', "T")));
    let label = text_of(&c, "label[for=\"watch-toggle\"]", limit).await;
    assert_eq!(label, "Re-check every 10 minutes until check-in");
    // Every title the page takes.
    c.execute(
        "window.__titles = []; new MutationObserver(function () { window.__titles.push(document.title); })\
         .observe(document.querySelector('title'), {childList: true, characterData: true, subtree: true});",
        vec![],
    )
    .await
    .unwrap();
    // A first run: nothing to compare with.
    click(&c, "start-button").await;
    let first = text_of(&c, "#result #changes", limit).await;
    assert!(first.contains("Nothing to compare with"), "{first}");
    // A second run with a prohibited application started in between: the change is listed.
    let mut deskreen = NamedProcess::start("deskreen");
    c.wait()
        .at_most(limit)
        .for_element(Locator::Css("#start-button:not([disabled])"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let new = text_of(&c, "#result #changes li[data-kind=\"new\"]", limit).await;
    assert!(
        new.contains("New problem")
            && new.contains("Deskreen")
            && new.contains(&deskreen.pid().to_string()),
        "{new}"
    );
    let all = text_of(&c, "#result #changes", limit).await;
    assert!(all.contains("2 changes since the run at"), "{all}");
    assert!(
        all.contains("Verdict") && all.contains("ready → not-ready"),
        "{all}"
    );
    c.execute(
        "document.getElementById('changes').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    let path = screenshots().join("ui-changes.png");
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    // Watching: every 3 s until check-in. The first re-check comes at once and finds Deskreen
    // gone; a later one, on the schedule alone, finds it back.
    deskreen.stop();
    c.execute(
        "var e = document.getElementById('watch-every'); e.value = '0.1'; e.dispatchEvent(new Event('input'));",
        vec![],
    )
    .await
    .unwrap();
    let label = text_of(&c, "label[for=\"watch-toggle\"]", limit).await;
    assert_eq!(label, "Re-check every 0.1 minutes until check-in");
    click(&c, "watch-toggle").await;
    let fixed = text_of(&c, "#result #changes li[data-kind=\"fixed\"]", limit).await;
    assert!(
        fixed.contains("Fixed") && fixed.contains("Deskreen"),
        "{fixed}"
    );
    c.wait()
        .at_most(limit)
        .for_element(Locator::XPath(
            "//p[@id='watch-status' and contains(text(), 'next run at')]",
        ))
        .await
        .expect("the page says when the next run is");
    let again = NamedProcess::start("deskreen");
    let new = text_of(&c, "#result #changes li[data-kind=\"new\"]", limit).await;
    assert!(
        new.contains("Deskreen") && new.contains(&again.pid().to_string()),
        "{new}"
    );
    let titles = c.execute("return window.__titles;", vec![]).await.unwrap();
    for t in [
        "2 changes · Not ready for watch page · examready",
        "2 changes · Ready for watch page · examready",
    ] {
        assert!(
            titles.as_array().unwrap().iter().any(|x| x == t),
            "{t}: {titles}"
        );
    }
    c.execute("document.getElementById('watch').scrollIntoView();", vec![])
        .await
        .unwrap();
    let path = screenshots().join("ui-watch.png");
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    // Off: the server says so, and no run comes any more.
    click(&c, "watch-toggle").await;
    c.wait()
        .at_most(limit)
        .for_element(Locator::XPath(
            "//p[@id='watch-status' and text()='Not re-checking.']",
        ))
        .await
        .expect("the watch stops");
    let checked = prop(&c, "watch-toggle", "checked").await;
    assert_eq!(checked.as_deref(), Some("false"));
    c.close().await.unwrap();
}

#[test]
fn the_watch_toggle_refuses_a_missing_or_past_exam_and_a_bad_interval_and_runs_nothing() {
    let ui = Ui::start(&["--only", "processes"]);
    let (host, cookie) = (ui.addr.clone(), ui.cookie());
    let quick = Duration::from_secs(5);
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3))
        .to_zoned_datetime(jiff::tz::TimeZone::system())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    for (body, says) in [
        (
            "on=1&profile=onvue&every=10",
            "Give the exam's date and time",
        ),
        (
            "on=1&profile=onvue&every=10&exam_at=2020-01-01T09%3A00",
            "is in the past",
        ),
        (
            &*format!("on=1&profile=onvue&every=0.5&exam_at={later}"),
            "at least 1m",
        ),
        (
            &*format!("on=1&profile=onvue&every=soon&exam_at={later}"),
            "at least 1m",
        ),
        (
            &*format!("on=1&profile=nope&every=10&exam_at={later}"),
            "unknown profile",
        ),
    ] {
        let (status, text) = ui.http_with("POST /watch", &host, &cookie, body, quick);
        assert_eq!(status, 400, "{body}: {text}");
        assert!(text.contains(says), "{body}: {text}");
    }
    assert_eq!(
        ui.http("GET /report.json", &host, &cookie, quick).0,
        404,
        "no run"
    );
    // A good request starts watching (its first run at once); off stops it.
    let body = format!("on=1&profile=onvue&every=10&exam_at={later}");
    let (status, text) = ui.http_with("POST /watch", &host, &cookie, &body, quick);
    assert_eq!(status, 202, "{text}");
    let (status, events) = ui.http("GET /events", &host, &cookie, Duration::from_secs(1));
    assert_eq!(status, 200);
    assert!(
        events.contains("\"type\":\"reset\""),
        "a run started: {events}"
    );
    let (status, text) = ui.http_with("POST /watch", &host, &cookie, "on=0", quick);
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("Not re-checking."), "{text}");
}
