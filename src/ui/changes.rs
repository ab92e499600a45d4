/*!
"What changed since last time" on the page of `examready ui`: after each run, the previous saved
run of the same profile is read from the history and compared with [`crate::diff`] (the same
comparison as `examready diff` and `check --compare last`); the result section shows the new
problems, the fixed ones, the ones that got better or worse, and the figures that moved, each as
words and a symbol (never colour alone).
*/

use std::fmt::Write;

use crate::diff::Diff;
use crate::history::Loaded;
use crate::model::Report;
use crate::render::html::esc;

/// What the page knows about the previous run when a run ends.
#[derive(Debug, Clone)]
pub enum Since {
    /// No earlier saved run of this profile.
    First,
    /// The history could not be read (the reason).
    Unreadable(String),
    /// The comparison with the previous run of this profile.
    Compared(Box<Diff>),
}

/// The previous run of `report`'s profile in `loaded` (read before `report` was saved), compared.
pub fn since(loaded: &Loaded, report: &Report) -> Since {
    let previous = loaded
        .entries
        .iter()
        .rev()
        .find(|e| e.report.profile.id == report.profile.id);
    match previous {
        Some(p) => Since::Compared(Box::new(crate::diff::diff(&p.report, report))),
        None => Since::First,
    }
}

/// Read the history and compare (blocking: file reads).
pub fn since_saved(report: &Report) -> Since {
    match crate::history::Store::default_location() {
        Ok(store) => {
            let loaded = store.load();
            match &loaded.folder_error {
                Some(e) => Since::Unreadable(e.clone()),
                None => since(&loaded, report),
            }
        }
        Err(e) => Since::Unreadable(format!("{e:#}")),
    }
}

/// Compare `report` with the previous run of its profile, then save it in the history (off the
/// async threads: file reads and writes). The comparison, and a warning when it was not saved.
pub async fn compare_and_save(report: std::sync::Arc<Report>) -> (Since, Option<String>) {
    let done = tokio::task::spawn_blocking(move || {
        let since = since_saved(&report);
        let stored = crate::history::Store::default_location().and_then(|s| s.save(&report));
        (since, stored)
    })
    .await;
    let unsaved =
        |e: &dyn std::fmt::Display| format!("This run was not saved in the history: {e:#}");
    match done {
        Ok((since, Ok(_))) => (since, None),
        Ok((since, Err(e))) => (since, Some(unsaved(&format!("{e:#}")))),
        Err(e) => (Since::Unreadable(e.to_string()), Some(unsaved(&e))),
    }
}

impl Since {
    /// How many things changed (0 for a first run).
    pub fn count(&self) -> usize {
        match self {
            Since::Compared(d) => d.count(),
            _ => 0,
        }
    }

    /// One sentence for the status line and the window title.
    pub fn summary(&self, tz: &jiff::tz::TimeZone) -> String {
        match self {
            Since::First => "Nothing to compare with: this is the first saved run of this \
                             exam service."
                .into(),
            Since::Unreadable(_) => {
                "The history could not be read: nothing to compare with.".into()
            }
            Since::Compared(d) => {
                let when = d
                    .old_time
                    .to_zoned_datetime(tz.clone())
                    .strftime("%H:%M")
                    .to_string();
                match d.count() {
                    0 => format!("No change since the run at {when}."),
                    1 => format!("1 change since the run at {when}."),
                    n => format!("{n} changes since the run at {when}."),
                }
            }
        }
    }

    /// The section of the result: the summary, then one item per change.
    pub fn html(&self, tz: &jiff::tz::TimeZone) -> String {
        let mut out = format!(
            "<section id=\"changes\" data-count=\"{}\" aria-labelledby=\"changes-title\">\
             <h2 id=\"changes-title\">What changed since last time</h2>\n<p>{}</p>\n",
            self.count(),
            esc(&self.summary(tz))
        );
        if let Since::Unreadable(why) = self {
            let _ = writeln!(out, "<p>{}</p>", esc(why));
        }
        let Since::Compared(d) = self else {
            out.push_str("</section>\n");
            return out;
        };
        let mut items = String::new();
        for c in items_of(d) {
            let _ = writeln!(
                items,
                "<li class=\"change {0}\" data-kind=\"{0}\"><span aria-hidden=\"true\">{1}</span> \
                 <strong>{2}</strong> ({3}): {4}</li>",
                c.kind,
                c.mark,
                c.word,
                esc(&c.title),
                esc(&c.text)
            );
        }
        if !items.is_empty() {
            let _ = write!(out, "<ul class=\"changes\">\n{items}</ul>\n");
        }
        out.push_str("</section>\n");
        out
    }
}

/// One change as the page lists it.
struct Change {
    kind: &'static str,
    mark: &'static str,
    word: &'static str,
    title: String,
    text: String,
}

