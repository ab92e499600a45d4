//! The network figures: goodput both ways, latency (with its probes), jitter, loss, latency under
//! load and the paced video-rate upload, each with the profile's limits.

use super::judge::{JITTER, LATENCY, LOADED, LOSS, SOAK, soak_floor};
use super::{NetworkFacts, NetworkRequirements};
use crate::model::{Better, Figure};

pub fn figures(f: &NetworkFacts, req: &NetworkRequirements) -> Vec<Figure> {
    let mut out = Vec::new();
    for (id, label, g, min, rec) in [
        (
            "network.download_mbps",
            "Download",
            &f.download_mbps,
            req.min_download_mbps,
            req.recommended_download_mbps,
        ),
        (
            "network.upload_mbps",
            "Upload",
            &f.upload_mbps,
            req.min_upload_mbps,
            req.recommended_upload_mbps,
        ),
    ] {
        // A direction that was not measured (no server) has no figure, not a zero.
        let Some(g) = g else { continue };
        out.push(
            Figure::new(id, label, Some(g.median), "Mbps", Better::Higher)
                .minimum(min.map(|m| m.0))
                .recommended(rec.map(|m| m.0))
                .steps("second", 1.0, &g.series),
        );
    }
    if let Some(lat) = f.latency_ms {
        out.push(
            Figure::new(LATENCY, "Latency", Some(lat.median), "ms", Better::Lower)
                .maximum(req.max_latency_ms.map(|m| m.0))
                .recommended(req.recommended_max_latency_ms.map(|m| m.0))
                .steps("probe", 1.0, &f.latency_samples_ms),
        );
    }
    if let Some(j) = f.jitter_ms {
        out.push(
            Figure::new(JITTER, "Jitter", Some(j), "ms", Better::Lower)
                .maximum(req.max_jitter_ms.map(|m| m.0))
                .recommended(req.recommended_max_jitter_ms.map(|m| m.0)),
        );
    }
    if let Some(loss) = f.loss_percent {
        out.push(
            Figure::new(LOSS, "Packet loss", Some(loss), "%", Better::Lower)
                .maximum(req.max_loss_percent.map(|m| m.0))
                .recommended(req.recommended_max_loss_percent.map(|m| m.0)),
        );
    }
    if let Some(inc) = f.loaded_latency_increase_ms {
        out.push(
            Figure::new(
                LOADED,
                "Latency rise under load",
                Some(inc),
                "ms",
                Better::Lower,
            )
            .maximum(req.max_loaded_latency_increase_ms.map(|m| m.0)),
        );
    }
    if let Some(s) = &f.soak {
        let median = crate::stats::percentile(&s.series, 50.0);
        out.push(
            Figure::new(
                SOAK,
                "Upload at the video rate",
                median,
                "Mbps",
                Better::Higher,
            )
            .minimum(Some(soak_floor(s.target_mbps)))
            .recommended(Some(s.target_mbps))
            .steps("second", 1.0, &s.series),
        );
    }
    out
}
