/*!
Audio devices through cpal: listing (default first, ALSA pseudo-devices filtered out), opening,
recording from an input and playing a tone on an output.

ALSA writes "ALSA lib ..." lines on stderr when a plugin cannot reach its server; [`quiet_alsa`]
installs alsa-lib's thread-local error handler (through the `alsa` crate cpal uses) on the
calling thread, which keeps the text for the report instead of the terminal.
*/

use std::time::Instant;

use cpal::ErrorKind;
use cpal::traits::{DeviceTrait, HostTrait};
use serde::{Deserialize, Serialize};

mod stream;

pub use stream::*;

/// Which way a device carries sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Input,
    Output,
}

/// One listed device, as facts.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// What the system calls it (`MacBook Pro Microphone`, `Microphone (Realtek(R) Audio)`).
    pub name: String,
    /// cpal's stable id (`alsa:default`, `wasapi:{0.0.1.00000000}...`).
    pub id: String,
    /// The system's default device for this direction.
    pub default: bool,
    #[serde(default)]
    pub channels: Option<u16>,
    #[serde(default)]
    pub sample_rate: Option<u32>,
    /// Why its configuration could not be read (busy, refused, gone).
    #[serde(default)]
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

#[cfg(test)]
mod tests;
