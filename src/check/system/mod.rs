/*!
The `system` module: operating system, CPU, memory, disk, virtualization and displays.

The probe reads facts through sysinfo and small platform code (`virt.rs`, `display.rs`); the
judge compares them with the profile's `[system]` section.
*/

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fmt::{gb, num};
use super::{JudgeContext, Module, ProbeContext};
use crate::catalogue::OsFamily;
use crate::model::{Finding, Judgement, Status};
use crate::units::{Gigabytes, Percent, Resolution};

pub mod display;
mod figures;
mod judge;
pub mod power;
mod probe;
pub mod virt;

pub use judge::judge;
pub use probe::{normalize_arch, windows_product_version};

pub use display::{DisplayFacts, Monitor};
pub use virt::{VirtKind, Virtualization};

pub struct System;

// ---------------------------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------------------------

/// `[system]` in a profile. Every field is optional: what a profile leaves out is not judged.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SystemRequirements {
    /// Supported operating systems; a family not listed is unsupported.
    pub os: Option<BTreeMap<OsFamily, OsRule>>,
    pub min_cpu_cores: Option<u32>,
    pub recommended_cpu_cores: Option<u32>,
    /// Current CPU load above this fails (ProctorU-style live limit).
    pub max_cpu_load_percent: Option<Percent>,
    /// Current CPU load above this warns.
    pub recommended_max_cpu_load_percent: Option<Percent>,
    pub min_ram_gb: Option<Gigabytes>,
    pub recommended_ram_gb: Option<Gigabytes>,
    /// Less memory available (free for new programs) than this fails: a rule about the
    /// memory left while the exam runs, not the memory installed (Respondus Monitor).
    pub min_available_memory_gb: Option<Gigabytes>,
    /// Memory in use above this fails.
    pub max_memory_used_percent: Option<Percent>,
    /// Memory in use above this warns.
    pub recommended_max_memory_used_percent: Option<Percent>,
    pub min_free_disk_gb: Option<Gigabytes>,
    /// Less free disk than this warns (a figure no vendor publishes).
    pub recommended_free_disk_gb: Option<Gigabytes>,
    /// `false`: a virtual machine or container fails.
    pub allow_virtual_machine: Option<bool>,
    pub max_displays: Option<u32>,
    pub min_resolution: Option<Resolution>,
    pub recommended_resolution: Option<Resolution>,
    /// `false`: a touchscreen that is present fails.
    pub allow_touchscreen: Option<bool>,
    /// `true`: a touchscreen that is present warns (presence is not use: the rule may be
    /// about touching the screen during the exam, which no program can see beforehand).
    pub warn_touchscreen: Option<bool>,
    /// `true`: a pending restart (updates waiting) warns.
    pub warn_pending_restart: Option<bool>,
    /// `true`: running on battery warns.
    pub warn_on_battery: Option<bool>,
    /// On battery with less charge than this warns.
    pub min_battery_percent: Option<Percent>,
    /// Sleeping after fewer idle minutes than this (for the current power source) warns.
    pub min_sleep_minutes: Option<u32>,
}

