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

use super::{JudgeContext, Module, ProbeContext};
use crate::catalogue::OsFamily;
use crate::model::Judgement;
use crate::units::Resolution;

pub mod analysis;
pub mod busy;
pub mod capture;
pub mod face;
mod figures;
mod judge;
pub mod native;
pub mod recorded;
mod requirements;
pub mod source;
pub mod threaded;

#[cfg(test)]
mod tests;

pub use busy::{BusyFacts, BusyMethod, Holder};
pub use face::FaceBox;
pub use requirements::{
    BACKLIT_MIN_SURROUND, BACKLIT_RATIO, COVERED_STDDEV, DEFAULT_CAPTURE, DEFAULT_CAPTURE_SECONDS,
    DEFAULT_LADDER, DEFAULT_QUICK_CAPTURE_SECONDS, Fraction, LumaLevel, OFF_CENTRE_X, OFF_CENTRE_Y,
    WebcamRequirements,
};

pub struct Webcam;

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

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraFacts {
    pub index: u32,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub device: Option<String>,
    /// `"640x480 MJPEG 30 fps"`, ...
    pub formats: Vec<String>,
    #[serde(default)]
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

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebcamFacts {
    pub os: OsFamily,
    /// nokhwa backend (`Video4Linux`, `MediaFoundation`, `AVFoundation`).
    pub backend: String,
    /// macOS camera permission (`None` elsewhere or not asked).
    #[serialize_always]
    pub permission: Option<bool>,
    #[serialize_always]
    pub list_error: Option<String>,
    pub cameras: Vec<CameraFacts>,
    /// `--camera NAME` as given.
    #[serialize_always]
    pub requested_camera: Option<String>,
    /// The name of the camera examined.
    #[serialize_always]
    pub chosen: Option<String>,
    #[serialize_always]
    pub capture: Option<CaptureFacts>,
    pub ladder: Vec<RungFacts>,
    #[serialize_always]
    pub faces: Option<FaceFacts>,
    /// Who holds the camera, looked up when it delivered no frame.
    #[serialize_always]
    pub busy: Option<BusyFacts>,
    #[serialize_always]
    pub snapshot: Option<SnapshotFacts>,
    /// Windows: which apps use the camera now or used it last, and the privacy switches.
    #[serde(default)]
    pub consent: Option<crate::os::consent::ConsentFacts>,
    /// macOS: whether the terminal (or examready) may use the camera.
    #[serde(default)]
    pub macos_permission: Option<crate::os::macos_permissions::PermissionFacts>,
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

pub use judge::judge_with;

// ---------------------------------------------------------------------------------------------
// Module
// ---------------------------------------------------------------------------------------------

crate::finding_codes! {
    /// The webcam module's own finding codes (its `CODES` adds the consent and macOS ones).
    pub enum WebcamCode {
        WebcamListFailed = "webcam-list-failed": "the cameras could not be listed",
        WebcamNone = "webcam-none": "no camera found",
        WebcamNotFound = "webcam-not-found": "no camera matches --camera NAME",
        WebcamAccessDenied = "webcam-access-denied": "the OS refused camera access (permission or privacy setting)",
        WebcamVirtual = "webcam-virtual": "the camera in use is a virtual camera the profile does not allow",
        WebcamVirtualInstalled = "webcam-virtual-installed": "a virtual camera the profile does not allow is installed",
        WebcamBusy = "webcam-busy": "another process holds the camera",
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
    const CODES: &'static [&'static [(&'static str, &'static str)]] = &[
        WebcamCode::TABLE,
        crate::os::consent::WEBCAM_CODES,
        crate::os::macos_permissions::WEBCAM_CODES,
    ];

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

        let frames = ctx.options.camera_frames.as_deref();
        ctx.progress("asking for camera access");
        let permission = match frames {
            Some(_) => None,
            None => native::request_permission(
                std::time::Duration::from_secs(30).min(ctx.remaining() / 2),
            ),
        };
        let mut finder = face::FaceFinder::new()?;
        let catalogue = ctx.catalogue().clone();
        let find_busy = move |dev: Option<&str>| busy::find(dev, &catalogue);
        let progress = |m: &str| ctx.progress(m);
        let cancelled = || ctx.is_cancelled();
        // Read before the camera is opened: examready's own use is not recorded yet.
        let consent =
            crate::os::consent::probe(crate::os::consent::Capability::Webcam, ctx.catalogue());
        let mut source = recorded::source(frames).map_err(anyhow::Error::msg)?;
        let mut facts = capture::run(
            &mut *source,
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
        if frames.is_none() {
            // After the capture: the answer to the prompt it may have raised counts.
            facts.macos_permission =
                crate::os::macos_permissions::probe(crate::os::macos_permissions::Device::Camera);
        }
        Ok(facts)
    }

    fn figures(facts: &WebcamFacts, req: &WebcamRequirements) -> Vec<crate::model::Figure> {
        figures::figures(facts, req)
    }

    fn judge(facts: &WebcamFacts, req: &WebcamRequirements, ctx: JudgeContext) -> Judgement {
        judge::judge(facts, req, ctx)
    }
}
