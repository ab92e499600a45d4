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
use crate::audio::device::{self, DeviceError, DeviceInfo, Direction, ErrorClass};
use crate::audio::server::{self, ServerFacts, Side};
use crate::catalogue::OsFamily;
use crate::model::{Finding, Judgement};

pub struct Speaker;

/// `[speaker]` in a profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpeakerRequirements {
    /// `true`: no working output device fails the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// `false`: an output that looks like headphones fails.
    #[serde(skip_serializing_if = "Option::is_none")]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerFacts {
    pub os: OsFamily,
    /// The audio API (`ALSA`, `WASAPI`, `CoreAudio`).
    pub host: String,
    /// Output devices, default first.
    pub devices: Vec<DeviceInfo>,
    /// The device checked: the sound server's default sink on Linux when known, else the
    /// system's name for it.
    pub device: Option<String>,
    pub device_id: Option<String>,
    /// The device checked is the system default.
    pub default_device: bool,
    pub channels: Option<u16>,
    pub sample_rate: Option<u32>,
    /// Why no output device could be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<DeviceError>,
    /// The Linux sound server's sinks, when it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerFacts>,
    /// `--play-tone` was asked for.
    pub play_tone: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<ToneFacts>,
    /// What alsa-lib reported meanwhile (kept off the terminal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backend_messages: Vec<String>,
}

fn os_sound_settings(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => "Settings > System > Sound > Output",
        OsFamily::Macos => "System Settings > Sound > Output",
        OsFamily::Linux => "Settings > Sound > Output",
    }
}

