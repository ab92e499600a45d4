//! The judge: the speaker's facts under the profile's `[speaker]`.

use super::{SpeakerCode, SpeakerFacts, SpeakerRequirements};
use crate::audio::device::{DeviceError, ErrorClass};
use crate::catalogue::OsFamily;
use crate::model::{Finding, Judgement};

fn os_sound_settings(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => "Settings > System > Sound > Output",
        OsFamily::Macos => "System Settings > Sound > Output",
        OsFamily::Linux => "Settings > Sound > Output",
    }
}

/// Judge the speaker's facts under `req`: it opens (or why not), muted, headphones, the tone.
pub fn judge_with(f: &SpeakerFacts, req: &SpeakerRequirements, profile: &str) -> Judgement {
    let Some(name) = f.device.as_deref().filter(|_| f.error.is_none()) else {
        return Judgement {
            summary: "no working speaker".into(),
            findings: vec![unavailable(f, req, profile)],
        };
    };
    let settings = os_sound_settings(f.os);
    let mut findings = Vec::new();
    let what = match (f.channels, f.sample_rate) {
        (Some(c), Some(r)) => format!(" ({c} channels, {r} Hz)"),
        _ => String::new(),
    };
    findings.push(Finding::pass(
        SpeakerCode::SpeakerOk,
        format!("Sound output \"{name}\" opens{what}."),
    ));
    muted(f, settings, &mut findings);
    let headphones = headphones(f, req, profile, name, settings, &mut findings);
    tone(f, name, settings, &mut findings);
    let summary = if headphones {
        format!("{name}: headphones")
    } else if f.tone.is_some() {
        format!("{name}: opens, tone played")
    } else {
        format!("{name}: opens")
    };
    Judgement { summary, findings }
}

/// No speaker could be opened: busy, refused, or none; a failure when the profile requires one.
fn unavailable(f: &SpeakerFacts, req: &SpeakerRequirements, profile: &str) -> Finding {
    let e = f.error.clone().unwrap_or(DeviceError {
        class: ErrorClass::Unavailable,
        message: "no output device".into(),
    });
    let (code, message, remedy) = match e.class {
        ErrorClass::Busy => (
            SpeakerCode::SpeakerBusy,
            format!(
                "The speaker is busy: another application holds it ({}).",
                e.message
            ),
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
                    format!(
                        " that works ({} listed, none opened: {})",
                        f.devices.len(),
                        e.message
                    )
                }
            ),
            os_remedy_no_speaker(f.os).to_string(),
        ),
    };
    if req.required.unwrap_or(false) {
        Finding::fail(
            code,
            format!("{message} {profile} requires a speaker."),
            remedy,
        )
    } else {
        Finding::skip(code, format!("{message} Not required by {profile}."))
    }
}

fn os_remedy_no_speaker(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => {
            "Connect speakers (or use the laptop's built-in ones) and choose them in Settings > System > Sound > Output; if none is listed, open Device Manager > Sound, video and game controllers and update or reinstall the audio driver."
        }
        OsFamily::Macos => {
            "Choose the built-in speakers or connected speakers in System Settings > Sound > Output; if none is listed, restart the Mac."
        }
        OsFamily::Linux => {
            "Connect speakers and choose them in Settings > Sound > Output; if the sound server is not running, log out and in, or run `systemctl --user restart pipewire pipewire-pulse wireplumber` (or `pulseaudio --start`)."
        }
    }
}

/// The default output is muted.
fn muted(f: &SpeakerFacts, settings: &str, out: &mut Vec<Finding>) {
    if let Some(d) = f.server.as_ref().and_then(|s| s.default.as_ref())
        && d.mute
    {
        out.push(Finding::warn(
            SpeakerCode::SpeakerMuted,
            format!("The sound output \"{}\" is muted.", d.description),
            format!(
                "Unmute it in {settings} (or press the mute key) so that you hear the proctor."
            ),
        ));
    }
}

/// Headphones under a profile that does not allow them. True when found.
fn headphones(
    f: &SpeakerFacts,
    req: &SpeakerRequirements,
    profile: &str,
    name: &str,
    settings: &str,
    out: &mut Vec<Finding>,
) -> bool {
    if req.allow_headphones == Some(false)
        && let Some(why) = crate::audio::headphones::headphone_evidence(
            f.device.as_deref(),
            f.server.as_ref(),
            &req.headphone_patterns,
        )
    {
        out.push(Finding::fail(
            SpeakerCode::SpeakerHeadphones,
            format!("The sound output \"{name}\" looks like headphones ({why}); {profile} does not allow headphones or earbuds."),
            format!("Unplug or disconnect the headphones/earbuds (switch Bluetooth off for wireless ones) and choose the computer's speakers in {settings}."),
        ));
        return true;
    }
    false
}

/// The test tone, played or not (only with --play-tone).
fn tone(f: &SpeakerFacts, name: &str, settings: &str, out: &mut Vec<Finding>) {
    if let Some(t) = &f.tone {
        out.push(Finding::pass(
            SpeakerCode::SpeakerTone,
            format!(
                "A {} Hz tone was played for {} s on \"{name}\" ({} frames).",
                crate::check::fmt::num(t.freq_hz),
                crate::check::fmt::num(t.seconds),
                t.frames_played
            ),
        )
        .with_remedy(format!(
            "If you did not hear it, raise the volume, check the mute key and choose the right output in {settings}."
        )));
    } else if f.play_tone {
        out.push(Finding::warn(
            SpeakerCode::SpeakerToneFailed,
            format!("The test tone could not be played on \"{name}\"."),
            format!("Choose a working output in {settings} and run again with --play-tone."),
        ));
    }
}
