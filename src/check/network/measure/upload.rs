//! The upload stream: examready's own HTTP/1.1 writer, so goodput counts what the peer acknowledged
//! (not what the kernel buffered).

use super::*;

pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub(super) struct Conn {
    pub(super) io: Box<dyn Io>,
    /// Asks the socket how much of what we wrote has reached the peer.
    pub(super) acks: Acks,
}

/// The upload socket, to ask the kernel how much of what we wrote has reached the peer.
#[derive(Clone, Copy)]
pub(super) struct Acks {
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    fd: std::os::fd::RawFd,
}

/// The head of Linux's `struct tcp_info` (include/uapi/linux/tcp.h) up to `tcpi_bytes_acked`
/// (kernel 4.1). glibc's copy, the one the libc crate mirrors, ends before it. The kernel only
/// appends fields and says how many bytes it filled, so an older kernel is told apart by length.
#[cfg(target_os = "linux")]
#[repr(C)]
#[derive(Default)]
struct TcpInfo {
    state: [u8; 8],
    rto: u32,
    ato: u32,
    snd_mss: u32,
    rcv_mss: u32,
    unacked: u32,
    sacked: u32,
    lost: u32,
    retrans: u32,
    fackets: u32,
    times: [u32; 4],
    pmtu: u32,
    rcv_ssthresh: u32,
    rtt: u32,
    rttvar: u32,
    snd_ssthresh: u32,
    snd_cwnd: u32,
    advmss: u32,
    reordering: u32,
    rcv_rtt: u32,
    rcv_space: u32,
    total_retrans: u32,
    pacing_rate: u64,
    max_pacing_rate: u64,
    bytes_acked: u64,
}

/// Bytes the peer holds: acknowledged in order, plus segments it acknowledged selectively (SACK)
/// past a loss. Behind a deep queue a loss holds the cumulative acknowledgement for a round trip
/// or more while the data keeps arriving; counting only the former reads the link in bursts.
#[cfg(target_os = "linux")]
/// `bytes_acked` counts the SYN's one sequence number too: it is not data.
pub fn delivered_bytes(bytes_acked: u64, sacked_segments: u32, mss: u32) -> u64 {
    bytes_acked.saturating_sub(1) + u64::from(sacked_segments) * u64::from(mss)
}

impl Acks {
    /// Of `written` bytes written to the socket so far, how many the peer has received.
    pub(super) fn delivered(self, written: u64) -> u64 {
        #[cfg(target_os = "linux")]
        if let Some(d) = self.tcp_info_delivered() {
            return d;
        }
        written.saturating_sub(self.unacked())
    }

    #[cfg(target_os = "linux")]
    fn tcp_info_delivered(self) -> Option<u64> {
        let mut info = TcpInfo::default();
        let mut len = std::mem::size_of::<TcpInfo>() as libc::socklen_t;
        // SAFETY: TCP_INFO writes at most `len` bytes into `info`, a plain C struct we own.
        let r = unsafe {
            libc::getsockopt(
                self.fd,
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut TcpInfo).cast(),
                &mut len,
            )
        };
        (r == 0 && len as usize >= std::mem::size_of::<TcpInfo>())
            .then(|| delivered_bytes(info.bytes_acked, info.sacked, info.snd_mss))
    }

    /// Bytes written to the socket that the peer has not acknowledged yet.
    fn unacked(self) -> u64 {
        #[cfg(target_os = "linux")]
        {
            let mut n: libc::c_int = 0;
            // SAFETY: TIOCOUTQ (SIOCOUTQ) writes one int for a TCP socket we own.
            let r = unsafe { libc::ioctl(self.fd, libc::TIOCOUTQ, &mut n) };
            if r == 0 { n.max(0) as u64 } else { 0 }
        }
        #[cfg(target_os = "macos")]
        {
            let mut n: libc::c_int = 0;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: SO_NWRITE reads one int for a socket we own.
            let r = unsafe {
                libc::getsockopt(
                    self.fd,
                    libc::SOL_SOCKET,
                    libc::SO_NWRITE,
                    (&mut n as *mut libc::c_int).cast(),
                    &mut len,
                )
            };
            if r == 0 { n.max(0) as u64 } else { 0 }
        }
        #[cfg(not(any(target_os = "linux", target_os = "macos")))]
        {
            0
        }
    }
}

