//! The dashboard of `examready collect` (issue 15) through real HTTP to the real server, on
//! SQLite and on a private PostgreSQL: admin access, escaping, the urgent first, filters, the
//! candidate's history, CSV export.

use crate::support::collect::{Backend, Collect, on_both, report, report_now};

on_both!(
    dashboard_needs_an_admin_and_escapes_candidates,
    dashboard_lists_the_urgent_first_and_filters,
    csv_export_is_filtered_and_formula_safe,
);

fn dashboard_needs_an_admin_and_escapes_candidates(db: Backend) {
    let vars = [("EXAMREADY_ADMIN_PASSWORD", "correct horse battery")];
    let Some(s) = Collect::start_env(db, &[], &vars) else {
        return;
    };
    let token = s.token("CS101 <final>", &[]);
    let evil = "<script>alert(1)</script>";
    assert_eq!(s.submit(&token, evil, &report(0)).status, 201);

    let anon = s.send(s.http().get(s.at("/dashboard")));
    assert_eq!(anon.status, 303);
    assert_eq!(anon.header("location").as_deref(), Some("/dashboard/login"));
    assert_eq!(s.admin_get("era_wrong", "/dashboard").status, 401);
    assert_eq!(
        s.admin_get(&token, "/dashboard").status,
        401,
        "a submit token is no admin"
    );

    let admin = s.admin_token();
    for secret in [admin.as_str(), "correct horse battery"] {
        let page = s.admin_get(secret, "/dashboard");
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(!page.body.contains("<script>"), "unescaped: {}", page.body);
        assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.body.contains("CS101 &lt;final&gt;"));
        assert!(
            page.body
                .contains("1 candidate: <code>app-prohibited</code>"),
            "{}",
            page.body
        );
        let csp = page.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
    }
    let history = s.admin_get(
        &admin,
        "/dashboard/candidate?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    );
    assert_eq!(history.status, 200);
    assert!(history.body.contains("&lt;script&gt;") && !history.body.contains("<script>"));
    let link = history.body.split("/dashboard/report/").nth(1).unwrap();
    let id = &link[..link.find('"').unwrap()];
    let shown = s.admin_get(&admin, &format!("/dashboard/report/{id}"));
    assert_eq!(shown.status, 200);
    assert!(
        shown.body.contains("Pearson OnVUE"),
        "the stored report is shown"
    );

    // The login form: from this origin it starts a session; from another it is refused.
    let form = |origin: &str| {
        s.send(
            s.http()
                .post(s.at("/dashboard/login"))
                .header("origin", origin)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("secret={admin}")),
        )
    };
    assert_eq!(form("http://evil.example").status, 403);
    let ok = form(&s.url);
    assert_eq!(ok.status, 303, "{}", ok.body);
    let cookie = ok.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let page = s.send(s.http().get(s.at("/dashboard")).header("cookie", &session));
    assert_eq!(page.status, 200);
    let bad = s.send(
        s.http()
            .post(s.at("/dashboard/login"))
            .header("origin", &s.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("secret=guess"),
    );
    assert_eq!(bad.status, 401);
}

fn dashboard_lists_the_urgent_first_and_filters(db: Backend) {
    let Some(s) = Collect::start(db, &[]) else {
        return;
    };
    let t = s.token("finals", &[]);
    let other = s.token("other", &[]);
    let day = 86_400;
    assert_eq!(
        s.submit(&t, "amy", &report_now(3600, None, false)).status,
        201
    );
    assert_eq!(
        s.submit(&t, "bob", &report_now(3600, Some(10 * day), false))
            .status,
        201
    );
    assert_eq!(
        s.submit(&t, "zed", &report_now(5 * day, Some(day), false))
            .status,
        201
    );
    assert_eq!(
        s.submit(&t, "ren", &report_now(60, Some(day / 2), true))
            .status,
        201
    );
    assert_eq!(
        s.submit(&other, "oli", &report_now(60, None, false)).status,
        201
    );
    // Amy checks again and is ready now: her latest report counts.
    assert_eq!(s.submit(&t, "amy", &report_now(60, None, true)).status, 201);
    let admin = s.admin_token();
    let page = s.admin_get(&admin, "/dashboard");
    let pos = |name: &str| {
        page.body
            .find(&format!(">{name}</a>"))
            .unwrap_or_else(|| panic!("{name}: {}", page.body))
    };
    assert!(
        pos("zed") < pos("bob") && pos("zed") < pos("amy"),
        "zed's exam is tomorrow"
    );
    assert!(
        page.body
            .contains("<tr class=\"urgent\"><td><a href=\"/dashboard/candidate?name=zed")
    );
    assert!(page.body.contains("Candidates (5)"), "{}", page.body);
    assert!(
        page.body
            .contains("3 candidates: <code>app-prohibited</code>"),
        "{}",
        page.body
    );

    let cohort = s.cli(&["token", "list"]).1;
    let id = cohort
        .lines()
        .find(|l| l.ends_with("finals"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let only = s.admin_get(&admin, &format!("/dashboard?cohort={id}&verdict=not-ready"));
    assert!(only.body.contains("Candidates (2)"), "{}", only.body);
    assert!(!only.body.contains(">oli</a>") && !only.body.contains(">amy</a>"));
    let stale = s.admin_get(&admin, "/dashboard?stale=3");
    assert!(
        stale.body.contains("Candidates (1)") && stale.body.contains(">zed</a>"),
        "{}",
        stale.body
    );
    let code = s.admin_get(&admin, "/dashboard?code=app-prohibited&sort=candidate");
    assert!(code.body.contains("Candidates (3)"), "{}", code.body);
    assert!(code.body.find(">bob</a>") < code.body.find(">oli</a>"));
    let history = s.admin_get(
        &admin,
        &format!("/dashboard/candidate?name=amy&cohort={id}"),
    );
    assert_eq!(
        history.body.matches("/dashboard/report/").count(),
        2,
        "{}",
        history.body
    );
}

fn csv_export_is_filtered_and_formula_safe(db: Backend) {
    let Some(s) = Collect::start(db, &[]) else {
        return;
    };
    let t = s.token("csv", &[]);
    assert_eq!(
        s.submit(&t, "=HYPERLINK(\"http://x\")", &report(0)).status,
        201
    );
    assert_eq!(s.submit(&t, "-2+3", &report(1)).status, 201);
    assert_eq!(
        s.submit(&t, "plain \"quoted\"", &report_now(60, None, true))
            .status,
        201
    );
    let admin = s.admin_get(&s.admin_token(), "/dashboard/export.csv").body;
    let lines: Vec<&str> = admin.lines().collect();
    assert_eq!(lines.len(), 4, "{admin}");
    assert!(lines[0].starts_with("cohort,cohort_label,candidate,verdict"));
    assert!(
        admin.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "{admin}"
    );
    assert!(admin.contains("\"'-2+3\""), "{admin}");
    assert!(admin.contains("\"plain \"\"quoted\"\"\""), "{admin}");
    assert!(admin.contains("\"app-prohibited\""), "{admin}");
    let admin_token = s.admin_token();
    let ready = s.admin_get(&admin_token, "/dashboard/export.csv?verdict=ready");
    assert_eq!(
        ready.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(ready.body.lines().count(), 2, "{}", ready.body);
    assert!(ready.body.contains("plain"));
    let anon = s.send(s.http().get(s.at("/dashboard/export.csv")));
    assert_ne!(anon.status, 200);
}
