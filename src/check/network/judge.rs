//! The network judge: pure, from recorded facts and the profile's `[network]` section.

use super::{EndpointStatus, Goodput, InterfaceKind, NetworkFacts, NetworkRequirements};
use crate::check::fmt::num;
use crate::model::{Finding, Judgement, Status};

mod endpoints;
use endpoints::{intercepted, tls_issuer, websocket};

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
            goodput(label, g, min.map(|m| m.0), rec.map(|m| m.0), &mut out);
        }
    }

    latency(f, req, &mut out);
    loss(f, req, &mut out);

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

    link(f, req, &mut out);
    soak(f, &mut out);

    let summary = summary(f);
    Judgement {
        summary,
        findings: out,
    }
}

/// A figure where lower is better, against a failing maximum and a warning recommendation: the
/// status and the limit it was judged against; `None` when the profile sets neither.
fn at_most(v: f64, max: Option<f64>, rec: Option<f64>) -> Option<(Status, f64)> {
    match (max, rec) {
        (Some(m), _) if v > m => Some((Status::Fail, m)),
        (_, Some(r)) if v > r => Some((Status::Warn, r)),
        (Some(m), _) => Some((Status::Pass, m)),
        (None, Some(r)) => Some((Status::Pass, r)),
        (None, None) => None,
    }
}

/// "the limit of 150 ms" or "the recommended 150 ms".
fn limit_words(status: Status, limit: String) -> String {
    if status == Status::Warn {
        format!("the recommended {limit}")
    } else {
        format!("the limit of {limit}")
    }
}

/// How the latency samples were taken, in words.
fn latency_how(f: &NetworkFacts) -> String {
    let n = f
        .loss_packets_received
        .filter(|_| f.latency_method.as_deref() != Some("http"))
        .unwrap_or(f.latency_samples_ms.len() as u32);
    let mut how = match f.latency_method.as_deref() {
        Some("udp-echo") => format!("median of {n} UDP echo packets"),
        Some("icmp") => format!("median of {n} ICMP echo packets"),
        _ => format!("median of {} probes", f.latency_samples_ms.len()),
    };
    if f.latency_probes_excluded > 0 {
        how.push_str(&format!(
            ", without {} that waited for a TCP retransmission",
            f.latency_probes_excluded
        ));
    }
    how
}

fn latency(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
    let (max, rec) = (
        req.max_latency_ms.map(|m| m.0),
        req.recommended_max_latency_ms.map(|m| m.0),
    );
    if let Some(lat) = f.latency_ms
        && let Some((status, limit)) = at_most(lat.median, max, rec)
    {
        let finding = if status == Status::Pass {
            Finding::pass(
                NetCode::NetLatencyOk,
                format!(
                    "Latency is {} ({}; 95th percentile {}), within {}.",
                    ms(lat.median),
                    latency_how(f),
                    ms(lat.p95),
                    ms(limit)
                ),
            )
        } else {
            Finding::new(
                NetCode::NetLatencyHigh,
                status,
                format!(
                    "Latency is {} ({}; 95th percentile {}), above {}.",
                    ms(lat.median),
                    latency_how(f),
                    ms(lat.p95),
                    limit_words(status, ms(limit))
                ),
            )
            .with_remedy(
                "Use a wired connection, stop downloads and streaming on your network during the \
                 exam, and do not use a VPN, satellite or mobile link.",
            )
        };
        out.push(finding.judging(LATENCY, lat.median, Some(limit), "ms"));
    }
    let (max, rec) = (
        req.max_jitter_ms.map(|m| m.0),
        req.recommended_max_jitter_ms.map(|m| m.0),
    );
    if let Some(j) = f.jitter_ms
        && let Some((status, limit)) = at_most(j, max, rec)
    {
        let finding = if status == Status::Pass {
            Finding::pass(
                NetCode::NetJitterOk,
                format!("Jitter is {}, within {}.", ms(j), ms(limit)),
            )
        } else {
            Finding::new(
                NetCode::NetJitterHigh,
                status,
                format!(
                    "Jitter is {} (mean change between consecutive samples), above {}.",
                    ms(j),
                    limit_words(status, ms(limit))
                ),
            )
            .with_remedy(
                "Jitter comes from a busy or unstable link: use a cable instead of Wi-Fi, and keep \
                 other devices from streaming or downloading during the exam.",
            )
        };
        out.push(finding.judging(JITTER, j, Some(limit), "ms"));
    }
}

