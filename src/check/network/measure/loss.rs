//! The UDP echo run: numbered datagrams to the measurement server's echo port, each answer timed
//! (loss and latency from one run; see [`super::super::echo`]).

use super::super::echo::{EchoPlan, EchoRun, grace, token};
use super::*;

/// Send the plan's datagrams to a UDP echo and time the answers. A run with no answer at all is an
/// error (a firewall, or nothing listening), never "100 % loss".
pub async fn udp_echo(target: SocketAddr, plan: &EchoPlan) -> Result<EchoRun, String> {
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
    let token = token();
    let mut run = EchoRun::default();
    let mut send_times: Vec<Instant> = Vec::new();
    let start = Instant::now();
    let due = |k: u32| start + plan.interval * k;
    let mut max_rtt = Duration::ZERO;
    let mut buf = [0u8; 2048];
    let mut refused = 0u32;
    let mut got = 0u32;
    let mut grace_until: Option<Instant> = None;
    loop {
        if plan.stopped() {
            break;
        }
        // Send every packet now due.
        let sent = run.sent();
        if sent < plan.count && due(sent) <= Instant::now() {
            let mut pkt = [0u8; 64];
            pkt[..4].copy_from_slice(UDP_ECHO_MAGIC);
            pkt[4..8].copy_from_slice(&token.to_be_bytes());
            pkt[8..12].copy_from_slice(&sent.to_be_bytes());
            send_times.push(Instant::now());
            run.rtt_ms.push(None);
            match sock.send(&pkt).await {
                Ok(_) => {}
                Err(e) if port_unreachable(&e) => refused += 1,
                Err(e) => return Err(format!("sending to {target} failed: {e}")),
            }
            continue;
        }
        if run.sent() == plan.count && grace_until.is_none() {
            grace_until = Some(Instant::now() + grace(max_rtt));
        }
        if got == plan.count || grace_until.is_some_and(|g| Instant::now() >= g) {
            break;
        }
        // Wake for the next packet, the end of the grace, or at least every 50 ms to see a stop.
        let wake = grace_until
            .unwrap_or(due(run.sent()))
            .min(Instant::now() + Duration::from_millis(50));
        match timeout_at(wake, sock.recv(&mut buf)).await {
            Err(_) => {}
            Ok(Err(e)) if port_unreachable(&e) => refused += 1,
            Ok(Err(e)) => return Err(format!("receiving from {target} failed: {e}")),
            Ok(Ok(len)) => {
                if len >= 12 && &buf[..4] == UDP_ECHO_MAGIC && buf[4..8] == token.to_be_bytes() {
                    let seq = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]) as usize;
                    if let Some(slot @ None) = run.rtt_ms.get_mut(seq) {
                        let rtt = send_times[seq].elapsed();
                        max_rtt = max_rtt.max(rtt);
                        *slot = Some(ms(rtt));
                        plan.report(ms(rtt));
                        got += 1;
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
    if got == 0 && !run.rtt_ms.is_empty() {
        return Err(format!(
            "no echo came back from UDP {target}: a firewall may block UDP (loss is not assumed to be 100 %)"
        ));
    }
    Ok(run)
}

/// An ICMP "port unreachable" on a connected UDP socket: ECONNREFUSED on Unix, WSAECONNRESET
/// on Windows.
pub(super) fn port_unreachable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset
    )
}
