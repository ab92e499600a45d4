//! The operating system rules: family, version, architecture, S mode, and the macOS screen
//! recording note.

use super::*;

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