impl Conn {
    pub(super) async fn open(
        server: &Url,
        addrs: &[SocketAddr],
        tls: &Result<Arc<rustls::ClientConfig>, String>,
    ) -> Result<Conn, String> {
        let (tcp, _, _) = connect_any(addrs).await.map_err(|(_, e, _)| e)?;
        let acks = Acks {
            #[cfg(any(target_os = "linux", target_os = "macos"))]
            fd: std::os::fd::AsRawFd::as_raw_fd(&tcp),
        };
        let io: Box<dyn Io> = if server.scheme() == "https" {
            let cfg = tls.clone()?;
            let host = server.host_str().unwrap_or_default().to_string();
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|e| format!("{host:?} is not a valid TLS server name: {e}"))?;
            match timeout(
                STEP,
                tokio_rustls::TlsConnector::from(cfg).connect(name, tcp),
            )
            .await
            {
                Ok(Ok(s)) => Box::new(s),
                Ok(Err(e)) => return Err(format!("TLS handshake failed: {e}")),
                Err(_) => return Err("TLS handshake got no answer".into()),
            }
        } else {
            Box::new(tcp)
        };
        Ok(Conn { io, acks })
    }

    pub(super) async fn send_head(
        &mut self,
        server: &Url,
        url: &Url,
        len: u64,
    ) -> Result<(), String> {
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}{}\r\nUser-Agent: examready/{}\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\n\r\n",
            server.host_str().unwrap_or_default(),
            server.port().map(|p| format!(":{p}")).unwrap_or_default(),
            env!("CARGO_PKG_VERSION")
        );
        self.write(head.as_bytes()).await
    }

    pub(super) async fn write(&mut self, b: &[u8]) -> Result<(), String> {
        match timeout(STREAM_STALL, self.io.write_all(b)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(io_describe(&e)),
            Err(_) => Err(format!(
                "stalled: the server took nothing for {} s",
                STREAM_STALL.as_secs_f64()
            )),
        }
    }

    /// Read one HTTP response; Ok(keep_alive) for a 2xx.
    pub(super) async fn read_response(&mut self) -> Result<bool, String> {
        let mut buf = Vec::with_capacity(1024);
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if buf.len() > 16 * 1024 {
                return Err("the server's answer has oversized headers".into());
            }
            let mut chunk = [0u8; 2048];
            match timeout(STEP, self.io.read(&mut chunk)).await {
                Err(_) => {
                    return Err(format!(
                        "no answer within {} s after the upload",
                        STEP.as_secs()
                    ));
                }
                Ok(Err(e)) => return Err(io_describe(&e)),
                Ok(Ok(0)) => {
                    return Err("the server closed the connection without an answer".into());
                }
                Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let status_line = head.lines().next().unwrap_or_default().to_string();
        let code: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("the server's answer is not HTTP: {status_line:?}"))?;
        let header = |name: &str| {
            head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_ascii_lowercase())
            })
        };
        if !(200..300).contains(&code) {
            return Err(format!(
                "the server answered {}",
                status_line.trim_start_matches("HTTP/1.1 ").trim()
            )
            .replace("answered ", "answered HTTP "));
        }
        let mut body = buf[head_end..].to_vec();
        if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
            while body.len() < len.min(1 << 20) {
                let mut chunk = [0u8; 4096];
                match timeout(STEP, self.io.read(&mut chunk)).await {
                    Ok(Ok(n)) if n > 0 => body.extend_from_slice(&chunk[..n]),
                    _ => return Ok(false),
                }
            }
        } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            while !body.ends_with(b"0\r\n\r\n") && body.len() < 1 << 20 {
                let mut chunk = [0u8; 4096];
                match timeout(STEP, self.io.read(&mut chunk)).await {
                    Ok(Ok(n)) if n > 0 => body.extend_from_slice(&chunk[..n]),
                    _ => return Ok(false),
                }
            }
        } else {
            return Ok(false);
        }
        Ok(header("connection").is_none_or(|v| !v.contains("close")))
    }
}

