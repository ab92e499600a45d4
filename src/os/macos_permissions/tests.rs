use super::*;
use crate::codes::Code;

fn facts(status: Authorization, app: &str) -> PermissionFacts {
    PermissionFacts {
        status,
        app: app.into(),
    }
}

/// The statuses as recorded from `AVCaptureDevice authorizationStatusForMediaType:` (raw
/// NSInteger values) and from a report's facts (JSON).
#[test]
fn recorded_statuses_read_back() {
    assert_eq!(
        Authorization::from_raw(0),
        Some(Authorization::NotDetermined)
    );
    assert_eq!(Authorization::from_raw(1), Some(Authorization::Restricted));
    assert_eq!(Authorization::from_raw(2), Some(Authorization::Denied));
    assert_eq!(Authorization::from_raw(3), Some(Authorization::Authorized));
    assert_eq!(Authorization::from_raw(4), None);
    assert_eq!(Authorization::from_raw(-1), None);
    let f: PermissionFacts =
        serde_json::from_str(r#"{"status": "not-determined", "app": "iTerm"}"#).unwrap();
    assert_eq!(f, facts(Authorization::NotDetermined, "iTerm"));
    assert_eq!(
        serde_json::to_value(facts(Authorization::Denied, "Terminal")).unwrap(),
        serde_json::json!({"status": "denied", "app": "Terminal"})
    );
}

#[test]
fn the_app_is_the_terminal_or_examready() {
    assert_eq!(
        responsible_app(Some("Apple_Terminal"), Some("com.apple.Terminal")),
        "Terminal"
    );
    assert_eq!(responsible_app(Some("iTerm.app"), None), "iTerm");
    assert_eq!(
        responsible_app(Some("vscode"), Some("com.microsoft.VSCode")),
        "Visual Studio Code"
    );
    assert_eq!(responsible_app(Some("WezTerm"), None), "WezTerm");
    // tmux in Terminal: the bundle of the app hosting it still says who is asked.
    assert_eq!(
        responsible_app(Some("tmux"), Some("com.apple.Terminal")),
        "Terminal"
    );
    assert_eq!(
        responsible_app(Some("tmux"), None),
        "the terminal app running tmux"
    );
    assert_eq!(
        responsible_app(None, Some("org.example.Shell")),
        "org.example.Shell"
    );
    // Opened from Finder: examready itself.
    assert_eq!(responsible_app(None, None), "examready");
}

#[test]
fn a_denied_microphone_is_named_with_the_settings_path_instead_of_silence() {
    let mut findings = vec![
        Finding::fail(Code("mic-silent"), "silent", "unmute the microphone please"),
        Finding::pass(Code("mic-noise-ok"), "quiet room"),
        Finding::warn(
            Code("mic-headset"),
            "a headset",
            "use a microphone that is not a headset",
        ),
    ];
    let summary = apply(
        Device::Microphone,
        &facts(Authorization::Denied, "Terminal"),
        &mut findings,
        &["mic-silent", "mic-noise-ok"],
    );
    assert_eq!(
        summary.as_deref(),
        Some("macOS denies microphone access to Terminal")
    );
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["mic-permission-denied", "mic-headset"]);
    let f = &findings[0];
    assert_eq!(f.status, Status::Fail);
    assert_eq!(f.message, "macOS denies microphone access to Terminal.");
    let remedy = f.remedy.as_deref().unwrap();
    assert!(
        remedy.starts_with(
            "Open System Settings > Privacy & Security > Microphone, turn on Terminal, quit \
             Terminal completely (Cmd-Q)"
        ),
        "{remedy}"
    );
    for exam_app in ["OnVUE", "Guardian", "LockDown Browser"] {
        assert!(remedy.contains(exam_app), "{remedy}");
    }
}

