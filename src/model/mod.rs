/*!
The result model shared by checks, the runner and the renderers.

A check's probe returns facts (plain serializable data); its judge turns facts and a profile
section into a [`Judgement`]: findings, each with a stable kebab-case code, a message and a remedy.
The runner wraps that into a [`CheckResult`] (status, duration) and the [`Report`] holds them all.
Nothing here prints.
*/

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::codes::Code;
pub use crate::figure::{Better, Figure};

/// The JSON report's schema version. Bump it when a field changes meaning or disappears.
/// Version 2 added `figures` to every check and `figure`, `measured`, `limit`, `unit` to every
/// finding, and writes every key of a finding and a check always (`null` when empty).
pub const SCHEMA_VERSION: u32 = 2;

/// The status of one finding or one check.
///
/// Ordered by severity for aggregation: a check's status is the worst of its findings'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Skip,
    Warn,
    Fail,
    Timeout,
    Crash,
}

impl Status {
    /// Severity rank used to pick the worst status (higher is worse).
    pub fn rank(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Skip => 1,
            Status::Warn => 2,
            Status::Fail => 3,
            Status::Timeout => 4,
            Status::Crash => 5,
        }
    }

    /// Whether this status stops the candidate from being ready.
    ///
    /// A check that timed out or crashed could not confirm anything, so it blocks readiness too.
    pub fn blocks_readiness(self) -> bool {
        matches!(self, Status::Fail | Status::Timeout | Status::Crash)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Skip => "skip",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Timeout => "timeout",
            Status::Crash => "crash",
        }
    }

    /// The worst of a set of statuses; `Pass` when empty.
    pub fn worst<I: IntoIterator<Item = Status>>(it: I) -> Status {
        it.into_iter()
            .max_by_key(|s| s.rank())
            .unwrap_or(Status::Pass)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a check found: a rule that passed, warned or failed, or a part that was skipped.
/// Every key is always written; those that do not apply are `null` (and may be missing in a
/// version 1 report, read as `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = every_key_required)]
pub struct Finding {
    /// Stable kebab-case code, e.g. `webcam-busy`, `net-upload-low`, `app-prohibited`.
    pub code: String,
    pub status: Status,
    /// What is the case, in one sentence, with the measured figure and the limit.
    pub message: String,
    /// What the candidate should do about it; `null` for a pass.
    pub remedy: Option<String>,
    /// The id of the figure this finding judges (one of its check's `figures`), if any.
    pub figure: Option<String>,
    /// The measured value it judged, in `unit`.
    pub measured: Option<f64>,
    /// The limit it was judged against, in `unit` (the minimum, maximum or recommendation).
    pub limit: Option<f64>,
    pub unit: Option<String>,
}

impl Finding {
    /// A finding with a module's typed code (see [`crate::finding_codes`]).
    pub fn new(code: impl Into<Code>, status: Status, message: impl Into<String>) -> Self {
        let Code(code) = code.into();
        debug_assert!(
            is_kebab_case(code),
            "finding code {code:?} is not kebab-case"
        );
        Finding {
            code: code.to_string(),
            status,
            message: message.into(),
            remedy: None,
            figure: None,
            measured: None,
            limit: None,
            unit: None,
        }
    }
    pub fn pass(code: impl Into<Code>, message: impl Into<String>) -> Self {
        Self::new(code, Status::Pass, message)
    }
    pub fn warn(
        code: impl Into<Code>,
        message: impl Into<String>,
        remedy: impl Into<String>,
    ) -> Self {
        Self::new(code, Status::Warn, message).with_remedy(remedy)
    }
    pub fn fail(
        code: impl Into<Code>,
        message: impl Into<String>,
        remedy: impl Into<String>,
    ) -> Self {
        Self::new(code, Status::Fail, message).with_remedy(remedy)
    }
    pub fn skip(code: impl Into<Code>, reason: impl Into<String>) -> Self {
        Self::new(code, Status::Skip, reason)
    }
    pub fn with_remedy(mut self, remedy: impl Into<String>) -> Self {
        self.remedy = Some(remedy.into());
        self
    }
    /// This finding judges `figure`: `measured` against `limit`, both in `unit`.
    pub fn judging(mut self, figure: &str, measured: f64, limit: Option<f64>, unit: &str) -> Self {
        self.figure = Some(figure.into());
        self.measured = Some(measured);
        self.limit = limit;
        self.unit = Some(unit.into());
        self
    }
}

/// Whether `s` is a non-empty kebab-case identifier (`[a-z0-9]+(-[a-z0-9]+)*`).
pub fn is_kebab_case(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// What a judge returns: a one-line summary for the report and the findings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Judgement {
    pub summary: String,
    pub findings: Vec<Finding>,
}

impl Judgement {
    /// The worst status among the findings. A skipped part does not lower a module that
    /// checked other things; a module whose every finding is skipped is skipped.
    pub fn status(&self) -> Status {
        let checked = self.findings.iter().filter(|f| f.status != Status::Skip);
        if checked.clone().next().is_none() && !self.findings.is_empty() {
            return Status::Skip;
        }
        Status::worst(checked.map(|f| f.status))
    }
}

/// One module's result in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = every_key_required)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub status: Status,
    /// One line for the terminal summary.
    pub summary: String,
    pub duration_ms: u64,
    /// The module's facts as its probe returned them (`null` when the probe produced none).
    /// Their shape is the module's own; what a person compares is in `figures`.
    pub facts: serde_json::Value,
    /// The numbers the module declares from its facts, with the profile's limits (empty in a
    /// version 1 report, and for a module that timed out or crashed).
    #[serde(default)]
    pub figures: Vec<Figure>,
    pub findings: Vec<Finding>,
}