pub(super) fn io_describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionReset => format!("connection reset by the server: {e}"),
        std::io::ErrorKind::BrokenPipe => {
            format!("the server closed the connection mid-transfer: {e}")
        }
        std::io::ErrorKind::ConnectionAborted => format!("connection aborted: {e}"),
        _ => e.to_string(),
    }
}

/// One upload stream: POSTs of [`UP_REQUEST_BYTES`] back to back on one connection, adding
/// acknowledged bytes to `counter`. With `pace` (Mbps) it writes no faster than that rate.
pub(super) async fn upload_stream(
    server: &Url,
    url: &Url,
    addrs: &[SocketAddr],
    tls: &Result<Arc<rustls::ClientConfig>, String>,
    counter: &AtomicU64,
    pace: Option<f64>,
) -> Result<(), String> {
    let zeros = vec![0u8; WRITE_PIECE];
    let mut conn = Conn::open(server, addrs, tls).await?;
    let start = Instant::now();
    let mut written: u64 = 0;
    let mut reported: u64 = 0;
    let report = |acks: Acks, written: u64, reported: &mut u64| {
        let delivered = acks.delivered(written);
        if delivered > *reported {
            counter.fetch_add(delivered - *reported, Ordering::Relaxed);
            *reported = delivered;
        }
    };
    let mut tick = tokio::time::interval(REPORT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        conn.send_head(server, url, UP_REQUEST_BYTES).await?;
        let mut left = UP_REQUEST_BYTES;
        while left > 0 {
            if let Some(mbps) = pace {
                let allowed = (start.elapsed().as_secs_f64() * mbps * 1e6 / 8.0) as u64;
                if written >= allowed {
                    sleep(Duration::from_millis(20)).await;
                    report(conn.acks, written, &mut reported);
                    continue;
                }
            }
            let n = (left as usize).min(WRITE_PIECE);
            // A full send buffer holds the write for as long as the peer acknowledges nothing in
            // order (a loss being repaired); what reaches it meanwhile is still counted.
            {
                let acks = conn.acks;
                let write = conn.write(&zeros[..n]);
                tokio::pin!(write);
                loop {
                    tokio::select! {
                        r = &mut write => break r?,
                        _ = tick.tick() => report(acks, written, &mut reported),
                    }
                }
            }
            written += n as u64;
            left -= n as u64;
            report(conn.acks, written, &mut reported);
        }
        let keep = conn.read_response().await?;
        report(conn.acks, written, &mut reported);
        if !keep {
            conn = Conn::open(server, addrs, tls).await?;
            written = 0;
            reported = 0;
        }
    }
}

/// How often a blocked upload write still reads how much has reached the peer: twice per
/// [`sample_counter`] tick.
const REPORT_EVERY: Duration = Duration::from_millis(50);

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn selectively_acknowledged_segments_count_as_delivered() {
        assert_eq!(delivered_bytes(10_001, 0, 1448), 10_000);
        assert_eq!(delivered_bytes(10_001, 3, 1448), 10_000 + 3 * 1448);
        assert_eq!(delivered_bytes(0, 0, 1448), 0);
    }

    /// On a real socket, TCP_INFO answers (this kernel has `tcpi_bytes_acked`) and reads every
    /// byte the peer took, once the peer has read them all.
    #[test]
    fn tcp_info_counts_what_the_peer_received() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let reader = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).unwrap();
            buf.len()
        });
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        let acks = Acks {
            fd: std::os::fd::AsRawFd::as_raw_fd(&tcp),
        };
        assert_eq!(acks.tcp_info_delivered(), Some(0));
        let data = vec![7u8; 300_000];
        tcp.write_all(&data).unwrap();
        tcp.shutdown(std::net::Shutdown::Write).unwrap();
        assert_eq!(reader.join().unwrap(), data.len());
        let deadline = Instant::now() + Duration::from_secs(5);
        while acks.delivered(data.len() as u64) < data.len() as u64 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        // The FIN counts as one acknowledged byte in tcpi_bytes_acked.
        let d = acks.delivered(data.len() as u64);
        assert!(
            d == data.len() as u64 || d == data.len() as u64 + 1,
            "delivered {d} of {}",
            data.len()
        );
    }
}
