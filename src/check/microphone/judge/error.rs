//! Nothing could be recorded: one finding for the reason (absent, no match for `--mic`, busy,
//! refused, silent stream, other), failed when the profile requires a microphone.

use super::*;

/// The judgement when the device could not record: the reason's finding, then the name rules.
pub(super) fn device_error(
    f: &MicFacts,
    req: &MicrophoneRequirements,
    ctx: JudgeContext,
    e: &DeviceError,
) -> Judgement {
    let name_of_profile = ctx.profile_name;
    let required = req.required.unwrap_or(false);
    let dev = f.device.as_deref().unwrap_or("the microphone");
    let (code, message, remedy) = error_finding(f, e, dev);
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
    let mut findings = vec![finding];
    judge_names(f, req, ctx, &mut findings);
    let summary = match e.class {
        ErrorClass::Unavailable => "no microphone found".to_string(),
        ErrorClass::NotFound => "no such microphone".to_string(),
        ErrorClass::Busy => format!("{dev}: busy"),
        ErrorClass::Permission => format!("{dev}: access refused"),
        ErrorClass::NoData => format!("{dev}: no sound arrives"),
        ErrorClass::Other => format!("{dev}: cannot record"),
    };
    Judgement { summary, findings }
}

/// The code, message and remedy for each kind of device error.
fn error_finding(f: &MicFacts, e: &DeviceError, dev: &str) -> (MicCode, String, String) {
    let settings = sound_settings(f.os);
    match e.class {
        ErrorClass::NotFound => (MicCode::MicNotFound, not_found(f), not_found_remedy(f.os)),
        ErrorClass::Busy => (
            MicCode::MicBusy,
            format!(
                "\"{dev}\" is busy: another application holds it ({}).",
                e.message
            ),
            busy_remedy(f.os),
        ),
        ErrorClass::Permission => (
            MicCode::MicPermission,
            format!(
                "Access to \"{dev}\" was refused by the operating system ({}).",
                e.message
            ),
            permission_remedy(f.os),
        ),
        ErrorClass::NoData => (
            MicCode::MicNoData,
            format!("\"{dev}\" opened but sent no sound: {}.", e.message),
            format!(
                "Unplug and reconnect the microphone (or restart the computer), choose it in {settings}, and run the check again."
            ),
        ),
        ErrorClass::Unavailable => (
            MicCode::MicNone,
            if f.devices.is_empty() {
                "No microphone found: the system lists no audio input.".to_string()
            } else {
                format!(
                    "No microphone found: no audio input opens (tried {}: {}).",
                    listed(f),
                    e.message
                )
            },
            no_mic_remedy(f.os),
        ),
        ErrorClass::Other => (
            MicCode::MicError,
            format!("\"{dev}\" could not record: {}.", e.message),
            format!(
                "Choose another input in {settings}, reconnect the microphone, and run the check again."
            ),
        ),
    }
}

/// The inputs the system lists, quoted, or "none listed".
fn listed(f: &MicFacts) -> String {
    if f.devices.is_empty() {
        "none listed".to_string()
    } else {
        f.devices
            .iter()
            .map(|d| format!("\"{}\"", d.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `--mic NAME` matched nothing: the inputs, and the sound server's sources when it has some.
fn not_found(f: &MicFacts) -> String {
    format!(
        "No microphone matches \"{}\"; the inputs are: {}{}.",
        f.requested.as_deref().unwrap_or(""),
        listed(f),
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
    )
}

fn not_found_remedy(os: OsFamily) -> String {
    format!("Run again with --mic and one of the names above, or without --mic for the default input. {}", if os == OsFamily::Linux { "Sound-server sources are recorded through the default input: choose them in Settings > Sound > Input (or `pactl set-default-source NAME`)." } else { "" }).trim().to_string()
}
