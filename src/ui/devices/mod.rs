/*!
The devices on the candidate's page: a live camera preview, a live microphone level meter and a
test tone, so the candidate can fix the light, the framing and the microphone while looking and
listening, before the check. Each device is opened only when the page asks by POST
(`/camera/start`, `/meter/start`, `/tone`), behind the same guard as every other route, and
released when the page stops it, when the page goes away (its streams close), and before a check
starts (so the webcam and microphone checks never find them busy because of the page).

Each device runs on its own thread ([`Slot`]): the camera (`camera.rs`) sends JPEG frames to
`GET /camera/stream` (MJPEG, `multipart/x-mixed-replace`) and its state and hints, the meter
(`meter.rs`) 20 readings a second, and the tone (`tone.rs`) its state, all as JSON on one
Server-Sent Events stream, `GET /devices/events`.
*/

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use serde_json::json;
use tokio::sync::{broadcast, watch};

use super::App;
use crate::profile::Profile;

mod camera;
mod markup;
mod meter;
mod tone;

pub use markup::{CSS, section};

/// The page's script for this section.
pub const SCRIPT: &str = include_str!("../devices.js");

/// A device released by nobody is released anyway this long after it was opened, when no page
/// has come to watch or hear it.
const UNWATCHED: Duration = Duration::from_secs(10);

