//! HTTP helpers: the client, error descriptions, the server's timing header and the latency probe.

use super::*;

pub(super) fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .http1_only()
        .connect_timeout(STEP)
        .tcp_nodelay(true)
        .user_agent(concat!("examready/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// An error and its causes in one line, naming the usual cases plainly.
pub(super) fn describe(e: &reqwest::Error, proxy: Option<&str>) -> String {
    let mut chain = vec![e.to_string()];
    let mut src = std::error::Error::source(e);
    let mut io_kind = None;
    while let Some(s) = src {
        let text = s.to_string();
        if !chain.iter().any(|c| c.contains(&text)) {
            chain.push(text);
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        src = s.source();
    }
    let all = chain.join(": ");
    let lower = all.to_ascii_lowercase();
    let plain = if lower.contains("dns error") || lower.contains("lookup address") {
        "DNS failed"
    } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused) || lower.contains("refused") {
        "connection refused"
    } else if io_kind == Some(std::io::ErrorKind::ConnectionReset) || lower.contains("reset") {
        "connection reset"
    } else if e.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
        "timed out"
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        "TLS failed"
    } else if e.is_body() || e.is_decode() {
        "transfer broken"
    } else {
        "request failed"
    };
    // The innermost cause says what happened; the outer layers only repeat the URL.
    let detail = chain.last().cloned().unwrap_or_default();
    match proxy {
        Some(p) if e.is_connect() => format!("{plain} through the proxy {p}: {detail}"),
        _ => format!("{plain}: {detail}"),
    }
}

/// The server's own processing time from `server-timing: ...;dur=X`, in ms.
pub(super) fn server_time_ms(resp: &reqwest::Response) -> f64 {
    resp.headers()
        .get_all("server-timing")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([';', ',']))
        .filter_map(|p| p.trim().strip_prefix("dur="))
        .filter_map(|d| d.trim().parse::<f64>().ok())
        .next()
        .unwrap_or(0.0)
        .max(0.0)
}

/// One 0-byte GET: its round trip in ms (time to headers minus the server's own time).
pub(super) async fn http_probe(
    c: &reqwest::Client,
    url: &Url,
    proxy: Option<&str>,
) -> Result<(f64, Option<u16>), String> {
    let t = Instant::now();
    let shown = crate::redact::url(url.as_str());
    let resp = match timeout(STEP, c.get(url.clone()).send()).await {
        Err(_) => {
            return Err(format!(
                "timed out: no answer from {shown} within {} s",
                STEP.as_secs()
            ));
        }
        Ok(Err(e)) => return Err(describe(&e, proxy)),
        Ok(Ok(r)) => r,
    };
    let rtt = ms(t.elapsed()) - server_time_ms(&resp);
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("the server answered HTTP {status} to GET {shown}"));
    }
    let udp = resp
        .headers()
        .get(UDP_ECHO_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u16>().ok());
    match timeout(STEP, resp.bytes()).await {
        Ok(Ok(_)) => Ok((rtt.max(0.0), udp)),
        Ok(Err(e)) => Err(describe(&e, proxy)),
        Err(_) => Err(format!("timed out reading the answer from {shown}")),
    }
}
