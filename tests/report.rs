//! Readiness reports (issue 6): HTML parsed back, Markdown and JSON snapshots of a recorded
//! report, replays, history and diffs, and the real binary end to end.
//!
//! The recorded report (`tests/fixtures/recorded-report.json`) is made by
//! `scripts/record-fixture.sh`: real facts from real runs of `network` (against `examready serve`
//! on a shaped loopback), `microphone` and `speaker` (a private PipeWire playing a -20 dBFS tone)
//! and `webcam` (the probe's pipeline on photographs played as a camera; its snapshot is
//! `tests/fixtures/recorded-webcam.png`), each with the status, summary and findings `examready
//! judge` gives them; `system` and `processes` are kept as first recorded (Windows facts with
//! their real judge output), and a module no examready knows (`telepathy`) is kept too. The
//! hostile name `<img src=x onerror=alert(1)>` is a monitor, a process, the name of the virtual
//! microphone the audio was recorded from (so the microphone's summary and finding carry it for
//! real) and, the one hand edit, the name of the network interface `eth0` in the facts.
//! Regenerate the fixture after a facts schema change with `scripts/record-fixture.sh`, then
//! update the snapshots (`INSTA_UPDATE=always cargo test --test main report::`) and review the diffs.

use std::path::Path;
use std::process::Command;

use examready::model::{Report, Status, Verdict};
use examready::render::{html, json, markdown};
use scraper::{Html, Selector};

use crate::support::{Env, require};

const HOSTILE: &str = "<img src=x onerror=alert(1)>";
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/recorded-report.json"
);

fn recorded() -> Report {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let mut r = json::parse(&text).unwrap();
    let profile = examready::profile::load("onvue").unwrap();
    r.checklist = profile.file.checklist.clean_items();
    r.exam = Some(
        examready::exam::plan(
            "2026-11-27 09:30",
            &jiff::tz::TimeZone::UTC,
            r.time,
            Some(30),
        )
        .unwrap(),
    );
    r
}

/// The recorded report with the webcam snapshot it names (stored relative to the package root,
/// as `--snapshot tests/fixtures/recorded-webcam.png` run there stores it) attached, as `check`
/// attaches the snapshot it just took. Renderers never read files named in the facts.
fn recorded_with_snapshot() -> Report {
    let mut r = recorded();
    let webcam = r.check("webcam").unwrap();
    let path = webcam.facts["snapshot"]["path"].as_str().unwrap();
    assert_eq!(path, "tests/fixtures/recorded-webcam.png");
    let absolute = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let img = examready::render::charts::load_image(&absolute).expect("the fixture PNG");
    r.images.insert("webcam".into(), img);
    r
}

