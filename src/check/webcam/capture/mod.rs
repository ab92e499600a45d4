/*!
The capture pipeline: list cameras, choose one, capture a few seconds at the profile's minimum
resolution while measuring every frame, try the resolution ladder, look for faces on a few
frames, find who holds a camera that cannot be opened. It drives any [`FrameSource`], so tests
run it on image sequences; the probe runs it on nokhwa.
*/

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::busy::BusyFacts;
use super::face::FaceFinder;
use super::source::{FrameSource, Listed};
use super::{CameraError, CameraFacts, WebcamFacts};
use crate::catalogue::OsFamily;
use crate::units::Resolution;

mod faces;
mod ladder;
mod measure;

/// What to do, resolved from the profile and the command line.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `--camera NAME` (a name, part of a name, or an index).
    pub camera: Option<String>,
    /// The resolution of the measured capture (the profile's minimum).
    pub capture_resolution: Resolution,
    /// Resolutions to try (one frame each).
    pub ladder: Vec<Resolution>,
    /// How long to capture.
    pub capture: Duration,
    /// `--snapshot FILE`: save one frame as PNG.
    pub snapshot: Option<PathBuf>,
    /// How many frames to look for faces on.
    pub face_samples: usize,
    /// Wait for the first frame after opening (cameras take a moment to start).
    pub first_frame_timeout: Duration,
    /// Wait for each later frame.
    pub frame_timeout: Duration,
    /// Stop in time for this.
    pub deadline: Instant,
}

impl Plan {
    pub fn new(capture_resolution: Resolution, capture: Duration, deadline: Instant) -> Plan {
        Plan {
            camera: None,
            capture_resolution,
            ladder: Vec::new(),
            capture,
            snapshot: None,
            face_samples: 3,
            first_frame_timeout: Duration::from_secs(5),
            frame_timeout: Duration::from_secs(2),
            deadline,
        }
    }
}

/// What the pipeline needs around the source.
pub struct Env<'a> {
    pub progress: &'a dyn Fn(&str),
    pub cancelled: &'a dyn Fn() -> bool,
    /// Who holds the camera (given its device file, if any).
    pub find_busy: &'a dyn Fn(Option<&str>) -> BusyFacts,
    /// `None`: face detection is not available (reported in the facts).
    pub faces: Option<&'a mut FaceFinder>,
    /// macOS camera permission, when asked.
    pub permission: Option<bool>,
}

/// Classify a backend error text.
pub fn classify(message: &str) -> super::FailureKind {
    use super::FailureKind::*;
    let m = message.to_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    if any(&["no answer within", "stopped answering"]) {
        Hung
    } else if any(&[
        "permission denied",
        "access is denied",
        "access denied",
        "0x80070005",
        "not authorized",
        "not permitted",
    ]) {
        AccessDenied
    } else if any(&[
        "busy",
        "in use",
        "being used",
        "0xc00d3704",
        "0xc00d3ea4",
        "0xa00f4243",
    ]) {
        Busy
    } else {
        Failed
    }
}

fn error(message: String) -> CameraError {
    CameraError {
        kind: classify(&message),
        message,
    }
}

/// Pick the camera: `--camera` by exact name, then part of a name, then index; else the first.
pub fn choose<'a>(cams: &'a [Listed], wanted: Option<&str>) -> Option<&'a Listed> {
    let Some(w) = wanted.map(str::trim).filter(|w| !w.is_empty()) else {
        return cams.iter().min_by_key(|c| c.index);
    };
    let lw = w.to_lowercase();
    cams.iter()
        .find(|c| c.name.to_lowercase() == lw)
        .or_else(|| cams.iter().find(|c| c.name.to_lowercase().contains(&lw)))
        .or_else(|| {
            w.parse::<u32>()
                .ok()
                .and_then(|i| cams.iter().find(|c| c.index == i))
        })
}

