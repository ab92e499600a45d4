/*!
The `network` module: can this connection carry an online-proctored exam?

What it measures (method: `docs` in the README's network section):
- reachability of every endpoint the profile lists: DNS time, TCP connect, TLS handshake, each
  with its exact failure (DNS failed, refused, timed out, TLS failed);
- idle latency: about 20 rounds of a fresh TCP connect and a 0-byte `GET /__down?bytes=0` on a
  kept-alive connection (minus the server's own time from `server-timing`); median, p95 and
  jitter (mean |difference| of consecutive samples);
- download and upload goodput: parallel streams for a fixed time, warm-up discarded, median and
  minimum of the 1-second goodputs and the per-second series. Upload counts bytes the peer has
  received (Linux: `TCP_INFO` acknowledged bytes plus selectively acknowledged segments; elsewhere
  written minus the unacknowledged queue), not bytes handed to the kernel, so socket buffers do
  not inflate it;
- latency under load: probes during the transfers, reported as the increase over idle;
- packet loss, measured only for real: a UDP echo (`examready serve` announces its port in the
  `x-examready-udp-echo` header) or ICMP echo where the OS allows unprivileged ICMP sockets;
  otherwise `null` with the reason;
- link facts: interfaces (wired, Wi-Fi, VPN/tunnel) and proxy settings;
- `--soak DURATION`: a paced upload at the profile's video bit rate.

The probe only gathers facts ([`NetworkFacts`]); [`judge`] turns them into findings.
*/

mod echo;
mod figures;
mod icmp;
mod judge;
mod link;
mod measure;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_endpoints;

use serde::{Deserialize, Serialize};

use super::{JudgeContext, Module, ProbeContext};
use crate::model::Judgement;
use crate::stats::{self, percentile};
use crate::units::{Mbps, Millis, Percent, Seconds};

pub use judge::NetCode;
pub use link::{Interface, InterfaceKind, ProxyFacts, ProxySetting};

/// The measurement server used when neither the profile nor `--server` names one: Cloudflare's
/// public speed test, which speaks `GET /__down?bytes=N` and `POST /__up`.
pub const DEFAULT_SERVER: &str = "https://speed.cloudflare.com";

pub use crate::wire::{UDP_ECHO_HEADER, UDP_ECHO_MAGIC};

pub struct Network;

/// A measurement server URL (`http://` or `https://`), checked while parsing the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServerUrl(pub String);

impl TryFrom<String> for ServerUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        parse_server_url(&s).map(|_| ServerUrl(s))
    }
}
impl From<ServerUrl> for String {
    fn from(s: ServerUrl) -> String {
        s.0
    }
}

/// Parse a measurement server URL: http or https, with a host.
/// Errors show the URL without its secrets ([`crate::redact::url`]).
pub fn parse_server_url(s: &str) -> Result<reqwest::Url, String> {
    let shown = crate::redact::url(s);
    let url = reqwest::Url::parse(s.trim()).map_err(|e| {
        format!("a measurement server URL like https://speed.example.org, got {shown:?}: {e}")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "a measurement server URL must be http:// or https:// with a host, got {shown:?}"
        ));
    }
    Ok(url)
}

/// A whole number within bounds (streams, probe counts).
macro_rules! bounded_u32 {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $what:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "i64", into = "i64")]
        pub struct $name(pub u32);
        impl TryFrom<i64> for $name {
            type Error = String;
            fn try_from(v: i64) -> Result<Self, String> {
                if ($min..=$max).contains(&v) {
                    Ok($name(v as u32))
                } else {
                    Err(format!("{} must be between {} and {}, got {}", $what, $min, $max, v))
                }
            }
        }
        impl From<$name> for i64 {
            fn from(v: $name) -> i64 {
                v.0 as i64
            }
        }
    };
}

bounded_u32!(
    /// Parallel transfer streams.
    Streams, 1, 32, "streams"
);
bounded_u32!(
    /// Number of idle latency probes.
    ProbeCount, 3, 500, "latency_probes"
);
bounded_u32!(
    /// Number of UDP/ICMP echo packets for the loss measurement.
    PacketCount, 50, 100_000, "loss_packets"
);

