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

A client that is slow on purpose cannot hold the server ([`Limits`]): a request's headers must
arrive within the header timeout (counted from the connection's start, or from the previous
answer on a kept-alive connection); an upload whose body stops moving for the body timeout gets
408 and is closed; a connection on which no byte moves either way for the idle timeout (a client
that stopped reading its download) is closed. At most `max_connections` are served at once (less
when the open-file limit is lower); at the cap, the connection that has been quiet longest (a
silent or half-sent one, or an idle kept-alive one) is closed to make room, and when every
connection is busy a newcomer waits briefly, then is refused.

It stops on Ctrl-C (or SIGTERM) at once, dropping open transfers.
*/

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, sleep, sleep_until, timeout};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use tokio::net::{TcpListener, UdpSocket};

use crate::wire::{UDP_ECHO_HEADER, UDP_ECHO_MAGIC};

/// The most one `GET /__down` may ask for.
pub const MAX_DOWN_BYTES: u64 = 1 << 30;
/// The most one `POST /__up` may send.
pub const MAX_UP_BYTES: u64 = 1 << 30;
/// The largest datagram echoed.
pub const MAX_DATAGRAM: usize = 1500;

const PIECE: usize = 64 * 1024;

/// How long slow clients may take, and how many connections are served at once (the defaults
/// are `examready serve`'s options: 10 s, 30 s, 10 s, 512).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request's headers must be complete this long after the connection opened or the
    /// previous answer was sent (hyper's `header_read_timeout`).
    pub header_timeout: Duration,
    /// A connection on which no byte moves, either way, for this long is closed.
    pub idle_timeout: Duration,
    /// An upload whose body brings nothing for this long gets 408 and is closed.
    pub body_timeout: Duration,
    /// Connections served at once (lowered to fit the open-file limit).
    pub max_connections: usize,
    /// Offer the UDP echo (`false`: act as a plain speed-test server, so clients fall back to
    /// ICMP or HTTP latency).
    pub udp_echo: bool,
}

/// File descriptors kept free of connections: the runtime, the listeners, stdio.
#[cfg_attr(not(unix), allow(dead_code))]
const FD_RESERVE: u64 = 32;

/// The connection cap that fits the open-file limit: the soft limit is raised toward the hard
/// one when `wanted` needs it, and what is still missing lowers the cap.
// `rlim_t` is u64 on Linux and macOS but not everywhere: the casts stay.
#[allow(clippy::unnecessary_cast)]
pub(crate) fn connection_cap(wanted: usize) -> usize {
    #[cfg(unix)]
    {
        let need = wanted as u64 + FD_RESERVE;
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit read and write one rlimit struct we own.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return wanted;
            }
            if (lim.rlim_cur as u64) < need {
                let raised = libc::rlimit {
                    rlim_cur: (need as libc::rlim_t).min(lim.rlim_max),
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim = raised;
                }
            }
        }
        let fit = (lim.rlim_cur as u64).saturating_sub(FD_RESERVE).max(1);
        wanted.min(usize::try_from(fit).unwrap_or(usize::MAX))
    }
    #[cfg(not(unix))]
    {
        wanted
    }
}

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
            Err(_) => sleep(Duration::from_millis(5)).await,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Connections: the cap, the timeouts, and who makes room
// ---------------------------------------------------------------------------------------------

/// One served connection: when a byte last moved on it, and a way to close it.
struct Conn {
    /// Milliseconds after [`Conns::epoch`].
    last: AtomicU64,
    close: Notify,
}

