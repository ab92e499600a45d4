/*!
The `system` module: operating system, CPU, memory, disk, virtualization and displays.

The probe reads facts through sysinfo and small platform code (`virt.rs`, `display.rs`); the
judge compares them with the profile's `[system]` section.
*/

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sysinfo::{CpuRefreshKind, Disks, MemoryRefreshKind, RefreshKind, System as SysInfo};

use super::fmt::{gb, num};
use super::{JudgeContext, Module, ProbeContext};
use crate::catalogue::OsFamily;
use crate::model::{Finding, Judgement, Status};
use crate::units::{Gigabytes, Percent, Resolution};

pub mod display;
mod figures;
mod judge;
pub mod power;
pub mod virt;

pub use judge::judge;

pub use display::{DisplayFacts, Monitor};
pub use virt::{VirtKind, Virtualization};

pub struct System;

// ---------------------------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------------------------

/// `[system]` in a profile. Every field is optional: what a profile leaves out is not judged.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SystemRequirements {
    /// Supported operating systems; a family not listed is unsupported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<BTreeMap<OsFamily, OsRule>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_cpu_cores: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_cpu_cores: Option<u32>,
    /// Current CPU load above this fails (ProctorU-style live limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cpu_load_percent: Option<Percent>,
    /// Current CPU load above this warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_max_cpu_load_percent: Option<Percent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_ram_gb: Option<Gigabytes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_ram_gb: Option<Gigabytes>,
    /// Less memory available (free for new programs) than this fails: a rule about the
    /// memory left while the exam runs, not the memory installed (Respondus Monitor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_available_memory_gb: Option<Gigabytes>,
    /// Memory in use above this fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_memory_used_percent: Option<Percent>,
    /// Memory in use above this warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_max_memory_used_percent: Option<Percent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_free_disk_gb: Option<Gigabytes>,
    /// Less free disk than this warns (a figure no vendor publishes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_free_disk_gb: Option<Gigabytes>,
    /// `false`: a virtual machine or container fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_virtual_machine: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_displays: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_resolution: Option<Resolution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_resolution: Option<Resolution>,
    /// `false`: a touchscreen that is present fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_touchscreen: Option<bool>,
    /// `true`: a touchscreen that is present warns (presence is not use: the rule may be
    /// about touching the screen during the exam, which no program can see beforehand).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn_touchscreen: Option<bool>,
    /// `true`: a pending restart (updates waiting) warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn_pending_restart: Option<bool>,
    /// `true`: running on battery warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn_on_battery: Option<bool>,
    /// On battery with less charge than this warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_battery_percent: Option<Percent>,
    /// Sleeping after fewer idle minutes than this (for the current power source) warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_sleep_minutes: Option<u32>,
}

/// The rule for one supported OS family.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OsRule {
    /// Lowest version, dotted (`"10"`, `"12"`, `"10.13.6"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_version: Option<String>,
    /// Accepted CPU architectures (`x86_64`, `aarch64`); absent: any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architectures: Option<Vec<String>>,
    /// Windows S mode allowed?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_s_mode: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemFacts {
    pub os: OsFacts,
    pub cpu: CpuFacts,
    pub memory: MemoryFacts,
    pub disk: Option<DiskFacts>,
    pub virtualization: Virtualization,
    pub displays: DisplayFacts,
    /// Battery, charger and sleep timeout (reports before these were recorded have none).
    #[serde(default)]
    pub power: crate::os::power::PowerFacts,
    /// Why a restart is pending (empty: none); `None` where it cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_restart: Option<Vec<crate::os::reboot::RebootReason>>,
    /// macOS: whether the terminal (or examready) may record the screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
// Probe
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
        ScreenRecordingPermission = "screen-recording-permission": "macOS screen recording: the exam app needs its own grant",
    }
}

impl Module for System {
    type Facts = SystemFacts;
    type Requirements = SystemRequirements;
    const ID: &'static str = "system";
    const TITLE: &'static str = "Computer";
    const ABOUT: &'static str =
        "operating system, CPU, memory, disk, virtual machine and displays against the profile";
    const CODES: &'static [(&'static str, &'static str)] = SystemCode::TABLE;

    fn probe(&self, _req: &SystemRequirements, ctx: &ProbeContext) -> anyhow::Result<SystemFacts> {
        ctx.progress("reading CPU load");
        // On Windows, sysinfo would read CPU usage through PDH counters (broken on some real
        // machines, absent under Wine): the load comes from GetSystemTimes there instead.
        let cpu_refresh = if cfg!(windows) {
            CpuRefreshKind::nothing().with_frequency()
        } else {
            CpuRefreshKind::nothing().with_usage().with_frequency()
        };
        #[cfg_attr(windows, allow(unused_mut))]
        let mut sys = SysInfo::new_with_specifics(
            RefreshKind::nothing()
                .with_cpu(cpu_refresh)
                .with_memory(MemoryRefreshKind::nothing().with_ram()),
        )?;
        #[cfg(windows)]
        let before = crate::os::cpu::sample();
        // CPU usage is a difference between two readings.
        let window = if ctx.options.quick { 250 } else { 500 };
        std::thread::sleep(Duration::from_millis(window).max(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL));
        #[cfg(windows)]
        let load = before
            .zip(crate::os::cpu::sample())
            .and_then(|(a, b)| crate::os::cpu::load_between(a, b))
            .ok_or_else(|| anyhow::anyhow!("Windows gave no CPU times (GetSystemTimes)"))?;
        #[cfg(not(windows))]
        let load = {
            sys.refresh_cpu_usage();
            f64::from(sys.global_cpu_usage())
        };

        let cpus = sys.cpus();
        let cpu = CpuFacts {
            brand: cpus
                .first()
                .map(|c| c.brand().trim().to_string())
                .unwrap_or_default(),
            logical_cores: cpus.len(),
            physical_cores: SysInfo::physical_core_count().ok(),
            frequency_mhz: cpus.first().map(|c| c.frequency()).unwrap_or(0),
            load_percent: round1(load),
        };
        let total = sys.total_memory();
        let available = sys.available_memory();
        let memory = MemoryFacts {
            total_bytes: total,
            available_bytes: available,
            used_percent: if total > 0 {
                round1((total.saturating_sub(available)) as f64 * 100.0 / total as f64)
            } else {
                0.0
            },
        };
        ctx.progress("detecting virtualization and displays");
        Ok(SystemFacts {
            os: probe_os(),
            cpu,
            memory,
            disk: probe_disk(),
            virtualization: virt::detect(),
            displays: display::probe(),
            power: crate::os::power::probe(),
            pending_restart: crate::os::reboot::probe(),
            screen_recording: crate::os::macos_permissions::probe_screen_recording(),
        })
    }

