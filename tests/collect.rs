//! `examready collect` (issue 15): the real server started as a process, tokens made through
//! the CLI, real HTTP. The same suite runs against SQLite and against a private PostgreSQL
//! cluster (tests/support/postgres.rs): `collect::sqlite::*` and `collect::postgres::*`. The dashboard's
//! tests are in collect_dashboard.rs.

use std::time::Duration;

use crate::support::collect::{Backend, Collect, on_both, report};

on_both!(
    stores_a_report_once_even_under_concurrent_retries,
    refuses_missing_unknown_revoked_and_expired_tokens,
    refuses_bad_bodies_and_stores_nothing,
    rate_limit_answers_429_with_retry_after,
    forget_deletes_every_report_of_a_candidate,
    retention_deletes_old_reports_and_keeps_the_latest_left,
);

fn stores_a_report_once_even_under_concurrent_retries(db: Backend) {
    let Some(s) = Collect::start(db, &[]) else {
        return;
    };
    let health = s.send(s.http().get(s.at("/api/v1/health")));
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(health.json()["status"], "ok");
    let token = s.token("CS101 final", &[]);
    let r = report(0);
    let id = r["report_id"].as_str().unwrap().to_string();
    let first = s.submit(&token, "alice", &r);
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(
        first.json(),
        serde_json::json!({"status": "stored", "report_id": id, "dashboard": null})
    );
    assert_eq!(
        first.header("content-type").as_deref(),
        Some("application/json")
    );
    let again = s.submit(&token, "alice", &r);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["status"], "duplicate");
    // Twelve retries of a new report at once: one is stored, the others are duplicates.
    let r2 = report(60);
    let body = serde_json::to_vec(&serde_json::json!({"candidate": "bob", "report": r2})).unwrap();
    let statuses: Vec<u16> = s.rt_block_all(
        (0..12)
            .map(|_| {
                s.http()
                    .post(s.at("/api/v1/reports"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body.clone())
            })
            .collect(),
    );
    assert_eq!(
        statuses.iter().filter(|&&c| c == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&c| c == 200).count(),
        11,
        "{statuses:?}"
    );
}

