use super::*;
use crate::audio::device::ErrorClass;
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