/// The rule for one supported OS family.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OsRule {
    /// Lowest version, dotted (`"10"`, `"12"`, `"10.13.6"`).
    pub min_version: Option<String>,
    /// Accepted CPU architectures (`x86_64`, `aarch64`); absent: any.
    pub architectures: Option<Vec<String>>,
    /// Windows S mode allowed?
    pub allow_s_mode: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------------------------

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemFacts {
    pub os: OsFacts,
    pub cpu: CpuFacts,
    pub memory: MemoryFacts,
    #[serialize_always]
    pub disk: Option<DiskFacts>,
    pub virtualization: Virtualization,
    pub displays: DisplayFacts,
    /// Battery, charger and sleep timeout (reports before these were recorded have none).
    #[serde(default)]
    pub power: crate::os::power::PowerFacts,
    /// Why a restart is pending (empty: none); `None` where it cannot be read.
    #[serde(default)]
    pub pending_restart: Option<Vec<crate::os::reboot::RebootReason>>,
    /// macOS: whether the terminal (or examready) may record the screen.
    #[serde(default)]
    pub screen_recording: Option<crate::os::macos_permissions::ScreenRecordingFacts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsFacts {
    /// `windows`, `macos` or `linux`; `None` for another system.
    pub family: Option<OsFamily>,
    /// `Windows 11 Pro`, `macOS 14.5 Sonoma`, `Debian GNU/Linux 12`.
    pub name: String,
    /// The product version compared with the profile (`11`, `14.5`, `12`).
    pub version: Option<String>,
    /// Windows edition or Linux distribution id where known.
    pub edition: Option<String>,
    pub kernel: Option<String>,
    /// `x86_64`, `aarch64`, ...
    pub arch: String,
    /// Windows S mode; `None` where it does not apply or could not be read.
    pub s_mode: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuFacts {
    pub brand: String,
    pub logical_cores: usize,
    pub physical_cores: Option<usize>,
    pub frequency_mhz: u64,
    /// Average load of all cores over the sampling window.
    pub load_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryFacts {
    pub total_bytes: u64,
    pub available_bytes: u64,
    pub used_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiskFacts {
    /// The mount point of the volume holding the user's home folder.
    pub mount: String,
    pub total_bytes: u64,
    pub free_bytes: u64,
}

// ---------------------------------------------------------------------------------------------
// Codes and the module
// ---------------------------------------------------------------------------------------------

crate::finding_codes! {
    /// The system module's finding codes (power ones included).
    pub enum SystemCode {
        RestartPending = "restart-pending": "the computer waits for a restart (updates): it may restart during the exam",
        RestartNone = "restart-none": "no restart is pending",
        PowerOnBattery = "power-on-battery": "the computer runs on battery",
        PowerBatteryLow = "power-battery-low": "on battery with less charge than the profile asks",
        PowerSleepSoon = "power-sleep-soon": "the computer sleeps after fewer idle minutes than the profile asks",
        PowerOk = "power-ok": "on the charger (or no battery) and not set to sleep soon",
        OsSupported = "os-supported": "the operating system and version are supported",
        OsUnsupported = "os-unsupported": "the operating system family is not supported by the service",
        OsVersionOld = "os-version-old": "the operating system version is below the minimum",
        OsArchUnsupported = "os-arch-unsupported": "the CPU architecture is not supported (e.g. 32-bit)",
        OsSMode = "os-s-mode": "Windows runs in S mode, which cannot install the exam software",
        CpuCoresLow = "cpu-cores-low": "fewer CPU cores than required or recommended",
        CpuBusy = "cpu-busy": "the CPU is busy above the live limit",
        RamLow = "ram-low": "less memory than required or recommended",
        MemoryBusy = "memory-busy": "too much memory in use right now",
        MemoryAvailableLow = "memory-available-low": "less memory available right now than the profile requires",
        DiskLow = "disk-low": "too little free disk space",
        HardwareOk = "hardware-ok": "CPU, memory and disk meet the profile",
        VmDetected = "vm-detected": "running inside a virtual machine or container",
        VmNone = "vm-none": "no virtual machine or container detected",
        DisplayCount = "display-count": "more monitors connected than allowed",
        DisplayResolutionLow = "display-resolution-low": "a monitor's resolution is below the minimum or recommendation",
        DisplayTouch = "display-touch": "a touchscreen is present: not allowed (fail) or to be left untouched (warning)",
        DisplayOk = "display-ok": "the display setup meets the profile",
        DisplayNotChecked = "display-not-checked": "no display server or API answered, so displays were not checked",
    }
}

impl Module for System {
    type Facts = SystemFacts;
    type Requirements = SystemRequirements;
    const ID: &'static str = "system";
    const TITLE: &'static str = "Computer";
    const ABOUT: &'static str =
        "operating system, CPU, memory, disk, virtual machine and displays against the profile";
    const CODES: &'static [&'static [(&'static str, &'static str)]] = &[
        SystemCode::TABLE,
        crate::os::macos_permissions::SYSTEM_CODES,
    ];

    fn probe(&self, _req: &SystemRequirements, ctx: &ProbeContext) -> anyhow::Result<SystemFacts> {
        probe::probe(ctx)
    }

    fn figures(facts: &SystemFacts, req: &SystemRequirements) -> Vec<crate::model::Figure> {
        figures::figures(facts, req)
    }

    fn judge(facts: &SystemFacts, req: &SystemRequirements, ctx: JudgeContext) -> Judgement {
        judge(facts, req, ctx.profile_name)
    }
}

// ---------------------------------------------------------------------------------------------
// Judge (pure)
// ---------------------------------------------------------------------------------------------

/// Compare dotted numeric versions: `"10.13.6" >= "10.13"`. Non-numeric parts count as 0.
pub fn version_at_least(have: &str, min: &str) -> bool {
    let parse = |s: &str| -> Vec<u64> {
        s.split(['.', ' ', '-'])
            .take_while(|p| !p.is_empty())
            .map(|p| {
                p.chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect::<String>()
                    .parse()
                    .unwrap_or(0)
            })
            .collect()
    };
    let (h, m) = (parse(have), parse(min));
    for i in 0..h.len().max(m.len()) {
        let (a, b) = (
            h.get(i).copied().unwrap_or(0),
            m.get(i).copied().unwrap_or(0),
        );
        if a != b {
            return a > b;
        }
    }
    true
}
#[cfg(test)]
mod tests;
