//! Issue 15 end to end, every part real: candidates run `examready check --submit` (processes
//! with a prohibited program running, and the network against `examready serve`) into a real
//! `examready collect` on SQLite and on a private PostgreSQL; a retry does not duplicate; an
//! expired token is refused and the run kept; staff see exactly those candidates on the dashboard
//! in headless Chromium after logging in through its form.

use std::time::Duration;

use crate::support::collect::{Backend, Collect, on_both};
use crate::support::net::{Serve, profile};
use crate::support::{Env, NamedProcess};
use crate::ui::{chromium, have_chromium, in_chromium, text_of};

on_both!(candidates_submit_and_staff_see_who_is_not_ready_in_chromium);

const PASSWORD: &str = "e2e staff password";

/// `examready check ARGS --submit URL --token T --candidate WHO` in `env`: exit code and stderr.
fn check_submit(env: &Env, s: &Collect, token: &str, who: &str, args: &[&str]) -> (i32, String) {
    let mut all: Vec<&str> = vec!["check", "--quick"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--submit", &s.url, "--token", token, "--candidate", who]);
    let (code, _, err) = env.run(&all);
    (code, err)
}

fn candidates_submit_and_staff_see_who_is_not_ready_in_chromium(db: Backend) {
    if !have_chromium() {
        return;
    }
    let Some(s) = Collect::start_env(db, &[], &[("EXAMREADY_ADMIN_PASSWORD", PASSWORD)]) else {
        return;
    };
    let token = s.token("CS101 final", &[]);

    // Alice: nothing prohibited running.
    let alice = Env::new();
    let (code, err) = check_submit(&alice, &s, &token, "alice", &["--only", "processes"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(stored)"), "{err}");

    // Bob: a program named like TeamViewer is running.
    let bob = Env::new();
    let mut tv = NamedProcess::start("TeamViewer");
    let (code, err) = check_submit(&bob, &s, &token, "bob", &["--only", "processes"]);
    tv.stop();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("(stored)"), "{err}");

    // Carol: the network against `examready serve` on this machine.
    let carol = Env::new();
    let serve = Serve::start();
    let p = profile(carol.dir.path(), "");
    let net = ["--profile", p.to_str().unwrap(), "--only", "network"];
    let (code, err) = check_submit(
        &carol,
        &s,
        &token,
        "carol",
        &[&net[..], &["--server", &serve.url()]].concat(),
    );
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    assert!(err.contains("(stored)"), "{err}");

    // Alice retries her saved run: the server already has it.
    let (code, out, err) = alice.run(&[
        "submit",
        "--to",
        &s.url,
        "--token",
        &token,
        "--candidate",
        "alice",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("already there"), "{out}");

    // Dave's token has expired: refused, the run kept, and how to retry said.
    let expired = s.token("old cohort", &["--expires", "1s"]);
    std::thread::sleep(Duration::from_millis(1500));
    let dave = Env::new();
    let (code, err) = check_submit(&dave, &s, &expired, "dave", &["--only", "processes"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("expired"), "{err}");
    assert!(err.contains("examready submit "), "{err}");
    let (_, history, _) = dave.run(&["history"]);
    assert_eq!(
        history.lines().filter(|l| l.contains("onvue")).count(),
        1,
        "{history}"
    );

    // The CSV: exactly the three candidates, once each.
    let admin = s.admin_token();
    let csv = s.admin_get(&admin, "/dashboard/export.csv");
    assert_eq!(csv.status, 200, "{}", csv.body);
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{}", csv.body);
    for who in ["alice", "bob", "carol"] {
        assert!(rows.iter().any(|r| r.contains(who)), "{who}: {}", csv.body);
    }
    assert!(!csv.body.contains("dave"), "{}", csv.body);

    // Staff log in through the form in Chromium and see who is not ready, and why.
    let url = s.url.clone();
    in_chromium(|port, user_data| async move {
        use fantoccini::Locator;
        let c = chromium(port, &user_data).await;
        c.goto(&format!("{url}/dashboard")).await.unwrap();
        let secret = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("input[name=secret]"))
            .await
            .expect("the login form");
        secret.send_keys(PASSWORD).await.unwrap();
        c.find(Locator::Css("form[action='/dashboard/login'] button, form[action='/dashboard/login'] input[type=submit]"))
            .await
            .expect("the login form's button")
            .click()
            .await
            .unwrap();
        // The dashboard replaces the login page: wait for a candidate's row, then read it all.
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//tr[contains(., 'bob')]"))
            .await
            .expect("the dashboard with bob's row");
        let page = text_of(&c, "main", Duration::from_secs(10)).await;
        for who in ["alice", "bob", "carol"] {
            assert!(page.contains(who), "{who} missing: {page}");
        }
        assert!(!page.contains("dave"), "{page}");
        assert!(
            page.contains("app-prohibited"),
            "bob's finding code: {page}"
        );
        // Bob's row says he is not ready and why.
        let bob_row = c
            .find(Locator::XPath("//tr[contains(., 'bob')]"))
            .await
            .expect("bob's row")
            .text()
            .await
            .unwrap();
        assert!(
            bob_row.to_lowercase().contains("not ready") || bob_row.contains("not-ready"),
            "{bob_row}"
        );
        assert!(
            bob_row.contains("processes") || bob_row.contains("app-prohibited"),
            "{bob_row}"
        );
        c.close().await.unwrap();
    });
}
