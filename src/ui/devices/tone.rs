//! "Play a test tone": the speaker check's own tone (`speaker::play_test_tone`: 1 s of 660 Hz at
//! -12 dBFS) on the output the speaker check examines (the default, or the first that opens),
//! played by examready through cpal rather than by the browser, so that what the candidate
//! hears is what the check tests, whatever output the browser would pick.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::Outlet;
use crate::audio::device::{self, Direction};
use crate::audio::server::{self, Side};
use crate::check::speaker;

fn say(out: &Outlet, state: &str, message: String) {
    out.state(json!({"type": "tone", "state": state, "message": message}));
}

pub(super) fn run(out: Outlet, stop: Arc<AtomicBool>) {
    let _quiet = device::quiet_alsa();
    let found = device::list(Direction::Output, Instant::now() + Duration::from_secs(5));
    let Some(d) = device::first_working(&found) else {
        let e = device::worst_error(&found, "the system lists no sound output");
        return say(
            &out,
            "error",
            format!("No speaker can play: {}.", e.message),
        );
    };
    let sinks = server::query(Side::Sinks, Duration::from_secs(2));
    let name = device::shown_name(d, sinks.as_ref().and_then(|s| s.default.as_ref()));
    say(
        &out,
        "playing",
        format!("Playing a 1 s beep on '{name}': listen."),
    );
    match speaker::play_test_tone(&d.device, &|| stop.load(Ordering::SeqCst)) {
        Ok(frames) if frames > 0 => say(
            &out,
            "done",
            format!(
                "Played on '{name}'. Did you hear it? If not, check the volume and the output in the sound settings."
            ),
        ),
        Ok(_) => say(&out, "error", format!("'{name}' took no sound.")),
        Err(e) => say(
            &out,
            "error",
            format!("'{name}' cannot play: {}.", e.message),
        ),
    }
}
