//! Starting a run from the page (`POST /start`, or the watch) and publishing its events and
//! its finished report.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::{App, RunState, Shared, changes, devices};
use crate::model::Report;
use crate::profile::Profile;
use crate::runner::Event;

/// POST /start (`profile=ID`, form-encoded): start a run unless one is running.
pub(super) async fn start(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let wanted = form_value(&String::from_utf8_lossy(&body), "profile").unwrap_or_default();
    let Some(profile) = app.profile(&wanted) else {
        return (StatusCode::BAD_REQUEST, "unknown profile").into_response();
    };
    if !begin(&app, profile) {
        return (StatusCode::CONFLICT, "a check is already running").into_response();
    }
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        (StatusCode::ACCEPTED, "{\"started\":true}").into_response()
    } else {
        Redirect::to("/").into_response()
    }
}

impl Shared {
    /// The offered profile with this id.
    pub(super) fn profile(&self, id: &str) -> Option<Arc<Profile>> {
        self.cfg.profiles.iter().find(|p| p.id == id).cloned()
    }
}

/// Start a run of `profile` unless one is running (then false).
pub(super) fn begin(app: &App, profile: Arc<Profile>) -> bool {
    {
        let mut run = app.lock();
        if run.running {
            return false;
        }
        *run = RunState {
            running: true,
            ..RunState::default()
        };
    }
    app.publish(json!({"type": "reset", "profile": profile.name()}));
    tokio::spawn(run_checks(app.clone(), profile));
    true
}

/// The value of `key` in a form-encoded body (`a=1&profile=my%20exam`), decoded.
pub(super) fn form_value(body: &str, key: &str) -> Option<String> {
    let raw = body.split('&').find_map(|kv| {
        kv.split_once('=')
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v)
    })?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn now_ms() -> u64 {
    jiff::Timestamp::now().as_millisecond().max(0) as u64
}

/// The runner's events as the page reads them.
fn event_json(ev: &Event) -> serde_json::Value {
    match ev {
        Event::Started { id, title } => {
            json!({"type": "started", "id": id, "title": title, "at": now_ms()})
        }
        Event::Progress { id, message } => {
            json!({"type": "progress", "id": id, "message": message})
        }
        Event::Finished { result } => json!({
            "type": "finished",
            "id": result.id,
            "status": result.status.as_str(),
            "summary": result.summary,
            "duration": crate::render::plain::duration(result.duration_ms),
        }),
    }
}

async fn run_checks(app: App, profile: Arc<Profile>) {
    // The page's camera, microphone and tone are released before any check opens them (a run
    // from Start or from the watch alike).
    devices::release_all(&app, "Paused while the check runs.").await;
    let started = jiff::Timestamp::now();
    let sink_app = app.clone();
    let sink: crate::runner::EventSink = Arc::new(move |ev| sink_app.publish(event_json(&ev)));
    let results = crate::runner::run(
        &app.cfg.checks,
        profile.clone(),
        Arc::new(app.cfg.options.clone()),
        sink,
    )
    .await;
    let mut report = Report::new(started, profile.reference(), results);
    report.exam = app.cfg.exam_at.as_deref().and_then(|t| {
        let check_in = profile.file.checklist.check_in_minutes.map(|m| m.0);
        crate::exam::plan(t, &jiff::tz::TimeZone::system(), started, check_in).ok()
    });
    report.checklist = profile.file.checklist.clean_items();
    let report = Arc::new(report.with_id());
    let (since, warning) = changes::compare_and_save(report.clone()).await;
    let tz = jiff::tz::TimeZone::system();
    let done = json!({
        "type": "done",
        "verdict": report.verdict.as_str(),
        "headline": crate::render::plain::headline(&report),
        "report_id": report.report_id,
        "warning": warning,
        "changes": {"count": since.count(), "summary": since.summary(&tz)},
    });
    {
        let mut run = app.lock();
        run.running = false;
        run.report = Some(report);
        run.changes = Some(since.html(&tz));
    }
    app.publish(done);
}