/// Packet loss against the profile, with the uncertainty of the count: a loss above the maximum
/// fails only when even the low end of its 95 % interval is above it (fewer packets, wider
/// interval); otherwise it warns that the loss may be too high.
fn loss(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
    let (max, rec) = (
        req.max_loss_percent.map(|m| m.0),
        req.recommended_max_loss_percent.map(|m| m.0),
    );
    let Some(loss) = f.loss_percent else {
        if max.or(rec).is_some() {
            out.push(Finding::skip(
                NetCode::NetLossNotMeasured,
                format!(
                    "Packet loss was not measured: {}.",
                    f.loss_not_measured_reason
                        .as_deref()
                        .unwrap_or("no reason recorded")
                ),
            ));
        }
        return;
    };
    let Some((mut status, limit)) = at_most(loss, max, rec) else {
        return;
    };
    let sent = f.loss_packets_sent.unwrap_or(0);
    let lost = sent.saturating_sub(f.loss_packets_received.unwrap_or(0));
    let interval = crate::stats::wilson(lost, sent, 1.96);
    let mut how = format!(
        "{lost} of {sent} {} packets lost",
        f.loss_method.as_deref().unwrap_or("echo")
    );
    if let Some((lo, hi)) = interval {
        how.push_str(&format!(
            "; 95 % interval {}-{} %",
            num(crate::stats::round_to(lo * 100.0, 1)),
            num(crate::stats::round_to(hi * 100.0, 1))
        ));
    }
    let maybe = status == Status::Fail && interval.is_some_and(|(lo, _)| lo * 100.0 <= limit);
    if maybe {
        status = Status::Warn;
    }
    let finding = if status == Status::Pass {
        Finding::pass(
            NetCode::NetLossOk,
            format!(
                "Packet loss is {} % ({how}), within {} %.",
                num(loss),
                num(limit)
            ),
        )
    } else {
        let above = if maybe {
            format!(
                "above the limit of {} %, though with {sent} packets the true loss may be within it",
                num(limit)
            )
        } else {
            format!("above {}", limit_words(status, format!("{} %", num(limit))))
        };
        Finding::new(
            NetCode::NetLossHigh,
            status,
            format!("Packet loss is {} % ({how}), {above}.", num(loss)),
        )
        .with_remedy(if maybe {
            "Run the full check (without --quick) to measure more packets. Loss breaks video: use a \
             cable instead of Wi-Fi, check the cable and router, restart the router, and ask your \
             provider if it persists."
        } else {
            "Loss breaks video: use a cable instead of Wi-Fi, check the cable and router, restart \
             the router, and ask your provider if it persists."
        })
    };
    out.push(finding.judging(LOSS, loss, Some(limit), "%"));
}

