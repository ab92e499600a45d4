//! The devices on `examready ui`'s page in headless Chromium: the microphone meter on a private
//! PipeWire's virtual microphone (a tone played into it with sox moves the meter well above the
//! noise floor mark, and it falls back), the test tone (examready plays it; the virtual speaker
//! records it), the camera preview on recorded frames (MJPEG decoded as JPEG, frames arriving on
//! the page), every device released when a check starts or the page goes away, the real
//! no-camera path, and the refusals (401 without the token, 405 on GET).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::support;
use crate::ui::{Chromedriver, Ui, chromium as browser, screenshots};

/// Read `path` with the page's cookie for `patience`: the raw answer (headers and body).
fn read_stream(ui: &Ui, method: &str, path: &str, patience: Duration) -> Vec<u8> {
    let mut s = TcpStream::connect(&ui.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {}\r\n{}Content-Length: 0\r\nConnection: close\r\n\r\n",
        ui.addr,
        ui.cookie()
    )
    .unwrap();
    let until = Instant::now() + patience;
    let mut answer = Vec::new();
    let mut buf = [0u8; 65536];
    while Instant::now() < until {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    answer
}

/// The JPEG images of an MJPEG answer, by each part's Content-Length.
fn jpeg_parts(answer: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = answer;
    while let Some(at) = rest
        .windows(16)
        .position(|w| w.eq_ignore_ascii_case(b"content-length: "))
    {
        let after = &rest[at + 16..];
        let Some(eol) = after.windows(2).position(|w| w == b"\r\n") else {
            break;
        };
        let len: usize = std::str::from_utf8(&after[..eol]).unwrap().parse().unwrap();
        let Some(body) = after.windows(4).position(|w| w == b"\r\n\r\n") else {
            break;
        };
        let start = body + 4;
        if after.len() < start + len {
            break;
        }
        parts.push(&after[start..start + len]);
        rest = &after[start + len..];
    }
    parts
}

/// The JSON messages of a Server-Sent Events answer.
fn sse_messages(answer: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(answer)
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn have_browser() -> bool {
    support::require(
        support::have("chromium") && support::have("chromedriver"),
        "chromium and chromedriver (scripts/install-deps.sh test installs them)",
    )
}

async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn wait_css(c: &Client, css: &str, secs: u64) {
    c.wait()
        .at_most(Duration::from_secs(secs))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} within {secs} s: {e}"));
}

async fn text(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id)).await.unwrap().text().await.unwrap()
}

async fn shot(c: &Client, name: &str, show: &str) {
    c.execute(
        &format!("document.getElementById('{show}').scrollIntoView();"),
        vec![],
    )
    .await
    .unwrap();
    let path = screenshots().join(name);
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    eprintln!("screenshot: {}", path.display());
}

#[test]
fn without_the_token_no_device_opens_get_is_refused_and_no_camera_is_said_plainly() {
    let ui = Ui::start(&["--only", "webcam"]);
    let host = ui.addr.clone();
    let cookie = ui.cookie();
    let quick = Duration::from_secs(5);
    for req in [
        "POST /camera/start",
        "POST /camera/stop",
        "GET /camera/stream",
        "POST /meter/start",
        "POST /tone",
        "GET /devices/events",
    ] {
        let (status, text) = ui.http(req, &host, "", quick);
        assert_eq!(status, 401, "{req}: {text}");
        let (status, text) = ui.http(req, &host, "Cookie: examready-1=nope\r\n", quick);
        assert_eq!(status, 401, "{req} with another cookie: {text}");
    }
    for req in ["GET /camera/start", "GET /meter/start", "GET /tone"] {
        let (status, text) = ui.http(req, &host, &cookie, quick);
        assert_eq!(status, 405, "{req}: {text}");
    }
    // Another site's page posting with the candidate's cookie.
    let extra = format!("{cookie}Origin: http://attacker.example\r\n");
    assert_eq!(ui.http("POST /camera/start", &host, &extra, quick).0, 403);
    // Nothing was opened: the devices have no state to tell.
    let events = read_stream(&ui, "GET", "/devices/events", Duration::from_secs(1));
    let said = sse_messages(&events);
    assert!(
        String::from_utf8_lossy(&events).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&events)
    );
    assert!(said.is_empty(), "a device was opened: {said:?}");
    // This machine has no camera: the preview says so.
    if cfg!(not(target_os = "linux"))
        || std::fs::read_dir("/dev")
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("video"))
    {
        return support::skip_or_fail("this machine has a camera; the no-camera path needs none");
    }
    let (status, text) = ui.http("POST /camera/start", &host, &cookie, quick);
    assert_eq!(status, 202, "{text}");
    let events = read_stream(&ui, "GET", "/devices/events", Duration::from_secs(3));
    let camera: Vec<Value> = sse_messages(&events)
        .into_iter()
        .filter(|m| m["type"] == "camera")
        .collect();
    let last = camera.last().expect("the camera's state");
    eprintln!("no camera: {last}");
    assert_eq!(last["state"], "none", "{camera:?}");
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .starts_with("No camera found"),
        "{last}"
    );
}