/// Run the whole webcam examination on `source`: list the cameras, choose one, measure a
/// capture, climb the resolution ladder, look for faces, save the snapshot when asked.
pub fn run(source: &mut dyn FrameSource, plan: &Plan, env: Env<'_>) -> WebcamFacts {
    let mut facts = WebcamFacts {
        os: OsFamily::current(),
        backend: source.backend(),
        permission: env.permission,
        list_error: None,
        cameras: Vec::new(),
        requested_camera: plan.camera.clone(),
        chosen: None,
        capture: None,
        ladder: Vec::new(),
        faces: None,
        busy: None,
        snapshot: None,
        consent: None,
        macos_permission: None,
    };
    (env.progress)("listing cameras");
    let listed = match source.list() {
        Ok(mut l) => {
            l.sort_by_key(|c| c.index);
            l
        }
        Err(e) => {
            facts.list_error = Some(e);
            return facts;
        }
    };
    facts.cameras = describe(source, &listed, env.progress);
    let Some(chosen) = choose(&listed, plan.camera.as_deref()).cloned() else {
        return facts;
    };
    facts.chosen = Some(chosen.name.clone());

    let (capture, samples) = measure::measure(source, &chosen, plan, &env);
    let capture_ok = capture.frames > 0;
    if !capture_ok {
        (env.progress)("looking for the process holding the camera");
        facts.busy = Some((env.find_busy)(chosen.device.as_deref()));
    }
    facts.capture = Some(capture);
    facts.ladder = plan
        .ladder
        .iter()
        .map(|&rung| ladder::rung(source, chosen.index, rung, plan, capture_ok, &env))
        .collect();
    if !samples.is_empty()
        && let Some(finder) = env.faces
    {
        facts.faces = Some(faces::faces(finder, &samples, env.progress));
    }
    if let Some(path) = &plan.snapshot {
        facts.snapshot = Some(faces::snapshot(&samples, path));
    }
    facts
}

/// Each listed camera with its formats (or why they could not be read).
fn describe(
    source: &mut dyn FrameSource,
    listed: &[Listed],
    progress: &dyn Fn(&str),
) -> Vec<CameraFacts> {
    listed
        .iter()
        .map(|cam| {
            progress(&format!("reading the formats of {}", cam.name));
            let (formats, formats_error) = match source.formats(cam.index) {
                Ok(f) => (f.iter().map(|f| f.to_string()).collect(), None),
                Err(e) => (Vec::new(), Some(e)),
            };
            CameraFacts {
                index: cam.index,
                name: cam.name.clone(),
                description: cam.description.clone(),
                device: cam.device.clone(),
                formats,
                formats_error,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::webcam::FailureKind;

    #[test]
    fn classify_backend_errors() {
        assert_eq!(
            classify("Could not open device stream: Device or resource busy (os error 16)"),
            FailureKind::Busy
        );
        assert_eq!(
            classify("Could not open device 0: Permission denied (os error 13)"),
            FailureKind::AccessDenied
        );
        assert_eq!(
            classify("MF error 0x80070005 Access is denied."),
            FailureKind::AccessDenied
        );
        assert_eq!(
            classify("waiting for a frame: no answer within 5 s"),
            FailureKind::Hung
        );
        assert_eq!(
            classify(
                "Could not get device property Compatible Camera Format by request: Failed to fufill"
            ),
            FailureKind::Failed
        );
    }

    #[test]
    fn choose_by_name_part_or_index() {
        let l = |index: u32, name: &str| Listed {
            index,
            name: name.into(),
            description: String::new(),
            device: None,
        };
        let cams = [l(1, "OBS Virtual Camera"), l(0, "HD Pro Webcam C920")];
        assert_eq!(choose(&cams, None).unwrap().index, 0);
        assert_eq!(choose(&cams, Some("obs virtual camera")).unwrap().index, 1);
        assert_eq!(choose(&cams, Some("C920")).unwrap().index, 0);
        assert_eq!(choose(&cams, Some("1")).unwrap().index, 1);
        assert!(choose(&cams, Some("Logitech Brio")).is_none());
        assert!(choose(&[], None).is_none());
    }
}
