//! The HTTP side of `examready serve`: `GET /__down`, `POST /__up` and `GET /`.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use tokio::time::{Instant, timeout};

use crate::wire::UDP_ECHO_HEADER;

/// The most one `GET /__down` may ask for.
pub const MAX_DOWN_BYTES: u64 = 1 << 30;
/// The most one `POST /__up` may send.
pub const MAX_UP_BYTES: u64 = 1 << 30;

const PIECE: usize = 64 * 1024;

fn stamp(mut resp: Response, started: Instant, udp_port: u16) -> Response {
    let h = resp.headers_mut();
    let dur = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("dur={dur:.3}")) {
        h.insert("server-timing", v);
    }
    // Port 0: no echo offered (`--no-udp-echo`), like a plain speed-test server.
    if udp_port != 0 {
        h.insert(UDP_ECHO_HEADER, HeaderValue::from(udp_port));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn query_bytes(req: &Request) -> Result<u64, String> {
    let q = req.uri().query().unwrap_or("");
    let v = q
        .split('&')
        .find_map(|kv| kv.strip_prefix("bytes="))
        .ok_or("missing ?bytes=N")?;
    let n: u64 = v
        .parse()
        .map_err(|_| format!("bytes={v:?} is not a number"))?;
    if n > MAX_DOWN_BYTES {
        return Err(format!(
            "bytes={n} is more than the limit of {MAX_DOWN_BYTES}"
        ));
    }
    Ok(n)
}

async fn down(udp_port: u16, req: Request) -> Response {
    let started = Instant::now();
    let n = match query_bytes(&req) {
        Ok(n) => n,
        Err(e) => {
            return stamp(
                (StatusCode::BAD_REQUEST, e).into_response(),
                started,
                udp_port,
            );
        }
    };
    let piece = bytes::Bytes::from(vec![0u8; PIECE]);
    let stream = futures_util::stream::unfold(n, move |left| {
        let piece = piece.clone();
        async move {
            if left == 0 {
                return None;
            }
            let k = left.min(PIECE as u64);
            Some((Ok::<_, std::io::Error>(piece.slice(..k as usize)), left - k))
        }
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    stamp(resp, started, udp_port)
}

async fn up(udp_port: u16, body_timeout: Duration, req: Request) -> Response {
    let started = Instant::now();
    let too_large = || {
        stamp(
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("at most {MAX_UP_BYTES} bytes"),
            )
                .into_response(),
            started,
            udp_port,
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_UP_BYTES) {
        return too_large();
    }
    let mut body = req.into_body().into_data_stream();
    let mut total: u64 = 0;
    loop {
        match timeout(body_timeout, body.next()).await {
            Err(_) => {
                // A client that stalls mid-body is dropped: the answer closes the connection.
                let mut resp = stamp(
                    (
                        StatusCode::REQUEST_TIMEOUT,
                        format!(
                            "the body stopped: nothing for {} s\n",
                            body_timeout.as_secs_f64()
                        ),
                    )
                        .into_response(),
                    started,
                    udp_port,
                );
                resp.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                return resp;
            }
            Ok(None) => break,
            Ok(Some(Ok(c))) => {
                total += c.len() as u64;
                if total > MAX_UP_BYTES {
                    return too_large();
                }
            }
            Ok(Some(Err(_))) => return StatusCode::BAD_REQUEST.into_response(),
        }
    }
    stamp(
        (StatusCode::OK, format!("{total}\n")).into_response(),
        started,
        udp_port,
    )
}

/// The HTTP side, for a given UDP echo port; an upload's body may pause `body_timeout` at most.
pub fn router(udp_port: u16, body_timeout: Duration) -> Router {
    Router::new()
        .route("/__down", get(move |req: Request| down(udp_port, req)))
        .route(
            "/__up",
            post(move |req: Request| up(udp_port, body_timeout, req)),
        )
        .route(
            "/",
            get(move || async move {
                stamp(
                    format!(
                        "examready {} measurement server: GET /__down?bytes=N, POST /__up, UDP echo on port {udp_port}\n",
                        env!("CARGO_PKG_VERSION")
                    )
                    .into_response(),
                    Instant::now(),
                    udp_port,
                )
            }),
        )
}
