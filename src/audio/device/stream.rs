//! Streams on an opened device: recording from an input, the live monitor of the page's meter,
//! and a tone on an output.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{ErrorKind, FromSample, Sample, SampleFormat, SizedSample};

use super::{DeviceError, ErrorClass};

/// Run `$body` with `$t` bound to the Rust type of a cpal sample format; an unsupported format
/// returns an error from the enclosing function.
macro_rules! with_sample_type {
    ($format:expr, $t:ident => $body:expr) => {
        match $format {
            SampleFormat::F32 => {
                type $t = f32;
                $body
            }
            SampleFormat::F64 => {
                type $t = f64;
                $body
            }
            SampleFormat::I8 => {
                type $t = i8;
                $body
            }
            SampleFormat::I16 => {
                type $t = i16;
                $body
            }
            SampleFormat::I32 => {
                type $t = i32;
                $body
            }
            SampleFormat::U8 => {
                type $t = u8;
                $body
            }
            SampleFormat::U16 => {
                type $t = u16;
                $body
            }
            other => {
                return Err(DeviceError {
                    class: ErrorClass::Other,
                    message: format!("unsupported sample format {other}"),
                });
            }
        }
    };
}

/// A recording: interleaved f32 samples.
#[derive(Debug, Clone)]
pub struct Recording {
    pub samples: Vec<f32>,
    pub channels: u16,
    pub sample_rate: u32,
    pub sample_format: String,
    /// From starting the stream to the first samples.
    pub first_data_ms: Option<u64>,
}

/// Record `seconds` from `device`, after dropping the first `settle` seconds (start-up
/// silence, clicks, automatic gain). Gives up when no audio arrives within `grace` after the
/// expected end, or when `cancelled()` says so.
pub fn record(
    device: &cpal::Device,
    seconds: f64,
    settle: f64,
    grace: Duration,
    cancelled: &dyn Fn() -> bool,
    progress: &dyn Fn(f64),
) -> Result<Recording, DeviceError> {
    let config = device
        .default_input_config()
        .map_err(|e| DeviceError::from_cpal(&e))?;
    let channels = config.channels();
    let rate = config.sample_rate();
    let format = config.sample_format();
    let wanted = ((seconds + settle) * rate as f64) as usize * channels as usize;
    let buf: Arc<Mutex<Vec<f32>>> = Arc::new(Mutex::new(Vec::with_capacity(wanted)));
    let err: Arc<Mutex<Option<cpal::Error>>> = Arc::new(Mutex::new(None));
    let stream_config = config.config();
    let started = Instant::now();
    let stream =
        with_sample_type!(format, T => build::<T>(device, stream_config, &buf, &err, wanted))
            .map_err(|e| DeviceError::from_cpal(&e))?;
    stream.play().map_err(|e| DeviceError::from_cpal(&e))?;
    let limit = Duration::from_secs_f64(seconds + settle) + grace;
    let mut first_data_ms = None;
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let have = buf.lock().map(|b| b.len()).unwrap_or(0);
        if have > 0 && first_data_ms.is_none() {
            first_data_ms = Some(started.elapsed().as_millis() as u64);
        }
        progress((have as f64 / wanted.max(1) as f64).min(1.0));
        if have >= wanted {
            break;
        }
        if let Some(e) = err.lock().ok().and_then(|mut e| e.take())
            && e.kind() != ErrorKind::Xrun
        {
            return Err(DeviceError::from_cpal(&e));
        }
        if cancelled() || started.elapsed() >= limit {
            drop(stream);
            let got =
                buf.lock().map(|b| b.len()).unwrap_or(0) as f64 / (rate as f64 * channels as f64);
            return Err(DeviceError {
                class: ErrorClass::NoData,
                message: format!(
                    "the device opened but delivered {:.1} s of audio in {:.1} s",
                    got,
                    started.elapsed().as_secs_f64()
                ),
            });
        }
    }
    drop(stream);
    let mut samples = std::mem::take(&mut *buf.lock().unwrap_or_else(|e| e.into_inner()));
    let skip = ((settle * rate as f64) as usize * channels as usize).min(samples.len());
    samples.drain(..skip);
    samples.truncate((seconds * rate as f64) as usize * channels as usize);
    Ok(Recording {
        samples,
        channels,
        sample_rate: rate,
        sample_format: format.to_string(),
        first_data_ms,
    })
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    buf: &Arc<Mutex<Vec<f32>>>,
    err: &Arc<Mutex<Option<cpal::Error>>>,
    wanted: usize,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let buf = buf.clone();
    build_sink::<T>(device, config, err, move |data: &[f32]| {
        if let Ok(mut b) = buf.lock() {
            let room = wanted.saturating_sub(b.len());
            b.extend(data.iter().take(room));
        }
    })
}

