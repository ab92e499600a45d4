//! The webcam module's whole path (capture -> analysis -> findings) on real photographs played as
//! a camera, the busy-camera finder on a real process, and the real binary on this machine's
//! real no-camera and fake-device paths.
//!
//! The photograph is the `test.png` that ships in the rustface crate package (the 1927 Solvay
//! conference group photo, BSD-2-Clause with rustface); `build.rs` exports its folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use examready::check::Module;
use examready::check::webcam::capture::{self, Env, Plan};
use examready::check::webcam::face::FaceFinder;
use examready::check::webcam::source::{Format, FrameSource, Listed, SequenceSource};
use examready::check::webcam::threaded::Threaded;
use examready::check::webcam::{self, Webcam, WebcamFacts, busy};
use examready::model::{Judgement, Status};
use examready::profile::{self, Profile, Resolution};
use image::{Rgb, RgbImage, imageops};

use crate::support::{examready, output_within, skip_or_fail};

fn photo() -> &'static RgbImage {
    static P: OnceLock<RgbImage> = OnceLock::new();
    P.get_or_init(|| {
        image::open(concat!(env!("EXAMREADY_RUSTFACE_DIR"), "/test.png"))
            .expect("rustface's test.png")
            .to_rgb8()
    })
}

/// `n` frames of a 4:3 region of the photo scaled to 640x480, panning a few pixels per frame
/// like a hand-held or breathing subject (so consecutive frames are not identical).
fn pan(x: u32, y: u32, w: u32, h: u32, n: usize) -> Vec<RgbImage> {
    (0..n)
        .map(|i| {
            let dx = (i % 6) as u32;
            let dy = (i % 4) as u32 / 2;
            let c = imageops::crop_imm(photo(), x + dx, y + dy, w, h).to_image();
            imageops::resize(&c, 640, 480, imageops::FilterType::Triangle)
        })
        .collect()
}

/// One seated man, face centred, about 30 % of the width.
fn one_face(n: usize) -> Vec<RgbImage> {
    pan(1200, 168, 180, 135, n)
}

/// Three faces (Einstein and his neighbours).
fn three_faces(n: usize) -> Vec<RgbImage> {
    pan(774, 189, 240, 180, n)
}

/// Suits and hands of the front row: no face.
fn no_face(n: usize) -> Vec<RgbImage> {
    pan(598, 418, 480, 360, n)
}

/// The one-face picture at half size in the top-left corner of the no-face picture.
fn face_in_corner(n: usize) -> Vec<RgbImage> {
    one_face(n)
        .into_iter()
        .zip(no_face(n))
        .map(|(f, mut bg)| {
            let small = imageops::resize(&f, 320, 240, imageops::FilterType::Triangle);
            imageops::replace(&mut bg, &small, 0, 0);
            bg
        })
        .collect()
}

fn map(frames: Vec<RgbImage>, f: impl Fn(u8) -> u8) -> Vec<RgbImage> {
    frames
        .into_iter()
        .map(|mut img| {
            img.pixels_mut()
                .for_each(|p| *p = Rgb([f(p[0]), f(p[1]), f(p[2])]));
            img
        })
        .collect()
}

fn onvue() -> Profile {
    profile::load("onvue").unwrap()
}

struct Run {
    facts: WebcamFacts,
    judgement: Judgement,
}

fn run_source(mut source: SequenceSource, edit: impl FnOnce(&mut Plan), profile: &Profile) -> Run {
    let mut plan = Plan::new(
        Resolution {
            width: 640,
            height: 480,
        },
        Duration::from_millis(1000),
        Instant::now() + Duration::from_secs(60),
    );
    plan.ladder = webcam::DEFAULT_LADDER.to_vec();
    plan.first_frame_timeout = Duration::from_secs(2);
    edit(&mut plan);
    let mut finder = FaceFinder::new().unwrap();
    let cat = profile.catalogue.clone();
    let find_busy = move |dev: Option<&str>| busy::find(dev, &cat);
    let facts = capture::run(
        &mut source,
        &plan,
        Env {
            progress: &|_| {},
            cancelled: &|| false,
            find_busy: &find_busy,
            faces: Some(&mut finder),
            permission: None,
        },
    );
    // The facts survive JSON, as in a saved report.
    let v = serde_json::to_value(&facts).unwrap();
    let back: WebcamFacts = serde_json::from_value(v).unwrap();
    assert_eq!(back, facts);
    let judgement =
        <Webcam as Module>::judge(&facts, &profile.file.webcam, profile.judge_context());
    Run { facts, judgement }
}

