//! Reachability of the profile's endpoints: DNS, TCP connect and TLS handshake, each timed; the
//! TLS chain checked for interception ([`chain`]) and, where the profile names a path, a
//! WebSocket upgrade ([`websocket`]).

mod chain;
mod websocket;

use super::*;
use chain::Verifiers;
use websocket::upgrade;

pub(super) async fn reach_all(
    eps: &[EndpointSpec],
    tls: Result<Arc<rustls::ClientConfig>, String>,
) -> Vec<EndpointFacts> {
    // Built once: the platform verifier reads the OS store when made.
    let tls = tls.and_then(|base| {
        let v = Verifiers::new(base.crypto_provider().clone())?;
        Ok((base, v))
    });
    join_all(eps.iter().map(|e| reach(e, &tls))).await
}

pub(super) fn connect_status(e: &std::io::Error) -> EndpointStatus {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => EndpointStatus::Refused,
        std::io::ErrorKind::TimedOut => EndpointStatus::TimedOut,
        _ => EndpointStatus::Unreachable,
    }
}

pub(super) async fn lookup(host: &str, port: u16) -> Result<(Vec<SocketAddr>, f64), String> {
    let t = Instant::now();
    match timeout(STEP, tokio::net::lookup_host((host, port))).await {
        Err(_) => Err(format!(
            "DNS lookup of {host} got no answer within {} s",
            STEP.as_secs()
        )),
        Ok(Err(e)) => Err(format!("DNS lookup of {host} failed: {e}")),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(format!("DNS lookup of {host} returned no address"))
            } else {
                Ok((addrs, ms(t.elapsed())))
            }
        }
    }
}

/// Connect to the first address that answers within [`STEP`] overall.
pub(super) async fn connect_any(
    addrs: &[SocketAddr],
) -> Result<(TcpStream, SocketAddr, f64), (EndpointStatus, String, SocketAddr)> {
    let until = Instant::now() + STEP;
    let mut last = (EndpointStatus::TimedOut, String::new(), addrs[0]);
    for &addr in addrs {
        let t = Instant::now();
        match timeout_at(until, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok((s, addr, ms(t.elapsed())));
            }
            Ok(Err(e)) => {
                last = (
                    connect_status(&e),
                    format!("TCP connect to {addr} failed: {e}"),
                    addr,
                )
            }
            Err(_) => {
                last = (
                    EndpointStatus::TimedOut,
                    format!(
                        "TCP connect to {addr} got no answer within {} s",
                        STEP.as_secs()
                    ),
                    addr,
                );
                break;
            }
        }
    }
    Err(last)
}

async fn reach(
    ep: &EndpointSpec,
    tls: &Result<(Arc<rustls::ClientConfig>, Verifiers), String>,
) -> EndpointFacts {
    let mut f = EndpointFacts {
        host: ep.host.clone(),
        port: ep.port,
        tls: ep.uses_tls(),
        required: ep.required.unwrap_or(true),
        status: EndpointStatus::Ok,
        dns_ms: None,
        connect_ms: None,
        tls_ms: None,
        address: None,
        error: None,
        tls_chain: None,
        websocket: None,
    };
    let addrs = match lookup(&ep.host, ep.port).await {
        Ok((a, t)) => {
            f.dns_ms = Some(round2(t));
            a
        }
        Err(e) => {
            f.status = EndpointStatus::DnsFailed;
            f.error = Some(e);
            return f;
        }
    };
    let (mut tcp, addr, t) = match connect_any(&addrs).await {
        Ok(x) => x,
        Err((status, e, addr)) => {
            f.status = status;
            f.address = Some(addr.to_string());
            f.error = Some(e);
            return f;
        }
    };
    f.address = Some(addr.to_string());
    f.connect_ms = Some(round2(t));
    let host_header = host_header(&ep.host, ep.port, f.tls);
    if f.tls {
        secure(ep, tcp, tls, &host_header, &mut f).await;
    } else if let Some(path) = &ep.websocket {
        let n = nonce(tls.as_ref().ok().map(|(c, _)| c.as_ref()));
        f.websocket = Some(upgrade(&mut tcp, &host_header, &path.0, n).await);
    }
    f
}

/// The Host header: the port only where it is not the scheme's default.
fn host_header(host: &str, port: u16, tls: bool) -> String {
    if port == if tls { 443 } else { 80 } {
        host.to_string()
    } else if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The TLS handshake (its chain recorded), then the WebSocket upgrade the profile names.
async fn secure(
    ep: &EndpointSpec,
    tcp: TcpStream,
    tls: &Result<(Arc<rustls::ClientConfig>, Verifiers), String>,
    host_header: &str,
    f: &mut EndpointFacts,
) {
    let (base, verifiers) = match tls {
        Ok(c) => c,
        Err(e) => {
            f.status = EndpointStatus::TlsFailed;
            f.error = Some(e.clone());
            return;
        }
    };
    let name = match rustls::pki_types::ServerName::try_from(ep.host.clone()) {
        Ok(n) => n,
        Err(e) => {
            f.status = EndpointStatus::TlsFailed;
            f.error = Some(format!("{:?} is not a valid TLS server name: {e}", ep.host));
            return;
        }
    };
    let (cfg, recorder) = verifiers.config(base);
    let t = Instant::now();
    let result = timeout(
        STEP,
        tokio_rustls::TlsConnector::from(cfg.clone()).connect(name, tcp),
    )
    .await;
    f.tls_chain = recorder.seen();
    match result {
        Ok(Ok(mut stream)) => {
            f.tls_ms = Some(round2(ms(t.elapsed())));
            if let Some(path) = &ep.websocket {
                let n = nonce(Some(&cfg));
                f.websocket = Some(upgrade(&mut stream, host_header, &path.0, n).await);
            }
        }
        Ok(Err(e)) => {
            f.status = EndpointStatus::TlsFailed;
            f.error = Some(format!(
                "TLS handshake with {}:{} failed: {e}",
                ep.host, ep.port
            ));
        }
        Err(_) => {
            f.status = EndpointStatus::TlsFailed;
            f.error = Some(format!(
                "TLS handshake with {}:{} got no answer within {} s (not a TLS service, or something in the path intercepts it)",
                ep.host,
                ep.port,
                STEP.as_secs()
            ));
        }
    }
}

/// The 16 bytes of a `Sec-WebSocket-Key`: from the TLS provider's random source where there is
/// one, else from the clock and the process (the key only proves the answer is fresh).
fn nonce(cfg: Option<&rustls::ClientConfig>) -> [u8; 16] {
    let mut n = [0u8; 16];
    if let Some(cfg) = cfg
        && cfg.crypto_provider().secure_random.fill(&mut n).is_ok()
    {
        return n;
    }
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    n[..12].copy_from_slice(&t.to_le_bytes()[..12]);
    n[12..].copy_from_slice(&std::process::id().to_le_bytes());
    n
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_header_names_the_port_only_when_it_is_not_the_default() {
        use super::host_header;
        assert_eq!(host_header("a.example", 443, true), "a.example");
        assert_eq!(host_header("a.example", 80, false), "a.example");
        assert_eq!(host_header("a.example", 1935, false), "a.example:1935");
        assert_eq!(host_header("a.example", 80, true), "a.example:80");
        assert_eq!(host_header("::1", 8443, true), "[::1]:8443");
    }
}
