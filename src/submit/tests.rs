use super::*;

#[test]
fn urls_must_be_http_or_https_with_a_host_and_no_secrets() {
    for ok in [
        "https://exams.example.edu",
        "http://127.0.0.1:8080/",
        "https://example.org/collect/",
    ] {
        assert!(parse_url(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "exams.example.edu",
        "ftp://example.org",
        "file:///tmp/x",
        "https://",
        "https://user:pw@example.org",
        "https://example.org/?token=abc",
        "mailto:a@example.org",
    ] {
        let e = parse_url(bad).unwrap_err();
        assert!(!e.contains("pw@") && !e.contains("abc"), "{e}");
    }
    assert_eq!(
        reports_url(&parse_url("https://e.org/collect/").unwrap()).as_str(),
        "https://e.org/collect/api/v1/reports"
    );
    assert_eq!(
        reports_url(&parse_url("https://e.org").unwrap()).as_str(),
        "https://e.org/api/v1/reports"
    );
}

#[test]
fn candidates_are_one_to_two_hundred_characters_without_controls() {
    assert_eq!(parse_candidate("  s1234567 ").unwrap(), "s1234567");
    assert!(parse_candidate(&"é".repeat(200)).is_ok());
    assert!(
        parse_candidate(&"é".repeat(201))
            .unwrap_err()
            .contains("201")
    );
    for bad in ["", "   ", "a\nb", "a\tb", "a\u{7}b", "a\u{9b}b"] {
        assert!(parse_candidate(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn tokens_are_required_printable_and_never_shown() {
    assert!(parse_token(Some("abc.DEF-123_~")).is_ok());
    for bad in ["sec ret", "sec\nret", "sécret"] {
        let e = parse_token(Some(bad)).unwrap_err();
        assert!(!e.contains("ret"), "{e}");
    }
    let s = Secret::new("hunter2");
    assert!(!format!("{s:?}").contains("hunter2"));
    let t = Target::new("https://e.org", "Ada", Some("hunter2")).unwrap();
    assert!(!format!("{t:?}").contains("hunter2"));
    assert!(!t.retry_command("0123456789").contains("hunter2"));
}

#[test]
fn plain_http_warns_only_beyond_this_computer() {
    let w = |u: &str| plain_http_warning(&parse_url(u).unwrap());
    assert!(w("http://exams.example.edu").is_some());
    assert!(w("http://192.168.1.5:8080").is_some());
    assert!(w("https://exams.example.edu").is_none());
    for local in ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"] {
        assert!(w(local).is_none(), "{local}");
    }
}

#[test]
fn the_retry_command_is_quoted_for_a_shell() {
    let t = Target::new("https://e.org/c", "Ada O'Neil", Some("t")).unwrap();
    let cmd = t.retry_command("0123456789");
    if cfg!(windows) {
        assert!(cmd.ends_with("--candidate \"Ada O'Neil\""), "{cmd}");
    } else {
        assert_eq!(
            cmd,
            "examready submit 0123456789 --to https://e.org/c --candidate 'Ada O'\\''Neil'"
        );
    }
}

#[test]
fn the_body_holds_the_report_as_written() {
    let r = Report::new(
        "2026-11-24T09:00:00Z".parse().unwrap(),
        crate::model::ProfileRef {
            id: "onvue".into(),
            name: "Pearson OnVUE".into(),
            updated: None,
        },
        vec![],
    );
    let b: serde_json::Value = serde_json::from_str(&body("Ada \"A\"", &r)).unwrap();
    assert_eq!(b["candidate"], "Ada \"A\"");
    let written: serde_json::Value =
        serde_json::from_str(&crate::render::json::render(&r)).unwrap();
    assert_eq!(b["report"], written);
    assert_eq!(b["report"]["report_id"], r.content_id());
}
