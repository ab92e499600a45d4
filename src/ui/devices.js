// The devices section of `examready ui`: camera preview, microphone meter, test tone.
// Everything is measured by examready; this script only asks (POST) and shows.
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var MIN = -90;
  function profile() { var p = $('profile'); return 'profile=' + encodeURIComponent(p ? p.value : ''); }
  function post(path) {
    return fetch(path, {method: 'POST', credentials: 'same-origin',
      headers: {'Accept': 'application/json', 'Content-Type': 'application/x-www-form-urlencoded'}, body: profile()});
  }
  function pct(db) { return Math.max(0, Math.min(100, (db - MIN) / -MIN * 100)); }
  function fmt(db) { return db === null || db === undefined ? '–' : (db <= -150 ? 'silence' : Math.round(db) + ' dBFS'); }

  // Camera.
  var camOn = false, camButton = $('camera-toggle'), img = $('camera-preview'), hintList = $('camera-hints');
  function camera(on) {
    camOn = on; camButton.setAttribute('aria-pressed', on ? 'true' : 'false');
    camButton.textContent = on ? 'Stop the camera' : 'Show the camera';
    if (!on) { img.removeAttribute('src'); img.hidden = true; hintList.innerHTML = ''; }
  }
  camButton.addEventListener('click', function () {
    if (camOn) { camera(false); post('/camera/stop'); return; }
    camera(true); $('camera-status').textContent = 'Opening the camera…';
    post('/camera/start').then(function (r) {
      if (r.status === 202 || r.status === 409) { img.src = '/camera/stream?t=' + Date.now(); img.hidden = false; }
      else { camera(false); r.text().then(function (t) { $('camera-status').textContent = t; }); }
    });
  });

  // Microphone.
  var meterOn = false, meterButton = $('meter-toggle'), meter = $('meter');
  function setMark(el, db) { if (db === null || db === undefined) { el.hidden = true; } else { el.hidden = false; el.style.left = pct(db) + '%'; } }
  function meterState(on) {
    meterOn = on; meterButton.setAttribute('aria-pressed', on ? 'true' : 'false');
    meterButton.textContent = on ? 'Stop the microphone' : 'Show the microphone level';
    if (!on) {
      $('meter-level').style.width = '0'; $('meter-peak').style.left = '0';
      meter.setAttribute('aria-valuenow', String(MIN)); meter.setAttribute('aria-valuetext', 'off');
    }
  }
  meterButton.addEventListener('click', function () {
    if (meterOn) { meterState(false); post('/meter/stop'); return; }
    meterState(true); $('meter-status').textContent = 'Opening the microphone…';
    post('/meter/start').then(function (r) {
      if (r.status !== 202 && r.status !== 409) { meterState(false); r.text().then(function (t) { $('meter-status').textContent = t; }); }
    });
  });
  function level(m) {
    var now = Math.max(MIN, Math.round(m.rms));
    $('meter-level').style.width = pct(m.rms) + '%'; $('meter-peak').style.left = pct(m.peak) + '%';
    setMark($('meter-floor'), m.floor);
    var text = 'Level ' + fmt(m.rms) + ', peak ' + fmt(m.peak) + ', noise floor ' + (m.floor === null ? 'measuring…' : fmt(m.floor));
    meter.setAttribute('aria-valuenow', String(now)); meter.setAttribute('aria-valuetext', text);
    meter.setAttribute('data-floor', m.floor === null ? '' : String(m.floor));
    $('meter-text').textContent = text + '.';
  }

  // Speaker.
  $('tone-button').addEventListener('click', function () {
    post('/tone').then(function (r) { if (r.status !== 202) r.text().then(function (t) { $('tone-status').textContent = t; }); });
  });

  var events = new EventSource('/devices/events');
  events.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.type === 'camera') {
      $('camera-status').textContent = m.message; $('camera-box').setAttribute('data-state', m.state);
      if (m.state === 'on' || m.state === 'opening') {
        if (!camOn) camera(true);
        if (m.state === 'on' && !img.getAttribute('src')) { img.src = '/camera/stream?t=' + Date.now(); img.hidden = false; }
      }
      else camera(false);
    } else if (m.type === 'camera-hints') {
      hintList.innerHTML = '';
      m.hints.forEach(function (h) { var li = document.createElement('li'); li.textContent = '! ' + h; hintList.appendChild(li); });
      $('camera-box').setAttribute('data-luma', String(m.luma));
    } else if (m.type === 'meter') {
      $('meter-status').textContent = m.message; $('meter-box').setAttribute('data-state', m.state);
      if (m.state === 'on') {
        meterState(true);
        var l = m.limits || {}, parts = [];
        setMark($('meter-min'), l.min_rms_dbfs);
        if (l.min_rms_dbfs !== null && l.min_rms_dbfs !== undefined) parts.push('the check wants a level of at least ' + l.min_rms_dbfs + ' dBFS (blue dotted mark)');
        if (l.max_noise_floor_dbfs !== null && l.max_noise_floor_dbfs !== undefined) parts.push('a noise floor of at most ' + l.max_noise_floor_dbfs + ' dBFS');
        $('meter-limits').textContent = parts.length ? 'For this exam service ' + parts.join(' and ') + '. The red dashed mark is the room\u2019s noise floor.' : 'The red dashed mark is the room\u2019s noise floor.';
      } else if (m.state !== 'opening') meterState(false);
    } else if (m.type === 'level') {
      if (meterOn) level(m);
    } else if (m.type === 'tone') {
      $('tone-status').textContent = m.message; $('speaker-box').setAttribute('data-state', m.state);
      $('tone-button').disabled = m.state === 'playing';
    }
  };
})();