/// One endpoint that must be reachable: `{ host = "...", port = 443, tls = true }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    pub host: String,
    pub port: u16,
    /// Do a TLS handshake after connecting; default: true for port 443.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<bool>,
    /// false: a failure only warns (for hosts the vendor names only by wildcard). Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// A path (`"/session"`) to open a WebSocket on after connecting (and TLS): the HTTP/1.1
    /// Upgrade must be answered with 101 and the right `Sec-WebSocket-Accept`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebSocketPath>,
    /// Where the vendor names this host or port (a document, an address): shown by
    /// `examready allowlist`, never judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The path of a WebSocket upgrade check: starts with `/`, printable ASCII without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebSocketPath(pub String);

impl TryFrom<String> for WebSocketPath {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.starts_with('/') && s.len() <= 2048 && s.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(WebSocketPath(s))
        } else {
            Err(format!(
                "websocket must be a path like \"/session\" (starting with /, no spaces), got {s:?}"
            ))
        }
    }
}
impl From<WebSocketPath> for String {
    fn from(p: WebSocketPath) -> String {
        p.0
    }
}

impl EndpointSpec {
    pub fn uses_tls(&self) -> bool {
        self.tls.unwrap_or(self.port == 443)
    }
}

/// `[network]` in a profile. Every key is optional; a figure left out is not judged.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkRequirements {
    /// Measurement server (speaks `GET /__down?bytes=N`, `POST /__up`); `--server` overrides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerUrl>,
    /// Hosts and ports that must be reachable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<EndpointSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_download_mbps: Option<Mbps>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_download_mbps: Option<Mbps>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_upload_mbps: Option<Mbps>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_upload_mbps: Option<Mbps>,
    /// Idle latency (median) above this fails; above the recommendation warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_latency_ms: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_max_latency_ms: Option<Millis>,
    /// Jitter above this fails; above the recommendation warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_jitter_ms: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_max_jitter_ms: Option<Millis>,
    /// Loss above this fails (when its 95 % interval is above it too); above the recommendation
    /// warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_loss_percent: Option<Percent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_max_loss_percent: Option<Percent>,
    /// Above this increase of latency under load: a warning (bufferbloat).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_loaded_latency_increase_ms: Option<Millis>,
    /// false: an active VPN/tunnel interface fails the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_vpn: Option<bool>,
    /// false: a configured proxy fails the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_proxy: Option<bool>,
    /// true: a Wi-Fi connection gives a warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn_on_wifi: Option<bool>,
    /// Bit rate the soak test streams at (webcam + screen).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_bitrate_mbps: Option<Mbps>,
    /// Duration of each transfer (download, upload), warm-up included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_seconds: Option<Seconds>,
    /// The same with `--quick`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_test_seconds: Option<Seconds>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streams: Option<Streams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_probes: Option<ProbeCount>,
    /// Echo packets sent for the loss measurement (default 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss_packets: Option<PacketCount>,
}

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

impl Module for Network {
    type Facts = NetworkFacts;
    type Requirements = NetworkRequirements;
    const ID: &'static str = "network";
    const TITLE: &'static str = "Network";
    const ABOUT: &'static str = "endpoint reachability, latency, jitter, loss, download/upload goodput, \
         latency under load, Wi-Fi/VPN/proxy";
    const CODES: &'static [(&'static str, &'static str)] = judge::CODES;

    fn probe(&self, req: &NetworkRequirements, ctx: &ProbeContext) -> anyhow::Result<NetworkFacts> {
        measure::probe(req, ctx)
    }

    fn judge(facts: &NetworkFacts, req: &NetworkRequirements, _ctx: JudgeContext) -> Judgement {
        judge::judge(facts, req)
    }

    fn figures(facts: &NetworkFacts, req: &NetworkRequirements) -> Vec<crate::model::Figure> {
        figures::figures(facts, req)
    }
}
