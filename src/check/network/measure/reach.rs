//! Reachability of the profile's endpoints: DNS, TCP connect and TLS handshake, each timed.

use super::*;

pub(super) async fn reach_all(
    eps: &[EndpointSpec],
    tls: Result<Arc<rustls::ClientConfig>, String>,
) -> Vec<EndpointFacts> {
    join_all(eps.iter().map(|e| reach(e, tls.clone()))).await
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

pub(super) async fn reach(
    ep: &EndpointSpec,
    tls: Result<Arc<rustls::ClientConfig>, String>,
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
    let (tcp, addr, t) = match connect_any(&addrs).await {
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
    if f.tls {
        let cfg = match tls {
            Ok(c) => c,
            Err(e) => {
                f.status = EndpointStatus::TlsFailed;
                f.error = Some(e);
                return f;
            }
        };
        let name = match rustls::pki_types::ServerName::try_from(ep.host.clone()) {
            Ok(n) => n,
            Err(e) => {
                f.status = EndpointStatus::TlsFailed;
                f.error = Some(format!("{:?} is not a valid TLS server name: {e}", ep.host));
                return f;
            }
        };
        let t = Instant::now();
        match timeout(
            STEP,
            tokio_rustls::TlsConnector::from(cfg).connect(name, tcp),
        )
        .await
        {
            Ok(Ok(_)) => f.tls_ms = Some(round2(ms(t.elapsed()))),
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
    f
}
