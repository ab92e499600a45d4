/*!
Power: on battery or on the charger, how full the battery is, and how soon the computer sleeps
when left alone. A laptop that dies or sleeps during a proctored exam ends it.

Read from the OS's own sources: Windows `GetSystemPowerStatus` and the active power scheme's
standby timeouts (`PowerReadACValueIndex`/`PowerReadDCValueIndex`); Linux
`/sys/class/power_supply`; macOS `pmset -g batt` and `pmset -g`. The parsers are pure and tested on
recorded sysfs trees and pmset output, since this machine has no battery.
*/

use serde::{Deserialize, Serialize};

/// What the probe could read; every field is `None` where it could not be read.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PowerFacts {
    /// Whether the computer has a battery.
    #[serde(default)]
    pub battery: Option<bool>,
    /// Running on battery (not on the charger).
    #[serde(default)]
    pub on_battery: Option<bool>,
    /// Battery charge, 0-100.
    #[serde(default)]
    pub battery_percent: Option<f64>,
    /// Minutes without input before the computer sleeps on the charger (0 = never).
    #[serde(default)]
    pub sleep_after_min_ac: Option<u32>,
    /// The same on battery.
    #[serde(default)]
    pub sleep_after_min_battery: Option<u32>,
}

impl PowerFacts {
    /// The sleep timeout that applies now (battery or charger), when known.
    pub fn sleep_after_min_now(&self) -> Option<u32> {
        if self.on_battery == Some(true) {
            self.sleep_after_min_battery
        } else {
            self.sleep_after_min_ac
        }
    }
}

/// The power facts of this computer.
pub fn probe() -> PowerFacts {
    #[cfg(windows)]
    {
        windows::probe()
    }
    #[cfg(target_os = "linux")]
    {
        linux_sysfs(std::path::Path::new("/sys/class/power_supply"))
    }
    #[cfg(target_os = "macos")]
    {
        let limit = std::time::Duration::from_secs(3);
        let batt = crate::command::output_within("pmset", &["-g", "batt"], limit);
        let custom = crate::command::output_within("pmset", &["-g", "custom"], limit);
        let mut f = batt.as_deref().map(parse_pmset_batt).unwrap_or_default();
        if let Some(c) = custom.as_deref() {
            (f.sleep_after_min_ac, f.sleep_after_min_battery) = parse_pmset_custom(c);
        }
        f
    }
    #[cfg(not(any(windows, target_os = "linux", target_os = "macos")))]
    {
        PowerFacts::default()
    }
}

/// Linux: `<root>/*/type` is `Battery` or `Mains`; a battery's `capacity` (percent) and
/// `status` (`Discharging` means on battery), a charger's `online`.
#[cfg(any(target_os = "linux", test))]
pub fn linux_sysfs(root: &std::path::Path) -> PowerFacts {
    let read = |p: std::path::PathBuf| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
    };
    let mut f = PowerFacts::default();
    let Ok(entries) = std::fs::read_dir(root) else {
        return f;
    };
    let mut names: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    names.sort();
    let mut mains_online = None;
    let mut discharging = None;
    let (mut sum, mut batteries) = (0.0, 0u32);
    for dir in names {
        match read(dir.join("type")).as_deref() {
            Some("Battery") => {
                // Peripheral batteries (a mouse's) have scope "Device".
                if read(dir.join("scope")).as_deref() == Some("Device") {
                    continue;
                }
                f.battery = Some(true);
                if let Some(c) = read(dir.join("capacity")).and_then(|c| c.parse::<f64>().ok()) {
                    sum += c.clamp(0.0, 100.0);
                    batteries += 1;
                }
                if let Some(s) = read(dir.join("status")) {
                    let d = s == "Discharging";
                    discharging = Some(discharging.unwrap_or(false) || d);
                }
            }
            Some("Mains") | Some("USB") => {
                if let Some(o) = read(dir.join("online")) {
                    mains_online = Some(mains_online.unwrap_or(false) || o == "1");
                }
            }
            _ => {}
        }
    }
    if f.battery.is_none() {
        f.battery = Some(false);
        f.on_battery = Some(false);
        return f;
    }
    if batteries > 0 {
        f.battery_percent = Some((sum / f64::from(batteries) * 10.0).round() / 10.0);
    }
    f.on_battery = match (mains_online, discharging) {
        (Some(online), _) => Some(!online),
        (None, d) => d,
    };
    f
}

