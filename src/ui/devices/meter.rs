//! The live microphone meter: the input the microphone check would record (`--mic NAME`, else
//! the default), opened through cpal, 20 readings a second (RMS, peak, the room's noise floor)
//! from [`crate::audio::meter`], and the profile's `[microphone]` limits for the marks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::{Duration, Instant};

use serde_json::json;

use super::{Lease, Outlet};
use crate::audio::device::{self, DeviceError, Direction, ErrorClass};
use crate::audio::meter::Meter;
use crate::audio::server::{self, Side};
use crate::check::microphone::{self, MicrophoneRequirements};

/// No audio for this long: the input stopped.
const NO_AUDIO: Duration = Duration::from_secs(3);

fn say(out: &Outlet, state: &str, message: String) {
    out.state(json!({"type": "meter", "state": state, "message": message}));
}

/// The words for a device that cannot be used.
fn trouble(e: &DeviceError) -> String {
    match e.class {
        ErrorClass::Busy => format!(
            "The microphone is in use by another application: quit calls and recorders ({}).",
            e.message
        ),
        ErrorClass::Permission => format!(
            "The system refused access to the microphone: allow it in the privacy settings ({}).",
            e.message
        ),
        ErrorClass::NotFound | ErrorClass::Unavailable => {
            format!("No microphone found: {}.", e.message)
        }
        _ => format!("The microphone cannot be used: {}.", e.message),
    }
}

pub(super) fn run(
    mic: Option<String>,
    req: MicrophoneRequirements,
    out: Outlet,
    stop: Arc<AtomicBool>,
) {
    let _quiet = device::quiet_alsa();
    say(&out, "opening", "Opening the microphone…".into());
    let found = device::list(Direction::Input, Instant::now() + Duration::from_secs(5));
    let sources = server::query(Side::Sources, Duration::from_secs(2));
    let chosen = match &mic {
        Some(q) => microphone::pick_named(&found, q, sources.as_ref()).ok_or(DeviceError {
            class: ErrorClass::NotFound,
            message: format!("no input named like \"{q}\""),
        }),
        None => device::first_working(&found)
            .ok_or_else(|| device::worst_error(&found, "the system lists no input device")),
    };
    let d = match chosen {
        Ok(d) => d,
        Err(e) => return say(&out, "error", trouble(&e)),
    };
    let name = device::shown_name(d, sources.as_ref().and_then(|s| s.default.as_ref()));
    let (tx, rx) = sync_channel::<Vec<f32>>(64);
    let monitor = match device::monitor(&d.device, move |data| {
        let _ = tx.try_send(data.to_vec());
    }) {
        Ok(m) => m,
        Err(e) => return say(&out, "error", trouble(&e)),
    };
    out.state(json!({
        "type": "meter", "state": "on", "device": name,
        "message": format!("Listening to '{name}'."),
        "limits": {
            "min_rms_dbfs": req.min_rms_dbfs.map(|v| v.0),
            "max_noise_floor_dbfs": req.max_noise_floor_dbfs.map(|v| v.0),
        },
    }));
    let mut meter = Meter::new(monitor.channels, monitor.sample_rate);
    let mut lease = Lease::new(&out.devices().listeners);
    let mut heard = Instant::now();
    let reason = loop {
        if stop.load(Ordering::SeqCst) {
            break "The microphone is off.".to_string();
        }
        if lease.abandoned() {
            break "The microphone is off: the page was closed.".to_string();
        }
        if let Some(e) = monitor.error() {
            break trouble(&e);
        }
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(chunk) => {
                heard = Instant::now();
                for r in meter.push(&chunk) {
                    out.send(json!({
                        "type": "level", "rms": r.rms_dbfs, "peak": r.peak_dbfs, "floor": r.floor_dbfs,
                    }));
                }
            }
            Err(RecvTimeoutError::Timeout) if heard.elapsed() >= NO_AUDIO => {
                break format!(
                    "'{name}' opened but sent no sound for {} s.",
                    NO_AUDIO.as_secs()
                );
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break "The microphone stopped.".to_string(),
        }
    };
    drop(monitor);
    say(&out, "off", reason);
}
