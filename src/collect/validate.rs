//! A submission's body checked before anything is stored: JSON, the candidate, the report's
//! schema version, size bounds, the report types, and the report id against the content.

use serde::Deserialize as _;
use serde_json::Value;

use crate::model::{Report, SCHEMA_VERSION};

/// At most this many checks in a report.
pub const MAX_CHECKS: usize = 64;
/// At most this many findings in one check.
pub const MAX_FINDINGS: usize = 256;
/// At most this many bytes in any string of the report (keys included).
pub const MAX_STRING: usize = 8 * 1024;

/// A valid submission.
#[derive(Debug)]
pub struct Submission {
    pub candidate: String,
    pub report: Report,
    pub report_id: String,
    /// The submitted report, as compact JSON text (what is stored).
    pub json: String,
}

/// Why a submission is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 400.
    Invalid(String),
    /// 422: a newer schema than this server reads.
    FutureSchema(String),
}

fn invalid(s: impl Into<String>) -> Refusal {
    Refusal::Invalid(s.into())
}

/// The candidate's identifier, trimmed, under the contract's rule ([`crate::submit::candidate`]).
pub fn candidate(text: &str) -> Result<String, String> {
    use crate::submit::{BadCandidate, MAX_CANDIDATE_CHARS};
    crate::submit::candidate(text).map_err(|e| match e {
        BadCandidate::Empty => "the candidate is empty".into(),
        BadCandidate::TooLong(_) => {
            format!("the candidate is longer than {MAX_CANDIDATE_CHARS} characters")
        }
        BadCandidate::Control => "the candidate contains control characters".into(),
    })
}

/// Check `body` (a submission's JSON) and read it.
pub fn submission(body: &[u8]) -> Result<Submission, Refusal> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| invalid(format!("the body is not valid JSON: {e}")))?;
    let Value::Object(mut top) = value else {
        return Err(invalid(
            "the body must be a JSON object with \"candidate\" and \"report\"",
        ));
    };
    let candidate = match top.get("candidate") {
        Some(Value::String(s)) => candidate(s).map_err(invalid)?,
        Some(_) => return Err(invalid("\"candidate\" must be a string")),
        None => return Err(invalid("the body has no \"candidate\"")),
    };
    let report_value = match top.remove("report") {
        Some(v @ Value::Object(_)) => v,
        Some(_) => return Err(invalid("\"report\" must be a JSON object")),
        None => return Err(invalid("the body has no \"report\"")),
    };
    schema_version(&report_value)?;
    bounds(&report_value)?;
    let report_id = match report_value.get("report_id") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(invalid("the report has no \"report_id\"")),
    };
    // Read from the tree in place (no copy of a 20 KiB report), and hash it without its id
    // (which `content_id` would otherwise do on a copy).
    let mut report = Report::deserialize(&report_value)
        .map_err(|e| invalid(format!("the report does not match the report schema: {e}")))?;
    let submitted_id = report.report_id.take();
    let content = report.content_id();
    report.report_id = submitted_id;
    if report_id != content && report_id != value_id(&report_value) {
        return Err(invalid(format!(
            "report_id {report_id:?} does not match the report's content (its id is {content})"
        )));
    }
    let json = serde_json::to_string(&report_value).expect("a JSON value serializes");
    Ok(Submission {
        candidate,
        report,
        report_id,
        json,
    })
}

/// The version must be one this server reads (1 up to [`SCHEMA_VERSION`]).
fn schema_version(report: &Value) -> Result<(), Refusal> {
    match report.get("schema_version").and_then(Value::as_u64) {
        Some(v) if v > u64::from(SCHEMA_VERSION) => Err(Refusal::FutureSchema(format!(
            "the report has schema_version {v}, newer than this server understands \
             (up to {SCHEMA_VERSION}); update examready on the server"
        ))),
        Some(v) if v >= 1 => Ok(()),
        _ => Err(invalid(
            "the report's schema_version must be a whole number from 1",
        )),
    }
}