/// One device's worker thread and its stop flag.
#[derive(Default)]
pub(crate) struct Slot(Mutex<Option<(Arc<AtomicBool>, JoinHandle<()>)>>);

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Arc<AtomicBool>, JoinHandle<()>)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Start `work` on its own thread unless it runs already; whether it started.
    fn start(&self, name: &str, work: impl FnOnce(Arc<AtomicBool>) + Send + 'static) -> bool {
        let mut slot = self.lock();
        if slot.as_ref().is_some_and(|(_, h)| !h.is_finished()) {
            return false;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        match std::thread::Builder::new()
            .name(name.into())
            .spawn(move || work(flag))
        {
            Ok(h) => {
                *slot = Some((stop, h));
                true
            }
            Err(_) => false,
        }
    }

    /// Whether its worker is still at work.
    fn running(&self) -> bool {
        self.lock().as_ref().is_some_and(|(_, h)| !h.is_finished())
    }

    /// Ask the worker to stop and wait until it has released its device.
    async fn stop(&self) {
        let taken = self.lock().take();
        if let Some((stop, handle)) = taken {
            stop.store(true, Ordering::SeqCst);
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

/// Who is watching or listening: a device whose watchers have all gone is released.
#[derive(Default)]
pub(crate) struct Watchers(AtomicUsize);

/// Counts one watcher while it lives.
struct Watching(Arc<super::Shared>, fn(&super::Shared) -> &Watchers);

impl Watching {
    fn new(app: &App, which: fn(&super::Shared) -> &Watchers) -> Watching {
        which(app).0.fetch_add(1, Ordering::SeqCst);
        Watching(app.clone(), which)
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        (self.1)(&self.0).0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Tells a device's worker when nobody is left: after at least one watcher came and went, or
/// when none came within [`UNWATCHED`].
pub(crate) struct Lease<'a> {
    watchers: &'a Watchers,
    opened: Instant,
    seen: bool,
}

impl Lease<'_> {
    fn new(watchers: &Watchers) -> Lease<'_> {
        Lease {
            watchers,
            opened: Instant::now(),
            seen: false,
        }
    }

    fn abandoned(&mut self) -> bool {
        if self.watchers.0.load(Ordering::SeqCst) > 0 {
            self.seen = true;
            return false;
        }
        self.seen || self.opened.elapsed() >= UNWATCHED
    }
}

/// The devices' state, part of the server's shared state.
pub(crate) struct Devices {
    camera: Slot,
    meter: Slot,
    tone: Slot,
    /// Open `/devices/events` streams (the meter's listeners) and `/camera/stream`s.
    listeners: Watchers,
    viewers: Watchers,
    /// Device messages for the page (JSON).
    tx: broadcast::Sender<String>,
    /// The last state message of each device, replayed to a page that connects.
    states: Mutex<[Option<String>; 3]>,
    /// The latest JPEG frame of the preview (`None`: the camera is off).
    frames: watch::Sender<Option<Bytes>>,
}

impl Default for Devices {
    fn default() -> Devices {
        Devices {
            camera: Slot::default(),
            meter: Slot::default(),
            tone: Slot::default(),
            listeners: Watchers::default(),
            viewers: Watchers::default(),
            tx: broadcast::channel(256).0,
            states: Mutex::default(),
            frames: watch::channel(None).0,
        }
    }
}

/// What a device worker needs: where to say things and where to send frames.
#[derive(Clone)]
pub(crate) struct Outlet(App);

impl Outlet {
    fn devices(&self) -> &Devices {
        &self.0.devices
    }

    /// A state message (`{"type": "camera" | "meter" | "tone", "state": ...}`): sent, and kept
    /// for pages that connect later.
    fn state(&self, value: serde_json::Value) {
        let slot = match value["type"].as_str() {
            Some("camera") => 0,
            Some("meter") => 1,
            _ => 2,
        };
        let text = value.to_string();
        self.devices()
            .states
            .lock()
            .unwrap_or_else(|p| p.into_inner())[slot] = Some(text.clone());
        let _ = self.devices().tx.send(text);
    }

    /// A passing message (a level reading, camera hints).
    fn send(&self, value: serde_json::Value) {
        let _ = self.devices().tx.send(value.to_string());
    }

    fn frame(&self, jpeg: Option<Bytes>) {
        let _ = self.devices().frames.send(jpeg);
    }
}

/// The routes of this section (behind the guard with every other route).
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/camera/start", post(camera_start))
        .route("/camera/stop", post(camera_stop))
        .route("/camera/stream", get(camera_stream))
        .route("/meter/start", post(meter_start))
        .route("/meter/stop", post(meter_stop))
        .route("/tone", post(tone_play))
        .route("/devices/events", get(device_events))
}

/// Release every device and wait until each is released: before a check starts.
pub(crate) async fn release_all(app: &App, reason: &str) {
    let d = &app.devices;
    let was = [d.camera.running(), d.meter.running()];
    d.camera.stop().await;
    d.meter.stop().await;
    d.tone.stop().await;
    let out = Outlet(app.clone());
    if was[0] {
        out.state(json!({"type": "camera", "state": "off", "message": reason}));
    }
    if was[1] {
        out.state(json!({"type": "meter", "state": "off", "message": reason}));
    }
}

/// The profile the page names in a POST body (`profile=ID`), else the preselected one.
fn profile_of(app: &App, body: &Bytes) -> Arc<Profile> {
    let wanted = super::form_value(&String::from_utf8_lossy(body), "profile").unwrap_or_default();
    app.cfg
        .profiles
        .iter()
        .find(|p| p.id == wanted)
        .or(app.cfg.profiles.first())
        .cloned()
        .expect("at least one profile")
}

fn busy_with_check(app: &App) -> Option<Response> {
    app.lock().running.then(|| {
        (
            StatusCode::CONFLICT,
            "a check is running: the devices are its own until it ends",
        )
            .into_response()
    })
}

fn started(ok: bool) -> Response {
    if ok {
        (StatusCode::ACCEPTED, "{\"started\":true}").into_response()
    } else {
        (StatusCode::CONFLICT, "{\"started\":false}").into_response()
    }
}

async fn camera_start(State(app): State<App>, body: Bytes) -> Response {
    if let Some(r) = busy_with_check(&app) {
        return r;
    }
    let req = profile_of(&app, &body).file.webcam.clone();
    let plan = camera::Plan {
        wanted: app.cfg.options.camera.clone(),
        frames: app.cfg.options.camera_frames.clone(),
        req,
    };
    let out = Outlet(app.clone());
    started(
        app.devices
            .camera
            .start("camera preview", move |stop| camera::run(plan, out, stop)),
    )
}

async fn camera_stop(State(app): State<App>) -> Response {
    app.devices.camera.stop().await;
    StatusCode::NO_CONTENT.into_response()
}

/// GET /camera/stream: the preview as MJPEG, until the camera stops or the page goes away.
async fn camera_stream(State(app): State<App>) -> Response {
    let rx = app.devices.frames.subscribe();
    let watching = Watching::new(&app, |s| &s.devices.viewers);
    let first =
        futures_util::stream::once(async { Ok::<Bytes, Infallible>(camera::mjpeg_start()) });
    // The frame there is now (if any), then each new one; the camera's `None` ends the stream.
    let frames =
        futures_util::stream::unfold((rx, watching, true), |(mut rx, w, mut first)| async move {
            loop {
                if !first && rx.changed().await.is_err() {
                    return None;
                }
                let jpeg = rx.borrow_and_update().clone();
                match jpeg {
                    Some(j) => return Some((Ok(camera::mjpeg_part(&j)), (rx, w, false))),
                    // Still opening: wait for its first frame.
                    None if first => first = false,
                    None => return None,
                }
            }
        });
    (
        [(
            header::CONTENT_TYPE,
            format!("multipart/x-mixed-replace; boundary={}", camera::BOUNDARY),
        )],
        Body::from_stream(futures_util::StreamExt::chain(first, frames)),
    )
        .into_response()
}

async fn meter_start(State(app): State<App>, body: Bytes) -> Response {
    if let Some(r) = busy_with_check(&app) {
        return r;
    }
    let req = profile_of(&app, &body).file.microphone.clone();
    let mic = app.cfg.options.mic.clone();
    let out = Outlet(app.clone());
    started(app.devices.meter.start("microphone meter", move |stop| {
        meter::run(mic, req, out, stop)
    }))
}

async fn meter_stop(State(app): State<App>) -> Response {
    app.devices.meter.stop().await;
    StatusCode::NO_CONTENT.into_response()
}

async fn tone_play(State(app): State<App>) -> Response {
    if let Some(r) = busy_with_check(&app) {
        return r;
    }
    let out = Outlet(app.clone());
    started(
        app.devices
            .tone
            .start("test tone", move |stop| tone::run(out, stop)),
    )
}

/// GET /devices/events: each device's current state, then every message as it comes.
async fn device_events(
    State(app): State<App>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let (backlog, rx) = {
        let states = app.devices.states.lock().unwrap_or_else(|p| p.into_inner());
        let backlog: Vec<String> = states.iter().flatten().cloned().collect();
        (backlog, app.devices.tx.subscribe())
    };
    let watching = Watching::new(&app, |s| &s.devices.listeners);
    super::replay_then_live(backlog, rx, watching)
}
