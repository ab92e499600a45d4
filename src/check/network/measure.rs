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

use super::echo::{EchoPlan, EchoRun};
use super::link;
use super::{
    DEFAULT_SERVER, EndpointFacts, EndpointSpec, EndpointStatus, Goodput, NetworkFacts,
    NetworkRequirements, SoakFacts, Spread, UDP_ECHO_HEADER, UDP_ECHO_MAGIC, parse_server_url,
    round2,
};
use crate::check::ProbeContext;

mod http;
mod loss;
mod phases;
mod reach;
mod samples;
mod soak;
mod transfer;
mod upload;

use http::*;
pub use loss::udp_echo;
use phases::*;
use reach::*;
pub use samples::per_second;
#[cfg(test)]
pub use samples::{goodput_settled, longest_pause, mean_goodput, settled};
use soak::*;
use transfer::*;
use upload::*;

/// Longest wait for one step (DNS, connect, TLS handshake, a response's headers).
const STEP: Duration = Duration::from_secs(3);
/// A link that moves nothing, on any stream, for this long has stalled.
const STALL: Duration = Duration::from_millis(1500);
/// One stream may wait this long for the link (behind a deep queue, other streams ahead of it)
/// before it counts as broken; the link's own stall is judged on all streams together.
const STREAM_STALL: Duration = Duration::from_secs(10);
/// An HTTP probe that took this much longer than the median waited for a TCP retransmission
/// (Linux's minimum retransmission timeout is 200 ms, Windows' 300 ms).
const RETRANSMIT_MS: f64 = 200.0;
/// Latency probes under load: every 100 ms by echo, every 250 ms by HTTP.
const ECHO_LOADED_INTERVAL: Duration = Duration::from_millis(100);
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
    /// With `--quick`, a transfer runs on past `transfer` (up to this) while latency under load
    /// still rises; otherwise equal to `transfer`.
    pub max_transfer: Duration,
    pub streams: u32,
    pub probes: u32,
    pub probe_interval: Duration,
    pub loss_packets: u32,
    /// Echo packets sent on when a loss shows by the end of `loss_packets` (`--quick`).
    pub loss_packets_more: u32,
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
        let full = req.test_seconds.map_or(5.0, |s| s.0);
        let transfer = if quick {
            req.quick_test_seconds.map_or(1.5, |s| s.0).min(full)
        } else {
            full
        };
        let loss_packets = req.loss_packets.map_or(1000, |p| p.0);
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
            max_transfer: Duration::from_secs_f64(full),
            streams: req.streams.map_or(4, |s| s.0),
            probes,
            probe_interval: Duration::from_millis(if quick { 80 } else { 150 }),
            // --quick squeezes the idle phase into under a second: fewer echoes, so they do
            // not queue in front of the latency probes on a slow link.
            loss_packets: if quick {
                (loss_packets / 4).max(50)
            } else {
                loss_packets
            },
            // ... but a lossy link, where a quarter of the packets says little, gets the rest.
            loss_packets_more: if quick {
                loss_packets.saturating_sub((loss_packets / 4).max(50))
            } else {
                0
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
        latency_method: None,
        latency_probes_excluded: 0,
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
        download_seconds: None,
        upload_seconds: None,
        loaded_latency_ms: None,
        loaded_latency_increase_ms: None,
        loaded_latency_settled: None,
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
    let target = Target {
        client: &c,
        probe_url: &probe_url,
        proxy,
        addrs: &addrs,
    };
    let idle = idle_probes(ctx, p, &target);
    let echo = echo_run(p, &addrs, udp_port);
    tracing::debug!("network: idle phase started");
    let ((http, tcp), echo) = tokio::join!(idle, echo);
    tracing::debug!("network: idle phase ended");
    facts.tcp_connect_ms = Spread::of(&tcp);
    let loaded_by = idle_figures(p, &http, echo, facts);

    let idle_median = facts.latency_ms.map(|s| s.median);
    let probes = Probes {
        by: loaded_by,
        client: &c,
        url: &probe_url,
        proxy,
    };
    loaded_phase(ctx, p, &probes, &addrs, &tls, idle_median, facts).await;
    if let Some((secs, mbps)) = p.soak {
        facts.soak = Some(soak(ctx, p, secs, mbps, &probes, &addrs, &tls, idle_median).await);
    }
}

/// Idle latency, jitter and loss from the echo run where one answered, else latency and jitter
/// from the HTTP probes without those that waited for a retransmission. Returns how latency
/// under load is probed: the same way.
fn idle_figures(
    p: &Params,
    http: &[f64],
    echo: Result<(Echo, EchoRun), String>,
    facts: &mut NetworkFacts,
) -> Option<Echo> {
    match echo {
        Ok((how, run)) if run.received() > 0 => {
            let (sent, got) = (run.sent(), run.received());
            facts.loss_percent = Some(round2(100.0 * (sent - got) as f64 / sent as f64));
            facts.loss_method = Some(how.method().into());
            facts.loss_packets_sent = Some(sent);
            facts.loss_packets_received = Some(got);
            // The median and 95th percentile of every answer; the jitter between answers as
            // far apart as the probes (`latency_probes`) would be.
            let all: Vec<f64> = run.rtts().into_iter().map(round2).collect();
            let step = (sent / p.probes.max(1)).max(1) as usize;
            let spaced: Vec<f64> = run.every(step).into_iter().map(round2).collect();
            facts.latency_ms = Spread::of(&all);
            facts.jitter_ms = crate::stats::jitter(&spaced).map(round2);
            facts.latency_samples_ms = spaced;
            facts.latency_method = Some(how.method().into());
            Some(how)
        }
        other => {
            if let Err(e) = other {
                facts.loss_not_measured_reason = Some(format!("{e}; loss is never guessed"));
            }
            let (kept, excluded) = without_retransmissions(http);
            facts.latency_ms = Spread::of(&kept);
            facts.jitter_ms = crate::stats::jitter(&kept).map(round2);
            facts.latency_probes_excluded = excluded;
            facts.latency_method = (!kept.is_empty()).then(|| "http".into());
            facts.latency_samples_ms = kept;
            None
        }
    }
}

/// HTTP latency samples without those that waited for a TCP retransmission (at least
/// [`RETRANSMIT_MS`] above the median), and how many were left out.
pub fn without_retransmissions(samples: &[f64]) -> (Vec<f64>, u32) {
    let Some(median) = crate::stats::median(samples) else {
        return (vec![], 0);
    };
    let kept: Vec<f64> = samples
        .iter()
        .copied()
        .filter(|&s| s < median + RETRANSMIT_MS)
        .collect();
    let excluded = (samples.len() - kept.len()) as u32;
    (kept, excluded)
}

/// An echo that answered in the idle phase, to probe latency under load with.
#[derive(Clone, Copy, Debug)]
pub(super) enum Echo {
    Udp(SocketAddr),
    Icmp(std::net::IpAddr),
}

impl Echo {
    fn method(self) -> &'static str {
        match self {
            Echo::Udp(_) => "udp-echo",
            Echo::Icmp(_) => "icmp",
        }
    }
}

/// How latency is probed while the line is loaded.
pub(super) struct Probes<'a> {
    by: Option<Echo>,
    client: &'a reqwest::Client,
    url: &'a Url,
    proxy: Option<&'a str>,
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

impl Direction {
    fn label(self) -> &'static str {
        match self {
            Direction::Down => "download",
            Direction::Up => "upload",
        }
    }
}
