/*!
The capture pipeline: list cameras, choose one, capture a few seconds at the profile's minimum
resolution while measuring every frame, try the resolution ladder, look for faces on a few
frames, find who holds a camera that cannot be opened. It drives any [`FrameSource`], so tests
run it on image sequences; the probe runs it on nokhwa.
*/

use std::path::PathBuf;
use std::time::{Duration, Instant};

use image::RgbImage;

use super::analysis::{Analyzer, FrameStats, luma_plane, region_mean};
use super::busy::BusyFacts;
use super::face::FaceFinder;
use super::source::{FrameSource, Listed};
use super::{
    CameraError, CameraFacts, CaptureFacts, FaceFacts, FrameSeries, RungFacts, SnapshotFacts,
    WebcamFacts,
};
use crate::catalogue::OsFamily;
use crate::stats::round_to;
use crate::units::Resolution;

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

fn push_stats(series: &mut FrameSeries, s: &FrameStats) {
    series.luma.push(round_to(s.luma, 1));
    series.ssim_prev.push(s.ssim_prev.map(|v| round_to(v, 4)));
    series.stddev.push(round_to(s.stddev, 1));
    series.sharpness.push(round_to(s.sharpness, 1));
    series.centre_luma.push(round_to(s.centre_luma, 1));
    series.surround_luma.push(round_to(s.surround_luma, 1));
}

