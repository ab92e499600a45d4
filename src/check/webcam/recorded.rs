/*!
Recorded frames played as a camera (`--camera-frames DIR`, a hidden option for machines without
a camera, such as this project's test machines): the images of a folder (PNG or JPEG, in name
order) through [`SequenceSource`] at 30 frames a second, under the camera name
`Recorded frames (FOLDER)`.

Like a real camera (Video4Linux lets one process stream at a time), the recorded camera streams
to one user at a time: while it is open, opening it again fails with the driver's own words,
"Device or resource busy", which the capture pipeline classifies as busy. That is what lets the
tests show that `examready ui` releases its preview before the webcam check opens the camera.
*/

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use image::RgbImage;

use super::source::{Format, FrameSource, Listed, SequenceSource};
use crate::units::Resolution;

/// The frame rate recorded frames are played at.
pub const FPS: f64 = 30.0;

/// Held while a recorded camera is open (one stream at a time, process-wide).
static OPEN: AtomicBool = AtomicBool::new(false);

/// The images in `dir`, in name order; an error names the folder when none decodes.
pub fn load(dir: &Path) -> Result<Vec<RgbImage>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| ["png", "jpg", "jpeg"].contains(&x.to_ascii_lowercase().as_str()))
        })
        .collect();
    paths.sort();
    let mut frames = Vec::with_capacity(paths.len());
    for p in &paths {
        let img = image::open(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        frames.push(img.to_rgb8());
    }
    if frames.is_empty() {
        return Err(format!("{} holds no PNG or JPEG image", dir.display()));
    }
    Ok(frames)
}

/// A folder of images as a camera that one user at a time may open.
pub struct Recorded {
    inner: SequenceSource,
    holding: bool,
}

impl Recorded {
    pub fn open_dir(dir: &Path) -> Result<Recorded, String> {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        Ok(Recorded {
            inner: SequenceSource::new(&format!("Recorded frames ({name})"), load(dir)?, FPS),
            holding: false,
        })
    }

    fn release(&mut self) {
        if std::mem::take(&mut self.holding) {
            OPEN.store(false, Ordering::SeqCst);
        }
    }
}

impl FrameSource for Recorded {
    fn backend(&self) -> String {
        self.inner.backend()
    }
    fn list(&mut self) -> Result<Vec<Listed>, String> {
        self.inner.list()
    }
    fn formats(&mut self, index: u32) -> Result<Vec<Format>, String> {
        self.inner.formats(index)
    }
    fn open(&mut self, index: u32, want: Resolution) -> Result<Format, String> {
        if !self.holding {
            if OPEN
                .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
            {
                return Err("Device or resource busy (os error 16)".into());
            }
            self.holding = true;
        }
        let opened = self.inner.open(index, want);
        if opened.is_err() {
            self.release();
        }
        opened
    }
    fn frame(&mut self, timeout: Duration) -> Result<RgbImage, String> {
        self.inner.frame(timeout)
    }
    fn close(&mut self) {
        self.inner.close();
        self.release();
    }
}

impl Drop for Recorded {
    fn drop(&mut self) {
        self.release();
    }
}

/// The camera source: the recorded frames in `frames` when given, else the native camera on
/// its own thread.
pub fn source(frames: Option<&Path>) -> Result<Box<dyn FrameSource + Send>, String> {
    Ok(match frames {
        Some(dir) => Box::new(Recorded::open_dir(dir)?),
        None => Box::new(super::native::open()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_camera_is_busy_while_open_and_free_after_close() {
        let dir = tempfile::tempdir().unwrap();
        let img = RgbImage::from_pixel(64, 48, image::Rgb([90, 120, 150]));
        img.save(dir.path().join("b.png")).unwrap();
        img.save(dir.path().join("a.jpg")).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
        let mut a = Recorded::open_dir(dir.path()).unwrap();
        assert_eq!(a.inner.frames.len(), 2);
        let mut b = Recorded::open_dir(dir.path()).unwrap();
        let want = Resolution {
            width: 320,
            height: 240,
        };
        a.open(0, want).unwrap();
        let f = a.frame(Duration::from_secs(1)).unwrap();
        assert_eq!(f.dimensions(), (320, 240));
        let busy = b.open(0, want).unwrap_err();
        assert_eq!(
            super::super::capture::classify(&busy),
            super::super::FailureKind::Busy
        );
        a.close();
        b.open(0, want).unwrap();
        drop(b);
        a.open(0, want).unwrap();
        a.close();
        let empty = tempfile::tempdir().unwrap();
        assert!(Recorded::open_dir(empty.path()).is_err());
    }
}