/// Eight frames panning over the recorded webcam picture (so consecutive frames differ).
fn recorded_frames(dir: &Path) {
    let img = image::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/recorded-webcam.png"
    ))
    .unwrap()
    .to_rgb8();
    for i in 0..8u32 {
        let crop = image::imageops::crop_imm(&img, i * 6, i * 4, 560, 420).to_image();
        let frame = image::imageops::resize(&crop, 640, 480, image::imageops::FilterType::Triangle);
        frame.save(dir.join(format!("frame-{i:02}.png"))).unwrap();
    }
}

/// The Rec.709 luma of the recorded frames, averaged (they differ only by a few pixels' pan).
fn mean_luma(dir: &Path) -> f64 {
    let mut sum = 0.0;
    let mut n = 0.0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let img = image::open(e.path()).unwrap().to_rgb8();
        for p in img.pixels() {
            sum += 0.2126 * p[0] as f64 + 0.7152 * p[1] as f64 + 0.0722 * p[2] as f64;
            n += 1.0;
        }
    }
    sum / n
}

/// Counts the distinct pictures the <img> shows, drawing it on a small canvas every animation
/// frame, for `arguments[0]` ms; returns [distinct, ms, naturalWidth, naturalHeight].
const COUNT_PICTURES: &str = r#"
var ms = arguments[0], done = arguments[arguments.length - 1];
var img = document.getElementById('camera-preview');
var cv = document.createElement('canvas'); cv.width = 64; cv.height = 48;
var cx = cv.getContext('2d'), last = null, distinct = 0, t0 = performance.now();
function step() {
  try { cx.drawImage(img, 0, 0, 64, 48); } catch (e) { return done(['draw failed: ' + e]); }
  var d = cx.getImageData(0, 0, 64, 48).data, h = 0;
  for (var i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) | 0;
  if (h !== last) { distinct++; last = h; }
  if (performance.now() - t0 < ms) requestAnimationFrame(step);
  else done([distinct, performance.now() - t0, img.naturalWidth, img.naturalHeight]);
}
requestAnimationFrame(step);
"#;

const FETCH_REPORT: &str = r#"
var done = arguments[arguments.length - 1];
fetch('/report.json', {credentials: 'same-origin'}).then(function (r) { return r.text(); })
  .then(done, function (e) { done('fetch failed: ' + e); });
"#;

