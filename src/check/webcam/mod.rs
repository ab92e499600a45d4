/*!
The `webcam` module: the camera the proctor will watch through.

The probe lists cameras through nokhwa (name, index, formats), opens the chosen one (the first,
or `--camera NAME`) at the profile's minimum resolution, captures a few seconds while measuring
every frame (brightness, frozen frames, uniform image, sharpness, backlight), tries the
resolution ladder (test.webrtc.org's 320x240, 640x480, 1280x720), looks for faces on a few
frames with rustface, and, when the camera cannot be used, finds the process holding it.
`--snapshot FILE` saves one frame as PNG, only when asked.

The judge compares that with the profile's `[webcam]` section and the catalogue's virtual
camera device names (`checks/apps.toml`, `devices = [...]`).
*/

use serde::{Deserialize, Serialize};

use super::fmt::num;
use super::{JudgeContext, Module, ProbeContext};
use crate::catalogue::{Catalogue, OsFamily};
use crate::model::{Finding, Judgement, Status};
use crate::units::{NonNegative, Resolution, Seconds};

pub mod analysis;
pub mod busy;
pub mod capture;
pub mod face;
mod figures;
pub mod native;
pub mod source;
pub mod threaded;

#[cfg(test)]
mod tests;

pub use busy::{BusyFacts, BusyMethod, Holder};
pub use face::FaceBox;

pub struct Webcam;

// ---------------------------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------------------------

crate::units::bounded_f64!(
    /// A fraction between 0 and 1.
    Fraction, 0.0, 1.0, "a fraction"
);
crate::units::bounded_f64!(
    /// A luma level between 0 and 255.
    LumaLevel, 0.0, 255.0, "a luma level"
);

/// `[webcam]` in a profile. Every key is optional: what a profile leaves out is not judged.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebcamRequirements {
    /// A working camera is required (`false`: its absence is only reported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// The capture is made at this resolution; no working resolution this large fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_resolution: Option<Resolution>,
    /// Resolutions tried, one frame each (reported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_ladder: Option<Vec<Resolution>>,
    /// How long to capture (default 3 s) and with `--quick` (default 1.5 s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_seconds: Option<Seconds>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_capture_seconds: Option<Seconds>,
    /// A delivered frame rate below this fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_fps: Option<NonNegative>,
    /// A frame whose mean luma is below this is black.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub black_luma: Option<LumaLevel>,
    /// A frame whose SSIM against the previous one is above this is frozen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen_ssim: Option<Fraction>,
    /// Black, frozen or uniform (covered) frames above this fraction fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bad_frame_fraction: Option<Fraction>,
    /// Mean luma below this warns (too dark for the proctor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_dark_luma: Option<LumaLevel>,
    /// Mean luma above this warns (overexposed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_bright_luma: Option<LumaLevel>,
    /// Median variance of the Laplacian (on the frame reduced to 320 px wide) below this warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_sharpness: Option<NonNegative>,
    /// No face seen fails (`true`) or warns (`false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_face: Option<bool>,
    /// `false`: more than one face warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_multiple_faces: Option<bool>,
    /// Face width / frame width below this warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_face_fraction: Option<Fraction>,
    /// `false`: a virtual camera (OBS, ManyCam, phone-as-webcam ...) fails when chosen and
    /// warns when merely installed.
    #[serde(skip_serializing_if = "Option::is_none")]
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

// ---------------------------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------------------------

/// Why a camera could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// Another application has it.
    Busy,
    /// The OS refused (macOS permission, Windows privacy setting, Linux device permissions).
    AccessDenied,
    /// The driver stopped answering.
    Hung,
    /// Anything else (no usable format, no frame ...).
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraError {
    pub kind: FailureKind,
    /// The backend's own words.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraFacts {
    pub index: u32,
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// `"640x480 MJPEG 30 fps"`, ...
    pub formats: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formats_error: Option<String>,
}