/// Run the whole webcam examination on `source`.
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
    for cam in &listed {
        (env.progress)(&format!("reading the formats of {}", cam.name));
        let (formats, formats_error) = match source.formats(cam.index) {
            Ok(f) => (f.iter().map(|f| f.to_string()).collect(), None),
            Err(e) => (Vec::new(), Some(e)),
        };
        facts.cameras.push(CameraFacts {
            index: cam.index,
            name: cam.name.clone(),
            description: cam.description.clone(),
            device: cam.device.clone(),
            formats,
            formats_error,
        });
    }
    let Some(chosen) = choose(&listed, plan.camera.as_deref()).cloned() else {
        return facts;
    };
    facts.chosen = Some(chosen.name.clone());

    // The measured capture.
    (env.progress)(&format!(
        "opening {} at {}",
        chosen.name, plan.capture_resolution
    ));
    let mut capture = CaptureFacts {
        index: chosen.index,
        requested: plan.capture_resolution,
        format: None,
        resolution: None,
        error: None,
        frames: 0,
        seconds: 0.0,
        fps: None,
        per_frame: FrameSeries::default(),
    };
    let mut samples: Vec<RgbImage> = Vec::new();
    match source.open(chosen.index, plan.capture_resolution) {
        Err(e) => capture.error = Some(error(e)),
        Ok(format) => {
            capture.format = Some(format.to_string());
            let mut analyzer = Analyzer::new();
            let sample_at: Vec<f64> = (1..=plan.face_samples.max(1))
                .map(|i| i as f64 / (plan.face_samples.max(1) as f64 + 0.5))
                .collect();
            let mut first: Option<Instant> = None;
            let mut last = None;
            let mut last_frame: Option<RgbImage> = None;
            loop {
                let timeout = if first.is_none() {
                    plan.first_frame_timeout
                } else {
                    plan.frame_timeout
                };
                let left = plan.deadline.saturating_duration_since(Instant::now());
                let frame = match source.frame(timeout.min(left.max(Duration::from_millis(50)))) {
                    Ok(f) => f,
                    Err(e) => {
                        capture.error = Some(error(if first.is_none() {
                            format!("the camera opened ({}) but delivered no frame: {e}", format)
                        } else {
                            format!("the camera stopped delivering frames: {e}")
                        }));
                        break;
                    }
                };
                let now = Instant::now();
                let start = *first.get_or_insert(now);
                last = Some(now);
                capture.resolution = Some(Resolution {
                    width: frame.width(),
                    height: frame.height(),
                });
                let stats = analyzer.push(&frame);
                push_stats(&mut capture.per_frame, &stats);
                capture.frames += 1;
                let elapsed = now - start;
                if samples.len() < sample_at.len()
                    && elapsed.as_secs_f64()
                        >= sample_at[samples.len()] * plan.capture.as_secs_f64()
                {
                    samples.push(frame.clone());
                }
                if capture.frames.is_multiple_of(10) {
                    (env.progress)(&format!(
                        "capturing: {} frames, {:.1} s",
                        capture.frames,
                        elapsed.as_secs_f64()
                    ));
                }
                last_frame = Some(frame);
                if elapsed >= plan.capture
                    || (env.cancelled)()
                    || Instant::now() + Duration::from_secs(2) >= plan.deadline
                {
                    break;
                }
            }
            if let (Some(a), Some(b)) = (first, last) {
                capture.seconds = round_to((b - a).as_secs_f64(), 3);
                if capture.frames >= 2 && b > a {
                    capture.fps = Some(round_to(
                        (capture.frames - 1) as f64 / (b - a).as_secs_f64(),
                        2,
                    ));
                }
            }
            if samples.is_empty()
                && let Some(f) = last_frame
            {
                samples.push(f);
            }
            source.close();
        }
    }
    let capture_ok = capture.frames > 0;
    if !capture_ok {
        (env.progress)("looking for the process holding the camera");
        facts.busy = Some((env.find_busy)(chosen.device.as_deref()));
    }
    facts.capture = Some(capture);

    // The ladder: one frame at each resolution (only when the camera works at all).
    for &rung in &plan.ladder {
        let mut r = RungFacts {
            resolution: rung,
            ok: false,
            format: None,
            delivered: None,
            error: None,
        };
        if !capture_ok {
            r.error = Some("not tried: the camera delivered no frame".into());
        } else if (env.cancelled)()
            || Instant::now() + plan.first_frame_timeout.min(Duration::from_secs(4))
                >= plan.deadline
        {
            r.error = Some("not tried: no time left before the deadline".into());
        } else {
            (env.progress)(&format!("trying {rung}"));
            match source.open(chosen.index, rung) {
                Err(e) => r.error = Some(e),
                Ok(format) => {
                    r.format = Some(format.to_string());
                    match source.frame(plan.first_frame_timeout) {
                        Ok(f) => {
                            let got = Resolution {
                                width: f.width(),
                                height: f.height(),
                            };
                            r.delivered = Some(got);
                            r.ok = got.width >= rung.width && got.height >= rung.height;
                            if !r.ok {
                                r.error = Some(format!("delivered {got} instead"));
                            }
                        }
                        Err(e) => r.error = Some(format!("no frame: {e}")),
                    }
                    source.close();
                }
            }
        }
        facts.ladder.push(r);
    }

    // Faces on a few frames.
    if !samples.is_empty() {
        match env.faces {
            Some(finder) => {
                (env.progress)("looking for a face");
                let started = Instant::now();
                let mut counts = Vec::new();
                let mut best: Vec<super::face::FaceBox> = Vec::new();
                let mut best_frame = 0;
                for (i, s) in samples.iter().enumerate() {
                    let faces = finder.detect(s);
                    counts.push(faces.len());
                    if faces.len() > best.len() {
                        best = faces;
                        best_frame = i;
                    }
                }
                let frame = &samples[best_frame];
                let face_luma = best.first().and_then(|f| {
                    let l = luma_plane(frame);
                    let (w, h) = (frame.width() as f64, frame.height() as f64);
                    region_mean(
                        &l,
                        (f.x * w) as i64,
                        (f.y * h) as i64,
                        (f.width * w).ceil() as i64,
                        (f.height * h).ceil() as i64,
                    )
                    .map(|v| round_to(v, 1))
                });
                facts.faces = Some(FaceFacts {
                    frames_examined: samples.len(),
                    counts,
                    faces: best
                        .into_iter()
                        .map(|mut f| {
                            f.x = round_to(f.x, 3);
                            f.y = round_to(f.y, 3);
                            f.width = round_to(f.width, 3);
                            f.height = round_to(f.height, 3);
                            f.score = round_to(f.score, 2);
                            f
                        })
                        .collect(),
                    face_luma,
                    detection_ms: round_to(
                        started.elapsed().as_secs_f64() * 1000.0 / samples.len() as f64,
                        1,
                    ),
                });
            }
            None => facts.faces = None,
        }
    }

    // The snapshot, only when asked.
    if let Some(path) = &plan.snapshot {
        let shot = samples.get(samples.len() / 2).or(samples.last());
        facts.snapshot = Some(match shot {
            None => SnapshotFacts {
                path: path.display().to_string(),
                error: Some("no frame was captured".into()),
            },
            Some(img) => SnapshotFacts {
                path: path.display().to_string(),
                error: save_png(img, path).err().map(|e| format!("{e:#}")),
            },
        });
    }
    facts
}

/// Write `img` as a PNG file by the rules every file examready writes follows
/// ([`crate::fsutil::write_atomic`]): atomically, never through another user's link in a shared
/// folder, never blocking on a pipe nobody reads.
fn save_png(img: &RgbImage, path: &std::path::Path) -> anyhow::Result<()> {
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    crate::fsutil::write_atomic(path, &png)
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
