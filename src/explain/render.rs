//! `examready explain`'s answer: terminal text in the style of the report (`[✗]` marks, `→`
//! remedies, wrapped to the terminal's width, colour only where allowed) and JSON.

use std::fmt::Write;

use colored::Colorize;
use serde::Serialize;

use super::{Entry, Explainer, Match};
use crate::render::terminal::wrap;

/// How many known messages the no-match answer names.
pub const KNOWN_SHOWN: usize = 8;

fn numbered(out: &mut String, items: &[String], width: Option<usize>) {
    for (i, item) in items.iter().enumerate() {
        let _ = writeln!(out, "      {}. {}", i + 1, wrap(item, 9, width));
    }
}

/// One entry, as `explain` prints it.
fn entry_text(out: &mut String, m: &Match, width: Option<usize>) {
    let e = m.entry;
    let _ = writeln!(out, "{} {}", "[✗]".red(), wrap(&e.title, 4, width).bold());
    let vendors: Vec<&str> = e.vendors.iter().map(|v| v.name.as_str()).collect();
    let _ = writeln!(
        out,
        "    {}",
        wrap(
            &format!("{} · matched \"{}\"", vendors.join(", "), m.pattern),
            4,
            width
        )
        .dimmed()
    );
    let _ = writeln!(out, "    Likely causes, most likely first:");
    numbered(out, &e.causes, width);
    let _ = writeln!(out, "    Checked by examready:");
    for c in &e.checks {
        let codes: Vec<&str> = c.codes.iter().map(|k| k.code.as_str()).collect();
        let line = format!("• {} ({}): {}", c.title, c.module, codes.join(", "));
        let _ = writeln!(out, "      {}", wrap(&line, 8, width));
    }
    let _ = writeln!(out, "    What to do:");
    let _ = writeln!(out, "      {} {}", "→".cyan(), e.command().bold());
    for f in &e.fix {
        let _ = writeln!(out, "      {} {}", "→".cyan(), wrap(f, 8, width));
    }
    for s in &e.sources {
        let _ = writeln!(out, "    {}", format!("Source: {s}").dimmed());
    }
}

/// The terminal answer for `query` with its matches (at least one).
pub fn text(matches: &[Match], width: Option<usize>) -> String {
    let mut out = String::new();
    for (i, m) in matches.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        entry_text(&mut out, m, width);
    }
    let n = matches.len();
    let _ = writeln!(
        out,
        "\n{}",
        wrap(
            &format!(
                "{n} known message{} match{}, best first. Run the command under \"What to do\" to \
                 see which cause applies to this computer.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "es" } else { "" },
            ),
            0,
            width
        )
    );
    out
}

/// The terminal answer when nothing matches `query`.
pub fn no_match(query: &str, explainer: &Explainer, width: Option<usize>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}",
        "[-]".dimmed(),
        wrap(
            &format!("No known vendor message matches \"{}\".", query.trim()),
            4,
            width
        )
    );
    let _ = writeln!(out, "    examready knows messages such as:");
    for e in explainer.entries.iter().take(KNOWN_SHOWN) {
        let _ = writeln!(out, "      • {}", wrap(&e.title, 8, width));
    }
    let _ = writeln!(
        out,
        "    {} {}",
        "→".cyan(),
        wrap(
            "Type the message's own words as the vendor's tool shows them (a part is enough), \
             list every known message with `examready explain --list`, or run `examready check` \
             to find what is wrong on this computer.",
            6,
            width
        )
    );
    out
}

/// `explain --list`: every known message, one line each.
pub fn list(explainer: &Explainer, width: Option<usize>) -> String {
    let wide = explainer
        .entries
        .iter()
        .map(|e| e.id.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for e in &explainer.entries {
        let _ = writeln!(out, "{:wide$}  {}", e.id, wrap(&e.title, wide + 2, width));
    }
    out
}

#[serde_with::skip_serializing_none]
#[derive(Serialize)]
struct JsonMatch<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    /// How many words of the pattern matched (absent in `--list`).
    score: Option<usize>,
    pattern: Option<&'a str>,
    command: String,
}

#[derive(Serialize)]
struct JsonAnswer<'a> {
    query: &'a str,
    matched: bool,
    matches: Vec<JsonMatch<'a>>,
    /// With no match: the known messages (id and title).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    known: Vec<Known<'a>>,
}

#[derive(Serialize)]
struct Known<'a> {
    id: &'a str,
    title: &'a str,
}

/// The JSON answer: `{query, matched, matches: [{id, vendors, title, causes, checks, fix,
/// sources, score, pattern, command}], known}` (`known` only when nothing matched).
pub fn json(query: &str, matches: &[Match], explainer: &Explainer) -> String {
    let answer = JsonAnswer {
        query,
        matched: !matches.is_empty(),
        matches: matches
            .iter()
            .map(|m| JsonMatch {
                entry: m.entry,
                score: Some(m.score),
                pattern: Some(m.pattern),
                command: m.entry.command(),
            })
            .collect(),
        known: if matches.is_empty() {
            explainer
                .entries
                .iter()
                .map(|e| Known {
                    id: &e.id,
                    title: &e.title,
                })
                .collect()
        } else {
            Vec::new()
        },
    };
    let mut s = serde_json::to_string_pretty(&answer).expect("the answer serializes");
    s.push('\n');
    s
}

/// `explain --list --json`: every entry with its command.
pub fn list_json(explainer: &Explainer) -> String {
    let all: Vec<JsonMatch> = explainer
        .entries
        .iter()
        .map(|e| JsonMatch {
            entry: e,
            score: None,
            pattern: None,
            command: e.command(),
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&all).expect("the list serializes");
    s.push('\n');
    s
}
