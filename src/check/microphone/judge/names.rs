//! Rules on the device's name: virtual or loopback inputs and headset microphones.

use super::*;

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
            ctx.headphone_patterns,
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
