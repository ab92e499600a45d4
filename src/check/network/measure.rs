//! The network probe: every measurement, bounded in time. Nothing here judges.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::Url;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, sleep, sleep_until, timeout, timeout_at};
use tokio_rustls::rustls;

use super::link;
use super::{
    DEFAULT_SERVER, EndpointFacts, EndpointSpec, EndpointStatus, Goodput, NetworkFacts,
    NetworkRequirements, SoakFacts, Spread, UDP_ECHO_HEADER, UDP_ECHO_MAGIC, parse_server_url,
    round2,
};
use crate::check::ProbeContext;

/// Longest wait for one step (DNS, connect, TLS handshake, a response's headers).
const STEP: Duration = Duration::from_secs(3);
/// A transfer that receives nothing for this long has stalled.
const STALL: Duration = Duration::from_millis(1500);
/// Bytes asked for per download request and sent per upload request (cut at the end).
const DOWN_REQUEST_BYTES: u64 = 50_000_000;
const UP_REQUEST_BYTES: u64 = 25_000_000;
/// Pieces written per upload write.
const WRITE_PIECE: usize = 16 * 1024;

/// Measurement parameters resolved from the profile and the command line.
#[derive(Debug, Clone)]
pub struct Params {
    pub server: Url,
    pub endpoints: Vec<EndpointSpec>,
    pub quick: bool,
    pub transfer: Duration,
    pub streams: u32,
    pub probes: u32,
    pub probe_interval: Duration,
    pub loss_packets: u32,
    pub soak: Option<(Duration, f64)>,
}

impl Params {
    pub fn resolve(
        req: &NetworkRequirements,
        opts: &crate::check::ProbeOptions,
    ) -> anyhow::Result<Params> {
        let server = opts
            .server
            .clone()
            .or_else(|| req.server.as_ref().map(|s| s.0.clone()))
            .unwrap_or_else(|| DEFAULT_SERVER.to_string());
        let server = parse_server_url(&server).map_err(|e| anyhow::anyhow!(e))?;
        let quick = opts.quick;
        let transfer = if quick {
            req.quick_test_seconds.map_or(1.5, |s| s.0)
        } else {
            req.test_seconds.map_or(5.0, |s| s.0)
        };
        let probes = req.latency_probes.map_or(20, |p| p.0);
        let probes = if quick {
            probes.div_ceil(2).max(3)
        } else {
            probes
        };
        Ok(Params {
            server,
            endpoints: req.endpoints.clone(),
            quick,
            transfer: Duration::from_secs_f64(transfer),
            streams: req.streams.map_or(4, |s| s.0),
            probes,
            probe_interval: Duration::from_millis(if quick { 80 } else { 150 }),
            // --quick squeezes the idle phase into under a second: fewer echoes, so they do
            // not queue in front of the latency probes on a slow link.
            loss_packets: {
                let n = req.loss_packets.map_or(1000, |p| p.0);
                if quick { (n / 4).max(50) } else { n }
            },
            soak: opts
                .soak
                .map(|d| (d, req.video_bitrate_mbps.map_or(2.5, |m| m.0))),
        })
    }

    fn warmup(&self) -> f64 {
        (self.transfer.as_secs_f64() * 0.25).min(1.0)
    }

    fn url(&self, path: &str) -> Url {
        let mut u = self.server.clone();
        let base = u.path().trim_end_matches('/').to_string();
        u.set_path(&format!("{base}/{path}"));
        u.set_query(None);
        u
    }
}