/// The connections being served.
struct Conns {
    epoch: Instant,
    next: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Conns {
    fn new() -> Conns {
        Conns {
            epoch: Instant::now(),
            next: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn add(&self) -> (u64, Arc<Conn>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            last: AtomicU64::new(self.now_ms()),
            close: Notify::new(),
        });
        self.lock().insert(id, conn.clone());
        (id, conn)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Close the connection that has been quiet longest, if one has been quiet for at least
    /// `min_quiet` (a busy transfer is never taken for an idle one). Whether one was closed.
    fn close_quietest(&self, min_quiet: Duration) -> bool {
        let now = self.now_ms();
        let mut open = self.lock();
        let Some((&id, _)) = open
            .iter()
            .map(|(id, c)| (id, c.last.load(Ordering::Relaxed)))
            .filter(|&(_, last)| now.saturating_sub(last) >= min_quiet.as_millis() as u64)
            .min_by_key(|&(_, last)| last)
        else {
            return false;
        };
        if let Some(c) = open.remove(&id) {
            c.close.notify_one();
        }
        true
    }
}

/// A socket that notes, on its [`Conn`], when a byte last moved either way.
struct Watched {
    io: tokio::net::TcpStream,
    conn: Arc<Conn>,
    conns: Arc<Conns>,
}

impl Watched {
    fn touch(&self) {
        self.conn.last.store(self.conns.now_ms(), Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        r
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Serve one connection until it ends, times out, or is closed to make room.
async fn serve_connection(io: Watched, app: Router, limits: Limits, _slot: OwnedSemaphorePermit) {
    let conn = io.conn.clone();
    let conns = io.conns.clone();
    let http = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(
            hyper_util::rt::TokioIo::new(io),
            hyper_util::service::TowerToHyperService::new(app),
        );
    let idle = async {
        loop {
            let last = conns.epoch + Duration::from_millis(conn.last.load(Ordering::Relaxed));
            if Instant::now() >= last + limits.idle_timeout {
                return;
            }
            sleep_until(last + limits.idle_timeout).await;
        }
    };
    // Returning drops the connection, which closes the socket.
    tokio::select! {
        _ = http => {}
        _ = conn.close.notified() => {}
        _ = idle => {}
    }
}

/// Whether an accept failed for want of file descriptors (or memory for a socket).
fn out_of_descriptors(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(
            e.raw_os_error(),
            Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
        )
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// A connection quiet for less than this is never closed to make room (a kept-alive client
/// between two requests, a transfer between two writes).
const MIN_QUIET: Duration = Duration::from_millis(100);

/// A slot for a new connection: free, made by closing the quietest connection, or none after
/// a short wait (every connection is busy).
async fn slot(slots: &Arc<Semaphore>, conns: &Conns) -> Option<OwnedSemaphorePermit> {
    if let Ok(p) = slots.clone().try_acquire_owned() {
        return Some(p);
    }
    let give_up = Instant::now() + Duration::from_secs(2);
    loop {
        let now = Instant::now();
        if now >= give_up {
            return None;
        }
        // A closed connection gives its slot back at once; otherwise wait a little for one to
        // end or to become quiet enough.
        let wait = if conns.close_quietest(MIN_QUIET) {
            Duration::from_millis(250)
        } else {
            Duration::from_millis(20)
        };
        if let Ok(Ok(p)) = timeout(wait.min(give_up - now), slots.clone().acquire_owned()).await {
            return Some(p);
        }
    }
}

/// Accept and serve connections under `limits`, forever.
pub(crate) async fn accept_loop(tcp: TcpListener, app: Router, limits: Limits) {
    let conns = Arc::new(Conns::new());
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let stream = match tcp.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors: make room; any other failure (a client that reset
                // before it was accepted) only needs a retry.
                if out_of_descriptors(&e) {
                    conns.close_quietest(Duration::ZERO);
                }
                sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let Some(permit) = slot(&slots, &conns).await else {
            // Every connection is busy: refuse (close) this one.
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (id, conn) = conns.add();
        let io = Watched {
            io: stream,
            conn,
            conns: conns.clone(),
        };
        let app = app.clone();
        let conns = conns.clone();
        tokio::spawn(async move {
            serve_connection(io, app, limits, permit).await;
            conns.remove(id);
        });
    }
}

pub(crate) async fn shutdown_signal() {
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
pub fn run(listen: SocketAddr, limits: Limits) -> anyhow::Result<()> {
    let limits = Limits {
        max_connections: connection_cap(limits.max_connections.max(1)),
        ..limits
    };
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
        let echo_text = if limits.udp_echo {
            format!("UDP echo on {local}")
        } else {
            "no UDP echo (--no-udp-echo)".to_string()
        };
        say(&format!(
            "examready serve: listening on http://{local} (TCP) and {echo_text}\n\
             examready serve: clients use {hint}; stop with Ctrl-C\n\
             examready serve: at most {} connections at once; headers within {}, \
             uploads pausing at most {}, connections idle at most {}",
            limits.max_connections,
            secs(limits.header_timeout),
            secs(limits.body_timeout),
            secs(limits.idle_timeout),
        ));
        let echo_port = if limits.udp_echo { local.port() } else { 0 };
        let app = router(echo_port, limits.body_timeout);
        let echo = limits.udp_echo.then(|| tokio::spawn(udp_echo(udp)));
        tokio::select! {
            _ = accept_loop(tcp, app, limits) => {}
            _ = shutdown_signal() => {}
        }
        if let Some(echo) = echo {
            echo.abort();
        }
        say("examready serve: stopped");
        anyhow::Ok(())
    })?;
    rt.shutdown_background();
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}
