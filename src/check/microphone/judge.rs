//! The microphone judge: pure, from recorded facts and the profile's `[microphone]` section:
//! the device, its level, clipping and the room's noise, the spoken sentence (`--speak`),
//! virtual and headset inputs.

use super::*;

mod error;
mod level;
mod names;
mod remedies;
mod speech;
use error::device_error;
use level::{clipping, level, noise};
use names::judge_names;
use remedies::{busy_remedy, no_mic_remedy, permission_remedy, silent_remedy, sound_settings};
use speech::judge_speech;

pub fn judge_with(f: &MicFacts, req: &MicrophoneRequirements, ctx: JudgeContext) -> Judgement {
    if let Some(e) = &f.error {
        return device_error(f, req, ctx, e);
    }
    let dev = f.device.clone().unwrap_or_else(|| "the microphone".into());
    let (Some(rms), Some(peak)) = (f.rms_dbfs, f.peak_dbfs) else {
        return nothing_measured(f, &dev);
    };
    let mut findings = Vec::new();
    let mut summary = level(f, req, &dev, (rms, peak), &mut findings);
    let silent = peak < req.silence_dbfs();
    if !silent {
        clipping(f, &dev, &mut findings, &mut summary);
        noise(f, req, &mut findings, &mut summary);
    }
    if f.speak {
        judge_speech(f, req, &mut findings, &mut summary);
    }
    default_input(f, &dev, &mut findings);
    judge_names(f, req, ctx, &mut findings);
    if findings
        .iter()
        .any(|x| x.code == "mic-virtual" && x.status == crate::model::Status::Fail)
    {
        summary.push_str(", virtual input");
    }
    Judgement { summary, findings }
}

/// The device opened but no level came back.
fn nothing_measured(f: &MicFacts, dev: &str) -> Judgement {
    let settings = sound_settings(f.os);
    Judgement {
        summary: format!("{dev}: nothing measured"),
        findings: vec![Finding::fail(
            MicCode::MicError,
            format!("\"{dev}\" was opened but nothing was measured."),
            format!("Choose another input in {settings} and run the check again."),
        )],
    }
}

/// The system's default input did not open, and no `--mic` named another: warn.
fn default_input(f: &MicFacts, dev: &str, findings: &mut Vec<Finding>) {
    if !f.default_device && f.requested.is_none() {
        let settings = sound_settings(f.os);
        findings.push(Finding::warn(
            MicCode::MicDefaultUnavailable,
            format!("The system's default input did not open; \"{dev}\" was recorded instead."),
            format!("Choose \"{dev}\" (or the microphone you will use) as the input in {settings}, so that the exam software uses it too."),
        ));
    }
}

/// A level to at most one decimal, never "-0".
pub(super) fn db(v: f64) -> String {
    crate::check::fmt::num(levels::round1(v))
}