fn run(frames: Vec<RgbImage>) -> Run {
    run_source(
        SequenceSource::new("Integrated Camera", frames, 30.0),
        |_| {},
        &onvue(),
    )
}

fn statuses(j: &Judgement) -> Vec<(String, Status)> {
    j.findings
        .iter()
        .map(|f| (f.code.clone(), f.status))
        .collect()
}

fn assert_finding(r: &Run, code: &str, status: Status) {
    assert!(
        r.judgement
            .findings
            .iter()
            .any(|f| f.code == code && f.status == status),
        "expected {code} {status}, got {:?}\nfacts: {}",
        statuses(&r.judgement),
        serde_json::to_string(&r.facts.faces).unwrap()
    );
}

fn assert_no_finding(r: &Run, code: &str) {
    assert!(
        !r.judgement.findings.iter().any(|f| f.code == code),
        "unexpected {code}: {:?}",
        statuses(&r.judgement)
    );
}

#[test]
fn the_photo_sets_hold_their_faces_at_every_pan_offset() {
    // Which frames the pipeline samples depends on timing: every frame must qualify.
    let mut finder = FaceFinder::new().unwrap();
    for (i, f) in one_face(12).iter().enumerate() {
        assert_eq!(finder.detect(f).len(), 1, "one_face frame {i}");
    }
    for (i, f) in no_face(12).iter().enumerate() {
        assert_eq!(finder.detect(f).len(), 0, "no_face frame {i}");
    }
    for (i, f) in face_in_corner(12).iter().enumerate() {
        let faces = finder.detect(f);
        assert_eq!(faces.len(), 1, "face_in_corner frame {i}");
        let (cx, cy) = faces[0].centre();
        assert!(cx < 0.3 && cy < 0.3, "face_in_corner frame {i}: {faces:?}");
    }
    for (i, f) in three_faces(12).iter().enumerate() {
        assert!(finder.detect(f).len() >= 2, "three_faces frame {i}");
    }
}

#[test]
fn a_good_picture_passes_everything() {
    let r = run(one_face(12));
    assert_eq!(
        r.judgement.status(),
        Status::Pass,
        "{:?}",
        statuses(&r.judgement)
    );
    for code in [
        "webcam-capture",
        "webcam-resolution",
        "webcam-image",
        "webcam-face",
    ] {
        assert_finding(&r, code, Status::Pass);
    }
    let cap = r.facts.capture.as_ref().unwrap();
    assert!(cap.frames >= 5, "{} frames", cap.frames);
    assert!(cap.fps.unwrap() > 5.0);
    assert_eq!(cap.resolution.unwrap().to_string(), "640x480");
    assert!(r.facts.ladder.iter().all(|l| l.ok), "{:?}", r.facts.ladder);
    let faces = r.facts.faces.as_ref().unwrap();
    assert_eq!(faces.faces.len(), 1, "{faces:?}");
    let (cx, _) = faces.faces[0].centre();
    assert!(
        (cx - 0.5).abs() < 0.1 && faces.faces[0].width > 0.2,
        "{faces:?}"
    );
    assert_eq!(r.facts.cameras[0].formats.len(), 3);
}

#[test]
fn darkened_picture_is_too_dark() {
    let r = run(map(one_face(10), |v| v / 2));
    assert_finding(&r, "webcam-too-dark", Status::Warn);
    assert_no_finding(&r, "webcam-black");
}

#[test]
fn overexposed_picture_is_too_bright() {
    let r = run(map(one_face(10), |v| (v as u32 * 2 + 130).min(255) as u8));
    assert_finding(&r, "webcam-too-bright", Status::Warn);
}

#[test]
fn blurred_picture_is_blurry() {
    let frames = one_face(10)
        .into_iter()
        .map(|f| imageops::blur(&f, 4.0))
        .collect();
    let r = run(frames);
    assert_finding(&r, "webcam-blurry", Status::Warn);
}

