//! What the OS records: Windows' consent store and macOS's camera permission.

use super::*;

/// Windows' consent store says Zoom holds the camera and desktop apps are denied: the capture
/// failed, so both fail, with Zoom named; every code is declared (checked by `judge`).
#[test]
fn windows_consent_names_the_app_and_the_switch() {
    use crate::os::consent::{AppUse, ConsentFacts, Switch};
    let mut f = failed_capture(FailureKind::Busy, "the device is in use");
    f.consent = Some(ConsentFacts {
        in_use: vec![AppUse {
            app: "Zoom".into(),
            key: r"C:#Program Files#Zoom#bin#Zoom.exe".into(),
            desktop: true,
            started: Some("2026-11-30T08:00:00Z".parse().unwrap()),
            stopped: None,
        }],
        desktop_apps_access: Some(Switch::Deny),
        ..Default::default()
    });
    let j = judge(&f);
    let c = codes(&j);
    assert!(c.contains(&("webcam-in-use", Status::Fail)), "{c:?}");
    assert!(
        c.contains(&("webcam-desktop-apps-off", Status::Fail)),
        "{c:?}"
    );
    let in_use = j
        .findings
        .iter()
        .find(|x| x.code == "webcam-in-use")
        .unwrap();
    assert_eq!(in_use.message, "Zoom is using the camera.");
}

#[test]
fn consent_codes_are_webcam_codes() {
    for entry in crate::os::consent::WEBCAM_CODES {
        assert!(
            crate::check::Check::codes(&Webcam).contains(entry),
            "{entry:?} missing from Webcam::CODES"
        );
    }
}

/// macOS denies iTerm the camera: nokhwa lists none, and the finding names the permission
/// instead of "no camera".
#[test]
fn macos_denied_replaces_no_camera() {
    use crate::os::macos_permissions::{Authorization, PermissionFacts};
    let mut f = good();
    f.os = OsFamily::Macos;
    f.cameras.clear();
    f.chosen = None;
    f.capture = None;
    f.ladder.clear();
    f.faces = None;
    assert!(has(&judge(&f), "webcam-none", Status::Fail));
    f.macos_permission = Some(PermissionFacts {
        status: Authorization::Denied,
        app: "iTerm".into(),
    });
    let j = judge(&f);
    assert_eq!(codes(&j), [("webcam-permission-denied", Status::Fail)]);
    assert_eq!(j.summary, "macOS denies camera access to iTerm");
    assert_eq!(
        j.findings[0].message,
        "macOS denies camera access to iTerm."
    );
    // Not asked yet: a warning that macOS asks on first use, nothing measured stands.
    f.macos_permission.as_mut().unwrap().status = Authorization::NotDetermined;
    let j = judge(&f);
    assert_eq!(codes(&j), [("webcam-permission-not-asked", Status::Warn)]);
    // Granted, with a good camera: every picture finding stays, plus the note.
    let mut g = good();
    g.macos_permission = Some(PermissionFacts {
        status: Authorization::Authorized,
        app: "Terminal".into(),
    });
    let j = judge(&g);
    assert!(has(&j, "webcam-face", Status::Pass));
    assert!(
        get(&j, "webcam-permission-granted")
            .message
            .contains("OnVUE")
    );
}

#[test]
fn macos_permission_codes_are_webcam_codes() {
    for entry in crate::os::macos_permissions::WEBCAM_CODES {
        assert!(
            crate::check::Check::codes(&Webcam).contains(entry),
            "{entry:?}"
        );
    }
}
