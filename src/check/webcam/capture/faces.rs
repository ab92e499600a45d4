//! After the capture: faces on the sampled frames, and the snapshot when asked.

use std::path::Path;
use std::time::Instant;

use image::RgbImage;

use crate::check::webcam::analysis::{luma_plane, region_mean};
use crate::check::webcam::face::{FaceBox, FaceFinder};
use crate::check::webcam::{FaceFacts, SnapshotFacts};
use crate::stats::round_to;

/// Look for faces on every sample (at least one); keep the faces of the frame with the most.
pub(super) fn faces(
    finder: &mut FaceFinder,
    samples: &[RgbImage],
    progress: &dyn Fn(&str),
) -> FaceFacts {
    progress("looking for a face");
    let started = Instant::now();
    let mut counts = Vec::new();
    let mut best: Vec<FaceBox> = Vec::new();
    let mut best_frame = 0;
    for (i, s) in samples.iter().enumerate() {
        let faces = finder.detect(s);
        counts.push(faces.len());
        if faces.len() > best.len() {
            best = faces;
            best_frame = i;
        }
    }
    let face_luma = best
        .first()
        .and_then(|f| face_luma(&samples[best_frame], f));
    FaceFacts {
        frames_examined: samples.len(),
        counts,
        faces: best.into_iter().map(rounded).collect(),
        face_luma,
        detection_ms: round_to(
            started.elapsed().as_secs_f64() * 1000.0 / samples.len() as f64,
            1,
        ),
    }
}

/// Mean luma inside `face` on `frame`.
fn face_luma(frame: &RgbImage, f: &FaceBox) -> Option<f64> {
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
}

fn rounded(mut f: FaceBox) -> FaceBox {
    f.x = round_to(f.x, 3);
    f.y = round_to(f.y, 3);
    f.width = round_to(f.width, 3);
    f.height = round_to(f.height, 3);
    f.score = round_to(f.score, 2);
    f
}

/// Save the middle sample to `path` (`--snapshot`), or say why not.
pub(super) fn snapshot(samples: &[RgbImage], path: &Path) -> SnapshotFacts {
    let shot = samples.get(samples.len() / 2).or(samples.last());
    match shot {
        None => SnapshotFacts {
            path: path.display().to_string(),
            error: Some("no frame was captured".into()),
        },
        Some(img) => SnapshotFacts {
            path: path.display().to_string(),
            error: save_png(img, path).err().map(|e| format!("{e:#}")),
        },
    }
}

/// Write `img` as a PNG file by the rules every file examready writes follows
/// ([`crate::fsutil::write_atomic`]): atomically, never through another user's link in a shared
/// folder, never blocking on a pipe nobody reads.
fn save_png(img: &RgbImage, path: &Path) -> anyhow::Result<()> {
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    crate::fsutil::write_atomic(path, &png)
}
