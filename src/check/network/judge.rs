//! The network judge: pure, from recorded facts and the profile's `[network]` section.

use super::{EndpointStatus, Goodput, InterfaceKind, NetworkFacts, NetworkRequirements};
use crate::check::fmt::num;
use crate::model::{Finding, Judgement, Status};

mod endpoints;
mod link;
mod quality;
use endpoints::endpoints;
use link::link;
use quality::{latency, loss};

crate::finding_codes! {
    /// The network module's finding codes.
    pub enum NetCode {
        NetEndpointsReachable = "net-endpoints-reachable": "every endpoint the profile lists answered (DNS, TCP, TLS)",
        NetEndpointUnreachable = "net-endpoint-unreachable": "an endpoint failed: DNS failed, refused, timed out, unreachable or TLS failed",
        NetOffline = "net-offline": "no endpoint name resolves: the computer is offline or its DNS does not work",
        NetTlsIntercepted = "net-tls-intercepted": "an endpoint's TLS chain is trusted only through a root added to this computer: antivirus HTTPS scanning or a proxy decrypts the connection",
        NetWebsocketOk = "net-websocket-ok": "the WebSocket upgrade the profile names was accepted (101, right Sec-WebSocket-Accept)",
        NetWebsocketBlocked = "net-websocket-blocked": "TCP (and TLS) got through, but the WebSocket upgrade was refused, stripped or not answered",
        NetServerUnreachable = "net-server-unreachable": "the measurement server could not be used, so speed and latency are unknown",
        NetTransferFailed = "net-transfer-failed": "a download or upload broke (HTTP error, reset, stall)",
        NetDownloadOk = "net-download-ok": "download goodput meets the recommendation",
        NetDownloadMarginal = "net-download-marginal": "download goodput is above the minimum but below the recommendation",
        NetDownloadLow = "net-download-low": "download goodput is below the minimum",
        NetUploadOk = "net-upload-ok": "upload goodput meets the recommendation",
        NetUploadMarginal = "net-upload-marginal": "upload goodput is above the minimum but below the recommendation",
        NetUploadLow = "net-upload-low": "upload goodput is below the minimum",
        NetLatencyOk = "net-latency-ok": "idle latency is within the limit",
        NetLatencyHigh = "net-latency-high": "idle latency is above the limit",
        NetJitterOk = "net-jitter-ok": "jitter is within the limit",
        NetJitterHigh = "net-jitter-high": "jitter is above the limit",
        NetLossOk = "net-loss-ok": "measured packet loss is within the limit",
        NetLossHigh = "net-loss-high": "measured packet loss is above the limit",
        NetLossNotMeasured = "net-loss-not-measured": "packet loss could not be measured (the reason is given)",
        NetLoadedLatencyOk = "net-loaded-latency-ok": "latency under load rises little",
        NetBufferbloat = "net-bufferbloat": "latency rises a lot while the line is busy (bufferbloat)",
        NetVpn = "net-vpn": "a VPN or tunnel interface is active",
        NetNoVpn = "net-no-vpn": "no VPN or tunnel interface is active",
        NetProxy = "net-proxy": "a proxy is configured",
        NetNoProxy = "net-no-proxy": "no proxy is configured",
        NetWifi = "net-wifi": "the connection goes over Wi-Fi",
        NetWired = "net-wired": "the connection does not go over Wi-Fi",
        NetLinkUnknown = "net-link-unknown": "the interfaces could not be read: Wi-Fi and VPN not checked",
        NetSoakOk = "net-soak-ok": "the paced video-rate upload got through every second",
        NetSoakStalled = "net-soak-stalled": "the paced video-rate upload stalled or fell short",
    }
}

pub const CODES: &[(&str, &str)] = NetCode::TABLE;

/// Ids of the figures these findings judge (see `figures.rs`).
pub const LATENCY: &str = "network.latency_ms";
pub const JITTER: &str = "network.jitter_ms";
pub const LOSS: &str = "network.loss_percent";
pub const LOADED: &str = "network.loaded_latency_increase_ms";
pub const SOAK: &str = "network.soak_mbps";

