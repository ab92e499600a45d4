/*!
`examready serve`: a measurement server an institution can host, and the tests' real peer.

HTTP/1.1 on TCP `ADDR`:
- `GET /__down?bytes=N`: N bytes (at most [`MAX_DOWN_BYTES`]); `bytes=0` is the latency probe.
- `POST /__up`: reads and discards the body (at most [`MAX_UP_BYTES`], else 413), answers 200.
- `GET /`: one line naming the server.

Every answer carries `server-timing: dur=<ms>` and `x-examready-udp-echo: <port>`.

UDP echo on the SAME port number as the HTTP server (UDP): a datagram that starts with the
magic `ERdy` and is at most [`MAX_DATAGRAM`] bytes is sent back unchanged, anything else is
ignored, so the echo can never amplify traffic. Clients learn the port from the header.

It stops on Ctrl-C (or SIGTERM) at once, dropping open transfers.
*/

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use tokio::net::{TcpListener, UdpSocket};

use super::{UDP_ECHO_HEADER, UDP_ECHO_MAGIC};

/// The most one `GET /__down` may ask for.
pub const MAX_DOWN_BYTES: u64 = 1 << 30;
/// The most one `POST /__up` may send.
pub const MAX_UP_BYTES: u64 = 1 << 30;
/// The largest datagram echoed.
pub const MAX_DATAGRAM: usize = 1500;

const PIECE: usize = 64 * 1024;

/// Bind TCP and the UDP echo on the same port (retrying for an ephemeral port).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<(TcpListener, UdpSocket)> {
    let mut last = None;
    for _ in 0..20 {
        let tcp = TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on TCP {addr}: {e}"))?;
        let local = tcp.local_addr()?;
        match UdpSocket::bind(local).await {
            Ok(udp) => return Ok((tcp, udp)),
            Err(e) => {
                last = Some(e);
                if addr.port() != 0 {
                    break;
                }
            }
        }
    }
    Err(anyhow::anyhow!(
        "cannot open the UDP echo on {addr}: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
}

fn stamp(mut resp: Response, started: Instant, udp_port: u16) -> Response {
    let h = resp.headers_mut();
    let dur = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("dur={dur:.3}")) {
        h.insert("server-timing", v);
    }
    h.insert(UDP_ECHO_HEADER, HeaderValue::from(udp_port));
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

async fn up(udp_port: u16, req: Request) -> Response {
    let started = Instant::now();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_UP_BYTES) {
        return stamp(
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("at most {MAX_UP_BYTES} bytes"),
            )
                .into_response(),
            started,
            udp_port,
        );
    }
    let mut body = req.into_body().into_data_stream();
    let mut total: u64 = 0;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(c) => {
                total += c.len() as u64;
                if total > MAX_UP_BYTES {
                    return stamp(
                        (
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!("at most {MAX_UP_BYTES} bytes"),
                        )
                            .into_response(),
                        started,
                        udp_port,
                    );
                }
            }
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
    }
    stamp(
        (StatusCode::OK, format!("{total}\n")).into_response(),
        started,
        udp_port,
    )
}

/// The HTTP side, for a given UDP echo port.
pub fn router(udp_port: u16) -> Router {
    Router::new()
        .route("/__down", get(move |req: Request| down(udp_port, req)))
        .route("/__up", post(move |req: Request| up(udp_port, req)))
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

/// Echo datagrams that carry the magic, unchanged, until the task is dropped.
pub async fn udp_echo(sock: UdpSocket) {
    let mut buf = vec![0u8; 65536];
    loop {
        match sock.recv_from(&mut buf).await {
            Ok((n, peer)) => {
                if (4..=MAX_DATAGRAM).contains(&n) && &buf[..4] == UDP_ECHO_MAGIC {
                    let _ = sock.send_to(&buf[..n], peer).await;
                }
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A line on stderr; a closed stderr is no reason to stop serving.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Run the server until Ctrl-C / SIGTERM. Prints the listening addresses on stderr.
pub fn run(listen: SocketAddr) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let (tcp, udp) = bind(listen).await?;
        let local = tcp.local_addr()?;
        let hint = if local.ip().is_unspecified() {
            format!(
                "every address of this machine, e.g. --server http://HOST:{}",
                local.port()
            )
        } else {
            format!("--server http://{local}")
        };
        say(&format!(
            "examready serve: listening on http://{local} (TCP) and UDP echo on {local}\n\
             examready serve: clients use {hint}; stop with Ctrl-C"
        ));
        let app = router(local.port());
        let echo = tokio::spawn(udp_echo(udp));
        let server = axum::serve(tcp, app);
        let res = tokio::select! {
            r = server => r.map_err(|e| anyhow::anyhow!("the server failed: {e}")),
            _ = shutdown_signal() => Ok(()),
        };
        echo.abort();
        say("examready serve: stopped");
        res
    })?;
    rt.shutdown_background();
    Ok(())
}
