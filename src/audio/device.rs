/*!
Audio devices through cpal: listing (default first, ALSA pseudo-devices filtered out), opening,
recording from an input and playing a tone on an output.

ALSA writes "ALSA lib ..." lines on stderr when a plugin cannot reach its server; [`quiet_alsa`]
installs alsa-lib's thread-local error handler (through the `alsa` crate cpal uses) on the
calling thread, which keeps the text for the report instead of the terminal.
*/

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{ErrorKind, FromSample, Sample, SampleFormat, SizedSample};
use serde::{Deserialize, Serialize};

/// Which way a device carries sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Input,
    Output,
}

/// One listed device, as facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// What the system calls it (`MacBook Pro Microphone`, `Microphone (Realtek(R) Audio)`).
    pub name: String,
    /// cpal's stable id (`alsa:default`, `wasapi:{0.0.1.00000000}...`).
    pub id: String,
    /// The system's default device for this direction.
    pub default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    /// Why its configuration could not be read (busy, refused, gone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<DeviceError>,
}

/// Why a device could not be used, classified for the judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorClass {
    /// The device or its sound server is not there.
    Unavailable,
    /// Another application holds it exclusively.
    Busy,
    /// The operating system refused access (privacy settings, permissions).
    Permission,
    /// It opened but delivered no audio in time.
    NoData,
    /// No device matches the name asked for (`--mic NAME`).
    NotFound,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceError {
    pub class: ErrorClass,
    pub message: String,
}

impl DeviceError {
    pub fn from_cpal(e: &cpal::Error) -> DeviceError {
        let text = e.to_string();
        let class = match e.kind() {
            ErrorKind::DeviceBusy => ErrorClass::Busy,
            ErrorKind::PermissionDenied => ErrorClass::Permission,
            ErrorKind::DeviceNotAvailable | ErrorKind::HostUnavailable => ErrorClass::Unavailable,
            // cpal leaves errnos it does not know as backend errors with the ALSA text: a sound
            // server that is not running refuses the connection (ALSA's pulse plugin).
            _ if text.contains("Connection refused")
                || text.contains("(111)")
                || text.contains("No such device") =>
            {
                ErrorClass::Unavailable
            }
            _ => ErrorClass::Other,
        };
        DeviceError {
            class,
            message: text.trim_end_matches('.').to_string(),
        }
    }
}

/// ALSA device names that are plugins or duplicates rather than microphones or speakers:
/// rate converters, format converters, mixers, the JACK/OSS bridges and the null device.
pub const ALSA_PSEUDO_PREFIXES: &[&str] = &[
    "null",
    "lavrate",
    "samplerate",
    "speexrate",
    "speex",
    "jack",
    "oss",
    "upmix",
    "vdownmix",
    "a52",
    "usbstream",
    "dmix",
    "dsnoop",
    "iec958",
    "spdif",
    "hdmi",
    "surround",
    "front",
    "rear",
    "center_lfe",
    "side",
    "modem",
    "phoneline",
    "hw:",
    "arcam",
    "equal",
    "loopback",
];

/// The ALSA pcm id of a cpal id (`alsa:pulse` -> `pulse`), `None` for other hosts.
pub fn alsa_pcm(id: &str) -> Option<&str> {
    id.strip_prefix("alsa:")
}

/// Whether an ALSA device is a plugin or duplicate to leave out of the list.
pub fn is_alsa_pseudo(pcm: &str) -> bool {
    let p = pcm.to_ascii_lowercase();
    ALSA_PSEUDO_PREFIXES.iter().any(|x| {
        p == *x
            || p.starts_with(&format!("{x}:"))
            || (x.ends_with(':') && p.starts_with(x))
            || (*x == "lavrate" || *x == "samplerate" || *x == "speexrate") && p.starts_with(x)
    })
}

/// Whether an ALSA device goes to a sound server (PulseAudio/PipeWire) rather than a card.
pub fn is_sound_server_pcm(pcm: &str) -> bool {
    matches!(pcm, "default" | "pulse" | "pipewire")
}

/// Filter and order a device list: ALSA pseudo-devices out, a card listed once (its
/// `sysdefault:` entry wins over `plughw:` entries of the same card), the default first.
pub fn tidy(mut devices: Vec<DeviceInfo>) -> Vec<DeviceInfo> {
    devices.retain(|d| alsa_pcm(&d.id).is_none_or(|p| !is_alsa_pseudo(p)));
    let sysdefault_cards: Vec<String> = devices
        .iter()
        .filter_map(|d| alsa_pcm(&d.id)?.strip_prefix("sysdefault:CARD="))
        .map(str::to_string)
        .collect();
    devices.retain(|d| {
        let Some(rest) = alsa_pcm(&d.id).and_then(|p| p.strip_prefix("plughw:CARD=")) else {
            return true;
        };
        let card = rest.split(',').next().unwrap_or("");
        !sysdefault_cards.iter().any(|c| c == card)
    });
    let mut seen = std::collections::HashSet::new();
    devices.retain(|d| seen.insert(d.id.clone()));
    devices.sort_by_key(|d| !d.default);
    devices
}