/// The paced upload must deliver 90 % of the video rate (median of its seconds).
pub fn soak_floor(target_mbps: f64) -> f64 {
    target_mbps * 0.9
}

fn mbps(v: f64) -> String {
    format!("{} Mbps", num(v))
}

fn ms(v: f64) -> String {
    format!("{} ms", num(v))
}

pub fn judge(f: &NetworkFacts, req: &NetworkRequirements) -> Judgement {
    let mut out = Vec::new();
    endpoints(f, &mut out);
    server(f, &mut out);
    transfers(f, req, &mut out);
    latency(f, req, &mut out);
    loss(f, req, &mut out);
    loaded_latency(f, req, &mut out);
    link(f, req, &mut out);
    soak(f, &mut out);

    let summary = summary(f);
    Judgement {
        summary,
        findings: out,
    }
}

/// The measurement server could not be used: nothing was measured against it.
fn server(f: &NetworkFacts, out: &mut Vec<Finding>) {
    if let Some(e) = &f.server_error {
        out.push(Finding::fail(
            NetCode::NetServerUnreachable,
            format!(
                "The measurement server {} could not be used ({e}): speed, latency and loss were not measured.",
                crate::redact::url(&f.server)
            ),
            "Check that this computer is online (open any web page). If a firewall or proxy blocks the \
             server, allow it, or point examready at another one with --server URL (e.g. a machine \
             running `examready serve`).",
        ));
    }
}

/// Each direction's transfer: broken, and its goodput against the minimum and recommendation.
fn transfers(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
    for (label, g, err, min, rec) in [
        (
            "download",
            &f.download_mbps,
            &f.download_error,
            req.min_download_mbps,
            req.recommended_download_mbps,
        ),
        (
            "upload",
            &f.upload_mbps,
            &f.upload_error,
            req.min_upload_mbps,
            req.recommended_upload_mbps,
        ),
    ] {
        if let Some(e) = err {
            out.push(Finding::fail(
                NetCode::NetTransferFailed,
                format!("The {label} test broke: {e}."),
                format!(
                    "Run the check again. If it repeats, the connection drops under load: restart the \
                     router, use a cable, or ask your provider; an institution's firewall or proxy may \
                     cut long transfers to {}.",
                    crate::redact::url(&f.server)
                ),
            ));
        }
        if let Some(g) = g {
            goodput(label, g, min.map(|m| m.0), rec.map(|m| m.0), out);
        }
    }
}

/// How much latency rises while the line is busy (bufferbloat).
fn loaded_latency(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
    if let (Some(inc), Some(max)) = (
        f.loaded_latency_increase_ms,
        req.max_loaded_latency_increase_ms,
    ) {
        let loaded = f.loaded_latency_ms.map(|l| l.median).unwrap_or(0.0);
        let rising = if f.loaded_latency_settled == Some(false) {
            " It was still rising when the test ended, so the true figure may be higher."
        } else {
            ""
        };
        if inc > max.0 {
            out.push(Finding::warn(
                NetCode::NetBufferbloat,
                format!(
                    "Latency rises by {} while the line is busy ({} under load), more than {}: video \
                     will lag whenever anything else uses the connection.{rising}",
                    ms(inc),
                    ms(loaded),
                    ms(max.0)
                ),
                "Stop other uploads, backups, cloud sync and streaming during the exam; if your router \
                 offers SQM / smart queue management, turn it on.",
            ).judging(LOADED, inc, Some(max.0), "ms"));
        } else {
            out.push(
                Finding::pass(
                    NetCode::NetLoadedLatencyOk,
                    format!(
                        "Latency under load rises by {}, within {}.{rising}",
                        ms(inc),
                        ms(max.0)
                    ),
                )
                .judging(LOADED, inc, Some(max.0), "ms"),
            );
        }
    }
}