#[test]
fn one_colour_is_a_covered_lens() {
    let frames = (0..10)
        .map(|_| RgbImage::from_pixel(640, 480, Rgb([96, 70, 60])))
        .collect();
    let r = run(frames);
    assert_finding(&r, "webcam-covered", Status::Fail);
    assert_eq!(r.judgement.status(), Status::Fail);
}

#[test]
fn a_repeated_frame_is_frozen() {
    let frame = one_face(1).remove(0);
    let r = run(vec![frame]);
    assert_finding(&r, "webcam-frozen", Status::Fail);
}

#[test]
fn black_frames_fail() {
    let r = run(map(one_face(10), |v| v / 20));
    assert_finding(&r, "webcam-black", Status::Fail);
    assert_no_finding(&r, "webcam-too-dark");
}

#[test]
fn a_window_behind_the_candidate_is_backlight() {
    // The face darkened, the left and right thirds washed out by a bright window.
    let frames = map(one_face(10), |v| v / 2)
        .into_iter()
        .map(|mut f| {
            for (x, _, p) in f.enumerate_pixels_mut() {
                if !(213..427).contains(&x) {
                    *p = Rgb(p.0.map(|v| (v as u32 / 2 + 215).min(255) as u8));
                }
            }
            f
        })
        .collect();
    let r = run(frames);
    assert_finding(&r, "webcam-backlit", Status::Warn);
}

#[test]
fn a_photo_without_a_face_fails() {
    let r = run(no_face(10));
    assert_finding(&r, "webcam-no-face", Status::Fail);
    assert_eq!(r.facts.faces.as_ref().unwrap().counts, [0, 0, 0]);
}

#[test]
fn several_faces_warn() {
    let r = run(three_faces(10));
    assert_finding(&r, "webcam-faces-multiple", Status::Warn);
}

#[test]
fn a_face_in_the_corner_is_off_centre() {
    let r = run(face_in_corner(10));
    assert_finding(&r, "webcam-face-off-centre", Status::Warn);
}

#[test]
fn a_small_face_warns_under_a_stricter_profile() {
    let mut p = onvue();
    p.file.webcam.min_face_fraction = Some(webcam::Fraction(0.5));
    let r = run_source(
        SequenceSource::new("Integrated Camera", one_face(10), 30.0),
        |_| {},
        &p,
    );
    assert_finding(&r, "webcam-face-small", Status::Warn);
}

#[test]
fn a_slow_camera_fails_the_frame_rate() {
    let r = run_source(
        SequenceSource::new("Integrated Camera", one_face(6), 3.0),
        |p| p.capture = Duration::from_millis(1600),
        &onvue(),
    );
    assert_finding(&r, "webcam-fps-low", Status::Fail);
    let fps = r.facts.capture.as_ref().unwrap().fps.unwrap();
    // Paced at 3 fps; a loaded machine only delivers fewer frames, never more.
    assert!(fps > 0.5 && fps < 4.5, "{fps}");
}

#[test]
fn a_virtual_camera_chosen_by_default_fails_and_names_the_real_one() {
    let mut src = SequenceSource::new("OBS Virtual Camera", one_face(10), 30.0);
    let mut real = src.cameras[0].clone();
    real.index = 1;
    real.name = "HD Pro Webcam C920".into();
    src.cameras.push(real);
    let r = run_source(src, |_| {}, &onvue());
    assert_eq!(r.facts.chosen.as_deref(), Some("OBS Virtual Camera"));
    assert_finding(&r, "webcam-virtual", Status::Fail);
    let f = r
        .judgement
        .findings
        .iter()
        .find(|f| f.code == "webcam-virtual")
        .unwrap();
    assert!(f.remedy.as_deref().unwrap().contains("HD Pro Webcam C920"));
}

#[test]
fn camera_chosen_by_name() {
    let mut src = SequenceSource::new("OBS Virtual Camera", one_face(10), 30.0);
    let mut real = src.cameras[0].clone();
    real.index = 1;
    real.name = "HD Pro Webcam C920".into();
    src.cameras.push(real);
    let r = run_source(src, |p| p.camera = Some("c920".into()), &onvue());
    assert_eq!(r.facts.chosen.as_deref(), Some("HD Pro Webcam C920"));
    assert_eq!(r.facts.capture.as_ref().unwrap().index, 1);
    assert_finding(&r, "webcam-virtual-installed", Status::Warn);
    assert_no_finding(&r, "webcam-virtual");
}

