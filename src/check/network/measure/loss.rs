//! The UDP echo run: numbered datagrams to the measurement server's echo port, each answer timed
//! (loss and latency from one run; see [`super::super::echo`]).

use super::super::echo::{EchoPlan, EchoRun, Pacer, Step, answer_seq, payload, token};
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
    let mut pacer = Pacer::new(plan);
    let mut buf = [0u8; 2048];
    let mut refused = 0u32;
    loop {
        match pacer.next() {
            Step::Done => break,
            Step::Send(seq) => {
                let mut pkt = [0u8; 64];
                pkt[..12].copy_from_slice(&payload(UDP_ECHO_MAGIC, token, seq));
                match sock.send(&pkt).await {
                    Ok(_) => {}
                    Err(e) if port_unreachable(&e) => refused += 1,
                    Err(e) => return Err(format!("sending to {target} failed: {e}")),
                }
            }
            Step::Wait(wake) => match timeout_at(wake.into(), sock.recv(&mut buf)).await {
                Err(_) => {}
                Ok(Err(e)) if port_unreachable(&e) => refused += 1,
                Ok(Err(e)) => return Err(format!("receiving from {target} failed: {e}")),
                Ok(Ok(len)) => {
                    if let Some(seq) = answer_seq(&buf[..len], UDP_ECHO_MAGIC, token) {
                        pacer.answered(seq);
                    }
                }
            },
        }
    }
    let got = pacer.answers();
    let run = pacer.finish();
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
