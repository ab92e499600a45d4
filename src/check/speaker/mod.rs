/*!
The `speaker` module: an output device exists and opens; with `--play-tone` it plays a short tone
the candidate should hear; headphone-like outputs get the profile's rule (OnVUE bans headphones).

The probe lists output devices through cpal (default first, ALSA pseudo-devices left out), opens
the default one (or the first that works) by reading its configuration, and on Linux asks the
sound server (`pactl`) for the default sink's name, form factor and active port, which is where
headphones show. The judge applies `[speaker]`.
*/

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{JudgeContext, Module, ProbeContext};
use crate::audio::device::{self, DeviceError, DeviceInfo, Direction};
use crate::audio::server::{self, ServerFacts, Side};
use crate::catalogue::OsFamily;
use crate::model::Judgement;

mod judge;
#[cfg(test)]
mod tests;

pub use judge::judge_with;

pub struct Speaker;

/// `[speaker]` in a profile.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpeakerRequirements {
    /// `true`: no working output device fails the check.
    pub required: Option<bool>,
    /// `false`: an output that looks like headphones fails.
    pub allow_headphones: Option<bool>,
    /// Case-insensitive substrings of device names that mean headphones or a headset
    /// (also applied to the microphone's name for `allow_headset_mic`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headphone_patterns: Vec<String>,
}

/// The test tone (`--play-tone`, and the page's "Play test tone"): 1 s of 660 Hz at -12 dBFS.
pub const TONE_HZ: f64 = 660.0;
pub const TONE_SECONDS: f64 = 1.0;
pub const TONE_PEAK_DBFS: f64 = -12.0;

/// Play the test tone on `device`; the frames the device took.
pub fn play_test_tone(
    device: &cpal::Device,
    cancelled: &dyn Fn() -> bool,
) -> Result<u64, DeviceError> {
    // Not while the microphone records the room.
    let _turn = crate::audio::exclusive();
    device::play_tone(
        device,
        TONE_HZ,
        crate::audio::levels::from_dbfs(TONE_PEAK_DBFS),
        TONE_SECONDS,
        cancelled,
    )
}

/// The tone played with `--play-tone`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToneFacts {
    pub freq_hz: f64,
    pub seconds: f64,
    /// Level of the tone's peak in dBFS.
    pub peak_dbfs: f64,
    /// Frames the device took.
    pub frames_played: u64,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerFacts {
    pub os: OsFamily,
    /// The audio API (`ALSA`, `WASAPI`, `CoreAudio`).
    pub host: String,
    /// Output devices, default first.
    pub devices: Vec<DeviceInfo>,
    /// The device checked: the sound server's default sink on Linux when known, else the
    /// system's name for it.
    #[serialize_always]
    pub device: Option<String>,
    #[serialize_always]
    pub device_id: Option<String>,
    /// The device checked is the system default.
    pub default_device: bool,
    #[serialize_always]
    pub channels: Option<u16>,
    #[serialize_always]
    pub sample_rate: Option<u32>,
    /// Why no output device could be used.
    #[serde(default)]
    pub error: Option<DeviceError>,
    /// The Linux sound server's sinks, when it answers.
    #[serde(default)]
    pub server: Option<ServerFacts>,
    /// `--play-tone` was asked for.
    pub play_tone: bool,
    #[serde(default)]
    pub tone: Option<ToneFacts>,
    /// What alsa-lib reported meanwhile (kept off the terminal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backend_messages: Vec<String>,
}

crate::finding_codes! {
    /// The speaker module's finding codes.
    pub enum SpeakerCode {
        SpeakerOk = "speaker-ok": "a sound output exists and opens",
        SpeakerNone = "speaker-none": "no sound output was found or none opens",
        SpeakerBusy = "speaker-busy": "the sound output is held by another application",
        SpeakerPermission = "speaker-permission": "access to the sound output was refused",
        SpeakerMuted = "speaker-muted": "the sound output is muted",
        SpeakerHeadphones = "speaker-headphones": "the sound output looks like headphones, which the profile bans",
        SpeakerTone = "speaker-tone": "the test tone was played",
        SpeakerToneFailed = "speaker-tone-failed": "the test tone could not be played",
    }
}

impl Module for Speaker {
    type Facts = SpeakerFacts;
    type Requirements = SpeakerRequirements;
    const ID: &'static str = "speaker";
    const TITLE: &'static str = "Speaker";
    const ABOUT: &'static str =
        "a sound output exists and opens, plays a test tone (--play-tone), and is not headphones";
    const CODES: &'static [&'static [(&'static str, &'static str)]] = &[SpeakerCode::TABLE];

    fn probe(
        &self,
        _req: &SpeakerRequirements,
        ctx: &ProbeContext,
    ) -> anyhow::Result<SpeakerFacts> {
        let quiet = device::quiet_alsa();
        ctx.progress("listing sound outputs");
        let listing_deadline = Instant::now() + ctx.remaining().mul_f64(0.5);
        let found = device::list(Direction::Output, listing_deadline);
        let server = server::query(Side::Sinks, Duration::from_secs(2));
        let chosen = device::first_working(&found);
        let mut facts = SpeakerFacts {
            os: OsFamily::current(),
            host: device::host_name(),
            devices: found.iter().map(|d| d.info.clone()).collect(),
            device: None,
            device_id: None,
            default_device: false,
            channels: None,
            sample_rate: None,
            error: None,
            server,
            play_tone: ctx.options.play_tone,
            tone: None,
            backend_messages: Vec::new(),
        };
        match chosen {
            None => {
                facts.error = Some(device::worst_error(
                    &found,
                    "the system lists no sound output",
                ));
            }
            Some(d) => {
                let default_sink = facts.server.as_ref().and_then(|s| s.default.as_ref());
                facts.device = Some(device::shown_name(d, default_sink));
                facts.device_id = Some(d.info.id.clone());
                facts.default_device = d.info.default;
                facts.channels = d.info.channels;
                facts.sample_rate = d.info.sample_rate;
                if ctx.options.play_tone {
                    ctx.progress("playing a test tone: listen");
                    if let Ok(frames) = play_test_tone(&d.device, &|| ctx.is_cancelled()) {
                        facts.tone = Some(ToneFacts {
                            freq_hz: TONE_HZ,
                            seconds: TONE_SECONDS,
                            peak_dbfs: TONE_PEAK_DBFS,
                            frames_played: frames,
                        });
                    }
                }
            }
        }
        facts.backend_messages = quiet.messages();
        Ok(facts)
    }

    fn judge(facts: &SpeakerFacts, req: &SpeakerRequirements, ctx: JudgeContext) -> Judgement {
        judge_with(facts, req, ctx.profile_name)
    }
}