/// The probe's entry point.
pub fn probe(req: &super::NetworkRequirements, ctx: &ProbeContext) -> anyhow::Result<NetworkFacts> {
    let params = Params::resolve(req, &ctx.options)?;
    let interfaces = link::interfaces();
    let proxy = link::proxy_facts(|v| std::env::var(v).ok(), link::system_proxy());
    let mut facts = NetworkFacts {
        // Recorded without its secrets (user info, query values); connections use the real one.
        server: crate::redact::url(params.server.as_str()),
        server_error: None,
        quick: params.quick,
        endpoints: vec![],
        latency_ms: None,
        tcp_connect_ms: None,
        jitter_ms: None,
        latency_samples_ms: vec![],
        download_mbps: None,
        upload_mbps: None,
        download_error: None,
        upload_error: None,
        streams: params.streams,
        transfer_seconds: params.transfer.as_secs_f64(),
        warmup_seconds: params.warmup(),
        loaded_latency_ms: None,
        loaded_latency_increase_ms: None,
        loss_percent: None,
        loss_method: None,
        loss_packets_sent: None,
        loss_packets_received: None,
        loss_not_measured_reason: None,
        interfaces,
        proxy,
        soak: None,
    };
    let proxy_desc = facts
        .proxy
        .settings
        .iter()
        .find(|s| {
            // The variable reqwest uses for this scheme: HTTPS_PROXY or HTTP_PROXY, else ALL_PROXY.
            let var = s.source.trim_start_matches("env:").to_ascii_lowercase();
            s.source.starts_with("env:") && var == format!("{}_proxy", params.server.scheme())
        })
        .or_else(|| {
            facts
                .proxy
                .settings
                .iter()
                .find(|s| s.source.eq_ignore_ascii_case("env:all_proxy"))
        })
        .map(|s| format!("{} ({})", s.value, s.source.trim_start_matches("env:")));
    ctx.block_on(async {
        let tls = tls_config();
        let (endpoints, ()) = tokio::join!(
            reach_all(&params.endpoints, tls.clone()),
            measure_server(ctx, &params, tls, proxy_desc, &mut facts)
        );
        facts.endpoints = endpoints;
    });
    Ok(facts)
}

fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    use rustls_platform_verifier::ConfigVerifierExt;
    let mut cfg = rustls::ClientConfig::with_platform_verifier()
        .map_err(|e| format!("no trusted certificates to check TLS against: {e}"))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------------------------
// Reachability
// ---------------------------------------------------------------------------------------------

async fn reach_all(
    eps: &[EndpointSpec],
    tls: Result<Arc<rustls::ClientConfig>, String>,
) -> Vec<EndpointFacts> {
    join_all(eps.iter().map(|e| reach(e, tls.clone()))).await
}

fn connect_status(e: &std::io::Error) -> EndpointStatus {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => EndpointStatus::Refused,
        std::io::ErrorKind::TimedOut => EndpointStatus::TimedOut,
        _ => EndpointStatus::Unreachable,
    }
}