/// An input stream that hands every buffer, as `f32`, to `sink`; the first error goes to `err`.
fn build_sink<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    err: &Arc<Mutex<Option<cpal::Error>>>,
    mut sink: impl FnMut(&[f32]) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let err = err.clone();
    let mut scratch: Vec<f32> = Vec::new();
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _| {
            scratch.clear();
            scratch.extend(data.iter().map(|&s| f32::from_sample(s)));
            sink(&scratch);
        },
        move |e| {
            if let Ok(mut slot) = err.lock()
                && slot.is_none()
            {
                *slot = Some(e);
            }
        },
        None,
    )
}

/// An open input that hands its audio to a sink until it is dropped (the live meter of
/// `examready ui`). Not `Send` on every platform: keep it on the thread that opened it.
pub struct Monitor {
    _stream: cpal::Stream,
    pub channels: u16,
    pub sample_rate: u32,
    err: Arc<Mutex<Option<cpal::Error>>>,
}

impl Monitor {
    /// The stream's first error other than an over- or underrun, if any.
    pub fn error(&self) -> Option<DeviceError> {
        let mut slot = self.err.lock().ok()?;
        match slot.take() {
            Some(e) if e.kind() != ErrorKind::Xrun => Some(DeviceError::from_cpal(&e)),
            _ => None,
        }
    }
}

/// Open `device` at its default configuration and stream its audio (interleaved `f32`) to
/// `sink`, on the audio system's own thread.
pub fn monitor(
    device: &cpal::Device,
    sink: impl FnMut(&[f32]) + Send + 'static,
) -> Result<Monitor, DeviceError> {
    let config = device
        .default_input_config()
        .map_err(|e| DeviceError::from_cpal(&e))?;
    let err: Arc<Mutex<Option<cpal::Error>>> = Arc::new(Mutex::new(None));
    let stream_config = config.config();
    let stream = with_sample_type!(config.sample_format(), T => build_sink::<T>(device, stream_config, &err, sink))
        .map_err(|e| DeviceError::from_cpal(&e))?;
    stream.play().map_err(|e| DeviceError::from_cpal(&e))?;
    Ok(Monitor {
        _stream: stream,
        channels: config.channels(),
        sample_rate: config.sample_rate(),
        err,
    })
}

/// Play a sine tone of `freq` Hz at `amplitude` (0..1) for `seconds` on `device`, with short
/// fades so it does not click. Returns the frames played.
pub fn play_tone(
    device: &cpal::Device,
    freq: f64,
    amplitude: f64,
    seconds: f64,
    cancelled: &dyn Fn() -> bool,
) -> Result<u64, DeviceError> {
    let config = device
        .default_output_config()
        .map_err(|e| DeviceError::from_cpal(&e))?;
    let total = (seconds * config.sample_rate() as f64) as u64;
    let played = Arc::new(Mutex::new(0u64));
    let stream = with_sample_type!(config.sample_format(), T => tone_stream::<T>(device, &config, freq, amplitude, total, &played))
    .map_err(|e| DeviceError::from_cpal(&e))?;
    stream.play().map_err(|e| DeviceError::from_cpal(&e))?;
    let start = Instant::now();
    let limit = Duration::from_secs_f64(seconds) + Duration::from_secs(3);
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let n = *played.lock().unwrap_or_else(|e| e.into_inner());
        if n >= total || cancelled() || start.elapsed() >= limit {
            // Let the device drain what it holds.
            std::thread::sleep(Duration::from_millis(100));
            return Ok(n.min(total));
        }
    }
}

fn tone_stream<T>(
    device: &cpal::Device,
    config: &cpal::SupportedStreamConfig,
    freq: f64,
    amplitude: f64,
    total: u64,
    played: &Arc<Mutex<u64>>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = config.channels() as usize;
    let rate = config.sample_rate() as f64;
    let fade = (rate * 0.02) as u64;
    let played = played.clone();
    let mut n: u64 = 0;
    device.build_output_stream::<T, _, _>(
        config.config(),
        move |out: &mut [T], _| {
            for frame in out.chunks_mut(channels.max(1)) {
                let s = if n < total {
                    let env = (n.min(total - n).min(fade) as f64 / fade.max(1) as f64).min(1.0);
                    (amplitude * env * (2.0 * std::f64::consts::PI * freq * n as f64 / rate).sin())
                        as f32
                } else {
                    0.0
                };
                n += 1;
                for x in frame.iter_mut() {
                    *x = T::from_sample(s);
                }
            }
            if let Ok(mut p) = played.lock() {
                *p = n.min(total);
            }
        },
        |_| {},
        None,
    )
}

/// An `f32` sample from any cpal sample type (for tests of the conversion).
pub fn to_f32<T: Sample>(s: T) -> f32
where
    f32: FromSample<T>,
{
    f32::from_sample(s)
}
