//! The camera preview: the webcam module's own frame source (nokhwa on its own thread, or the
//! recorded frames of `--camera-frames`), the camera it would choose (`--camera NAME`), frames
//! encoded as JPEG for `GET /camera/stream` (MJPEG), and, twice a second, hints from the
//! webcam module's own frame analysis under the profile's `[webcam]` limits.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use image::RgbImage;
use serde_json::json;

use super::{Lease, Outlet};
use crate::check::webcam::analysis::{self, FrameStats};
use crate::check::webcam::face::FaceFinder;
use crate::check::webcam::source::{FrameSource, Listed};
use crate::check::webcam::{self, COVERED_STDDEV, WebcamRequirements, capture, recorded};

/// The MJPEG part boundary.
pub const BOUNDARY: &str = "examready-frame";
/// JPEG quality of the preview (a preview, not a record).
const QUALITY: u8 = 70;
/// Hints are worked out this often; faces are looked for at every other hint.
const HINT_EVERY: Duration = Duration::from_millis(500);
/// Frames that fail one after another before the preview gives up.
const MAX_FAILED_FRAMES: u32 = 3;

pub(super) struct Plan {
    pub wanted: Option<String>,
    pub frames: Option<PathBuf>,
    pub req: WebcamRequirements,
}

/// What starts the stream: its first boundary.
pub fn mjpeg_start() -> Bytes {
    Bytes::from(format!("--{BOUNDARY}\r\n"))
}

/// One frame of the stream: its headers, the JPEG, and the next boundary (so that the browser
/// shows the frame at once instead of waiting for the next one).
pub fn mjpeg_part(jpeg: &[u8]) -> Bytes {
    let mut out = format!(
        "Content-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
        jpeg.len()
    )
    .into_bytes();
    out.extend_from_slice(jpeg);
    out.extend_from_slice(format!("\r\n--{BOUNDARY}\r\n").as_bytes());
    Bytes::from(out)
}

