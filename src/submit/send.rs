//! Sending: the one POST (with one retry after a connection error) and reading the server's
//! answer as the contract defines it.

use std::time::Duration;

use reqwest::Url;

use super::{MAX_BODY_BYTES, Target, body, reports_url, shown};
use crate::model::Report;

/// Connecting may take this long; the whole request (send and answer) this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The pause before the one retry after a connection error.
const RETRY_PAUSE: Duration = Duration::from_secs(1);
/// At most this much of an answer is read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What the server did with a report it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new report stored (201).
    Stored,
    /// The server already had it (200): nothing new stored.
    Duplicate,
}

/// Why a report was not taken: the server's own sentence when it gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

fn failure(status: Option<u16>, message: impl Into<String>) -> Failure {
    Failure {
        status,
        message: message.into(),
    }
}

/// The HTTP client: rustls, timeouts, no redirects (a redirect would drop the token or turn
/// the POST into a GET).
fn client() -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("examready/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| failure(None, format!("cannot build an HTTP client: {e}")))
}

/// Send `report` to `target`: stored or duplicate, or why not. One retry after a connection
/// error (the server never saw the report then; a duplicate answer covers the rest).
pub async fn send(target: &Target, report: &Report) -> Result<Outcome, Failure> {
    let id = report.content_id();
    let body = body(&target.candidate, report);
    if body.len() > MAX_BODY_BYTES {
        return Err(failure(
            None,
            format!(
                "the report is {} bytes, over the {MAX_BODY_BYTES} bytes a collect server accepts",
                body.len()
            ),
        ));
    }
    let client = client()?;
    let url = reports_url(&target.base);
    let mut tries = 0;
    let answer = loop {
        tries += 1;
        let sent = client
            .post(url.clone())
            .bearer_auth(target.token.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .header("Idempotency-Key", &id)
            .body(body.clone())
            .send()
            .await;
        match sent {
            Err(e) if e.is_connect() && tries < 2 => tokio::time::sleep(RETRY_PAUSE).await,
            Err(e) => return Err(failure(None, describe(&e, &url))),
            Ok(answer) => break answer,
        }
    };
    read_answer(answer, &id).await
}

/// The answer as the contract defines it.
async fn read_answer(answer: reqwest::Response, id: &str) -> Result<Outcome, Failure> {
    let status = answer.status();
    let retry_after = answer
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(crate::redact::url);
    let text = read_limited(answer).await;
    let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    let field = |k: &str| {
        json.as_ref()
            .and_then(|j| j.get(k))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let code = Some(status.as_u16());
    let outcome = match (status.as_u16(), field("status").as_deref()) {
        (201, Some("stored")) => Some(Outcome::Stored),
        (200, Some("duplicate")) => Some(Outcome::Duplicate),
        _ => None,
    };
    if let Some(outcome) = outcome {
        return match field("report_id") {
            Some(got) if got == id => Ok(outcome),
            got => Err(failure(
                code,
                format!(
                    "the server acknowledged report {:?} instead of {id}: it is not an \
                     examready collect server, or not one this version understands",
                    got.unwrap_or_default()
                ),
            )),
        };
    }
    let reason = status.canonical_reason().unwrap_or("");
    let mut message = match field("error") {
        Some(e) => format!(
            "the server refused the report ({} {reason}): {e}",
            status.as_u16()
        ),
        None if status.is_redirection() => format!(
            "the server answered {} {reason} (to {}): give the collect server's final address",
            status.as_u16(),
            location.unwrap_or_else(|| "?".into())
        ),
        None => format!(
            "the server answered {} {reason}, not as an examready collect server does",
            status.as_u16()
        ),
    };
    if let Some(s) = retry_after.filter(|_| status.as_u16() == 429) {
        message.push_str(&format!(" (try again in {s} s)"));
    }
    Err(failure(code, crate::render::sanitize::plain(&message)))
}

/// At most [`MAX_ANSWER_BYTES`] of the answer's body, as text.
async fn read_limited(mut answer: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = answer.chunk().await {
        let room = MAX_ANSWER_BYTES - bytes.len();
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= MAX_ANSWER_BYTES {
            break;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A request that got no answer, in one sentence.
fn describe(e: &reqwest::Error, url: &Url) -> String {
    let mut inner = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        inner = s.to_string();
        src = s.source();
    }
    let what = if e.is_timeout() {
        "no answer in time"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "the request failed"
    };
    format!("{what} to {} ({inner})", shown(url))
}

/// One line for a report the server took.
pub fn sent_line(report_id: &str, target: &Target, outcome: Outcome) -> String {
    let how = match outcome {
        Outcome::Stored => "stored",
        Outcome::Duplicate => "already there",
    };
    format!(
        "Report {report_id} sent to {} ({how}).",
        shown(&target.base)
    )
}
