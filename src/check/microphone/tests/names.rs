//! The name rules: virtual or loopback inputs and headset microphones.

use super::*;

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
