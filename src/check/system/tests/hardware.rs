//! The hardware rules: CPU cores and load, memory installed, in use and available, free disk.

use super::*;

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
