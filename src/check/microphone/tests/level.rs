//! The recording's rules: level, silence, clipping, room noise, speech and the default input.

use super::*;

#[test]
fn good_level_passes_with_figures() {
    let j = judge_with(&recorded(), &onvue());
    assert_eq!(j.status(), Status::Pass, "{j:#?}");
    assert_eq!(
        codes(&j),
        [("mic-level", Status::Pass), ("mic-noise-ok", Status::Pass)]
    );
    let m = &j.findings[0].message;
    assert!(
        m.contains("-20 dBFS") && m.contains("-60 dBFS") && m.contains("mono"),
        "{m}"
    );
    assert_eq!(j.summary, "VirtualMic: -20 dBFS");
}

#[test]
fn silence_fails_muted_or_broken_with_os_remedy() {
    let mut f = recorded();
    f.rms_dbfs = Some(-150.0);
    f.peak_dbfs = Some(-150.0);
    f.noise_floor_dbfs = Some(-150.0);
    f.server.as_mut().unwrap().default.as_mut().unwrap().mute = true;
    let j = judge_with(&f, &onvue());
    assert_eq!(j.status(), Status::Fail);
    assert_eq!(
        codes(&j),
        [("mic-silent", Status::Fail)],
        "no noise verdict on silence"
    );
    assert!(j.findings[0].message.contains("muted or broken"));
    assert!(
        j.findings[0]
            .remedy
            .as_deref()
            .unwrap()
            .contains("muted in the sound settings")
    );
    f.os = OsFamily::Macos;
    let j = judge_with(&f, &onvue());
    assert!(
        j.findings[0]
            .remedy
            .as_deref()
            .unwrap()
            .contains("Privacy & Security")
    );
}

#[test]
fn silence_threshold_comes_from_the_profile() {
    let mut f = recorded();
    f.peak_dbfs = Some(-85.0);
    f.rms_dbfs = Some(-88.0);
    // Default 1/32767 (-90.3): audible but too quiet.
    let j = judge_with(&f, &onvue());
    assert!(has(&j, "mic-quiet", Status::Fail));
    let j = judge_with(&f, &profile("[microphone]\nsilence_dbfs = -80\n"));
    assert!(has(&j, "mic-silent", Status::Fail));
}

#[test]
fn low_level_fails_too_quiet_and_is_not_judged_without_a_limit() {
    let mut f = recorded();
    f.rms_dbfs = Some(-70.0);
    f.peak_dbfs = Some(-67.0);
    let j = judge_with(&f, &onvue());
    assert!(has(&j, "mic-quiet", Status::Fail), "{j:#?}");
    assert!(j.findings[0].message.contains("-70 dBFS") && j.findings[0].message.contains("-60"));
    let j = judge_with(&f, &profile("[microphone]\nrequired = true\n"));
    assert_eq!(j.status(), Status::Pass);
}

#[test]
fn clipping_warns() {
    let mut f = recorded();
    f.rms_dbfs = Some(0.0);
    f.peak_dbfs = Some(0.0);
    f.clipped_runs = Some(2640);
    let j = judge_with(&f, &onvue());
    assert_eq!(j.status(), Status::Warn);
    assert!(has(&j, "mic-clipping", Status::Warn));
    assert!(
        j.findings
            .iter()
            .any(|x| x.message.contains("2640 runs of more than 6 samples"))
    );
    assert!(j.summary.contains("clipping"));
}

#[test]
fn noisy_room_warns_and_quiet_room_passes() {
    let mut f = recorded();
    f.noise_floor_dbfs = Some(-30.1);
    let j = judge_with(&f, &onvue());
    assert_eq!(j.status(), Status::Warn);
    assert!(has(&j, "mic-noisy", Status::Warn));
    assert!(
        j.findings
            .iter()
            .any(|x| x.message.contains("-30.1 dBFS, above -40 dBFS"))
    );
    // Not judged without a limit.
    let j = judge_with(&f, &profile("[microphone]\nmin_rms_dbfs = -60\n"));
    assert_eq!(codes(&j), [("mic-level", Status::Pass)]);
}

#[test]
fn speech_above_the_floor() {
    let mut f = recorded();
    f.speak = true;
    f.noise_floor_dbfs = Some(-70.0);
    f.speech = Some(SpeechFacts {
        sentence: SENTENCE.into(),
        speech_dbfs: -25.0,
        above_floor_db: 45.0,
    });
    let j = judge_with(&f, &onvue());
    assert!(has(&j, "mic-speech", Status::Pass));
    f.speech.as_mut().unwrap().above_floor_db = 5.0;
    let j = judge_with(&f, &onvue());
    assert!(has(&j, "mic-speech-weak", Status::Fail));
    assert!(j.findings.iter().any(|x| x.message.contains("only 5 dB")));
    // Reported, not judged, without a limit.
    let j = judge_with(&f, &profile("[microphone]\nrequired = true\n"));
    assert!(has(&j, "mic-speech", Status::Pass));
}

#[test]
fn default_input_that_did_not_open_warns() {
    let mut f = recorded();
    f.default_device = false;
    f.device_id = Some("alsa:pulse".into());
    let j = judge_with(&f, &onvue());
    assert!(has(&j, "mic-default-unavailable", Status::Warn));
    // Not when the candidate chose the device.
    f.requested = Some("pulse".into());
    assert!(!has(
        &judge_with(&f, &onvue()),
        "mic-default-unavailable",
        Status::Warn
    ));
}
