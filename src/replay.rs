/*!
Replays (`examready judge FILE`): the facts of a saved JSON report judged again under a profile,
without touching hardware ("would I pass ProctorU too?", and for support).

The file is read as plain JSON rather than as a [`Report`], so a report from another version
still replays: a module this build does not know is kept, facts and all, as skipped with the
finding `check-unknown`; a module that had timed out or crashed (no facts) keeps its recorded
result; a module whose facts cannot be read becomes `crash` (the runner's `judge_facts`).

A report from a newer examready (a `schema_version` above [`SCHEMA_VERSION`]) is refused: a schema
bump means a field changed meaning or disappeared, and judging such facts could pass a computer
that fails. A file without `schema_version` (facts written by hand) is read as the current schema.
A report with no checks is refused too: there is nothing to judge, and "ready" would be a lie.
*/

use anyhow::{Context, bail};

use crate::check;
use crate::model::{CheckResult, Finding, Report, SCHEMA_VERSION, Status};
use crate::profile::Profile;

/// Re-judge a saved report's facts under a profile. Modules this build does not know are kept
/// as skipped, with a finding that says so; a module that timed out or crashed (no facts) keeps
/// its recorded result.
pub fn rejudge(recorded: &serde_json::Value, profile: &Profile) -> anyhow::Result<Report> {
    if let Some(v) = recorded.get("schema_version") {
        match v.as_u64() {
            Some(n) if n > u64::from(SCHEMA_VERSION) => bail!(
                "the report was written by a newer examready (report schema {n}; this one reads \
                 up to {SCHEMA_VERSION}): update examready to judge it"
            ),
            Some(n) if n >= 1 => {}
            _ => bail!("its \"schema_version\" is {v}, not a version examready wrote (1, 2 ...)"),
        }
    }
    let checks = recorded
        .get("checks")
        .and_then(|c| c.as_array())
        .context("the file has no \"checks\" list: it is not an examready JSON report")?;
    if checks.is_empty() {
        bail!("the report holds no check: there is nothing to judge");
    }
    let time = recorded
        .get("time")
        .and_then(|t| t.as_str())
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let mut results = Vec::new();
    for (i, c) in checks.iter().enumerate() {
        let id = c
            .get("id")
            .and_then(|v| v.as_str())
            .with_context(|| format!("check #{} in the file has no \"id\"", i + 1))?;
        let facts = c.get("facts").cloned().unwrap_or(serde_json::Value::Null);
        let duration = std::time::Duration::from_millis(
            c.get("duration_ms").and_then(|v| v.as_u64()).unwrap_or(0),
        );
        // Only a module without facts (timed out, crashed) keeps its recorded result.
        let recorded_result = || {
            facts
                .is_null()
                .then(|| serde_json::from_value::<CheckResult>(c.clone()).ok())
                .flatten()
        };
        match check::find(id) {
            Some(module) => match recorded_result() {
                Some(r) if r.status.blocks_readiness() => results.push(r),
                _ => results.push(crate::runner::judge_facts(module, facts, profile, duration)),
            },
            None => {
                let title = c
                    .get("title")
                    .and_then(|v| v.as_str())
                    .unwrap_or(id)
                    .to_string();
                results.push(CheckResult {
                    id: id.to_string(),
                    title,
                    status: Status::Skip,
                    summary: "not judged: unknown to this examready".into(),
                    duration_ms: duration.as_millis() as u64,
                    facts,
                    figures: vec![],
                    findings: vec![Finding::skip(
                        crate::codes::RunnerCode::CheckUnknown,
                        format!(
                            "The report holds facts of a check {id:?} that this examready does not \
                             know (its checks are {}); they were kept but not judged.",
                            check::ids()
                        ),
                    )],
                });
            }
        }
    }
    let mut report = Report::new(time, profile.reference(), results);
    report.exam = recorded
        .get("exam")
        .and_then(|e| serde_json::from_value(e.clone()).ok());
    report.checklist = profile.file.checklist.clean_items();
    Ok(report.with_id())
}

/// Give a report read from a file the figures its checks lack: a version 1 report has none.
/// They are derived from the recorded facts under the report's own built-in profile (the default
/// one when the report's is not built in), as a version 2 report would carry them. The findings
/// stay as recorded. Used when saved runs are compared (`diff`, `check --compare`).
pub fn fill_figures(report: &mut Report) {
    if report
        .checks
        .iter()
        .all(|c| !c.figures.is_empty() || c.facts.is_null())
    {
        return;
    }
    let id = report.profile.id.as_str();
    let name = if crate::profile::builtin(id).is_some() {
        id
    } else {
        crate::profile::DEFAULT_PROFILE
    };
    let Ok(profile) = crate::profile::load(name) else {
        return;
    };
    for c in &mut report.checks {
        // A module that timed out or crashed has no figures to give.
        if !c.figures.is_empty()
            || c.facts.is_null()
            || matches!(c.status, Status::Timeout | Status::Crash)
        {
            continue;
        }
        if let Some(module) = check::find(&c.id) {
            let figures = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                module.figures(&c.facts, &profile)
            }));
            if let Ok(Ok(f)) = figures {
                c.figures = f;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn onvue() -> Profile {
        crate::profile::load("onvue").unwrap()
    }

    #[test]
    fn a_timed_out_module_keeps_its_recorded_result() {
        let recorded = json!({"time": "2026-11-20T08:05:00Z", "checks": [{
            "id": "system", "title": "Computer", "status": "timeout", "summary": "no answer",
            "duration_ms": 30000, "facts": null,
            "findings": [{"code": "check-timed-out", "status": "timeout", "message": "late"}]}]});
        let r = rejudge(&recorded, &onvue()).unwrap();
        assert_eq!(r.checks[0].status, Status::Timeout);
        assert_eq!(r.checks[0].findings[0].code, "check-timed-out");
        assert_eq!(r.report_id.as_deref(), Some(r.content_id().as_str()));
    }

    #[test]
    fn unreadable_facts_crash_that_module_only_and_bad_files_are_errors() {
        let recorded = json!({"checks": [
            {"id": "system", "facts": {"os": "not the system facts"}},
            {"id": "hologram", "facts": {"x": 1}}]});
        let r = rejudge(&recorded, &onvue()).unwrap();
        assert_eq!(r.checks[0].status, Status::Crash);
        assert_eq!(r.checks[1].status, Status::Skip);
        assert_eq!(r.checks[1].title, "hologram");
        let e = rejudge(&json!({"checks": [{"facts": {}}]}), &onvue()).unwrap_err();
        assert!(e.to_string().contains("has no \"id\""), "{e}");
    }

    #[test]
    fn newer_schemas_bad_versions_and_empty_reports_are_refused() {
        let check = json!({"id": "hologram", "facts": {}});
        let e = rejudge(&json!({"schema_version": 3, "checks": [check]}), &onvue())
            .unwrap_err()
            .to_string();
        assert!(e.contains("newer examready (report schema 3"), "{e}");
        for bad in [json!(0), json!("1"), json!(-1), json!(1.5)] {
            let e = rejudge(&json!({"schema_version": bad, "checks": [check]}), &onvue())
                .unwrap_err()
                .to_string();
            assert!(e.contains("not a version examready wrote"), "{bad}: {e}");
        }
        let e = rejudge(&json!({"schema_version": 1, "checks": []}), &onvue())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no check"), "{e}");
        // Version 1 (before figures) and 2 are both read.
        assert!(rejudge(&json!({"schema_version": 1, "checks": [check]}), &onvue()).is_ok());
        assert!(rejudge(&json!({"schema_version": 2, "checks": [check]}), &onvue()).is_ok());
    }
}
