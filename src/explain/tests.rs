use super::*;

fn builtin() -> Explainer {
    Explainer::builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn best(text: &str) -> Option<String> {
    builtin().explain(text).first().map(|m| m.entry.id.clone())
}

/// A small valid file with one entry; `entry` replaces its body lines.
fn file(comment: &str, entry: &str) -> String {
    format!("[vendors]\nonvue = \"Pearson OnVUE\"\n\n{comment}[[message]]\n{entry}\n",)
}

const COMMENT: &str = "# source: https://example.org/a \"The words\"\n";
const ENTRY: &str = "id = \"x\"\nvendors = [\"onvue\"]\ntitle = \"T\"\npatterns = [\"some words\"]\ncauses = [\"c\"]\nchecks = [{ module = \"network\", codes = [\"net-proxy\"] }]\nfix = [\"f\"]\nsources = [\"https://example.org/a\"]";

fn parse_err(text: &str) -> String {
    Explainer::parse("e.toml", text).unwrap_err().to_string()
}

#[test]
fn the_builtin_messages_parse() {
    let e = builtin();
    assert!(e.entries.len() >= 15, "{}", e.entries.len());
    assert!(Explainer::parse("e.toml", &file(COMMENT, ENTRY)).is_ok());
}

#[test]
fn every_entry_names_real_modules_and_declared_codes() {
    for e in &builtin().entries {
        assert!(!e.checks.is_empty(), "{}", e.id);
        for c in &e.checks {
            let module = crate::check::find(&c.module)
                .unwrap_or_else(|| panic!("{}: unknown module {}", e.id, c.module));
            assert_eq!(module.title(), c.title);
            for code in &c.codes {
                assert!(
                    module.codes().iter().any(|(k, _)| *k == code.code),
                    "{}: {} declares no {}",
                    e.id,
                    c.module,
                    code.code
                );
            }
        }
    }
}

#[test]
fn every_entry_has_a_source_comment_and_sources() {
    let comments = source_comments(BUILTIN_TEXT);
    let e = builtin();
    assert_eq!(comments.len(), e.entries.len());
    for ((_, urls), entry) in comments.iter().zip(&e.entries) {
        assert!(!urls.is_empty(), "{} has no `# source:` comment", entry.id);
        assert!(!entry.sources.is_empty(), "{}", entry.id);
        for s in &entry.sources {
            assert!(urls.contains(s), "{}: {s} not in its comment", entry.id);
            assert!(s.starts_with("https://") || s.starts_with("http://"));
        }
    }
}

#[test]
fn every_vendor_is_a_builtin_profile() {
    for e in &builtin().entries {
        for v in &e.vendors {
            assert!(
                crate::profile::builtin(&v.id).is_some(),
                "{}: {}",
                e.id,
                v.id
            );
        }
    }
}

#[test]
fn every_pattern_finds_its_own_entry() {
    let e = builtin();
    for entry in &e.entries {
        for p in &entry.patterns {
            let text = p.text.replace('*', " ").replace('#', "80");
            assert!(
                e.explain(&text).iter().any(|m| m.entry.id == entry.id),
                "{}: pattern {:?} does not find it",
                entry.id,
                p.text
            );
        }
    }
}

#[test]
fn vendor_wording_variants_find_the_right_message() {
    for (text, id) in [
        ("Network check 80%", "onvue-network-check-80"),
        ("network check 60 %", "onvue-network-check-80"),
        (
            "System test: Diagnostics - Network check 80%",
            "onvue-network-check-80",
        ),
        ("Video streaming connection error", "onvue-network-check-80"),
        (
            "A virtual machine has been detected. Please close all virtual machine software before continuing.",
            "onvue-virtual-machine",
        ),
        ("virtual machine detected", "onvue-virtual-machine"),
        ("“Please close Microsoft Edge.”", "onvue-close-edge"),
        (
            "Only one monitor is allowed. Please unplug any extra monitors.",
            "onvue-one-monitor",
        ),
        ("Do not use a corporate network or VPN.", "onvue-vpn"),
        (
            "You must close the following program before starting the browser: Zoom",
            "respondus-close-program",
        ),
        ("Webcam not detected", "respondus-webcam-not-detected"),
        (
            "webcam hangs at environment check",
            "respondus-environment-check",
        ),
        (
            "Video connection timed out",
            "respondus-video-connection-timed-out",
        ),
        ("Hardware error", "honorlock-hardware-error"),
        ("Virtual Machine Error", "examplify-virtual-machine-error"),
        ("insufficient memory", "examplify-insufficient-memory"),
        ("multiple monitors are not allowed", "psi-multiple-monitors"),
    ] {
        assert_eq!(best(text).as_deref(), Some(id), "{text:?}");
    }
    assert!(builtin().explain("the weather is nice today").is_empty());
    assert!(builtin().explain("").is_empty());
}

#[test]
fn the_more_specific_pattern_ranks_first() {
    // "Please close all virtual machine software" names a VM: the OnVUE entry (4 words) must
    // come before any looser match.
    let e = builtin();
    let m = e.explain("A virtual machine has been detected");
    assert_eq!(m[0].entry.id, "onvue-virtual-machine");
    assert_eq!(m[0].score, 3);
    for w in m.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
}

#[test]
fn commands_name_the_modules_and_the_vendors_profile() {
    let e = builtin();
    assert_eq!(
        e.get("onvue-network-check-80").unwrap().command(),
        "examready check --only network"
    );
    assert_eq!(
        e.get("honorlock-hardware-error").unwrap().command(),
        "examready check --profile honorlock --only microphone,webcam"
    );
    use clap::Parser;
    for entry in &e.entries {
        let mut argv = vec!["examready".to_string()];
        argv.extend(entry.check_args());
        let cli = crate::cli::Cli::try_parse_from(&argv)
            .unwrap_or_else(|err| panic!("{}: {argv:?}: {err}", entry.id));
        let Some(crate::cli::Command::Check(args)) = cli.command else {
            panic!("{}", entry.id)
        };
        assert!(
            crate::cli::select(&args.select.only, &[]).is_ok(),
            "{}",
            entry.id
        );
    }
}

#[test]
fn unknown_modules_and_codes_are_refused_at_their_place() {
    let bad_module = ENTRY.replace("module = \"network\"", "module = \"netwrk\"");
    let e = parse_err(&file(COMMENT, &bad_module));
    assert!(e.contains("unknown check module \"netwrk\""), "{e}");
    assert!(e.starts_with("e.toml:11:"), "{e}");
    let bad_code = ENTRY.replace("net-proxy", "net-websocket-refused");
    let e = parse_err(&file(COMMENT, &bad_code));
    assert!(
        e.contains("module \"network\" declares no finding code \"net-websocket-refused\""),
        "{e}"
    );
    assert!(e.starts_with("e.toml:11:"), "{e}");
    let no_codes = ENTRY.replace("[\"net-proxy\"]", "[]");
    assert!(parse_err(&file(COMMENT, &no_codes)).contains("names no finding code"));
}

#[test]
fn entries_without_a_source_comment_are_refused() {
    let e = parse_err(&file("# just a note\n", ENTRY));
    assert!(e.contains("no `# source: URL` comment"), "{e}");
    assert!(e.starts_with("e.toml:5:1:"), "{e}");
    // A blank line separates the comment from the entry: it is not the entry's.
    let e = parse_err(&file(&format!("{COMMENT}\n"), ENTRY));
    assert!(e.contains("no `# source: URL` comment"), "{e}");
    // The comment and `sources` must name the same addresses.
    let other = ENTRY.replace("https://example.org/a\"]", "https://example.org/b\"]");
    assert!(parse_err(&file(COMMENT, &other)).contains("is not quoted in a `# source:` comment"));
    let two = format!("{COMMENT}# source: https://example.org/c \"more\"\n");
    assert!(parse_err(&file(&two, ENTRY)).contains("which `sources` does not list"));
}

#[test]
fn strict_parsing_of_keys_vendors_ids_and_patterns() {
    let unknown_key = format!("{ENTRY}\nextra = 1");
    let e = parse_err(&file(COMMENT, &unknown_key));
    assert!(e.contains("unknown field `extra`"), "{e}");
    assert!(e.starts_with("e.toml:14:"), "{e}");
    let vendor = ENTRY.replace("[\"onvue\"]", "[\"psi\"]");
    assert!(parse_err(&file(COMMENT, &vendor)).contains("vendor \"psi\" is not in [vendors]"));
    let not_builtin = file(COMMENT, ENTRY).replace("onvue = ", "pearson = ");
    let e = parse_err(&not_builtin);
    assert!(
        e.contains("vendor \"pearson\" is not a built-in profile"),
        "{e}"
    );
    assert!(e.starts_with("e.toml:2:1:"), "{e}");
    let id = ENTRY.replace("id = \"x\"", "id = \"Not Kebab\"");
    assert!(parse_err(&file(COMMENT, &id)).contains("must be kebab-case"));
    let pattern = ENTRY.replace("[\"some words\"]", "[\"the * #\"]");
    assert!(parse_err(&file(COMMENT, &pattern)).contains("has no word to match"));
    let no_fix = ENTRY.replace("fix = [\"f\"]", "fix = []");
    assert!(parse_err(&file(COMMENT, &no_fix)).contains("has no fix"));
    let twice = format!("{}\n{COMMENT}[[message]]\n{ENTRY}\n", file(COMMENT, ENTRY));
    assert!(parse_err(&twice).contains("appears twice"));
}

#[test]
fn json_answer_has_the_entry_and_its_command() {
    let e = builtin();
    let m = e.explain("Network check 80%");
    let v: serde_json::Value =
        serde_json::from_str(&render::json("Network check 80%", &m, &e)).unwrap();
    assert_eq!(v["matched"], true);
    let first = &v["matches"][0];
    assert_eq!(first["id"], "onvue-network-check-80");
    assert_eq!(first["command"], "examready check --only network");
    assert_eq!(first["vendors"][0]["id"], "onvue");
    assert_eq!(first["checks"][0]["module"], "network");
    assert!(first["checks"][0]["codes"][0]["meaning"].is_string());
    assert!(first.get("patterns").is_none());
    let none: serde_json::Value = serde_json::from_str(&render::json("zzz", &[], &e)).unwrap();
    assert_eq!(none["matched"], false);
    assert_eq!(none["known"].as_array().unwrap().len(), e.entries.len());
}

#[test]
fn terminal_answer_wraps_and_has_no_colour_when_off() {
    colored::control::set_override(false);
    let e = builtin();
    let m = e.explain("Network check 80%");
    let t = render::text(&m, Some(60));
    assert!(t.starts_with("[✗] OnVUE system test"), "{t}");
    assert!(t.contains("→ examready check --only network"), "{t}");
    assert!(t.contains("wowza"), "{t}");
    assert!(t.contains("Source: https://github.com/VaHiX/notes"), "{t}");
    for line in t.lines().filter(|l| !l.contains("Source: ")) {
        assert!(line.chars().count() <= 60, "{line:?}");
    }
    assert!(!t.contains("\u{1b}["));
    let n = render::no_match("zzz", &e, None);
    assert!(n.contains("No known vendor message matches \"zzz\""), "{n}");
    assert!(n.contains("examready explain --list"), "{n}");
}