/// macOS `pmset -g batt`: "Now drawing from 'Battery Power'" and
/// " -InternalBattery-0 (id=...) 85%; discharging; 4:20 remaining present: true".
#[cfg(any(target_os = "macos", test))]
pub fn parse_pmset_batt(out: &str) -> PowerFacts {
    let mut f = PowerFacts::default();
    for line in out.lines() {
        if let Some(rest) = line.split("drawing from '").nth(1) {
            f.on_battery = Some(rest.starts_with("Battery"));
        }
        if line.contains("InternalBattery") {
            f.battery = Some(true);
            f.battery_percent = line
                .split_whitespace()
                .find_map(|w| w.strip_suffix("%;"))
                .and_then(|p| p.parse().ok());
        }
    }
    if f.on_battery.is_some() && f.battery.is_none() {
        f.battery = Some(false);
    }
    f
}

/// macOS `pmset -g custom`: a "Battery Power:" and an "AC Power:" block, each with a
/// `sleep <minutes>` line (0 = never) -> (AC, battery).
#[cfg(any(target_os = "macos", test))]
pub fn parse_pmset_custom(out: &str) -> (Option<u32>, Option<u32>) {
    let (mut ac, mut batt) = (None, None);
    let mut section = None;
    for line in out.lines() {
        let t = line.trim();
        if t.starts_with("Battery Power") {
            section = Some(false);
        } else if t.starts_with("AC Power") {
            section = Some(true);
        } else if let Some(v) = t.strip_prefix("sleep ") {
            let minutes = v.split_whitespace().next().and_then(|m| m.parse().ok());
            match section {
                Some(true) => ac = minutes,
                Some(false) => batt = minutes,
                None => {}
            }
        }
    }
    (ac, batt)
}

/// Windows `SYSTEM_POWER_STATUS` fields -> facts. `ac_line`: 0 offline, 1 online, 255
/// unknown; `flag`: 128 no battery, 255 unknown; `percent`: 255 unknown.
pub fn from_windows_status(ac_line: u8, flag: u8, percent: u8) -> PowerFacts {
    let battery = match flag {
        255 => None,
        f => Some(f & 128 == 0),
    };
    PowerFacts {
        battery,
        on_battery: match ac_line {
            0 => Some(true),
            1 => Some(false),
            _ => None,
        },
        battery_percent: (percent <= 100 && battery == Some(true)).then_some(f64::from(percent)),
        ..PowerFacts::default()
    }
}

#[cfg(windows)]
mod windows {
    use super::{PowerFacts, from_windows_status};
    use windows_sys::Win32::System::Power::{
        GetSystemPowerStatus, PowerGetActiveScheme, PowerReadACValueIndex, PowerReadDCValueIndex,
        SYSTEM_POWER_STATUS,
    };
    use windows_sys::core::GUID;

    /// GUID_SLEEP_SUBGROUP and GUID_STANDBY_TIMEOUT (winnt.h).
    const SLEEP_SUBGROUP: GUID = GUID::from_u128(0x238c9fa8_0aad_41ed_83f4_97be242c8f20);
    const STANDBY_TIMEOUT: GUID = GUID::from_u128(0x29f6c1db_86da_48c5_9fdb_f2b67b1f44da);

