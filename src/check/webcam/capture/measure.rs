//! The measured capture: open the chosen camera at the profile's minimum resolution, take
//! frames for the planned time while measuring each, and keep a few for the face search.

use std::time::{Duration, Instant};

use image::RgbImage;

use super::{Env, Plan, error};
use crate::check::webcam::analysis::{Analyzer, FrameStats};
use crate::check::webcam::source::{FrameSource, Listed};
use crate::check::webcam::{CameraError, CaptureFacts, FrameSeries};
use crate::stats::round_to;
use crate::units::Resolution;

/// Open `chosen`, capture, release it: the capture's facts and the frames kept as samples.
pub(super) fn measure(
    source: &mut dyn FrameSource,
    chosen: &Listed,
    plan: &Plan,
    env: &Env<'_>,
) -> (CaptureFacts, Vec<RgbImage>) {
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
    let samples = match source.open(chosen.index, plan.capture_resolution) {
        Err(e) => {
            capture.error = Some(error(e));
            Vec::new()
        }
        Ok(format) => {
            let opened = format.to_string();
            capture.format = Some(opened.clone());
            let samples = stream(source, plan, env, &opened, &mut capture);
            source.close();
            samples
        }
    };
    (capture, samples)
}

/// Take frames until the planned time is up (or the camera stops, the run is cancelled, the
/// deadline nears), recording each in `capture`; returns the frames kept for the face search.
fn stream(
    source: &mut dyn FrameSource,
    plan: &Plan,
    env: &Env<'_>,
    opened: &str,
    capture: &mut CaptureFacts,
) -> Vec<RgbImage> {
    let mut analyzer = Analyzer::new();
    let sample_at = sample_times(plan.face_samples);
    let mut samples: Vec<RgbImage> = Vec::new();
    let mut first: Option<Instant> = None;
    let mut last = None;
    let mut last_frame: Option<RgbImage> = None;
    loop {
        let frame = match source.frame(wait(plan, first.is_none())) {
            Ok(f) => f,
            Err(e) => {
                capture.error = Some(stopped(first.is_none(), opened, e));
                break;
            }
        };
        let now = Instant::now();
        let start = *first.get_or_insert(now);
        last = Some(now);
        record(capture, &mut analyzer, &frame);
        let elapsed = now - start;
        if samples.len() < sample_at.len()
            && elapsed.as_secs_f64() >= sample_at[samples.len()] * plan.capture.as_secs_f64()
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
        rate(capture, a, b);
    }
    if samples.is_empty()
        && let Some(f) = last_frame
    {
        samples.push(f);
    }
    samples
}

/// When to keep a sample, as fractions of the capture time: `n` spread over it.
fn sample_times(n: usize) -> Vec<f64> {
    (1..=n.max(1))
        .map(|i| i as f64 / (n.max(1) as f64 + 0.5))
        .collect()
}

/// How long to wait for the next frame: longer for the first, never past the deadline.
fn wait(plan: &Plan, first: bool) -> Duration {
    let timeout = if first {
        plan.first_frame_timeout
    } else {
        plan.frame_timeout
    };
    let left = plan.deadline.saturating_duration_since(Instant::now());
    timeout.min(left.max(Duration::from_millis(50)))
}

/// The camera delivered no frame at all, or stopped delivering them.
fn stopped(first: bool, opened: &str, e: String) -> CameraError {
    error(if first {
        format!("the camera opened ({opened}) but delivered no frame: {e}")
    } else {
        format!("the camera stopped delivering frames: {e}")
    })
}

/// Count and measure one frame.
fn record(capture: &mut CaptureFacts, analyzer: &mut Analyzer, frame: &RgbImage) {
    capture.resolution = Some(Resolution {
        width: frame.width(),
        height: frame.height(),
    });
    let stats = analyzer.push(frame);
    push_stats(&mut capture.per_frame, &stats);
    capture.frames += 1;
}

fn push_stats(series: &mut FrameSeries, s: &FrameStats) {
    series.luma.push(round_to(s.luma, 1));
    series.ssim_prev.push(s.ssim_prev.map(|v| round_to(v, 4)));
    series.stddev.push(round_to(s.stddev, 1));
    series.sharpness.push(round_to(s.sharpness, 1));
    series.centre_luma.push(round_to(s.centre_luma, 1));
    series.surround_luma.push(round_to(s.surround_luma, 1));
}

/// The capture's length (first frame to last) and delivered frame rate.
fn rate(capture: &mut CaptureFacts, first: Instant, last: Instant) {
    capture.seconds = round_to((last - first).as_secs_f64(), 3);
    if capture.frames >= 2 && last > first {
        capture.fps = Some(round_to(
            (capture.frames - 1) as f64 / (last - first).as_secs_f64(),
            2,
        ));
    }
}