/// Keep alsa-lib's error text away from stderr on this thread for as long as the guard lives.
pub struct AlsaQuiet {
    #[cfg(target_os = "linux")]
    output: Option<std::rc::Rc<std::cell::RefCell<alsa::Output>>>,
}

impl AlsaQuiet {
    /// What alsa-lib reported meanwhile, one line per message, at most 20 (empty off Linux).
    pub fn messages(&self) -> Vec<String> {
        #[cfg(target_os = "linux")]
        if let Some(o) = &self.output {
            return o
                .borrow()
                .to_string()
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .take(20)
                .collect();
        }
        Vec::new()
    }
}

/// Install the silent ALSA error handler on the calling thread.
pub fn quiet_alsa() -> AlsaQuiet {
    AlsaQuiet {
        #[cfg(target_os = "linux")]
        output: alsa::Output::local_error_handler().ok(),
    }
}

/// A device handle with its listing facts.
pub struct Found {
    pub info: DeviceInfo,
    pub device: cpal::Device,
}

fn device_id(d: &cpal::Device) -> String {
    d.id().map(|i| i.to_string()).unwrap_or_default()
}

fn device_name(d: &cpal::Device) -> String {
    d.description()
        .map(|x| x.name().to_string())
        .unwrap_or_else(|_| device_id(d))
}

fn describe(d: cpal::Device, dir: Direction, default_id: &str) -> Found {
    let id = device_id(&d);
    let config = match dir {
        Direction::Input => d.default_input_config(),
        Direction::Output => d.default_output_config(),
    };
    let (channels, sample_rate, error) = match config {
        Ok(c) => (Some(c.channels()), Some(c.sample_rate()), None),
        Err(e) => (None, None, Some(DeviceError::from_cpal(&e))),
    };
    Found {
        info: DeviceInfo {
            name: device_name(&d),
            default: id == default_id,
            id,
            channels,
            sample_rate,
            error,
        },
        device: d,
    }
}

/// The name to show for `d`: on Linux, when `d` is ALSA's device for the sound server, the
/// server's default source or sink (`server_default`, its description), else the system's name.
pub fn shown_name(d: &Found, server_default: Option<&super::server::ServerDevice>) -> String {
    let via_server = alsa_pcm(&d.info.id).is_some_and(is_sound_server_pcm);
    server_default
        .filter(|_| via_server)
        .map_or_else(|| d.info.name.clone(), |s| s.description.clone())
}

/// The host's name (`ALSA`, `WASAPI`, `CoreAudio`).
pub fn host_name() -> String {
    cpal::default_host().id().name().to_string()
}

/// List the devices of one direction, default first, each with its default configuration.
/// Opening a device to read its configuration is what reveals a busy or refused device.
pub fn list(dir: Direction, deadline: Instant) -> Vec<Found> {
    let host = cpal::default_host();
    let default = match dir {
        Direction::Input => host.default_input_device(),
        Direction::Output => host.default_output_device(),
    };
    let default_id = default.as_ref().map(device_id).unwrap_or_default();
    let mut handles: Vec<cpal::Device> = Vec::new();
    if let Some(d) = default {
        handles.push(d);
    }
    let listed = match dir {
        Direction::Input => host.input_devices().map(|i| i.collect::<Vec<_>>()),
        Direction::Output => host.output_devices().map(|i| i.collect::<Vec<_>>()),
    };
    if let Ok(listed) = listed {
        handles.extend(listed);
    }
    // Filter on ids first so that pseudo-devices are never opened (some ALSA plugins hang or
    // leak when opened).
    let skeleton: Vec<DeviceInfo> = handles
        .iter()
        .map(|d| DeviceInfo {
            name: String::new(),
            id: device_id(d),
            default: device_id(d) == default_id,
            channels: None,
            sample_rate: None,
            error: None,
        })
        .collect();
    let keep: Vec<String> = tidy(skeleton).into_iter().map(|d| d.id).collect();
    let mut out = Vec::new();
    for id in keep {
        if Instant::now() >= deadline {
            break;
        }
        if let Some(pos) = handles.iter().position(|d| device_id(d) == id) {
            let d = handles.swap_remove(pos);
            out.push(describe(d, dir, &default_id));
        }
    }
    out
}

