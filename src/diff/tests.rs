use super::*;
use crate::model::{Better, ProfileRef, Verdict};
use serde_json::json;

fn net(upload: f64, findings: Vec<Finding>) -> CheckResult {
    CheckResult {
        id: "network".into(),
        title: "Network".into(),
        status: crate::model::Judgement {
            summary: String::new(),
            findings: findings.clone(),
        }
        .status(),
        summary: format!("upload {upload} Mbps"),
        duration_ms: 5000,
        facts: json!({"upload_mbps": {"median": upload, "series": [upload, upload]},
                      "download_mbps": {"median": 50.0}, "duration_ms": 5000}),
        figures: vec![
            Figure::new(
                "network.download_mbps",
                "Download",
                Some(50.0),
                "Mbps",
                Better::Higher,
            ),
            Figure::new(
                "network.upload_mbps",
                "Upload",
                Some(upload),
                "Mbps",
                Better::Higher,
            )
            .minimum(Some(6.0)),
        ],
        findings,
    }
}
fn apps(pids: &str, findings: Vec<Finding>) -> CheckResult {
    CheckResult {
        id: "processes".into(),
        title: "Running applications".into(),
        status: if findings.iter().any(is_problem) {
            Status::Fail
        } else {
            Status::Pass
        },
        summary: String::new(),
        duration_ms: 40,
        facts: json!({"process_count": 300, "pids": pids}),
        figures: vec![],
        findings,
    }
}
fn report(at: &str, checks: Vec<CheckResult>) -> Report {
    Report::new(
        at.parse().unwrap(),
        ProfileRef {
            id: "onvue".into(),
            name: "Pearson OnVUE".into(),
            updated: None,
        },
        checks,
    )
}
fn upload_ok(v: f64) -> Finding {
    Finding::pass(
        crate::check::network::NetCode::NetUploadOk,
        format!("Upload {v} Mbps meets 6 Mbps."),
    )
    .judging("network.upload_mbps", v, Some(6.0), "Mbps")
}
fn upload_low(v: f64) -> Finding {
    Finding::fail(
        crate::check::network::NetCode::NetUploadLow,
        format!("Upload {v} Mbps is below the 6 Mbps OnVUE asks for."),
        "Use a wired connection.",
    )
    .judging("network.upload_mbps", v, Some(6.0), "Mbps")
}
fn teamviewer(pid: u32) -> Finding {
    Finding::fail(
        crate::check::processes::ProcessCode::AppProhibited,
        format!("TeamViewer is running: process {pid}."),
        "Quit TeamViewer.",
    )
}

#[test]
fn another_application_under_the_same_rule_is_a_new_and_a_fixed_problem() {
    let zoom = Finding::fail(
        crate::check::processes::ProcessCode::AppProhibited,
        "Zoom is running: process 77.",
        "Quit Zoom.",
    );
    let old = report(
        "2026-11-20T09:00:00Z",
        vec![apps("1", vec![teamviewer(4321)])],
    );
    let new = report("2026-11-20T10:00:00Z", vec![apps("2", vec![zoom.clone()])]);
    let d = diff(&old, &new);
    assert_eq!(d.modules.len(), 1, "{d:?}");
    assert_eq!(d.modules[0].new_problems, [zoom]);
    assert_eq!(d.modules[0].fixed, [teamviewer(4321)]);
    assert_eq!(d.count(), 2);
}

#[test]
fn identical_runs_have_no_changes() {
    let r = report(
        "2026-11-20T09:00:00Z",
        vec![
            net(9.1, vec![upload_ok(9.1)]),
            apps("1", vec![teamviewer(4321)]),
        ],
    );
    let d = diff(&r, &r);
    assert!(d.is_empty(), "{d:?}");
    let text = d.render(&jiff::tz::TimeZone::UTC);
    assert!(text.contains("No changes"), "{text}");
    assert!(text.contains(&r.content_id()), "{text}");
}