/// Which profile judged the report.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileRef {
    pub id: String,
    pub name: String,
    /// When the profile's requirements were last read from the vendor's sources (YYYY-MM-DD,
    /// the profile's `updated`), so a candidate can tell stale requirements. Absent in older
    /// reports and for a profile file that gives no date.
    #[serde(default)]
    pub updated: Option<String>,
}

/// The tool that made the report.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    /// The day this examready was built (YYYY-MM-DD, UTC; `SOURCE_DATE_EPOCH` for a release).
    /// Absent in reports of older versions.
    #[serde(default)]
    pub build_date: Option<String>,
}

/// The day this binary was built (YYYY-MM-DD), from build.rs.
pub const BUILD_DATE: &str = env!("EXAMREADY_BUILD_DATE");

impl ToolInfo {
    pub fn current() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            build_date: Some(BUILD_DATE.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ready,
    NotReady,
}

impl Verdict {
    pub fn from_checks(checks: &[CheckResult]) -> Verdict {
        if checks.iter().any(|c| c.status.blocks_readiness()) {
            Verdict::NotReady
        } else {
            Verdict::Ready
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotReady => "not-ready",
        }
    }
}

/// The whole readiness report: what `--json` prints and `--output x.json` writes.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub schema_version: u32,
    pub tool: ToolInfo,
    /// When the run started, RFC 3339 in UTC.
    #[schemars(with = "String")]
    pub time: jiff::Timestamp,
    pub profile: ProfileRef,
    pub verdict: Verdict,
    pub checks: Vec<CheckResult>,
    /// The exam this run prepares for (`--exam-at`): when, and when check-in opens.
    #[serde(default)]
    pub exam: Option<crate::exam::ExamPlan>,
    /// What no program can verify, from the profile's `[checklist]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<String>,
    /// A short hash of the report's content to quote to support; see [`Report::content_id`].
    /// Written by every renderer; ignored when computing the id itself.
    #[serde(default)]
    pub report_id: Option<String>,
    /// Images that belong to a module's section (check id -> image), such as the webcam
    /// snapshot this run took with `--snapshot`. Never serialized: the JSON report and the
    /// history keep only the snapshot's path, and a replayed report embeds no file from disk.
    #[serde(skip)]
    pub images: std::collections::BTreeMap<String, Image>,
}

/// An image to embed in a report (PNG or JPEG, base64).
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub mime: &'static str,
    pub base64: String,
}

impl Report {
    pub fn new(time: jiff::Timestamp, profile: ProfileRef, checks: Vec<CheckResult>) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo::current(),
            time,
            profile,
            verdict: Verdict::from_checks(&checks),
            checks,
            exam: None,
            checklist: Vec::new(),
            images: Default::default(),
            report_id: None,
        }
    }

    /// The report id: the first 10 hex digits of the SHA-256 of the report's compact JSON with
    /// `report_id` left out. Any change of content (time, facts, findings, profile) changes it,
    /// and a saved report read back gives the same id, so it can be checked.
    pub fn content_id(&self) -> String {
        use sha2::Digest;
        /// Feeds the JSON to the hash as it is written: no copy of a large report.
        struct Hasher(sha2::Sha256);
        impl std::io::Write for Hasher {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut hasher = Hasher(sha2::Sha256::new());
        let written = if self.report_id.is_none() {
            serde_json::to_writer(&mut hasher, self)
        } else {
            let mut plain = self.clone();
            plain.report_id = None;
            serde_json::to_writer(&mut hasher, &plain)
        };
        written.expect("a report always serializes");
        let hash = hasher.0.finalize();
        hash.iter().take(5).map(|b| format!("{b:02x}")).collect()
    }

    /// This report with its `report_id` set from its content.
    pub fn with_id(mut self) -> Report {
        self.report_id = Some(self.content_id());
        self
    }

    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// In the schema, every key of the object is required (a written report always has them all,
/// `null` where nothing applies), whatever serde may accept when reading an older report.
fn every_key_required(schema: &mut schemars::Schema) {
    let keys: Vec<serde_json::Value> = schema
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().map(serde_json::Value::String).collect())
        .unwrap_or_default();
    schema.insert("required".into(), serde_json::Value::Array(keys));
}

/// The JSON Schema of the report (`docs/report.schema.json` is this, checked in), generated
/// from the types above. A module's `facts` are its own (any JSON); everything else is fixed.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Report)).expect("a schema serializes")
}

#[cfg(test)]
mod tests;
