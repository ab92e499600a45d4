/*!
The terminal report, in the style of `flutter doctor`:

```text
[✓] Running applications (0.1 s): 312 processes, nothing prohibited
[✗] Computer (1.0 s): Debian GNU/Linux 12 x86_64, 2 cores, 24 GB RAM
    ✗ Debian GNU/Linux 12 is not supported by Pearson OnVUE.
      → Take the exam on a computer running Windows 10+ or macOS 13+. ...

Not ready for Pearson OnVUE: 1 check failed (Computer).
```

Findings that need attention are always shown with their remedies; passed findings and the facts
behind each result only with `-v`. Colour is decided by the caller (`colored`'s override).
*/

use std::fmt::Write;

use colored::Colorize;

use super::plain;
use crate::model::{CheckResult, Finding, Report, Status, Verdict};

/// The `[✓]`-style mark of a check status.
pub fn mark(status: Status) -> colored::ColoredString {
    match status {
        Status::Pass => "[✓]".green(),
        Status::Warn => "[!]".yellow(),
        Status::Fail => "[✗]".red(),
        Status::Skip => "[-]".dimmed(),
        Status::Timeout => "[⏱]".red(),
        Status::Crash => "[☠]".red(),
    }
}

fn finding_mark(status: Status) -> colored::ColoredString {
    match status {
        Status::Pass => "✓".green(),
        Status::Warn => "!".yellow(),
        Status::Fail => "✗".red(),
        Status::Skip => "•".dimmed(),
        Status::Timeout => "⏱".red(),
        Status::Crash => "☠".red(),
    }
}

fn status_label(status: Status) -> Option<&'static str> {
    match status {
        Status::Timeout => Some("timed out"),
        Status::Crash => Some("crashed"),
        Status::Skip => Some("skipped"),
        _ => None,
    }
}

/// Word-wrap `text` to `width` columns, continuation lines indented by `indent` spaces.
/// `None` (not a terminal) leaves the text on one line, which is friendlier to grep.
pub fn wrap(text: &str, indent: usize, width: Option<usize>) -> String {
    let Some(width) = width.filter(|w| *w > indent + 20) else {
        return text.to_string();
    };
    let avail = width - indent;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > avail {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines.join(&format!("\n{}", " ".repeat(indent)))
}

/// [`wrap`] for text that follows `taken` columns already printed on its first line.
fn wrap_after(taken: usize, text: &str, indent: usize, width: Option<usize>) -> String {
    let placeholder = "x".repeat(taken.saturating_sub(indent).max(1));
    let wrapped = wrap(&format!("{placeholder} {text}"), indent, width);
    wrapped
        .strip_prefix(&placeholder)
        .map(|rest| rest.strip_prefix(' ').unwrap_or(rest).to_string())
        .unwrap_or(wrapped)
}

fn render_finding(out: &mut String, f: &Finding, width: Option<usize>) {
    let _ = writeln!(
        out,
        "    {} {}",
        finding_mark(f.status),
        wrap(&f.message, 6, width)
    );
    if let Some(r) = &f.remedy {
        let _ = writeln!(out, "      {} {}", "→".cyan(), wrap(r, 8, width));
    }
}

fn render_check(out: &mut String, c: &CheckResult, verbose: bool, width: Option<usize>) {
    let label = status_label(c.status)
        .map(|l| format!(", {l}"))
        .unwrap_or_default();
    let timing = format!("({}{label})", super::plain::duration(c.duration_ms));
    // "[✓] " + title + " " + timing + ": "
    // (as printed: control characters in a title are shown escaped, see `sanitize`).
    let title_width = super::sanitize::plain(&c.title).chars().count();
    let taken = 4 + title_width + 1 + timing.chars().count() + 2;
    let _ = writeln!(
        out,
        "{} {} {}: {}",
        mark(c.status),
        c.title.bold(),
        timing.dimmed(),
        wrap_after(taken, &c.summary, 4, width)
    );
    for f in &c.findings {
        if verbose || f.status != Status::Pass {
            render_finding(out, f, width);
        }
    }
    let rows = super::plain::figure_rows(c);
    if verbose && !rows.is_empty() {
        let _ = writeln!(out, "    {}", "figures:".dimmed());
        let wide = rows
            .iter()
            .map(|r| r.label.chars().count())
            .max()
            .unwrap_or(0);
        for r in rows {
            let limits = if r.limits.is_empty() {
                String::new()
            } else {
                format!("  ({})", r.limits)
            };
            let _ = writeln!(
                out,
                "      {} {:wide$}  {}{}",
                r.status.map_or_else(|| " ".normal(), finding_mark),
                r.label,
                r.value,
                limits.dimmed()
            );
        }
    }
    if verbose && !c.facts.is_null() {
        // Long values (a camera snapshot's base64) are cut, as in the HTML and Markdown.
        let lines = super::plain::fact_lines(&c.facts);
        let _ = writeln!(out, "    {}", "facts:".dimmed());
        for (k, v) in lines {
            let _ = writeln!(out, "      {} = {}", k.dimmed(), v);
        }
    }
}

/// The whole report as terminal text; `width` wraps long lines (a terminal's width, or `None`).
pub fn render(report: &Report, verbose: bool, width: Option<usize>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} {} {}\n",
        "examready".bold(),
        plain::tool_label(report),
        "·".dimmed(),
        format!("profile: {}", plain::profile_label(report)).dimmed()
    );
    for c in &report.checks {
        render_check(&mut out, c, verbose, width);
    }
    out.push('\n');
    let _ = writeln!(out, "{}", verdict_line(report, width));
    let _ = writeln!(
        out,
        "{}",
        format!("Report id: {} (quote it to support)", report.content_id()).dimmed()
    );
    if let Some(exam) = &report.exam {
        out.push('\n');
        for line in exam.lines(report.time) {
            let _ = writeln!(out, "{} {line}", "•".cyan());
        }
    }
    if verbose && !report.checklist.is_empty() {
        out.push('\n');
        out.push_str(&crate::checklist::render_text(
            &report.profile.name,
            &report.checklist,
        ));
    }
    out
}

