//! The webcam figures: frame rate, brightness (with its per-frame series) and sharpness, with
//! the profile's limits.

use super::{CaptureFacts, FrameSummary, WebcamFacts, WebcamRequirements, summarize};
use crate::model::{Better, Figure};

pub const FPS: &str = "webcam.fps";
pub const BRIGHTNESS: &str = "webcam.brightness_luma";
pub const SHARPNESS: &str = "webcam.sharpness";

/// The luma under which a frame is black and the SSIM over which it is frozen (profile or default).
pub fn thresholds(req: &WebcamRequirements) -> (f64, f64) {
    (
        req.black_luma.map_or(20.0, |b| b.0),
        req.frozen_ssim.map_or(0.985, |f| f.0),
    )
}

/// The capture's frames summarized under the profile's thresholds.
pub fn frame_summary(cap: &CaptureFacts, req: &WebcamRequirements) -> FrameSummary {
    let (black, frozen) = thresholds(req);
    summarize(&cap.per_frame, black, frozen)
}

pub fn figures(f: &WebcamFacts, req: &WebcamRequirements) -> Vec<Figure> {
    let Some(cap) = f.capture.as_ref().filter(|c| c.frames > 0) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(fps) = cap.fps {
        out.push(
            Figure::new(FPS, "Frame rate", Some(fps), "fps", Better::Higher)
                .minimum(req.min_fps.map(|m| m.get())),
        );
    }
    let s = frame_summary(cap, req);
    // Frames at the measured rate: each frame's time in seconds from the first.
    let step = cap.fps.filter(|r| *r > 0.0).map_or(1.0, |r| 1.0 / r);
    let points = cap
        .per_frame
        .luma
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64 * step, v.is_finite().then_some(*v)))
        .collect();
    out.push(
        Figure::new(
            BRIGHTNESS,
            "Brightness (mean luma, 0-255)",
            Some(s.luma),
            "",
            Better::Within,
        )
        .minimum(req.too_dark_luma.map(|l| l.0))
        .maximum(req.too_bright_luma.map(|l| l.0))
        .series("seconds", points),
    );
    out.push(
        Figure::new(
            SHARPNESS,
            "Sharpness",
            Some(s.sharpness),
            "",
            Better::Higher,
        )
        .minimum(req.min_sharpness.map(|m| m.get())),
    );
    out
}
