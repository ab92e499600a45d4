/*!
The `microphone` module: a microphone exists, opens and records sound at a usable level, without
clipping, in a room quiet enough; virtual or loopback inputs and headset microphones get the
profile's rules.

The probe lists input devices through cpal (default first, ALSA pseudo-devices left out), records
a few seconds from the default device or `--mic NAME` (shorter with `--quick`; with `--speak` it
first asks the candidate to say a sentence), and measures the recording (`audio::levels`): per
channel RMS, peak and clipped runs, mono, a level series and the room's noise floor. On Linux it
also asks the sound server (`pactl`) which source is the default, since ALSA's `default` device
does not name it. The judge applies `[microphone]`; thresholds come from test.webrtc.org.
*/

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{JudgeContext, Module, ProbeContext};
use crate::audio::device::{self, DeviceError, DeviceInfo, Direction, ErrorClass};
use crate::audio::levels::{self, ChannelLevels};
use crate::audio::server::{self, ServerFacts, Side};
use crate::catalogue::{Catalogue, OsFamily};
use crate::model::{Finding, Judgement};
use crate::units::{Dbfs, NonNegative, Seconds};

mod figures;
mod judge;
mod probe;

pub use judge::judge_with;
pub use probe::pick_named;
#[cfg(test)]
mod tests;

pub struct Microphone;

/// Default recording length without `--quick` (seconds).
pub const DEFAULT_RECORD_SECONDS: f64 = 3.0;
/// Default recording length with `--quick`.
pub const DEFAULT_QUICK_RECORD_SECONDS: f64 = 1.5;
/// Recording length with `--speak` (at least): time to say a sentence.
pub const SPEAK_SECONDS: f64 = 5.0;
/// Silence threshold when the profile names none: 1/32767 (test.webrtc.org).
pub const DEFAULT_SILENCE_DBFS: f64 = -90.3;
/// Clipping run length when the profile names none (test.webrtc.org).
pub const DEFAULT_CLIP_RUN_SAMPLES: u32 = 6;
/// Dropped at the start of a recording: start-up silence, clicks, automatic gain settling.
pub const SETTLE_SECONDS: f64 = 0.25;
/// The sentence `--speak` asks for.
pub const SENTENCE: &str = "I am ready to take my exam today";

/// `[microphone]` in a profile.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MicrophoneRequirements {
    /// `true`: no working microphone fails the check.
    pub required: Option<bool>,
    /// How long to record (default 3 s).
    pub record_seconds: Option<Seconds>,
    /// How long to record with `--quick` (default 1.5 s).
    pub quick_record_seconds: Option<Seconds>,
    /// Every sample under this: muted or broken (default -90.3 dBFS = 1/32767).
    pub silence_dbfs: Option<Dbfs>,
    /// RMS under this fails: the input level is too low.
    pub min_rms_dbfs: Option<Dbfs>,
    /// More than this many consecutive full-scale samples is clipping (default 6).
    pub clip_run_samples: Option<u32>,
    /// A room noise floor above this warns.
    pub max_noise_floor_dbfs: Option<Dbfs>,
    /// `false`: a virtual or loopback input fails.
    pub allow_virtual: Option<bool>,
    /// `false`: a microphone that is part of a headset fails (names from
    /// `[speaker] headphone_patterns`).
    pub allow_headset_mic: Option<bool>,
    /// `--speak`: speech must rise this many dB above the noise floor.
    pub min_speech_above_floor_db: Option<NonNegative>,
}

impl MicrophoneRequirements {
    pub fn record_seconds(&self, quick: bool) -> f64 {
        if quick {
            self.quick_record_seconds
                .map_or(DEFAULT_QUICK_RECORD_SECONDS, |s| s.0)
        } else {
            self.record_seconds.map_or(DEFAULT_RECORD_SECONDS, |s| s.0)
        }
    }
    pub fn clip_run_samples(&self) -> u32 {
        self.clip_run_samples.unwrap_or(DEFAULT_CLIP_RUN_SAMPLES)
    }
    pub fn silence_dbfs(&self) -> f64 {
        self.silence_dbfs.map_or(DEFAULT_SILENCE_DBFS, |d| d.get())
    }
}

