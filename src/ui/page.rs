/*!
The page of `examready ui`: one server-rendered HTML document with its CSS and a small script
inline (nothing loaded from the network, so it works offline). Each check is a list item whose
state the script changes from the server's events: a status word and a symbol, never colour
alone; the result below is the HTML report's own body, rendered by the server when the run ends.
*/

use std::fmt::Write;
use std::sync::Arc;

use crate::check::Check;
use crate::model::Report;
use crate::profile::Profile;
use crate::render::html::{self, esc};

const PAGE_CSS: &str = r#"
h1.title { font-size: 1.5rem; margin: .5rem 0; }
form.start { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
form.start label { display: block; font-weight: 600; }
select, button { font: inherit; padding: .5rem .75rem; border-radius: .5rem; }
button { background: #0b57d0; color: #fff; border: 0; min-height: 2.75rem; cursor: pointer; }
button:disabled { background: #888; cursor: default; }
:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
ol.live { list-style: none; padding: 0; }
ol.live li { background: #fff; border-radius: .5rem; padding: .5rem .75rem; margin: .4rem 0; box-shadow: 0 1px 2px rgba(0,0,0,.08); overflow-wrap: anywhere; }
ol.live .state { font-weight: 600; }
ol.live .detail { display: block; color: #444; font-size: .9rem; }
ol.live li.running .mark { animation: spin 1s linear infinite; display: inline-block; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { ol.live li.running .mark { animation: none; } }
p.downloads a { display: inline-block; margin: .25rem .5rem .25rem 0; padding: .4rem .7rem; border: 1px solid #0b57d0; border-radius: .4rem; text-decoration: none; }
"#;

const SCRIPT: &str = r#"
(function () {
  var marks = {waiting: '…', running: '↻', pass: '✓', warn: '!', fail: '✗', skip: '–', timeout: '⏱', crash: '☠'};
  var words = {waiting: 'waiting', running: 'running', pass: 'passed', warn: 'warning', fail: 'failed', skip: 'skipped', timeout: 'timed out', crash: 'crashed'};
  var form = document.getElementById('start'), button = document.getElementById('start-button');
  var status = document.getElementById('status'), result = document.getElementById('result');
  var since = {};
  function item(id) { return document.getElementById('live-' + id); }
  function set(id, state, detail) {
    var li = item(id); if (!li) return;
    li.className = state; li.setAttribute('data-state', state);
    li.querySelector('.mark').textContent = marks[state];
    li.querySelector('.state').textContent = words[state];
    if (detail !== undefined) li.querySelector('.detail').textContent = detail;
  }
  function tick() {
    var now = Date.now();
    Object.keys(since).forEach(function (id) {
      var li = item(id);
      if (li && li.getAttribute('data-state') === 'running')
        li.querySelector('.elapsed').textContent = ' ' + Math.max(0, Math.round((now - since[id]) / 1000)) + ' s';
    });
  }
  setInterval(tick, 500);
  function running(on) { button.disabled = on; form.setAttribute('aria-busy', on ? 'true' : 'false'); }
  var events = new EventSource('/events');
  events.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.type === 'reset') {
      since = {}; result.innerHTML = ''; running(true);
      document.querySelectorAll('ol.live li').forEach(function (li) {
        set(li.getAttribute('data-id'), 'waiting', ''); li.querySelector('.elapsed').textContent = '';
      });
      status.textContent = 'Checking against ' + m.profile + '…';
    } else if (m.type === 'started') {
      since[m.id] = m.at; set(m.id, 'running', 'starting'); tick();
    } else if (m.type === 'progress') {
      set(m.id, 'running', m.message);
    } else if (m.type === 'finished') {
      set(m.id, m.status, m.summary); item(m.id).querySelector('.elapsed').textContent = ' ' + m.duration;
    } else if (m.type === 'done') {
      running(false);
      status.textContent = m.headline + '. Report id ' + m.report_id + '.' + (m.warning ? ' ' + m.warning : '');
      fetch('/result', {credentials: 'same-origin'}).then(function (r) { return r.text(); }).then(function (html) {
        result.innerHTML = html;
        var h = result.querySelector('h1'); if (h) { h.setAttribute('tabindex', '-1'); h.focus(); }
      });
    }
  };
  events.onerror = function () { if (button.disabled) status.textContent = 'Lost the connection to examready; is it still running?'; };
  form.addEventListener('submit', function (e) {
    e.preventDefault(); running(true);
    fetch('/start', {method: 'POST', credentials: 'same-origin', headers: {'Accept': 'application/json', 'Content-Type': 'application/x-www-form-urlencoded'},
                     body: 'profile=' + encodeURIComponent(document.getElementById('profile').value)})
      .then(function (r) { if (!r.ok) { running(false); r.text().then(function (t) { status.textContent = t; }); } });
  });
})();
"#;

/// The page: profile picker, Start, one live item per check, and room for the result.
/// `controls` (markup) follow the Start form: the watch toggle.
pub fn index(
    profiles: &[Arc<Profile>],
    checks: &[&'static dyn Check],
    running: bool,
    controls: &str,
) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>examready: is this computer ready for the exam?</title>\n\
         <style>{}{PAGE_CSS}{}</style>\n</head>\n<body>\n<main>\n\
         <h1 class=\"title\">examready</h1>\n\
         <p>Will this computer pass your online-proctored exam? Pick the exam service and press Start.</p>\n\
         <form id=\"start\" class=\"start\" method=\"post\" action=\"/start\">\n\
         <div><label for=\"profile\">Exam service</label><select id=\"profile\" name=\"profile\">\n",
        html::CSS,
        super::devices::CSS
    );
    for p in profiles {
        let _ = writeln!(
            out,
            "<option value=\"{}\">{}</option>",
            esc(&p.id),
            esc(p.name())
        );
    }
    let disabled = if running { " disabled" } else { "" };
    let _ = write!(
        out,
        "</select></div>\n<button type=\"submit\" id=\"start-button\"{disabled}>Start the check</button>\n</form>\n{controls}\
         <p id=\"status\" role=\"status\" aria-live=\"polite\">Nothing checked yet.</p>\n\
         {}<h2>Checks</h2>\n<ol class=\"live\" id=\"live\" aria-label=\"Checks and their state\">\n",
        super::devices::section()
    );
    for c in checks {
        let id = esc(c.id());
        let _ = writeln!(
            out,
            "<li id=\"live-{id}\" class=\"waiting\" data-id=\"{id}\" data-state=\"waiting\">\
             <span class=\"mark\" aria-hidden=\"true\">…</span> <strong>{}</strong>: \
             <span class=\"state\">waiting</span><span class=\"elapsed\"></span>\
             <span class=\"detail\"></span></li>",
            esc(c.title())
        );
    }
    let _ = write!(
        out,
        "</ol>\n<div id=\"result\" aria-live=\"polite\"></div>\n</main>\n<script>{SCRIPT}</script>\n<script>{}</script>\n<script>{}</script>\n<script>{}</script>\n</body>\n</html>\n",
        super::devices::SCRIPT,
        super::watch::SCRIPT,
        super::send::SCRIPT
    );
    out
}

/// The finished run: the buttons to save the report, `send` ("Send to my institution", or
/// nothing), then the report's own body with `changes` (what changed since the previous run)
/// right under the verdict.
pub fn result(report: &Report, changes: &str, send: &str) -> String {
    let mut out = String::from(
        "<p class=\"downloads\">Save the report: \
         <a id=\"download-html\" href=\"/report.html\" download>HTML page</a>\
         <a id=\"download-md\" href=\"/report.md\" download>Markdown</a>\
         <a id=\"download-json\" href=\"/report.json\" download>JSON</a></p>\n",
    );
    out.push_str(send);
    out.push_str(&html::body_with(report, changes));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_lists_every_profile_and_check_and_escapes_them() {
        let profiles: Vec<Arc<Profile>> = crate::profile::show::builtin_profiles()
            .unwrap()
            .into_iter()
            .map(Arc::new)
            .collect();
        let page = index(&profiles, crate::check::REGISTRY, false, "");
        assert_eq!(page.matches("<option ").count(), 7);
        for c in crate::check::REGISTRY {
            assert!(page.contains(&format!("id=\"live-{}\"", c.id())));
        }
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "nothing from the network"
        );
    }
}
