//! The `system` judge on recorded facts: pass, warn and fail for every rule.

use super::*;
use crate::model::Status;

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
fn linux_is_unsupported_with_a_remedy_naming_the_alternatives() {
    let mut f = windows11();
    f.os.family = Some(OsFamily::Linux);
    f.os.name = "Debian GNU/Linux 12".into();
    let j = judge(&f, &onvue_like(), "Pearson OnVUE");
    assert_declared(&j);
    let fail = j
        .findings
        .iter()
        .find(|f| f.code == "os-unsupported")
        .unwrap();
    assert_eq!(fail.status, Status::Fail);
    let remedy = fail.remedy.as_deref().unwrap();
    assert!(
        remedy.contains("Windows 10+") && remedy.contains("macOS 12+"),
        "{remedy}"
    );
    assert!(remedy.contains("will not run on Linux"), "{remedy}");
}

#[test]
fn old_versions_32_bit_and_s_mode_fail() {
    let mut f = windows11();
    f.os.family = Some(OsFamily::Macos);
    f.os.name = "macOS".into();
    f.os.version = Some("11.7.10".into());
    let j = judge(&f, &onvue_like(), "OnVUE");
    assert_eq!(codes(&j, Status::Fail), ["os-version-old"]);

    let mut f = windows11();
    f.os.arch = "x86".into();
    f.os.s_mode = Some(true);
    let j = judge(&f, &onvue_like(), "OnVUE");
    assert_declared(&j);
    assert_eq!(
        codes(&j, Status::Fail),
        ["os-arch-unsupported", "os-s-mode"]
    );

    let mut f = windows11();
    f.os.version = None;
    let j = judge(&f, &onvue_like(), "OnVUE");
    assert_eq!(codes(&j, Status::Warn), ["os-version-old"]);
}

#[test]
fn cpu_and_memory_rules_warn_then_fail() {
    let req = onvue_like();
    let mut f = windows11();
    f.cpu.logical_cores = 2;
    f.cpu.load_percent = 60.0;
    f.memory.total_bytes = 7_900_000_000; // nominal 8 GB reads a little under: no warning
    f.memory.used_percent = 92.0;
    let j = judge(&f, &req, "P");
    assert_declared(&j);
    assert_eq!(
        codes(&j, Status::Warn),
        ["cpu-cores-low", "cpu-busy", "memory-busy"]
    );

    f.cpu.logical_cores = 1;
    f.cpu.load_percent = 97.0;
    f.memory.total_bytes = 3_000_000_000;
    f.memory.used_percent = 99.0;
    let j = judge(&f, &req, "P");
    assert_eq!(
        codes(&j, Status::Fail),
        ["cpu-cores-low", "cpu-busy", "ram-low", "memory-busy"]
    );

    f.memory.total_bytes = 6_000_000_000;
    let j = judge(&f, &req, "P");
    assert!(codes(&j, Status::Warn).contains(&"ram-low".to_string()));
}

#[test]
fn disk_low_fails() {
    let mut f = windows11();
    f.disk.as_mut().unwrap().free_bytes = 500_000_000;
    let j = judge(&f, &onvue_like(), "P");
    assert_eq!(codes(&j, Status::Fail), ["disk-low"]);
}

#[test]
fn virtual_machine_fails_and_is_named() {
    let mut f = windows11();
    f.virtualization = Virtualization {
        kind: Some(VirtKind::VirtualMachine),
        name: Some("VMware".into()),
        hypervisor: None,
        evidence: vec!["CPUID".into()],
    };
    let j = judge(&f, &onvue_like(), "OnVUE");
    let vm = j.findings.iter().find(|x| x.code == "vm-detected").unwrap();
    assert_eq!(vm.status, Status::Fail);
    assert!(
        vm.message.contains("VMware virtual machine"),
        "{}",
        vm.message
    );
    assert!(j.summary.contains("VMware"));

    let mut allow = onvue_like();
    allow.allow_virtual_machine = None;
    let j = judge(&f, &allow, "Lenient");
    assert_eq!(j.status(), Status::Pass);
}

