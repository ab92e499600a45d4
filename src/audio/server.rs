/*!
The Linux sound server (PulseAudio, or PipeWire through pipewire-pulse) as seen by `pactl`.

On Linux, cpal's ALSA host reaches the sound server through ALSA's `default`/`pulse`/`pipewire`
devices, which carry no name of the real microphone or speaker behind them. When `pactl` is
installed and a server answers, this reads the server's default source or sink: its name and
description (what the desktop's sound settings show, e.g. "Monitor of Built-in Audio" or
"BlackHole 2ch"), form factor (`headset`, `headphone` ...), active port, mute and volume. Best
effort: without `pactl` or a server, it returns `None` and the report uses ALSA's names.
*/

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A source (microphone) or sink (speaker) of the sound server.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerDevice {
    /// The server's name (`alsa_input.pci-0000_00_1f.3.analog-stereo`, `vmic`).
    pub name: String,
    /// What the sound settings show (`Built-in Audio Analog Stereo`).
    pub description: String,
    /// `device.form_factor`: `internal`, `headset`, `headphone`, `webcam`, `speaker` ...
    #[serde(default)]
    pub form_factor: Option<String>,
    /// The active port (`analog-output-headphones`, `analog-input-headset-mic`).
    #[serde(default)]
    pub active_port: Option<String>,
    /// Muted in the sound settings.
    pub mute: bool,
    /// The loudest channel's volume in percent (100 = unity).
    #[serde(default)]
    pub volume_percent: Option<u32>,
    /// A monitor source: what the speakers play, not a microphone.
    #[serde(default)]
    pub monitor: bool,
}

/// The server and its default source or sink.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerFacts {
    /// `PulseAudio (on PipeWire 1.0.5)`.
    pub server: String,
    /// The default source or sink, when the server has one.
    #[serde(default)]
    pub default: Option<ServerDevice>,
    /// Every source or sink, default first.
    pub devices: Vec<ServerDevice>,
}

/// Which side of the server to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Sources,
    Sinks,
}

/// Run `pactl -f json ARGS` with a time limit; `None` when it is missing, fails or hangs.
fn pactl_json(args: &[&str], limit: Duration) -> Option<serde_json::Value> {
    let mut all = vec!["-f", "json"];
    all.extend_from_slice(args);
    let text = crate::command::output_within("pactl", &all, limit)?;
    serde_json::from_str(&text).ok()
}

fn parse_device(v: &serde_json::Value) -> Option<ServerDevice> {
    let name = v.get("name")?.as_str()?.to_string();
    let description = v
        .get("description")
        .and_then(|d| d.as_str())
        .unwrap_or(&name)
        .to_string();
    let props = v.get("properties");
    let prop = |k: &str| {
        props
            .and_then(|p| p.get(k))
            .and_then(|x| x.as_str())
            .map(str::to_string)
    };
    let volume_percent = v
        .get("volume")
        .and_then(|vol| vol.as_object())
        .and_then(|o| {
            o.values()
                .filter_map(|c| {
                    c.get("value_percent")?
                        .as_str()?
                        .trim_end_matches('%')
                        .parse::<u32>()
                        .ok()
                })
                .max()
        });
    let monitor = prop("device.class").as_deref() == Some("monitor")
        || v.get("monitor_of_sink")
            .and_then(|m| m.as_str())
            .is_some_and(|m| !m.is_empty() && m != "n/a")
        || name.ends_with(".monitor");
    Some(ServerDevice {
        name,
        description,
        form_factor: prop("device.form_factor"),
        active_port: v
            .get("active_port")
            .and_then(|p| p.as_str())
            .map(str::to_string),
        mute: v.get("mute").and_then(|m| m.as_bool()).unwrap_or(false),
        volume_percent,
        monitor,
    })
}

/// Parse `pactl -f json info` and `pactl -f json list sources|sinks` output.
pub fn parse(
    info: &serde_json::Value,
    list: &serde_json::Value,
    side: Side,
) -> Option<ServerFacts> {
    let server = info
        .get("server_name")
        .and_then(|s| s.as_str())
        .unwrap_or("sound server")
        .to_string();
    let default_name = info
        .get(match side {
            Side::Sources => "default_source_name",
            Side::Sinks => "default_sink_name",
        })
        .and_then(|s| s.as_str());
    let mut devices: Vec<ServerDevice> = list.as_array()?.iter().filter_map(parse_device).collect();
    if let Some(d) = default_name
        && let Some(i) = devices.iter().position(|x| x.name == d)
    {
        let dev = devices.remove(i);
        devices.insert(0, dev);
    }
    let default = default_name.and_then(|d| devices.iter().find(|x| x.name == d).cloned());
    Some(ServerFacts {
        server,
        default,
        devices,
    })
}

/// Ask the running sound server (Linux only), within `limit`.
pub fn query(side: Side, limit: Duration) -> Option<ServerFacts> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let info = pactl_json(&["info"], limit)?;
    let list = pactl_json(
        &[
            "list",
            match side {
                Side::Sources => "sources",
                Side::Sinks => "sinks",
            },
        ],
        limit,
    )?;
    parse(&info, &list, side)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Recorded from PipeWire 0.3.65's pipewire-pulse (`pactl -f json ...`), shortened.
    const INFO: &str = r#"{"server_name":"PulseAudio (on PipeWire 0.3.65)","default_sink_name":"vsink","default_source_name":"vmic"}"#;
    const SOURCES: &str = r#"[{"index":44,"name":"vsink.monitor","description":"Monitor of VirtualSpeaker","mute":false,"volume":{"front-left":{"value":65536,"value_percent":"100%"}},"properties":{"device.description":"VirtualSpeaker","device.class":"monitor"},"active_port":null},
    {"index":51,"name":"vmic","description":"VirtualMic","mute":true,"volume":{"front-left":{"value_percent":"40%"},"front-right":{"value_percent":"55%"}},"properties":{"device.class":"filter","device.form_factor":"headset"},"active_port":"analog-input-headset-mic"}]"#;

    #[test]
    fn parses_default_source_first() {
        let info: serde_json::Value = serde_json::from_str(INFO).unwrap();
        let list: serde_json::Value = serde_json::from_str(SOURCES).unwrap();
        let f = parse(&info, &list, Side::Sources).unwrap();
        assert_eq!(f.server, "PulseAudio (on PipeWire 0.3.65)");
        let d = f.default.unwrap();
        assert_eq!(d.name, "vmic");
        assert!(d.mute);
        assert_eq!(d.volume_percent, Some(55));
        assert_eq!(d.form_factor.as_deref(), Some("headset"));
        assert_eq!(d.active_port.as_deref(), Some("analog-input-headset-mic"));
        assert!(!d.monitor);
        assert_eq!(f.devices[0].name, "vmic");
        assert!(f.devices[1].monitor);
        assert_eq!(f.devices[1].description, "Monitor of VirtualSpeaker");
    }

    #[test]
    fn no_default_and_garbage_are_tolerated() {
        let info = serde_json::json!({});
        let f = parse(&info, &serde_json::json!([]), Side::Sinks).unwrap();
        assert!(f.default.is_none() && f.devices.is_empty());
        assert!(parse(&info, &serde_json::json!({"x": 1}), Side::Sinks).is_none());
    }
}
