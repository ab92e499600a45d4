//! Windows consent and macOS permission findings, which come under the microphone's codes.

use super::*;

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
            crate::check::Check::codes(&Microphone).contains(entry),
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
        assert!(
            crate::check::Check::codes(&Microphone).contains(entry),
            "{entry:?}"
        );
    }
}
