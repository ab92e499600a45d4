//! The submit API (`CONTRACT-15.md`): `POST /api/v1/reports` and `GET /api/v1/health`. Every
//! answer is JSON; every refusal is `{"error": "<one sentence>"}` and stores nothing.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde_json::json;

use super::state::{App, db_failed};
use super::store::Stored;
use super::tokens::{self, Lookup};
use super::validate::{self, Refusal};

/// The largest body accepted (1 MiB).
pub const MAX_BODY: usize = 1_048_576;
/// A body over the limit is still read (and dropped) up to this, so the client sees the 413.
const DRAIN_LIMIT: usize = 8 * MAX_BODY;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/api/v1/reports", post(submit))
        .route("/api/v1/health", get(health))
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    answer(status, json!({ "error": message.into() }))
}

async fn health() -> Response {
    answer(
        StatusCode::OK,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}),
    )
}

/// The bearer token of `Authorization`, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthorized(message: &str) -> Response {
    let mut r = error(StatusCode::UNAUTHORIZED, message);
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// The body, at most [`MAX_BODY`] bytes; `None` when it is larger (read on, up to a point, so
/// the client can read the answer).
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Option<Vec<u8>>, String> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return Ok(None);
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut total = 0usize;
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|e| format!("the request body could not be read: {e}"))?;
        total += piece.len();
        if total > DRAIN_LIMIT {
            break;
        }
        if total <= MAX_BODY {
            buf.extend_from_slice(&piece);
        }
    }
    Ok((total <= MAX_BODY).then_some(buf))
}

async fn submit(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let Some(token) = bearer(&headers) else {
        return unauthorized("no submit token: send it as \"Authorization: Bearer <token>\"");
    };
    let info = match tokens::lookup(&app.db, token).await {
        Ok(Lookup::Valid(info)) => info,
        Ok(Lookup::Unknown) => return unauthorized("the submit token is not known to this server"),
        Ok(Lookup::Revoked) => {
            return error(StatusCode::FORBIDDEN, "the submit token has been revoked");
        }
        Ok(Lookup::Expired) => return error(StatusCode::FORBIDDEN, "the submit token has expired"),
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, db_failed(&e)),
    };
    if let Err(wait) = app.limiter.take(&info.id) {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many reports for this token; retry in {wait} s"),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return r;
    }
    if !is_json(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be sent as Content-Type: application/json",
        );
    }
    let body = match read_body(&headers, body).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than {MAX_BODY} bytes (1 MiB)"),
            );
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let sub = match validate::submission(&body) {
        Ok(s) => s,
        Err(Refusal::Invalid(m)) => return error(StatusCode::BAD_REQUEST, m),
        Err(Refusal::FutureSchema(m)) => return error(StatusCode::UNPROCESSABLE_ENTITY, m),
    };
    let report_id = sub.report_id.clone();
    match app.writer.insert(&info.id, sub).await {
        Ok(Stored::New) => answer(
            StatusCode::CREATED,
            json!({"status": "stored", "report_id": report_id, "dashboard": null}),
        ),
        Ok(Stored::Duplicate) => answer(
            StatusCode::OK,
            json!({"status": "duplicate", "report_id": report_id}),
        ),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, db_failed(&e)),
    }
}
