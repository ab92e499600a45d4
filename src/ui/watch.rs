/*!
The watch toggle of `examready ui`: "Re-check every N minutes until check-in". `POST /watch`
(behind the same guard as every route: token cookie, `Host`, `Origin`) turns it on with the
exam's time, the interval and the profile, or off; the server then starts a run on the schedule
of [`crate::watch::Schedule`] (the same as `examready watch`) until check-in opens, and each run
ends with its "what changed since last time" ([`super::changes`]), which the page shows and
announces (its title, a live status line, and the browser's notification when allowed).
*/

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{App, form_value};
use crate::profile::Profile;
use crate::render::html::esc;
use crate::watch::Schedule;

/// The page's script for the toggle and the announcements.
pub(crate) const SCRIPT: &str = include_str!("watch.js");

/// The running watch, if any: one at a time, a new one replaces it.
#[derive(Default)]
pub(crate) struct Watching {
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Watching {
    fn replace(&self, new: Option<tokio::task::AbortHandle>) {
        let mut task = self.task.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = task.take() {
            old.abort();
        }
        *task = new;
    }
}

/// The watch controls, shown after the Start form (their script is in [`SCRIPT`]).
pub fn controls(exam_at: Option<&str>, min_every: Duration) -> String {
    let exam = exam_at
        .map(|t| t.trim().replace(' ', "T"))
        .unwrap_or_default();
    let min = min_every.as_secs_f64() / 60.0;
    format!(
        "<style>form.watch input {{ font: inherit; padding: .4rem; }} \
         form.watch input[type=checkbox] {{ width: 1.4rem; height: 1.4rem; vertical-align: middle; }} \
         form.watch {{ margin-top: 1rem; }} form.watch label[for=watch-toggle] {{ display: inline; }} \
         ul.changes {{ list-style: none; padding-left: 0; }} ul.changes li {{ margin: .3rem 0; }}</style>\n\
         <form id=\"watch\" class=\"start watch\" method=\"post\" action=\"/watch\">\n\
         <div><label for=\"exam-at\">Exam starts (your local time)</label>\
         <input type=\"datetime-local\" id=\"exam-at\" name=\"exam_at\" value=\"{}\"></div>\n\
         <div><label for=\"watch-every\">Minutes between checks</label>\
         <input type=\"number\" id=\"watch-every\" name=\"every\" min=\"{min}\" step=\"any\" value=\"10\"></div>\n\
         <div><input type=\"checkbox\" id=\"watch-toggle\" name=\"on\" value=\"1\"> \
         <label for=\"watch-toggle\">Re-check every <span id=\"watch-n\">10</span> minutes until check-in</label></div>\n\
         </form>\n<p id=\"watch-status\" role=\"status\" aria-live=\"polite\">Not re-checking.</p>\n",
        esc(&exam)
    )
}

fn answer(code: StatusCode, message: &str) -> Response {
    (
        code,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json!({"message": message}).to_string(),
    )
        .into_response()
}

/// POST /watch: `on=1&profile=ID&every=MINUTES&exam_at=YYYY-MM-DDTHH:MM` starts watching (the
/// first run at once), anything else (`on=0`) stops it.
pub(crate) async fn toggle(State(app): State<App>, body: Bytes) -> Response {
    let body = String::from_utf8_lossy(&body);
    let field = |k: &str| form_value(&body, k).unwrap_or_default();
    if field("on") != "1" {
        app.watching.replace(None);
        let message = "Not re-checking.";
        app.publish(json!({"type": "watch", "on": false, "message": message}));
        return answer(StatusCode::OK, message);
    }
    let Some(profile) = app.profile(&field("profile")) else {
        return answer(StatusCode::BAD_REQUEST, "unknown profile");
    };
    let every = field("every")
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|m| m.is_finite() && *m > 0.0 && *m <= 24.0 * 60.0)
        .map(|m| Duration::from_secs_f64(m * 60.0));
    let Some(every) = every.filter(|e| *e >= app.cfg.watch_min_every) else {
        return answer(
            StatusCode::BAD_REQUEST,
            &format!(
                "Give the minutes between checks: at least {}, at most a day.",
                humantime::format_duration(app.cfg.watch_min_every)
            ),
        );
    };
    let exam_at = Some(field("exam_at"))
        .filter(|t| !t.trim().is_empty())
        .or_else(|| app.cfg.exam_at.clone());
    let Some(exam_at) = exam_at else {
        return answer(
            StatusCode::BAD_REQUEST,
            "Give the exam's date and time first.",
        );
    };
    let minutes = profile.file.checklist.check_in_minutes.map(|m| m.0);
    let tz = jiff::tz::TimeZone::system();
    let plan = match crate::exam::plan(&exam_at, &tz, jiff::Timestamp::now(), minutes) {
        Ok(p) => p,
        Err(e) => return answer(StatusCode::BAD_REQUEST, &format!("{e:#}")),
    };
    let schedule = Schedule {
        check_in: plan.check_in_at(),
        every,
        max_runs: None,
    };
    let handle = tokio::spawn(watch_loop(app.clone(), profile, schedule)).abort_handle();
    app.watching.replace(Some(handle));
    answer(StatusCode::ACCEPTED, "Re-checking until check-in.")
}

/// Run on the schedule until check-in; a run started by hand meanwhile counts as the due one.
async fn watch_loop(app: App, profile: Arc<Profile>, schedule: Schedule) {
    let tz = jiff::tz::TimeZone::system();
    let at = |t: jiff::Timestamp| {
        t.to_zoned_datetime(tz.clone())
            .strftime("%H:%M:%S")
            .to_string()
    };
    let mut done = 0u32;
    loop {
        let started = jiff::Timestamp::now();
        super::begin(&app, profile.clone());
        while app.lock().running {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        done += 1;
        let Some(next) = schedule.after(started, done) else {
            let message = if done == 1 {
                "Check-in is already open: checked once; start your exam's check-in now."
            } else {
                "Check-in is open: that was the last re-check; start your exam's check-in now."
            };
            app.publish(json!({"type": "watch", "on": false, "message": message}));
            return;
        };
        let message = format!(
            "Re-checking until check-in ({}): next run at {}{}.",
            at(schedule.check_in),
            at(next.at),
            if next.last { ", the last" } else { "" }
        );
        app.publish(json!({"type": "watch", "on": true, "message": message}));
        let wait = jiff::Timestamp::now().duration_until(next.at);
        if let Ok(wait) = Duration::try_from(wait) {
            tokio::time::sleep(wait).await;
        }
    }
}
