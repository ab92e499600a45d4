/*!
What changed between two runs (`examready diff`, `check --compare last`), per module: new
problems first, then items that got better or worse, fixed items, and figures that moved.

Findings are matched by code: one that judges a figure by code and figure id (so
`net-upload-low` at 4.2 Mbps matches `net-upload-low` at 3.9 Mbps, the moved figure showing
separately), any other by code and message with its digits ignored (`TeamViewer (pids 4321)`
matches `TeamViewer (pids 99)`), failing that by code and remedy (Zoom where TeamViewer was is a
new problem and a fixed one). Moved figures are the modules' declared figures (see
[`crate::figure`]), compared by id with their unit and direction (`Upload 9.1 Mbps -> 4.2 Mbps,
worse`); a figure must move by at least 10 % (a percentage by at least 5 points) to be shown.
A version 1 report gets its figures from its facts when it is read ([`crate::replay::fill_figures`]).
*/

use std::fmt::Write;

use crate::figure::with_unit;
use crate::model::{CheckResult, Figure, Finding, Report, Status};

/// Smallest relative change of a figure worth showing.
const MIN_RELATIVE_MOVE: f64 = 0.10;
/// Smallest change of a percentage (in points) worth showing.
const MIN_PERCENT_POINTS: f64 = 5.0;
/// At most this many moved figures per module, the largest moves first.
const MAX_MOVES: usize = 8;

/// A figure that moved.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    /// The figure's id, e.g. `network.upload_mbps`.
    pub figure: String,
    pub label: String,
    pub unit: String,
    pub old: f64,
    pub new: f64,
    /// Whether the move is for the worse (the figure says which direction is better).
    pub worse: bool,
}

/// What changed in one module.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModuleDiff {
    pub id: String,
    pub title: String,
    pub old_status: Option<Status>,
    pub new_status: Option<Status>,
    /// Problems (warn or worse) the old run did not have.
    pub new_problems: Vec<Finding>,
    /// Matching problems whose status changed: (old status, new finding).
    pub changed: Vec<(Status, Finding)>,
    /// Problems of the old run that are gone.
    pub fixed: Vec<Finding>,
    pub moved: Vec<Moved>,
}

impl ModuleDiff {
    pub fn is_empty(&self) -> bool {
        self.old_status == self.new_status
            && self.new_problems.is_empty()
            && self.changed.is_empty()
            && self.fixed.is_empty()
            && self.moved.is_empty()
    }
    /// True when this module is worse than before (shown first).
    pub fn got_worse(&self) -> bool {
        !self.new_problems.is_empty()
            || self
                .changed
                .iter()
                .any(|(old, f)| f.status.rank() > old.rank())
            || match (self.old_status, self.new_status) {
                (Some(o), Some(n)) => n.rank() > o.rank() && n.rank() >= Status::Warn.rank(),
                _ => false,
            }
    }
}

/// The comparison of two reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    pub old_id: String,
    pub new_id: String,
    pub old_time: jiff::Timestamp,
    pub new_time: jiff::Timestamp,
    pub old_verdict: crate::model::Verdict,
    pub new_verdict: crate::model::Verdict,
    /// Modules that changed, the ones that got worse first.
    pub modules: Vec<ModuleDiff>,
}

fn is_problem(f: &Finding) -> bool {
    f.status.rank() >= Status::Warn.rank()
}

/// The message with every run of digits (and decimal points inside numbers) replaced by `#`.
fn shape(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_num = false;
    let chars: Vec<char> = message.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let numeric = c.is_ascii_digit()
            || (c == '.' && in_num && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit()));
        if numeric {
            if !in_num {
                out.push('#');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(c);
        }
    }
    out
}

fn moved(old: &[Figure], new: &[Figure]) -> Vec<Moved> {
    let mut out: Vec<(f64, Moved)> = new
        .iter()
        .filter_map(|n| {
            let o = old.iter().find(|o| o.id == n.id)?;
            let (ov, nv) = (o.value?, n.value?);
            let scale = ov.abs().max(nv.abs());
            let rel = if scale == 0.0 {
                0.0
            } else {
                (nv - ov).abs() / scale
            };
            // A share that moves by a few points is noise however small it started.
            let noise = n.unit == "%" && (nv - ov).abs() < MIN_PERCENT_POINTS;
            (rel >= MIN_RELATIVE_MOVE && !noise).then(|| {
                (
                    rel,
                    Moved {
                        figure: n.id.clone(),
                        label: n.label.clone(),
                        unit: n.unit.clone(),
                        old: ov,
                        new: nv,
                        worse: n.worse(ov, nv),
                    },
                )
            })
        })
        .collect();
    out.sort_by(|x, y| y.0.total_cmp(&x.0));
    out.into_iter().take(MAX_MOVES).map(|(_, m)| m).collect()
}

/// Whether two findings are the same problem: the same code and, for one that judges a
/// figure, the same figure; otherwise the same message once its digits are ignored.
fn same_problem(o: &Finding, f: &Finding) -> bool {
    o.code == f.code
        && match (&o.figure, &f.figure) {
            (Some(a), Some(b)) => a == b,
            _ => shape(&o.message) == shape(&f.message),
        }
}