#[test]
fn a_listed_camera_that_yields_no_frame_fails() {
    // Opens, but never delivers.
    let r = run_source(
        SequenceSource::new("USB Camera", vec![], 30.0),
        |p| p.first_frame_timeout = Duration::from_millis(300),
        &onvue(),
    );
    assert_finding(&r, "webcam-no-frame", Status::Fail);
    assert_eq!(r.judgement.status(), Status::Fail);
    assert!(r.facts.ladder.iter().all(|l| !l.ok));
    // Does not open at all.
    let mut src = SequenceSource::new("USB Camera", one_face(2), 30.0);
    src.open_error = Some("Could not get device property CameraFormat: Failed to Fufill".into());
    let r = run_source(src, |_| {}, &onvue());
    assert_finding(&r, "webcam-no-frame", Status::Fail);
}

/// A camera whose driver never returns from reading a frame.
struct Stuck(SequenceSource);

impl FrameSource for Stuck {
    fn backend(&self) -> String {
        "stuck".into()
    }
    fn list(&mut self) -> Result<Vec<Listed>, String> {
        self.0.list()
    }
    fn formats(&mut self, index: u32) -> Result<Vec<Format>, String> {
        self.0.formats(index)
    }
    fn open(&mut self, index: u32, want: Resolution) -> Result<Format, String> {
        self.0.open(index, want)
    }
    fn frame(&mut self, _timeout: Duration) -> Result<RgbImage, String> {
        std::thread::sleep(Duration::from_secs(20));
        Err("woke up".into())
    }
    fn close(&mut self) {}
}

#[test]
fn a_hung_driver_is_a_failure_in_bounded_time() {
    let profile = onvue();
    let mut src = Threaded::spawn("stuck", Duration::from_secs(2), || {
        Box::new(Stuck(SequenceSource::new("USB Camera", one_face(1), 30.0)))
    });
    let mut plan = Plan::new(
        Resolution {
            width: 640,
            height: 480,
        },
        Duration::from_secs(1),
        Instant::now() + Duration::from_secs(60),
    );
    plan.ladder = webcam::DEFAULT_LADDER.to_vec();
    plan.first_frame_timeout = Duration::from_millis(400);
    let cat = profile.catalogue.clone();
    let find_busy = move |dev: Option<&str>| busy::find(dev, &cat);
    let started = Instant::now();
    let facts = capture::run(
        &mut src,
        &plan,
        Env {
            progress: &|_| {},
            cancelled: &|| false,
            find_busy: &find_busy,
            faces: None,
            permission: None,
        },
    );
    // One bounded wait for the frame; every later call (close, ladder) answers at once.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let cap = facts.capture.as_ref().unwrap();
    assert_eq!(cap.frames, 0);
    let err = cap.error.as_ref().unwrap();
    assert_eq!(err.kind, webcam::FailureKind::Hung, "{err:?}");
    assert!(err.message.contains("no answer within"), "{}", err.message);
    let j = <Webcam as Module>::judge(&facts, &profile.file.webcam, profile.judge_context());
    assert_eq!(j.status(), Status::Fail);
    assert_eq!(j.findings[0].code, "webcam-no-frame");
}

#[test]
fn snapshot_is_written_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("me.png");
    let r = run(one_face(10));
    assert!(r.facts.snapshot.is_none() && !path.exists());
    let r = run_source(
        SequenceSource::new("Integrated Camera", one_face(10), 30.0),
        |p| p.snapshot = Some(path.clone()),
        &onvue(),
    );
    assert_finding(&r, "webcam-snapshot", Status::Pass);
    let img = image::open(&path).unwrap();
    assert_eq!((img.width(), img.height()), (640, 480));
}

