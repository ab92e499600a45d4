/*!
The production [`FrameSource`]: nokhwa with the platform's native backend (Video4Linux, Media
Foundation, AVFoundation). [`open`] runs it on its own thread behind [`Threaded`], so a driver
that blocks cannot hold the probe past its deadline.
*/

use std::time::Duration;

use image::RgbImage;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
};
use nokhwa::{Camera, FormatDecoder};

use super::source::{Format, FrameSource, Listed, choose_format};
use super::threaded::Threaded;
use crate::units::Resolution;

/// How long listing, reading formats and opening may take before the camera counts as hung.
const CALL_TIMEOUT: Duration = Duration::from_secs(8);

/// The native camera source on its own thread.
pub fn open() -> Threaded {
    Threaded::spawn(&backend().to_string(), CALL_TIMEOUT, || {
        Box::new(NokhwaCamera::default())
    })
}

/// nokhwa, called directly (blocking). Use [`open`].
#[derive(Default)]
pub struct NokhwaCamera {
    open: Option<Camera>,
}

fn backend() -> ApiBackend {
    nokhwa::native_api_backend().unwrap_or(ApiBackend::Auto)
}

fn to_fourcc(f: FrameFormat) -> super::source::Fourcc {
    use super::source::Fourcc;
    match f {
        FrameFormat::MJPEG => Fourcc::Mjpeg,
        FrameFormat::YUYV => Fourcc::Yuyv,
        FrameFormat::NV12 => Fourcc::Nv12,
        FrameFormat::GRAY => Fourcc::Gray,
        FrameFormat::RAWRGB => Fourcc::Rgb,
        FrameFormat::RAWBGR => Fourcc::Bgr,
    }
}

fn from_fourcc(f: super::source::Fourcc) -> FrameFormat {
    use super::source::Fourcc;
    match f {
        Fourcc::Mjpeg => FrameFormat::MJPEG,
        Fourcc::Yuyv => FrameFormat::YUYV,
        Fourcc::Nv12 => FrameFormat::NV12,
        Fourcc::Gray => FrameFormat::GRAY,
        Fourcc::Rgb => FrameFormat::RAWRGB,
        Fourcc::Bgr => FrameFormat::RAWBGR,
    }
}

fn to_format(f: CameraFormat) -> Format {
    Format {
        resolution: Resolution {
            width: f.width(),
            height: f.height(),
        },
        fourcc: to_fourcc(f.format()),
        fps: f.frame_rate(),
    }
}

/// The device file in a Video4Linux description ("Video4Linux Device @ /dev/video0").
pub fn device_from_description(desc: &str) -> Option<String> {
    desc.split_once(" @ ")
        .map(|(_, p)| p.trim().to_string())
        .filter(|p| p.starts_with('/'))
}

fn camera(index: u32) -> Result<Camera, String> {
    Camera::with_backend(
        CameraIndex::Index(index),
        RequestedFormat::new::<RgbFormat>(RequestedFormatType::None),
        backend(),
    )
    .map_err(|e| e.to_string())
}

fn formats_of(cam: &mut Camera) -> Result<Vec<Format>, String> {
    let mut fs: Vec<Format> = cam
        .compatible_camera_formats()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|f| RgbFormat::FORMATS.contains(&f.format()))
        .map(to_format)
        .collect();
    fs.sort_by_key(|f| {
        (
            f.resolution.width,
            f.resolution.height,
            f.fps,
            f.fourcc as u8,
        )
    });
    fs.dedup();
    Ok(fs)
}

impl FrameSource for NokhwaCamera {
    fn backend(&self) -> String {
        backend().to_string()
    }

    fn list(&mut self) -> Result<Vec<Listed>, String> {
        let cams = nokhwa::query(backend()).map_err(|e| e.to_string())?;
        Ok(cams
            .into_iter()
            .map(|c| Listed {
                index: c.index().as_index().unwrap_or(0),
                name: c.human_name(),
                device: device_from_description(c.description()),
                description: c.description().to_string(),
            })
            .collect())
    }

    fn formats(&mut self, index: u32) -> Result<Vec<Format>, String> {
        match self
            .open
            .as_mut()
            .filter(|c| c.index().as_index().ok() == Some(index))
        {
            Some(cam) => formats_of(cam),
            None => camera(index).and_then(|mut c| formats_of(&mut c)),
        }
    }

    fn open(&mut self, index: u32, want: Resolution) -> Result<Format, String> {
        self.close();
        let mut cam = camera(index)?;
        let formats = formats_of(&mut cam)?;
        let pick = choose_format(&formats, want)
            .ok_or_else(|| "the camera offers no format that can be decoded".to_string())?;
        let fmt = CameraFormat::new(
            nokhwa::utils::Resolution::new(pick.resolution.width, pick.resolution.height),
            from_fourcc(pick.fourcc),
            pick.fps,
        );
        cam.set_camera_requset(RequestedFormat::new::<RgbFormat>(
            RequestedFormatType::Exact(fmt),
        ))
        .map_err(|e| e.to_string())?;
        cam.open_stream().map_err(|e| e.to_string())?;
        let actual = to_format(cam.camera_format());
        self.open = Some(cam);
        Ok(actual)
    }

    /// Blocks until the driver delivers (the [`Threaded`] wrapper bounds the wait).
    fn frame(&mut self, _timeout: Duration) -> Result<RgbImage, String> {
        match self.open.as_mut() {
            None => Err("stream not open".into()),
            Some(cam) => cam
                .frame()
                .and_then(|b| b.decode_image::<RgbFormat>())
                .map_err(|e| e.to_string()),
        }
    }

    fn close(&mut self) {
        if let Some(mut c) = self.open.take() {
            let _ = c.stop_stream();
        }
    }
}

/// macOS: ask for camera permission (shows the system prompt the first time) and wait for the
/// answer. `None` elsewhere, or when no answer came within `wait`.
pub fn request_permission(wait: Duration) -> Option<bool> {
    if !cfg!(target_os = "macos") {
        return None;
    }
    if nokhwa::nokhwa_check() {
        return Some(true);
    }
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let tx = std::sync::Mutex::new(tx);
    nokhwa::nokhwa_initialize(move |granted| {
        if let Ok(t) = tx.lock() {
            let _ = t.try_send(granted);
        }
    });
    rx.recv_timeout(wait).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_file_from_v4l_description() {
        assert_eq!(
            device_from_description("Video4Linux Device @ /dev/video2").as_deref(),
            Some("/dev/video2")
        );
        assert_eq!(device_from_description("USB camera"), None);
    }
}
