//! A submission's body checked before anything is stored: JSON, the candidate, the report's
//! schema version, size bounds, the report types, and the report id against the content.

use serde_json::Value;
use serde_json::value::RawValue;

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

/// The body's two fields; the report is kept as its text (read below, not built as a tree).
#[derive(serde::Deserialize)]
struct Body<'a> {
    candidate: Option<Value>,
    #[serde(borrow)]
    report: Option<&'a RawValue>,
}

/// The report's version and id, read before the rest.
#[derive(serde::Deserialize)]
struct Head {
    schema_version: Option<Value>,
    report_id: Option<Value>,
}

/// Check `body` (a submission's JSON) and read it. The report is read in passes over its text:
/// its version, the bounds of its strings, then the typed report; no JSON tree is built.
pub fn submission(body: &[u8]) -> Result<Submission, Refusal> {
    let not_object = || invalid("the body must be a JSON object with \"candidate\" and \"report\"");
    // (A struct would also be read from an array: only an object is one.)
    let object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let top: Body = match serde_json::from_slice(body) {
        Ok(top) if object => top,
        Ok(_) => return Err(not_object()),
        Err(e) => {
            return Err(
                match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                    Ok(_) => not_object(),
                    Err(_) => invalid(format!("the body is not valid JSON: {e}")),
                },
            );
        }
    };
    let candidate = match &top.candidate {
        Some(Value::String(s)) => candidate(s).map_err(invalid)?,
        Some(_) => return Err(invalid("\"candidate\" must be a string")),
        None => return Err(invalid("the body has no \"candidate\"")),
    };
    let raw = match top.report {
        Some(r) if r.get().starts_with('{') => r.get(),
        Some(_) => return Err(invalid("\"report\" must be a JSON object")),
        None => return Err(invalid("the body has no \"report\"")),
    };
    let head: Head = serde_json::from_str(raw)
        .map_err(|e| invalid(format!("the report is not valid JSON: {e}")))?;
    schema_version(head.schema_version.as_ref())?;
    let Some(Value::String(report_id)) = head.report_id else {
        return Err(invalid("the report has no \"report_id\""));
    };
    strings_bounded(raw)?;
    let mut report: Report = serde_json::from_str(raw)
        .map_err(|e| invalid(format!("the report does not match the report schema: {e}")))?;
    counts_bounded(&report)?;
    // Hashed without its id, as `content_id` defines it (taking the id out spares a copy).
    let submitted_id = report.report_id.take();
    let content = report.content_id();
    report.report_id = submitted_id;
    if report_id != content && report_id != value_id(raw) {
        return Err(invalid(format!(
            "report_id {report_id:?} does not match the report's content (its id is {content})"
        )));
    }
    Ok(Submission {
        candidate,
        report,
        report_id,
        json: raw.to_string(),
    })
}

/// The version must be one this server reads (1 up to [`SCHEMA_VERSION`]).
fn schema_version(version: Option<&Value>) -> Result<(), Refusal> {
    match version.and_then(Value::as_u64) {
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
fn value_id(raw: &str) -> String {
    use sha2::Digest;
    let Ok(mut plain) = serde_json::from_str::<Value>(raw) else {
        return String::new();
    };
    if let Value::Object(m) = &mut plain {
        m.shift_remove("report_id");
    }
    let bytes = serde_json::to_vec(&plain).expect("a JSON value serializes");
    super::hex(&sha2::Sha256::digest(bytes)[..5])
}

/// The bounds on counts: checks, and findings per check.
fn counts_bounded(report: &Report) -> Result<(), Refusal> {
    if report.checks.len() > MAX_CHECKS {
        return Err(invalid(format!(
            "the report has {} checks; at most {MAX_CHECKS} are accepted",
            report.checks.len()
        )));
    }
    if let Some(n) = report
        .checks
        .iter()
        .map(|c| c.findings.len())
        .find(|&n| n > MAX_FINDINGS)
    {
        return Err(invalid(format!(
            "a check has {n} findings; at most {MAX_FINDINGS} are accepted"
        )));
    }
    Ok(())
}

/// Why a string of the report is refused.
#[derive(Clone, Copy)]
enum BadString {
    Long,
    Nul,
}

impl BadString {
    fn refusal(self) -> Refusal {
        match self {
            BadString::Long => invalid(format!(
                "the report holds a string longer than {MAX_STRING} bytes"
            )),
            BadString::Nul => invalid("the report holds a string with a NUL character"),
        }
    }
}

/// Every string (keys too) at most [`MAX_STRING`] bytes and without a NUL character (which no
/// report holds and PostgreSQL's text cannot store): a walk over the text, building nothing.
fn strings_bounded(raw: &str) -> Result<(), Refusal> {
    let bad = std::cell::Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(raw);
    match serde::de::DeserializeSeed::deserialize(Strings(&bad), &mut de) {
        Ok(()) => Ok(()),
        Err(e) => Err(bad
            .get()
            .map(BadString::refusal)
            .unwrap_or_else(|| invalid(format!("the report is not valid JSON: {e}")))),
    }
}

/// The walker of [`strings_bounded`]: it notes the first bad string in its cell.
#[derive(Clone, Copy)]
struct Strings<'c>(&'c std::cell::Cell<Option<BadString>>);

impl<'de> serde::de::DeserializeSeed<'de> for Strings<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Strings<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        let bad = if s.len() > MAX_STRING {
            Some(BadString::Long)
        } else if s.contains('\0') {
            Some(BadString::Nul)
        } else {
            None
        };
        match bad {
            Some(b) => {
                self.0.set(Some(b));
                Err(E::custom("a string out of bounds"))
            }
            None => Ok(()),
        }
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
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
        // Keys count too, however deep (the checks' facts are free-form).
        let mut deep = serde_json::to_value(&r).unwrap();
        deep["checks"] = serde_json::json!([{"facts": {"a": [{"k\u{0}": 1}]}}]);
        let b = serde_json::to_vec(&serde_json::json!({"candidate": "a", "report": deep}));
        assert!(bad(&b.unwrap()).contains("NUL"));
        let mut key = serde_json::to_value(&r).unwrap();
        key["x".repeat(MAX_STRING + 1)] = 1.into();
        let b = serde_json::to_vec(&serde_json::json!({"candidate": "a", "report": key}));
        assert!(bad(&b.unwrap()).contains("longer than"));
        assert!(bad(b"[1, 2]").contains("JSON object"));
        assert!(bad(b"{\"candidate\": \"a\", \"report\": [1]}").contains("must be a JSON object"));
    }
}
