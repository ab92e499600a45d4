/*!
Plain-text pieces shared by the HTML and Markdown renderers (no colour, no markup): the verdict
headline and its explanation, status words, durations, the figures as rows, and the facts flattened
to short lines.
Each renderer escapes what it takes from here.
*/

use crate::model::{CheckResult, Report, Status, Verdict};

/// "Ready for Pearson OnVUE" / "Not ready for Pearson OnVUE".
pub fn headline(report: &Report) -> String {
    match report.verdict {
        Verdict::Ready => format!("Ready for {}", report.profile.name),
        Verdict::NotReady => format!("Not ready for {}", report.profile.name),
    }
}

/// The titles of the checks whose status satisfies `pred`, in report order.
pub fn titles(report: &Report, pred: impl Fn(Status) -> bool) -> Vec<&str> {
    report
        .checks
        .iter()
        .filter(|c| pred(c.status))
        .map(|c| c.title.as_str())
        .collect()
}

/// One sentence under the headline: which checks blocked, or how many warned.
pub fn verdict_detail(report: &Report) -> String {
    let titles = |pred: fn(Status) -> bool| titles(report, pred);
    match report.verdict {
        Verdict::NotReady => {
            let blocking = titles(Status::blocks_readiness);
            format!(
                "{} check{} did not pass ({}). Fix the items marked ✗ below, then run examready again.",
                blocking.len(),
                if blocking.len() == 1 { "" } else { "s" },
                blocking.join(", ")
            )
        }
        Verdict::Ready => {
            let warned = titles(|s| s == Status::Warn);
            match warned.len() {
                0 => "Every check passed. No issues found.".to_string(),
                n => format!(
                    "{n} check{} {} a warning worth fixing ({}).",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "has" } else { "have" },
                    warned.join(", ")
                ),
            }
        }
    }
}

/// The symbol for a status, as the terminal shows it.
pub fn symbol(status: Status) -> &'static str {
    match status {
        Status::Pass => "✓",
        Status::Warn => "!",
        Status::Fail => "✗",
        Status::Skip => "–",
        Status::Timeout => "⏱",
        Status::Crash => "☠",
    }
}

/// "1.2 s" or "40 ms".
pub fn duration(ms: u64) -> String {
    if ms < 100 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// The profile as a report names it: "Pearson OnVUE (onvue, requirements read 2026-12-01)", the
/// date when the profile records when its sources were last read (an old date: stale figures).
pub fn profile_label(report: &Report) -> String {
    let p = &report.profile;
    match &p.updated {
        Some(d) => format!("{} ({}, requirements read {d})", p.name, p.id),
        None => format!("{} ({})", p.name, p.id),
    }
}

/// examready's version as a report names it, with the build's date when recorded:
/// "0.1.0 (built 2026-12-01)".
pub fn tool_label(report: &Report) -> String {
    match &report.tool.build_date {
        Some(d) => format!("{} (built {d})", report.tool.version),
        None => report.tool.version.clone(),
    }
}

/// The report's time as "2026-11-24 20:43 UTC".
pub fn time(report: &Report) -> String {
    report.time.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A check's figure as a row of text: "Upload", "4.2 Mbps", "minimum 3 Mbps, recommended 10
/// Mbps", with the worst status of the findings that judge it (none when no finding does).
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRow {
    pub id: String,
    pub label: String,
    pub value: String,
    pub limits: String,
    pub status: Option<Status>,
}

/// The rows of a check's figures, in the module's order.
pub fn figure_rows(c: &CheckResult) -> Vec<FigureRow> {
    c.figures
        .iter()
        .map(|f| {
            let judged = c
                .findings
                .iter()
                .filter(|x| x.figure.as_deref() == Some(f.id.as_str()))
                .map(|x| x.status);
            let status = judged.clone().next().map(|_| Status::worst(judged));
            FigureRow {
                id: f.id.clone(),
                label: f.label.clone(),
                value: f.show_value(),
                limits: f.show_limits(),
                status,
            }
        })
        .collect()
}

/// Facts as `(key, value)` lines, long strings cut (a camera snapshot is shown as a picture,
/// not as base64 text).
pub fn fact_lines(facts: &serde_json::Value) -> Vec<(String, String)> {
    const MAX_CHARS: usize = 160;
    let mut lines = Vec::new();
    flatten_facts("", facts, &mut lines);
    for (_, v) in &mut lines {
        if v.chars().count() > MAX_CHARS {
            let n = v.chars().count();
            *v = format!(
                "{}… ({n} characters)",
                v.chars().take(MAX_CHARS).collect::<String>()
            );
        }
    }
    lines
}

/// Facts as `key.sub = value` lines (long lists shortened), for `-v`.
pub fn flatten_facts(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    const MAX_ITEMS: usize = 12;
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten_facts(&key, v, out);
            }
        }
        serde_json::Value::Array(items)
            if items.iter().all(|i| !i.is_object() && !i.is_array()) =>
        {
            let shown: Vec<String> = items
                .iter()
                .take(MAX_ITEMS)
                .map(|i| i.to_string().trim_matches('"').to_string())
                .collect();
            let more = items.len().saturating_sub(MAX_ITEMS);
            let mut s = format!("[{}]", shown.join(", "));
            if more > 0 {
                s.push_str(&format!(" (+{more} more)"));
            }
            out.push((prefix.to_string(), s));
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate().take(MAX_ITEMS) {
                flatten_facts(&format!("{prefix}[{i}]"), item, out);
            }
            if items.len() > MAX_ITEMS {
                out.push((
                    format!("{prefix}[..]"),
                    format!("(+{} more)", items.len() - MAX_ITEMS),
                ));
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}
