//! The accept loop: the connection cap, the timeouts, and who makes room.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, sleep, sleep_until, timeout};

use super::conns::{Conns, Watched};
use super::limits::Limits;

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