    fn figures(facts: &SystemFacts, req: &SystemRequirements) -> Vec<crate::model::Figure> {
        figures::figures(facts, req)
    }

    fn judge(facts: &SystemFacts, req: &SystemRequirements, ctx: JudgeContext) -> Judgement {
        judge(facts, req, ctx.profile_name)
    }
}

fn round1(v: f64) -> f64 {
    crate::stats::round_to(v, 1)
}

fn probe_os() -> OsFacts {
    let family = if cfg!(target_os = "windows") {
        Some(OsFamily::Windows)
    } else if cfg!(target_os = "macos") {
        Some(OsFamily::Macos)
    } else if cfg!(target_os = "linux") {
        Some(OsFamily::Linux)
    } else {
        None
    };
    let long = SysInfo::long_os_version().ok();
    let short = SysInfo::os_version().ok();
    let kernel = SysInfo::kernel_version().ok();
    let name_os = SysInfo::name().ok();
    let (version, edition, s_mode) = match family {
        Some(OsFamily::Windows) => (
            windows_product_version(short.as_deref(), kernel.as_deref()),
            long.clone(),
            windows_s_mode(),
        ),
        Some(OsFamily::Linux) => (short.clone(), Some(SysInfo::distribution_id()), None),
        _ => (short.clone(), None, None),
    };
    let name = match (&long, &name_os) {
        (Some(l), _) if !l.trim().is_empty() => l.trim().to_string(),
        (_, Some(n)) => n.clone(),
        _ => std::env::consts::OS.to_string(),
    };
    OsFacts {
        family,
        name,
        version,
        edition,
        kernel,
        arch: normalize_arch(&SysInfo::cpu_arch()),
        s_mode,
    }
}

/// `x86_64`/`aarch64` whatever the platform calls them (`AMD64`, `arm64`).
pub fn normalize_arch(a: &str) -> String {
    match a.trim().to_ascii_lowercase().as_str() {
        "amd64" | "x64" | "x86_64" => "x86_64".into(),
        "arm64" | "aarch64" => "aarch64".into(),
        "i386" | "i486" | "i586" | "i686" | "x86" => "x86".into(),
        "" => std::env::consts::ARCH.into(),
        other => other.into(),
    }
}

/// Windows reports 10 as its major version on Windows 11 too; builds from 22000 on are 11.
pub fn windows_product_version(os_version: Option<&str>, kernel: Option<&str>) -> Option<String> {
    let build = kernel
        .and_then(|k| {
            k.split(|c: char| !c.is_ascii_digit())
                .find(|s| !s.is_empty())
        })
        .and_then(|s| s.parse::<u32>().ok());
    let major = os_version
        .and_then(|v| {
            v.split(|c: char| !c.is_ascii_digit())
                .find(|s| !s.is_empty())
        })
        .and_then(|s| s.parse::<u32>().ok());
    match (major, build) {
        (Some(10), Some(b)) if b >= 22000 => Some("11".into()),
        (Some(m), _) => Some(m.to_string()),
        (None, Some(b)) if b >= 22000 => Some("11".into()),
        _ => None,
    }
}

/// Windows S mode: `SkuPolicyRequired = 1` under the CI policy key.
#[cfg(target_os = "windows")]
fn windows_s_mode() -> Option<bool> {
    let out = std::process::Command::new("reg")
        .args([
            "query",
            r"HKLM\SYSTEM\CurrentControlSet\Control\CI\Policy",
            "/v",
            "SkuPolicyRequired",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        // The value is absent on machines that never were in S mode.
        return Some(false);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(text.contains("0x1"))
}

#[cfg(not(target_os = "windows"))]
fn windows_s_mode() -> Option<bool> {
    None
}

fn probe_disk() -> Option<DiskFacts> {
    let disks = Disks::new_with_refreshed_list().ok()?;
    let home = directories::BaseDirs::new()
        .map(|b| b.home_dir().to_path_buf())
        .unwrap_or_else(std::env::temp_dir);
    disks
        .iter()
        .filter(|d| home.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())
        .map(|d| DiskFacts {
            mount: d.mount_point().display().to_string(),
            total_bytes: d.total_space(),
            free_bytes: d.available_space(),
        })
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
