//! "Send to my institution" on the page of `examready ui --submit URL --candidate TEXT`: in
//! headless Chromium against a real collect stand-in on 127.0.0.1 (`support::standin`), and the
//! route's guard and absence over plain HTTP.

use std::time::{Duration, Instant};

use crate::support::standin::{Answer, Collect, sending};
use crate::ui::{Ui, chromium, click, have_chromium, in_chromium, text_of};

const TOKEN: &str = "tok_page.5e1d";

/// The body of an HTTP answer (after its headers).
fn body(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// `examready ui --only processes --submit URL --candidate TEXT --token TOKEN`.
fn page_sending_to(url: &str, candidate: &str) -> Ui {
    Ui::start(&[&sending(url, candidate)[..], &["--token", TOKEN]].concat())
}

/// Start a run through the page's route and wait for its result (GET /result answers 200).
fn run_and_wait(ui: &Ui) -> String {
    let (host, cookie) = (ui.addr.clone(), ui.cookie());
    let quick = Duration::from_secs(5);
    let (code, _) = ui.http("POST /start", &host, &cookie, quick);
    assert!(code == 303 || code == 202, "{code}");
    let t0 = Instant::now();
    loop {
        let (code, answer) = ui.http("GET /result", &host, &cookie, quick);
        if code == 200 {
            return body(&answer).to_string();
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no result");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_page_sends_the_last_run_when_the_candidate_presses_the_button_in_headless_chromium() {
    if !have_chromium() {
        return;
    }
    let collect = Collect::start(Answer::Store, TOKEN);
    let url = collect.url();
    let ui = page_sending_to(&url, "Ada <b>");
    let (ui_ref, collect_ref) = (&ui, &collect);
    in_chromium(|port, user_data| async move {
        let c = chromium(port, &user_data).await;
        c.goto(&ui_ref.url).await.unwrap();
        click(&c, "start-button").await;
        let limit = Duration::from_secs(60);
        let label = text_of(&c, "#send-button", limit).await;
        assert_eq!(label, "Send to my institution");
        // The candidate's text is shown as text, never as markup.
        let form = text_of(&c, "#send", limit).await;
        assert!(form.contains("as Ada <b>"), "{form}");
        assert!(
            collect_ref.requests().is_empty(),
            "nothing sent before the click"
        );
        click(&c, "send-button").await;
        let t0 = Instant::now();
        let status = loop {
            let s = text_of(&c, "#send-status", limit).await;
            if s.contains("sent to") || t0.elapsed() > limit {
                break s;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(
            status.ends_with(&format!("sent to {url} (stored).")),
            "{status}"
        );
        let disabled = c
            .find(fantoccini::Locator::Id("send-button"))
            .await
            .unwrap()
            .prop("disabled")
            .await
            .unwrap();
        assert_eq!(disabled.as_deref(), Some("true"), "sent once");
        c.close().await.unwrap();
    });
    let requests = collect.requests();
    assert_eq!(requests.len(), 1);
    let sent = requests[0].json();
    assert_eq!(sent["candidate"], "Ada <b>");
    assert_eq!(
        requests[0].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    // The report sent is the page's report, as its JSON download writes it.
    let (code, answer) = ui.http(
        "GET /report.json",
        &ui.addr,
        &ui.cookie(),
        Duration::from_secs(5),
    );
    assert_eq!(code, 200);
    let download: serde_json::Value = serde_json::from_str(body(&answer)).unwrap();
    assert_eq!(sent["report"], download);
}

#[test]
fn the_send_route_is_guarded_and_only_there_with_submit() {
    let collect = Collect::start(Answer::Revoked, TOKEN);
    let url = collect.url();
    let ui = page_sending_to(&url, "s42");
    let (host, cookie) = (ui.addr.clone(), ui.cookie());
    let quick = Duration::from_secs(5);
    // Before any run: nothing to send.
    let (code, answer) = ui.http("POST /send", &host, &cookie, quick);
    assert_eq!(code, 409, "{answer}");
    let result = run_and_wait(&ui);
    assert!(result.contains("id=\"send-button\""), "{result}");
    // Without the cookie, from another site, or under another Host name: refused, nothing sent.
    for (host, extra, want) in [
        (host.as_str(), String::new(), 401),
        (
            host.as_str(),
            format!("{cookie}Origin: http://evil.example\r\n"),
            403,
        ),
        ("evil.example", cookie.clone(), 403),
    ] {
        let (code, _) = ui.http("POST /send", host, &extra, quick);
        assert_eq!(code, want, "{host} {extra:?}");
    }
    assert!(collect.requests().is_empty());
    // The server refuses (a revoked token): the page says why and how to send it again.
    let (code, answer) = ui.http("POST /send", &host, &cookie, quick);
    assert_eq!(code, 502, "{answer}");
    let a: serde_json::Value = serde_json::from_str(body(&answer)).unwrap();
    assert_eq!(a["sent"], false);
    let message = a["message"].as_str().unwrap();
    assert!(
        message.contains("This submit token was revoked"),
        "{message}"
    );
    let (_, download) = ui.http("GET /report.json", &host, &cookie, quick);
    let report: serde_json::Value = serde_json::from_str(body(&download)).unwrap();
    let id = report["report_id"].as_str().unwrap();
    assert!(
        message.contains(&format!("examready submit {id} --to {url} --candidate s42")),
        "{message}"
    );
    assert!(!message.contains(TOKEN));
    assert_eq!(collect.requests().len(), 1);

    // Without --submit the page offers no button and the route sends nothing.
    let plain = Ui::start(&["--only", "processes"]);
    let result = run_and_wait(&plain);
    assert!(!result.contains("send-button"), "{result}");
    let (code, _) = plain.http("POST /send", &plain.addr, &plain.cookie(), quick);
    assert_eq!(code, 404);
    assert_eq!(collect.requests().len(), 1);
}
