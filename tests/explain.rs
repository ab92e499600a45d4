//! `examready explain`: the real binary answers vendor messages, in text and JSON, and says
//! when it knows none (exit 1).

use crate::support::*;

fn explain(args: &[&str]) -> std::process::Output {
    examready().arg("explain").args(args).output().unwrap()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = explain(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn network_check_80_names_the_network_checks_and_the_wowza_websocket_cause() {
    let (code, out, err) = run(&["Network check 80%"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("[✗] OnVUE system test: \"Network check 80%\""),
        "{out}"
    );
    assert!(
        out.contains("WebRTC WebSocket to *.cloud.wowza.com"),
        "{out}"
    );
    assert!(
        out.contains("Network (network): net-endpoint-unreachable"),
        "{out}"
    );
    assert!(out.contains("→ examready check --only network"), "{out}");
    assert!(
        out.contains("Source: https://github.com/VaHiX/notes/blob/main/onvue-troubleshooting.md"),
        "{out}"
    );
    // Not a terminal, no --color: no escape codes.
    assert!(!out.contains('\u{1b}'), "{out}");
    // The same message in other words and spacing, unquoted.
    let (code, again, _) = run(&["network", "check:", "60", "%"]);
    assert_eq!(code, 0);
    assert_eq!(again, out);
}

#[test]
fn json_answer_parses_and_names_modules_codes_and_the_command() {
    let out = explain(&["--json", "A virtual machine has been detected."]);
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out);
    assert_eq!(v["query"], "A virtual machine has been detected.");
    assert_eq!(v["matched"], true);
    let first = &v["matches"][0];
    assert_eq!(first["id"], "onvue-virtual-machine");
    assert_eq!(first["vendors"][0]["name"], "Pearson OnVUE");
    assert_eq!(first["checks"][0]["module"], "system");
    assert_eq!(first["checks"][0]["codes"][0]["code"], "vm-detected");
    assert_eq!(first["command"], "examready check --only system,processes");
    assert!(
        first["sources"][0]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(first["causes"].as_array().unwrap().len() >= 2);
}

#[test]
fn an_unknown_message_lists_known_ones_and_exits_1() {
    let (code, out, err) = run(&["the printer is on fire"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("No known vendor message matches \"the printer is on fire\"."),
        "{out}"
    );
    assert!(out.contains("Network check 80%"), "{out}");
    assert!(out.contains("examready explain --list"), "{out}");
    let json = explain(&["--json", "the printer is on fire"]);
    assert_eq!(json.status.code(), Some(1));
    let v = json_of(&json);
    assert_eq!(v["matched"], false);
    assert!(v["matches"].as_array().unwrap().is_empty());
    assert!(v["known"].as_array().unwrap().len() >= 15);
}

#[test]
fn no_words_is_a_usage_error() {
    let (code, _, err) = run(&["  %% ..."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("give the words of the vendor's message"),
        "{err}"
    );
    let (code, _, err) = run(&[]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["--list", "x"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn list_names_every_message_and_help_states_the_exit_status() {
    let (code, out, _) = run(&["--list"]);
    assert_eq!(code, 0);
    for id in [
        "onvue-network-check-80",
        "respondus-close-program",
        "honorlock-hardware-error",
        "examplify-virtual-machine-error",
    ] {
        assert!(out.contains(id), "{out}");
    }
    let (code, help, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        help.contains("0 when a known message matches, 1 when none does"),
        "{help}"
    );
}

#[test]
fn colour_follows_the_color_option() {
    let out = explain(&["--color", "always", "Hardware error"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\u{1b}["), "{text}");
    assert!(text.contains("Honorlock"), "{text}");
}

#[test]
fn run_option_runs_the_named_checks() {
    let out = explain(&["--run", "Please close Microsoft Edge"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("Running: examready check --only processes"),
        "{stderr}"
    );
    assert!(stdout.contains("Running applications"), "{stdout}");
    assert!(
        !stdout.contains("[✓] Computer") && !stdout.contains("[✗] Computer"),
        "{stdout}"
    );
    // The check's own status: ready or not ready, not a usage error.
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stdout}{stderr}");
}
