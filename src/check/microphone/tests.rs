//! Judge tests on recorded facts: every rule's pass, warn and fail.

use super::*;
use crate::audio::server::ServerDevice;
use crate::model::Status;
use crate::profile::Profile;

/// The judge under a whole profile (its microphone section and context).
fn judge_with(f: &MicFacts, p: &Profile) -> Judgement {
    super::judge_with(f, &p.file.microphone, p.judge_context())
}

fn onvue() -> Profile {
    crate::profile::load("onvue").unwrap()
}

fn profile(text: &str) -> Profile {
    crate::profile::parse(
        "t",
        "t.toml",
        &format!("[profile]\nname = \"Test\"\n{text}"),
        Catalogue::builtin().unwrap(),
    )
    .unwrap()
}

/// Facts as recorded on Linux from PipeWire's virtual microphone playing a -20 dBFS tone.
fn recorded() -> MicFacts {
    let text = r#"{"os":"linux","host":"ALSA",
      "devices":[{"name":"Default Audio Device","id":"alsa:default","default":true,"channels":2,"sample_rate":48000},
                 {"name":"PulseAudio Sound Server","id":"alsa:pulse","default":false,"channels":2,"sample_rate":48000}],
      "device":"VirtualMic","device_id":"alsa:default","default_device":true,
      "server":{"server":"PulseAudio (on PipeWire 0.3.65)",
        "default":{"name":"vmic","description":"VirtualMic","mute":false,"volume_percent":100,"monitor":false},
        "devices":[{"name":"vmic","description":"VirtualMic","mute":false,"volume_percent":100,"monitor":false}]},
      "channels":2,"sample_rate":48000,"sample_format":"f32","seconds":3.0,"first_data_ms":54,
      "rms_dbfs":-20.0,"peak_dbfs":-17.0,"clipped_runs":0,"clip_run_samples":6,"noise_floor_dbfs":-96.3,"mono":true,
      "per_channel":[{"rms_dbfs":-20.0,"peak_dbfs":-17.0,"clipped_runs":0,"longest_clip_run":0},
                     {"rms_dbfs":-20.0,"peak_dbfs":-17.0,"clipped_runs":0,"longest_clip_run":0}],
      "level_series_dbfs":[-20.0,-20.0,-20.0],"virtual":false,"speak":false}"#;
    serde_json::from_str(text).unwrap()
}

fn codes(j: &Judgement) -> Vec<(&str, Status)> {
    crate::check::assert_well_formed(&Microphone, j);
    j.findings
        .iter()
        .map(|f| (f.code.as_str(), f.status))
        .collect()
}

fn has(j: &Judgement, code: &str, status: Status) -> bool {
    codes(j).contains(&(code, status))
}

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
fn virtual_input_follows_allow_virtual() {
    let mut f = recorded();
    f.device = Some("CABLE Output (VB-Audio Virtual Cable)".into());
    f.device_id = Some("wasapi:{0.0.1.00000000}.{x}".into());
    f.server = None;
    f.os = OsFamily::Windows;
    let j = judge_with(&f, &onvue());
    assert_eq!(j.status(), Status::Fail);
    assert!(has(&j, "mic-virtual", Status::Fail));
    assert!(
        j.findings
            .iter()
            .any(|x| x.message.contains("VB-Audio Virtual Cable"))
    );
    let j = judge_with(&f, &profile("[microphone]\nallow_virtual = true\n"));
    assert!(has(&j, "mic-virtual", Status::Pass));
    assert_eq!(j.status(), Status::Pass);
    let j = judge_with(&f, &profile("[microphone]\nrequired = true\n"));
    assert!(
        !codes(&j).iter().any(|c| c.0 == "mic-virtual"),
        "not judged"
    );
}

#[test]
fn monitor_source_and_catalogued_server_source_are_virtual() {
    let mut f = recorded();
    {
        let d = f.server.as_mut().unwrap().default.as_mut().unwrap();
        d.description = "Monitor of Built-in Audio Analog Stereo".into();
        d.name = "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor".into();
        d.monitor = true;
    }
    f.device = Some("Monitor of Built-in Audio Analog Stereo".into());
    let j = judge_with(&f, &onvue());
    assert!(has(&j, "mic-virtual", Status::Fail), "{j:#?}");
    // Krisp behind the sound server's default source.
    let mut f = recorded();
    f.server.as_mut().unwrap().default = Some(ServerDevice {
        name: "krisp_mic".into(),
        description: "krisp microphone".into(),
        form_factor: None,
        active_port: None,
        mute: false,
        volume_percent: None,
        monitor: false,
    });
    assert!(virtual_input(&f, &Catalogue::builtin().unwrap()).is_some_and(|a| a == "Krisp"));
    // A hardware ALSA device does not take the server's name.
    f.device_id = Some("alsa:sysdefault:CARD=Webcam".into());
    assert!(virtual_input(&f, &Catalogue::builtin().unwrap()).is_none());
}

