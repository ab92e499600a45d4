//! The devices section of the page: its markup and CSS (its script is `devices.js`).

/// The page's section: camera, microphone, speaker.
pub fn section() -> &'static str {
    r#"<section id="devices" aria-labelledby="devices-title">
<h2 id="devices-title">Camera, microphone and speaker</h2>
<p>See and hear what the proctor will, and fix the light or the microphone before the check.
Nothing is recorded or saved; each device is released when you stop it, leave this page or start the check.</p>
<div class="devices">
<div class="device" id="camera-box">
<h3>Camera</h3>
<button type="button" id="camera-toggle" aria-pressed="false" aria-controls="camera-preview">Show the camera</button>
<p id="camera-status" role="status" aria-live="polite">The camera is off.</p>
<img id="camera-preview" alt="Live picture from the camera" hidden>
<ul id="camera-hints" aria-live="polite" aria-label="What to fix in the picture"></ul>
</div>
<div class="device" id="meter-box">
<h3>Microphone</h3>
<button type="button" id="meter-toggle" aria-pressed="false" aria-controls="meter">Show the microphone level</button>
<p id="meter-status" role="status" aria-live="polite">The microphone is off.</p>
<div id="meter" class="meter" role="meter" aria-label="Microphone level" aria-valuemin="-90" aria-valuemax="0" aria-valuenow="-90" aria-valuetext="off">
<div class="level" id="meter-level"></div><div class="peak" id="meter-peak"></div>
<div class="mark floor" id="meter-floor" hidden></div><div class="mark min" id="meter-min" hidden></div>
</div>
<p class="scale" aria-hidden="true"><span>-90 dBFS</span><span>-60</span><span>-30</span><span>0</span></p>
<p id="meter-text">Level –, peak –, noise floor –.</p>
<p id="meter-limits" class="limits"></p>
</div>
<div class="device" id="speaker-box">
<h3>Speaker</h3>
<button type="button" id="tone-button">Play a test tone</button>
<p id="tone-status" role="status" aria-live="polite">You should hear a short beep (660 Hz, 1 s) from the speaker the check uses.</p>
</div>
</div>
</section>
"#
}

/// The section's CSS.
pub const CSS: &str = r#"
section#devices .devices { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: .75rem; }
section#devices .device { background: #fff; border-radius: .5rem; padding: .5rem .75rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
section#devices h3 { margin: .25rem 0 .5rem; font-size: 1.1rem; }
section#devices button[aria-pressed="true"] { background: #a33; }
#camera-preview[hidden] { display: none; }
#camera-preview { display: block; width: 100%; max-width: 640px; height: auto; background: #222; border-radius: .4rem; }
#camera-hints li { font-weight: 600; }
.meter { position: relative; height: 1.75rem; background: #e6e6e6; border: 1px solid #666; border-radius: .3rem; overflow: hidden; margin-top: .5rem; }
.meter .level { position: absolute; left: 0; top: 0; bottom: 0; width: 0; background: #1f7a3a; }
.meter .peak { position: absolute; top: 0; bottom: 0; width: 3px; left: 0; background: #111; }
.meter .mark { position: absolute; top: -2px; bottom: -2px; width: 0; border-left: 3px dashed #b00; }
.meter .mark.min { border-left: 3px dotted #0b57d0; }
p.scale { display: flex; justify-content: space-between; font-size: .8rem; margin: .1rem 0; color: #444; }
p.limits { font-size: .9rem; color: #333; }
"#;