#[test]
fn two_monitors_low_resolution_and_touch() {
    let mut f = windows11();
    let m = f.displays.monitors.as_mut().unwrap();
    m.push(Monitor {
        name: "DISPLAY2".into(),
        width: 1366,
        height: 768,
        primary: false,
    });
    let j = judge(&f, &onvue_like(), "OnVUE");
    assert_declared(&j);
    assert_eq!(codes(&j, Status::Fail), ["display-count"]);
    assert_eq!(codes(&j, Status::Warn), ["display-resolution-low"]);

    let mut f = windows11();
    f.displays.monitors.as_mut().unwrap()[0].width = 800;
    f.displays.monitors.as_mut().unwrap()[0].height = 600;
    f.displays.touchscreen = Some(true);
    let j = judge(&f, &onvue_like(), "OnVUE");
    assert_eq!(
        codes(&j, Status::Fail),
        ["display-resolution-low", "display-touch"]
    );
}

#[test]
fn headless_display_is_skipped_not_passed() {
    let mut f = windows11();
    f.displays = DisplayFacts {
        unavailable_reason: Some("no display server".into()),
        ..DisplayFacts::default()
    };
    let j = judge(&f, &onvue_like(), "OnVUE");
    let d = j
        .findings
        .iter()
        .find(|x| x.code == "display-not-checked")
        .unwrap();
    assert_eq!(d.status, Status::Skip);
    assert!(d.message.contains("no display server"));
    // A skipped part neither fails the module nor hides that the rest passed.
    assert_eq!(j.status(), Status::Pass);
}

#[test]
fn empty_requirements_judge_nothing_but_still_report() {
    let j = judge(&windows11(), &SystemRequirements::default(), "Minimal");
    assert_eq!(j.status(), Status::Pass);
    assert!(!j.findings.iter().any(|f| f.code.starts_with("os-")));
}

#[test]
fn versions_compare_numerically() {
    assert!(version_at_least("10.13.6", "10.13"));
    assert!(version_at_least("14.5", "12"));
    assert!(!version_at_least("11.7.10", "12"));
    assert!(version_at_least("12", "12.0"));
    assert!(!version_at_least("10.9", "10.13"));
}

#[test]
fn windows_11_is_told_from_its_build() {
    assert_eq!(
        windows_product_version(Some("10 (22631)"), Some("22631")).as_deref(),
        Some("11")
    );
    assert_eq!(
        windows_product_version(Some("10"), Some("19045")).as_deref(),
        Some("10")
    );
    assert_eq!(windows_product_version(None, None), None);
    assert_eq!(normalize_arch("AMD64"), "x86_64");
    assert_eq!(normalize_arch("arm64"), "aarch64");
}

/// A laptop on battery with updates waiting, under a profile with the power rules: every
/// finding is declared and has a remedy, and the rest of the verdict is unchanged.
#[test]
fn laptop_on_battery_with_a_pending_restart() {
    let mut f = windows11();
    f.power = crate::os::power::PowerFacts {
        battery: Some(true),
        on_battery: Some(true),
        battery_percent: Some(30.0),
        sleep_after_min_ac: Some(0),
        sleep_after_min_battery: Some(10),
    };
    f.pending_restart = Some(vec![crate::os::reboot::RebootReason::ComponentServicing]);
    let mut req = onvue_like();
    req.warn_pending_restart = Some(true);
    req.warn_on_battery = Some(true);
    req.min_battery_percent = Some(Percent(50.0));
    req.min_sleep_minutes = Some(20);
    let j = judge(&f, &req, "OnVUE");
    assert_declared(&j);
    let warned: Vec<&str> = j
        .findings
        .iter()
        .filter(|f| f.status == Status::Warn)
        .map(|f| f.code.as_str())
        .collect();
    for code in [
        "restart-pending",
        "power-on-battery",
        "power-battery-low",
        "power-sleep-soon",
    ] {
        assert!(warned.contains(&code), "{code} not in {warned:?}");
    }
    assert_eq!(j.status(), Status::Warn);
}