/// `--snapshot` follows the same file rules as `--output`: a named pipe nobody reads is an
/// error at once (it used to block the webcam module until its deadline).
#[cfg(unix)]
#[test]
fn snapshot_to_a_pipe_without_reader_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("me.png");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !crate::support::require(made, "mkfifo") {
        return;
    }
    let started = std::time::Instant::now();
    let r = run_source(
        SequenceSource::new("Integrated Camera", one_face(10), 30.0),
        |p| p.snapshot = Some(fifo.clone()),
        &onvue(),
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_finding(&r, "webcam-snapshot-failed", Status::Warn);
    let err = r.facts.snapshot.as_ref().unwrap().error.as_ref().unwrap();
    assert!(err.contains("no program is reading"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Busy camera: a real process holding a file open.
// ---------------------------------------------------------------------------------------------

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `sleep` with `path` open as its standard input.
fn hold(path: &Path) -> Child {
    let child = Command::new("sleep")
        .arg("30")
        .stdin(std::fs::File::open(path).unwrap())
        .stdout(Stdio::null())
        .spawn()
        .expect("sleep");
    // Wait until the exec happened (comm becomes "sleep").
    let comm = format!("/proc/{}/comm", child.id());
    let until = Instant::now() + Duration::from_secs(5);
    while std::fs::read_to_string(&comm)
        .map(|s| s.trim() != "sleep")
        .unwrap_or(true)
        && Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    Child(child)
}

#[test]
fn busy_finder_names_the_process_holding_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let dev = dir.path().join("video0");
    std::fs::write(&dev, b"").unwrap();
    let child = hold(&dev);
    let pid = child.0.id();
    let holders = busy::holders_of_path(&dev);
    assert!(
        holders.iter().any(|h| h.pid == pid && h.name == "sleep"),
        "{holders:?}"
    );
    // Nobody holds another file.
    let other = dir.path().join("video1");
    std::fs::write(&other, b"").unwrap();
    assert!(busy::holders_of_path(&other).is_empty());

    // The whole path: a camera that reports busy, with its device file held.
    let mut src = SequenceSource::new("USB Camera", one_face(2), 30.0);
    src.cameras[0].device = Some(dev.display().to_string());
    src.open_error = Some("Could not open device stream: Device or resource busy".into());
    let r = run_source(src, |_| {}, &onvue());
    assert_finding(&r, "webcam-busy", Status::Fail);
    let f = r
        .judgement
        .findings
        .iter()
        .find(|f| f.code == "webcam-busy")
        .unwrap();
    assert!(
        f.message.contains(&format!("pid {pid}")) && f.message.contains("sleep"),
        "{}",
        f.message
    );
    drop(child);
}

// ---------------------------------------------------------------------------------------------
// The real binary on this machine.
// ---------------------------------------------------------------------------------------------

fn has_video_devices() -> bool {
    std::fs::read_dir("/dev").is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("video"))
    })
}

fn report(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn webcam_check(v: &serde_json::Value) -> &serde_json::Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "webcam")
        .expect("webcam check in the report")
}

#[test]
fn no_camera_is_reported_with_a_remedy_and_the_report_is_complete() {
    if cfg!(not(target_os = "linux")) || has_video_devices() {
        return skip_or_fail("this machine has video devices; the no-camera path needs none");
    }
    let started = Instant::now();
    let out = output_within(
        examready().args(["--json", "--quick"]).env("NO_COLOR", "1"),
        Duration::from_secs(120),
    );
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "not ready without a camera");
    let v = report(&out);
    assert_eq!(v["verdict"], "not-ready");
    // Every registered module is in the report, none timed out or crashed.
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for c in examready::check::REGISTRY {
        assert!(ids.contains(&c.id()), "{} missing from {ids:?}", c.id());
    }
    for c in v["checks"].as_array().unwrap() {
        assert!(
            c["status"] != "timeout" && c["status"] != "crash",
            "{}: {}",
            c["id"],
            c["status"]
        );
    }
    let w = webcam_check(&v);
    assert_eq!(w["status"], "fail");
    assert_eq!(w["summary"], "no camera found");
    assert_eq!(w["facts"]["cameras"], serde_json::json!([]));
    let f = &w["findings"][0];
    assert_eq!(f["code"], "webcam-none");
    assert!(f["remedy"].as_str().unwrap().contains("/dev/video"));
    // Within the module's deadline (40 s in the OnVUE profile), in fact at once.
    assert!(w["duration_ms"].as_u64().unwrap() < 40_000);
    assert!(elapsed < Duration::from_secs(120));

    // The flags reach the module; no snapshot without a frame.
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("me.png");
    let out = output_within(
        examready()
            .args([
                "--json",
                "--only",
                "webcam",
                "--camera",
                "Brio",
                "--snapshot",
            ])
            .arg(&shot),
        Duration::from_secs(60),
    );
    let v = report(&out);
    let w = webcam_check(&v);
    assert_eq!(w["facts"]["requested_camera"], "Brio");
    assert_eq!(w["findings"][0]["code"], "webcam-none");
    assert!(!shot.exists());
}