#[test]
fn the_camera_preview_plays_recorded_frames_and_is_released_before_the_check() {
    if !have_browser() {
        return;
    }
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let frames = dir.path().join("webcam-frames");
    std::fs::create_dir(&frames).unwrap();
    recorded_frames(&frames);
    let ui = Ui::start(&[
        "--only",
        "webcam",
        "--quick",
        "--camera-frames",
        frames.to_str().unwrap(),
    ]);
    // Over plain HTTP first: the stream is MJPEG whose parts decode as 640x480 JPEG.
    let (status, answer) = ui.http(
        "POST /camera/start",
        &ui.addr,
        &ui.cookie(),
        Duration::from_secs(5),
    );
    assert_eq!(status, 202, "{answer}");
    let t0 = Instant::now();
    let answer = read_stream(&ui, "GET", "/camera/stream", Duration::from_secs(3));
    let seconds = t0.elapsed().as_secs_f64();
    let head = String::from_utf8_lossy(&answer[..answer.len().min(400)]).to_string();
    assert!(
        head.contains("multipart/x-mixed-replace; boundary=examready-frame"),
        "{head}"
    );
    let parts = jpeg_parts(&answer);
    for p in &parts {
        assert_eq!(&p[..2], &[0xFF, 0xD8], "a JPEG starts with SOI");
        let img = image::load_from_memory_with_format(p, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (640, 480));
    }
    eprintln!(
        "camera preview over HTTP: {} frames in {seconds:.1} s = {:.1} frames/s (recorded frames paced at 30/s)",
        parts.len(),
        parts.len() as f64 / seconds
    );
    assert!(
        parts.len() >= 5,
        "{} frames: {:?}; the devices said: {:?}",
        parts.len(),
        String::from_utf8_lossy(&answer[..answer.len().min(600)]),
        sse_messages(&read_stream(
            &ui,
            "GET",
            "/devices/events",
            Duration::from_millis(500)
        ))
    );
    // The stream went away: the preview is released by itself.
    let (status, _) = ui.http(
        "POST /camera/stop",
        &ui.addr,
        &ui.cookie(),
        Duration::from_secs(5),
    );
    assert_eq!(status, 204);

    let driver = Chromedriver::start();
    let profile = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    rt().block_on(async {
        let c = browser(driver.port, profile.path()).await;
        c.goto(&ui.url).await.unwrap();
        click(&c, "camera-toggle").await;
        wait_css(&c, "#camera-box[data-state=\"on\"]", 20).await;
        let status = text(&c, "camera-status").await;
        assert!(status.contains("Recorded frames (webcam-frames)"), "{status}");
        let counted = c
            .execute_async(COUNT_PICTURES, vec![serde_json::json!(2000)])
            .await
            .unwrap();
        let distinct = counted[0].as_f64().unwrap_or_else(|| panic!("{counted}"));
        let ms = counted[1].as_f64().unwrap();
        eprintln!(
            "camera preview on the page: {distinct} distinct pictures in {ms:.0} ms = {:.1} frames/s",
            distinct * 1000.0 / ms
        );
        assert_eq!((counted[2].as_u64(), counted[3].as_u64()), (Some(640), Some(480)));
        assert!(distinct >= 3.0, "the picture does not change: {counted}");
        // The hints come from the frame analysis: the brightness it reads is the frames' own.
        wait_css(&c, "#camera-box[data-luma]", 10).await;
        let luma: f64 = c
            .find(Locator::Id("camera-box"))
            .await
            .unwrap()
            .attr("data-luma")
            .await
            .unwrap()
            .unwrap()
            .parse()
            .unwrap();
        let expected = mean_luma(&frames);
        eprintln!("preview brightness on the page {luma}, frames' mean luma {expected:.1}");
        assert!((luma - expected).abs() < 3.0, "{luma} vs {expected}");
        shot(&c, "ui-preview.png", "camera-box").await;
        // Start the check while the preview runs: the preview is released first, and the
        // webcam check opens the same recorded camera without finding it busy.
        click(&c, "start-button").await;
        wait_css(&c, "#camera-box[data-state=\"off\"]", 20).await;
        assert_eq!(text(&c, "camera-status").await, "Paused while the check runs.");
        let src = c
            .execute("return document.getElementById('camera-preview').getAttribute('src');", vec![])
            .await
            .unwrap();
        assert_eq!(src, Value::Null, "the preview's stream was dropped");
        wait_css(&c, "#result header.verdict h1", 90).await;
        let json = c.execute_async(FETCH_REPORT, vec![]).await.unwrap();
        let report: Value = serde_json::from_str(json.as_str().unwrap()).unwrap();
        let webcam = support::check(&report, "webcam");
        let capture = &webcam["facts"]["capture"];
        assert_eq!(webcam["facts"]["chosen"], "Recorded frames (webcam-frames)");
        assert_eq!(capture["error"], Value::Null, "{capture}");
        assert!(capture["frames"].as_u64().unwrap() > 5, "{capture}");
        assert!(
            support::findings(webcam, "webcam-busy").is_empty(),
            "{webcam}"
        );
        // After the check the preview can start again.
        click(&c, "camera-toggle").await;
        wait_css(&c, "#camera-box[data-state=\"on\"]", 20).await;
        c.close().await.unwrap();
    });
}

