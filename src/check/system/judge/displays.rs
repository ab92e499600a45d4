//! The displays: how many monitors, their resolution and a touchscreen.

use super::*;

pub(super) fn judge_displays(
    f: &SystemFacts,
    req: &SystemRequirements,
    profile: &str,
    out: &mut Vec<Finding>,
) {
    let d = &f.displays;
    let Some(monitors) = &d.monitors else {
        out.push(Finding::skip(
            SystemCode::DisplayNotChecked,
            format!(
                "Displays not checked: {}.",
                d.unavailable_reason
                    .as_deref()
                    .unwrap_or("no display information")
            ),
        ));
        return;
    };
    let before = out.len();
    let n = monitors.len() as u32;
    if let Some(max) = req.max_displays.filter(|&m| n > m) {
        out.push(Finding::fail(
            SystemCode::DisplayCount,
            format!("{n} monitors are connected; {profile} allows {max}."),
            "Disconnect every extra monitor (unplug the cable, not just turn it off). With an external monitor, close the laptop lid and use an external keyboard, mouse and webcam.",
        ).judging(figures::DISPLAYS, n.into(), Some(max.into()), ""));
    }
    for m in monitors {
        let res = format!("{}x{}", m.width, m.height);
        if let Some(min) = req
            .min_resolution
            .filter(|r| m.width < r.width || m.height < r.height)
        {
            out.push(Finding::fail(
                SystemCode::DisplayResolutionLow,
                format!("Monitor {} runs at {res}; {profile} needs at least {min}.", m.name),
                format!("Raise the resolution to {min} or more in the display settings, with scaling at 100%."),
            ));
        } else if let Some(rec) = req
            .recommended_resolution
            .filter(|r| m.width < r.width || m.height < r.height)
        {
            out.push(Finding::warn(
                SystemCode::DisplayResolutionLow,
                format!("Monitor {} runs at {res}; {rec} is recommended.", m.name),
                format!("Use {rec} if the monitor supports it: exam items are easier to read."),
            ));
        }
    }
    const DISABLE_TOUCH: &str = "Disable the touchscreen for the exam (Windows: Device Manager > Human Interface Devices > HID-compliant touch screen > Disable), or use a computer without one.";
    if d.touchscreen == Some(true) {
        if req.allow_touchscreen == Some(false) {
            out.push(Finding::fail(
                SystemCode::DisplayTouch,
                format!("A touchscreen is present; {profile} does not allow touchscreens."),
                DISABLE_TOUCH,
            ));
        } else if req.warn_touchscreen == Some(true) {
            out.push(Finding::warn(
                SystemCode::DisplayTouch,
                format!(
                    "A touchscreen is present; {profile} forbids using one during the exam, and the proctor may ask about it."
                ),
                format!("Do not touch the screen during the exam (keyboard and mouse only). To be safe: {DISABLE_TOUCH}"),
            ));
        }
    }
    if out.len() == before {
        let list = monitors
            .iter()
            .map(|m| format!("{}x{}", m.width, m.height))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Finding::pass(
            SystemCode::DisplayOk,
            format!("{n} monitor{} ({list}).", if n == 1 { "" } else { "s" }),
        ));
    }
}