/// The changes of `d`, in the diff's order (the verdict first, worse modules first).
fn items_of(d: &Diff) -> Vec<Change> {
    let mut all = Vec::new();
    let mut push = |kind, mark, word, title: &str, text: &str| {
        all.push(Change {
            kind,
            mark,
            word,
            title: title.to_string(),
            text: text.to_string(),
        })
    };
    if d.old_verdict != d.new_verdict {
        let text = format!("{} → {}", d.old_verdict.as_str(), d.new_verdict.as_str());
        push("verdict", "→", "Verdict", "the whole check", &text);
    }
    for m in &d.modules {
        let sym = crate::render::plain::symbol;
        for f in &m.new_problems {
            push("new", sym(f.status), "New problem", &m.title, &f.message);
        }
        for (old, f) in &m.changed {
            let (kind, word) = if f.status.rank() > old.rank() {
                ("worse", "Worse")
            } else {
                ("better", "Better")
            };
            let text = format!("{old} → {}: {}", f.status, f.message);
            push(kind, sym(f.status), word, &m.title, &text);
        }
        for f in &m.fixed {
            push("fixed", "✓", "Fixed", &m.title, &f.message);
        }
        for mv in &m.moved {
            let text = format!(
                "{} {} → {}, {}",
                mv.label,
                crate::figure::with_unit(mv.old, &mv.unit),
                crate::figure::with_unit(mv.new, &mv.unit),
                if mv.worse { "worse" } else { "better" }
            );
            let kind = if mv.worse {
                "moved worse"
            } else {
                "moved better"
            };
            push(kind, "~", "Moved", &m.title, &text);
        }
        if m.new_problems.is_empty()
            && m.changed.is_empty()
            && m.fixed.is_empty()
            && m.moved.is_empty()
            && m.old_status != m.new_status
        {
            let text = match (m.old_status, m.new_status) {
                (Some(o), Some(n)) => format!("{o} → {n}"),
                (None, Some(n)) => format!("new in this run: {n}"),
                (Some(o), None) => format!("not run this time (was {o})"),
                (None, None) => String::new(),
            };
            push("status", "→", "Status", &m.title, &text);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Entry;
    use crate::model::{CheckResult, Finding, ProfileRef, Status};

    fn report(at: &str, profile: &str, apps: &[&str]) -> Report {
        let findings: Vec<Finding> = apps
            .iter()
            .map(|a| {
                Finding::fail(
                    crate::check::processes::ProcessCode::AppProhibited,
                    format!("{a} <b> is running: process 7."),
                    "Quit it.",
                )
            })
            .collect();
        Report::new(
            at.parse().unwrap(),
            ProfileRef {
                id: profile.into(),
                name: profile.into(),
                updated: None,
            },
            vec![CheckResult {
                id: "processes".into(),
                title: "Running applications".into(),
                status: if apps.is_empty() {
                    Status::Pass
                } else {
                    Status::Fail
                },
                summary: String::new(),
                duration_ms: 1,
                facts: serde_json::json!({}),
                figures: vec![],
                findings,
            }],
        )
    }

    fn loaded(reports: Vec<Report>) -> Loaded {
        let mut l = Loaded::default();
        for r in reports {
            l.entries.push(Entry {
                id: r.content_id(),
                path: "x.json".into(),
                report: r,
            });
        }
        l
    }

    #[test]
    fn compares_with_the_previous_run_of_the_same_profile_only() {
        let tz = jiff::tz::TimeZone::UTC;
        let now = report("2026-12-01T10:00:00Z", "onvue", &["Zoom"]);
        let first = since(
            &loaded(vec![report("2026-12-01T09:00:00Z", "psi", &[])]),
            &now,
        );
        assert!(matches!(first, Since::First));
        let html = first.html(&tz);
        assert!(html.contains("Nothing to compare with") && html.contains("data-count=\"0\""));
        let h = loaded(vec![
            report("2026-12-01T08:00:00Z", "onvue", &[]),
            report("2026-12-01T09:00:00Z", "onvue", &["Slack"]),
            report("2026-12-01T09:30:00Z", "psi", &[]),
        ]);
        let now = report("2026-12-01T10:00:00Z", "onvue", &["Slack", "Zoom"]);
        let s = since(&h, &now);
        assert_eq!(s.summary(&tz), "1 change since the run at 09:00.");
        let html = s.html(&tz);
        assert!(
            html.contains("<strong>New problem</strong> (Running applications): Zoom &lt;b&gt;"),
            "{html}"
        );
        assert!(!html.contains("Slack") && !html.contains("<b>"), "{html}");
        let h = loaded(vec![report(
            "2026-12-01T09:00:00Z",
            "onvue",
            &["Slack", "Zoom"],
        )]);
        let html = since(&h, &report("2026-12-01T10:00:00Z", "onvue", &[])).html(&tz);
        assert!(html.contains("data-count=\"3\""), "{html}");
        assert!(
            html.contains("<strong>Verdict</strong> (the whole check): not-ready → ready"),
            "{html}"
        );
        assert!(
            html.contains("<strong>Fixed</strong> (Running applications): Slack"),
            "{html}"
        );
        assert!(
            html.contains("<strong>Fixed</strong> (Running applications): Zoom"),
            "{html}"
        );
        let same = since(&loaded(vec![now.clone()]), &now);
        assert_eq!(same.count(), 0);
        assert!(same.html(&tz).contains("No change since the run at 10:00."));
    }
}
