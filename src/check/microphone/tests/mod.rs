//! Judge tests on recorded facts: every rule's pass, warn and fail.

use super::*;
use crate::audio::server::ServerDevice;
use crate::model::Status;
use crate::profile::Profile;

mod errors;
mod facts;
mod level;
mod names;
mod permissions;

/// The judge under a whole profile (its microphone section and context).
fn judge_with(f: &MicFacts, p: &Profile) -> Judgement {
    super::judge_with(f, &p.file.microphone, p.judge_context())
}

fn onvue() -> Profile {
    crate::profile::load("onvue").unwrap()
}

fn profile(text: &str) -> Profile {
    crate::profile::parse(
        "t",
        "t.toml",
        &format!("[profile]\nname = \"Test\"\n{text}"),
        Catalogue::builtin().unwrap(),
    )
    .unwrap()
}

/// Facts as recorded on Linux from PipeWire's virtual microphone playing a -20 dBFS tone.
fn recorded() -> MicFacts {
    let text = r#"{"os":"linux","host":"ALSA",
      "devices":[{"name":"Default Audio Device","id":"alsa:default","default":true,"channels":2,"sample_rate":48000},
                 {"name":"PulseAudio Sound Server","id":"alsa:pulse","default":false,"channels":2,"sample_rate":48000}],
      "device":"VirtualMic","device_id":"alsa:default","default_device":true,
      "server":{"server":"PulseAudio (on PipeWire 0.3.65)",
        "default":{"name":"vmic","description":"VirtualMic","mute":false,"volume_percent":100,"monitor":false},
        "devices":[{"name":"vmic","description":"VirtualMic","mute":false,"volume_percent":100,"monitor":false}]},
      "channels":2,"sample_rate":48000,"sample_format":"f32","seconds":3.0,"first_data_ms":54,
      "rms_dbfs":-20.0,"peak_dbfs":-17.0,"clipped_runs":0,"clip_run_samples":6,"noise_floor_dbfs":-96.3,"mono":true,
      "per_channel":[{"rms_dbfs":-20.0,"peak_dbfs":-17.0,"clipped_runs":0,"longest_clip_run":0},
                     {"rms_dbfs":-20.0,"peak_dbfs":-17.0,"clipped_runs":0,"longest_clip_run":0}],
      "level_series_dbfs":[-20.0,-20.0,-20.0],"virtual":false,"speak":false}"#;
    serde_json::from_str(text).unwrap()
}

fn codes(j: &Judgement) -> Vec<(&str, Status)> {
    crate::check::assert_well_formed(&Microphone, j);
    j.findings
        .iter()
        .map(|f| (f.code.as_str(), f.status))
        .collect()
}

fn has(j: &Judgement, code: &str, status: Status) -> bool {
    codes(j).contains(&(code, status))
}
