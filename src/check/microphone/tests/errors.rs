//! Device errors (absent, busy, refused, no match for `--mic`) and choosing the input by name.

use super::*;
use crate::check::microphone::probe::server_default_matches;

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
