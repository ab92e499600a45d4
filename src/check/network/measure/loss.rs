//! Packet loss: a burst of UDP echo packets to the server's echo port.

use super::*;

/// Send `n` numbered datagrams to a UDP echo over `span` and count the answers.
pub async fn udp_loss(target: SocketAddr, n: u32, span: Duration) -> Result<(u32, u32), String> {
    let bind: SocketAddr = if target.is_ipv4() {
        "0.0.0.0:0".parse().expect("literal")
    } else {
        "[::]:0".parse().expect("literal")
    };
    let sock = UdpSocket::bind(bind)
        .await
        .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    sock.connect(target)
        .await
        .map_err(|e| format!("cannot reach {target} over UDP: {e}"))?;
    let token: u32 = (std::process::id() ^ (Instant::now().elapsed().as_nanos() as u32))
        .wrapping_mul(2654435761)
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0));
    let mut seen = vec![false; n as usize];
    let mut got = 0u32;
    let start = Instant::now();
    let interval = span.as_secs_f64() / n as f64;
    let mut sent = 0u32;
    let mut max_rtt = Duration::ZERO;
    let mut send_times = vec![start; n as usize];
    let mut buf = [0u8; 2048];
    let mut refused = 0u32;
    let mut grace_until: Option<Instant> = None;
    loop {
        let now = Instant::now();
        // Send every packet now due.
        while sent < n && start + Duration::from_secs_f64(interval * sent as f64) <= now {
            let mut pkt = [0u8; 64];
            pkt[..4].copy_from_slice(UDP_ECHO_MAGIC);
            pkt[4..8].copy_from_slice(&token.to_be_bytes());
            pkt[8..12].copy_from_slice(&sent.to_be_bytes());
            send_times[sent as usize] = Instant::now();
            match sock.send(&pkt).await {
                Ok(_) => {}
                Err(e) if port_unreachable(&e) => refused += 1,
                Err(e) => return Err(format!("sending to {target} failed: {e}")),
            }
            sent += 1;
        }
        if sent == n && grace_until.is_none() {
            grace_until = Some(
                Instant::now()
                    + (max_rtt * 3).clamp(Duration::from_millis(300), Duration::from_secs(1)),
            );
        }
        if got == n {
            break;
        }
        let wake = match grace_until {
            Some(g) => g,
            None => start + Duration::from_secs_f64(interval * sent as f64),
        };
        if grace_until.is_some_and(|g| Instant::now() >= g) {
            break;
        }
        match timeout_at(wake, sock.recv(&mut buf)).await {
            Err(_) => {}
            Ok(Err(e)) if port_unreachable(&e) => refused += 1,
            Ok(Err(e)) => return Err(format!("receiving from {target} failed: {e}")),
            Ok(Ok(len)) => {
                if len >= 12 && &buf[..4] == UDP_ECHO_MAGIC && buf[4..8] == token.to_be_bytes() {
                    let seq = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]) as usize;
                    if seq < seen.len() && !seen[seq] {
                        seen[seq] = true;
                        got += 1;
                        max_rtt = max_rtt.max(send_times[seq].elapsed());
                    }
                }
            }
        }
    }
    if got == 0 && refused > 0 {
        return Err(format!(
            "nothing listens on UDP {target} (port unreachable)"
        ));
    }
    if got == 0 {
        return Err(format!(
            "no echo came back from UDP {target}: a firewall may block UDP (loss is not assumed to be 100 %)"
        ));
    }
    Ok((sent, got))
}

/// An ICMP "port unreachable" on a connected UDP socket: ECONNREFUSED on Unix, WSAECONNRESET
/// on Windows.
pub(super) fn port_unreachable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset
    )
}
