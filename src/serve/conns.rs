//! The connections being served: when a byte last moved on each, and closing the quietest.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// One served connection: when a byte last moved on it, and a way to close it.
pub(super) struct Conn {
    /// Milliseconds after [`Conns::epoch`].
    pub(super) last: AtomicU64,
    pub(super) close: Notify,
}

/// The connections being served.
pub(super) struct Conns {
    pub(super) epoch: Instant,
    next: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Conns {
    pub(super) fn new() -> Conns {
        Conns {
            epoch: Instant::now(),
            next: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    pub(super) fn add(&self) -> (u64, Arc<Conn>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            last: AtomicU64::new(self.now_ms()),
            close: Notify::new(),
        });
        self.lock().insert(id, conn.clone());
        (id, conn)
    }

    pub(super) fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Close the connection that has been quiet longest, if one has been quiet for at least
    /// `min_quiet` (a busy transfer is never taken for an idle one). Whether one was closed.
    pub(super) fn close_quietest(&self, min_quiet: Duration) -> bool {
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
pub(super) struct Watched {
    pub(super) io: tokio::net::TcpStream,
    pub(super) conn: Arc<Conn>,
    pub(super) conns: Arc<Conns>,
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
