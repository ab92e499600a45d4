//! A stand-in for `examready collect` (issue 15's contract, CONTRACT-15.md): a real HTTP server
//! on 127.0.0.1 (axum) that records every request and answers `POST /api/v1/reports` as the
//! contract says: 201 stored, 200 duplicate for a report id it has, 401 without the right token,
//! or, as a test sets it, 403 (revoked), 429 (rate limit with `Retry-After`). The submit tests
//! check the client against it; the real server is tested on its own.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// How the server answers a request with the right token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 201 stored, or 200 duplicate for a report id already stored.
    Store,
    /// 401 as for an unknown token.
    Unauthorized,
    /// 403: the token was revoked.
    Revoked,
    /// 429 with `Retry-After: 30`.
    RateLimited,
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

struct Inner {
    token: String,
    answer: Mutex<Answer>,
    requests: Mutex<Vec<Recorded>>,
    stored: Mutex<BTreeSet<String>>,
}

/// The running server; stopped when dropped.
pub struct Collect {
    pub port: u16,
    inner: Arc<Inner>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Collect {
    /// Serve on a free port of 127.0.0.1, accepting `token`.
    pub fn start(answer: Answer, token: &str) -> Collect {
        let inner = Arc::new(Inner {
            token: token.to_string(),
            answer: Mutex::new(answer),
            requests: Mutex::default(),
            stored: Mutex::default(),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = inner.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = axum::Router::new().fallback(handle).with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Collect {
            port,
            inner,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The base address to give `--submit` / `--to`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn set_answer(&self, answer: Answer) {
        *self.inner.answer.lock().unwrap() = answer;
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.requests.lock().unwrap().clone()
    }
}

impl Drop for Collect {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `--only processes --submit URL --candidate TEXT`: a quick run (`check`, `ui`) that sends to
/// `url` as `candidate`.
pub fn sending<'a>(url: &'a str, candidate: &'a str) -> [&'a str; 6] {
    [
        "--only",
        "processes",
        "--submit",
        url,
        "--candidate",
        candidate,
    ]
}

/// An address where nothing listens (a port bound, then closed).
pub fn refused_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}/")
}

fn json(code: StatusCode, value: serde_json::Value) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn error(code: StatusCode, sentence: &str) -> Response {
    json(code, serde_json::json!({ "error": sentence }))
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    inner.requests.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: headers.clone(),
        body: body.to_vec(),
    });
    if method != axum::http::Method::POST || uri.path() != "/api/v1/reports" {
        return error(StatusCode::NOT_FOUND, "No such page.");
    }
    let bearer = format!("Bearer {}", inner.token);
    let authorized = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == bearer.as_bytes());
    let answer = *inner.answer.lock().unwrap();
    if !authorized || answer == Answer::Unauthorized {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "This submit token is unknown: ask your institution for a valid one.",
        );
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, "Bearer".parse().unwrap());
        return r;
    }
    match answer {
        Answer::Revoked => {
            return error(
                StatusCode::FORBIDDEN,
                "This submit token was revoked on 2026-11-20.",
            );
        }
        Answer::RateLimited => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many reports for this token: wait a moment.",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, "30".parse().unwrap());
            return r;
        }
        _ => {}
    }
    if headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()) != Some(b"application/json") {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Send application/json.");
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "The body is not JSON.");
    };
    let (Some(_), Some(id)) = (
        value["candidate"].as_str(),
        value["report"]["report_id"].as_str(),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "candidate or report_id is missing.",
        );
    };
    let id = id.to_string();
    let new = inner.stored.lock().unwrap().insert(id.clone());
    if new {
        json(
            StatusCode::CREATED,
            serde_json::json!({"status": "stored", "report_id": id, "dashboard": null}),
        )
    } else {
        json(
            StatusCode::OK,
            serde_json::json!({"status": "duplicate", "report_id": id}),
        )
    }
}
