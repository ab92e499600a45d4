//! The probe: sysinfo for the CPU, memory, OS and disk, with the platform code in `virt.rs`,
//! `display.rs` and `crate::os` for the rest.

use std::time::Duration;

use sysinfo::{CpuRefreshKind, Disks, MemoryRefreshKind, RefreshKind, System as SysInfo};

use super::*;

/// Read the CPU load over a short window, the memory, the OS, the disk holding the home folder,
/// virtualization, displays, power and a pending restart.
pub(super) fn probe(ctx: &ProbeContext) -> anyhow::Result<SystemFacts> {
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
