use super::*;

#[test]
fn worst_status_orders_by_severity() {
    assert_eq!(Status::worst([]), Status::Pass);
    assert_eq!(Status::worst([Status::Pass, Status::Warn]), Status::Warn);
    assert_eq!(Status::worst([Status::Fail, Status::Warn]), Status::Fail);
    assert_eq!(Status::worst([Status::Skip, Status::Pass]), Status::Skip);
    assert_eq!(
        Status::worst([Status::Crash, Status::Timeout]),
        Status::Crash
    );
}

#[test]
fn kebab_case() {
    assert!(is_kebab_case("net-upload-low"));
    assert!(is_kebab_case("os-unsupported"));
    assert!(is_kebab_case("ram2-low"));
    assert!(!is_kebab_case("Net-upload"));
    assert!(!is_kebab_case("net_upload"));
    assert!(!is_kebab_case("-net"));
    assert!(!is_kebab_case("net--up"));
    assert!(!is_kebab_case(""));
}

#[test]
fn verdict_blocks_on_fail_timeout_crash_only() {
    let mk = |status| CheckResult {
        id: "x".into(),
        title: "X".into(),
        status,
        summary: String::new(),
        duration_ms: 0,
        facts: serde_json::Value::Null,
        figures: vec![],
        findings: vec![],
    };
    assert_eq!(
        Verdict::from_checks(&[mk(Status::Pass), mk(Status::Warn), mk(Status::Skip)]),
        Verdict::Ready
    );
    for bad in [Status::Fail, Status::Timeout, Status::Crash] {
        assert_eq!(
            Verdict::from_checks(&[mk(Status::Pass), mk(bad)]),
            Verdict::NotReady
        );
    }
}

#[test]
fn content_id_ignores_the_stored_id_and_matches_the_compact_json_hash() {
    use sha2::Digest;
    let r = Report::new(
        "2026-11-24T09:00:00Z".parse().unwrap(),
        ProfileRef {
            id: "onvue".into(),
            name: "Pearson OnVUE".into(),
            updated: None,
        },
        vec![],
    );
    let id = r.content_id();
    assert_eq!(r.clone().with_id().content_id(), id);
    let mut tampered = r.clone();
    tampered.report_id = Some("0000000000".into());
    assert_eq!(tampered.content_id(), id);
    let hash = sha2::Sha256::digest(serde_json::to_vec(&r).unwrap());
    let want: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    assert_eq!(id, want);
}

#[test]
fn status_serializes_kebab() {
    assert_eq!(
        serde_json::to_string(&Status::Timeout).unwrap(),
        "\"timeout\""
    );
    assert_eq!(
        serde_json::to_string(&Verdict::NotReady).unwrap(),
        "\"not-ready\""
    );
}