#[test]
fn a_replayed_report_embeds_no_file_its_facts_name() {
    // A crafted report naming a picture on the disk must not carry it into the HTML.
    let mut r = recorded();
    let absolute = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recorded-webcam.png");
    let webcam = r.checks.iter_mut().find(|c| c.id == "webcam").unwrap();
    webcam.facts["snapshot"]["path"] = absolute.to_str().unwrap().into();
    webcam.facts["snapshot_path"] = absolute.to_str().unwrap().into();
    let page = html::render(&r);
    assert!(
        !page.contains("data:image/png"),
        "a file named in the facts was embedded"
    );
    assert_eq!(Html::parse_document(&page).select(&sel("img")).count(), 0);
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text_of(doc: &Html, s: &str) -> String {
    doc.select(&sel(s))
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn html_has_verdict_first_every_module_charts_snapshot_and_checklist() {
    let r = recorded_with_snapshot();
    let page = html::render(&r);
    let doc = Html::parse_document(&page);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);

    // The verdict comes first in the body, and says what the report says.
    let first = doc
        .select(&sel("main > *"))
        .next()
        .expect("main has children");
    assert_eq!(first.value().attr("id"), Some("verdict"));
    assert_eq!(first.value().attr("data-verdict"), Some("not-ready"));
    assert_eq!(text_of(&doc, "#verdict h1"), "Not ready for Pearson OnVUE");
    assert!(text_of(&doc, "#verdict p").contains("1 check did not pass (Running applications)"));
    assert_eq!(text_of(&doc, "#report-id"), r.content_id());

    // Every module, with its status, findings and remedies.
    let sections: Vec<_> = doc.select(&sel("section.check")).collect();
    assert_eq!(sections.len(), r.checks.len());
    for (s, c) in sections.iter().zip(&r.checks) {
        assert_eq!(
            s.value().attr("id"),
            Some(format!("check-{}", c.id).as_str())
        );
        assert_eq!(s.value().attr("data-status"), Some(c.status.as_str()));
    }
    let prohibited = doc
        .select(&sel(
            "#check-processes li.finding.fail[data-code=app-prohibited]",
        ))
        .next()
        .expect("the TeamViewer finding");
    let remedy: String = prohibited
        .select(&sel(".remedy"))
        .flat_map(|e| e.text())
        .collect();
    assert!(remedy.contains("Exit TeamViewer"), "{remedy}");

    // Charts where the figures have series, none where they do not.
    let charts: Vec<&str> = doc
        .select(&sel("figure.chart"))
        .filter_map(|f| f.value().attr("data-figure"))
        .collect();
    assert_eq!(
        charts,
        [
            "network.download_mbps",
            "network.upload_mbps",
            "network.latency_ms",
            "microphone.level_dbfs",
            "webcam.brightness_luma"
        ]
    );
    assert_eq!(
        doc.select(&sel("#check-network figure.chart")).count(),
        3,
        "network: download, upload, idle latency"
    );
    assert_eq!(
        doc.select(&sel("#check-microphone figure.chart")).count(),
        1,
        "microphone: the level"
    );
    // Each chart is named for a screen reader, and the profile's limits are lines labelled in
    // words (the same drawing on `examready ui`'s page).
    let upload = doc
        .select(&sel(
            "figure.chart[data-figure=\"network.upload_mbps\"] svg[role=img]",
        ))
        .next()
        .expect("the upload chart");
    let named: Vec<String> = upload
        .select(&sel("title, desc"))
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(named[0], "Upload (Mbps)");
    assert!(
        named[1].ends_with("the dashed lines: minimum 3 Mbps, recommended 6 Mbps."),
        "{named:?}"
    );
    let labels: Vec<String> = upload
        .select(&sel("text"))
        .map(|t| t.text().collect::<String>().trim().to_string())
        .collect();
    for label in ["minimum 3 Mbps", "recommended 6 Mbps"] {
        assert!(labels.iter().any(|l| l == label), "{label}: {labels:?}");
    }
    // The data lines (the mesh is drawn in black and grey): one unbroken line per chart.
    assert_eq!(
        doc.select(&sel("figure.chart svg polyline[stroke=\"#1F6FB5\"]"))
            .count(),
        5
    );
    // A lost second (null) splits a line in two: the recorded line had none, so make one.
    let mut gap = r.clone();
    let net = gap.checks.iter_mut().find(|c| c.id == "network").unwrap();
    let up = net
        .figures
        .iter_mut()
        .find(|f| f.id == "network.upload_mbps")
        .unwrap();
    up.series.as_mut().unwrap().points[1].1 = None;
    let gap_page = Html::parse_document(&html::render(&gap));
    assert_eq!(
        gap_page
            .select(&sel("figure.chart svg polyline[stroke=\"#1F6FB5\"]"))
            .count(),
        6
    );
    // Each figure is a row with its value, the profile's limits and the mark of the findings
    // that judge it.
    let row = doc
        .select(&sel(
            "#check-network tr.figure[data-figure=\"network.upload_mbps\"]",
        ))
        .next()
        .expect("the upload figure's row");
    let cells: Vec<String> = row
        .select(&sel("td"))
        .map(|td| td.text().collect::<String>())
        .collect();
    assert_eq!(
        cells,
        ["✓Upload", "45.8 Mbps", "minimum 3 Mbps, recommended 6 Mbps"]
    );
    assert_eq!(row.value().attr("class"), Some("figure pass"));
    let fps_row = doc
        .select(&sel("#check-webcam tr.figure[data-figure=\"webcam.fps\"]"))
        .next()
        .expect("the webcam frame rate's row");
    assert!(fps_row.text().collect::<String>().contains("29.8 fps"));
    for id in ["system", "processes", "speaker", "telepathy"] {
        assert_eq!(
            doc.select(&sel(&format!("#check-{id} figure.chart")))
                .count(),
            0,
            "no series in {id}"
        );
    }

    // The camera snapshot is embedded, the very PNG the webcam pipeline saved; nothing is
    // loaded from anywhere.
    let imgs: Vec<_> = doc.select(&sel("img")).collect();
    assert_eq!(imgs.len(), 1, "only the snapshot is an image");
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/recorded-webcam.png"
    ))
    .unwrap();
    assert_eq!(
        imgs[0].value().attr("src").unwrap(),
        format!(
            "data:image/png;base64,{}",
            examready::render::charts::base64(&png)
        )
    );
    assert_eq!(doc.select(&sel("#check-webcam img")).count(), 1);
    assert_eq!(
        doc.select(&sel("script, link, iframe, object, embed"))
            .count(),
        0
    );
    for el in doc.select(&sel("[src], [href]")) {
        for attr in ["src", "href"] {
            if let Some(v) = el.value().attr(attr) {
                assert!(
                    v.starts_with('#') || v.starts_with("data:"),
                    "outside resource {v}"
                );
            }
        }
    }
    assert!(
        !page.contains("url(") && !page.contains("@import"),
        "no outside resources"
    );
    assert!(doc.select(&sel("meta[name=viewport]")).next().is_some());

    // Exam time and the manual checklist.
    let exam = text_of(&doc, "#exam");
    assert!(exam.contains("Check-in opens at 09:00"), "{exam}");
    assert_eq!(
        doc.select(&sel("#checklist input[type=checkbox]")).count(),
        r.checklist.len()
    );
    assert!(text_of(&doc, "#checklist").contains("clear glass"));
}

