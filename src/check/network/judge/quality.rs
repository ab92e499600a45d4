//! Latency, jitter and loss against their limits (fail at the maximum, warn at the recommendation).

use super::*;

/// A figure where lower is better, against a failing maximum and a warning recommendation: the
/// status and the limit it was judged against; `None` when the profile sets neither.
pub(super) fn at_most(v: f64, max: Option<f64>, rec: Option<f64>) -> Option<(Status, f64)> {
    match (max, rec) {
        (Some(m), _) if v > m => Some((Status::Fail, m)),
        (_, Some(r)) if v > r => Some((Status::Warn, r)),
        (Some(m), _) => Some((Status::Pass, m)),
        (None, Some(r)) => Some((Status::Pass, r)),
        (None, None) => None,
    }
}

/// "the limit of 150 ms" or "the recommended 150 ms".
pub(super) fn limit_words(status: Status, limit: String) -> String {
    if status == Status::Warn {
        format!("the recommended {limit}")
    } else {
        format!("the limit of {limit}")
    }
}

/// How the latency samples were taken, in words.
pub(super) fn latency_how(f: &NetworkFacts) -> String {
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

pub(super) fn latency(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
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
pub(super) fn loss(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
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
