/*!
Monitors and touchscreens.

- Linux: the X server's RandR monitors (x11rb, pure Rust, also answers under XWayland), else the
  kernel's DRM connectors under `/sys/class/drm`; touchscreens from `/proc/bus/input/devices`.
- Windows: `EnumDisplayMonitors` and `GetSystemMetrics(SM_DIGITIZER)` from user32.
- macOS: `CGGetActiveDisplayList` from CoreGraphics (Macs have no touchscreens).

When nothing answers (a headless machine), `monitors` is `None` with the reason, and the judge
reports the display rules as skipped rather than passed.
*/

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Monitor {
    pub name: String,
    pub width: u32,
    pub height: u32,
    #[serde(default)]
    pub primary: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DisplayFacts {
    /// Where the answer came from (`x11-randr`, `drm`, `user32`, `coregraphics`).
    pub source: Option<String>,
    /// `None` when no display server or API answered.
    pub monitors: Option<Vec<Monitor>>,
    pub unavailable_reason: Option<String>,
    /// `None` when unknown.
    pub touchscreen: Option<bool>,
}

#[cfg(target_os = "windows")]
mod windows;
#[cfg(target_os = "windows")]
use windows::platform_probe;

pub fn probe() -> DisplayFacts {
    platform_probe()
}

#[cfg(all(unix, not(target_os = "macos")))]
fn platform_probe() -> DisplayFacts {
    let touchscreen = std::fs::read_to_string("/proc/bus/input/devices")
        .ok()
        .map(|t| linux_has_touchscreen(&t));
    let x11_error = match std::env::var("DISPLAY") {
        Ok(d) if !d.is_empty() => match x11_monitors(&d) {
            Ok(monitors) => {
                return DisplayFacts {
                    source: Some("x11-randr".into()),
                    monitors: Some(monitors),
                    unavailable_reason: None,
                    touchscreen,
                };
            }
            Err(e) => Some(format!("the X server at DISPLAY={d} did not answer ({e})")),
        },
        _ => None,
    };
    let drm = drm_monitors(std::path::Path::new("/sys/class/drm"));
    if !drm.is_empty() {
        return DisplayFacts {
            source: Some("drm".into()),
            monitors: Some(drm),
            unavailable_reason: None,
            touchscreen,
        };
    }
    let reason = x11_error.unwrap_or_else(|| {
        let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some();
        if wayland {
            "a Wayland session without X11 support, and no connected monitor under /sys/class/drm"
                .into()
        } else {
            "no display server (DISPLAY is not set) and no connected monitor under /sys/class/drm"
                .into()
        }
    });
    DisplayFacts {
        source: None,
        monitors: None,
        unavailable_reason: Some(reason),
        touchscreen,
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
fn x11_monitors(display: &str) -> Result<Vec<Monitor>, String> {
    use x11rb::connection::Connection;
    use x11rb::protocol::randr::ConnectionExt as _;
    use x11rb::protocol::xproto::ConnectionExt as _;

    let (conn, screen_num) = x11rb::connect(Some(display)).map_err(|e| e.to_string())?;
    let root = conn.setup().roots[screen_num].root;
    let reply = conn
        .randr_get_monitors(root, true)
        .map_err(|e| e.to_string())?
        .reply()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for m in reply.monitors {
        let name = conn
            .get_atom_name(m.name)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| String::from_utf8_lossy(&r.name).into_owned())
            .unwrap_or_else(|| format!("monitor-{}", out.len()));
        out.push(Monitor {
            name,
            width: u32::from(m.width),
            height: u32::from(m.height),
            primary: m.primary,
        });
    }
    Ok(out)
}

/// Connected DRM connectors with their preferred (first) mode.
pub fn drm_monitors(root: &std::path::Path) -> Vec<Monitor> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return vec![];
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        // Connectors look like card0-HDMI-A-1; cards themselves have no dash.
        let Some((_, connector)) = name.split_once('-') else {
            continue;
        };
        let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
        if status.trim() != "connected" {
            continue;
        }
        let modes = std::fs::read_to_string(e.path().join("modes")).unwrap_or_default();
        let (width, height) = modes
            .lines()
            .next()
            .and_then(|m| m.trim().parse::<crate::units::Resolution>().ok())
            .map_or((0, 0), |r| (r.width, r.height));
        out.push(Monitor {
            name: connector.to_string(),
            width,
            height,
            primary: false,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A touchscreen is an input device with direct input (INPUT_PROP_DIRECT, property bit 1) and
/// multi-touch positions (ABS_MT_POSITION_X, absolute axis bit 53). Touchpads are indirect.
pub fn linux_has_touchscreen(proc_bus_input_devices: &str) -> bool {
    proc_bus_input_devices.split("\n\n").any(|block| {
        let bits = |key: &str| -> Vec<u64> {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("B: {key}=")))
                .map(|v| {
                    // Words are printed most significant first, 64 bits each.
                    v.split_whitespace()
                        .rev()
                        .map(|w| u64::from_str_radix(w, 16).unwrap_or(0))
                        .collect()
                })
                .unwrap_or_default()
        };
        let bit =
            |words: &[u64], n: usize| words.get(n / 64).is_some_and(|w| w & (1 << (n % 64)) != 0);
        let prop = bits("PROP");
        let abs = bits("ABS");
        bit(&prop, 1) && bit(&abs, 53)
    })
}

#[cfg(target_os = "macos")]
fn platform_probe() -> DisplayFacts {
    #[link(name = "CoreGraphics", kind = "framework")]
    unsafe extern "C" {
        fn CGGetActiveDisplayList(max: u32, displays: *mut u32, count: *mut u32) -> i32;
        fn CGDisplayPixelsWide(display: u32) -> usize;
        fn CGDisplayPixelsHigh(display: u32) -> usize;
        fn CGDisplayIsBuiltin(display: u32) -> u32;
        fn CGMainDisplayID() -> u32;
    }
    let mut ids = [0u32; 32];
    let mut count = 0u32;
    // SAFETY: the buffer holds 32 ids and CoreGraphics writes at most `max`.
    let err = unsafe { CGGetActiveDisplayList(32, ids.as_mut_ptr(), &mut count) };
    if err != 0 {
        return DisplayFacts {
            source: Some("coregraphics".into()),
            monitors: None,
            unavailable_reason: Some(format!("CGGetActiveDisplayList failed ({err})")),
            touchscreen: Some(false),
        };
    }
    // SAFETY: plain CoreGraphics queries on ids it just returned.
    let main = unsafe { CGMainDisplayID() };
    let monitors = ids[..count as usize]
        .iter()
        .map(|&id| unsafe {
            Monitor {
                name: if CGDisplayIsBuiltin(id) != 0 {
                    "Built-in display".into()
                } else {
                    format!("Display {id}")
                },
                width: CGDisplayPixelsWide(id) as u32,
                height: CGDisplayPixelsHigh(id) as u32,
                primary: id == main,
            }
        })
        .collect();
    DisplayFacts {
        source: Some("coregraphics".into()),
        monitors: Some(monitors),
        unavailable_reason: None,
        touchscreen: Some(false),
    }
}

#[cfg(not(any(unix, target_os = "windows")))]
fn platform_probe() -> DisplayFacts {
    DisplayFacts {
        unavailable_reason: Some("display detection is not implemented on this system".into()),
        ..DisplayFacts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Recorded from a laptop with a touchscreen (first block) and a touchpad (second block).
    const DEVICES: &str = "I: Bus=0018 Vendor=04f3 Product=2a1c Version=0100
N: Name=\"ELAN Touchscreen\"
B: PROP=2
B: EV=1b
B: ABS=3273800000000003

I: Bus=0018 Vendor=06cb Product=cd7d Version=0100
N: Name=\"SYNA Touchpad\"
B: PROP=5
B: EV=1b
B: ABS=2e0800000000003
";

    #[test]
    fn touchscreen_is_found_and_touchpad_is_not() {
        assert!(linux_has_touchscreen(DEVICES));
        let touchpad_only = DEVICES.split("\n\n").nth(1).unwrap();
        assert!(!linux_has_touchscreen(touchpad_only));
        assert!(!linux_has_touchscreen(""));
    }

    #[test]
    fn drm_connectors_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let mk = |name: &str, status: &str, modes: &str| {
            let p = dir.path().join(name);
            std::fs::create_dir(&p).unwrap();
            std::fs::write(p.join("status"), status).unwrap();
            std::fs::write(p.join("modes"), modes).unwrap();
        };
        mk("card0-eDP-1", "connected\n", "1920x1080\n1280x720\n");
        mk("card0-HDMI-A-1", "disconnected\n", "");
        mk("card0-DP-1", "connected\n", "2560x1440\n");
        std::fs::create_dir(dir.path().join("card0")).unwrap();
        let m = drm_monitors(dir.path());
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].name.as_str(), m[0].width, m[0].height),
            ("DP-1", 2560, 1440)
        );
        assert_eq!((m[1].name.as_str(), m[1].width), ("eDP-1", 1920));
    }
}
