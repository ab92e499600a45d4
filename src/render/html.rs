/*!
The HTML report: one self-contained page (inline CSS, inline SVG charts, the camera snapshot as a
`data:` URI; no scripts, no outside resources), readable on a phone. The verdict comes first, then
every module with its findings and remedies, charts where the facts hold series, the facts behind
each result, and the manual checklist as tick boxes.

Every string that comes from the machine or the report file (process, device and network names,
messages, facts) goes through [`esc`].
*/

use std::fmt::Write;

use crate::model::{CheckResult, Report, Status, Verdict};

use super::{charts, plain};

/// Escape text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) const CSS: &str = r#"
:root { color-scheme: light; --ok: #1b7f3b; --warn: #a86400; --bad: #b3261e; --dim: #666; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; background: #f5f5f7; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
header.verdict { border-radius: .75rem; padding: 1rem 1.25rem; color: #fff; }
header.verdict.ready { background: var(--ok); }
header.verdict.not-ready { background: var(--bad); }
header.verdict h1 { margin: 0 0 .25rem; font-size: 1.6rem; line-height: 1.2; }
header.verdict p { margin: 0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: .75rem 0 0; font-size: .9rem; }
dl.meta dt { opacity: .85; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
section { background: #fff; border-radius: .75rem; padding: .75rem 1.25rem; margin: 1rem 0; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
section h2 { font-size: 1.2rem; margin: .25rem 0 .5rem; }
.mark { display: inline-block; min-width: 1.4em; font-weight: bold; }
.pass .mark, .finding.pass .mark { color: var(--ok); }
.warn .mark, .finding.warn .mark { color: var(--warn); }
.fail .mark, .timeout .mark, .crash .mark { color: var(--bad); }
.skip .mark { color: var(--dim); }
section.check.fail, section.check.timeout, section.check.crash { border-left: .4rem solid var(--bad); }
section.check.warn { border-left: .4rem solid var(--warn); }
section.check.pass { border-left: .4rem solid var(--ok); }
.time { color: var(--dim); font-weight: normal; font-size: .85em; }
ul.findings { list-style: none; padding: 0; margin: .25rem 0; }
ul.findings li { padding: .35rem 0; border-top: 1px solid #eee; overflow-wrap: anywhere; }
.code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .8em; color: var(--dim); }
.remedy { margin: .25rem 0 0 1.6em; padding: .4rem .6rem; background: #eef4fb; border-radius: .4rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
td, th { text-align: left; padding: .2rem .4rem; border-top: 1px solid #eee; vertical-align: top; overflow-wrap: anywhere; }
table.facts td:first-child { font-family: ui-monospace, Menlo, Consolas, monospace; color: var(--dim); width: 40%; }
figure { margin: .5rem 0; } figure svg { max-width: 100%; height: auto; } figcaption { font-size: .85rem; color: var(--dim); }
img.snapshot { max-width: 100%; height: auto; border-radius: .4rem; }
ul.checklist { list-style: none; padding: 0; } ul.checklist li { padding: .3rem 0; }
ul.checklist input { width: 1.1rem; height: 1.1rem; margin-right: .5rem; vertical-align: -.15rem; }
details summary { cursor: pointer; color: var(--dim); }
footer { color: var(--dim); font-size: .8rem; text-align: center; padding: 1rem; }
@media print { body { background: #fff; } section { box-shadow: none; border: 1px solid #ddd; } }
"#;

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "passed",
        Status::Warn => "warning",
        Status::Fail => "failed",
        Status::Skip => "skipped",
        Status::Timeout => "timed out",
        Status::Crash => "crashed",
    }
}

/// One check's section: heading, summary, findings, figures, snapshot and charts, facts.
fn render_check(out: &mut String, c: &CheckResult, image: Option<&charts::Snapshot>) {
    let st = c.status.as_str();
    let _ = writeln!(
        out,
        "<section class=\"check {st}\" id=\"check-{}\" data-status=\"{st}\">",
        esc(&c.id)
    );
    let _ = writeln!(
        out,
        "<h2><span class=\"mark\" aria-label=\"{}\">{}</span>{} <span class=\"time\">({}, {})</span></h2>",
        status_word(c.status),
        plain::symbol(c.status),
        esc(&c.title),
        status_word(c.status),
        plain::duration(c.duration_ms)
    );
    let _ = writeln!(out, "<p class=\"summary\">{}</p>", esc(&c.summary));
    findings_list(out, c);
    figures_table(out, c);
    pictures(out, c, image);
    facts_table(out, c);
    out.push_str("</section>\n");
}

/// The findings with their remedies, problems first, then the rest in the module's order.
fn findings_list(out: &mut String, c: &CheckResult) {
    if c.findings.is_empty() {
        return;
    }
    let mut findings: Vec<_> = c.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.status.rank()));
    out.push_str("<ul class=\"findings\">\n");
    for f in findings {
        let fs = f.status.as_str();
        let _ = write!(
            out,
            "<li class=\"finding {fs}\" data-code=\"{}\"><span class=\"mark\" aria-label=\"{}\">{}</span>{} <span class=\"code\">{}</span>",
            esc(&f.code),
            status_word(f.status),
            plain::symbol(f.status),
            esc(&f.message),
            esc(&f.code)
        );
        if let Some(r) = &f.remedy {
            let _ = write!(out, "<p class=\"remedy\">→ {}</p>", esc(r));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

/// The figures measured against the profile's limits.
fn figures_table(out: &mut String, c: &CheckResult) {
    let rows = plain::figure_rows(c);
    if rows.is_empty() {
        return;
    }
    out.push_str("<table class=\"figures\"><thead><tr><th>Figure</th><th>Measured</th><th>Profile</th></tr></thead><tbody>\n");
    for r in &rows {
        let mark = r
            .status
            .map(|st| {
                format!(
                    "<span class=\"mark\" aria-label=\"{}\">{}</span>",
                    status_word(st),
                    plain::symbol(st)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr class=\"figure {}\" data-figure=\"{}\"><td>{mark}{}</td><td>{}</td><td>{}</td></tr>",
            r.status.map_or("", |st| st.as_str()),
            esc(&r.id),
            esc(&r.label),
            esc(&r.value),
            esc(&r.limits)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// The camera snapshot (given, or found in the facts) and a chart for every series.
fn pictures(out: &mut String, c: &CheckResult, image: Option<&charts::Snapshot>) {
    if let Some(snap) = image.cloned().or_else(|| charts::find_snapshot(&c.facts)) {
        let _ = writeln!(
            out,
            "<figure class=\"snapshot\"><img class=\"snapshot\" alt=\"camera snapshot\" src=\"data:{};base64,{}\"><figcaption>What the camera saw during the check.</figcaption></figure>",
            snap.mime,
            esc(&snap.base64)
        );
    }
    for s in charts::chartable(&c.figures) {
        if let Some(svg) = charts::svg(&s) {
            let _ = writeln!(
                out,
                "<figure class=\"chart\" data-figure=\"{}\">{svg}<figcaption>{}</figcaption></figure>",
                esc(&s.figure),
                esc(&s.title)
            );
        }
    }
}

/// The facts behind the result, folded away.
fn facts_table(out: &mut String, c: &CheckResult) {
    let facts = plain::fact_lines(&c.facts);
    if facts.is_empty() {
        return;
    }
    out.push_str("<details class=\"facts\"><summary>Facts behind this result</summary>\n<table class=\"facts\">\n");
    for (k, v) in &facts {
        let _ = writeln!(out, "<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(v));
    }
    out.push_str("</table></details>\n");
}

/// The whole report as one HTML page.
pub fn render(report: &Report) -> String {
    let id = report.content_id();
    let headline = plain::headline(report);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"examready {}\">\n\
         <title>examready: {} (report {id})</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&report.tool.version),
        esc(&headline)
    );
    out.push_str(&body(report));
    let _ = writeln!(
        out,
        "<footer>examready {} · report {id} · {}</footer>\n</main>\n</body>\n</html>",
        esc(&report.tool.version),
        plain::time(report)
    );
    out
}

/// The report's content between `<main>` and the footer: the verdict with the report id, the
/// exam, the overview, every check, the checklist (also the result on `examready ui`'s page).
pub(crate) fn body(report: &Report) -> String {
    body_with(report, "")
}

/// [`body`] with `after_verdict` (markup) right under the verdict: the page's "what changed".
pub(crate) fn body_with(report: &Report, after_verdict: &str) -> String {
    let id = report.content_id();
    let verdict = match report.verdict {
        Verdict::Ready => "ready",
        Verdict::NotReady => "not-ready",
    };
    let headline = plain::headline(report);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<header class=\"verdict {verdict}\" id=\"verdict\" data-verdict=\"{verdict}\">\n<h1>{}</h1>\n<p>{}</p>",
        esc(&headline),
        esc(&plain::verdict_detail(report))
    );
    let _ = writeln!(
        out,
        "<dl class=\"meta\"><dt>Report id</dt><dd><code id=\"report-id\">{id}</code></dd>\
         <dt>Checked</dt><dd><time datetime=\"{}\">{}</time></dd>\
         <dt>Profile</dt><dd>{}</dd><dt>examready</dt><dd>{}</dd></dl>\n</header>",
        report.time,
        plain::time(report),
        esc(&plain::profile_label(report)),
        esc(&plain::tool_label(report))
    );
    out.push_str(after_verdict);
    if let Some(exam) = &report.exam {
        out.push_str("<section id=\"exam\"><h2>Your exam</h2>\n<ul>\n");
        for line in exam.lines(report.time) {
            let _ = writeln!(out, "<li>{}</li>", esc(&line));
        }
        out.push_str("</ul></section>\n");
    }
    out.push_str("<section id=\"overview\"><h2>Checks</h2>\n<table>\n");
    for c in &report.checks {
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td><span class=\"mark\">{}</span><a href=\"#check-{}\">{}</a></td><td>{}</td></tr>",
            c.status.as_str(),
            plain::symbol(c.status),
            esc(&c.id),
            esc(&c.title),
            esc(&c.summary)
        );
    }
    out.push_str("</table></section>\n");
    for c in &report.checks {
        render_check(&mut out, c, report.images.get(&c.id));
    }
    if !report.checklist.is_empty() {
        out.push_str(
            "<section id=\"checklist\"><h2>Before check-in: check by hand</h2>\n\
             <p>No program can verify these; tick them off on the day.</p>\n<ul class=\"checklist\">\n",
        );
        for (i, item) in report.checklist.iter().enumerate() {
            let _ = writeln!(
                out,
                "<li><label><input type=\"checkbox\" id=\"item-{i}\"> {}</label></li>",
                esc(item)
            );
        }
        out.push_str("</ul></section>\n");
    }
    out
}
