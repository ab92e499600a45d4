//! The microphone judge: pure, from recorded facts and the profile's `[microphone]` section:
//! the device, its level, clipping and the room's noise, the spoken sentence (`--speak`),
//! virtual and headset inputs.

use super::*;

pub(super) fn sound_settings(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => "Settings > System > Sound > Input",
        OsFamily::Macos => "System Settings > Sound > Input",
        OsFamily::Linux => "Settings > Sound > Input",
    }
}

pub(super) fn no_mic_remedy(os: OsFamily) -> String {
    match os {
        OsFamily::Windows => "Connect a microphone (a webcam's, a USB or a 3.5 mm one, not part of a headset) and choose it in Settings > System > Sound > Input. If none is listed: Sound Control Panel > Recording > right-click > Show Disabled Devices, and enable it; or update the audio driver in Device Manager > Audio inputs and outputs.".into(),
        OsFamily::Macos => "Connect a microphone or use the built-in one, and choose it in System Settings > Sound > Input. If none is listed, restart the Mac.".into(),
        OsFamily::Linux => "Connect a microphone and choose it in Settings > Sound > Input. If no device is listed the sound server may not be running: log out and in, or run `systemctl --user restart pipewire pipewire-pulse wireplumber` (or `pulseaudio --start`); `arecord -l` shows whether the kernel sees a sound card.".into(),
    }
}

pub(super) fn permission_remedy(os: OsFamily) -> String {
    match os {
        OsFamily::Windows => "Open Settings > Privacy & security > Microphone and turn on 'Microphone access', 'Let apps access your microphone' and 'Let desktop apps access your microphone', then run the check again.".into(),
        OsFamily::Macos => "Open System Settings > Privacy & Security > Microphone and turn on the app you run examready from (Terminal, iTerm ...) and OnVUE; then quit and reopen that app and run the check again.".into(),
        OsFamily::Linux => "Give your user access to audio devices (sudo usermod -aG audio $USER, then log out and in); in a Flatpak or Snap, grant the microphone permission (flatpak override --device=all, or snap connect ...:audio-record).".into(),
    }
}

pub(super) fn busy_remedy(os: OsFamily) -> String {
    let mut s = "Another application holds the microphone: close meeting and recording apps (Zoom, Teams, Discord, OBS, browser tabs using the microphone) and run the check again.".to_string();
    if os == OsFamily::Windows {
        s.push_str(" To stop one app from locking it: Sound Control Panel > Recording > your microphone > Properties > Advanced, clear 'Allow applications to take exclusive control of this device'.");
    }
    s
}

pub(super) fn silent_remedy(os: OsFamily, muted_by_server: bool) -> String {
    let mut s = String::new();
    if muted_by_server {
        s.push_str("The input is muted in the sound settings: unmute it. ");
    }
    s.push_str(match os {
        OsFamily::Windows => "Check the microphone's mute switch or key, that it is not muted in Settings > System > Sound > Input (volume above 0), and that Settings > Privacy & security > Microphone allows desktop apps; then try another microphone.",
        OsFamily::Macos => "macOS records silence when an app is not allowed to use the microphone: turn on your terminal app in System Settings > Privacy & Security > Microphone. Also check the mute switch and the input volume in System Settings > Sound > Input; then try another microphone.",
        OsFamily::Linux => "Check the microphone's mute switch or key and that the input is not muted and its volume is up in Settings > Sound > Input (or `pactl set-source-mute @DEFAULT_SOURCE@ 0`, `alsamixer` > F4 Capture); then try another microphone.",
    });
    s
}

