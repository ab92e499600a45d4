(function () {
  // The watch toggle and the announcements of `examready ui` (src/ui/watch.rs).
  var form = document.getElementById('watch'), toggle = document.getElementById('watch-toggle');
  var every = document.getElementById('watch-every'), n = document.getElementById('watch-n');
  var status = document.getElementById('watch-status'), examAt = document.getElementById('exam-at');
  if (!form) return;
  var watching = false, summary = '';
  function minutes() { var v = parseFloat(every.value); n.textContent = isFinite(v) ? String(v) : '?'; }
  every.addEventListener('input', minutes); minutes();
  function post(on) {
    var body = 'on=' + (on ? '1' : '0') + '&profile=' + encodeURIComponent(document.getElementById('profile').value) +
      '&every=' + encodeURIComponent(every.value) + '&exam_at=' + encodeURIComponent(examAt.value);
    fetch('/watch', {method: 'POST', credentials: 'same-origin', headers: {'Accept': 'application/json', 'Content-Type': 'application/x-www-form-urlencoded'}, body: body})
      .then(function (r) {
        return r.json().then(function (a) {
          if (!r.ok) { toggle.checked = false; watching = false; }
          status.textContent = a.message;
        });
      }, function () { toggle.checked = false; status.textContent = 'Lost the connection to examready; is it still running?'; });
  }
  toggle.addEventListener('change', function () {
    watching = toggle.checked;
    if (watching && window.Notification && Notification.permission === 'default') Notification.requestPermission();
    post(watching);
  });
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  var events = new EventSource('/events');
  events.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.type === 'watch') {
      watching = m.on; toggle.checked = m.on;
      status.textContent = (m.on && summary ? summary + ' ' : '') + m.message;
    } else if (m.type === 'done' && m.changes) {
      var c = m.changes.count;
      document.title = (c ? c + (c === 1 ? ' change' : ' changes') + ' · ' : '') + m.headline + ' · examready';
      summary = m.changes.summary;
      if (watching) {
        status.textContent = summary;
        if (c && window.Notification && Notification.permission === 'granted')
          new Notification('examready: ' + m.headline, {body: m.changes.summary});
      }
    }
  };
})();