fn endpoints(f: &NetworkFacts, out: &mut Vec<Finding>) {
    if f.endpoints.is_empty() {
        return;
    }
    let bad: Vec<_> = f
        .endpoints
        .iter()
        .filter(|e| e.status != EndpointStatus::Ok)
        .collect();
    // Not one name resolves: one finding says so, instead of the same DNS failure per endpoint.
    if f.endpoints.len() >= 2
        && bad.len() == f.endpoints.len()
        && bad.iter().all(|e| e.status == EndpointStatus::DnsFailed)
    {
        let allow: Vec<String> = f
            .endpoints
            .iter()
            .map(|e| format!("{}:{}", e.host, e.port))
            .collect();
        out.push(Finding::fail(
            NetCode::NetOffline,
            format!(
                "No name resolves: DNS failed for all {} endpoints the exam needs. This computer \
                 is offline, or its DNS does not work.",
                f.endpoints.len()
            ),
            format!(
                "Connect to the internet (open a web page to check; a hotel or campus network may \
                 first want a login page), restart the router, or set a working DNS server, then run \
                 examready again. A firewall must allow: {}.",
                allow.join(", ")
            ),
        ));
        return;
    }
    for e in &bad {
        let proto = if e.tls { "TCP (TLS)" } else { "TCP" };
        let issuer = tls_issuer(e);
        let message = format!(
            "{}:{}: {}{}{issuer}{}.",
            e.host,
            e.port,
            e.status.describe(),
            e.error
                .as_deref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default(),
            if e.required {
                ""
            } else {
                "; the profile marks this endpoint as advisory"
            }
        );
        let status = if e.required {
            Status::Fail
        } else {
            Status::Warn
        };
        let remedy = match e.status {
            EndpointStatus::DnsFailed => format!(
                "The name {} does not resolve: check that you are online and that your DNS (router, \
                     Pi-hole, company DNS) does not block it; a firewall must allow {} on {proto} port {}.",
                e.host, e.host, e.port
            ),
            EndpointStatus::TlsFailed => format!(
                "Something intercepts secure connections to {}:{} (antivirus web shield, company proxy, \
                     captive portal): turn it off or allow {} on port {} without inspection.",
                e.host, e.port, e.host, e.port
            ),
            _ => format!(
                "A firewall or router blocks it: allow outgoing {proto} to {} on port {} (ask your \
                     network administrator on a company or school network).",
                e.host, e.port
            ),
        };
        out.push(
            Finding::new(NetCode::NetEndpointUnreachable, status, message).with_remedy(remedy),
        );
    }
    for e in f
        .endpoints
        .iter()
        .filter(|e| e.status == EndpointStatus::Ok)
    {
        intercepted(e, out);
        websocket(e, out);
    }
    if bad.is_empty() {
        let slowest = f
            .endpoints
            .iter()
            .map(|e| {
                e.dns_ms.unwrap_or(0.0) + e.connect_ms.unwrap_or(0.0) + e.tls_ms.unwrap_or(0.0)
            })
            .fold(0.0, f64::max);
        out.push(Finding::pass(
            NetCode::NetEndpointsReachable,
            format!(
                "All {} endpoints answered (slowest {} for DNS, connect and TLS together).",
                f.endpoints.len(),
                ms(slowest)
            ),
        ));
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

fn link(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
    proxy(f, req, out);
    let known = f
        .interfaces
        .iter()
        .any(|i| i.kind != InterfaceKind::Loopback);
    if !known && (req.warn_on_wifi == Some(true) || req.allow_vpn.is_some()) {
        out.push(Finding::skip(
            NetCode::NetLinkUnknown,
            "The network interfaces could not be read, so Wi-Fi and VPN were not checked.",
        ));
        return;
    }
    let tunnels: Vec<&str> = f
        .interfaces
        .iter()
        .filter(|i| i.up && i.kind == InterfaceKind::Tunnel)
        .map(|i| i.name.as_str())
        .collect();
    if let Some(allow) = req.allow_vpn {
        if tunnels.is_empty() {
            out.push(Finding::pass(
                NetCode::NetNoVpn,
                "No VPN or tunnel interface is active.",
            ));
        } else {
            let msg = format!(
                "A VPN or tunnel interface is active: {}.",
                tunnels.join(", ")
            );
            let remedy = "Disconnect the VPN (and quit its app, e.g. Tailscale, WireGuard, OpenVPN, ZeroTier) \
                          before the exam; the proctoring service does not allow VPNs.";
            out.push(if allow {
                Finding::pass(NetCode::NetVpn, format!("{msg} The profile allows VPNs."))
            } else {
                Finding::fail(NetCode::NetVpn, msg, remedy)
            });
        }
    }
    if req.warn_on_wifi == Some(true) {
        let up: Vec<_> = f
            .interfaces
            .iter()
            .filter(|i| i.up && i.kind != InterfaceKind::Loopback)
            .collect();
        let routed: Vec<_> = up.iter().filter(|i| i.default_route).collect();
        let wifi_in_use = if routed.is_empty() {
            up.iter().any(|i| i.kind == InterfaceKind::Wifi)
                && !up.iter().any(|i| i.kind == InterfaceKind::Wired)
        } else {
            routed.iter().any(|i| i.kind == InterfaceKind::Wifi)
        };
        if wifi_in_use {
            let names: Vec<&str> = up
                .iter()
                .filter(|i| i.kind == InterfaceKind::Wifi)
                .map(|i| i.name.as_str())
                .collect();
            out.push(Finding::warn(
                NetCode::NetWifi,
                format!("The connection goes over Wi-Fi ({}).", names.join(", ")),
                "Use an Ethernet cable for the exam if you can (the proctoring service advises a wired \
                 connection); otherwise sit close to the router and keep other devices off the Wi-Fi.",
            ));
        } else {
            out.push(Finding::pass(
                NetCode::NetWired,
                "The connection does not go over Wi-Fi.",
            ));
        }
    }
}

fn proxy(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
    if let Some(allow) = req.allow_proxy {
        if f.proxy.settings.is_empty() {
            out.push(Finding::pass(
                NetCode::NetNoProxy,
                format!(
                    "No proxy is configured (environment; system: {}).",
                    f.proxy.system_source
                ),
            ));
        } else {
            let list: Vec<String> = f
                .proxy
                .settings
                .iter()
                .map(|s| format!("{} = {}", s.source, s.value))
                .collect();
            let msg = format!("A proxy is configured: {}.", list.join(", "));
            let remedy = "Turn the proxy off for the exam: unset the proxy environment variables and set the \
                          system proxy to \"none\" (Windows: Settings > Network > Proxy; macOS: System Settings > \
                          Network > Details > Proxies). On a managed computer, use another network or ask IT.";
            out.push(if allow {
                Finding::pass(
                    NetCode::NetProxy,
                    format!("{msg} The profile allows proxies."),
                )
            } else {
                Finding::fail(NetCode::NetProxy, msg, remedy)
            });
        }
    }
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