#[test]
fn a_denied_camera_from_finder_is_examreadys_and_restricted_names_who_decides() {
    let mut findings = vec![Finding::fail(
        Code("webcam-none"),
        "No camera found.",
        "connect a camera and run the check again",
    )];
    apply(
        Device::Camera,
        &facts(Authorization::Denied, "examready"),
        &mut findings,
        &["webcam-none"],
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, "webcam-permission-denied");
    assert_eq!(
        findings[0].message,
        "macOS denies camera access to examready."
    );
    // Nothing to quit and reopen: examready is the app.
    let remedy = findings[0].remedy.as_deref().unwrap();
    assert!(
        remedy.starts_with(
            "Open System Settings > Privacy & Security > Camera, turn on examready, and run"
        ),
        "{remedy}"
    );

    let (f, void) = judge(Device::Camera, &facts(Authorization::Restricted, "iTerm"));
    assert!(void);
    assert_eq!(f.status, Status::Fail);
    assert!(
        f.message
            .starts_with("macOS denies camera access to iTerm (restricted")
    );
    assert!(f.remedy.unwrap().contains("Screen Time"));
}

#[test]
fn not_determined_says_macos_asks_on_first_use() {
    let mut findings = vec![Finding::fail(
        Code("mic-silent"),
        "silent",
        "unmute the microphone please",
    )];
    let summary = apply(
        Device::Microphone,
        &facts(Authorization::NotDetermined, "Terminal"),
        &mut findings,
        &["mic-silent"],
    );
    assert!(summary.unwrap().contains("not asked yet"));
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f.code, "mic-permission-not-asked");
    assert_eq!(f.status, Status::Warn);
    assert!(f.message.contains("it asks on first use"), "{}", f.message);
    assert!(
        f.remedy
            .as_deref()
            .unwrap()
            .contains("\"Terminal would like to access the microphone\""),
    );
}

#[test]
fn authorized_keeps_the_measurement_and_notes_the_exam_apps_own_grant() {
    let mut findings = vec![Finding::pass(Code("mic-level"), "-31 dBFS")];
    let summary = apply(
        Device::Microphone,
        &facts(Authorization::Authorized, "Terminal"),
        &mut findings,
        &["mic-level"],
    );
    assert_eq!(summary, None);
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["mic-level", "mic-permission-granted"]);
    assert_eq!(findings[1].status, Status::Pass);
    assert!(
        findings[1]
            .message
            .contains("OnVUE, Guardian, LockDown Browser")
    );
    assert!(
        findings[1]
            .message
            .contains("Privacy & Security > Microphone")
    );
}

#[test]
fn screen_recording_note_names_the_place() {
    for granted in [true, false] {
        let f = judge_screen_recording(&ScreenRecordingFacts {
            granted,
            app: "Terminal".into(),
        });
        assert_eq!(f.code, "screen-recording-permission");
        assert_eq!(f.status, Status::Pass);
        assert!(f.message.contains("Screen & System Audio Recording"));
        assert!(f.message.contains("OnVUE"));
        assert_eq!(f.message.contains("may not record"), !granted);
    }
}

/// Every status of both devices gives one of the declared codes, and the three lists cover them
/// all (each module's tests check that it declares its list).
#[test]
fn emitted_codes_are_declared() {
    let all: Vec<&str> = [WEBCAM_CODES, MIC_CODES, SYSTEM_CODES]
        .concat()
        .iter()
        .map(|(c, _)| *c)
        .collect();
    assert_eq!(all.len(), 7, "{all:?}");
    assert!(WEBCAM_CODES.iter().all(|(c, _)| c.starts_with("webcam-")));
    assert!(MIC_CODES.iter().all(|(c, _)| c.starts_with("mic-")));
    for status in [
        Authorization::NotDetermined,
        Authorization::Restricted,
        Authorization::Denied,
        Authorization::Authorized,
    ] {
        for (device, list) in [
            (Device::Camera, WEBCAM_CODES),
            (Device::Microphone, MIC_CODES),
        ] {
            let code = judge(device, &facts(status, "Terminal")).0.code;
            assert!(list.iter().any(|(c, _)| *c == code), "{code}");
        }
    }
}
