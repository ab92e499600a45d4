//! `--speak`: how far the voice rose above the room's noise floor.

use super::*;

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
