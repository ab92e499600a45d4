use super::*;

const EXPORT: &str = r#"Windows Registry Editor Version 5.00

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam]
"Value"="Allow"

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam\NonPackaged\C:#Program Files#Zoom#bin#Zoom.exe]
"LastUsedTimeStart"=hex(b):00,5c,0d,9d,4b,62,dd,01
"LastUsedTimeStop"=hex(b):00,00,00,00,00,00,00,00

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\AppPrivacy]
"LetAppsAccessCamera"=dword:00000002
"Quoted \"name\""="a \\ b"
@="default"
"Names"=hex(7):61,00,62,00,00,00,63,00,00,00,00,00
"Long"=hex:01,02,\
  03,04
"#;

const WEBCAM: &str =
    r"Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\webcam";

#[test]
fn parses_an_export() {
    let r = Recorded::parse(EXPORT).unwrap();
    assert_eq!(
        r.value(Hive::CurrentUser, WEBCAM, "value"),
        Some(Value::String("Allow".into()))
    );
    assert_eq!(
        r.subkeys(Hive::CurrentUser, &format!("{WEBCAM}\\NonPackaged")),
        ["C:#Program Files#Zoom#bin#Zoom.exe"]
    );
    assert_eq!(r.subkeys(Hive::CurrentUser, WEBCAM), ["NonPackaged"]);
    let zoom = format!("{WEBCAM}\\NonPackaged\\C:#Program Files#Zoom#bin#Zoom.exe");
    let start = r
        .value(Hive::CurrentUser, &zoom, "LastUsedTimeStart")
        .unwrap();
    assert_eq!(start, Value::Qword(0x01dd_624b_9d0d_5c00));
    assert_eq!(
        r.value(Hive::CurrentUser, &zoom, "LastUsedTimeStop")
            .and_then(|v| v.as_u64()),
        Some(0)
    );
    let policy = r"SOFTWARE\Policies\Microsoft\Windows\AppPrivacy";
    assert_eq!(
        r.value(Hive::LocalMachine, policy, "LetAppsAccessCamera"),
        Some(Value::Dword(2))
    );
    assert_eq!(
        r.value(Hive::LocalMachine, policy, "Quoted \"name\""),
        Some(Value::String("a \\ b".into()))
    );
    assert_eq!(
        r.value(Hive::LocalMachine, policy, ""),
        Some(Value::String("default".into()))
    );
    assert_eq!(
        r.value(Hive::LocalMachine, policy, "Names"),
        Some(Value::MultiString(vec!["ab".into(), "c".into()]))
    );
    assert_eq!(
        r.value(Hive::LocalMachine, policy, "Long"),
        Some(Value::Binary(vec![1, 2, 3, 4]))
    );
    assert!(r.exists(Hive::LocalMachine, "software\\policies"));
    assert!(!r.exists(Hive::LocalMachine, "software\\nothing"));
}

#[test]
fn reads_utf16_exports_as_reg_export_writes_them() {
    let mut bytes = vec![0xFF, 0xFE];
    for u in EXPORT.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let r = Recorded::from_bytes(&bytes).unwrap();
    assert_eq!(
        r.value(Hive::CurrentUser, WEBCAM, "Value")
            .and_then(|v| v.as_str().map(str::to_string)),
        Some("Allow".into())
    );
}

#[test]
fn bad_lines_name_their_line() {
    let e = Recorded::parse("REGEDIT4\n[HKEY_CURRENT_USER\\A]\n\"x\"=dword:zz\n").unwrap_err();
    assert_eq!(e.line, 3);
    assert!(Recorded::parse("[HKEY_CURRENT_USER\\A\n").is_err());
    assert!(Recorded::parse("[HKCU\\A]\nnonsense\n").is_err());
}

#[test]
fn filetime_converts() {
    // 2026-11-30T09:00:00Z
    let t: jiff::Timestamp = "2026-11-30T09:00:00Z".parse().unwrap();
    let ticks = (t.as_second() as u64 + 11_644_473_600) * 10_000_000;
    assert_eq!(filetime(ticks), Some(t));
    assert_eq!(filetime(0), None);
}