#[test]
fn hostile_names_appear_only_escaped() {
    let r = recorded_with_snapshot();
    let page = html::render(&r);
    assert!(!page.contains("<img src=x"), "raw markup leaked");
    let doc = Html::parse_document(&page);
    for el in doc.select(&sel("*")) {
        for (name, _) in el.value().attrs() {
            assert!(
                !name.starts_with("on"),
                "event handler attribute {name} on {el:?}"
            );
        }
    }
    // The name is shown, as text: the microphone's summary and finding (its device name), the
    // monitor, the process, the interface.
    let all_text: String = doc.root_element().text().collect();
    assert!(
        all_text.matches(HOSTILE).count() >= 5,
        "hostile name not shown as text"
    );
    let finding = text_of(&doc, "#check-microphone li.finding[data-code=mic-level]");
    assert!(finding.contains(HOSTILE), "{finding}");
    let summary = text_of(&doc, "#check-microphone p.summary");
    assert!(summary.contains(HOSTILE), "{summary}");
    for id in ["system", "processes", "network", "microphone"] {
        let facts = text_of(&doc, &format!("#check-{id} table.facts"));
        assert!(facts.contains(HOSTILE), "{id}: {facts}");
    }

    // In Markdown, outside code blocks (whose content is literal text by definition) markup
    // is escaped.
    let md = markdown::render(&r);
    let mut in_code = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code {
            let unescaped = line
                .match_indices("<img")
                .any(|(i, _)| !line[..i].ends_with('\\'));
            assert!(!unescaped, "raw markup in Markdown: {line}");
        }
    }
    assert!(md.contains("\\<img src=x onerror=alert(1)>"), "{md}");
}

/// Replace what changes between builds and runs.
fn redact(text: &str, r: &Report) -> String {
    text.replace(&r.content_id(), "[report-id]")
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
        .replace("2026-11-20 08:05 UTC", "[time]")
}

#[test]
fn markdown_snapshot() {
    let r = recorded();
    insta::assert_snapshot!("recorded_report_md", redact(&markdown::render(&r), &r));
}

#[test]
fn json_snapshot() {
    let r = recorded();
    let value: serde_json::Value = serde_json::from_str(&json::render(&r)).unwrap();
    assert_eq!(value["report_id"], r.content_id().as_str());
    insta::assert_json_snapshot!("recorded_report_json", value, {
        ".time" => "[time]",
        ".tool.version" => "[version]",
        ".report_id" => "[report-id]",
        ".exam.checked_local" => "[time]",
    });
}