#[cfg(unix)]
mod audio {
    use super::*;
    use crate::support::sound_server::{self, Options, SoundServer};

    /// Every `aria-valuetext` the meter takes, with its time and the noise floor.
    const WATCH_METER: &str = r#"
    window.__meter = [];
    var m = document.getElementById('meter');
    new MutationObserver(function () {
      window.__meter.push([performance.now(), Number(m.getAttribute('aria-valuenow')), m.getAttribute('data-floor')]);
    }).observe(m, {attributes: true, attributeFilter: ['aria-valuetext']});
    "#;

    fn recording_streams(server: &SoundServer) -> usize {
        server
            .pactl(&["list", "short", "source-outputs"])
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count()
    }

    #[test]
    fn the_meter_moves_with_a_tone_above_the_noise_floor_and_the_test_tone_plays() {
        if !have_browser() {
            return;
        }
        let Some(server) = sound_server::start_or_skip(&Options::default()) else {
            return;
        };
        // The room: white noise at -50 dBFS RMS (uniform on [-a, a]: RMS a/sqrt(3)) for the
        // whole test; the voice: a 440 Hz tone at -20 dBFS RMS for 2 s.
        let a = 10f64.powf(-50.0 / 20.0) * 3f64.sqrt();
        let room = sound_server::sox(
            server.dir.path(),
            "room.wav",
            &["synth", "25", "whitenoise", "vol", &format!("{a:.6}")],
        );
        let tone = sound_server::sox(
            server.dir.path(),
            "tone.wav",
            &["synth", "2", "sine", "440", "vol", "0.1414"],
        );
        let ui = Ui::start_in(
            &["--only", "microphone", "--quick", "--mic", "VirtualMic"],
            |c| sound_server::apply_env(c, server.env()),
        );
        let _room = server.play(&room);
        let driver = Chromedriver::start();
        let profile = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        rt().block_on(async {
            let c = browser(driver.port, profile.path()).await;
            c.goto(&ui.url).await.unwrap();
            // The virtual microphone's own stream (it is remapped from the speaker's monitor).
            let idle = recording_streams(&server);
            c.execute(WATCH_METER, vec![]).await.unwrap();
            // By keyboard: focus the button, press Enter.
            c.execute("document.getElementById('meter-toggle').focus();", vec![])
                .await
                .unwrap();
            {
                use fantoccini::actions::{InputSource, KeyAction, KeyActions};
                let enter = KeyActions::new("keyboard".into())
                    .then(KeyAction::Down { value: '\u{e007}' })
                    .then(KeyAction::Up { value: '\u{e007}' });
                c.perform_actions(enter).await.unwrap();
            }
            wait_css(&c, "#meter-box[data-state=\"on\"]", 20).await;
            assert_eq!(recording_streams(&server), idle + 1, "the meter records");
            let status = text(&c, "meter-status").await;
            assert!(status.contains("VirtualMic"), "{status}");
            let limits = text(&c, "meter-limits").await;
            assert!(limits.contains("-60 dBFS") && limits.contains("-40 dBFS"), "{limits}");
            // Let the noise floor settle (it is shown after 1 s).
            tokio::time::sleep(Duration::from_secs(3)).await;
            let before: Value = c.execute("return window.__meter.length;", vec![]).await.unwrap();
            let player = server.play(&tone);
            tokio::time::sleep(Duration::from_millis(800)).await;
            shot(&c, "ui-meter.png", "meter-box").await;
            let during = text(&c, "meter-text").await;
            drop(player);
            tokio::time::sleep(Duration::from_secs(2)).await;
            let after = text(&c, "meter-text").await;
            eprintln!("meter before the tone: {} updates; during: {during:?}; after: {after:?}", before);
            let seen = c.execute("return window.__meter;", vec![]).await.unwrap();
            let seen: Vec<(f64, f64, Option<f64>)> = seen
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r[0].as_f64().unwrap(),
                        r[1].as_f64().unwrap(),
                        r[2].as_str().and_then(|f| f.parse().ok()),
                    )
                })
                .collect();
            let span = (seen.last().unwrap().0 - seen[0].0) / 1000.0;
            eprintln!(
                "meter: {} updates seen by the page in {span:.1} s = {:.1} updates/s",
                seen.len(),
                (seen.len() - 1) as f64 / span
            );
            assert!(seen.len() >= 40, "{} updates", seen.len());
            let floor = seen.iter().rev().find_map(|s| s.2).expect("a noise floor");
            let loudest = seen.iter().map(|s| s.1).fold(f64::MIN, f64::max);
            let last = seen.last().unwrap().1;
            eprintln!("noise floor {floor} dBFS, loudest {loudest} dBFS, last {last} dBFS");
            assert!((floor + 50.0).abs() <= 4.0, "the room's floor: {floor}");
            assert!((loudest + 20.0).abs() <= 2.0, "the tone: {loudest}");
            assert!(loudest >= floor + 25.0, "{loudest} vs floor {floor}");
            assert!(last <= floor + 8.0, "the level falls back after the tone: {last}");
            // The floor mark is drawn where the floor is.
            let mark = c
                .execute(
                    "var f = document.getElementById('meter-floor'); return [f.hidden, f.style.left];",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(mark[0], false, "{mark}");
            let left: f64 = mark[1].as_str().unwrap().trim_end_matches('%').parse().unwrap();
            assert!((left - (floor + 90.0) / 90.0 * 100.0).abs() < 0.5, "{mark} / {floor}");
            // The test tone: examready plays it on the speaker the check uses.
            let heard = server.dir.path().join("heard.wav");
            let rec = server.record_speaker(&heard);
            click(&c, "tone-button").await;
            wait_css(&c, "#speaker-box[data-state=\"done\"]", 20).await;
            rec.stop();
            let (_, _, samples) = sound_server::read_wav_i16(&heard);
            let peak = samples.iter().fold(0f32, |m, v| m.max(v.abs())) as f64;
            let peak_dbfs = 20.0 * peak.log10();
            eprintln!("test tone on the virtual speaker: peak {peak_dbfs:.1} dBFS");
            assert!((peak_dbfs + 12.0).abs() <= 1.0, "{peak_dbfs}");
            assert!(text(&c, "tone-status").await.contains("VirtualSpeaker"));
            // A check starts: the meter is released first.
            click(&c, "start-button").await;
            wait_css(&c, "#meter-box[data-state=\"off\"]", 20).await;
            assert_eq!(text(&c, "meter-status").await, "Paused while the check runs.");
            wait_css(&c, "#result header.verdict h1", 90).await;
            // The meter again, then the page goes away: the microphone is released.
            click(&c, "meter-toggle").await;
            wait_css(&c, "#meter-box[data-state=\"on\"]", 20).await;
            assert_eq!(recording_streams(&server), idle + 1);
            c.goto("about:blank").await.unwrap();
            let until = Instant::now() + Duration::from_secs(15);
            while recording_streams(&server) > idle {
                assert!(Instant::now() < until, "the meter still records after the page left");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            c.close().await.unwrap();
        });
    }
}
