//! Judge tests on recorded facts: pass, warn and fail for every rule.

use super::*;
use crate::catalogue::Catalogue;
use crate::check::Check;
use crate::model::Status;
use crate::profile::Profile;

fn onvue() -> Profile {
    crate::profile::load("onvue").unwrap()
}

fn res(w: u32, h: u32) -> Resolution {
    Resolution {
        width: w,
        height: h,
    }
}

fn cam(index: u32, name: &str) -> CameraFacts {
    CameraFacts {
        index,
        name: name.into(),
        description: format!("Video4Linux Device @ /dev/video{index}"),
        device: Some(format!("/dev/video{index}")),
        formats: vec!["640x480 MJPEG 30 fps".into()],
        formats_error: None,
    }
}

/// `n` good frames: lit, sharp, varied.
fn series(n: usize) -> FrameSeries {
    let mut s = FrameSeries::default();
    for i in 0..n {
        s.luma.push(110.0);
        s.ssim_prev.push(if i == 0 { None } else { Some(0.93) });
        s.stddev.push(50.0);
        s.sharpness.push(150.0);
        s.centre_luma.push(105.0);
        s.surround_luma.push(112.0);
    }
    s
}

fn face(x: f64, y: f64, w: f64) -> FaceBox {
    FaceBox {
        x,
        y,
        width: w,
        height: w * 4.0 / 3.0,
        score: 20.0,
    }
}

/// A good camera: 640x480 at 30 fps, one centred face.
fn good() -> WebcamFacts {
    WebcamFacts {
        os: OsFamily::Linux,
        backend: "Video4Linux".into(),
        permission: None,
        list_error: None,
        cameras: vec![cam(0, "Integrated Camera")],
        requested_camera: None,
        chosen: Some("Integrated Camera".into()),
        capture: Some(CaptureFacts {
            index: 0,
            requested: res(640, 480),
            format: Some("640x480 MJPEG 30 fps".into()),
            resolution: Some(res(640, 480)),
            error: None,
            frames: 90,
            seconds: 2.97,
            fps: Some(29.97),
            per_frame: series(90),
        }),
        ladder: [(320, 240), (640, 480), (1280, 720)]
            .into_iter()
            .map(|(w, h)| RungFacts {
                resolution: res(w, h),
                ok: true,
                format: Some(format!("{w}x{h} MJPEG 30 fps")),
                delivered: Some(res(w, h)),
                error: None,
            })
            .collect(),
        faces: Some(FaceFacts {
            frames_examined: 3,
            counts: vec![1, 1, 1],
            faces: vec![face(0.37, 0.3, 0.26)],
            face_luma: Some(100.0),
            detection_ms: 30.0,
        }),
        busy: None,
        snapshot: None,
        consent: None,
        macos_permission: None,
    }
}

fn judge(f: &WebcamFacts) -> Judgement {
    let p = onvue();
    let j = <Webcam as Module>::judge(f, &p.file.webcam, p.judge_context());
    crate::check::assert_well_formed(&Webcam, &j);
    j
}

fn codes(j: &Judgement) -> Vec<(&str, Status)> {
    j.findings
        .iter()
        .map(|f| (f.code.as_str(), f.status))
        .collect()
}

/// The finding with `code` (which must be there).
fn get<'a>(j: &'a Judgement, code: &str) -> &'a crate::model::Finding {
    j.findings
        .iter()
        .find(|x| x.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", codes(j)))
}

fn has(j: &Judgement, code: &str, status: Status) -> bool {
    j.findings
        .iter()
        .any(|f| f.code == code && f.status == status)
}

#[test]
fn good_camera_passes() {
    let j = judge(&good());
    assert_eq!(j.status(), Status::Pass, "{:?}", codes(&j));
    assert!(has(&j, "webcam-capture", Status::Pass));
    assert!(has(&j, "webcam-resolution", Status::Pass));
    assert!(has(&j, "webcam-image", Status::Pass));
    assert!(has(&j, "webcam-face", Status::Pass));
    let cap = j
        .findings
        .iter()
        .find(|f| f.code == "webcam-capture")
        .unwrap();
    assert!(
        cap.message.contains("640x480") && cap.message.contains("30 fps"),
        "{}",
        cap.message
    );
    assert!(j.summary.contains("Integrated Camera") && j.summary.contains("face found"));
}

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