/// `--speak`: how the speech compared with the room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeechFacts {
    /// The sentence asked for.
    pub sentence: String,
    /// The level of the loudest stretch (90th percentile of 100 ms windows).
    pub speech_dbfs: f64,
    /// `speech_dbfs` minus the noise floor.
    pub above_floor_db: f64,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MicFacts {
    pub os: OsFamily,
    /// The audio API (`ALSA`, `WASAPI`, `CoreAudio`).
    pub host: String,
    /// Input devices, default first.
    pub devices: Vec<DeviceInfo>,
    /// `--mic NAME`, when given.
    #[serde(default)]
    pub requested: Option<String>,
    /// The device recorded: the sound server's default source on Linux when known, else the
    /// system's name for it.
    #[serialize_always]
    pub device: Option<String>,
    #[serialize_always]
    pub device_id: Option<String>,
    /// The device recorded is the system default.
    pub default_device: bool,
    /// Why nothing could be recorded.
    #[serde(default)]
    pub error: Option<DeviceError>,
    /// The Linux sound server's sources, when it answers.
    #[serde(default)]
    pub server: Option<ServerFacts>,
    #[serialize_always]
    pub channels: Option<u16>,
    #[serialize_always]
    pub sample_rate: Option<u32>,
    #[serde(default)]
    pub sample_format: Option<String>,
    /// Seconds of audio analysed.
    pub seconds: f64,
    /// From starting the stream to the first samples.
    #[serde(default)]
    pub first_data_ms: Option<u64>,
    /// The loudest channel's RMS.
    #[serialize_always]
    pub rms_dbfs: Option<f64>,
    /// The highest peak of any channel.
    #[serialize_always]
    pub peak_dbfs: Option<f64>,
    /// Runs of more than `clip_run_samples` full-scale samples, all channels.
    #[serialize_always]
    pub clipped_runs: Option<u32>,
    pub clip_run_samples: u32,
    /// The room's broadband noise floor.
    #[serialize_always]
    pub noise_floor_dbfs: Option<f64>,
    /// All channels carry the same signal.
    #[serialize_always]
    pub mono: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_channel: Vec<ChannelLevels>,
    /// RMS per 100 ms window (for the report's chart).
    #[serde(default)]
    pub level_series_dbfs: Vec<f64>,
    /// A virtual or loopback input (catalogue `virtual-audio` devices, monitor sources).
    pub r#virtual: bool,
    /// The catalogue application behind a virtual input.
    #[serde(default)]
    pub virtual_app: Option<String>,
    /// `--speak` was asked for.
    pub speak: bool,
    #[serde(default)]
    pub speech: Option<SpeechFacts>,
    /// What alsa-lib reported meanwhile (kept off the terminal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backend_messages: Vec<String>,
    /// Windows: which apps use the microphone now or used it last, and the privacy switches.
    #[serde(default)]
    pub consent: Option<crate::os::consent::ConsentFacts>,
    /// macOS: whether the terminal (or examready) may use the microphone.
    #[serde(default)]
    pub macos_permission: Option<crate::os::macos_permissions::PermissionFacts>,
}

impl MicFacts {
    fn empty(os: OsFamily, host: String, clip_run_samples: u32) -> MicFacts {
        MicFacts {
            os,
            host,
            devices: vec![],
            requested: None,
            device: None,
            device_id: None,
            default_device: false,
            error: None,
            server: None,
            channels: None,
            sample_rate: None,
            sample_format: None,
            seconds: 0.0,
            first_data_ms: None,
            rms_dbfs: None,
            peak_dbfs: None,
            clipped_runs: None,
            clip_run_samples,
            noise_floor_dbfs: None,
            mono: None,
            per_channel: vec![],
            level_series_dbfs: vec![],
            r#virtual: false,
            virtual_app: None,
            speak: false,
            speech: None,
            backend_messages: vec![],
            consent: None,
            macos_permission: None,
        }
    }

    /// The sound server's default source, when the device recorded goes through the server.
    fn server_source(&self) -> Option<&server::ServerDevice> {
        let via = self
            .device_id
            .as_deref()
            .and_then(device::alsa_pcm)
            .is_some_and(device::is_sound_server_pcm);
        self.server.as_ref()?.default.as_ref().filter(|_| via)
    }
}

