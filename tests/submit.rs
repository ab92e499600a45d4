//! Issue 15, the candidate's side: `check --submit`, `examready submit` and the page's "Send to
//! my institution", against a real HTTP server on 127.0.0.1 that answers as the contract says
//! (`support::standin`): what is sent (the saved run, the token, the candidate), what the
//! candidate is told, the exit codes, and that a refused submit keeps the run and can be retried.

use std::time::Duration;

use crate::support::standin::{Answer, Collect, refused_url, sending};
use crate::support::{Env, net::PROXY_VARS, output_within};

const TOKEN: &str = "tok_3f9a.B-7xQ";

/// Exit code, stdout and stderr of the binary in `env`, with no proxy and no token in the
/// environment unless `vars` sets one.
fn run(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = env.cmd(args);
    for v in PROXY_VARS {
        c.env_remove(v);
    }
    c.env_remove("EXAMREADY_TOKEN");
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = output_within(&mut c, Duration::from_secs(90));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "the token is never printed:\n{stdout}\n{stderr}"
    );
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// `check --only processes --submit URL --candidate TEXT EXTRA...` in `env`.
fn check_submit(
    env: &Env,
    url: &str,
    candidate: &str,
    extra: &[&str],
    vars: &[(&str, &str)],
) -> (i32, String, String) {
    let mut args = vec!["check"];
    args.extend(sending(url, candidate));
    args.extend(extra);
    run(env, &args, vars)
}

/// The saved runs of `env`, parsed.
fn saved_runs(env: &Env) -> Vec<serde_json::Value> {
    env.history_files()
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

/// The exit status a report's verdict gives.
fn verdict_code(report: &serde_json::Value) -> i32 {
    match report["verdict"].as_str() {
        Some("ready") => 0,
        Some("not-ready") => 1,
        v => panic!("no verdict: {v:?}"),
    }
}

/// The words of the retry command printed on stderr (`  examready submit ...`), POSIX quoting.
fn retry_words(stderr: &str) -> Vec<String> {
    let line = stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("examready submit "))
        .unwrap_or_else(|| panic!("no retry command in:\n{stderr}"));
    let (mut words, mut word, mut quoted, mut any) = (vec![], String::new(), false, false);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            '\\' if !quoted => word.extend(chars.next()),
            ' ' if !quoted => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => word.push(c),
        }
    }
    words.push(word);
    assert_eq!(words[0], "examready");
    words.remove(0);
    words
}

#[test]
fn check_submit_saves_the_run_then_sends_it_as_saved_and_a_retry_is_a_duplicate() {
    let collect = Collect::start(Answer::Store, TOKEN);
    let env = Env::new();
    let url = collect.url();
    let (code, _, stderr) = check_submit(&env, &url, "  Ada Lovelace ", &["--token", TOKEN], &[]);
    let runs = saved_runs(&env);
    assert_eq!(runs.len(), 1, "{stderr}");
    let saved = &runs[0];
    let id = saved["report_id"].as_str().unwrap();
    assert_eq!(code, verdict_code(saved), "{stderr}");
    assert!(
        stderr.contains(&format!("Report {id} sent to {url} (stored).")),
        "{stderr}"
    );
    let requests = collect.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/v1/reports")
    );
    assert_eq!(r.header("authorization"), Some(&*format!("Bearer {TOKEN}")));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("idempotency-key"), Some(id));
    let body = r.json();
    assert_eq!(body["candidate"], "Ada Lovelace");
    assert_eq!(&body["report"], saved, "the report sent is the run saved");
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");

    // The same run again, by its id, the token from the environment: the server has it.
    let (code, stdout, stderr) = run(
        &env,
        &["submit", id, "--to", &url, "--candidate", "Ada Lovelace"],
        &[("EXAMREADY_TOKEN", TOKEN)],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("Report {id} sent to {url} (already there).")
    );
    let requests = collect.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(&requests[1].json()["report"], saved);
    assert_eq!(saved_runs(&env).len(), 1, "submit saves nothing new");
}

#[test]
fn a_refused_submit_keeps_the_run_says_why_and_its_retry_command_sends_it() {
    let collect = Collect::start(Answer::Store, TOKEN);
    let url = collect.url();
    let cases = [
        // A wrong token (from the environment): the server's own 401 sentence.
        (
            Answer::Store,
            "not-the-token",
            "(401 Unauthorized): This submit token is unknown",
        ),
        (
            Answer::Revoked,
            TOKEN,
            "(403 Forbidden): This submit token was revoked on 2026-11-20.",
        ),
        (
            Answer::RateLimited,
            TOKEN,
            "(429 Too Many Requests): Too many reports for this token: wait a moment. (try again in 30 s)",
        ),
    ];
    for (answer, token, sentence) in cases {
        collect.set_answer(answer);
        let env = Env::new();
        let before = collect.requests().len();
        let (code, _, stderr) =
            check_submit(&env, &url, "Ada O'Neil", &[], &[("EXAMREADY_TOKEN", token)]);
        assert_eq!(code, 2, "{answer:?}: {stderr}");
        assert!(stderr.contains(sentence), "{answer:?}: {stderr}");
        assert_eq!(
            collect.requests().len(),
            before + 1,
            "no retry of a refusal"
        );
        let runs = saved_runs(&env);
        assert_eq!(runs.len(), 1, "the run is kept: {stderr}");
        let id = runs[0]["report_id"].as_str().unwrap();
        let words = retry_words(&stderr);
        assert_eq!(
            words,
            ["submit", id, "--to", &url, "--candidate", "Ada O'Neil"]
        );
        // The printed command, run as printed (the token as before), sends the saved run.
        collect.set_answer(Answer::Store);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = run(&env, &words, &[("EXAMREADY_TOKEN", TOKEN)]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains(&format!("Report {id} sent to")), "{stdout}");
        let last = collect.requests().pop().unwrap();
        assert_eq!(&last.json()["report"], &runs[0]);
        assert_eq!(last.json()["candidate"], "Ada O'Neil");
    }
}

