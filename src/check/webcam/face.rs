/*!
Face detection with `rustface` (SeetaFace frontal detector). The model ships inside the rustface
crate package and is embedded in the binary by `build.rs`: nothing is downloaded at run time.

Speed: the detector's cost grows with the pixel count and it finds faces from 40 pixels wide
(its window) up. The luma plane is therefore box-averaged down to [`DETECT_WIDTH`] pixels wide
before detection: a face narrower than 40/[`DETECT_WIDTH`] of the frame width (12.5 %) is not
found, which is below what a proctor accepts (OnVUE's profile asks for 15 %).
*/

use image::RgbImage;
use rustface::{Detector, ImageData};
use serde::{Deserialize, Serialize};

use super::analysis::{Luma, luma_plane, reduce};

/// The SeetaFace frontal model (BSD-2-Clause, from the rustface package).
pub static MODEL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/seeta_fd_frontal_v1.0.bin"));

/// Frames are reduced to this width before detection.
pub const DETECT_WIDTH: u32 = 320;

/// Detector settings: rustface's example values, with a 0.75 pyramid step and a 4-pixel window step.
const SCORE_THRESHOLD: f64 = 2.0;
const PYRAMID_SCALE: f32 = 0.75;
const WINDOW_STEP: u32 = 4;

/// A face, in fractions of the frame (0..1), so it reads the same at any resolution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceBox {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Detector score (above 2 counts as a face).
    pub score: f64,
}

impl FaceBox {
    pub fn centre(&self) -> (f64, f64) {
        (self.x + self.width / 2.0, self.y + self.height / 2.0)
    }
}

/// A reusable face detector.
pub struct FaceFinder {
    detector: Box<dyn Detector>,
}

impl FaceFinder {
    /// Load the embedded model. Fails only if the embedded bytes are damaged.
    pub fn new() -> anyhow::Result<FaceFinder> {
        let model = rustface::read_model(MODEL)
            .map_err(|e| anyhow::anyhow!("the embedded face model cannot be read: {e}"))?;
        let mut detector = rustface::create_detector_with_model(model);
        detector.set_min_face_size(20);
        detector.set_score_thresh(SCORE_THRESHOLD);
        detector.set_pyramid_scale_factor(PYRAMID_SCALE);
        detector.set_slide_window_step(WINDOW_STEP, WINDOW_STEP);
        Ok(FaceFinder { detector })
    }

    /// Faces in an RGB frame, largest first.
    pub fn detect(&mut self, frame: &RgbImage) -> Vec<FaceBox> {
        self.detect_luma(&luma_plane(frame))
    }

    /// Faces in a luma plane, largest first.
    pub fn detect_luma(&mut self, luma: &Luma) -> Vec<FaceBox> {
        let small = reduce(luma, DETECT_WIDTH);
        // rustface panics on images smaller than its window.
        if small.width < 40 || small.height < 40 {
            return Vec::new();
        }
        let image = ImageData::new(&small.data, small.width, small.height);
        let (w, h) = (small.width as f64, small.height as f64);
        let mut faces: Vec<FaceBox> = self
            .detector
            .detect(&image)
            .into_iter()
            .map(|f| {
                let b = f.bbox();
                FaceBox {
                    x: (b.x() as f64 / w).clamp(0.0, 1.0),
                    y: (b.y() as f64 / h).clamp(0.0, 1.0),
                    width: (b.width() as f64 / w).min(1.0),
                    height: (b.height() as f64 / h).min(1.0),
                    score: f.score(),
                }
            })
            .collect();
        faces.sort_by(|a, b| b.width.total_cmp(&a.width));
        faces
    }
}
