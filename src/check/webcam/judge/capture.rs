//! The capture: it delivers frames, at what rate, and the resolutions that work.

use crate::check::fmt::num;
use crate::check::webcam::figures;
use crate::check::webcam::{CaptureFacts, WebcamCode, WebcamFacts, WebcamRequirements};
use crate::model::Finding;
use crate::units::Resolution;

/// The capture: frame rate and the resolutions that work. Returns the resolution and rate.
pub(super) fn capture(
    facts: &WebcamFacts,
    cap: &CaptureFacts,
    req: &WebcamRequirements,
    profile: &str,
    chosen: &str,
    out: &mut Vec<Finding>,
) -> (String, f64) {
    // It works: how well.
    let res = cap
        .resolution
        .map(|r| r.to_string())
        .unwrap_or_else(|| "?".into());
    let fps = cap.fps.unwrap_or(0.0);
    out.push(Finding::pass(
        WebcamCode::WebcamCapture,
        format!(
            "'{chosen}' delivers {res} at {} fps ({} frames in {} s).",
            num(fps),
            cap.frames,
            num(cap.seconds)
        ),
    ));
    if let Some(e) = &cap.error {
        out.push(Finding::warn(
            WebcamCode::WebcamInterrupted,
            format!("The picture stopped during the capture after {} frames: {}.", cap.frames, e.message),
            "Reconnect the camera (another USB port, no hub) and close other applications that use it, then run the check again.",
        ));
    }
    if let Some(min) = req.min_fps
        && fps < min.get()
    {
        out.push(Finding::fail(
            WebcamCode::WebcamFpsLow,
            format!("'{chosen}' delivers {} frames per second; at least {} are needed.", num(fps), num(min.get())),
            "Add light (cameras slow down in the dark), close other applications that use the camera or the CPU, and connect the camera to a USB port directly.",
        ).judging(figures::FPS, fps, Some(min.get()), "fps"));
    }

    resolutions(facts, cap, req, profile, chosen, &res, out);
    (res, fps)
}

/// The resolutions that work: at least the profile's minimum.
fn resolutions(
    facts: &WebcamFacts,
    cap: &CaptureFacts,
    req: &WebcamRequirements,
    profile: &str,
    chosen: &str,
    res: &str,
    out: &mut Vec<Finding>,
) {
    let mut working: Vec<Resolution> = facts
        .ladder
        .iter()
        .filter(|r| r.ok)
        .filter_map(|r| r.delivered)
        .collect();
    working.extend(cap.resolution);
    let ladder_text = ladder_text(facts);
    match req.min_resolution {
        Some(min)
            if !working
                .iter()
                .any(|r| r.width >= min.width && r.height >= min.height) =>
        {
            out.push(Finding::fail(
                WebcamCode::WebcamResolutionLow,
                format!("'{chosen}' delivers at most {res} ({ladder_text}); {profile} needs at least {min}."),
                format!("Use a webcam that delivers {min} or more (most built-in and USB webcams do), and close applications that may limit it."),
            ));
        }
        _ => out.push(Finding::pass(
            WebcamCode::WebcamResolution,
            format!("Resolutions: {ladder_text}."),
        )),
    }
}

/// The ladder in words: the rungs that work and those that do not.
fn ladder_text(facts: &WebcamFacts) -> String {
    let ok_rungs: Vec<String> = facts
        .ladder
        .iter()
        .filter(|r| r.ok)
        .map(|r| r.resolution.to_string())
        .collect();
    let bad_rungs: Vec<String> = facts
        .ladder
        .iter()
        .filter(|r| !r.ok)
        .map(|r| r.resolution.to_string())
        .collect();
    match (ok_rungs.is_empty(), bad_rungs.is_empty()) {
        (false, true) => format!("works at {}", ok_rungs.join(", ")),
        (true, true) => "no other resolution tried".to_string(),
        (true, false) => format!("not at {}", bad_rungs.join(", ")),
        (false, false) => format!(
            "works at {}; not at {}",
            ok_rungs.join(", "),
            bad_rungs.join(", ")
        ),
    }
}