/// Whether the recorded input is virtual: a catalogue device name (name or server description),
/// or a server monitor source. Returns the application's name or a reason.
pub fn virtual_input(f: &MicFacts, catalogue: &Catalogue) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    if let Some(d) = &f.device {
        names.push(d);
    }
    if let Some(s) = f.server_source() {
        names.push(&s.description);
        names.push(&s.name);
    }
    for n in &names {
        if let Some(app) = catalogue.match_device(n)
            && app.category == "virtual-audio"
        {
            return Some(app.name.clone());
        }
    }
    if f.server_source().is_some_and(|s| s.monitor) {
        return Some("a monitor of a sound output (loopback)".into());
    }
    None
}
crate::finding_codes! {
    /// The microphone module's own finding codes (its `CODES` adds the consent and macOS ones).
    pub enum MicCode {
        MicLevel = "mic-level": "the microphone records at a usable level",
        MicNone = "mic-none": "no microphone was found or none opens",
        MicNotFound = "mic-not-found": "no microphone matches --mic NAME",
        MicBusy = "mic-busy": "the microphone is held by another application",
        MicPermission = "mic-permission": "the operating system refused access to the microphone",
        MicNoData = "mic-no-data": "the microphone opened but sent no audio",
        MicError = "mic-error": "the microphone could not record",
        MicSilent = "mic-silent": "the microphone records only silence: muted or broken",
        MicQuiet = "mic-quiet": "the input level is too low",
        MicClipping = "mic-clipping": "the input clips (full-scale runs)",
        MicNoisy = "mic-noisy": "the room's noise floor is too high",
        MicNoiseOk = "mic-noise-ok": "the room is quiet enough",
        MicVirtual = "mic-virtual": "the input is a virtual or loopback device",
        MicHeadset = "mic-headset": "the microphone is part of a headset",
        MicDefaultUnavailable = "mic-default-unavailable": "the default input did not open; another was recorded",
        MicSpeech = "mic-speech": "speech rises clearly above the noise floor (--speak)",
        MicSpeechWeak = "mic-speech-weak": "speech does not rise enough above the noise floor (--speak)",
    }
}

/// The findings that come from the recording: void when macOS denies the microphone, which then
/// records silence (or does not open).
const FROM_THE_RECORDING: &[&str] = {
    use MicCode::*;
    &[
        MicLevel.as_str(),
        MicNone.as_str(),
        MicPermission.as_str(),
        MicNoData.as_str(),
        MicError.as_str(),
        MicSilent.as_str(),
        MicQuiet.as_str(),
        MicClipping.as_str(),
        MicNoisy.as_str(),
        MicNoiseOk.as_str(),
        MicDefaultUnavailable.as_str(),
        MicSpeech.as_str(),
        MicSpeechWeak.as_str(),
    ]
};

impl Module for Microphone {
    type Facts = MicFacts;
    type Requirements = MicrophoneRequirements;
    const ID: &'static str = "microphone";
    const TITLE: &'static str = "Microphone";
    const ABOUT: &'static str = "a microphone records sound: level, clipping, silence, room noise, virtual and headset inputs (--mic NAME, --speak)";
    const CODES: &'static [&'static [(&'static str, &'static str)]] = &[
        MicCode::TABLE,
        crate::os::consent::MIC_CODES,
        crate::os::macos_permissions::MIC_CODES,
    ];

    fn probe(&self, req: &MicrophoneRequirements, ctx: &ProbeContext) -> anyhow::Result<MicFacts> {
        probe::probe(req, ctx)
    }

    fn figures(facts: &MicFacts, req: &MicrophoneRequirements) -> Vec<crate::model::Figure> {
        figures::figures(facts, req)
    }

    fn judge(facts: &MicFacts, req: &MicrophoneRequirements, ctx: JudgeContext) -> Judgement {
        let mut j = judge_with(facts, req, ctx);
        if let Some(consent) = &facts.consent {
            let opened = facts.rms_dbfs.is_some();
            j.findings.extend(crate::os::consent::judge(
                crate::os::consent::Capability::Microphone,
                consent,
                opened,
            ));
        }
        if let Some(p) = &facts.macos_permission
            && let Some(summary) = crate::os::macos_permissions::apply(
                crate::os::macos_permissions::Device::Microphone,
                p,
                &mut j.findings,
                FROM_THE_RECORDING,
            )
        {
            j.summary = summary;
        }
        j
    }
}
