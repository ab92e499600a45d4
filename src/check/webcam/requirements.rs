//! `[webcam]` in a profile, and the defaults and thresholds the probe and the judge use when a
//! profile leaves them out.

use serde::{Deserialize, Serialize};

use crate::units::{NonNegative, Resolution, Seconds};

crate::units::bounded_f64!(
    /// A fraction between 0 and 1.
    Fraction, 0.0, 1.0, "a fraction"
);
crate::units::bounded_f64!(
    /// A luma level between 0 and 255.
    LumaLevel, 0.0, 255.0, "a luma level"
);

/// `[webcam]` in a profile. Every key is optional: what a profile leaves out is not judged.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebcamRequirements {
    /// A working camera is required (`false`: its absence is only reported).
    pub required: Option<bool>,
    /// The capture is made at this resolution; no working resolution this large fails.
    pub min_resolution: Option<Resolution>,
    /// Resolutions tried, one frame each (reported).
    pub resolution_ladder: Option<Vec<Resolution>>,
    /// How long to capture (default 3 s) and with `--quick` (default 1.5 s).
    pub capture_seconds: Option<Seconds>,
    pub quick_capture_seconds: Option<Seconds>,
    /// A delivered frame rate below this fails.
    pub min_fps: Option<NonNegative>,
    /// A frame whose mean luma is below this is black.
    pub black_luma: Option<LumaLevel>,
    /// A frame whose SSIM against the previous one is above this is frozen.
    pub frozen_ssim: Option<Fraction>,
    /// Black, frozen or uniform (covered) frames above this fraction fail.
    pub max_bad_frame_fraction: Option<Fraction>,
    /// Mean luma below this warns (too dark for the proctor).
    pub too_dark_luma: Option<LumaLevel>,
    /// Mean luma above this warns (overexposed).
    pub too_bright_luma: Option<LumaLevel>,
    /// Median variance of the Laplacian (on the frame reduced to 320 px wide) below this warns.
    pub min_sharpness: Option<NonNegative>,
    /// No face seen fails (`true`) or warns (`false`).
    pub require_face: Option<bool>,
    /// `false`: more than one face warns.
    pub allow_multiple_faces: Option<bool>,
    /// Face width / frame width below this warns.
    pub min_face_fraction: Option<Fraction>,
    /// `false`: a virtual camera (OBS, ManyCam, phone-as-webcam ...) fails when chosen and
    /// warns when merely installed.
    pub allow_virtual_camera: Option<bool>,
}

/// Capture resolution when the profile names no minimum (test.webrtc.org's middle rung).
pub const DEFAULT_CAPTURE: Resolution = Resolution {
    width: 640,
    height: 480,
};
/// test.webrtc.org's ladder, tried when the profile gives none.
pub const DEFAULT_LADDER: [Resolution; 3] = [
    Resolution {
        width: 320,
        height: 240,
    },
    Resolution {
        width: 640,
        height: 480,
    },
    Resolution {
        width: 1280,
        height: 720,
    },
];
pub const DEFAULT_CAPTURE_SECONDS: f64 = 3.0;
pub const DEFAULT_QUICK_CAPTURE_SECONDS: f64 = 1.5;

/// A frame whose reduced-luma standard deviation is below this shows no scene: the lens is
/// covered (a finger, a shutter, tape) or the camera sends a flat colour. Our own figure: a lit
/// room scene measures 30-70, a covered lens under 5.
pub const COVERED_STDDEV: f64 = 8.0;
/// Backlight: the subject (the face, or the centre third) below this fraction of the surround's
/// luma while the surround is bright (at least [`BACKLIT_MIN_SURROUND`]). Our own figures.
pub const BACKLIT_RATIO: f64 = 0.55;
pub const BACKLIT_MIN_SURROUND: f64 = 150.0;
/// A face centre farther than this (fraction of the frame) from the frame centre is off-centre.
pub const OFF_CENTRE_X: f64 = 0.20;
pub const OFF_CENTRE_Y: f64 = 0.25;
