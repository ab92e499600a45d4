/*!
Where frames come from. [`FrameSource`] is what the capture pipeline drives: list cameras, read
a camera's formats, open it at a resolution, read frames. The production source is nokhwa
(`native.rs`) on its own thread behind `threaded::Threaded`; [`SequenceSource`] plays a sequence of images at a frame rate, so the whole path
(capture -> analysis -> findings) runs in tests on real photographs.

Errors are the backend's own text: the pipeline classifies them (busy, access refused ...).
*/

use std::time::{Duration, Instant};

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::units::Resolution;

/// A camera as the backend lists it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listed {
    /// The backend's index (what `open` takes).
    pub index: u32,
    pub name: String,
    /// The backend's description (on Linux: "Video4Linux Device @ /dev/video0").
    pub description: String,
    /// The device file, where there is one (Linux).
    #[serde(default)]
    pub device: Option<String>,
}

/// A capture format a camera offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Format {
    pub resolution: Resolution,
    /// Pixel format (`MJPEG`, `YUYV`, `NV12` ...).
    pub fourcc: Fourcc,
    pub fps: u32,
}

/// Pixel formats nokhwa decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fourcc {
    #[serde(rename = "MJPEG")]
    Mjpeg,
    #[serde(rename = "YUYV")]
    Yuyv,
    #[serde(rename = "NV12")]
    Nv12,
    #[serde(rename = "GRAY")]
    Gray,
    #[serde(rename = "RGB")]
    Rgb,
    #[serde(rename = "BGR")]
    Bgr,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fourcc = serde_json::to_value(self.fourcc)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        write!(f, "{} {} {} fps", self.resolution, fourcc, self.fps)
    }
}

/// What the pipeline needs from a camera backend.
pub trait FrameSource {
    /// The backend's name (`Video4Linux`, `MediaFoundation`, `AVFoundation`, `images`).
    fn backend(&self) -> String;
    /// The cameras present.
    fn list(&mut self) -> Result<Vec<Listed>, String>;
    /// The formats camera `index` offers.
    fn formats(&mut self, index: u32) -> Result<Vec<Format>, String>;
    /// Open camera `index` at (or near) `want` and start streaming; returns the format in use.
    fn open(&mut self, index: u32, want: Resolution) -> Result<Format, String>;
    /// The next frame, waiting at most `timeout`.
    fn frame(&mut self, timeout: Duration) -> Result<RgbImage, String>;
    /// Stop streaming and release the camera.
    fn close(&mut self);
}

/// The format to request for `want`: the exact resolution if offered (highest frame rate, MJPEG
/// or YUYV first), else the smallest larger one, else the largest smaller one.
pub fn choose_format(formats: &[Format], want: Resolution) -> Option<Format> {
    let pixels = |r: Resolution| r.width as u64 * r.height as u64;
    let pref = |f: &Format| match f.fourcc {
        Fourcc::Mjpeg => 0,
        Fourcc::Yuyv => 1,
        Fourcc::Nv12 => 2,
        _ => 3,
    };
    let best = |c: Vec<&Format>| {
        c.into_iter()
            .min_by_key(|f| {
                (
                    std::cmp::Reverse(f.fps.min(30)),
                    pref(f),
                    std::cmp::Reverse(f.fps),
                )
            })
            .copied()
    };
    let exact: Vec<&Format> = formats.iter().filter(|f| f.resolution == want).collect();
    if !exact.is_empty() {
        return best(exact);
    }
    let larger = formats
        .iter()
        .filter(|f| f.resolution.width >= want.width && f.resolution.height >= want.height)
        .map(|f| pixels(f.resolution))
        .min();
    if let Some(px) = larger {
        return best(
            formats
                .iter()
                .filter(|f| {
                    pixels(f.resolution) == px
                        && f.resolution.width >= want.width
                        && f.resolution.height >= want.height
                })
                .collect(),
        );
    }
    let px = formats.iter().map(|f| pixels(f.resolution)).max()?;
    best(
        formats
            .iter()
            .filter(|f| pixels(f.resolution) == px)
            .collect(),
    )
}

/// A camera that plays images: each `frame` returns the next image (cycling), paced at `fps`.
/// Images are scaled to the opened resolution, as a camera would deliver them.
pub struct SequenceSource {
    pub cameras: Vec<Listed>,
    pub formats: Vec<Format>,
    pub frames: Vec<RgbImage>,
    pub fps: f64,
    /// Error returned by `open` (a camera that is listed but unusable).
    pub open_error: Option<String>,
    opened: Option<Format>,
    next: usize,
    last: Option<Instant>,
}