    pub fn probe() -> PowerFacts {
        // SAFETY: a plain out-parameter struct.
        let mut status: SYSTEM_POWER_STATUS = unsafe { std::mem::zeroed() };
        let mut f = if unsafe { GetSystemPowerStatus(&mut status) } != 0 {
            from_windows_status(
                status.ACLineStatus,
                status.BatteryFlag,
                status.BatteryLifePercent,
            )
        } else {
            PowerFacts::default()
        };
        let mut scheme: *mut GUID = std::ptr::null_mut();
        // SAFETY: PowerGetActiveScheme allocates the GUID (freed with LocalFree below).
        if unsafe { PowerGetActiveScheme(std::ptr::null_mut(), &mut scheme) } == 0
            && !scheme.is_null()
        {
            let mut ac = 0u32;
            let mut dc = 0u32;
            // SAFETY: valid GUID pointers and out-parameters.
            unsafe {
                if PowerReadACValueIndex(
                    std::ptr::null_mut(),
                    scheme,
                    &SLEEP_SUBGROUP,
                    &STANDBY_TIMEOUT,
                    &mut ac,
                ) == 0
                {
                    f.sleep_after_min_ac = Some(ac / 60);
                }
                if PowerReadDCValueIndex(
                    std::ptr::null_mut(),
                    scheme,
                    &SLEEP_SUBGROUP,
                    &STANDBY_TIMEOUT,
                    &mut dc,
                ) == 0
                {
                    f.sleep_after_min_battery = Some(dc / 60);
                }
                windows_sys::Win32::Foundation::LocalFree(scheme.cast());
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &std::path::Path, files: &[(&str, &str)]) {
        std::fs::create_dir_all(dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), format!("{text}\n")).unwrap();
        }
    }

    #[test]
    fn linux_laptop_on_battery() {
        let root = tempfile::tempdir().unwrap();
        write(
            &root.path().join("BAT0"),
            &[
                ("type", "Battery"),
                ("capacity", "41"),
                ("status", "Discharging"),
            ],
        );
        write(
            &root.path().join("AC"),
            &[("type", "Mains"), ("online", "0")],
        );
        // A wireless mouse's battery does not count.
        write(
            &root.path().join("hidpp_battery_0"),
            &[("type", "Battery"), ("scope", "Device"), ("capacity", "5")],
        );
        let f = linux_sysfs(root.path());
        assert_eq!(f.battery, Some(true));
        assert_eq!(f.on_battery, Some(true));
        assert_eq!(f.battery_percent, Some(41.0));
    }

    #[test]
    fn linux_laptop_charging_and_desktop() {
        let root = tempfile::tempdir().unwrap();
        write(
            &root.path().join("BAT1"),
            &[
                ("type", "Battery"),
                ("capacity", "97"),
                ("status", "Charging"),
            ],
        );
        write(
            &root.path().join("ADP1"),
            &[("type", "Mains"), ("online", "1")],
        );
        let f = linux_sysfs(root.path());
        assert_eq!((f.on_battery, f.battery_percent), (Some(false), Some(97.0)));
        // No power_supply entries at all (a desktop, a VM, this machine).
        let empty = tempfile::tempdir().unwrap();
        let f = linux_sysfs(empty.path());
        assert_eq!((f.battery, f.on_battery), (Some(false), Some(false)));
    }

    #[test]
    fn pmset_output() {
        let batt = "Now drawing from 'Battery Power'\n -InternalBattery-0 (id=4653155)\t63%; discharging; 3:12 remaining present: true\n";
        let f = parse_pmset_batt(batt);
        assert_eq!(f.on_battery, Some(true));
        assert_eq!(f.battery_percent, Some(63.0));
        let ac = "Now drawing from 'AC Power'\n -InternalBattery-0 (id=4653155)\t100%; charged; 0:00 remaining present: true\n";
        assert_eq!(parse_pmset_batt(ac).on_battery, Some(false));
        let desktop = "Now drawing from 'AC Power'\n";
        assert_eq!(parse_pmset_batt(desktop).battery, Some(false));
        let custom = "Battery Power:\n Sleep On Power Button 1\n displaysleep         2\n sleep                1\nAC Power:\n displaysleep         10\n sleep                0\n";
        assert_eq!(parse_pmset_custom(custom), (Some(0), Some(1)));
    }

    #[test]
    fn windows_status() {
        let f = from_windows_status(0, 1, 35);
        assert_eq!(
            (f.battery, f.on_battery, f.battery_percent),
            (Some(true), Some(true), Some(35.0))
        );
        let desktop = from_windows_status(1, 128, 255);
        assert_eq!(
            (desktop.battery, desktop.on_battery, desktop.battery_percent),
            (Some(false), Some(false), None)
        );
        let unknown = from_windows_status(255, 255, 255);
        assert_eq!(unknown, PowerFacts::default());
        let f = PowerFacts {
            on_battery: Some(true),
            sleep_after_min_ac: Some(0),
            sleep_after_min_battery: Some(5),
            ..Default::default()
        };
        assert_eq!(f.sleep_after_min_now(), Some(5));
    }
}