#[test]
fn upload_fell_is_a_new_problem_shown_first_with_the_moved_figure() {
    let old = report(
        "2026-11-20T09:00:00Z",
        vec![
            apps("1", vec![teamviewer(4321)]),
            net(9.1, vec![upload_ok(9.1)]),
        ],
    );
    // TeamViewer closed (fixed), upload fell (new problem), pid of nothing changed.
    let new = report(
        "2026-11-24T09:00:00Z",
        vec![apps("2", vec![]), net(4.2, vec![upload_low(4.2)])],
    );
    let d = diff(&old, &new);
    assert_eq!(
        (d.old_verdict, d.new_verdict),
        (Verdict::NotReady, Verdict::NotReady)
    );
    assert_eq!(d.modules.len(), 2);
    let n = &d.modules[0];
    assert_eq!(n.id, "network", "the worse module comes first");
    assert_eq!(n.new_problems.len(), 1);
    assert_eq!(n.new_problems[0].code, "net-upload-low");
    assert_eq!(
        n.moved,
        vec![Moved {
            figure: "network.upload_mbps".into(),
            label: "Upload".into(),
            unit: "Mbps".into(),
            old: 9.1,
            new: 4.2,
            worse: true,
        }]
    );
    let a = &d.modules[1];
    assert_eq!(a.fixed.len(), 1);
    assert_eq!(a.fixed[0].code, "app-prohibited");
    let text = d.render(&jiff::tz::TimeZone::UTC);
    let new_at = text.find("✗ new: Upload 4.2 Mbps").expect(&text);
    let fixed_at = text.find("✓ fixed: TeamViewer").expect(&text);
    assert!(new_at < fixed_at, "{text}");
    assert!(
        text.contains("~ Upload 9.1 Mbps -> 4.2 Mbps, worse"),
        "{text}"
    );
    assert!(text.contains("Network (pass -> fail)"), "{text}");
    assert!(
        !text.contains("download"),
        "an unchanged figure is not shown: {text}"
    );
}

#[test]
fn same_problem_with_other_numbers_is_not_new() {
    let old = report(
        "2026-11-20T09:00:00Z",
        vec![apps("1", vec![teamviewer(4321)])],
    );
    let new = report(
        "2026-11-21T09:00:00Z",
        vec![apps("2", vec![teamviewer(99)])],
    );
    assert!(diff(&old, &new).is_empty());
    // A warning that became a failure under the same code is "worse", not new + fixed.
    let warn = Finding::warn(
        crate::check::network::NetCode::NetUploadLow,
        "Upload 7 Mbps is under the 10 recommended.",
        "x",
    )
    .judging("network.upload_mbps", 7.0, Some(10.0), "Mbps");
    let old = report("2026-11-20T09:00:00Z", vec![net(7.0, vec![warn])]);
    let new = report(
        "2026-11-21T09:00:00Z",
        vec![net(4.2, vec![upload_low(4.2)])],
    );
    let d = diff(&old, &new);
    let m = &d.modules[0];
    assert!(m.new_problems.is_empty() && m.fixed.is_empty(), "{m:?}");
    assert_eq!(m.changed.len(), 1);
    assert!(
        d.render(&jiff::tz::TimeZone::UTC)
            .contains("worse (warn -> fail)")
    );
}

#[test]
fn modules_added_or_missing_are_named() {
    let old = report("2026-11-20T09:00:00Z", vec![apps("1", vec![])]);
    let new = report(
        "2026-11-21T09:00:00Z",
        vec![net(4.2, vec![upload_low(4.2)])],
    );
    let text = diff(&old, &new).render(&jiff::tz::TimeZone::UTC);
    assert!(text.contains("Network (new in this run: fail)"), "{text}");
    assert!(
        text.contains("Running applications (not run this time (was pass))"),
        "{text}"
    );
}

#[test]
fn small_moves_and_percent_noise_are_not_figures_that_moved() {
    let fig = |id: &str, v: f64, unit: &str, better| Figure::new(id, id, Some(v), unit, better);
    let old = [
        fig("system.cpu_load_percent", 58.5, "%", Better::Lower),
        fig("system.memory_used_percent", 4.4, "%", Better::Lower),
        fig("system.ram_gb", 8.0, "GB", Better::Higher),
        fig("system.cpu_cores", 4.0, "", Better::Higher),
        fig("network.latency_ms", 20.0, "ms", Better::Lower),
    ];
    let new = [
        fig("system.cpu_load_percent", 1.5, "%", Better::Lower),
        fig("system.memory_used_percent", 3.2, "%", Better::Lower),
        fig("system.ram_gb", 16.0, "GB", Better::Higher),
        fig("system.cpu_cores", 4.2, "", Better::Higher),
        Figure::new("network.latency_ms", "Latency", None, "ms", Better::Lower),
    ];
    let m = moved(&old, &new);
    let ids: Vec<(&str, bool)> = m.iter().map(|m| (m.figure.as_str(), m.worse)).collect();
    assert_eq!(
        ids,
        [("system.cpu_load_percent", false), ("system.ram_gb", false)]
    );
    assert_eq!(with_unit(16.0, "GB"), "16 GB");
    assert_eq!(with_unit(1.5, "%"), "1.5%");
}

#[test]
fn shapes_ignore_numbers_only() {
    assert_eq!(shape("Upload 4.2 Mbps, pid 99."), "Upload # Mbps, pid #.");
    assert_ne!(shape("above"), shape("below"));
}
