//! The capture: frame rate, resolutions and the ladder, an interrupted stream.

use super::*;

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

#[test]
fn interrupted_stream_warns() {
    let mut f = good();
    f.capture.as_mut().unwrap().error = Some(CameraError {
        kind: FailureKind::Failed,
        message: "the camera stopped delivering frames: timeout".into(),
    });
    assert!(has(&judge(&f), "webcam-interrupted", Status::Warn));
}
