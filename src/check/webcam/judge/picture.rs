//! The picture: black, frozen or covered frames, light, backlight and focus.

use super::pct;
use crate::check::fmt::num;
use crate::check::webcam::figures;
use crate::check::webcam::{
    BACKLIT_MIN_SURROUND, BACKLIT_RATIO, CaptureFacts, FrameSummary, WebcamCode, WebcamFacts,
    WebcamRequirements,
};
use crate::model::Finding;

/// The picture: black, frozen or covered frames, light, backlight and focus. True when the
/// picture is bad (then faces are not judged).
pub(super) fn picture(
    facts: &WebcamFacts,
    cap: &CaptureFacts,
    req: &WebcamRequirements,
    out: &mut Vec<Finding>,
) -> bool {
    // Frame quality.
    let s = figures::frame_summary(cap, req);
    let (black_luma, frozen_ssim) = figures::thresholds(req);
    let before = out.len();
    let bad_picture = bad_frames(&s, req, black_luma, frozen_ssim, out);
    if !bad_picture {
        light(facts, &s, req, out);
    }
    if out.len() == before {
        out.push(Finding::pass(
            WebcamCode::WebcamImage,
            format!(
                "Picture: mean luma {}, sharpness {}, no black, frozen or covered frames beyond the limit ({} frames).",
                num(s.luma),
                num(s.sharpness),
                s.frames
            ),
        ));
    }
    bad_picture
}

/// Black, frozen or covered frames beyond the profile's fraction. True when any.
fn bad_frames(
    s: &FrameSummary,
    req: &WebcamRequirements,
    black_luma: f64,
    frozen_ssim: f64,
    out: &mut Vec<Finding>,
) -> bool {
    let mut bad_picture = false;
    if let Some(max) = req.max_bad_frame_fraction {
        if req.black_luma.is_some() && s.black_fraction > max.0 {
            bad_picture = true;
            out.push(Finding::fail(
                WebcamCode::WebcamBlack,
                format!("{} of the frames are black (mean luma under {}); more than {} fails.", pct(s.black_fraction), num(black_luma), pct(max.0)),
                "Open the camera's privacy shutter or lens cover, turn on the camera switch or key (Fn+F8/F10 on many laptops), and add light to the room.",
            ));
        }
        if req.frozen_ssim.is_some() && s.frozen_fraction > max.0 {
            bad_picture = true;
            out.push(Finding::fail(
                WebcamCode::WebcamFrozen,
                format!("{} of the frames repeat the previous one (SSIM over {}); more than {} fails.", pct(s.frozen_fraction), frozen_ssim, pct(max.0)),
                "The picture is frozen: close other applications that use the camera, reconnect it (another USB port, no hub), and update its driver.",
            ));
        }
        if s.covered_fraction > max.0 {
            bad_picture = true;
            out.push(Finding::fail(
                WebcamCode::WebcamCovered,
                format!("{} of the frames are a uniform image with no scene (the lens looks covered); more than {} fails.", pct(s.covered_fraction), pct(max.0)),
                "Uncover the lens: open the privacy shutter, remove tape or stickers, and point the camera at yourself.",
            ));
        }
    }
    bad_picture
}

/// Light and focus of a picture that is there: too dark, too bright, backlit, blurred.
fn light(facts: &WebcamFacts, s: &FrameSummary, req: &WebcamRequirements, out: &mut Vec<Finding>) {
    if let Some(dark) = req.too_dark_luma
        && s.luma < dark.0
    {
        out.push(Finding::warn(
            WebcamCode::WebcamTooDark,
            format!("The picture is too dark: mean luma {} (under {}); the proctor must see your face clearly.", num(s.luma), num(dark.0)),
            "Turn on a light in front of you (a lamp behind the screen, facing you); avoid sitting with a window or lamp behind you.",
        ).judging(figures::BRIGHTNESS, s.luma, Some(dark.0), ""));
    }
    if let Some(bright) = req.too_bright_luma
        && s.luma > bright.0
    {
        out.push(Finding::warn(
            WebcamCode::WebcamTooBright,
            format!("The picture is overexposed: mean luma {} (over {}).", num(s.luma), num(bright.0)),
            "Move out of direct sunlight or away from a strong lamp, and let the camera adjust for a few seconds.",
        ).judging(figures::BRIGHTNESS, s.luma, Some(bright.0), ""));
    }
    let subject = facts
        .faces
        .as_ref()
        .and_then(|f| f.face_luma)
        .unwrap_or(s.centre_luma);
    if req.too_dark_luma.is_some()
        && s.surround_luma >= BACKLIT_MIN_SURROUND
        && subject < BACKLIT_RATIO * s.surround_luma
    {
        out.push(Finding::warn(
            WebcamCode::WebcamBacklit,
            format!("You are backlit: your face is at luma {} against a bright background at {}.", num(subject), num(s.surround_luma)),
            "Do not sit with a window or lamp behind you: close the curtains or turn around, and light your face from the front.",
        ));
    }
    if let Some(min) = req.min_sharpness
        && s.sharpness < min.get()
    {
        out.push(
            Finding::warn(
                WebcamCode::WebcamBlurry,
                format!(
                    "The picture is blurred: sharpness {} (variance of the Laplacian; under {}).",
                    num(s.sharpness),
                    num(min.get())
                ),
                "Clean the lens, sit 50-100 cm from the camera so it can focus, and add light.",
            )
            .judging(figures::SHARPNESS, s.sharpness, Some(min.get()), ""),
        );
    }
}