/// OnVUE's touchscreen rule is about use, which no program sees: a present touchscreen warns
/// under `warn_touchscreen` and fails only under `allow_touchscreen = false`.
#[test]
fn a_present_touchscreen_warns_under_warn_touchscreen() {
    let mut f = windows11();
    f.displays.touchscreen = Some(true);
    let mut req = onvue_like();
    req.allow_touchscreen = None;
    req.warn_touchscreen = Some(true);
    let j = judge(&f, &req, "OnVUE");
    assert_declared(&j);
    assert_eq!(j.status(), Status::Warn, "{:#?}", j.findings);
    assert_eq!(codes(&j, Status::Warn), ["display-touch"]);
    // No touchscreen: nothing to say.
    f.displays.touchscreen = Some(false);
    assert_eq!(judge(&f, &req, "OnVUE").status(), Status::Pass);
    // Neither key: not judged.
    f.displays.touchscreen = Some(true);
    req.warn_touchscreen = None;
    assert_eq!(judge(&f, &req, "OnVUE").status(), Status::Pass);
}

/// Respondus Monitor's rule is memory *available* while the webcam records, not installed.
#[test]
fn available_memory_is_judged_apart_from_installed_memory() {
    let req: SystemRequirements =
        toml::from_str("min_ram_gb = 2\nmin_available_memory_gb = 4").unwrap();
    let mut f = windows11();
    f.memory.total_bytes = 16_000_000_000;
    f.memory.available_bytes = 3_000_000_000;
    let j = judge(&f, &req, "Respondus");
    assert_declared(&j);
    assert_eq!(codes(&j, Status::Fail), ["memory-available-low"]);
    let x = j
        .findings
        .iter()
        .find(|x| x.code == "memory-available-low")
        .unwrap();
    assert!(
        x.message.contains("3 GB of memory is available"),
        "{}",
        x.message
    );
    // The finding judges a declared figure: measured and limit as data, not only in words.
    assert_eq!(x.figure.as_deref(), Some("system.memory_available_gb"));
    assert_eq!(
        (x.measured, x.limit, x.unit.as_deref()),
        (Some(3.0), Some(4.0), Some("GB"))
    );
    let figs = super::figures::figures(&f, &req);
    let fig = figs
        .iter()
        .find(|g| g.id == "system.memory_available_gb")
        .unwrap();
    assert_eq!(fig.value, Some(3.0));
    assert!(
        super::figures::figures(&f, &SystemRequirements::default())
            .iter()
            .all(|g| g.id != "system.memory_available_gb"),
        "shown only under a profile with a floor"
    );
    f.memory.available_bytes = 5_000_000_000;
    assert_eq!(judge(&f, &req, "Respondus").status(), Status::Pass);
}

/// A free-disk figure no vendor publishes only warns (`recommended_free_disk_gb`).
#[test]
fn a_recommended_free_disk_figure_warns() {
    let mut f = windows11();
    f.disk.as_mut().unwrap().free_bytes = 500_000_000;
    let req: SystemRequirements = toml::from_str("recommended_free_disk_gb = 1").unwrap();
    let j = judge(&f, &req, "OnVUE");
    assert_declared(&j);
    assert_eq!(codes(&j, Status::Warn), ["disk-low"]);
    assert!(j.findings.iter().all(|x| x.status != Status::Fail));
}

#[test]
fn macos_screen_recording_is_a_note_on_the_exam_apps_grant() {
    let mut f = windows11();
    f.screen_recording = Some(crate::os::macos_permissions::ScreenRecordingFacts {
        granted: false,
        app: "Terminal".into(),
    });
    let j = judge(&f, &onvue_like(), "OnVUE");
    assert_declared(&j); // screen-recording-permission is a System code
    assert_eq!(j.status(), Status::Pass);
    assert!(codes(&j, Status::Pass).contains(&"screen-recording-permission".into()));
}
