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
mod tests;