#[test]
fn headset_microphone_follows_allow_headset_mic() {
    let mut f = recorded();
    f.device = Some("Headset Microphone (Jabra Evolve 65)".into());
    f.server = None;
    let j = judge_with(&f, &onvue());
    assert!(has(&j, "mic-headset", Status::Fail), "{j:#?}");
    // By the server's form factor.
    let mut f = recorded();
    f.server
        .as_mut()
        .unwrap()
        .default
        .as_mut()
        .unwrap()
        .form_factor = Some("headset".into());
    assert!(has(&judge_with(&f, &onvue()), "mic-headset", Status::Fail));
    let p = profile(
        "[microphone]\nallow_headset_mic = true\n[speaker]\nheadphone_patterns = [\"headset\"]\n",
    );
    assert_eq!(judge_with(&f, &p).status(), Status::Pass);
}

#[test]
fn device_errors_have_their_own_findings() {
    let base = {
        let mut f = recorded();
        f.rms_dbfs = None;
        f.peak_dbfs = None;
        f.device = Some("Microphone (USB Audio)".into());
        f.server = None;
        f
    };
    let cases = [
        (ErrorClass::Unavailable, "mic-none", "Connect a microphone"),
        (ErrorClass::Busy, "mic-busy", "close meeting"),
        (ErrorClass::Permission, "mic-permission", "Privacy"),
        (ErrorClass::NoData, "mic-no-data", "reconnect"),
        (ErrorClass::Other, "mic-error", "another input"),
        (ErrorClass::NotFound, "mic-not-found", "--mic"),
    ];
    for os in [OsFamily::Windows, OsFamily::Macos] {
        for (class, code, remedy) in cases {
            let mut f = base.clone();
            f.os = os;
            f.requested = Some("Yeti".into());
            f.error = Some(DeviceError {
                class,
                message: "x".into(),
            });
            let j = judge_with(&f, &onvue());
            assert_eq!(j.status(), Status::Fail, "{code}");
            assert_eq!(j.findings[0].code, code);
            let r = j.findings[0].remedy.as_deref().unwrap();
            assert!(r.contains(remedy), "{code} on {os:?}: {r}");
        }
    }
    // Windows permission remedy names the privacy switches.
    let mut f = base.clone();
    f.os = OsFamily::Windows;
    f.error = Some(DeviceError {
        class: ErrorClass::Permission,
        message: "denied".into(),
    });
    let r = judge_with(&f, &onvue()).findings[0].remedy.clone().unwrap();
    assert!(r.contains("Let desktop apps access your microphone"), "{r}");
}

