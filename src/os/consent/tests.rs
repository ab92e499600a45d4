use super::*;
use crate::model::Status;
use crate::os::winreg::Recorded;

fn cat() -> Catalogue {
    Catalogue::builtin().unwrap()
}

/// A recorded export: Zoom (desktop) using the camera now, the Camera app (Store) used it
/// earlier, Teams before that; desktop apps denied.
const EXPORT: &str = r#"Windows Registry Editor Version 5.00

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam]
"Value"="Allow"

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam\Microsoft.WindowsCamera_8wekyb3d8bbwe]
"Value"="Allow"
"LastUsedTimeStart"=hex(b):00,20,f4,6e,a2,61,dd,01
"LastUsedTimeStop"=hex(b):00,c0,43,7b,a2,61,dd,01

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam\NonPackaged]
"Value"="Deny"

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam\NonPackaged\C:#Users#ana#AppData#Roaming#Zoom#bin#Zoom.exe]
"LastUsedTimeStart"=hex(b):00,5c,0d,9d,4b,62,dd,01
"LastUsedTimeStop"=hex(b):00,00,00,00,00,00,00,00

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam\NonPackaged\C:#Program Files#Teams#ms-teams.exe]
"LastUsedTimeStart"=hex(b):00,00,10,00,00,50,dd,01
"LastUsedTimeStop"=hex(b):00,00,20,00,00,50,dd,01

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam\NonPackaged\C:#Tools#examready.exe]
"LastUsedTimeStart"=hex(b):00,5c,0d,9d,4b,62,dd,01
"LastUsedTimeStop"=hex(b):00,00,00,00,00,00,00,00
"#;

#[test]
fn names_the_app_using_the_camera_and_the_last_one() {
    let reg = Recorded::parse(EXPORT).unwrap();
    let f = read(
        &reg,
        Capability::Webcam,
        &cat(),
        Some(r"C:\Tools\examready.exe"),
    );
    assert_eq!(f.in_use.len(), 1, "{f:?}");
    assert_eq!(f.in_use[0].app, "Zoom");
    assert!(f.in_use[0].desktop);
    let last = f.last_used.as_ref().unwrap();
    assert_eq!(last.key, "Microsoft.WindowsCamera_8wekyb3d8bbwe");
    assert!(!last.desktop);
    assert_eq!(f.apps_access, Some(Switch::Allow));
    assert_eq!(f.desktop_apps_access, Some(Switch::Deny));
    assert_eq!(f.device_access, None);
    assert_eq!(f.policy, None);

    let findings = judge(Capability::Webcam, &f, false);
    let codes: Vec<_> = findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["webcam-desktop-apps-off", "webcam-in-use"]);
    assert_eq!(findings[1].message, "Zoom is using the camera.");
    assert_eq!(findings[1].status, Status::Fail);
    assert!(
        findings[0]
            .remedy
            .as_ref()
            .unwrap()
            .contains("Privacy & security > Camera")
    );
    // The camera still opened: Zoom using it is a warning.
    assert_eq!(judge(Capability::Webcam, &f, true)[1].status, Status::Warn);
    assert!(last_used_note(&f).contains("last used by Microsoft.WindowsCamera"));
}

#[test]
fn examready_itself_is_not_another_app() {
    let reg = Recorded::parse(EXPORT).unwrap();
    let f = read(&reg, Capability::Webcam, &cat(), None);
    let apps: Vec<_> = f.in_use.iter().map(|u| u.app.as_str()).collect();
    assert!(
        apps.contains(&"examready.exe") && apps.contains(&"Zoom"),
        "{apps:?}"
    );
    let msg = &judge(Capability::Webcam, &f, false)[1].message;
    assert!(
        msg.contains("Zoom")
            && msg.contains("examready.exe")
            && msg.ends_with("are using the camera."),
        "{msg}"
    );
}

#[test]
fn policy_and_device_switch() {
    let text = r#"Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\AppPrivacy]
"LetAppsAccessMicrophone"=dword:00000002

[HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\microphone]
"Value"="Deny"
"#;
    let reg = Recorded::parse(text).unwrap();
    let f = read(&reg, Capability::Microphone, &cat(), None);
    assert_eq!(f.policy, Some(2));
    assert_eq!(f.device_access, Some(Switch::Deny));
    let findings = judge(Capability::Microphone, &f, true);
    // The policy decides; the switches below it do not matter then.
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, "mic-policy-denied");
    assert!(
        findings[0]
            .remedy
            .as_ref()
            .unwrap()
            .contains("IT department")
    );

    let no_policy = ConsentFacts { policy: None, ..f };
    let findings = judge(Capability::Microphone, &no_policy, true);
    assert_eq!(findings[0].code, "mic-access-off");
    assert!(findings[0].message.contains("for this device"));
}

#[test]
fn nothing_recorded_says_nothing() {
    let f = read(&Recorded::default(), Capability::Webcam, &cat(), None);
    assert_eq!(f, ConsentFacts::default());
    assert!(judge(Capability::Webcam, &f, false).is_empty());
}

#[test]
fn codes_are_declared() {
    let f = ConsentFacts {
        in_use: vec![AppUse {
            app: "Zoom".into(),
            key: "k".into(),
            desktop: true,
            started: Some(jiff::Timestamp::UNIX_EPOCH),
            stopped: None,
        }],
        device_access: Some(Switch::Deny),
        desktop_apps_access: Some(Switch::Deny),
        ..Default::default()
    };
    for (cap, codes) in [
        (Capability::Webcam, WEBCAM_CODES),
        (Capability::Microphone, MIC_CODES),
    ] {
        let mut emitted: Vec<String> = judge(cap, &f, false).into_iter().map(|f| f.code).collect();
        emitted.extend(
            judge(
                cap,
                &ConsentFacts {
                    policy: Some(2),
                    ..Default::default()
                },
                false,
            )
            .into_iter()
            .map(|f| f.code),
        );
        for c in &emitted {
            assert!(codes.iter().any(|(k, _)| k == c), "{c} not declared");
        }
        assert_eq!(emitted.len(), codes.len());
    }
}
