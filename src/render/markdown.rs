/*!
The Markdown report, for pasting into a support ticket: verdict, report id, every module with its
findings and remedies, the facts behind each result (in a code block), and the manual checklist
as task boxes. Strings from the machine are escaped with [`md`], so a process called
`<img src=x onerror=alert(1)>` stays text in a tracker that renders Markdown.
*/

use std::fmt::Write;

use crate::model::{CheckResult, Report};

use super::plain;

/// Escape text for Markdown (inline, one line) with backslashes, which CommonMark allows before
/// any punctuation: `\<` cannot open an HTML tag, `\&` cannot start an entity, and the text
/// stays readable where a ticket shows it unrendered. Line breaks become spaces.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#') =>
            {
                out.push_str("\\&")
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code block's content cannot close the block early.
fn code_line(s: &str) -> String {
    s.replace("```", "'''").replace(['\n', '\r'], " ")
}

/// The whole report as Markdown.
pub fn render(report: &Report) -> String {
    let id = report.content_id();
    let mut out = String::new();
    header(&mut out, report, &id);
    overview(&mut out, report);
    for c in &report.checks {
        check_section(&mut out, c);
    }
    if !report.checklist.is_empty() {
        out.push_str("## Before check-in: check by hand\n\n");
        for item in &report.checklist {
            let _ = writeln!(out, "- [ ] {}", md(item));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "_examready {} · report `{id}`_",
        md(&report.tool.version)
    );
    out
}

/// The verdict, the report's details and the exam.
fn header(out: &mut String, report: &Report, id: &str) {
    let _ = writeln!(
        out,
        "# examready report: {}\n",
        md(&plain::headline(report))
    );
    let _ = writeln!(out, "{}\n", md(&plain::verdict_detail(report)));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Report id | `{id}` |");
    let _ = writeln!(out, "| Checked | {} |", plain::time(report));
    let _ = writeln!(out, "| Profile | {} |", md(&plain::profile_label(report)));
    let _ = writeln!(out, "| examready | {} |\n", md(&plain::tool_label(report)));

    if let Some(exam) = &report.exam {
        out.push_str("## Exam\n\n");
        for line in exam.lines(report.time) {
            let _ = writeln!(out, "- {}", md(&line));
        }
        out.push('\n');
    }
}

/// One row per check: its result and summary.
fn overview(out: &mut String, report: &Report) {
    out.push_str("## Checks\n\n| | Check | Result | Summary |\n|---|---|---|---|\n");
    for c in &report.checks {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            plain::symbol(c.status),
            md(&c.title),
            c.status,
            md(&c.summary)
        );
    }
    out.push('\n');
}

/// One check: its findings (problems first) with remedies, its figures and its facts.
fn check_section(out: &mut String, c: &CheckResult) {
    let _ = writeln!(
        out,
        "### {} {} ({}, {})\n",
        plain::symbol(c.status),
        md(&c.title),
        c.status,
        plain::duration(c.duration_ms)
    );
    let mut findings: Vec<_> = c.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.status.rank()));
    for f in findings {
        let _ = writeln!(
            out,
            "- {} **{}** `{}`: {}",
            plain::symbol(f.status),
            f.status,
            code_line(&f.code).replace('`', "'"),
            md(&f.message)
        );
        if let Some(r) = &f.remedy {
            let _ = writeln!(out, "  - Fix: {}", md(r));
        }
    }
    let rows = plain::figure_rows(c);
    if !rows.is_empty() {
        out.push_str("\n| | Figure | Measured | Profile |\n|---|---|---|---|\n");
        for r in &rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                r.status.map_or("", plain::symbol),
                md(&r.label),
                md(&r.value),
                md(&r.limits)
            );
        }
    }
    let facts = plain::fact_lines(&c.facts);
    if !facts.is_empty() {
        out.push_str("\n<details><summary>Facts</summary>\n\n```text\n");
        for (k, v) in &facts {
            let _ = writeln!(out, "{} = {}", code_line(k), code_line(v));
        }
        out.push_str("```\n\n</details>\n");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::md;

    #[test]
    fn escapes_markup_but_stays_readable() {
        assert_eq!(
            md("<img src=x onerror=alert(1)>"),
            "\\<img src=x onerror=alert(1)>"
        );
        assert_eq!(md("a | b *c* [d](e)"), "a \\| b \\*c\\* \\[d\\](e)");
        assert_eq!(md("Q&A &amp; &#60;"), "Q\\&A \\&amp; \\&\\#60;");
        assert_eq!(md("right-click > Exit\nnext"), "right-click > Exit next");
    }
}
