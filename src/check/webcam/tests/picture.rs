//! The picture: black, frozen, covered, dark, bright, backlit and blurred frames.

use super::*;

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
