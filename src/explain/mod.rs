/*!
`examready explain "<vendor message>"`: what a message from a proctoring vendor's own tool
("Network check 80%", "A virtual machine has been detected", "Hardware error" ...) means, its
likely causes, the examready checks and finding codes that detect them, and what to do.

The messages live in `checks/explain.toml` (embedded in the binary), each with the vendor
wording's source in a `# source:` comment and in `sources`. The file is read strictly: an unknown
key, a vendor that is not a built-in profile, a module or finding code the registry does not
declare, a pattern with no word, or an entry without a source comment is an error that names the
file, line and column. [`matcher`] matches the pasted text; [`render`] prints the answer.
*/

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::textpos::error_at;
use crate::tomlfile::ProfileError;

pub mod matcher;
pub mod render;
mod validate;

use matcher::Pattern;
use validate::{RawEntry, validate};

pub const BUILTIN_FILE: &str = "checks/explain.toml";
pub const BUILTIN_TEXT: &str = include_str!("../../checks/explain.toml");

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainFile {
    /// profile id -> the name shown
    vendors: BTreeMap<String, String>,
    #[serde(rename = "message")]
    messages: Vec<RawEntry>,
}

/// A vendor an entry belongs to (a built-in profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vendor {
    pub id: String,
    pub name: String,
}

/// A finding code and its meaning (from the module's declaration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeRef {
    pub code: String,
    pub meaning: String,
}

/// A check module and the finding codes of it that detect a cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRef {
    pub module: String,
    /// The module's title ("Network").
    pub title: String,
    pub codes: Vec<CodeRef>,
}

/// One vendor message.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: String,
    pub vendors: Vec<Vendor>,
    pub title: String,
    #[serde(skip)]
    pub patterns: Vec<Pattern>,
    /// Likely causes, most likely first.
    pub causes: Vec<String>,
    pub checks: Vec<CheckRef>,
    /// What to do, in order.
    pub fix: Vec<String>,
    pub sources: Vec<String>,
}

impl Entry {
    /// The arguments of the examready command that runs the checks naming this message's
    /// causes: `check [--profile VENDOR] --only a,b` (the profile when the entry has one vendor
    /// other than the default; the modules in the registry's order).
    pub fn check_args(&self) -> Vec<String> {
        let mut modules: Vec<&str> = Vec::new();
        for c in &self.checks {
            if !modules.contains(&c.module.as_str()) {
                modules.push(&c.module);
            }
        }
        modules.sort_by_key(|m| {
            crate::check::REGISTRY
                .iter()
                .position(|c| c.id() == *m)
                .unwrap_or(usize::MAX)
        });
        let mut args = vec!["check".to_string()];
        if let [v] = self.vendors.as_slice()
            && v.id != crate::profile::DEFAULT_PROFILE
        {
            args.extend(["--profile".to_string(), v.id.clone()]);
        }
        args.extend(["--only".to_string(), modules.join(",")]);
        args
    }

    /// [`Entry::check_args`] as a command line: `examready check --only network`.
    pub fn command(&self) -> String {
        format!("examready {}", self.check_args().join(" "))
    }
}

/// An entry that matches a message, with the best pattern's score.
#[derive(Debug, Clone)]
pub struct Match<'a> {
    pub entry: &'a Entry,
    /// How many words of the best matching pattern the message contains.
    pub score: usize,
    /// That pattern, as written in the file.
    pub pattern: &'a str,
}

/// The parsed, validated messages.
#[derive(Debug, Clone)]
pub struct Explainer {
    pub entries: Vec<Entry>,
}

impl Explainer {
    /// The messages embedded in the binary.
    pub fn builtin() -> Result<Explainer, Box<ProfileError>> {
        Explainer::parse(BUILTIN_FILE, BUILTIN_TEXT).map_err(Box::new)
    }

    /// Parse and validate `text` (named `origin` in errors).
    pub fn parse(origin: &str, text: &str) -> Result<Explainer, ProfileError> {
        let file: ExplainFile = crate::tomlfile::from_toml(origin, text)?;
        let err = |span: Range<usize>, message: String| -> ProfileError {
            error_at(origin, text, span, message).into()
        };
        for id in file.vendors.keys() {
            if crate::profile::builtin(id).is_none() {
                let at = text.find(&format!("\n{id} =")).map_or(0, |i| i + 1);
                return Err(err(
                    at..at,
                    format!(
                        "vendor {id:?} is not a built-in profile (built-in: {})",
                        crate::profile::builtin_names()
                    ),
                ));
            }
        }
        let comments = source_comments(text);
        if comments.len() != file.messages.len() {
            return Err(ProfileError::InvalidNoPosition {
                file: origin.to_string(),
                message: format!(
                    "{} [[message]] headers at the start of a line, {} entries read",
                    comments.len(),
                    file.messages.len()
                ),
            });
        }
        let mut ids = HashSet::new();
        let mut entries = Vec::new();
        for (raw, (header, urls)) in file.messages.into_iter().zip(comments) {
            let id = raw.id.get_ref().clone();
            if !crate::model::is_kebab_case(&id) {
                return Err(err(raw.id.span(), format!("id {id:?} must be kebab-case")));
            }
            if !ids.insert(id.clone()) {
                return Err(err(raw.id.span(), format!("id {id:?} appears twice")));
            }
            if urls.is_empty() {
                return Err(err(
                    header..header,
                    format!(
                        "message {id:?} has no `# source: URL` comment above it: every vendor \
                         message needs the source of its wording"
                    ),
                ));
            }
            let entry = validate(&file.vendors, raw, &urls, &err)?;
            entries.push(entry);
        }
        if entries.is_empty() {
            return Err(ProfileError::InvalidNoPosition {
                file: origin.to_string(),
                message: "no [[message]] entries".into(),
            });
        }
        Ok(Explainer { entries })
    }

    /// The entries whose patterns occur in `message`, best first (the most words matched; the
    /// file's order among equals).
    pub fn explain(&self, message: &str) -> Vec<Match<'_>> {
        let words = matcher::words(message, false);
        let mut found: Vec<Match<'_>> = self
            .entries
            .iter()
            .filter_map(|entry| {
                entry
                    .patterns
                    .iter()
                    .filter(|p| p.matches(&words))
                    // the first of the heaviest
                    .fold(None::<&Pattern>, |best, p| match best {
                        Some(b) if b.weight() >= p.weight() => Some(b),
                        _ => Some(p),
                    })
                    .map(|p| Match {
                        entry,
                        score: p.weight(),
                        pattern: &p.text,
                    })
            })
            .collect();
        found.sort_by_key(|m| std::cmp::Reverse(m.score));
        found
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

/// For each `[[message]]` header line: its byte offset and the addresses that start the
/// `# source:` comments of the comment block right above it (any line that is not a comment
/// ends a block).
pub fn source_comments(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            block.push(trimmed);
        } else if trimmed == "[[message]]" {
            let urls: Vec<String> = block
                .iter()
                .filter_map(|l| {
                    l.trim_start_matches('#')
                        .trim_start()
                        .strip_prefix("source:")
                })
                .filter_map(|rest| rest.split_whitespace().next())
                .map(|u| u.trim_end_matches([':', ',', ';', '.', ')']))
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .map(str::to_string)
                .collect();
            out.push((offset, urls));
            block.clear();
        } else {
            block.clear();
        }
        offset += line.len();
    }
    out
}

#[cfg(test)]
mod tests;
