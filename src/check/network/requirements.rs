//! `[network]` in a profile: the measurement server, the endpoints and the figures to judge.

use serde::{Deserialize, Serialize};

use crate::units::{Mbps, Millis, Percent, Seconds};

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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    pub host: String,
    pub port: u16,
    /// Do a TLS handshake after connecting; default: true for port 443.
    #[serde(default)]
    pub tls: Option<bool>,
    /// false: a failure only warns (for hosts the vendor names only by wildcard). Default true.
    #[serde(default)]
    pub required: Option<bool>,
    /// A path (`"/session"`) to open a WebSocket on after connecting (and TLS): the HTTP/1.1
    /// Upgrade must be answered with 101 and the right `Sec-WebSocket-Accept`.
    #[serde(default)]
    pub websocket: Option<WebSocketPath>,
    /// Where the vendor names this host or port (a document, an address): shown by
    /// `examready allowlist`, never judged.
    #[serde(default)]
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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkRequirements {
    /// Measurement server (speaks `GET /__down?bytes=N`, `POST /__up`); `--server` overrides.
    pub server: Option<ServerUrl>,
    /// Hosts and ports that must be reachable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<EndpointSpec>,
    pub min_download_mbps: Option<Mbps>,
    pub recommended_download_mbps: Option<Mbps>,
    pub min_upload_mbps: Option<Mbps>,
    pub recommended_upload_mbps: Option<Mbps>,
    /// Idle latency (median) above this fails; above the recommendation warns.
    pub max_latency_ms: Option<Millis>,
    pub recommended_max_latency_ms: Option<Millis>,
    /// Jitter above this fails; above the recommendation warns.
    pub max_jitter_ms: Option<Millis>,
    pub recommended_max_jitter_ms: Option<Millis>,
    /// Loss above this fails (when its 95 % interval is above it too); above the recommendation
    /// warns.
    pub max_loss_percent: Option<Percent>,
    pub recommended_max_loss_percent: Option<Percent>,
    /// Above this increase of latency under load: a warning (bufferbloat).
    pub max_loaded_latency_increase_ms: Option<Millis>,
    /// false: an active VPN/tunnel interface fails the check.
    pub allow_vpn: Option<bool>,
    /// false: a configured proxy fails the check.
    pub allow_proxy: Option<bool>,
    /// true: a Wi-Fi connection gives a warning.
    pub warn_on_wifi: Option<bool>,
    /// Bit rate the soak test streams at (webcam + screen).
    pub video_bitrate_mbps: Option<Mbps>,
    /// Duration of each transfer (download, upload), warm-up included.
    pub test_seconds: Option<Seconds>,
    /// The same with `--quick`.
    pub quick_test_seconds: Option<Seconds>,
    pub streams: Option<Streams>,
    pub latency_probes: Option<ProbeCount>,
    /// Echo packets sent for the loss measurement (default 1000).
    pub loss_packets: Option<PacketCount>,
}
