//! Virtual machines and the display rules: monitors, resolution, touchscreen, headless.

use super::*;

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