fn compare_findings(old: &[Finding], new: &[Finding], d: &mut ModuleDiff) {
    let mut old_left: Vec<&Finding> = old.iter().filter(|f| is_problem(f)).collect();
    let mut new_left: Vec<&Finding> = Vec::new();
    // Same code, same shape of message: the same problem (maybe with other figures).
    for f in new.iter().filter(|f| is_problem(f)) {
        match old_left.iter().position(|o| same_problem(o, f)) {
            Some(i) => {
                let o = old_left.remove(i);
                if o.status != f.status {
                    d.changed.push((o.status, f.clone()));
                }
            }
            None => new_left.push(f),
        }
    }
    // Same code and remedy, other message: the same rule, changed. (Another remedy is another
    // problem under the same rule: Zoom running where TeamViewer ran is one new problem and one
    // fixed one, not nothing.)
    let same_remedy =
        |o: &Finding, f: &Finding| o.remedy.as_deref().map(shape) == f.remedy.as_deref().map(shape);
    for f in new_left {
        match old_left
            .iter()
            .position(|o| o.code == f.code && same_remedy(o, f))
        {
            Some(i) => {
                let o = old_left.remove(i);
                if o.status != f.status {
                    d.changed.push((o.status, f.clone()));
                }
            }
            None => d.new_problems.push(f.clone()),
        }
    }
    d.fixed = old_left.into_iter().cloned().collect();
}

fn module(old: Option<&CheckResult>, new: Option<&CheckResult>) -> ModuleDiff {
    let any = new.or(old).expect("one side exists");
    let mut d = ModuleDiff {
        id: any.id.clone(),
        title: any.title.clone(),
        old_status: old.map(|c| c.status),
        new_status: new.map(|c| c.status),
        ..ModuleDiff::default()
    };
    match (old, new) {
        (Some(o), Some(n)) => {
            compare_findings(&o.findings, &n.findings, &mut d);
            d.moved = moved(&o.figures, &n.figures);
        }
        (None, Some(n)) => {
            d.new_problems = n
                .findings
                .iter()
                .filter(|f| is_problem(f))
                .cloned()
                .collect();
        }
        _ => {}
    }
    d
}

/// Compare two reports (`old_id`/`new_id` are their report ids).
pub fn diff(old: &Report, new: &Report) -> Diff {
    let mut modules: Vec<ModuleDiff> = Vec::new();
    for n in &new.checks {
        modules.push(module(old.check(&n.id), Some(n)));
    }
    for o in old.checks.iter().filter(|o| new.check(&o.id).is_none()) {
        modules.push(module(Some(o), None));
    }
    modules.retain(|m| !m.is_empty());
    // Stable: worse modules first, the rest in report order.
    modules.sort_by_key(|m| !m.got_worse());
    Diff {
        old_id: old.content_id(),
        new_id: new.content_id(),
        old_time: old.time,
        new_time: new.time,
        old_verdict: old.verdict,
        new_verdict: new.verdict,
        modules,
    }
}

fn sym(s: Status) -> &'static str {
    crate::render::plain::symbol(s)
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty() && self.old_verdict == self.new_verdict
    }

    /// Terminal text (no colour).
    pub fn render(&self, tz: &jiff::tz::TimeZone) -> String {
        let when = |t: jiff::Timestamp| {
            t.to_zoned_datetime(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        };
        let mut out = format!(
            "Changes from {} ({}) to {} ({}):\n",
            self.old_id,
            when(self.old_time),
            self.new_id,
            when(self.new_time)
        );
        out.push_str(&self.render_changes());
        out
    }

    /// How many things changed: the verdict, each new, worse, better or fixed problem, each
    /// moved figure, and each module whose status changed without a finding to say why.
    pub fn count(&self) -> usize {
        let verdict = usize::from(self.old_verdict != self.new_verdict);
        verdict
            + self
                .modules
                .iter()
                .map(|m| {
                    let items =
                        m.new_problems.len() + m.changed.len() + m.fixed.len() + m.moved.len();
                    items.max(usize::from(m.old_status != m.new_status))
                })
                .sum::<usize>()
    }

    /// The changes alone, without the line naming the two runs (`watch` names them itself).
    pub fn render_changes(&self) -> String {
        let mut out = String::new();
        if self.old_verdict != self.new_verdict {
            let _ = writeln!(
                out,
                "  verdict: {} -> {}",
                self.old_verdict.as_str(),
                self.new_verdict.as_str()
            );
        }
        if self.modules.is_empty() {
            out.push_str("  No changes: both runs found the same.\n");
            return out;
        }
        for m in &self.modules {
            let status = match (m.old_status, m.new_status) {
                (Some(o), Some(n)) if o != n => format!("{o} -> {n}"),
                (Some(o), Some(_)) => o.to_string(),
                (None, Some(n)) => format!("new in this run: {n}"),
                (Some(o), None) => format!("not run this time (was {o})"),
                (None, None) => String::new(),
            };
            let _ = writeln!(out, "\n{} ({status})", m.title);
            for f in &m.new_problems {
                let _ = writeln!(out, "  {} new: {} [{}]", sym(f.status), f.message, f.code);
            }
            for (old, f) in m.changed.iter().filter(|(o, f)| f.status.rank() > o.rank()) {
                let _ = writeln!(
                    out,
                    "  {} worse ({old} -> {}): {} [{}]",
                    sym(f.status),
                    f.status,
                    f.message,
                    f.code
                );
            }
            for (old, f) in m.changed.iter().filter(|(o, f)| f.status.rank() < o.rank()) {
                let _ = writeln!(
                    out,
                    "  {} better ({old} -> {}): {} [{}]",
                    sym(f.status),
                    f.status,
                    f.message,
                    f.code
                );
            }
            for f in &m.fixed {
                let _ = writeln!(out, "  ✓ fixed: {} [{}]", f.message, f.code);
            }
            for mv in &m.moved {
                let _ = writeln!(
                    out,
                    "  ~ {} {} -> {}, {}",
                    mv.label,
                    with_unit(mv.old, &mv.unit),
                    with_unit(mv.new, &mv.unit),
                    if mv.worse { "worse" } else { "better" }
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
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
}