pub fn judge_with(f: &MicFacts, req: &MicrophoneRequirements, ctx: JudgeContext) -> Judgement {
    let name_of_profile = ctx.profile_name;
    let required = req.required.unwrap_or(false);
    let settings = sound_settings(f.os);
    let mut findings = Vec::new();

    if let Some(e) = &f.error {
        let listed = if f.devices.is_empty() {
            "none listed".to_string()
        } else {
            f.devices
                .iter()
                .map(|d| format!("\"{}\"", d.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let dev = f.device.as_deref().unwrap_or("the microphone");
        let (code, message, remedy) = match e.class {
            ErrorClass::NotFound => (
                MicCode::MicNotFound,
                format!(
                    "No microphone matches \"{}\"; the inputs are: {listed}{}.",
                    f.requested.as_deref().unwrap_or(""),
                    match &f.server {
                        Some(s) if !s.devices.is_empty() => format!(
                            "; the sound server's sources: {}",
                            s.devices
                                .iter()
                                .map(|d| format!("\"{}\" ({})", d.description, d.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        _ => String::new(),
                    }
                ),
                format!("Run again with --mic and one of the names above, or without --mic for the default input. {}", if f.os == OsFamily::Linux { "Sound-server sources are recorded through the default input: choose them in Settings > Sound > Input (or `pactl set-default-source NAME`)." } else { "" }).trim().to_string(),
            ),
            ErrorClass::Busy => (
                MicCode::MicBusy,
                format!("\"{dev}\" is busy: another application holds it ({}).", e.message),
                busy_remedy(f.os),
            ),
            ErrorClass::Permission => (
                MicCode::MicPermission,
                format!("Access to \"{dev}\" was refused by the operating system ({}).", e.message),
                permission_remedy(f.os),
            ),
            ErrorClass::NoData => (
                MicCode::MicNoData,
                format!("\"{dev}\" opened but sent no sound: {}.", e.message),
                format!("Unplug and reconnect the microphone (or restart the computer), choose it in {settings}, and run the check again."),
            ),
            ErrorClass::Unavailable => (
                MicCode::MicNone,
                if f.devices.is_empty() {
                    "No microphone found: the system lists no audio input.".to_string()
                } else {
                    format!(
                        "No microphone found: no audio input opens (tried {listed}: {}).",
                        e.message
                    )
                },
                no_mic_remedy(f.os),
            ),
            ErrorClass::Other => (
                MicCode::MicError,
                format!("\"{dev}\" could not record: {}.", e.message),
                format!("Choose another input in {settings}, reconnect the microphone, and run the check again."),
            ),
        };
        let finding = if required || e.class == ErrorClass::NotFound {
            Finding::fail(
                code,
                format!("{message} {name_of_profile} requires a working microphone."),
                remedy,
            )
        } else {
            Finding::skip(
                code,
                format!("{message} Not required by {name_of_profile}."),
            )
        };
        findings.push(finding);
        judge_names(f, req, ctx, &mut findings);
        let summary = match e.class {
            ErrorClass::Unavailable => "no microphone found".to_string(),
            ErrorClass::NotFound => "no such microphone".to_string(),
            ErrorClass::Busy => format!("{dev}: busy"),
            ErrorClass::Permission => format!("{dev}: access refused"),
            ErrorClass::NoData => format!("{dev}: no sound arrives"),
            ErrorClass::Other => format!("{dev}: cannot record"),
        };
        return Judgement { summary, findings };
    }

    let dev = f.device.clone().unwrap_or_else(|| "the microphone".into());
    let (Some(rms), Some(peak)) = (f.rms_dbfs, f.peak_dbfs) else {
        findings.push(Finding::fail(
            MicCode::MicError,
            format!("\"{dev}\" was opened but nothing was measured."),
            format!("Choose another input in {settings} and run the check again."),
        ));
        return Judgement {
            summary: format!("{dev}: nothing measured"),
            findings,
        };
    };
    let num = db;
    let layout = match (f.channels, f.sample_rate, f.mono) {
        (Some(1), Some(r), _) => format!("mono, {r} Hz"),
        (Some(c), Some(r), Some(true)) => format!("{c} identical channels (mono), {r} Hz"),
        (Some(c), Some(r), _) => format!("{c} channels (stereo), {r} Hz"),
        _ => String::new(),
    };
    let silence = req.silence_dbfs();
    let muted_by_server = f.server_source().is_some_and(|s| s.mute);
    let mut summary;
    if peak < silence {
        findings.push(Finding::fail(
            MicCode::MicSilent,
            format!(
                "\"{dev}\" recorded only silence for {} s (peak {} dBFS, below {} dBFS): the microphone is most likely muted or broken.",
                num(f.seconds), num(peak), num(silence)
            ),
            silent_remedy(f.os, muted_by_server),
        ));
        summary = format!("{dev}: silent (muted or broken)");
    } else if let Some(min) = req.min_rms_dbfs.map(|d| d.get())
        && rms < min
    {
        findings.push(Finding::fail(
            MicCode::MicQuiet,
            format!(
                "\"{dev}\" records too quietly: {} dBFS RMS over {} s, under the {} dBFS minimum.",
                num(rms), num(f.seconds), num(min)
            ),
            format!("Raise the input volume in {settings}, move closer to the microphone (or it closer to you), and check that the right input is chosen."),
        ).judging(figures::LEVEL, rms, Some(min), "dBFS"));
        summary = format!("{dev}: too quiet ({} dBFS)", num(rms));
    } else {
        let min = req
            .min_rms_dbfs
            .map(|d| format!(", above the {} dBFS minimum", num(d.get())))
            .unwrap_or_default();
        let silent_channels: Vec<String> = f
            .per_channel
            .iter()
            .enumerate()
            .filter(|(_, c)| c.peak_dbfs < silence)
            .map(|(i, _)| (i + 1).to_string())
            .collect();
        let dead = if !silent_channels.is_empty() && silent_channels.len() < f.per_channel.len() {
            format!("; channel {} silent", silent_channels.join(", "))
        } else {
            String::new()
        };
        let mut level = Finding::pass(
            MicCode::MicLevel,
            format!(
                "\"{dev}\" records at {} dBFS RMS (peak {} dBFS){min}; {layout}{dead}.",
                num(rms),
                num(peak)
            ),
        );
        if let Some(min) = req.min_rms_dbfs {
            level = level.judging(figures::LEVEL, rms, Some(min.get()), "dBFS");
        }
        findings.push(level);
        summary = format!("{dev}: {} dBFS", num(rms));
    }
    let silent = peak < silence;
    if let Some(runs) = f.clipped_runs
        && runs > 0
        && !silent
    {
        findings.push(Finding::warn(
            MicCode::MicClipping,
            format!(
                "\"{dev}\" clips: {runs} runs of more than {} samples at full scale in {} s.",
                f.clip_run_samples,
                num(f.seconds)
            ),
            format!("Lower the input volume (or turn off input boost) in {settings}, and keep the microphone a little further away."),
        ));
        summary.push_str(", clipping");
    }
    if let (Some(max), Some(floor), false) = (
        req.max_noise_floor_dbfs.map(|d| d.get()),
        f.noise_floor_dbfs,
        silent,
    ) {
        if floor > max {
            findings.push(Finding::warn(
                MicCode::MicNoisy,
                format!(
                    "The room is noisy: a noise floor of {} dBFS, above {} dBFS. A proctor flags voices and noise.",
                    num(floor), num(max)
                ),
                "Take the exam in a quiet, closed room: switch off fans, music, TV and noisy appliances, close the windows and ask others to keep quiet; turn on the microphone's noise suppression if it has one (not a separate virtual noise-cancelling device).".to_string(),
            ).judging(figures::NOISE, floor, Some(max), "dBFS"));
            summary.push_str(", noisy room");
        } else {
            findings.push(
                Finding::pass(
                    MicCode::MicNoiseOk,
                    format!(
                        "Room noise floor {} dBFS, under {} dBFS.",
                        num(floor),
                        num(max)
                    ),
                )
                .judging(figures::NOISE, floor, Some(max), "dBFS"),
            );
        }
    }
    if f.speak {
        judge_speech(f, req, &mut findings, &mut summary);
    }
    if !f.default_device && f.requested.is_none() {
        findings.push(Finding::warn(
            MicCode::MicDefaultUnavailable,
            format!("The system's default input did not open; \"{dev}\" was recorded instead."),
            format!("Choose \"{dev}\" (or the microphone you will use) as the input in {settings}, so that the exam software uses it too."),
        ));
    }
    judge_names(f, req, ctx, &mut findings);
    if findings
        .iter()
        .any(|x| x.code == "mic-virtual" && x.status == crate::model::Status::Fail)
    {
        summary.push_str(", virtual input");
    }
    Judgement { summary, findings }
}

/// A level to at most one decimal, never "-0".
pub(super) fn db(v: f64) -> String {
    crate::check::fmt::num(levels::round1(v))
}

pub(super) fn judge_speech(
    f: &MicFacts,
    req: &MicrophoneRequirements,
    findings: &mut Vec<Finding>,
    summary: &mut String,
) {
    let num = db;
    let Some(s) = &f.speech else {
        return;
    };
    let Some(min) = req.min_speech_above_floor_db.map(|d| d.get()) else {
        findings.push(Finding::pass(
            MicCode::MicSpeech,
            format!(
                "Speech reached {} dBFS, {} dB above the noise floor (not judged by this profile).",
                num(s.speech_dbfs),
                num(s.above_floor_db)
            ),
        ));
        return;
    };
    if s.above_floor_db >= min {
        findings.push(Finding::pass(
            MicCode::MicSpeech,
            format!(
                "Your voice reached {} dBFS, {} dB above the room's noise floor (at least {} dB needed).",
                num(s.speech_dbfs),
                num(s.above_floor_db),
                num(min)
            ),
        ).judging(figures::SPEECH, s.above_floor_db, Some(min), "dB"));
        summary.push_str(", speech clear");
    } else {
        findings.push(Finding::fail(
            MicCode::MicSpeechWeak,
            format!(
                "Your voice rose only {} dB above the room's noise floor (speech {} dBFS); at least {} dB is needed for the proctor to hear you clearly.",
                num(s.above_floor_db),
                num(s.speech_dbfs),
                num(min)
            ),
            format!(
                "Speak up and sit closer to the microphone, raise the input volume in {}, reduce the noise in the room, and run `examready check --only microphone --speak` again.",
                sound_settings(f.os)
            ),
        ).judging(figures::SPEECH, s.above_floor_db, Some(min), "dB"));
        summary.push_str(", speech too weak");
    }
}

/// Rules on the device's name: virtual inputs and headset microphones.
pub(super) fn judge_names(
    f: &MicFacts,
    req: &MicrophoneRequirements,
    ctx: JudgeContext,
    findings: &mut Vec<Finding>,
) {
    let settings = sound_settings(f.os);
    let Some(dev) = f.device.as_deref() else {
        return;
    };
    if let Some(app) = virtual_input(f, ctx.catalogue) {
        match req.allow_virtual {
            Some(false) => findings.push(Finding::fail(
                MicCode::MicVirtual,
                format!(
                    "\"{dev}\" is a virtual or loopback input{}, not a microphone; {} does not allow virtual microphones.",
                    if dev.to_lowercase().contains(&app.to_lowercase()) {
                        String::new()
                    } else {
                        format!(" ({app})")
                    },
                    ctx.profile_name
                ),
                format!("Choose the real microphone in {settings} (and in the exam software), and quit {app} or disable its virtual device."),
            )),
            Some(true) => findings.push(Finding::pass(
                MicCode::MicVirtual,
                format!("\"{dev}\" is a virtual input ({app}); {} allows it.", ctx.profile_name),
            )),
            None => {}
        }
    }
    if req.allow_headset_mic == Some(false)
        && let Some(why) = crate::audio::headphones::headphone_evidence(
            Some(dev),
            if f.server_source().is_some() {
                f.server.as_ref()
            } else {
                None
            },
            headphone_patterns(ctx),
        )
    {
        findings.push(Finding::fail(
            MicCode::MicHeadset,
            format!(
                "\"{dev}\" looks like a headset microphone ({why}); {} does not allow headsets or headphones.",
                ctx.profile_name
            ),
            format!("Take the headset off and use the computer's built-in or a standalone microphone (webcam, USB or desk microphone): choose it in {settings}."),
        ));
    }
}

/// The speaker's `headphone_patterns`, which the headset rule also matches microphone names
/// against (none when the profile has no speaker section).
pub(super) fn headphone_patterns<'a>(ctx: JudgeContext<'a>) -> &'a [String] {
    ctx.sections
        .section(crate::check::speaker::Speaker::ID)
        .and_then(|s| s.downcast_ref::<crate::check::speaker::SpeakerRequirements>())
        .map_or(&[], |r| r.headphone_patterns.as_slice())
}