#[test]
fn listed_but_unusable_cameras_fail_in_a_private_dev() {
    if cfg!(not(target_os = "linux")) {
        return skip_or_fail("fake video devices need Linux mount namespaces");
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/fakecam.sh");
    let probe = Command::new(&script).args(["1", "true"]).output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return skip_or_fail(&format!(
                "scripts/fakecam.sh cannot make a private /dev (needs root or user namespaces): {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        Err(e) => return skip_or_fail(&format!("cannot run scripts/fakecam.sh: {e}")),
    }
    let mut cmd = examready();
    cmd.args(["--json", "--only", "webcam", "--snapshot"])
        .arg(std::env::temp_dir().join(format!("examready-fakecam-{}.png", std::process::id())))
        .env("NO_COLOR", "1");
    let out = cmd
        .through([script.as_os_str(), "2".as_ref()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = report(&out);
    let w = webcam_check(&v);
    assert_eq!(w["status"], "fail", "{w:#}");
    assert_eq!(w["facts"]["cameras"].as_array().unwrap().len(), 2, "{w:#}");
    assert_eq!(w["facts"]["chosen"], "/dev/video0");
    assert_eq!(w["facts"]["capture"]["frames"], 0);
    assert_eq!(w["facts"]["busy"]["method"], "open-file");
    let codes: Vec<&str> = w["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["webcam-no-frame"], "{w:#}");
    assert!(!codes.contains(&"webcam-capture"));
}

// ---------------------------------------------------------------------------------------------
// Recording the report fixture (scripts/record-fixture.sh runs this).
// ---------------------------------------------------------------------------------------------

/// Not a test: records the webcam facts of `tests/fixtures/recorded-report.json` through the
/// probe's own pipeline (`capture::run` with the onvue profile's capture length, resolution and
/// ladder, rustface on), playing the three-faces crop of the photo as a 30 fps camera, and saves
/// the snapshot to `tests/fixtures/recorded-webcam.png` (the path is stored relative to the
/// package root, as `--snapshot tests/fixtures/recorded-webcam.png` run there would store it).
/// Writes `{"duration_ms": N, "facts": {...}}` to `$EXAMREADY_RECORD_WEBCAM`.
#[test]
#[ignore = "records the report fixture: run by scripts/record-fixture.sh"]
fn record_fixture_webcam_facts() {
    let Ok(out) = std::env::var("EXAMREADY_RECORD_WEBCAM") else {
        panic!("set EXAMREADY_RECORD_WEBCAM to the file to write the facts to");
    };
    let profile = onvue();
    let req = profile.file.webcam.clone();
    let snapshot = PathBuf::from("tests/fixtures/recorded-webcam.png");
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(&snapshot)
            == std::env::current_dir().unwrap().join(&snapshot),
        "run from the package root"
    );
    let started = Instant::now();
    // The probe's plan under onvue, as `Webcam::probe` makes it.
    let r = run_source(
        SequenceSource::new("Integrated Camera", three_faces(12), 30.0),
        |plan| {
            plan.capture_resolution = req.min_resolution.unwrap_or(webcam::DEFAULT_CAPTURE);
            plan.capture = Duration::from_secs_f64(
                req.capture_seconds
                    .map_or(webcam::DEFAULT_CAPTURE_SECONDS, |s| s.0),
            );
            plan.ladder = req
                .resolution_ladder
                .clone()
                .unwrap_or_else(|| webcam::DEFAULT_LADDER.to_vec());
            plan.snapshot = Some(snapshot);
        },
        &profile,
    );
    let duration_ms = started.elapsed().as_millis() as u64;
    assert_finding(&r, "webcam-snapshot", Status::Pass);
    let facts = r.facts;
    let v = serde_json::json!({"duration_ms": duration_ms, "facts": facts});
    std::fs::write(&out, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}