fn refuses_missing_unknown_revoked_and_expired_tokens(db: Backend) {
    let Some(s) = Collect::start(db, &[]) else {
        return;
    };
    let r = report(0);
    let body = serde_json::to_vec(&serde_json::json!({"candidate": "a", "report": r})).unwrap();
    let none = s.post(None, "application/json", body.clone());
    assert_eq!(none.status, 401, "{}", none.body);
    assert_eq!(none.header("www-authenticate").as_deref(), Some("Bearer"));
    assert!(none.json()["error"].as_str().unwrap().contains("token"));
    let unknown = s.post(Some("ers_nope"), "application/json", body.clone());
    assert_eq!(unknown.status, 401, "{}", unknown.body);

    let token = s.token("revoked cohort", &[]);
    let (code, list, _) = s.cli(&["token", "list"]);
    assert_eq!(code, 0);
    let id = list
        .lines()
        .find(|l| l.contains("revoked cohort"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("{list}"))
        .to_string();
    assert!(
        !list.contains(&token),
        "the list never shows a token: {list}"
    );
    let (code, out, err) = s.cli(&["token", "revoke", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("revoked"), "{out}");
    let revoked = s.submit(&token, "a", &r);
    assert_eq!(revoked.status, 403, "{}", revoked.body);
    assert!(
        revoked.json()["error"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    let (code, _, err) = s.cli(&["token", "revoke", "nosuchid"]);
    assert_eq!(code, 2);
    assert!(err.contains("no token"), "{err}");

    let short = s.token("short", &["--expires", "1s"]);
    std::thread::sleep(Duration::from_millis(2100));
    let expired = s.submit(&short, "a", &r);
    assert_eq!(expired.status, 403, "{}", expired.body);
    assert!(
        expired.json()["error"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    let (_, list, _) = s.cli(&["token", "list"]);
    assert!(
        list.lines()
            .any(|l| l.contains("expired") && l.ends_with("short")),
        "{list}"
    );
}

fn refuses_bad_bodies_and_stores_nothing(db: Backend) {
    let Some(s) = Collect::start(db, &[]) else {
        return;
    };
    let token = s.token("bad input", &[]);
    let r = report(0);
    let good = serde_json::to_vec(&serde_json::json!({"candidate": "a", "report": r})).unwrap();
    let error_of = |a: &crate::support::collect::Answer| {
        a.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{}", a.body))
            .to_string()
    };

    let mut big = serde_json::json!({"candidate": "a", "report": r});
    big["padding"] = "x".repeat(1_048_576).into();
    let a = s.post(
        Some(&token),
        "application/json",
        serde_json::to_vec(&big).unwrap(),
    );
    assert_eq!(a.status, 413, "{}", a.body);
    assert!(error_of(&a).contains("1 MiB"));

    let a = s.post(Some(&token), "text/plain", good.clone());
    assert_eq!(a.status, 415, "{}", a.body);

    for (body, says) in [
        (b"{\"candidate\": ".to_vec(), "not valid JSON"),
        (b"[1, 2]".to_vec(), "JSON object"),
        (
            serde_json::to_vec(&serde_json::json!({"candidate": "a"})).unwrap(),
            "no \"report\"",
        ),
        (
            serde_json::to_vec(&serde_json::json!({"candidate": "\u{1b}[31m", "report": r}))
                .unwrap(),
            "control characters",
        ),
        (
            serde_json::to_vec(
                &serde_json::json!({"candidate": "a", "report": {"schema_version": 2}}),
            )
            .unwrap(),
            "report_id",
        ),
    ] {
        let a = s.post(Some(&token), "application/json", body);
        assert_eq!(a.status, 400, "{}", a.body);
        assert!(error_of(&a).contains(says), "{} should say {says}", a.body);
    }
    let mut tampered = r.clone();
    tampered["profile"]["name"] = "Someone else".into();
    let a = s.submit(&token, "a", &tampered);
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(error_of(&a).contains("does not match"), "{}", a.body);
    let mut many = r.clone();
    let one = many["checks"][0].clone();
    many["checks"] = serde_json::Value::Array(vec![one; 65]);
    let a = s.submit(&token, "a", &many);
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(error_of(&a).contains("64"), "{}", a.body);

    let mut future = r.clone();
    future["schema_version"] = 3.into();
    let a = s.submit(&token, "a", &future);
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(
        error_of(&a).contains('3') && error_of(&a).contains('2'),
        "{}",
        a.body
    );

    // Nothing was stored: the export is empty and the good report is new.
    let admin = s.admin_token();
    let csv = s.admin_get(&admin, "/dashboard/export.csv");
    assert_eq!(csv.body.lines().count(), 1, "{}", csv.body);
    let a = s.post(Some(&token), "application/json", good);
    assert_eq!(a.status, 201, "{}", a.body);
}

fn rate_limit_answers_429_with_retry_after(db: Backend) {
    let Some(s) = Collect::start(db, &["--rate", "3/min"]) else {
        return;
    };
    let token = s.token("rate", &[]);
    let other = s.token("other cohort", &[]);
    for i in 0..3 {
        let a = s.submit(&token, "a", &report(i));
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let a = s.submit(&token, "a", &report(10));
    assert_eq!(a.status, 429, "{}", a.body);
    let wait: u64 = a
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    let a = s.submit(&other, "a", &report(10));
    assert_eq!(a.status, 201, "the limit is per token: {}", a.body);
}

fn forget_deletes_every_report_of_a_candidate(db: Backend) {
    let Some(s) = Collect::start(db, &[]) else {
        return;
    };
    let t1 = s.token("one", &[]);
    let t2 = s.token("two", &[]);
    for (t, i) in [(&t1, 0), (&t1, 1), (&t2, 2)] {
        assert_eq!(s.submit(t, "carol", &report(i)).status, 201);
    }
    assert_eq!(s.submit(&t1, "dave", &report(5)).status, 201);
    let (code, out, err) = s.cli(&["forget", "carol"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("deleted 3 reports"), "{out}");
    let (_, out, _) = s.cli(&["forget", "carol"]);
    assert!(out.contains("deleted 0 reports"), "{out}");
    // Carol's reports are gone (a resubmission is new); Dave's stays (a duplicate).
    assert_eq!(s.submit(&t1, "carol", &report(0)).status, 201);
    assert_eq!(s.submit(&t1, "dave", &report(5)).status, 200);
}

fn retention_deletes_old_reports_and_keeps_the_latest_left(db: Backend) {
    let Some(mut s) = Collect::start(db, &[]) else {
        return;
    };
    let t = s.token("retention", &[]);
    // Amy's first report is her latest check; her second (received later) ran earlier.
    assert_eq!(s.submit(&t, "amy", &report(100)).status, 201);
    assert_eq!(s.submit(&t, "bob", &report(50)).status, 201);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(s.submit(&t, "amy", &report(0)).status, 201);
    std::thread::sleep(Duration::from_secs(1));
    // Received 5 s ago: expired; 1 s ago: kept (the times are whole seconds).
    let said = s.restart(&["--retention", "3s"]);
    assert!(said.contains("deleted 2 reports"), "{said:?}");
    let admin = s.admin_token();
    let page = s.admin_get(&admin, "/dashboard");
    assert!(page.body.contains("Candidates (1)"), "{}", page.body);
    assert!(page.body.contains(">amy</a>") && !page.body.contains(">bob</a>"));
    let history = s.admin_get(&admin, "/dashboard/candidate?name=amy");
    assert_eq!(history.body.matches("/dashboard/report/").count(), 1);
    let kept = report(0)["report_id"].as_str().unwrap().to_string();
    assert!(
        history.body.contains(&kept),
        "the report that remains: {}",
        history.body
    );
    // The expired ones are gone: submitting them again stores them again.
    assert_eq!(s.submit(&t, "bob", &report(50)).status, 201);
    assert_eq!(s.submit(&t, "amy", &report(0)).status, 200);
}
