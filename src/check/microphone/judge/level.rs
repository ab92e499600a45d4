//! The recording's level (silent, too quiet or usable), clipping and the room's noise floor.

use super::*;

/// Silent, too quiet or a usable level: one finding; returns the summary.
pub(super) fn level(
    f: &MicFacts,
    req: &MicrophoneRequirements,
    dev: &str,
    (rms, peak): (f64, f64),
    findings: &mut Vec<Finding>,
) -> String {
    let num = db;
    let settings = sound_settings(f.os);
    let silence = req.silence_dbfs();
    let muted_by_server = f.server_source().is_some_and(|s| s.mute);
    if peak < silence {
        findings.push(Finding::fail(
            MicCode::MicSilent,
            format!(
                "\"{dev}\" recorded only silence for {} s (peak {} dBFS, below {} dBFS): the microphone is most likely muted or broken.",
                num(f.seconds), num(peak), num(silence)
            ),
            silent_remedy(f.os, muted_by_server),
        ));
        format!("{dev}: silent (muted or broken)")
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
        format!("{dev}: too quiet ({} dBFS)", num(rms))
    } else {
        usable_level(f, req, dev, (rms, peak), findings)
    }
}

/// The level passes: with the channel layout and any silent channel.
fn usable_level(
    f: &MicFacts,
    req: &MicrophoneRequirements,
    dev: &str,
    (rms, peak): (f64, f64),
    findings: &mut Vec<Finding>,
) -> String {
    let num = db;
    let min = req
        .min_rms_dbfs
        .map(|d| format!(", above the {} dBFS minimum", num(d.get())))
        .unwrap_or_default();
    let silent_channels: Vec<String> = f
        .per_channel
        .iter()
        .enumerate()
        .filter(|(_, c)| c.peak_dbfs < req.silence_dbfs())
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
            "\"{dev}\" records at {} dBFS RMS (peak {} dBFS){min}; {}{dead}.",
            num(rms),
            num(peak),
            layout(f)
        ),
    );
    if let Some(min) = req.min_rms_dbfs {
        level = level.judging(figures::LEVEL, rms, Some(min.get()), "dBFS");
    }
    findings.push(level);
    format!("{dev}: {} dBFS", num(rms))
}

/// "mono, 48000 Hz", "2 identical channels (mono), 48000 Hz" or "2 channels (stereo), ...".
fn layout(f: &MicFacts) -> String {
    match (f.channels, f.sample_rate, f.mono) {
        (Some(1), Some(r), _) => format!("mono, {r} Hz"),
        (Some(c), Some(r), Some(true)) => format!("{c} identical channels (mono), {r} Hz"),
        (Some(c), Some(r), _) => format!("{c} channels (stereo), {r} Hz"),
        _ => String::new(),
    }
}

/// Runs of full-scale samples warn (not judged on a silent recording).
pub(super) fn clipping(f: &MicFacts, dev: &str, findings: &mut Vec<Finding>, summary: &mut String) {
    let settings = sound_settings(f.os);
    if let Some(runs) = f.clipped_runs
        && runs > 0
    {
        findings.push(Finding::warn(
            MicCode::MicClipping,
            format!(
                "\"{dev}\" clips: {runs} runs of more than {} samples at full scale in {} s.",
                f.clip_run_samples,
                db(f.seconds)
            ),
            format!("Lower the input volume (or turn off input boost) in {settings}, and keep the microphone a little further away."),
        ));
        summary.push_str(", clipping");
    }
}

/// The room's noise floor against the profile's maximum (not judged on a silent recording).
pub(super) fn noise(
    f: &MicFacts,
    req: &MicrophoneRequirements,
    findings: &mut Vec<Finding>,
    summary: &mut String,
) {
    let num = db;
    let (Some(max), Some(floor)) = (
        req.max_noise_floor_dbfs.map(|d| d.get()),
        f.noise_floor_dbfs,
    ) else {
        return;
    };
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