pub fn judge_with(f: &SpeakerFacts, req: &SpeakerRequirements, profile: &str) -> Judgement {
    let mut findings = Vec::new();
    let required = req.required.unwrap_or(false);
    let settings = os_sound_settings(f.os);
    let Some(name) = f.device.as_deref().filter(|_| f.error.is_none()) else {
        let e = f.error.clone().unwrap_or(DeviceError {
            class: ErrorClass::Unavailable,
            message: "no output device".into(),
        });
        let (code, message, remedy) = match e.class {
            ErrorClass::Busy => (
                SpeakerCode::SpeakerBusy,
                format!("The speaker is busy: another application holds it ({}).", e.message),
                "Close applications that use the sound output exclusively (music production \
                 software, games, another exam or meeting app); on Windows open the Sound Control \
                 Panel > Playback > your speaker > Properties > Advanced and clear 'Allow \
                 applications to take exclusive control of this device'."
                    .to_string(),
            ),
            ErrorClass::Permission => (
                SpeakerCode::SpeakerPermission,
                format!("Access to the speaker was refused ({}).", e.message),
                "Allow this program to use audio: on Linux add your user to the 'audio' group \
                 (sudo usermod -aG audio $USER) and log in again; in a Flatpak or Snap, grant \
                 the audio permission."
                    .to_string(),
            ),
            _ => (
                SpeakerCode::SpeakerNone,
                format!(
                    "No speaker or sound output was found{}.",
                    if f.devices.is_empty() {
                        String::new()
                    } else {
                        format!(" that works ({} listed, none opened: {})", f.devices.len(), e.message)
                    }
                ),
                match f.os {
                    OsFamily::Windows => "Connect speakers (or use the laptop's built-in ones) and choose them in Settings > System > Sound > Output; if none is listed, open Device Manager > Sound, video and game controllers and update or reinstall the audio driver.".to_string(),
                    OsFamily::Macos => "Choose the built-in speakers or connected speakers in System Settings > Sound > Output; if none is listed, restart the Mac.".to_string(),
                    OsFamily::Linux => "Connect speakers and choose them in Settings > Sound > Output; if the sound server is not running, log out and in, or run `systemctl --user restart pipewire pipewire-pulse wireplumber` (or `pulseaudio --start`).".to_string(),
                },
            ),
        };
        let finding = if required {
            Finding::fail(
                code,
                format!("{message} {profile} requires a speaker."),
                remedy,
            )
        } else {
            Finding::skip(code, format!("{message} Not required by {profile}."))
        };
        return Judgement {
            summary: "no working speaker".into(),
            findings: vec![finding],
        };
    };
    let what = match (f.channels, f.sample_rate) {
        (Some(c), Some(r)) => format!(" ({c} channels, {r} Hz)"),
        _ => String::new(),
    };
    findings.push(Finding::pass(
        SpeakerCode::SpeakerOk,
        format!("Sound output \"{name}\" opens{what}."),
    ));
    if let Some(d) = f.server.as_ref().and_then(|s| s.default.as_ref())
        && d.mute
    {
        findings.push(Finding::warn(
            SpeakerCode::SpeakerMuted,
            format!("The sound output \"{}\" is muted.", d.description),
            format!(
                "Unmute it in {settings} (or press the mute key) so that you hear the proctor."
            ),
        ));
    }
    let mut headphones = false;
    if req.allow_headphones == Some(false)
        && let Some(why) = crate::audio::headphones::headphone_evidence(
            f.device.as_deref(),
            f.server.as_ref(),
            &req.headphone_patterns,
        )
    {
        headphones = true;
        findings.push(Finding::fail(
            SpeakerCode::SpeakerHeadphones,
            format!("The sound output \"{name}\" looks like headphones ({why}); {profile} does not allow headphones or earbuds."),
            format!("Unplug or disconnect the headphones/earbuds (switch Bluetooth off for wireless ones) and choose the computer's speakers in {settings}."),
        ));
    }
    if let Some(t) = &f.tone {
        findings.push(Finding::pass(
            SpeakerCode::SpeakerTone,
            format!(
                "A {} Hz tone was played for {} s on \"{name}\" ({} frames).",
                super::fmt::num(t.freq_hz),
                super::fmt::num(t.seconds),
                t.frames_played
            ),
        )
        .with_remedy(format!(
            "If you did not hear it, raise the volume, check the mute key and choose the right output in {settings}."
        )));
    } else if f.play_tone {
        findings.push(Finding::warn(
            SpeakerCode::SpeakerToneFailed,
            format!("The test tone could not be played on \"{name}\"."),
            format!("Choose a working output in {settings} and run again with --play-tone."),
        ));
    }
    let summary = if headphones {
        format!("{name}: headphones")
    } else if f.tone.is_some() {
        format!("{name}: opens, tone played")
    } else {
        format!("{name}: opens")
    };
    Judgement { summary, findings }
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
    const CODES: &'static [(&'static str, &'static str)] = SpeakerCode::TABLE;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::server::ServerDevice;
    use crate::model::Status;

    fn req() -> SpeakerRequirements {
        toml::from_str(
            "required = true\nallow_headphones = false\nheadphone_patterns = [\"headphone\", \"AirPods\", \"earbud\"]",
        )
        .unwrap()
    }

    fn facts(name: Option<&str>) -> SpeakerFacts {
        SpeakerFacts {
            os: OsFamily::Windows,
            host: "WASAPI".into(),
            devices: vec![DeviceInfo {
                name: name.unwrap_or("Speakers").into(),
                id: "wasapi:x".into(),
                default: true,
                channels: Some(2),
                sample_rate: Some(48_000),
                error: None,
            }],
            device: name.map(str::to_string),
            device_id: Some("wasapi:x".into()),
            default_device: true,
            channels: Some(2),
            sample_rate: Some(48_000),
            error: None,
            server: None,
            play_tone: false,
            tone: None,
            backend_messages: vec![],
        }
    }

    fn codes(j: &Judgement) -> Vec<&str> {
        crate::check::assert_well_formed(&Speaker, j);
        j.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn working_speaker_passes() {
        let j = judge_with(&facts(Some("Speakers (Realtek(R) Audio)")), &req(), "OnVUE");
        assert_eq!(j.status(), Status::Pass);
        assert_eq!(codes(&j), ["speaker-ok"]);
        assert!(j.findings[0].message.contains("48000 Hz"));
    }

    #[test]
    fn headphones_fail_when_banned_and_pass_when_allowed() {
        let f = facts(Some("Headphones (AirPods Pro)"));
        let j = judge_with(&f, &req(), "Pearson OnVUE");
        assert_eq!(j.status(), Status::Fail);
        assert_eq!(codes(&j), ["speaker-ok", "speaker-headphones"]);
        assert!(j.findings[1].message.contains("Pearson OnVUE"));
        let mut r = req();
        r.allow_headphones = Some(true);
        assert_eq!(judge_with(&f, &r, "X").status(), Status::Pass);
    }

    #[test]
    fn headphones_by_server_port_or_form_factor() {
        let mut f = facts(Some("Built-in Audio Analog Stereo"));
        f.server = Some(ServerFacts {
            server: "PulseAudio".into(),
            default: Some(ServerDevice {
                name: "alsa_output.pci.analog-stereo".into(),
                description: "Built-in Audio Analog Stereo".into(),
                form_factor: None,
                active_port: Some("analog-output-headphones".into()),
                mute: true,
                volume_percent: Some(80),
                monitor: false,
            }),
            devices: vec![],
        });
        let j = judge_with(&f, &req(), "OnVUE");
        assert_eq!(
            codes(&j),
            ["speaker-ok", "speaker-muted", "speaker-headphones"]
        );
        assert!(j.findings[2].message.contains("analog-output-headphones"));
    }

    #[test]
    fn no_speaker_fails_when_required_and_skips_otherwise() {
        let mut f = facts(None);
        f.devices.clear();
        f.error = Some(DeviceError {
            class: ErrorClass::Unavailable,
            message: "not available".into(),
        });
        let j = judge_with(&f, &req(), "OnVUE");
        assert_eq!(j.status(), Status::Fail);
        assert_eq!(codes(&j), ["speaker-none"]);
        let j = judge_with(&f, &SpeakerRequirements::default(), "X");
        assert_eq!(j.status(), Status::Skip);
        f.error.as_mut().unwrap().class = ErrorClass::Busy;
        assert_eq!(codes(&judge_with(&f, &req(), "X")), ["speaker-busy"]);
        f.error.as_mut().unwrap().class = ErrorClass::Permission;
        assert_eq!(codes(&judge_with(&f, &req(), "X")), ["speaker-permission"]);
    }

    #[test]
    fn tone_results() {
        let mut f = facts(Some("Speakers"));
        f.play_tone = true;
        let j = judge_with(&f, &req(), "X");
        assert_eq!(j.status(), Status::Warn);
        assert_eq!(codes(&j), ["speaker-ok", "speaker-tone-failed"]);
        f.tone = Some(ToneFacts {
            freq_hz: 660.0,
            seconds: 1.0,
            peak_dbfs: -12.0,
            frames_played: 48_000,
        });
        let j = judge_with(&f, &req(), "X");
        assert_eq!(j.status(), Status::Pass);
        assert_eq!(codes(&j), ["speaker-ok", "speaker-tone"]);
    }

    #[test]
    fn facts_round_trip_through_json() {
        let f = facts(Some("Speakers"));
        let v = serde_json::to_value(&f).unwrap();
        for k in ["device", "devices", "channels", "sample_rate"] {
            assert!(v.get(k).is_some(), "{k}");
        }
        let back: SpeakerFacts = serde_json::from_value(v).unwrap();
        assert_eq!(back, f);
    }
}