#[test]
fn report_id_is_the_same_in_every_format_and_after_a_round_trip() {
    let r = recorded();
    let id = r.content_id();
    assert_eq!(id.len(), 10);
    assert!(markdown::render(&r).contains(&format!("| Report id | `{id}` |")));
    let back = json::parse(&json::render(&r)).unwrap();
    assert_eq!(back.report_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        back.content_id(),
        id,
        "the stored id does not feed its own hash"
    );
    let mut changed = r.clone();
    changed.checks[0].duration_ms += 1;
    assert_ne!(changed.content_id(), id);
}

#[test]
fn replay_judges_known_modules_and_keeps_unknown_ones() {
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let profile = examready::profile::load("onvue").unwrap();
    let r = examready::replay::rejudge(&recorded, &profile).unwrap();
    assert_eq!(r.verdict, Verdict::NotReady);
    assert_eq!(r.time, "2026-11-20T08:05:00Z".parse().unwrap());
    let p = r.check("processes").unwrap();
    assert_eq!(p.status, Status::Fail);
    assert!(p.findings.iter().any(|f| f.code == "app-prohibited"));
    assert_eq!(r.check("system").unwrap().status, Status::Pass);
    for id in ["network", "microphone", "speaker"] {
        assert_eq!(r.check(id).unwrap().status, Status::Pass, "{id}");
    }
    let w = r.check("webcam").unwrap();
    assert_eq!(w.status, Status::Warn);
    assert!(
        w.findings
            .iter()
            .any(|f| f.code == "webcam-faces-multiple" && f.status == Status::Warn)
    );
    let t = r.check("telepathy").unwrap();
    assert_eq!(t.status, Status::Skip);
    assert_eq!(t.findings[0].code, "check-unknown");
    assert_eq!(t.facts["signal"], 0.5, "facts are kept");

    let e = examready::replay::rejudge(&serde_json::json!({"hello": 1}), &profile).unwrap_err();
    assert!(
        e.to_string().contains("not an examready JSON report"),
        "{e}"
    );
}