/// Per-frame measurements, one entry per captured frame (see `analysis.rs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameSeries {
    pub luma: Vec<f64>,
    pub ssim_prev: Vec<Option<f64>>,
    pub stddev: Vec<f64>,
    pub sharpness: Vec<f64>,
    pub centre_luma: Vec<f64>,
    pub surround_luma: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureFacts {
    /// The camera's backend index.
    pub index: u32,
    pub requested: Resolution,
    /// The format the camera was opened with (`"640x480 MJPEG 30 fps"`).
    pub format: Option<String>,
    /// The size of the frames delivered.
    pub resolution: Option<Resolution>,
    pub error: Option<CameraError>,
    pub frames: usize,
    /// From the first frame to the last.
    pub seconds: f64,
    /// Delivered frame rate: (frames - 1) / seconds.
    pub fps: Option<f64>,
    pub per_frame: FrameSeries,
}

/// One rung of the resolution ladder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RungFacts {
    pub resolution: Resolution,
    pub ok: bool,
    pub format: Option<String>,
    pub delivered: Option<Resolution>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceFacts {
    /// Frames examined.
    pub frames_examined: usize,
    /// Faces found in each examined frame.
    pub counts: Vec<usize>,
    /// The faces of the frame with the most faces, largest first (fractions of the frame).
    pub faces: Vec<FaceBox>,
    /// Mean luma inside the largest face.
    pub face_luma: Option<f64>,
    /// Detection time per frame.
    pub detection_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotFacts {
    pub path: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebcamFacts {
    pub os: OsFamily,
    /// nokhwa backend (`Video4Linux`, `MediaFoundation`, `AVFoundation`).
    pub backend: String,
    /// macOS camera permission (`None` elsewhere or not asked).
    pub permission: Option<bool>,
    pub list_error: Option<String>,
    pub cameras: Vec<CameraFacts>,
    /// `--camera NAME` as given.
    pub requested_camera: Option<String>,
    /// The name of the camera examined.
    pub chosen: Option<String>,
    pub capture: Option<CaptureFacts>,
    pub ladder: Vec<RungFacts>,
    pub faces: Option<FaceFacts>,
    /// Who holds the camera, looked up when it delivered no frame.
    pub busy: Option<BusyFacts>,
    pub snapshot: Option<SnapshotFacts>,
    /// Windows: which apps use the camera now or used it last, and the privacy switches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<crate::os::consent::ConsentFacts>,
}

/// Frame-quality figures under a profile's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameSummary {
    pub frames: usize,
    pub black_fraction: f64,
    pub frozen_fraction: f64,
    pub covered_fraction: f64,
    /// Median luma of the frames that are not black.
    pub luma: f64,
    pub sharpness: f64,
    pub centre_luma: f64,
    pub surround_luma: f64,
}

/// Summarize the per-frame series: black is luma below `black_luma`; frozen is SSIM above
/// `frozen_ssim` for a frame that is not black (black frames are counted once, as black);
/// covered is a uniform frame that is not black.
pub fn summarize(s: &FrameSeries, black_luma: f64, frozen_ssim: f64) -> FrameSummary {
    let n = s.luma.len();
    let black: Vec<bool> = s.luma.iter().map(|&l| l < black_luma).collect();
    let count = |f: &dyn Fn(usize) -> bool| (0..n).filter(|&i| f(i)).count();
    let frac = |c: usize| if n == 0 { 0.0 } else { c as f64 / n as f64 };
    let frozen = count(&|i| {
        !black[i]
            && s.ssim_prev
                .get(i)
                .copied()
                .flatten()
                .is_some_and(|v| v > frozen_ssim)
    });
    let covered = count(&|i| !black[i] && s.stddev.get(i).is_some_and(|&d| d < COVERED_STDDEV));
    let lit = |v: &Vec<f64>| {
        let lit: Vec<f64> = (0..n)
            .filter(|&i| !black[i])
            .filter_map(|i| v.get(i).copied())
            .collect();
        crate::stats::median(&lit).unwrap_or(0.0)
    };
    FrameSummary {
        frames: n,
        black_fraction: frac(count(&|i| black[i])),
        frozen_fraction: frac(frozen),
        covered_fraction: frac(covered),
        luma: lit(&s.luma),
        sharpness: lit(&s.sharpness),
        centre_luma: lit(&s.centre_luma),
        surround_luma: lit(&s.surround_luma),
    }
}

// ---------------------------------------------------------------------------------------------
// Judge
// ---------------------------------------------------------------------------------------------

fn pct(f: f64) -> String {
    format!("{} %", num(f * 100.0))
}

fn os_remedy_no_camera(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => {
            "Connect a webcam (or open the laptop lid), check that no privacy shutter or camera key (Fn+F8/F10) disables it, and look in Device Manager > Cameras; install or re-enable its driver, then run this check again."
        }
        OsFamily::Macos => {
            "Connect a webcam or open the MacBook lid, then check System Settings > Privacy & Security > Camera and System Information > Camera; restart the Mac if the built-in camera is missing."
        }
        OsFamily::Linux => {
            "Connect a webcam, check that it appears in `ls /dev/video*` (and `lsusb`), that the uvcvideo driver is loaded (`sudo modprobe uvcvideo`), and that your user is in the video group."
        }
    }
}