/// The id over the report exactly as submitted (for a version 1 report, whose keys differ from
/// what this version writes): the content id's rule on the submitted JSON.
fn value_id(report: &Value) -> String {
    use sha2::Digest;
    let mut plain = report.clone();
    if let Value::Object(m) = &mut plain {
        m.shift_remove("report_id");
    }
    let bytes = serde_json::to_vec(&plain).expect("a JSON value serializes");
    super::hex(&sha2::Sha256::digest(bytes)[..5])
}

/// The size bounds: checks, findings per check, string lengths.
fn bounds(report: &Value) -> Result<(), Refusal> {
    if let Some(checks) = report.get("checks").and_then(Value::as_array) {
        if checks.len() > MAX_CHECKS {
            return Err(invalid(format!(
                "the report has {} checks; at most {MAX_CHECKS} are accepted",
                checks.len()
            )));
        }
        for c in checks {
            let n = c
                .get("findings")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if n > MAX_FINDINGS {
                return Err(invalid(format!(
                    "a check has {n} findings; at most {MAX_FINDINGS} are accepted"
                )));
            }
        }
    }
    strings_bounded(report)
}

/// Every string (keys too) at most [`MAX_STRING`] bytes and without a NUL character (which no
/// report holds and PostgreSQL's text cannot store).
fn strings_bounded(v: &Value) -> Result<(), Refusal> {
    let check = |s: &str| {
        if s.len() > MAX_STRING {
            Err(invalid(format!(
                "the report holds a string longer than {MAX_STRING} bytes"
            )))
        } else if s.contains('\0') {
            Err(invalid("the report holds a string with a NUL character"))
        } else {
            Ok(())
        }
    };
    match v {
        Value::String(s) => check(s),
        Value::Array(a) => a.iter().try_for_each(strings_bounded),
        Value::Object(m) => m.iter().try_for_each(|(k, v)| {
            check(k)?;
            strings_bounded(v)
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProfileRef, Report};

    fn body(report: &Report, candidate: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"candidate": candidate, "report": report})).unwrap()
    }

    fn report() -> Report {
        Report::new(
            "2026-11-24T09:00:00Z".parse().unwrap(),
            ProfileRef {
                id: "onvue".into(),
                name: "Pearson OnVUE".into(),
                updated: None,
            },
            vec![],
        )
        .with_id()
    }

    #[test]
    fn a_good_submission_reads_back() {
        let r = report();
        let s = submission(&body(&r, "  alice  ")).unwrap();
        assert_eq!(s.candidate, "alice");
        assert_eq!(s.report_id, r.content_id());
    }

    #[test]
    fn refusals_say_why() {
        let r = report();
        let bad = |b: &[u8]| match submission(b) {
            Err(Refusal::Invalid(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(bad(b"{").contains("not valid JSON"));
        assert!(bad(&body(&r, "")).contains("empty"));
        assert!(bad(&body(&r, "a\u{7}b")).contains("control"));
        let mut wrong = r.clone();
        wrong.report_id = Some("0000000000".into());
        assert!(bad(&body(&wrong, "a")).contains("does not match"));
        let mut future = serde_json::to_value(&r).unwrap();
        future["schema_version"] = 99.into();
        let b = serde_json::to_vec(&serde_json::json!({"candidate": "a", "report": future}));
        assert!(
            matches!(submission(&b.unwrap()), Err(Refusal::FutureSchema(m)) if m.contains("99"))
        );
        let mut long = serde_json::to_value(&r).unwrap();
        long["profile"]["name"] = "x".repeat(MAX_STRING + 1).into();
        let b = serde_json::to_vec(&serde_json::json!({"candidate": "a", "report": long}));
        assert!(bad(&b.unwrap()).contains("longer than"));
        let mut nul = serde_json::to_value(&r).unwrap();
        nul["profile"]["id"] = "on\u{0}vue".into();
        let b = serde_json::to_vec(&serde_json::json!({"candidate": "a", "report": nul}));
        assert!(bad(&b.unwrap()).contains("NUL"));
    }
}