/// When no device opens, the most telling reason: refused, then busy, then absent.
pub fn worst_error(devices: &[Found], nothing_listed: &str) -> DeviceError {
    devices
        .iter()
        .filter_map(|d| d.info.error.clone())
        .min_by_key(|e| match e.class {
            ErrorClass::Permission => 0,
            ErrorClass::Busy => 1,
            _ => 2,
        })
        .unwrap_or(DeviceError {
            class: ErrorClass::Unavailable,
            message: nothing_listed.to_string(),
        })
}

/// The device to use: the default if it opens, else the first that opens.
pub fn first_working(devices: &[Found]) -> Option<&Found> {
    devices
        .iter()
        .find(|d| d.info.default && d.info.error.is_none())
        .or_else(|| devices.iter().find(|d| d.info.error.is_none()))
}

/// Pick a device by `--mic NAME`-style query: exact id or name first, then a case-insensitive
/// substring of the name or id.
pub fn pick<'a>(devices: &'a [Found], query: &str) -> Option<&'a Found> {
    let infos: Vec<&DeviceInfo> = devices.iter().map(|d| &d.info).collect();
    pick_index(&infos, query).map(|i| &devices[i])
}

/// [`pick`] on the devices' descriptions: the index of the exact id or name match, else of the
/// first name or id containing `query` (case-insensitive).
fn pick_index(devices: &[&DeviceInfo], query: &str) -> Option<usize> {
    let q = query.trim().to_lowercase();
    devices
        .iter()
        .position(|d| d.id.to_lowercase() == q || d.name.to_lowercase() == q)
        .or_else(|| {
            devices.iter().position(|d| {
                d.name.to_lowercase().contains(&q) || d.id.to_lowercase().contains(&q)
            })
        })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str, default: bool) -> DeviceInfo {
        DeviceInfo {
            name: id.to_string(),
            id: id.to_string(),
            default,
            channels: None,
            sample_rate: None,
            error: None,
        }
    }

    #[test]
    fn alsa_pseudo_devices_are_dropped_and_default_is_first() {
        // The hint list of a Debian machine with libasound2-plugins and one USB card.
        let ids = [
            "alsa:null",
            "alsa:lavrate",
            "alsa:samplerate",
            "alsa:speexrate",
            "alsa:jack",
            "alsa:oss",
            "alsa:pulse",
            "alsa:speex",
            "alsa:upmix",
            "alsa:vdownmix",
            "alsa:sysdefault:CARD=Webcam",
            "alsa:front:CARD=Webcam,DEV=0",
            "alsa:dsnoop:CARD=Webcam,DEV=0",
            "alsa:hw:CARD=Webcam,DEV=0",
            "alsa:plughw:CARD=Webcam,DEV=0",
            "alsa:plughw:CARD=PCH,DEV=0",
            "alsa:usbstream:CARD=Webcam",
        ];
        let mut v: Vec<DeviceInfo> = ids.iter().map(|i| info(i, false)).collect();
        v.push(info("alsa:default", true));
        let got: Vec<String> = tidy(v).into_iter().map(|d| d.id).collect();
        assert_eq!(
            got,
            [
                "alsa:default",
                "alsa:pulse",
                "alsa:sysdefault:CARD=Webcam",
                "alsa:plughw:CARD=PCH,DEV=0"
            ]
        );
    }

    #[test]
    fn other_hosts_are_not_filtered() {
        let v = vec![
            info("wasapi:{0.0.1.00000000}.{abc}", false),
            info("coreaudio:BuiltInMicrophoneDevice", true),
            info("coreaudio:BuiltInMicrophoneDevice", true),
        ];
        let got = tidy(v);
        assert_eq!(got.len(), 2, "duplicates removed");
        assert!(got[0].default);
    }

    #[test]
    fn pick_prefers_exact_then_substring() {
        // Descriptions only: the test needs no audio device (none exists under Wine or in CI).
        let dev = |name: &str, id: &str| DeviceInfo {
            name: name.into(),
            ..info(id, false)
        };
        let (pro, mic) = (
            dev("USB Microphone Pro", "alsa:sysdefault:CARD=Pro"),
            dev("USB Microphone", "alsa:sysdefault:CARD=Mic"),
        );
        let v = [&pro, &mic];
        assert_eq!(pick_index(&v, "usb microphone"), Some(1));
        assert_eq!(pick_index(&v, "pro"), Some(0));
        assert_eq!(pick_index(&v, "CARD=Mic"), Some(1));
        assert_eq!(pick_index(&v, "blue yeti"), None);
    }

    #[test]
    fn sample_conversion_is_full_scale() {
        assert_eq!(to_f32(i16::MIN), -1.0);
        assert!((to_f32(i16::MAX) - 32767.0 / 32768.0).abs() < 1e-7);
        assert_eq!(to_f32(0u16.wrapping_add(32768)), 0.0);
    }
}