fn goodput(label: &str, g: &Goodput, min: Option<f64>, rec: Option<f64>, out: &mut Vec<Finding>) {
    let figure = format!(
        "{} goodput is {} (median of {} one-second figures; lowest {})",
        capitalize(label),
        mbps(g.median),
        g.series.len(),
        mbps(g.min)
    );
    let remedy = format!(
        "Pause other devices and programs that use the connection (streaming, cloud sync, updates), \
         move closer to the router or use a cable, and test again at the time of day of your exam; \
         if it stays low, ask your provider for a faster {label}."
    );
    let code = |level: &str| match (label, level) {
        ("download", "low") => NetCode::NetDownloadLow,
        ("download", "marginal") => NetCode::NetDownloadMarginal,
        ("download", _) => NetCode::NetDownloadOk,
        (_, "low") => NetCode::NetUploadLow,
        (_, "marginal") => NetCode::NetUploadMarginal,
        _ => NetCode::NetUploadOk,
    };
    let id = format!("network.{label}_mbps");
    let judged = |f: Finding, limit: f64| f.judging(&id, g.median, Some(limit), "Mbps");
    if let Some(m) = min.filter(|&m| g.median < m) {
        out.push(judged(
            Finding::fail(
                code("low"),
                format!("{figure}, below the minimum of {}.", mbps(m)),
                remedy,
            ),
            m,
        ));
    } else if let Some(r) = rec.filter(|&r| g.median < r) {
        out.push(judged(
            Finding::warn(
                code("marginal"),
                format!(
                    "{figure}, above the minimum but below the recommended {}.",
                    mbps(r)
                ),
                remedy,
            ),
            r,
        ));
    } else if let Some(limit) = rec.or(min) {
        out.push(judged(
            Finding::pass(code("ok"), format!("{figure}, at least {}.", mbps(limit))),
            limit,
        ));
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn soak(f: &NetworkFacts, out: &mut Vec<Finding>) {
    let Some(s) = &f.soak else { return };
    let median = crate::stats::percentile(&s.series, 50.0).unwrap_or(0.0);
    if s.error.is_some()
        || s.stalls > 0
        || s.series.is_empty()
        || median < soak_floor(s.target_mbps)
    {
        out.push(Finding::fail(
            NetCode::NetSoakStalled,
            format!(
                "Streaming at {} for {} s: {} second(s) got less than half through, median delivered {}{}.",
                mbps(s.target_mbps),
                num(s.seconds),
                s.stalls,
                mbps(median),
                s.error.as_deref().map(|e| format!("; {e}")).unwrap_or_default()
            ),
            "This link cannot carry the webcam and screen stream steadily: use a cable, stop other \
             uploads (cloud backup, photo sync), and test again at the time of your exam.",
        ).judging(SOAK, median, Some(soak_floor(s.target_mbps)), "Mbps"));
    } else {
        out.push(
            Finding::pass(
                NetCode::NetSoakOk,
                format!(
                    "Streaming at {} for {} s got through every second (median {}{}).",
                    mbps(s.target_mbps),
                    num(s.seconds),
                    mbps(median),
                    s.latency_increase_ms
                        .map(|i| format!(", latency +{}", ms(i)))
                        .unwrap_or_default()
                ),
            )
            .judging(SOAK, median, Some(soak_floor(s.target_mbps)), "Mbps"),
        );
    }
}

fn summary(f: &NetworkFacts) -> String {
    let mut parts = Vec::new();
    if let Some(d) = &f.download_mbps {
        parts.push(format!("down {}", mbps(d.median)));
    }
    if let Some(u) = &f.upload_mbps {
        parts.push(format!("up {}", mbps(u.median)));
    }
    if let Some(l) = f.latency_ms {
        parts.push(format!("latency {}", ms(l.median)));
    }
    if let Some(j) = f.jitter_ms {
        parts.push(format!("jitter {}", ms(j)));
    }
    if let Some(l) = f.loss_percent {
        parts.push(format!("loss {} %", num(l)));
    }
    let bad = f
        .endpoints
        .iter()
        .filter(|e| e.status != EndpointStatus::Ok)
        .count();
    if !f.endpoints.is_empty() {
        parts.push(format!(
            "{}/{} endpoints reachable",
            f.endpoints.len() - bad,
            f.endpoints.len()
        ));
    }
    if f.server_error.is_some() {
        parts.push("measurement server unreachable".into());
    }
    if parts.is_empty() {
        "nothing measured".into()
    } else {
        parts.join(", ")
    }
}