impl SequenceSource {
    /// One camera named `name` offering the test.webrtc.org ladder at 30 fps, playing `frames`.
    pub fn new(name: &str, frames: Vec<RgbImage>, fps: f64) -> SequenceSource {
        let formats = [(320, 240), (640, 480), (1280, 720)]
            .into_iter()
            .map(|(width, height)| Format {
                resolution: Resolution { width, height },
                fourcc: Fourcc::Mjpeg,
                fps: 30,
            })
            .collect();
        SequenceSource {
            cameras: vec![Listed {
                index: 0,
                name: name.to_string(),
                description: "test images".into(),
                device: None,
            }],
            formats,
            frames,
            fps,
            open_error: None,
            opened: None,
            next: 0,
            last: None,
        }
    }
}

impl FrameSource for SequenceSource {
    fn backend(&self) -> String {
        "images".into()
    }
    fn list(&mut self) -> Result<Vec<Listed>, String> {
        Ok(self.cameras.clone())
    }
    fn formats(&mut self, _index: u32) -> Result<Vec<Format>, String> {
        Ok(self.formats.clone())
    }
    fn open(&mut self, index: u32, want: Resolution) -> Result<Format, String> {
        if let Some(e) = &self.open_error {
            return Err(e.clone());
        }
        if !self.cameras.iter().any(|c| c.index == index) {
            return Err(format!("no camera with index {index}"));
        }
        let f = choose_format(&self.formats, want).ok_or("no format")?;
        self.opened = Some(f);
        self.last = None;
        Ok(f)
    }
    fn frame(&mut self, timeout: Duration) -> Result<RgbImage, String> {
        let Some(format) = self.opened else {
            return Err("stream not open".into());
        };
        if self.frames.is_empty() {
            std::thread::sleep(timeout);
            return Err(format!("no frame within {:.1} s", timeout.as_secs_f64()));
        }
        let period = Duration::from_secs_f64(1.0 / self.fps.max(0.001));
        if let Some(last) = self.last {
            let due = last + period;
            let now = Instant::now();
            if due > now {
                if due - now > timeout {
                    std::thread::sleep(timeout);
                    return Err(format!("no frame within {:.1} s", timeout.as_secs_f64()));
                }
                std::thread::sleep(due - now);
            }
        }
        self.last = Some(Instant::now());
        let img = &self.frames[self.next % self.frames.len()];
        self.next += 1;
        let (w, h) = (format.resolution.width, format.resolution.height);
        Ok(if img.dimensions() == (w, h) {
            img.clone()
        } else {
            image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle)
        })
    }
    fn close(&mut self) {
        self.opened = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(w: u32, h: u32, fourcc: Fourcc, fps: u32) -> Format {
        Format {
            resolution: Resolution {
                width: w,
                height: h,
            },
            fourcc,
            fps,
        }
    }

    #[test]
    fn choose_format_prefers_exact_then_larger_then_largest() {
        let fs = [
            f(640, 480, Fourcc::Yuyv, 30),
            f(640, 480, Fourcc::Mjpeg, 30),
            f(1280, 720, Fourcc::Mjpeg, 30),
            f(1920, 1080, Fourcc::Mjpeg, 30),
        ];
        let r = |w, h| Resolution {
            width: w,
            height: h,
        };
        assert_eq!(
            choose_format(&fs, r(640, 480)),
            Some(f(640, 480, Fourcc::Mjpeg, 30))
        );
        assert_eq!(
            choose_format(&fs, r(800, 600)),
            Some(f(1280, 720, Fourcc::Mjpeg, 30))
        );
        assert_eq!(
            choose_format(&fs, r(4000, 3000)),
            Some(f(1920, 1080, Fourcc::Mjpeg, 30))
        );
        assert_eq!(choose_format(&[], r(640, 480)), None);
        // 30 fps YUYV beats 5 fps MJPEG.
        let slow = [f(640, 480, Fourcc::Mjpeg, 5), f(640, 480, Fourcc::Yuyv, 30)];
        assert_eq!(
            choose_format(&slow, r(640, 480)),
            Some(f(640, 480, Fourcc::Yuyv, 30))
        );
    }
}