pub fn jpeg(frame: &RgbImage) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    // `encode` on the raw bytes: the encoder's generic code is compiled (and optimised) in the
    // image crate, not here.
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode(
            frame.as_raw(),
            frame.width(),
            frame.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// What the candidate should fix, from one frame's measurements (and the faces found, when
/// looked for), under the profile's limits; a limit the profile leaves out is not applied.
pub fn hints(stats: &FrameStats, faces: Option<usize>, req: &WebcamRequirements) -> Vec<String> {
    let mut out = Vec::new();
    let luma = stats.luma;
    if req.black_luma.is_some_and(|b| luma < b.0) {
        out.push("The picture is black: open the camera's shutter or uncover the lens.".into());
        return out;
    }
    if stats.stddev < COVERED_STDDEV {
        out.push("The picture is one flat colour: is the lens covered?".into());
        return out;
    }
    if req.too_dark_luma.is_some_and(|d| luma < d.0) {
        out.push(format!(
            "Too dark (brightness {luma:.0} of 255): turn on a light in front of you, not behind."
        ));
    }
    if req.too_bright_luma.is_some_and(|b| luma > b.0) {
        out.push(format!(
            "Too bright (brightness {luma:.0} of 255): turn away from direct light or close the blinds."
        ));
    }
    match faces {
        Some(0) if req.require_face.is_some() => out.push(
            "No face found: sit facing the camera, your face in the middle of the picture.".into(),
        ),
        Some(n) if n > 1 && req.allow_multiple_faces == Some(false) => out.push(format!(
            "{n} faces in view: only you may be in the picture."
        )),
        _ => {}
    }
    out
}

fn say(out: &Outlet, state: &str, message: String) {
    out.state(json!({"type": "camera", "state": state, "message": message}));
}

/// An open camera and what it is.
type Opened = (Box<dyn FrameSource + Send>, Listed);

/// Open the camera the webcam check would examine; `Err` is the state and words to show.
fn open(plan: &Plan) -> Result<Opened, (&'static str, String)> {
    // macOS asks the candidate once (the system's prompt), as the webcam check does.
    if plan.frames.is_none()
        && webcam::native::request_permission(Duration::from_secs(30)) == Some(false)
    {
        return Err((
            "error",
            "The system refused camera access: allow examready (or the terminal) under System Settings > Privacy & Security > Camera.".into(),
        ));
    }
    let mut source = recorded::source(plan.frames.as_deref()).map_err(|e| {
        (
            "error",
            format!("The recorded frames cannot be played: {e}"),
        )
    })?;
    let cams = source.list().map_err(|e| {
        (
            "none",
            format!("No camera found: the system could not list cameras ({e})."),
        )
    })?;
    let Some(cam) = capture::choose(&cams, plan.wanted.as_deref()).cloned() else {
        let msg = match &plan.wanted {
            Some(w) if !cams.is_empty() => format!(
                "No camera named like \"{w}\"; this computer has: {}.",
                cams.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
            _ => "No camera found on this computer: connect a webcam, or check that it is switched on."
                .into(),
        };
        return Err(("none", msg));
    };
    let want = plan.req.min_resolution.unwrap_or(webcam::DEFAULT_CAPTURE);
    if let Err(e) = source.open(cam.index, want) {
        let msg = match capture::classify(&e) {
            webcam::FailureKind::Busy => format!(
                "'{}' is in use by another application: quit video calls and camera apps ({e}).",
                cam.name
            ),
            webcam::FailureKind::AccessDenied => format!(
                "The system refused access to '{}': allow camera access in the privacy settings ({e}).",
                cam.name
            ),
            _ => format!("'{}' could not be opened: {e}", cam.name),
        };
        return Err(("error", msg));
    }
    Ok((source, cam))
}

pub(super) fn run(plan: Plan, out: Outlet, stop: Arc<AtomicBool>) {
    say(&out, "opening", "Opening the camera…".into());
    let (mut source, cam) = match open(&plan) {
        Ok(opened) => opened,
        Err((state, message)) => return say(&out, state, message),
    };
    let mut lease = Lease::new(&out.devices().viewers);
    // The analysis runs beside the preview, on the latest frame, so it never slows it down.
    let (to_hints, frames_in) = std::sync::mpsc::sync_channel::<(u64, RgbImage)>(1);
    let hint_out = out.clone();
    let req = plan.req.clone();
    let hinter = std::thread::Builder::new()
        .name("camera hints".into())
        .spawn(move || hint_worker(frames_in, &req, &hint_out));
    let mut failed = 0;
    let mut last_hint: Option<Instant> = None;
    let mut frames = 0u64;
    let mut announced = false;
    let reason = loop {
        if stop.load(Ordering::SeqCst) {
            break "The camera is off.".to_string();
        }
        if lease.abandoned() {
            break "The camera is off: the preview was closed.".to_string();
        }
        let frame = match source.frame(Duration::from_secs(1)) {
            Ok(f) => {
                failed = 0;
                f
            }
            Err(e) => {
                failed += 1;
                if failed >= MAX_FAILED_FRAMES {
                    break format!("'{}' stopped sending pictures: {e}", cam.name);
                }
                continue;
            }
        };
        frames += 1;
        if let Ok(j) = jpeg(&frame) {
            out.frame(Some(Bytes::from(j)));
        }
        if !announced {
            announced = true;
            out.state(json!({
                "type": "camera", "state": "on", "camera": cam.name,
                "width": frame.width(), "height": frame.height(),
                "message": format!("Showing '{}' ({}x{}).", cam.name, frame.width(), frame.height()),
            }));
        }
        if last_hint.is_none_or(|t| t.elapsed() >= HINT_EVERY) {
            last_hint = Some(Instant::now());
            let _ = to_hints.try_send((frames, frame));
        }
    };
    source.close();
    drop(to_hints);
    if let Ok(h) = hinter {
        let _ = h.join();
    }
    out.frame(None);
    say(&out, "off", reason);
}

/// Measures the frames it is given (faces at every other one) and sends the hints.
fn hint_worker(
    frames: std::sync::mpsc::Receiver<(u64, RgbImage)>,
    req: &WebcamRequirements,
    out: &Outlet,
) {
    let mut faces = FaceFinder::new().ok();
    let mut count = 0u64;
    while let Ok((n, frame)) = frames.recv() {
        let luma = analysis::luma_plane(&frame);
        let stats = analysis::analyze_luma(&luma, None);
        let found = match (count % 2, faces.as_mut()) {
            (0, Some(f)) => Some(f.detect_luma(&luma).len()),
            _ => None,
        };
        count += 1;
        out.send(json!({
            "type": "camera-hints",
            "luma": (stats.luma * 10.0).round() / 10.0,
            "faces": found,
            "frames": n,
            "hints": hints(&stats, found, req),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mjpeg_parts_carry_their_length_and_the_next_boundary() {
        let img = RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let j = jpeg(&img).unwrap();
        let mut stream = mjpeg_start().to_vec();
        stream.extend_from_slice(&mjpeg_part(&j));
        stream.extend_from_slice(&mjpeg_part(&j));
        let text = String::from_utf8_lossy(&stream);
        assert!(text.starts_with("--examready-frame\r\nContent-Type: image/jpeg\r\n"));
        // Parse it back as a client does: headers, Content-Length bytes, boundary.
        let mut rest = &stream[format!("--{BOUNDARY}\r\n").len()..];
        for _ in 0..2 {
            let end = rest.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let head = std::str::from_utf8(&rest[..end]).unwrap();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap()
                .parse()
                .unwrap();
            let body = &rest[end + 4..end + 4 + len];
            let decoded = image::load_from_memory(body).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (64, 48));
            rest = &rest[end + 4 + len..];
            let boundary = format!("\r\n--{BOUNDARY}\r\n");
            assert!(rest.starts_with(boundary.as_bytes()));
            rest = &rest[boundary.len()..];
        }
        assert!(rest.is_empty());
    }

    fn stats(luma: f64, stddev: f64) -> FrameStats {
        FrameStats {
            luma,
            ssim_prev: None,
            stddev,
            sharpness: 100.0,
            centre_luma: luma,
            surround_luma: luma,
        }
    }

    #[test]
    fn hints_follow_the_profiles_limits() {
        let onvue = crate::profile::load("onvue").unwrap().file.webcam;
        assert!(hints(&stats(120.0, 40.0), Some(1), &onvue).is_empty());
        let dark = hints(&stats(30.0, 40.0), Some(1), &onvue);
        assert!(
            dark.len() == 1 && dark[0].starts_with("Too dark (brightness 30"),
            "{dark:?}"
        );
        assert!(hints(&stats(230.0, 40.0), Some(1), &onvue)[0].starts_with("Too bright"));
        assert!(hints(&stats(5.0, 1.0), None, &onvue)[0].contains("black"));
        assert!(hints(&stats(120.0, 2.0), None, &onvue)[0].contains("covered"));
        assert!(hints(&stats(120.0, 40.0), Some(0), &onvue)[0].starts_with("No face"));
        // Faces not looked for this time: nothing said about them.
        assert!(hints(&stats(120.0, 40.0), None, &onvue).is_empty());
        // A profile without limits judges nothing but a covered lens.
        let none = WebcamRequirements::default();
        assert!(hints(&stats(30.0, 40.0), Some(0), &none).is_empty());
        assert!(!hints(&stats(120.0, 2.0), Some(3), &none).is_empty());
    }
}