fn os_remedy_access(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => {
            "Allow camera access: Settings > Privacy & security > Camera: turn on 'Camera access', 'Let apps access your camera' and 'Let desktop apps access your camera'; then run the check again."
        }
        OsFamily::Macos => {
            "Allow camera access: System Settings > Privacy & Security > Camera: turn on the terminal (or the exam app) running this check, quit and reopen it, and run the check again. The OnVUE app needs the same permission."
        }
        OsFamily::Linux => {
            "Give your user access to the camera: `sudo usermod -aG video $USER`, log out and back in (or check the device's permissions with `ls -l /dev/video*`)."
        }
    }
}

fn holder_list(b: &BusyFacts) -> String {
    b.holders
        .iter()
        .take(6)
        .map(|h| match &h.app {
            Some(app) if !h.name.eq_ignore_ascii_case(app) => {
                format!("{app} ({} pid {})", h.name, h.pid)
            }
            Some(app) => format!("{app} (pid {})", h.pid),
            None => format!("{} (pid {})", h.name, h.pid),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Judge webcam facts under `req`, with `catalogue` for virtual camera names.
pub fn judge_with(
    facts: &WebcamFacts,
    req: &WebcamRequirements,
    catalogue: &Catalogue,
    profile: &str,
) -> Judgement {
    let mut findings = Vec::new();
    let os = facts.os;

    if let Some(e) = &facts.list_error {
        findings.push(Finding::fail(
            WebcamCode::WebcamListFailed,
            format!("The cameras could not be listed: {e}."),
            os_remedy_no_camera(os),
        ));
        return Judgement {
            summary: "cameras cannot be listed".into(),
            findings,
        };
    }
    if facts.permission == Some(false) {
        findings.push(Finding::fail(
            WebcamCode::WebcamAccessDenied,
            "The system refused access to the camera (camera permission not granted).",
            os_remedy_access(os),
        ));
        return Judgement {
            summary: "camera access refused".into(),
            findings,
        };
    }
    if facts.cameras.is_empty() {
        let msg = "No camera found.";
        let f = match req.required {
            Some(true) => Finding::fail(
                WebcamCode::WebcamNone,
                format!("{msg} {profile} requires a webcam."),
                os_remedy_no_camera(os),
            ),
            Some(false) => Finding::warn(
                WebcamCode::WebcamNone,
                format!("{msg} {profile} does not require one."),
                os_remedy_no_camera(os),
            ),
            None => Finding::skip(
                WebcamCode::WebcamNone,
                format!("{msg} Not judged by this profile."),
            ),
        };
        findings.push(f);
        return Judgement {
            summary: "no camera found".into(),
            findings,
        };
    }
    let names: Vec<String> = facts
        .cameras
        .iter()
        .map(|c| format!("'{}'", c.name))
        .collect();
    let Some(chosen) = facts.chosen.as_deref() else {
        findings.push(Finding::fail(
            WebcamCode::WebcamNotFound,
            format!(
                "No camera matches --camera {:?}; the cameras are {}.",
                facts.requested_camera.as_deref().unwrap_or(""),
                names.join(", ")
            ),
            "Run the check again with --camera and one of the names listed (or part of it), or without --camera to use the default camera.",
        ));
        return Judgement {
            summary: "requested camera not found".into(),
            findings,
        };
    };

    // Virtual cameras.
    let virtual_app = |name: &str| catalogue.match_device(name).map(|a| a.name.clone());
    let real: Vec<&CameraFacts> = facts
        .cameras
        .iter()
        .filter(|c| virtual_app(&c.name).is_none())
        .collect();
    let chosen_virtual = virtual_app(chosen);
    if req.allow_virtual_camera == Some(false) {
        if let Some(app) = &chosen_virtual {
            let remedy = match real.first() {
                Some(r) => format!(
                    "Use your real camera '{}': select it in the exam software's camera setting (and here with --camera \"{}\"), and quit or uninstall {app} so it cannot be picked by default.",
                    r.name, r.name
                ),
                None => format!(
                    "Connect a real webcam (a laptop's built-in camera or a USB webcam) and quit or uninstall {app}; phones used as webcams are not allowed either."
                ),
            };
            findings.push(Finding::fail(
                WebcamCode::WebcamVirtual,
                format!("The camera in use, '{chosen}', is a virtual camera ({app}); {profile} does not allow virtual cameras."),
                remedy,
            ));
        }
        for c in &facts.cameras {
            if c.name == chosen {
                continue;
            }
            if let Some(app) = virtual_app(&c.name) {
                findings.push(Finding::warn(
                    WebcamCode::WebcamVirtualInstalled,
                    format!("A virtual camera, '{}' ({app}), is installed; {profile} does not allow virtual cameras and the exam software may pick it.", c.name),
                    format!("Quit {app} and remove or disable its virtual camera before the exam, and make sure the exam software uses '{chosen}'."),
                ));
            }
        }
    }

    let Some(cap) = facts.capture.as_ref() else {
        return Judgement {
            summary: format!("'{chosen}' not examined"),
            findings,
        };
    };

    // Could it deliver frames at all?
    if cap.frames == 0 {
        let err = cap.error.clone().unwrap_or(CameraError {
            kind: FailureKind::Failed,
            message: "no frame arrived".into(),
        });
        let holders = facts.busy.as_ref().filter(|b| !b.holders.is_empty());
        let f = match (err.kind, holders) {
            (FailureKind::AccessDenied, _) => Finding::fail(
                WebcamCode::WebcamAccessDenied,
                format!("The system refused access to '{chosen}': {}.", err.message),
                os_remedy_access(os),
            ),
            (_, Some(b)) => {
                let certain = b.method == BusyMethod::OpenFile;
                let who = holder_list(b);
                Finding::fail(
                    WebcamCode::WebcamBusy,
                    if certain {
                        format!(
                            "'{chosen}' is in use by {who} and delivered no frame ({}).",
                            err.message
                        )
                    } else {
                        format!(
                            "'{chosen}' delivered no frame ({}); applications that use the camera are running: {who}.",
                            err.message
                        )
                    },
                    format!(
                        "Quit {who} (closing its window may not be enough: quit it from the tray/menu bar), then run the check again."
                    ),
                )
            }
            (FailureKind::Busy, None) => Finding::fail(
                WebcamCode::WebcamBusy,
                format!(
                    "'{chosen}' is in use by another application: {}.",
                    err.message
                ),
                "Quit every application that may use the camera (video meetings, browsers with a call open, camera apps, OBS), then run the check again; restart the computer if it stays busy.",
            ),
            _ => Finding::fail(
                WebcamCode::WebcamNoFrame,
                format!(
                    "'{chosen}' is listed but delivered no frame: {}. A listed camera that shows no picture will not pass the proctor's check.",
                    err.message
                ),
                "Unplug and reconnect the camera (another USB port, no hub), close every application that may use it, check for a privacy shutter or camera switch, update or reinstall its driver, then run the check again.",
            ),
        };
        findings.push(f);
        return Judgement {
            summary: format!("'{chosen}' delivers no picture"),
            findings,
        };
    }

    // It works: how well.
    let res = cap
        .resolution
        .map(|r| r.to_string())
        .unwrap_or_else(|| "?".into());
    let fps = cap.fps.unwrap_or(0.0);
    findings.push(Finding::pass(
        WebcamCode::WebcamCapture,
        format!(
            "'{chosen}' delivers {res} at {} fps ({} frames in {} s).",
            num(fps),
            cap.frames,
            num(cap.seconds)
        ),
    ));
    if let Some(e) = &cap.error {
        findings.push(Finding::warn(
            WebcamCode::WebcamInterrupted,
            format!("The picture stopped during the capture after {} frames: {}.", cap.frames, e.message),
            "Reconnect the camera (another USB port, no hub) and close other applications that use it, then run the check again.",
        ));
    }
    if let Some(min) = req.min_fps
        && fps < min.get()
    {
        findings.push(Finding::fail(
            WebcamCode::WebcamFpsLow,
            format!("'{chosen}' delivers {} frames per second; at least {} are needed.", num(fps), num(min.get())),
            "Add light (cameras slow down in the dark), close other applications that use the camera or the CPU, and connect the camera to a USB port directly.",
        ).judging(figures::FPS, fps, Some(min.get()), "fps"));
    }

    // Resolutions.
    let mut working: Vec<Resolution> = facts
        .ladder
        .iter()
        .filter(|r| r.ok)
        .filter_map(|r| r.delivered)
        .collect();
    working.extend(cap.resolution);
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
    let ladder_text = match (ok_rungs.is_empty(), bad_rungs.is_empty()) {
        (false, true) => format!("works at {}", ok_rungs.join(", ")),
        (true, true) => "no other resolution tried".to_string(),
        (true, false) => format!("not at {}", bad_rungs.join(", ")),
        (false, false) => format!(
            "works at {}; not at {}",
            ok_rungs.join(", "),
            bad_rungs.join(", ")
        ),
    };
    match req.min_resolution {
        Some(min)
            if !working
                .iter()
                .any(|r| r.width >= min.width && r.height >= min.height) =>
        {
            findings.push(Finding::fail(
                WebcamCode::WebcamResolutionLow,
                format!("'{chosen}' delivers at most {res} ({ladder_text}); {profile} needs at least {min}."),
                format!("Use a webcam that delivers {min} or more (most built-in and USB webcams do), and close applications that may limit it."),
            ));
        }
        _ => findings.push(Finding::pass(
            WebcamCode::WebcamResolution,
            format!("Resolutions: {ladder_text}."),
        )),
    }

    // Frame quality.
    let s = figures::frame_summary(cap, req);
    let (black_luma, frozen_ssim) = figures::thresholds(req);
    let mut bad_picture = false;
    let before = findings.len();
    if let Some(max) = req.max_bad_frame_fraction {
        if req.black_luma.is_some() && s.black_fraction > max.0 {
            bad_picture = true;
            findings.push(Finding::fail(
                WebcamCode::WebcamBlack,
                format!("{} of the frames are black (mean luma under {}); more than {} fails.", pct(s.black_fraction), num(black_luma), pct(max.0)),
                "Open the camera's privacy shutter or lens cover, turn on the camera switch or key (Fn+F8/F10 on many laptops), and add light to the room.",
            ));
        }
        if req.frozen_ssim.is_some() && s.frozen_fraction > max.0 {
            bad_picture = true;
            findings.push(Finding::fail(
                WebcamCode::WebcamFrozen,
                format!("{} of the frames repeat the previous one (SSIM over {}); more than {} fails.", pct(s.frozen_fraction), frozen_ssim, pct(max.0)),
                "The picture is frozen: close other applications that use the camera, reconnect it (another USB port, no hub), and update its driver.",
            ));
        }
        if s.covered_fraction > max.0 {
            bad_picture = true;
            findings.push(Finding::fail(
                WebcamCode::WebcamCovered,
                format!("{} of the frames are a uniform image with no scene (the lens looks covered); more than {} fails.", pct(s.covered_fraction), pct(max.0)),
                "Uncover the lens: open the privacy shutter, remove tape or stickers, and point the camera at yourself.",
            ));
        }
    }
    if !bad_picture {
        if let Some(dark) = req.too_dark_luma
            && s.luma < dark.0
        {
            findings.push(Finding::warn(
                WebcamCode::WebcamTooDark,
                format!("The picture is too dark: mean luma {} (under {}); the proctor must see your face clearly.", num(s.luma), num(dark.0)),
                "Turn on a light in front of you (a lamp behind the screen, facing you); avoid sitting with a window or lamp behind you.",
            ).judging(figures::BRIGHTNESS, s.luma, Some(dark.0), ""));
        }
        if let Some(bright) = req.too_bright_luma
            && s.luma > bright.0
        {
            findings.push(Finding::warn(
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
            findings.push(Finding::warn(
                WebcamCode::WebcamBacklit,
                format!("You are backlit: your face is at luma {} against a bright background at {}.", num(subject), num(s.surround_luma)),
                "Do not sit with a window or lamp behind you: close the curtains or turn around, and light your face from the front.",
            ));
        }
        if let Some(min) = req.min_sharpness
            && s.sharpness < min.get()
        {
            findings.push(Finding::warn(
                WebcamCode::WebcamBlurry,
                format!(
                    "The picture is blurred: sharpness {} (variance of the Laplacian; under {}).",
                    num(s.sharpness),
                    num(min.get())
                ),
                "Clean the lens, sit 50-100 cm from the camera so it can focus, and add light.",
            ).judging(figures::SHARPNESS, s.sharpness, Some(min.get()), ""));
        }
    }
    if findings.len() == before {
        findings.push(Finding::pass(
            WebcamCode::WebcamImage,
            format!(
                "Picture: mean luma {}, sharpness {}, no black, frozen or covered frames beyond the limit ({} frames).",
                num(s.luma),
                num(s.sharpness),
                s.frames
            ),
        ));
    }

    // Faces.
    let mut face_note = String::new();
    if let Some(ff) = &facts.faces
        && !bad_picture
    {
        let most = ff.counts.iter().copied().max().unwrap_or(0);
        if most == 0 {
            face_note = ", no face".into();
            let msg = format!(
                "No face was found in {} frames (faces narrower than {} of the picture are not looked for); the proctor must see your whole face.",
                ff.frames_examined,
                pct(40.0 / face::DETECT_WIDTH as f64)
            );
            let remedy = "Sit facing the camera, centred, 50-100 cm away, with your face lit from the front and nothing covering it.";
            match req.require_face {
                Some(true) => findings.push(Finding::fail(WebcamCode::WebcamNoFace, msg, remedy)),
                Some(false) => findings.push(Finding::warn(WebcamCode::WebcamNoFace, msg, remedy)),
                None => {}
            }
        } else {
            face_note = if most == 1 {
                ", face found".into()
            } else {
                format!(", {most} faces")
            };
            let mut face_findings = 0;
            if most > 1 && req.allow_multiple_faces == Some(false) {
                face_findings += 1;
                findings.push(Finding::warn(
                    WebcamCode::WebcamFacesMultiple,
                    format!("{most} faces are in the picture; {profile} allows only the candidate in view."),
                    "Be alone in the room, and keep photos or posters with faces out of the camera's view.",
                ));
            }
            let main = ff.faces[0];
            if let Some(min) = req.min_face_fraction
                && main.width < min.0
            {
                face_findings += 1;
                findings.push(Finding::warn(
                    WebcamCode::WebcamFaceSmall,
                    format!(
                        "Your face fills {} of the picture's width; at least {} is expected.",
                        pct(main.width),
                        pct(min.0)
                    ),
                    "Sit closer to the camera (50-100 cm) or move the camera closer to you.",
                ));
            }
            let (cx, cy) = main.centre();
            if req.require_face.is_some()
                && ((cx - 0.5).abs() > OFF_CENTRE_X || (cy - 0.5).abs() > OFF_CENTRE_Y)
            {
                face_findings += 1;
                findings.push(Finding::warn(
                    WebcamCode::WebcamFaceOffCentre,
                    format!("Your face is far from the centre of the picture (centre at {} across, {} down).", pct(cx), pct(cy)),
                    "Centre yourself in the picture: tilt the screen or move the camera so your face is in the middle.",
                ));
            }
            if face_findings == 0 && (req.require_face.is_some() || req.min_face_fraction.is_some())
            {
                findings.push(Finding::pass(
                    WebcamCode::WebcamFace,
                    format!(
                        "A face is in view, {} of the picture's width, near the centre.",
                        pct(main.width)
                    ),
                ));
            }
        }
    }

    if let Some(snap) = &facts.snapshot {
        match &snap.error {
            None => findings.push(Finding::pass(
                WebcamCode::WebcamSnapshot,
                format!("A snapshot was saved to {}.", snap.path),
            )),
            Some(e) => findings.push(Finding::warn(
                WebcamCode::WebcamSnapshotFailed,
                format!("The snapshot could not be saved to {}: {e}.", snap.path),
                "Give --snapshot a path in a folder you can write to, ending in .png.",
            )),
        }
    }

    let worst = Status::worst(findings.iter().map(|f| f.status));
    let summary = if worst == Status::Pass || worst == Status::Skip {
        format!("'{chosen}' {res} at {} fps{face_note}", num(fps))
    } else {
        let problems: Vec<&str> = findings
            .iter()
            .filter(|f| matches!(f.status, Status::Warn | Status::Fail))
            .map(|f| f.code.strip_prefix("webcam-").unwrap_or(&f.code))
            .collect();
        format!(
            "'{chosen}' {res} at {} fps: {}",
            num(fps),
            problems.join(", ")
        )
    };
    Judgement { summary, findings }
}

// ---------------------------------------------------------------------------------------------
// Module
// ---------------------------------------------------------------------------------------------

crate::finding_codes! {
    /// The webcam module's finding codes (the consent ones included).
    pub enum WebcamCode {
        WebcamListFailed = "webcam-list-failed": "the cameras could not be listed",
        WebcamNone = "webcam-none": "no camera found",
        WebcamNotFound = "webcam-not-found": "no camera matches --camera NAME",
        WebcamAccessDenied = "webcam-access-denied": "the OS refused camera access (permission or privacy setting)",
        WebcamVirtual = "webcam-virtual": "the camera in use is a virtual camera the profile does not allow",
        WebcamVirtualInstalled = "webcam-virtual-installed": "a virtual camera the profile does not allow is installed",
        WebcamBusy = "webcam-busy": "another process holds the camera",
        WebcamInUse = "webcam-in-use": "Windows records another app using the camera right now (named)",
        WebcamAccessOff = "webcam-access-off": "Windows privacy settings turn camera access off",
        WebcamDesktopAppsOff = "webcam-desktop-apps-off": "Windows privacy settings keep desktop apps (the proctoring app) from the camera",
        WebcamPolicyDenied = "webcam-policy-denied": "a Group Policy of the organisation denies apps the camera",
        WebcamNoFrame = "webcam-no-frame": "a listed camera delivered no frame",
        WebcamCapture = "webcam-capture": "the camera delivers frames (resolution and frame rate)",
        WebcamInterrupted = "webcam-interrupted": "the picture stopped during the capture",
        WebcamFpsLow = "webcam-fps-low": "the delivered frame rate is under the profile's minimum",
        WebcamResolution = "webcam-resolution": "the resolutions that work",
        WebcamResolutionLow = "webcam-resolution-low": "no working resolution reaches the profile's minimum",
        WebcamBlack = "webcam-black": "too many black frames",
        WebcamFrozen = "webcam-frozen": "too many frozen (repeated) frames",
        WebcamCovered = "webcam-covered": "too many uniform frames: the lens looks covered",
        WebcamTooDark = "webcam-too-dark": "the picture is too dark",
        WebcamTooBright = "webcam-too-bright": "the picture is overexposed",
        WebcamBacklit = "webcam-backlit": "the face is dark against a bright background",
        WebcamBlurry = "webcam-blurry": "the picture is blurred",
        WebcamImage = "webcam-image": "the picture is usable",
        WebcamNoFace = "webcam-no-face": "no face found",
        WebcamFacesMultiple = "webcam-faces-multiple": "more than one face in view",
        WebcamFaceSmall = "webcam-face-small": "the face is too small in the picture",
        WebcamFaceOffCentre = "webcam-face-off-centre": "the face is far from the centre",
        WebcamFace = "webcam-face": "a face is in view, large enough and centred",
        WebcamSnapshot = "webcam-snapshot": "the snapshot was saved",
        WebcamSnapshotFailed = "webcam-snapshot-failed": "the snapshot could not be saved",
    }
}

impl Module for Webcam {
    type Facts = WebcamFacts;
    type Requirements = WebcamRequirements;
    const ID: &'static str = "webcam";
    const TITLE: &'static str = "Webcam";
    const ABOUT: &'static str = "camera present and delivering frames at the required resolution and frame rate; black, frozen, covered, dark, backlit or blurred picture; a face in view; virtual and busy cameras";
    const CODES: &'static [(&'static str, &'static str)] = WebcamCode::TABLE;

    fn probe(&self, req: &WebcamRequirements, ctx: &ProbeContext) -> anyhow::Result<WebcamFacts> {
        let seconds = if ctx.options.quick {
            req.quick_capture_seconds
                .map_or(DEFAULT_QUICK_CAPTURE_SECONDS, |s| s.0)
        } else {
            req.capture_seconds.map_or(DEFAULT_CAPTURE_SECONDS, |s| s.0)
        };
        // Leave time for the ladder, face detection and a driver that is slow to close.
        let deadline = ctx.deadline - std::time::Duration::from_secs(1).min(ctx.remaining() / 4);
        let mut plan = capture::Plan::new(
            req.min_resolution.unwrap_or(DEFAULT_CAPTURE),
            std::time::Duration::from_secs_f64(seconds),
            deadline,
        );
        plan.camera = ctx.options.camera.clone();
        plan.ladder = req
            .resolution_ladder
            .clone()
            .unwrap_or_else(|| DEFAULT_LADDER.to_vec());
        plan.snapshot = ctx.options.snapshot.clone();

        ctx.progress("asking for camera access");
        let permission =
            native::request_permission(std::time::Duration::from_secs(30).min(ctx.remaining() / 2));
        let mut finder = face::FaceFinder::new()?;
        let catalogue = ctx.catalogue().clone();
        let find_busy = move |dev: Option<&str>| busy::find(dev, &catalogue);
        let progress = |m: &str| ctx.progress(m);
        let cancelled = || ctx.is_cancelled();
        // Read before the camera is opened: examready's own use is not recorded yet.
        let consent =
            crate::os::consent::probe(crate::os::consent::Capability::Webcam, ctx.catalogue());
        let mut source = native::open();
        let mut facts = capture::run(
            &mut source,
            &plan,
            capture::Env {
                progress: &progress,
                cancelled: &cancelled,
                find_busy: &find_busy,
                faces: Some(&mut finder),
                permission,
            },
        );
        facts.consent = consent;
        Ok(facts)
    }

    fn figures(facts: &WebcamFacts, req: &WebcamRequirements) -> Vec<crate::model::Figure> {
        figures::figures(facts, req)
    }

    fn judge(facts: &WebcamFacts, req: &WebcamRequirements, ctx: JudgeContext) -> Judgement {
        let mut j = judge_with(facts, req, ctx.catalogue, ctx.profile_name);
        if let Some(consent) = &facts.consent {
            let opened = facts.capture.as_ref().is_some_and(|c| c.frames > 0);
            j.findings.extend(crate::os::consent::judge(
                crate::os::consent::Capability::Webcam,
                consent,
                opened,
            ));
        }
        j
    }
}
