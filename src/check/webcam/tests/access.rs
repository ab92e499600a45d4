//! Access: no camera, listing failures, the camera asked for, no frame (busy, refused), virtual cameras.

use super::*;

#[test]
fn no_camera_fails_when_required_and_skips_when_not_judged() {
    let mut f = good();
    f.cameras.clear();
    f.chosen = None;
    f.capture = None;
    f.ladder.clear();
    f.faces = None;
    let j = judge(&f);
    assert_eq!(codes(&j), [("webcam-none", Status::Fail)]);
    assert!(
        j.findings[0]
            .remedy
            .as_deref()
            .unwrap()
            .contains("/dev/video")
    );
    let mut req = WebcamRequirements::default();
    let cat = Catalogue::builtin().unwrap();
    let j = judge_with(&f, &req, &cat, "X");
    assert_eq!(j.status(), Status::Skip);
    req.required = Some(false);
    let j = judge_with(&f, &req, &cat, "X");
    assert_eq!(j.status(), Status::Warn);
}

#[test]
fn list_failure_and_macos_permission_fail() {
    let mut f = good();
    f.list_error = Some("Could not initialize Video4Linux".into());
    assert_eq!(codes(&judge(&f)), [("webcam-list-failed", Status::Fail)]);
    let mut f = good();
    f.os = OsFamily::Macos;
    f.permission = Some(false);
    let j = judge(&f);
    assert_eq!(codes(&j), [("webcam-access-denied", Status::Fail)]);
    assert!(
        j.findings[0]
            .remedy
            .as_deref()
            .unwrap()
            .contains("Privacy & Security > Camera")
    );
}

#[test]
fn unknown_camera_name_lists_the_cameras() {
    let mut f = good();
    f.requested_camera = Some("Brio".into());
    f.chosen = None;
    let j = judge(&f);
    assert_eq!(codes(&j), [("webcam-not-found", Status::Fail)]);
    assert!(j.findings[0].message.contains("'Integrated Camera'"));
}

#[test]
fn listed_camera_without_frames_fails() {
    let mut f = failed_capture(FailureKind::Failed, "Failed to Fufill");
    f.busy = Some(BusyFacts {
        device: Some("/dev/video0".into()),
        method: BusyMethod::OpenFile,
        holders: vec![],
    });
    let j = judge(&f);
    assert_eq!(codes(&j), [("webcam-no-frame", Status::Fail)]);
    assert!(j.findings[0].message.contains("Failed to Fufill"));
}

#[test]
fn busy_camera_names_the_holder() {
    let mut f = failed_capture(FailureKind::Busy, "Device or resource busy");
    f.busy = Some(BusyFacts {
        device: Some("/dev/video0".into()),
        method: BusyMethod::OpenFile,
        holders: vec![Holder {
            pid: 4242,
            name: "zoom".into(),
            app: Some("Zoom".into()),
        }],
    });
    let j = judge(&f);
    assert_eq!(codes(&j), [("webcam-busy", Status::Fail)]);
    let x = &j.findings[0];
    assert!(
        x.message.contains("4242") && x.message.contains("Zoom"),
        "{}",
        x.message
    );
    assert!(x.remedy.as_deref().unwrap().contains("Zoom"));
    // Busy by the error text, holder unknown.
    let f = failed_capture(FailureKind::Busy, "0xC00D3704");
    assert_eq!(codes(&judge(&f)), [("webcam-busy", Status::Fail)]);
}

#[test]
fn access_refused_has_its_own_finding() {
    let mut f = failed_capture(FailureKind::AccessDenied, "Access is denied. 0x80070005");
    f.os = OsFamily::Windows;
    let j = judge(&f);
    assert_eq!(codes(&j), [("webcam-access-denied", Status::Fail)]);
    assert!(
        j.findings[0]
            .remedy
            .as_deref()
            .unwrap()
            .contains("Let desktop apps access your camera")
    );
}

#[test]
fn virtual_camera_chosen_fails_and_names_the_real_one() {
    let mut f = good();
    f.cameras = vec![cam(0, "OBS Virtual Camera"), cam(1, "HD Pro Webcam C920")];
    f.chosen = Some("OBS Virtual Camera".into());
    let j = judge(&f);
    assert!(has(&j, "webcam-virtual", Status::Fail), "{:?}", codes(&j));
    let x = get(&j, "webcam-virtual");
    assert!(x.message.contains("OBS Studio"), "{}", x.message);
    assert!(x.remedy.as_deref().unwrap().contains("HD Pro Webcam C920"));
    // The real camera chosen: the virtual one installed is a warning.
    f.chosen = Some("HD Pro Webcam C920".into());
    let j = judge(&f);
    assert_eq!(j.status(), Status::Warn, "{:?}", codes(&j));
    assert!(has(&j, "webcam-virtual-installed", Status::Warn));
    // Allowed by a profile: nothing said.
    let mut req = onvue().file.webcam;
    req.allow_virtual_camera = Some(true);
    let j = judge_with(&f, &req, &Catalogue::builtin().unwrap(), "X");
    assert!(
        !j.findings
            .iter()
            .any(|x| x.code.starts_with("webcam-virtual"))
    );
    // v4l2loopback and phone cameras are in the catalogue too.
    let cat = Catalogue::builtin().unwrap();
    for n in [
        "Dummy video device (0x0000)",
        "DroidCam Source 3",
        "e2eSoft iVCam",
        "NVIDIA Broadcast",
        "Snap Camera",
        "XSplit VCam",
        "ManyCam Virtual Webcam",
    ] {
        assert!(cat.match_device(n).is_some(), "{n}");
    }
    assert!(cat.match_device("Integrated Camera").is_none());
}