/// "Ready for Pearson OnVUE." or "Not ready for ...: 2 checks failed (Computer, Network)."
pub fn verdict_line(report: &Report, width: Option<usize>) -> String {
    let blocking: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.status.blocks_readiness())
        .map(|c| c.title.as_str())
        .collect();
    let warned = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Warn)
        .count();
    match report.verdict {
        Verdict::Ready => {
            let tail = match warned {
                0 => "No issues found.".to_string(),
                1 => "1 check has a warning worth fixing.".to_string(),
                n => format!("{n} checks have warnings worth fixing."),
            };
            let head = format!("Ready for {}.", report.profile.name);
            let tail = wrap_after(head.chars().count() + 1, &tail, 0, width);
            format!("{} {tail}", head.green().bold())
        }
        Verdict::NotReady => {
            let n = blocking.len();
            let head = format!("Not ready for {}:", report.profile.name);
            let tail = format!(
                "{n} check{} did not pass ({}). Fix the items marked ✗ above, then run examready again.",
                if n == 1 { "" } else { "s" },
                blocking.join(", ")
            );
            let tail = wrap_after(head.chars().count() + 1, &tail, 0, width);
            format!("{} {tail}", head.red().bold())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProfileRef, Report};

    #[test]
    fn long_fact_values_are_cut_in_the_verbose_view() {
        let mut r = report();
        r.checks[0].facts = serde_json::json!({"snapshot_base64": "QUJD".repeat(50_000)});
        let text = render(&r, true, None);
        assert!(text.len() < 5_000, "{} bytes", text.len());
        assert!(text.contains("(200000 characters)"), "{text}");
    }

    #[test]
    fn header_and_verdict_wrap_after_what_precedes_them() {
        let w = wrap_after(20, "one two three four five six", 4, Some(40));
        assert_eq!(w, "one two three four\n    five six");
        assert_eq!(wrap_after(20, "short", 4, None), "short");
        let r = report();
        let line = verdict_line(&r, Some(40));
        for l in line.lines() {
            assert!(l.chars().count() <= 40, "{line}");
        }
        assert!(line.starts_with("Not ready for"), "{line}");
    }

    fn report() -> Report {
        colored::control::set_override(false);
        let checks = vec![
            CheckResult {
                id: "system".into(),
                title: "Computer".into(),
                status: Status::Fail,
                summary: "Debian 12".into(),
                duration_ms: 1234,
                facts: serde_json::json!({"os": {"name": "Debian", "arch": "x86_64"}, "list": [1, 2]}),
                figures: vec![
                    crate::model::Figure::new(
                        "system.ram_gb",
                        "Memory",
                        Some(2.0),
                        "GB",
                        crate::model::Better::Higher,
                    )
                    .minimum(Some(4.0)),
                ],
                findings: vec![
                    Finding::fail(
                        crate::check::system::SystemCode::OsUnsupported,
                        "Linux is not supported.",
                        "Use Windows.",
                    ),
                    Finding::pass(crate::check::system::SystemCode::VmNone, "No VM."),
                ],
            },
            CheckResult {
                id: "processes".into(),
                title: "Running applications".into(),
                status: Status::Timeout,
                summary: "no answer".into(),
                duration_ms: 30,
                facts: serde_json::Value::Null,
                figures: vec![],
                findings: vec![],
            },
        ];
        Report::new(
            jiff::Timestamp::UNIX_EPOCH,
            ProfileRef {
                id: "onvue".into(),
                name: "Pearson OnVUE".into(),
                updated: None,
            },
            checks,
        )
    }

    #[test]
    fn default_view_shows_problems_and_remedies_only() {
        let s = render(&report(), false, None);
        assert!(s.contains("[✗] Computer (1.2 s): Debian 12"), "{s}");
        assert!(
            s.contains("✗ Linux is not supported.\n      → Use Windows."),
            "{s}"
        );
        assert!(!s.contains("No VM."), "{s}");
        assert!(
            s.contains("[⏱] Running applications (30 ms, timed out)"),
            "{s}"
        );
        assert!(s.contains("Not ready for Pearson OnVUE: 2 checks did not pass (Computer, Running applications)."), "{s}");
        assert!(!s.contains("\u{1b}["), "no colour codes when colour is off");
    }

    #[test]
    fn wrapping_keeps_words_whole_and_indents() {
        let w = wrap(
            "one two three four five six seven eight nine ten eleven twelve",
            4,
            Some(30),
        );
        for l in w.lines() {
            assert!(l.chars().count() <= 30, "{l:?}");
        }
        assert!(
            w.lines()
                .skip(1)
                .all(|l| l.starts_with("    ") && !l.starts_with("     "))
        );
        assert_eq!(w.split_whitespace().count(), 12);
        assert_eq!(wrap("a b", 4, None), "a b");
    }

    #[test]
    fn verbose_view_adds_passes_and_facts() {
        let s = render(&report(), true, None);
        assert!(s.contains("✓ No VM."), "{s}");
        assert!(s.contains("os.name = Debian"), "{s}");
        assert!(s.contains("list = [1, 2]"), "{s}");
        // Figures with the profile's limits, before the facts; not in the default view.
        assert!(s.contains("Memory  2 GB  (minimum 4 GB)"), "{s}");
        assert!(
            s.find("figures:").unwrap() < s.find("facts:").unwrap(),
            "{s}"
        );
        assert!(!render(&report(), false, None).contains("figures:"));
    }

    #[test]
    fn report_id_always_checklist_with_verbose_only() {
        let mut r = report();
        r.checklist = vec!["Clear the desk.".into()];
        let quiet = render(&r, false, None);
        assert!(
            quiet.contains(&format!("Report id: {}", r.content_id())),
            "{quiet}"
        );
        assert!(!quiet.contains("Clear the desk."), "{quiet}");
        let loud = render(&r, true, None);
        assert!(loud.contains("  [ ] Clear the desk.\n"), "{loud}");
    }
}
