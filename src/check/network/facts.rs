//! What the network probe saw ([`NetworkFacts`]) and the figures it is made of.

use serde::{Deserialize, Serialize};

use super::link::{Interface, ProxyFacts};
use crate::stats::{self, percentile};

/// Median and 95th percentile of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: f64,
    pub p95: f64,
}

impl Spread {
    pub fn of(samples: &[f64]) -> Option<Spread> {
        Some(Spread {
            median: round2(percentile(samples, 50.0)?),
            p95: round2(percentile(samples, 95.0)?),
        })
    }
}

/// Goodput of one direction: median and minimum of the 1-second figures, and the series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goodput {
    pub median: f64,
    pub min: f64,
    /// Mbps for each second after the warm-up.
    pub series: Vec<f64>,
}

impl Goodput {
    pub fn of(series: Vec<f64>) -> Option<Goodput> {
        Some(Goodput {
            median: round2(percentile(&series, 50.0)?),
            min: series.iter().copied().fold(f64::INFINITY, f64::min),
            series,
        })
    }
}

/// How one endpoint answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndpointStatus {
    Ok,
    DnsFailed,
    Refused,
    TimedOut,
    /// Connect failed otherwise (no route, network unreachable ...).
    Unreachable,
    TlsFailed,
    /// Not tried: the module ran out of time.
    NotTested,
}

impl EndpointStatus {
    pub fn describe(self) -> &'static str {
        match self {
            EndpointStatus::Ok => "reachable",
            EndpointStatus::DnsFailed => "DNS failed",
            EndpointStatus::Refused => "connection refused",
            EndpointStatus::TimedOut => "timed out",
            EndpointStatus::Unreachable => "unreachable",
            EndpointStatus::TlsFailed => "TLS failed",
            EndpointStatus::NotTested => "not tested",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointFacts {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    /// false: a failure only warns.
    #[serde(default = "yes")]
    pub required: bool,
    pub status: EndpointStatus,
    pub dns_ms: Option<f64>,
    pub connect_ms: Option<f64>,
    pub tls_ms: Option<f64>,
    /// The address connected to (or tried).
    #[serde(default)]
    pub address: Option<String>,
    pub error: Option<String>,
    /// The certificate chain the server presented (TLS endpoints that got that far).
    #[serde(default)]
    pub tls_chain: Option<TlsChainFacts>,
    /// The WebSocket upgrade, where the profile names a path and TCP (and TLS) succeeded.
    #[serde(default)]
    pub websocket: Option<WebSocketFacts>,
}

/// One TLS handshake's chain, checked against this computer's trust store and, separately,
/// against the public web PKI (Mozilla's roots, built into examready).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsChainFacts {
    /// Issuer of the topmost certificate presented (common name, organisation): the root, or
    /// the authority nearest it, that the chain ends in.
    pub issuer: Option<String>,
    /// The chain verified against this computer's trust store (what the handshake used).
    pub os_trusted: bool,
    /// The chain verified against the public web PKI. false while `os_trusted`: a root added to
    /// this computer (antivirus HTTPS scanning, a company proxy) intercepts the connection.
    pub public_trusted: bool,
    /// Why the public web PKI refused the chain.
    pub public_error: Option<String>,
}

/// An HTTP/1.1 Upgrade to WebSocket (RFC 6455) on an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebSocketFacts {
    pub path: String,
    /// 101 Switching Protocols with `Upgrade: websocket` and the right `Sec-WebSocket-Accept`.
    pub upgraded: bool,
    /// The status line received (`HTTP/1.1 403 Forbidden`); null when none came.
    pub status_line: Option<String>,
    /// The status code of that line.
    pub http_status: Option<u16>,
    /// What went wrong: no answer, connection closed, the Upgrade stripped, a wrong accept key.
    pub error: Option<String>,
    pub ms: Option<f64>,
}

fn yes() -> bool {
    true
}

/// The opt-in soak test: a paced upload at the video bit rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoakFacts {
    pub seconds: f64,
    pub target_mbps: f64,
    /// Delivered Mbps for each second.
    pub series: Vec<f64>,
    /// Seconds in which less than half the target rate got through.
    pub stalls: u32,
    pub latency_ms: Option<Spread>,
    pub latency_increase_ms: Option<f64>,
    pub error: Option<String>,
}

/// Everything the network probe saw. Field names are stable (the HTML report reads them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkFacts {
    /// The measurement server used, its user info and query values masked (`http://***@host/?token=***`).
    pub server: String,
    /// Why the measurement server could not be used at all (then the figures below are null).
    pub server_error: Option<String>,
    /// Whether `--quick` shortened the measurement.
    pub quick: bool,
    pub endpoints: Vec<EndpointFacts>,
    /// Idle round trip: of the echo packets (UDP echo or ICMP) where an echo answers, else of a
    /// 0-byte HTTP request on a kept-alive connection (see `latency_method`).
    pub latency_ms: Option<Spread>,
    /// How latency (idle and loaded) was measured: `udp-echo`, `icmp` or `http`; null when not.
    #[serde(default)]
    pub latency_method: Option<String>,
    /// HTTP latency probes left out of latency and jitter: each waited at least 200 ms longer
    /// than the median, for a TCP retransmission of a lost packet (that loss is not latency).
    #[serde(default)]
    pub latency_probes_excluded: u32,
    /// Idle TCP connect (handshake) time to the server.
    pub tcp_connect_ms: Option<Spread>,
    /// Mean |difference| of consecutive idle latency samples (taken about 150 ms apart).
    pub jitter_ms: Option<f64>,
    /// The idle latency samples the jitter compares, in the order taken.
    pub latency_samples_ms: Vec<f64>,
    pub download_mbps: Option<Goodput>,
    pub upload_mbps: Option<Goodput>,
    /// A transfer that broke (HTTP error, reset, stall): what happened.
    pub download_error: Option<String>,
    pub upload_error: Option<String>,
    pub streams: u32,
    /// Seconds per transfer planned (the least; `--quick` lengthens a transfer until latency
    /// under load stops rising), warm-up included, and the warm-up discarded.
    pub transfer_seconds: f64,
    pub warmup_seconds: f64,
    /// How long the download and the upload actually ran.
    #[serde(default)]
    pub download_seconds: Option<f64>,
    #[serde(default)]
    pub upload_seconds: Option<f64>,
    pub loaded_latency_ms: Option<Spread>,
    pub loaded_latency_increase_ms: Option<f64>,
    /// Whether latency under load had stopped rising when the transfers ended (false: the queue
    /// was still filling, so the loaded figures may be low); null without loaded samples.
    #[serde(default)]
    pub loaded_latency_settled: Option<bool>,
    /// Round-trip packet loss; null when not measured (then see the reason).
    pub loss_percent: Option<f64>,
    /// `udp-echo` or `icmp`; null when not measured.
    pub loss_method: Option<String>,
    pub loss_packets_sent: Option<u32>,
    pub loss_packets_received: Option<u32>,
    pub loss_not_measured_reason: Option<String>,
    pub interfaces: Vec<Interface>,
    pub proxy: ProxyFacts,
    pub soak: Option<SoakFacts>,
}

pub(crate) fn round2(v: f64) -> f64 {
    stats::round_to(v, 2)
}
