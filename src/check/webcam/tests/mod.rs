//! Judge tests on recorded facts: pass, warn and fail for every rule.

use super::*;
use crate::catalogue::Catalogue;
use crate::check::Check;
use crate::model::Status;
use crate::profile::Profile;

mod access;
mod capture;
mod faces;
mod os;
mod picture;

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
