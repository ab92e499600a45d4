/*!
"Send to my institution" on the page of `examready ui`: offered under each finished run only
when the page was started with `--submit URL --candidate TEXT` (and a token). `POST /send`
(behind the same guard as every route: token cookie, `Host`, `Origin`) sends the last finished
run, already saved in the history, with [`crate::submit::send`], and answers with the sentence
the page shows: sent (stored or already there), or why not and how to send it again.
*/

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::App;
use crate::render::html::esc;
use crate::submit::{self, Target};

/// The page's script: the form comes with each result, so the listener is on the document.
pub(crate) const SCRIPT: &str = r#"
(function () {
  // "Send to my institution" (src/ui/send.rs).
  document.addEventListener('submit', function (e) {
    if (!e.target || e.target.id !== 'send') return;
    e.preventDefault();
    var button = document.getElementById('send-button'), status = document.getElementById('send-status');
    button.disabled = true; status.textContent = 'Sending…';
    fetch('/send', {method: 'POST', credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) {
        return r.json().then(function (a) { status.textContent = a.message; button.disabled = !!a.sent; });
      }, function () { button.disabled = false; status.textContent = 'Lost the connection to examready; is it still running?'; });
  });
})();
"#;

/// The control under a finished run, or nothing when sending is not set up.
pub fn control(target: Option<&Target>) -> String {
    let Some(t) = target else {
        return String::new();
    };
    let host = t.base.host_str().unwrap_or_default();
    format!(
        "<form id=\"send\" class=\"start send\" method=\"post\" action=\"/send\">\
         <button type=\"submit\" id=\"send-button\">Send to my institution</button> \
         <span>to {} as <strong>{}</strong></span></form>\n\
         <p id=\"send-status\" role=\"status\" aria-live=\"polite\"></p>\n",
        esc(host),
        esc(&t.candidate)
    )
}

fn answer(code: StatusCode, sent: bool, message: &str) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"sent": sent, "message": message}).to_string(),
    )
        .into_response()
}

/// POST /send: the last finished run to the institution.
pub(crate) async fn send(State(app): State<App>) -> Response {
    let Some(target) = app.cfg.submit.as_ref() else {
        return answer(
            StatusCode::NOT_FOUND,
            false,
            "Sending is not set up: start examready ui with --submit URL --candidate TEXT.",
        );
    };
    let Some(report) = super::finished_report(&app) else {
        return answer(
            StatusCode::CONFLICT,
            false,
            "No finished check to send yet: run the check first.",
        );
    };
    let id = report.content_id();
    match submit::send(target, &report).await {
        Ok(outcome) => answer(
            StatusCode::OK,
            true,
            &submit::sent_line(&id, target, outcome),
        ),
        Err(f) => answer(
            StatusCode::BAD_GATEWAY,
            false,
            &format!(
                "Report {id} was not sent: {}. It is saved on this computer; send it again \
                 here, or with: {}",
                f.message.trim_end_matches('.'),
                target.retry_command(&id)
            ),
        ),
    }
}