#[test]
fn a_server_that_refuses_connections_is_tried_twice_and_the_run_is_kept() {
    let env = Env::new();
    let url = refused_url();
    let t0 = std::time::Instant::now();
    let (code, _, stderr) = check_submit(&env, &url, "s1234567", &["--token", TOKEN], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot connect to"), "{stderr}");
    // One retry after a pause of a second.
    assert!(t0.elapsed() >= Duration::from_secs(1));
    let runs = saved_runs(&env);
    assert_eq!(runs.len(), 1);
    let id = runs[0]["report_id"].as_str().unwrap();
    assert_eq!(
        retry_words(&stderr),
        ["submit", id, "--to", &url, "--candidate", "s1234567"]
    );
}

#[test]
fn nothing_is_sent_without_submit() {
    let collect = Collect::start(Answer::Store, TOKEN);
    let env = Env::new();
    // A token in the environment sends nothing by itself.
    let (code, _, stderr) = run(
        &env,
        &["check", "--only", "processes"],
        &[("EXAMREADY_TOKEN", TOKEN)],
    );
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(!stderr.contains("sent to"), "{stderr}");
    // --candidate or --token without --submit is a usage error.
    for extra in [["--candidate", "Ada"], ["--token", TOKEN]] {
        let mut args = vec!["check", "--only", "processes"];
        args.extend(extra);
        let (code, _, stderr) = run(&env, &args, &[]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("--submit"), "{stderr}");
    }
    assert_eq!(saved_runs(&env).len(), 1);
    assert!(collect.requests().is_empty());
}

#[test]
fn a_bad_address_candidate_or_missing_token_is_refused_before_anything_runs() {
    let collect = Collect::start(Answer::Store, TOKEN);
    let env = Env::new();
    let url = collect.url();
    let long = "x".repeat(201);
    let cases: [(&[&str], &str); 7] = [
        (
            &[
                "--submit",
                "ftp://example.org",
                "--candidate",
                "A",
                "--token",
                TOKEN,
            ],
            "http:// or https://",
        ),
        (
            &[
                "--submit",
                "example.org",
                "--candidate",
                "A",
                "--token",
                TOKEN,
            ],
            "like https://",
        ),
        (
            &["--submit", &url, "--token", TOKEN],
            "--submit needs --candidate",
        ),
        (
            &["--submit", &url, "--candidate", " ", "--token", TOKEN],
            "--candidate is empty",
        ),
        (
            &["--submit", &url, "--candidate", &long, "--token", TOKEN],
            "201 characters",
        ),
        (
            &["--submit", &url, "--candidate", "a\nb", "--token", TOKEN],
            "control character",
        ),
        (&["--submit", &url, "--candidate", "A"], "no submit token"),
    ];
    for (extra, why) in cases {
        let mut args = vec!["check", "--only", "processes"];
        args.extend(extra);
        let (code, stdout, stderr) = run(&env, &args, &[]);
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stderr.contains(why), "{extra:?}: {stderr}");
        assert!(stdout.is_empty(), "nothing ran: {stdout}");
    }
    assert!(saved_runs(&env).is_empty(), "nothing ran, nothing saved");
    // `submit` checks the same.
    let (code, _, stderr) = run(&env, &["submit", "--to", &url, "--candidate", "A"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no submit token"), "{stderr}");
    assert!(collect.requests().is_empty());
}

#[test]
fn submit_sends_a_report_file_or_the_latest_saved_run() {
    let collect = Collect::start(Answer::Store, TOKEN);
    let env = Env::new();
    let url = collect.url();
    let send = |what: &[&str]| {
        let mut args = vec!["submit"];
        args.extend(what);
        args.extend(["--to", &url, "--candidate", "Grace", "--token", TOKEN]);
        run(&env, &args, &[])
    };
    // No saved run yet.
    let (code, _, stderr) = send(&[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no saved run yet"), "{stderr}");
    assert!(collect.requests().is_empty());
    // A report file written by --output: sent as written.
    let (code, _, stderr) = run(
        &env,
        &["check", "--only", "processes", "--output", "r.json"],
        &[],
    );
    assert!(code == 0 || code == 1, "{stderr}");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("r.json")).unwrap()).unwrap();
    let id = file["report_id"].as_str().unwrap();
    let (code, stdout, stderr) = send(&["r.json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("Report {id} sent to {url} (stored).")
    );
    assert_eq!(collect.requests()[0].json()["report"], file);
    // Without REPORT: the latest saved run, the same one.
    let (code, stdout, _) = send(&[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("(already there)"), "{stdout}");
    // An unknown report is a clear error, nothing sent.
    let (code, _, stderr) = send(&["ffffffffff"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("neither a report file nor the id"),
        "{stderr}"
    );
    assert_eq!(collect.requests().len(), 2);
}