/// Every module this build knows is in the fixture and is judged for real on replay (no
/// `crash`: its facts have the shape the module records), and what the fixture stores for it is
/// exactly what the judge says now. When this fails after a facts or message change, regenerate
/// the fixture with `scripts/record-fixture.sh` and review the diff.
#[test]
fn judge_on_the_fixture_judges_every_known_module_for_real() {
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let stored = json::parse(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let profile = examready::profile::load("onvue").unwrap();
    let r = examready::replay::rejudge(&recorded, &profile).unwrap();
    for id in examready::check::REGISTRY.iter().map(|c| c.id()) {
        let c = r
            .check(id)
            .unwrap_or_else(|| panic!("the fixture has no {id} check"));
        assert!(
            !matches!(c.status, Status::Crash | Status::Skip | Status::Timeout),
            "{id} was not judged: {:#?}",
            c.findings
        );
        assert!(
            c.findings.iter().all(|f| f.status != Status::Crash),
            "{id}: {:#?}",
            c.findings
        );
        let s = stored.check(id).unwrap();
        assert_eq!(
            (&s.status, &s.summary, &s.findings),
            (&c.status, &c.summary, &c.findings),
            "the fixture's {id} result is not what the judge says"
        );
    }

    // The same through the binary.
    let env = Env::new();
    let (code, stdout, stderr) = env.run(&["judge", FIXTURE, "--profile", "onvue", "--json"]);
    assert_eq!(code, 1, "TeamViewer is prohibited: {stderr}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let crashed: Vec<&serde_json::Value> = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "crash")
        .collect();
    assert!(crashed.is_empty(), "{crashed:#?}");
}

// ---------------------------------------------------------------------------------------------
// The real binary
// ---------------------------------------------------------------------------------------------

fn verdict_of_html(path: &Path) -> String {
    let doc = Html::parse_document(&std::fs::read_to_string(path).unwrap());
    doc.select(&sel("#verdict"))
        .next()
        .unwrap()
        .value()
        .attr("data-verdict")
        .unwrap()
        .to_string()
}

#[test]
fn binary_check_output_history_diff_and_judge() {
    let env = Env::new();
    // An exam in about a month (--exam-at refuses the past and more than a year ahead).
    let exam_day = jiff::ZonedDateTime::now()
        .date()
        .checked_add(jiff::Span::new().days(30))
        .unwrap();
    let exam_at = format!("{} 09:30", exam_day.strftime("%Y-%m-%d"));
    let (code, stdout, stderr) = env.run(&[
        "check",
        "--only",
        "system,processes",
        "--output",
        "r.html",
        "--exam-at",
        &exam_at,
    ]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let want = if code == 0 { "ready" } else { "not-ready" };
    assert_eq!(verdict_of_html(&env.path("r.html")), want);
    assert!(stdout.contains("Check-in opens at 09:00"), "{stdout}");
    let files = env.history_files();
    assert_eq!(files.len(), 1, "one run saved: {files:?}");
    let first = json::parse(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    let first_id = first.content_id();
    assert!(
        stdout.contains(&format!("Report id: {first_id}")),
        "{stdout}"
    );
    let page = std::fs::read_to_string(env.path("r.html")).unwrap();
    assert!(page.contains(&first_id), "the same id in the HTML");

    // Second run, compared with the first; Markdown chosen by --format over the extension.
    let (code2, stdout, stderr) = env.run(&[
        "check",
        "--only",
        "system,processes",
        "--compare",
        "last",
        "--output",
        "ticket.txt",
        "--format",
        "md",
    ]);
    assert!(code2 == 0 || code2 == 1, "{stderr}");
    assert!(
        stdout.contains(&format!("Changes from {first_id}")),
        "{stdout}"
    );
    let md = std::fs::read_to_string(env.path("ticket.txt")).unwrap();
    assert!(md.starts_with("# examready report: "), "{md}");
    assert_eq!(env.history_files().len(), 2);

    let (code, stdout, _) = env.run(&["history"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].contains(&first_id) && lines[0].contains("onvue"),
        "{stdout}"
    );
    assert!(lines[0].contains(if want == "ready" {
        " ready "
    } else {
        "not-ready"
    }));

    let (code, stdout, stderr) = env.run(&["diff"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(&format!("Changes from {first_id}")),
        "{stdout}"
    );
    // By id prefix and by file; a run against itself has no changes.
    let (code, stdout, _) = env.run(&["diff", &first_id[..6], files[0].to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("No changes"), "{stdout}");

    // Replay the recorded report under the profile, into JSON.
    let (code, _, stderr) = env.run(&["judge", FIXTURE, "--profile", "onvue", "-o", "j.json"]);
    assert_eq!(code, 1, "TeamViewer is prohibited: {stderr}");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("j.json")).unwrap()).unwrap();
    assert_eq!(j["verdict"], "not-ready");
    let telepathy = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "telepathy")
        .unwrap();
    assert_eq!(telepathy["status"], "skip");
    assert_eq!(env.history_files().len(), 2, "a replay is not a run");
}

#[test]
fn binary_rejects_bad_input_before_probing() {
    let env = Env::new();
    std::fs::write(env.path("plain"), "x").unwrap();
    for (args, needle) in [
        (
            vec!["check", "--exam-at", "next tuesday"],
            "YYYY-MM-DD HH:MM",
        ),
        (
            vec!["check", "--exam-at", "2001-01-01 09:00"],
            "in the past",
        ),
        (
            vec!["check", "--output", "plain/r.html"],
            "cannot write the report",
        ),
        (vec!["check", "--output", "r.docx"], ".docx"),
        (vec!["judge", "plain"], "is not JSON"),
        (vec!["judge", "missing.json"], "cannot read"),
        (vec!["diff"], "needs 2 saved runs"),
    ] {
        let (code, _, stderr) = env.run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    assert!(
        env.history_files().is_empty(),
        "no probe ran, nothing saved"
    );
}

#[test]
fn binary_history_sets_a_corrupt_file_aside_and_lists_the_rest() {
    let env = Env::new();
    let (code, stdout, _) = env.run(&["history"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("No saved runs yet"), "{stdout}");

    let hist = env.path("data/history");
    std::fs::create_dir_all(&hist).unwrap();
    std::fs::copy(FIXTURE, hist.join("20261120T080500Z-recorded.json")).unwrap();
    std::fs::write(
        hist.join("20261121T000000Z-broken.json"),
        "{\"schema_version\":",
    )
    .unwrap();
    let (code, stdout, stderr) = env.run(&["history"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning") && stderr.contains("set aside"),
        "{stderr}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("2026-11-20 08:05  onvue"), "{stdout}");
    assert!(hist.join("20261121T000000Z-broken.json.corrupt").exists());
}

#[test]
fn binary_checklist_lists_the_profile_items() {
    let env = Env::new();
    let (code, stdout, _) = env.run(&["checklist", "--profile", "onvue"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("Before check-in for Pearson OnVUE"),
        "{stdout}"
    );
    assert_eq!(stdout.matches("  [ ] ").count(), 10, "{stdout}");
}

/// A read-only directory, for real: a tmpfs mounted read-only in a private user and mount
/// namespace (`unshare -rm`), since root ignores permission bits. What the folder holds is listed
/// inside the namespace, where the mount is visible.
#[test]
fn binary_write_into_a_read_only_folder_fails_cleanly_and_leaves_nothing() {
    let env = Env::new();
    let ro = env.path("ro");
    std::fs::create_dir(&ro).unwrap();
    let probe = Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !require(
        probe,
        "cannot create a user+mount namespace with `unshare -rm` (util-linux)",
    ) {
        return;
    }
    // 1. --output into the read-only folder: refused before judging, exit 2.
    // 2. A check whose history folder is read-only: the run still reports, the save only warns.
    let script = format!(
        "set -u; D='{ro}'; B=\"$1\"
         mount -t tmpfs none \"$D\" && mkdir \"$D/history\" && mount -o remount,ro \"$D\" || exit 99
         \"$B\" judge '{FIXTURE}' --output \"$D/r.html\"; echo \"judge-exit=$?\"
         EXAMREADY_DATA_DIR=\"$D\" \"$B\" check --only processes >/dev/null; echo \"check-exit=$?\"
         echo \"left=$(cd \"$D\" && find . -mindepth 1 | sort | tr '\\n' ' ')\"",
        ro = ro.display(),
    );
    // The binary is the script's $1.
    let out = env
        .cmd(&[])
        .through(["unshare", "-rm", "sh", "-c", &script, "sh"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("judge-exit=2"), "{stdout}{stderr}");
    assert!(stderr.contains("cannot write the report"), "{stderr}");
    assert!(stderr.contains("Read-only file system"), "{stderr}");
    assert!(
        stdout.contains("check-exit=0") || stdout.contains("check-exit=1"),
        "{stdout}{stderr}"
    );
    assert!(
        stderr.contains("this run was not saved in the history"),
        "{stderr}"
    );
    // Only the history folder made before the remount; no report, no temporary file.
    let left = stdout.lines().find(|l| l.starts_with("left=")).unwrap();
    assert_eq!(left.trim_end(), "left=./history", "{stdout}");
}

/// A version 1 report (before figures) read from a file gets the figures its facts give under
/// its own profile, the same as the version 2 fixture carries; `diff` then shows moved figures
/// between a version 1 and a version 2 run.
#[test]
fn a_version_1_report_gets_its_figures_from_its_facts() {
    let v2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let mut v1 = v2.clone();
    v1["schema_version"] = 1.into();
    for c in v1["checks"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("figures");
        for f in c["findings"].as_array_mut().unwrap() {
            let f = f.as_object_mut().unwrap();
            for k in ["figure", "measured", "limit", "unit"] {
                f.remove(k);
            }
            if f["remedy"].is_null() {
                f.remove("remedy");
            }
        }
    }
    let env = Env::new();
    std::fs::write(env.path("v1.json"), v1.to_string()).unwrap();
    let read = examready::history::read_report(&env.path("v1.json")).unwrap();
    let want: Report = serde_json::from_value(v2.clone()).unwrap();
    for (got, want) in read.checks.iter().zip(&want.checks) {
        assert_eq!(got.figures, want.figures, "{}", got.id);
    }
    assert!(read.check("network").unwrap().figures.len() >= 5);

    // The same run with a slower upload, as version 2: diff names the moved figure.
    let mut slower = v2;
    let net = slower["checks"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == "network")
        .unwrap();
    for f in net["figures"].as_array_mut().unwrap() {
        if f["id"] == "network.upload_mbps" {
            f["value"] = 20.0.into();
        }
    }
    std::fs::write(env.path("v2.json"), slower.to_string()).unwrap();
    let (code, out, err) = env.run(&["diff", "v1.json", "v2.json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("~ Upload 45.8 Mbps -> 20 Mbps, worse"),
        "{out}"
    );
}