fn failed_capture(kind: FailureKind, message: &str) -> WebcamFacts {
    let mut f = good();
    let cap = f.capture.as_mut().unwrap();
    cap.frames = 0;
    cap.fps = None;
    cap.resolution = None;
    cap.per_frame = FrameSeries::default();
    cap.error = Some(CameraError {
        kind,
        message: message.into(),
    });
    for r in &mut f.ladder {
        r.ok = false;
        r.delivered = None;
    }
    f.faces = None;
    f
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

#[test]
fn low_fps_fails() {
    let mut f = good();
    f.capture.as_mut().unwrap().fps = Some(3.2);
    let j = judge(&f);
    assert!(has(&j, "webcam-fps-low", Status::Fail));
    assert!(j.findings.iter().any(|x| x.message.contains("3.2")));
}

#[test]
fn resolution_below_minimum_fails() {
    let mut f = good();
    let cap = f.capture.as_mut().unwrap();
    cap.resolution = Some(res(320, 240));
    for r in &mut f.ladder {
        r.ok = r.resolution.width <= 320;
        if !r.ok {
            r.delivered = Some(res(320, 240));
            r.error = Some("delivered 320x240 instead".into());
        }
    }
    let j = judge(&f);
    assert!(
        has(&j, "webcam-resolution-low", Status::Fail),
        "{:?}",
        codes(&j)
    );
    let x = get(&j, "webcam-resolution-low");
    assert!(
        x.message.contains("640x480") && x.message.contains("not at 640x480, 1280x720"),
        "{}",
        x.message
    );
}

#[test]
fn ladder_report_names_working_and_failing_rungs() {
    let mut f = good();
    f.ladder[2].ok = false;
    f.ladder[2].error = Some("no frame".into());
    let j = judge(&f);
    let x = get(&j, "webcam-resolution");
    assert_eq!(x.status, Status::Pass);
    assert!(
        x.message
            .contains("works at 320x240, 640x480; not at 1280x720"),
        "{}",
        x.message
    );
}

fn with_frames(edit: impl Fn(&mut FrameSeries)) -> WebcamFacts {
    let mut f = good();
    edit(&mut f.capture.as_mut().unwrap().per_frame);
    f
}

#[test]
fn black_frames_over_a_third_fail() {
    let f = with_frames(|s| {
        for i in 0..40 {
            s.luma[i] = 5.0;
        }
    });
    let j = judge(&f);
    assert!(has(&j, "webcam-black", Status::Fail), "{:?}", codes(&j));
    // Under a third: fine.
    let f = with_frames(|s| {
        for i in 0..20 {
            s.luma[i] = 5.0;
        }
    });
    assert!(!judge(&f).findings.iter().any(|x| x.code == "webcam-black"));
}

#[test]
fn frozen_frames_over_a_third_fail() {
    let f = with_frames(|s| {
        for v in s.ssim_prev.iter_mut().skip(1).take(45) {
            *v = Some(0.999);
        }
    });
    let j = judge(&f);
    assert!(has(&j, "webcam-frozen", Status::Fail), "{:?}", codes(&j));
    let x = get(&j, "webcam-frozen");
    assert!(
        x.message.contains("50 %") && x.message.contains("33.3 %"),
        "{}",
        x.message
    );
}

#[test]
fn covered_lens_fails() {
    let f = with_frames(|s| {
        for v in s.stddev.iter_mut() {
            *v = 2.0;
        }
        for v in s.sharpness.iter_mut() {
            *v = 0.5;
        }
    });
    let j = judge(&f);
    assert!(has(&j, "webcam-covered", Status::Fail), "{:?}", codes(&j));
    // A bad picture is not also called blurred.
    assert!(!j.findings.iter().any(|x| x.code == "webcam-blurry"));
}

#[test]
fn dark_bright_backlit_and_blurred_warn() {
    let f = with_frames(|s| s.luma.iter_mut().for_each(|v| *v = 30.0));
    assert!(has(&judge(&f), "webcam-too-dark", Status::Warn));
    let f = with_frames(|s| s.luma.iter_mut().for_each(|v| *v = 230.0));
    assert!(has(&judge(&f), "webcam-too-bright", Status::Warn));
    let mut f = with_frames(|s| {
        s.surround_luma.iter_mut().for_each(|v| *v = 220.0);
        s.centre_luma.iter_mut().for_each(|v| *v = 60.0);
    });
    f.faces.as_mut().unwrap().face_luma = Some(55.0);
    let j = judge(&f);
    assert!(has(&j, "webcam-backlit", Status::Warn), "{:?}", codes(&j));
    let f = with_frames(|s| s.sharpness.iter_mut().for_each(|v| *v = 12.0));
    let j = judge(&f);
    assert!(has(&j, "webcam-blurry", Status::Warn));
    assert_eq!(j.status(), Status::Warn);
}

#[test]
fn face_rules() {
    let mut f = good();
    f.faces.as_mut().unwrap().counts = vec![0, 0, 0];
    f.faces.as_mut().unwrap().faces.clear();
    let j = judge(&f);
    assert!(has(&j, "webcam-no-face", Status::Fail));
    assert!(j.summary.contains("no-face"), "{}", j.summary);

    let mut f = good();
    f.faces.as_mut().unwrap().counts = vec![1, 2, 1];
    f.faces.as_mut().unwrap().faces = vec![face(0.37, 0.3, 0.26), face(0.7, 0.1, 0.15)];
    assert!(has(&judge(&f), "webcam-faces-multiple", Status::Warn));

    let mut f = good();
    f.faces.as_mut().unwrap().faces = vec![face(0.45, 0.4, 0.1)];
    assert!(has(&judge(&f), "webcam-face-small", Status::Warn));

    let mut f = good();
    f.faces.as_mut().unwrap().faces = vec![face(0.02, 0.05, 0.2)];
    let j = judge(&f);
    assert!(
        has(&j, "webcam-face-off-centre", Status::Warn),
        "{:?}",
        codes(&j)
    );
    assert!(!j.findings.iter().any(|x| x.code == "webcam-face"));

    // A profile without face rules says nothing about faces.
    let mut f = good();
    f.faces.as_mut().unwrap().counts = vec![0, 0, 0];
    f.faces.as_mut().unwrap().faces.clear();
    let mut req = onvue().file.webcam;
    req.require_face = None;
    req.min_face_fraction = None;
    let j = judge_with(&f, &req, &Catalogue::builtin().unwrap(), "X");
    assert!(!j.findings.iter().any(|x| x.code.contains("face")));
    req.require_face = Some(false);
    let j = judge_with(&f, &req, &Catalogue::builtin().unwrap(), "X");
    assert!(has(&j, "webcam-no-face", Status::Warn));
}

#[test]
fn snapshot_outcomes() {
    let mut f = good();
    f.snapshot = Some(SnapshotFacts {
        path: "/tmp/me.png".into(),
        error: None,
    });
    assert!(has(&judge(&f), "webcam-snapshot", Status::Pass));
    f.snapshot = Some(SnapshotFacts {
        path: "/nope/me.png".into(),
        error: Some("No such file or directory".into()),
    });
    assert!(has(&judge(&f), "webcam-snapshot-failed", Status::Warn));
}

#[test]
fn interrupted_stream_warns() {
    let mut f = good();
    f.capture.as_mut().unwrap().error = Some(CameraError {
        kind: FailureKind::Failed,
        message: "the camera stopped delivering frames: timeout".into(),
    });
    assert!(has(&judge(&f), "webcam-interrupted", Status::Warn));
}

#[test]
fn facts_round_trip_through_json_and_the_check_boundary() {
    let f = good();
    let v = serde_json::to_value(&f).unwrap();
    for key in [
        "cameras", "chosen", "capture", "ladder", "faces", "busy", "snapshot",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["capture"]["resolution"], "640x480");
    let j = Check::judge(&Webcam, &v, &onvue()).unwrap();
    assert_eq!(j.status(), Status::Pass);
}

#[test]
fn summarize_counts_black_once() {
    let mut s = series(6);
    for i in 0..3 {
        s.luma[i] = 2.0;
        s.ssim_prev[i] = Some(1.0);
    }
    let x = summarize(&s, 20.0, 0.985);
    assert_eq!(x.black_fraction, 0.5);
    assert_eq!(x.frozen_fraction, 0.0);
    assert_eq!(x.luma, 110.0);
}

#[test]
fn profile_section_is_strict_and_ranged() {
    let cat = Catalogue::builtin().unwrap();
    let e = crate::profile::parse(
        "t",
        "t.toml",
        "[profile]\nname = \"x\"\n[webcam]\nfrozen_ssim = 1.5\n",
        cat.clone(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("t.toml:4:") && e.contains("between 0 and 1"),
        "{e}"
    );
    let e = crate::profile::parse(
        "t",
        "t.toml",
        "[profile]\nname = \"x\"\n[webcam]\nblack_luma = 300\n",
        cat.clone(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("between 0 and 255"), "{e}");
    let e = crate::profile::parse(
        "t",
        "t.toml",
        "[profile]\nname = \"x\"\n[webcam]\nbogus = 1\n",
        cat.clone(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("bogus"), "{e}");
    let p = onvue();
    let w = &p.file.webcam;
    assert_eq!(w.min_resolution, Some(res(640, 480)));
    assert_eq!(w.resolution_ladder.as_ref().unwrap().len(), 3);
    assert_eq!(w.black_luma, Some(LumaLevel(20.0)));
    assert_eq!(w.frozen_ssim, Some(Fraction(0.985)));
    assert_eq!(
        p.file.runner.deadline_for("webcam"),
        std::time::Duration::from_secs(40)
    );
}

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
            Webcam::CODES.contains(entry),
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
        assert!(Webcam::CODES.contains(entry), "{entry:?}");
    }
}
