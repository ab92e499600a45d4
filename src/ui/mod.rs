/*!
`examready ui`: the candidate's page. A small HTTP server on a loopback address serves one
page (server-rendered HTML, a little inline JavaScript, nothing from the network), starts a
check when the page asks by POST, streams the runner's progress events (the same events the
terminal spinners draw) to the page as Server-Sent Events, and serves the finished report in
the usual formats. The security rules (token, cookie, `Host`, `Origin`) are in [`guard`]; the
markup in [`page`].
*/

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use tokio::sync::broadcast;

use crate::check::{Check, ProbeOptions};
use crate::model::Report;
use crate::profile::Profile;

pub mod changes;
pub mod devices;
pub mod guard;
pub mod page;
pub mod send;
pub mod watch;

mod run;

use run::{begin, form_value, start};

/// What the page may run: the profiles it offers (the first is preselected), the modules, the
/// probe options, the exam's time (`--exam-at`, checked already), and how long the server waits
/// for a closed page before it stops.
pub struct Config {
    pub profiles: Vec<Arc<Profile>>,
    pub checks: Vec<&'static dyn Check>,
    pub options: ProbeOptions,
    pub exam_at: Option<String>,
    pub idle: Duration,
    /// The shortest interval the page's watch toggle accepts ([`crate::watch::MIN_EVERY`]; the
    /// tests lower it).
    pub watch_min_every: Duration,
    /// Where "Send to my institution" sends the last run (`--submit`), if anywhere.
    pub submit: Option<crate::submit::Target>,
}

/// One run's events so far (replayed to a page that connects late) and its report.
#[derive(Default)]
struct RunState {
    running: bool,
    log: Vec<String>,
    report: Option<Arc<Report>>,
    /// "What changed since last time" for the finished run (HTML, see [`changes`]).
    changes: Option<String>,
}

pub(crate) struct Shared {
    pub(crate) token: String,
    pub(crate) hosts: Vec<String>,
    cfg: Config,
    run: Mutex<RunState>,
    tx: broadcast::Sender<String>,
    last_seen: Mutex<Instant>,
    streams: AtomicUsize,
    watching: watch::Watching,
    devices: devices::Devices,
}

type App = Arc<Shared>;

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, RunState> {
        self.run.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn touch(&self) {
        *self.last_seen.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    fn publish(&self, value: serde_json::Value) {
        let text = value.to_string();
        let mut run = self.lock();
        run.log.push(text.clone());
        let _ = self.tx.send(text);
    }

    /// Whether the page has been gone (no open event stream, no request) for the idle time.
    fn idle(&self) -> bool {
        self.streams.load(Ordering::Relaxed) == 0
            && self
                .last_seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .elapsed()
                >= self.cfg.idle
    }
}

/// A random token of 32 hex digits (128 bits) from the operating system.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The address to print (and open): the page with its token.
pub fn url(addr: std::net::SocketAddr, token: &str) -> String {
    format!("http://{addr}/?token={token}")
}

/// Serve the page on `listener` until the page has been gone for `cfg.idle`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    token: String,
    cfg: Config,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let port = addr.port();
    let hosts = vec![
        addr.to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ];
    let shared = Arc::new(Shared {
        token,
        hosts,
        cfg,
        run: Mutex::default(),
        tx: broadcast::channel(1024).0,
        last_seen: Mutex::new(Instant::now()),
        streams: AtomicUsize::new(0),
        watching: watch::Watching::default(),
        devices: devices::Devices::default(),
    });
    let app = Router::new()
        .route("/", get(index))
        .route("/start", post(start))
        .route("/watch", post(watch::toggle))
        .route("/send", post(send::send))
        .route("/events", get(events))
        .route("/result", get(result))
        .route("/report.{ext}", get(report_file))
        .merge(devices::routes())
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            guard::guard,
        ))
        .with_state(shared.clone());
    let watched = shared.clone();
    let gone = async move {
        let tick =
            (watched.cfg.idle / 10).clamp(Duration::from_millis(100), Duration::from_secs(5));
        while !watched.idle() {
            tokio::time::sleep(tick).await;
        }
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(gone)
        .await?;
    Ok(())
}

async fn index(State(app): State<App>) -> Html<String> {
    let running = app.lock().running;
    let controls = watch::controls(app.cfg.exam_at.as_deref(), app.cfg.watch_min_every);
    Html(page::index(
        &app.cfg.profiles,
        &app.cfg.checks,
        running,
        &controls,
    ))
}

/// Counts an open event stream while it lives.
struct StreamGuard(App);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// GET /events: the current run's events so far, then the new ones as they come.
async fn events(State(app): State<App>) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let (backlog, rx) = {
        let run = app.lock();
        (run.log.clone(), app.tx.subscribe())
    };
    app.streams.fetch_add(1, Ordering::Relaxed);
    let guard = StreamGuard(app.clone());
    replay_then_live(backlog, rx, guard)
}

/// An event stream: `backlog` first, then each message of `rx` as it comes; `guard` lives as
/// long as the stream (it counts the page as present).
pub(crate) fn replay_then_live<G: Send + 'static>(
    backlog: Vec<String>,
    rx: broadcast::Receiver<String>,
    guard: G,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let state = (backlog.into_iter(), rx, guard);
    let stream = futures_util::stream::unfold(state, |(mut backlog, mut rx, guard)| async move {
        if let Some(text) = backlog.next() {
            return Some((Ok(SseEvent::default().data(text)), (backlog, rx, guard)));
        }
        loop {
            match rx.recv().await {
                Ok(text) => {
                    return Some((Ok(SseEvent::default().data(text)), (backlog, rx, guard)));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn finished_report(app: &Shared) -> Option<Arc<Report>> {
    app.lock().report.clone()
}

/// GET /result: the finished run as an HTML fragment for the page, what changed since the
/// previous run right under the verdict.
async fn result(State(app): State<App>) -> Response {
    let changes = app.lock().changes.clone().unwrap_or_default();
    match finished_report(&app) {
        Some(r) => {
            let send = send::control(app.cfg.submit.as_ref());
            Html(page::result(&r, &changes, &send)).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no finished check yet").into_response(),
    }
}

/// GET /report.json, /report.html, /report.md: the finished report, as a download.
async fn report_file(
    State(app): State<App>,
    axum::extract::Path(ext): axum::extract::Path<String>,
) -> Response {
    use crate::render::output::Format;
    let (format, mime) = match ext.as_str() {
        "json" => (Format::Json, "application/json"),
        "html" => (Format::Html, "text/html; charset=utf-8"),
        "md" => (Format::Md, "text/markdown; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let Some(report) = finished_report(&app) else {
        return (StatusCode::NOT_FOUND, "no finished check yet").into_response();
    };
    let name = format!(
        "examready-report-{}.{ext}",
        report.report_id.as_deref().unwrap_or("run")
    );
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        crate::render::output::render(&report, format),
    )
        .into_response()
}

#[cfg(test)]
mod tests;