#[test]
fn no_microphone_is_skipped_when_not_required() {
    let mut f = recorded();
    f.devices.clear();
    f.device = None;
    f.rms_dbfs = None;
    f.error = Some(DeviceError {
        class: ErrorClass::Unavailable,
        message: "not available".into(),
    });
    let j = judge_with(&f, &onvue());
    assert_eq!(j.status(), Status::Fail);
    assert!(j.findings[0].message.contains("No microphone found"));
    assert_eq!(j.summary, "no microphone found");
    let j = judge_with(&f, &profile(""));
    assert_eq!(j.status(), Status::Skip);
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

#[test]
fn facts_keep_their_stable_names() {
    let v = serde_json::to_value(recorded()).unwrap();
    for k in [
        "device",
        "devices",
        "channels",
        "sample_rate",
        "rms_dbfs",
        "peak_dbfs",
        "clipped_runs",
        "noise_floor_dbfs",
        "mono",
        "virtual",
        "level_series_dbfs",
    ] {
        assert!(v.get(k).is_some(), "fact {k} missing: {v}");
    }
    let back: MicFacts = serde_json::from_value(v).unwrap();
    assert_eq!(back, recorded());
}

#[test]
fn profile_section_is_strict_and_range_checked() {
    let e = crate::profile::parse(
        "t",
        "t.toml",
        "[profile]\nname = \"x\"\n[microphone]\nmin_rms_dbfs = 5\n",
        Catalogue::builtin().unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("t.toml:4:"), "{e}");
    let e = crate::profile::parse(
        "t",
        "t.toml",
        "[profile]\nname = \"x\"\n[microphone]\nrecord_secs = 5\n",
        Catalogue::builtin().unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("record_secs"), "{e}");
    let p = onvue();
    let m = &p.file.microphone;
    assert_eq!(m.record_seconds(false), 3.0);
    assert_eq!(m.record_seconds(true), 1.5);
    assert_eq!(m.clip_run_samples(), 6);
    assert_eq!(m.silence_dbfs(), -90.3);
}

#[test]
fn judge_replays_recorded_facts_through_the_registry() {
    let check = crate::check::find("microphone").unwrap();
    let j = check
        .judge(&serde_json::to_value(recorded()).unwrap(), &onvue())
        .unwrap();
    assert_eq!(j.status(), Status::Pass);
}

#[test]
fn mic_query_matches_the_servers_default_source() {
    let f = recorded();
    assert!(server_default_matches(f.server.as_ref(), "virtualmic"));
    assert!(server_default_matches(f.server.as_ref(), "vmic"));
    assert!(!server_default_matches(f.server.as_ref(), "Yeti"));
    assert!(!server_default_matches(f.server.as_ref(), "  "));
    assert!(!server_default_matches(None, "vmic"));
}

#[test]
fn not_found_lists_inputs_and_server_sources() {
    let mut f = recorded();
    f.requested = Some("Yeti".into());
    f.rms_dbfs = None;
    f.error = Some(DeviceError {
        class: ErrorClass::NotFound,
        message: "no input named like \"Yeti\"".into(),
    });
    let j = judge_with(&f, &profile(""));
    // Asked for by name: fails even where a microphone is not required.
    assert_eq!(j.status(), Status::Fail);
    let m = &j.findings[0].message;
    assert!(
        m.contains("\"Yeti\"")
            && m.contains("\"PulseAudio Sound Server\"")
            && m.contains("\"VirtualMic\" (vmic)"),
        "{m}"
    );
}

/// Windows records Teams using the microphone and a Group Policy denying it: both reported,
/// Teams by name; the recording worked, so "in use" is a warning.
#[test]
fn windows_consent_findings() {
    use crate::os::consent::{AppUse, ConsentFacts};
    let mut f = recorded();
    f.consent = Some(ConsentFacts {
        in_use: vec![AppUse {
            app: "Microsoft Teams".into(),
            key: r"C:#Program Files#Teams#ms-teams.exe".into(),
            desktop: true,
            started: Some("2026-11-30T08:00:00Z".parse().unwrap()),
            stopped: None,
        }],
        policy: Some(2),
        ..Default::default()
    });
    let p = profile("");
    let j = <Microphone as Module>::judge(&f, &p.file.microphone, p.judge_context());
    let c = codes(&j);
    assert!(c.contains(&("mic-policy-denied", Status::Fail)), "{c:?}");
    assert!(c.contains(&("mic-in-use", Status::Warn)), "{c:?}");
    let in_use = j.findings.iter().find(|x| x.code == "mic-in-use").unwrap();
    assert_eq!(in_use.message, "Microsoft Teams is using the microphone.");
}

#[test]
fn consent_codes_are_microphone_codes() {
    for entry in crate::os::consent::MIC_CODES {
        assert!(
            Microphone::CODES.contains(entry),
            "{entry:?} missing from Microphone::CODES"
        );
    }
}

/// macOS denies the terminal the microphone: the recording is silence (as recorded on a Mac
/// with the permission off), and the finding says so instead of "silent".
#[test]
fn macos_denied_replaces_silence() {
    use crate::os::macos_permissions::{Authorization, PermissionFacts};
    let mut f = recorded();
    f.os = OsFamily::Macos;
    f.rms_dbfs = Some(-150.0);
    f.peak_dbfs = Some(-150.0);
    f.noise_floor_dbfs = Some(-150.0);
    let p = profile("");
    let judge =
        |f: &MicFacts| <Microphone as Module>::judge(f, &p.file.microphone, p.judge_context());
    let silent = judge(&f);
    assert!(codes(&silent).contains(&("mic-silent", Status::Fail)));
    f.macos_permission = Some(PermissionFacts {
        status: Authorization::Denied,
        app: "Terminal".into(),
    });
    let j = judge(&f);
    let c = codes(&j);
    assert_eq!(c[0], ("mic-permission-denied", Status::Fail), "{c:?}");
    assert!(!c.iter().any(|(code, _)| *code == "mic-silent"), "{c:?}");
    assert_eq!(j.summary, "macOS denies microphone access to Terminal");
    assert_eq!(
        j.findings[0].message,
        "macOS denies microphone access to Terminal."
    );
    assert!(
        j.findings[0]
            .remedy
            .as_deref()
            .unwrap()
            .contains("System Settings > Privacy & Security > Microphone")
    );
    // Granted: the measurement stands, with the note on the exam app's own grant.
    f.macos_permission.as_mut().unwrap().status = Authorization::Authorized;
    let c = codes(&judge(&f))
        .into_iter()
        .map(|(c, _)| c.to_string())
        .collect::<Vec<_>>();
    assert!(
        c.contains(&"mic-silent".to_string()) && c.contains(&"mic-permission-granted".to_string())
    );
}

#[test]
fn macos_permission_codes_are_microphone_codes() {
    for entry in crate::os::macos_permissions::MIC_CODES {
        assert!(Microphone::CODES.contains(entry), "{entry:?}");
    }
}
