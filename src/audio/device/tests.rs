use super::*;

fn info(id: &str, default: bool) -> DeviceInfo {
    DeviceInfo {
        name: id.to_string(),
        id: id.to_string(),
        default,
        channels: None,
        sample_rate: None,
        error: None,
    }
}

#[test]
fn alsa_pseudo_devices_are_dropped_and_default_is_first() {
    // The hint list of a Debian machine with libasound2-plugins and one USB card.
    let ids = [
        "alsa:null",
        "alsa:lavrate",
        "alsa:samplerate",
        "alsa:speexrate",
        "alsa:jack",
        "alsa:oss",
        "alsa:pulse",
        "alsa:speex",
        "alsa:upmix",
        "alsa:vdownmix",
        "alsa:sysdefault:CARD=Webcam",
        "alsa:front:CARD=Webcam,DEV=0",
        "alsa:dsnoop:CARD=Webcam,DEV=0",
        "alsa:hw:CARD=Webcam,DEV=0",
        "alsa:plughw:CARD=Webcam,DEV=0",
        "alsa:plughw:CARD=PCH,DEV=0",
        "alsa:usbstream:CARD=Webcam",
    ];
    let mut v: Vec<DeviceInfo> = ids.iter().map(|i| info(i, false)).collect();
    v.push(info("alsa:default", true));
    let got: Vec<String> = tidy(v).into_iter().map(|d| d.id).collect();
    assert_eq!(
        got,
        [
            "alsa:default",
            "alsa:pulse",
            "alsa:sysdefault:CARD=Webcam",
            "alsa:plughw:CARD=PCH,DEV=0"
        ]
    );
}

#[test]
fn other_hosts_are_not_filtered() {
    let v = vec![
        info("wasapi:{0.0.1.00000000}.{abc}", false),
        info("coreaudio:BuiltInMicrophoneDevice", true),
        info("coreaudio:BuiltInMicrophoneDevice", true),
    ];
    let got = tidy(v);
    assert_eq!(got.len(), 2, "duplicates removed");
    assert!(got[0].default);
}

#[test]
fn pick_prefers_exact_then_substring() {
    // Descriptions only: the test needs no audio device (none exists under Wine or in CI).
    let dev = |name: &str, id: &str| DeviceInfo {
        name: name.into(),
        ..info(id, false)
    };
    let (pro, mic) = (
        dev("USB Microphone Pro", "alsa:sysdefault:CARD=Pro"),
        dev("USB Microphone", "alsa:sysdefault:CARD=Mic"),
    );
    let v = [&pro, &mic];
    assert_eq!(pick_index(&v, "usb microphone"), Some(1));
    assert_eq!(pick_index(&v, "pro"), Some(0));
    assert_eq!(pick_index(&v, "CARD=Mic"), Some(1));
    assert_eq!(pick_index(&v, "blue yeti"), None);
}

#[test]
fn sample_conversion_is_full_scale() {
    assert_eq!(to_f32(i16::MIN), -1.0);
    assert!((to_f32(i16::MAX) - 32767.0 / 32768.0).abs() < 1e-7);
    assert_eq!(to_f32(0u16.wrapping_add(32768)), 0.0);
}