async fn lookup(host: &str, port: u16) -> Result<(Vec<SocketAddr>, f64), String> {
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
async fn connect_any(
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

async fn reach(ep: &EndpointSpec, tls: Result<Arc<rustls::ClientConfig>, String>) -> EndpointFacts {
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

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .http1_only()
        .connect_timeout(STEP)
        .tcp_nodelay(true)
        .user_agent(concat!("examready/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// An error and its causes in one line, naming the usual cases plainly.
fn describe(e: &reqwest::Error, proxy: Option<&str>) -> String {
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
fn server_time_ms(resp: &reqwest::Response) -> f64 {
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
async fn http_probe(
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

// ---------------------------------------------------------------------------------------------
// The measurement server: latency, loss, goodput, loaded latency, soak
// ---------------------------------------------------------------------------------------------

async fn measure_server(
    ctx: &ProbeContext,
    p: &Params,
    tls: Result<Arc<rustls::ClientConfig>, String>,
    proxy: Option<String>,
    facts: &mut NetworkFacts,
) {
    let proxy = proxy.as_deref();
    let not_reached = "the measurement server could not be reached".to_string();
    let c = match client() {
        Ok(c) => c,
        Err(e) => {
            facts.server_error = Some(e);
            facts.loss_not_measured_reason = Some(not_reached);
            return;
        }
    };
    let probe_url = {
        let mut u = p.url("__down");
        u.set_query(Some("bytes=0"));
        u
    };
    ctx.progress("contacting the measurement server");
    // The first request opens the kept-alive connection; it is not a sample.
    let udp_port = match http_probe(&c, &probe_url, proxy).await {
        Ok((_, udp)) => udp,
        Err(e) => {
            facts.server_error = Some(format!("{}: {e}", host_port(&p.server)));
            facts.loss_not_measured_reason = Some(not_reached);
            return;
        }
    };
    let host = p
        .server
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    let port = p.server.port_or_known_default().unwrap_or(443);
    let addrs = lookup(&host, port).await;

    // Idle latency (HTTP + TCP connect) and loss, at the same time.
    let idle = async {
        let mut http = Vec::new();
        let mut tcp = Vec::new();
        let start = Instant::now();
        // A slow or lossy server must not stretch the idle phase beyond its plan plus one step.
        let until = start + p.probe_interval * p.probes + STEP;
        for i in 0..p.probes {
            sleep_until(start + p.probe_interval * i).await;
            if Instant::now() >= until {
                break;
            }
            if let Ok(Ok((_, _, t))) = match &addrs {
                Ok((a, _)) => timeout_at(until, connect_any(a))
                    .await
                    .map(|r| r.map_err(|_| ())),
                Err(_) => Ok(Err(())),
            } {
                tcp.push(round2(t));
            }
            if let Ok(Ok((t, _))) = timeout_at(until, http_probe(&c, &probe_url, proxy)).await {
                http.push(round2(t));
            }
            ctx.progress(&format!("latency probe {}/{}", i + 1, p.probes));
        }
        (http, tcp)
    };
    let idle_span = p.probe_interval * p.probes;
    let loss = async {
        // A UDP echo where the server offers one, else ICMP echo where the OS allows it
        // unprivileged; otherwise the reasons, never a number.
        let mut reasons = Vec::new();
        let addrs = match &addrs {
            Ok((a, _)) => a.clone(),
            Err(e) => return Err(e.clone()),
        };
        match udp_port {
            Some(port) => {
                let target = SocketAddr::new(addrs[0].ip(), port);
                match udp_loss(target, p.loss_packets, idle_span).await {
                    Ok((sent, got)) => return Ok(("udp-echo", sent, got)),
                    Err(e) => reasons.push(format!("the UDP echo failed: {e}")),
                }
            }
            None => reasons.push(format!(
                "the measurement server {} offers no UDP echo (only `examready serve` does)",
                host_port(&p.server)
            )),
        }
        let ip = addrs[0].ip();
        let n = p.loss_packets;
        match tokio::task::spawn_blocking(move || super::icmp::loss(ip, n, idle_span)).await {
            Ok(Ok((sent, got))) => return Ok(("icmp", sent, got)),
            Ok(Err(e)) => reasons.push(format!("ICMP echo: {e}")),
            Err(e) => reasons.push(format!("ICMP echo: {e}")),
        }
        Err(reasons.join("; "))
    };
    let ((http, tcp), loss) = tokio::join!(idle, loss);
    facts.latency_ms = Spread::of(&http);
    facts.tcp_connect_ms = Spread::of(&tcp);
    facts.jitter_ms = crate::stats::jitter(&http).map(round2);
    facts.latency_samples_ms = http;
    match loss {
        Ok((method, sent, got)) => {
            facts.loss_percent = Some(round2(100.0 * (sent - got) as f64 / sent as f64));
            facts.loss_method = Some(method.into());
            facts.loss_packets_sent = Some(sent);
            facts.loss_packets_received = Some(got);
        }
        Err(e) => facts.loss_not_measured_reason = Some(format!("{e}; loss is never guessed")),
    }

    let idle_median = facts.latency_ms.map(|s| s.median);
    let mut loaded = Vec::new();
    // Download, then upload, each with latency probes running alongside.
    let budget_ok = |ctx: &ProbeContext| ctx.remaining() > p.transfer + Duration::from_millis(1500);
    if budget_ok(ctx) {
        let r = transfer(ctx, p, Direction::Down, &c, &probe_url, &addrs, &tls, proxy).await;
        facts.download_mbps = r.goodput;
        facts.download_error = r.error;
        loaded.extend(r.loaded);
    } else {
        facts.download_error = Some("not measured: the module ran out of time".into());
    }
    if budget_ok(ctx) {
        let r = transfer(ctx, p, Direction::Up, &c, &probe_url, &addrs, &tls, proxy).await;
        facts.upload_mbps = r.goodput;
        facts.upload_error = r.error;
        loaded.extend(r.loaded);
    } else {
        facts.upload_error = Some("not measured: the module ran out of time".into());
    }
    facts.loaded_latency_ms = Spread::of(&loaded);
    if let (Some(l), Some(i)) = (facts.loaded_latency_ms, idle_median) {
        facts.loaded_latency_increase_ms = Some(round2((l.median - i).max(0.0)));
    }
    if let Some((secs, mbps)) = p.soak {
        facts.soak = Some(
            soak(
                ctx,
                p,
                secs,
                mbps,
                &c,
                &probe_url,
                &addrs,
                &tls,
                proxy,
                idle_median,
            )
            .await,
        );
    }
}

fn host_port(u: &Url) -> String {
    format!(
        "{}:{}",
        u.host_str().unwrap_or("?"),
        u.port_or_known_default().unwrap_or(0)
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Down,
    Up,
}

struct TransferResult {
    goodput: Option<Goodput>,
    error: Option<String>,
    loaded: Vec<f64>,
}

/// Goodput per second from cumulative `(seconds, bytes)` samples, from `warmup` to the last
/// sample. A window shorter than a second (quick runs) gives one figure if it is at least 0.5 s.
/// Read the byte counter every 100 ms from `start` until `end`: `(seconds, bytes)` samples,
/// starting with `(0, 0)`. `report` sees the samples so far after each reading (live progress).
async fn sample_counter(
    counter: &AtomicU64,
    start: Instant,
    end: Instant,
    mut report: impl FnMut(&[(f64, u64)]),
) -> Vec<(f64, u64)> {
    let mut samples = vec![(0.0, 0u64)];
    let mut tick = start;
    loop {
        tick += Duration::from_millis(100);
        if tick > end {
            break;
        }
        sleep_until(tick).await;
        samples.push((
            (tick - start).as_secs_f64(),
            counter.load(Ordering::Relaxed),
        ));
        report(&samples);
    }
    samples
}

pub fn per_second(samples: &[(f64, u64)], warmup: f64) -> Vec<f64> {
    let Some(&(end, _)) = samples.last() else {
        return vec![];
    };
    let at = |t: f64| -> f64 {
        let i = samples.partition_point(|s| s.0 < t);
        if i == 0 {
            return samples[0].1 as f64;
        }
        if i >= samples.len() {
            return samples[samples.len() - 1].1 as f64;
        }
        let (t0, b0) = samples[i - 1];
        let (t1, b1) = samples[i];
        if t1 <= t0 {
            return b1 as f64;
        }
        b0 as f64 + (b1 as f64 - b0 as f64) * (t - t0) / (t1 - t0)
    };
    let mut out = Vec::new();
    let mut t = warmup;
    while t + 1.0 <= end + 1e-6 {
        out.push(round2((at(t + 1.0) - at(t)) * 8.0 / 1e6));
        t += 1.0;
    }
    if out.is_empty() && end - warmup >= 0.5 {
        out.push(round2((at(end) - at(warmup)) * 8.0 / 1e6 / (end - warmup)));
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn transfer(
    ctx: &ProbeContext,
    p: &Params,
    dir: Direction,
    probe_client: &reqwest::Client,
    probe_url: &Url,
    addrs: &Result<(Vec<SocketAddr>, f64), String>,
    tls: &Result<Arc<rustls::ClientConfig>, String>,
    proxy: Option<&str>,
) -> TransferResult {
    let label = if dir == Direction::Down {
        "download"
    } else {
        "upload"
    };
    let counter = AtomicU64::new(0);
    let start = Instant::now();
    let end = start + p.transfer;
    let errors = std::sync::Mutex::new(Vec::<(u32, String)>::new());
    let lasts: Vec<LastData> = (0..p.streams).map(|_| LastData::new(start)).collect();
    let lasts = &lasts;
    let streams = async {
        let futs = (0..p.streams).map(|i| {
            let counter = &counter;
            let errors = &errors;
            async move {
                // Streams start 50 ms apart, as browsers' speed tests do.
                sleep(Duration::from_millis(50) * i).await;
                let r = match dir {
                    Direction::Down => match client() {
                        Ok(c) => {
                            download_stream(
                                &c,
                                &p.url("__down"),
                                counter,
                                &lasts[i as usize],
                                proxy,
                            )
                            .await
                        }
                        Err(e) => Err(e),
                    },
                    Direction::Up => match addrs {
                        Ok((a, _)) => {
                            upload_stream(
                                &p.server,
                                &p.url("__up"),
                                a,
                                tls,
                                counter,
                                &lasts[i as usize],
                                None,
                            )
                            .await
                        }
                        Err(e) => Err(e.clone()),
                    },
                };
                if let Err(e) = r {
                    errors
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, e));
                }
            }
        });
        let _ = timeout_at(end, join_all(futs)).await;
    };
    let sampler = sample_counter(&counter, start, end, |samples| {
        if samples.len() % 5 == 0 && samples.len() > 10 {
            let (t, b) = samples[samples.len() - 1];
            let (t0, b0) = samples[samples.len() - 11];
            let rate = (b - b0) as f64 * 8.0 / 1e6 / (t - t0);
            ctx.progress(&format!("{label} {rate:.1} Mbps"));
        }
    });
    let loaded = loaded_probes(probe_client, probe_url, end, proxy);
    let ((), samples, loaded) = tokio::join!(streams, sampler, loaded);
    let series = per_second(&samples, p.warmup());
    let mut errs = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    // A stream still open at the end that got nothing for a while has stalled too.
    for (i, last) in lasts.iter().enumerate() {
        let quiet = end.saturating_duration_since(last.get());
        if quiet >= STALL && !errs.iter().any(|(j, _)| *j == i as u32) {
            errs.push((
                i as u32,
                format!(
                    "stalled: no data moved in the last {:.1} s of the test",
                    quiet.as_secs_f64()
                ),
            ));
        }
    }
    let errs: Vec<String> = errs.into_iter().map(|(_, e)| e).collect();
    let total = counter.load(Ordering::Relaxed);
    let error = errs.first().map(|e| {
        format!(
            "{label} from {} broke on {} of {} streams ({} received before): {e}",
            host_port(&p.server),
            errs.len(),
            p.streams,
            human_bytes(total)
        )
        .replace(
            " received before",
            if dir == Direction::Up {
                " sent before"
            } else {
                " received before"
            },
        )
    });
    TransferResult {
        goodput: if total > 0 { Goodput::of(series) } else { None },
        error,
        loaded,
    }
}

fn human_bytes(b: u64) -> String {
    if b >= 1_000_000 {
        format!("{:.1} MB", b as f64 / 1e6)
    } else {
        format!("{b} bytes")
    }
}

async fn loaded_probes(
    c: &reqwest::Client,
    url: &Url,
    end: Instant,
    proxy: Option<&str>,
) -> Vec<f64> {
    let mut out = Vec::new();
    // Let the transfers get going before the first probe.
    let mut next = Instant::now() + Duration::from_millis(300);
    while next < end {
        sleep_until(next).await;
        if let Ok(Ok((t, _))) = timeout_at(end, http_probe(c, url, proxy)).await {
            out.push(round2(t));
        }
        next += Duration::from_millis(250);
    }
    out
}

async fn download_stream(
    c: &reqwest::Client,
    url: &Url,
    counter: &AtomicU64,
    last: &LastData,
    proxy: Option<&str>,
) -> Result<(), String> {
    let mut u = url.clone();
    u.set_query(Some(&format!("bytes={DOWN_REQUEST_BYTES}")));
    loop {
        let mut resp = match timeout(STEP, c.get(u.clone()).send()).await {
            Err(_) => return Err(format!("no answer within {} s", STEP.as_secs())),
            Ok(Err(e)) => return Err(describe(&e, proxy)),
            Ok(Ok(r)) => r,
        };
        if !resp.status().is_success() {
            return Err(format!("the server answered HTTP {}", resp.status()));
        }
        loop {
            match timeout(STALL, resp.chunk()).await {
                Err(_) => {
                    return Err(format!(
                        "stalled: no data for {} s in the middle of the response",
                        STALL.as_secs_f64()
                    ));
                }
                Ok(Err(e)) => return Err(describe(&e, proxy)),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(b))) => {
                    counter.fetch_add(b.len() as u64, Ordering::Relaxed);
                    last.touch();
                }
            }
        }
    }
}

/// When a stream last moved data (ms after the transfer's start).
struct LastData {
    start: Instant,
    ms: AtomicU64,
}

impl LastData {
    fn new(start: Instant) -> LastData {
        LastData {
            start,
            ms: AtomicU64::new(0),
        }
    }
    fn touch(&self) {
        self.ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    fn get(&self) -> Instant {
        self.start + Duration::from_millis(self.ms.load(Ordering::Relaxed))
    }
}

// --- upload: our own HTTP/1.1 writer, to count what the peer acknowledged ---------------------

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

struct Conn {
    io: Box<dyn Io>,
    /// The socket, to ask how much of what we wrote is still unacknowledged.
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    fd: std::os::fd::RawFd,
}

impl Conn {
    async fn open(
        server: &Url,
        addrs: &[SocketAddr],
        tls: &Result<Arc<rustls::ClientConfig>, String>,
    ) -> Result<Conn, String> {
        let (tcp, _, _) = connect_any(addrs).await.map_err(|(_, e, _)| e)?;
        #[cfg(any(target_os = "linux", target_os = "macos"))]
        let fd = std::os::fd::AsRawFd::as_raw_fd(&tcp);
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
        Ok(Conn {
            io,
            #[cfg(any(target_os = "linux", target_os = "macos"))]
            fd,
        })
    }

    /// Bytes written to the socket that the peer has not acknowledged yet.
    fn unacked(&self) -> u64 {
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

    async fn send_head(&mut self, server: &Url, url: &Url, len: u64) -> Result<(), String> {
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

    async fn write(&mut self, b: &[u8]) -> Result<(), String> {
        match timeout(STALL, self.io.write_all(b)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(io_describe(&e)),
            Err(_) => Err(format!(
                "stalled: the server took nothing for {} s",
                STALL.as_secs_f64()
            )),
        }
    }

    /// Read one HTTP response; Ok(keep_alive) for a 2xx.
    async fn read_response(&mut self) -> Result<bool, String> {
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

fn io_describe(e: &std::io::Error) -> String {
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
async fn upload_stream(
    server: &Url,
    url: &Url,
    addrs: &[SocketAddr],
    tls: &Result<Arc<rustls::ClientConfig>, String>,
    counter: &AtomicU64,
    last: &LastData,
    pace: Option<f64>,
) -> Result<(), String> {
    let zeros = vec![0u8; WRITE_PIECE];
    let mut conn = Conn::open(server, addrs, tls).await?;
    let start = Instant::now();
    let mut written: u64 = 0;
    let mut reported: u64 = 0;
    let report = |conn: &Conn, written: u64, reported: &mut u64| {
        let delivered = written.saturating_sub(conn.unacked());
        if delivered > *reported {
            counter.fetch_add(delivered - *reported, Ordering::Relaxed);
            last.touch();
            *reported = delivered;
        }
    };
    loop {
        conn.send_head(server, url, UP_REQUEST_BYTES).await?;
        let mut left = UP_REQUEST_BYTES;
        while left > 0 {
            if let Some(mbps) = pace {
                let allowed = (start.elapsed().as_secs_f64() * mbps * 1e6 / 8.0) as u64;
                if written >= allowed {
                    sleep(Duration::from_millis(20)).await;
                    report(&conn, written, &mut reported);
                    continue;
                }
            }
            let n = (left as usize).min(WRITE_PIECE);
            conn.write(&zeros[..n]).await?;
            written += n as u64;
            left -= n as u64;
            report(&conn, written, &mut reported);
        }
        let keep = conn.read_response().await?;
        report(&conn, written, &mut reported);
        if !keep {
            conn = Conn::open(server, addrs, tls).await?;
            written = 0;
            reported = 0;
        }
    }
}

// --- loss ------------------------------------------------------------------------------------

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
fn port_unreachable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset
    )
}

// --- soak ------------------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
async fn soak(
    ctx: &ProbeContext,
    p: &Params,
    secs: Duration,
    mbps: f64,
    probe_client: &reqwest::Client,
    probe_url: &Url,
    addrs: &Result<(Vec<SocketAddr>, f64), String>,
    tls: &Result<Arc<rustls::ClientConfig>, String>,
    proxy: Option<&str>,
    idle_median: Option<f64>,
) -> SoakFacts {
    let secs = secs.min(ctx.remaining().saturating_sub(Duration::from_secs(2)));
    let counter = AtomicU64::new(0);
    let start = Instant::now();
    let end = start + secs;
    let mut error = None;
    let up = async {
        match addrs {
            Ok((a, _)) => {
                match timeout_at(
                    end,
                    upload_stream(
                        &p.server,
                        &p.url("__up"),
                        a,
                        tls,
                        &counter,
                        &LastData::new(start),
                        Some(mbps),
                    ),
                )
                .await
                {
                    Ok(Err(e)) => Some(e),
                    _ => None,
                }
            }
            Err(e) => Some(e.clone()),
        }
    };
    let sampler = sample_counter(&counter, start, end, |samples| {
        if samples.len() % 10 == 1 {
            ctx.progress(&format!(
                "soak {:.0}/{:.0} s at {mbps} Mbps",
                samples[samples.len() - 1].0,
                secs.as_secs_f64()
            ));
        }
    });
    let loaded = loaded_probes(probe_client, probe_url, end, proxy);
    let (e, samples, loaded) = tokio::join!(up, sampler, loaded);
    if let Some(e) = e {
        error = Some(format!(
            "the paced upload to {} broke: {e}",
            host_port(&p.server)
        ));
    }
    let series = per_second(&samples, 0.0);
    let stalls = series.iter().filter(|&&r| r < mbps * 0.5).count() as u32;
    let latency = Spread::of(&loaded);
    SoakFacts {
        seconds: secs.as_secs_f64(),
        target_mbps: mbps,
        series,
        stalls,
        latency_increase_ms: match (latency, idle_median) {
            (Some(l), Some(i)) => Some(round2((l.median - i).max(0.0))),
            _ => None,
        },
        latency_ms: latency,
        error,
    }
}
