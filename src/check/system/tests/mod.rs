//! The `system` judge on recorded facts: pass, warn and fail for every rule.

use super::*;
use crate::model::Status;

mod displays;
mod hardware;
mod os;
mod power;

fn windows11() -> SystemFacts {
    SystemFacts {
        os: OsFacts {
            family: Some(OsFamily::Windows),
            name: "Windows 11 Pro".into(),
            version: Some("11".into()),
            edition: Some("Windows 11 Pro".into()),
            kernel: Some("22631".into()),
            arch: "x86_64".into(),
            s_mode: Some(false),
        },
        cpu: CpuFacts {
            brand: "Intel(R) Core(TM) i5-1135G7".into(),
            logical_cores: 8,
            physical_cores: Some(4),
            frequency_mhz: 2400,
            load_percent: 12.0,
        },
        memory: MemoryFacts {
            total_bytes: 16_000_000_000,
            available_bytes: 10_000_000_000,
            used_percent: 37.5,
        },
        disk: Some(DiskFacts {
            mount: "C:\\".into(),
            total_bytes: 500_000_000_000,
            free_bytes: 120_000_000_000,
        }),
        virtualization: Virtualization::default(),
        displays: DisplayFacts {
            source: Some("user32".into()),
            monitors: Some(vec![Monitor {
                name: "DISPLAY1".into(),
                width: 1920,
                height: 1080,
                primary: true,
            }]),
            unavailable_reason: None,
            touchscreen: Some(false),
        },
        power: Default::default(),
        pending_restart: None,
        screen_recording: None,
    }
}

fn onvue_like() -> SystemRequirements {
    let text = r#"
min_ram_gb = 4
recommended_ram_gb = 8
min_cpu_cores = 2
recommended_cpu_cores = 4
max_cpu_load_percent = 85
recommended_max_cpu_load_percent = 50
max_memory_used_percent = 95
recommended_max_memory_used_percent = 90
min_free_disk_gb = 1
allow_virtual_machine = false
max_displays = 1
min_resolution = "1024x768"
recommended_resolution = "1920x1080"
allow_touchscreen = false
[os.windows]
min_version = "10"
architectures = ["x86_64", "aarch64"]
allow_s_mode = false
[os.macos]
min_version = "12"
"#;
    toml::from_str(text).unwrap()
}

fn codes(j: &Judgement, status: Status) -> Vec<String> {
    j.findings
        .iter()
        .filter(|f| f.status == status)
        .map(|f| f.code.clone())
        .collect()
}

fn assert_declared(j: &Judgement) {
    crate::check::assert_well_formed(&System, j);
}

#[test]
fn healthy_windows_passes_everything() {
    let j = judge(&windows11(), &onvue_like(), "OnVUE");
    assert_declared(&j);
    assert_eq!(j.status(), Status::Pass, "{:#?}", j.findings);
    assert_eq!(
        codes(&j, Status::Pass),
        ["os-supported", "hardware-ok", "vm-none", "display-ok"]
    );
    assert!(j.summary.contains("Windows 11 Pro"));
    // The version is not repeated when the name carries it ("Windows 11 Pro 11").
    assert_eq!(
        j.findings[0].message,
        "Windows 11 Pro is supported (needs Windows 10+ or macOS 12+)."
    );
}

#[test]
fn empty_requirements_judge_nothing_but_still_report() {
    let j = judge(&windows11(), &SystemRequirements::default(), "Minimal");
    assert_eq!(j.status(), Status::Pass);
    assert!(!j.findings.iter().any(|f| f.code.starts_with("os-")));
}
