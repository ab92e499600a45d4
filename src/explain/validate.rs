//! Checking one entry of `checks/explain.toml` as written: vendors from `[vendors]`, patterns
//! that have a word, modules and finding codes the registry declares, and sources that the
//! entry's `# source:` comment names.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::matcher::Pattern;
use super::{CheckRef, CodeRef, Entry, Vendor};
use crate::tomlfile::ProfileError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEntry {
    pub(super) id: Spanned<String>,
    pub(super) vendors: Vec<Spanned<String>>,
    pub(super) title: Spanned<String>,
    pub(super) patterns: Vec<Spanned<String>>,
    pub(super) causes: Vec<String>,
    pub(super) checks: Vec<RawCheckRef>,
    pub(super) fix: Vec<String>,
    pub(super) sources: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCheckRef {
    pub(super) module: Spanned<String>,
    pub(super) codes: Vec<Spanned<String>>,
}

/// Check one entry against the vendors and the registry, compile its patterns.
/// The error maker of the file being read: a message at a span.
pub(super) type ErrAt<'a> = &'a dyn Fn(Range<usize>, String) -> ProfileError;

pub(super) fn validate(
    vendors: &BTreeMap<String, String>,
    raw: RawEntry,
    comment_urls: &[String],
    err: ErrAt,
) -> Result<Entry, ProfileError> {
    let id = raw.id.get_ref();
    for (what, empty) in [
        ("vendors", raw.vendors.is_empty()),
        ("title", raw.title.get_ref().trim().is_empty()),
        ("patterns", raw.patterns.is_empty()),
        ("causes", raw.causes.iter().all(|c| c.trim().is_empty())),
        ("checks", raw.checks.is_empty()),
        ("fix", raw.fix.iter().all(|c| c.trim().is_empty())),
        ("sources", raw.sources.is_empty()),
    ] {
        if empty {
            return Err(err(raw.id.span(), format!("message {id:?} has no {what}")));
        }
    }
    let vendors = raw
        .vendors
        .iter()
        .map(|v| vendor(vendors, v, err))
        .collect::<Result<Vec<_>, _>>()?;
    let patterns = raw
        .patterns
        .iter()
        .map(|p| {
            Pattern::new(p.get_ref()).ok_or_else(|| {
                err(
                    p.span(),
                    format!("pattern {:?} has no word to match", p.get_ref()),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let checks = raw
        .checks
        .iter()
        .map(|c| check_ref(c, err))
        .collect::<Result<Vec<_>, _>>()?;
    let sources = sources(&raw, comment_urls, err)?;
    Ok(Entry {
        id: id.clone(),
        vendors,
        title: raw.title.get_ref().clone(),
        patterns,
        causes: raw.causes,
        checks,
        fix: raw.fix,
        sources,
    })
}

/// A vendor id of an entry, looked up in `[vendors]`.
fn vendor(
    vendors: &BTreeMap<String, String>,
    v: &Spanned<String>,
    err: ErrAt,
) -> Result<Vendor, ProfileError> {
    match vendors.get(v.get_ref()) {
        Some(name) => Ok(Vendor {
            id: v.get_ref().clone(),
            name: name.clone(),
        }),
        None => Err(err(
            v.span(),
            format!(
                "vendor {:?} is not in [vendors] ({})",
                v.get_ref(),
                vendors.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// The entry's `sources`: addresses, the same as its `# source:` comment names.
fn sources(
    raw: &RawEntry,
    comment_urls: &[String],
    err: ErrAt,
) -> Result<Vec<String>, ProfileError> {
    let mut sources = Vec::new();
    for s in &raw.sources {
        let url = s.get_ref();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(err(s.span(), format!("source {url:?} is not an address")));
        }
        if !comment_urls.contains(url) {
            return Err(err(
                s.span(),
                format!("source {url:?} is not quoted in a `# source:` comment above the entry"),
            ));
        }
        sources.push(url.clone());
    }
    if let Some(extra) = comment_urls.iter().find(|u| !sources.contains(u)) {
        return Err(err(
            raw.id.span(),
            format!("the `# source:` comment names {extra:?}, which `sources` does not list"),
        ));
    }
    Ok(sources)
}

/// A `{ module, codes }` reference, checked against the registry's modules and their declared
/// finding codes.
fn check_ref(c: &RawCheckRef, err: ErrAt) -> Result<CheckRef, ProfileError> {
    let Some(module) = crate::check::find(c.module.get_ref()) else {
        return Err(err(
            c.module.span(),
            format!(
                "unknown check module {:?} (modules: {})",
                c.module.get_ref(),
                crate::check::ids()
            ),
        ));
    };
    if c.codes.is_empty() {
        return Err(err(
            c.module.span(),
            format!("module {:?} names no finding code", module.id()),
        ));
    }
    let mut codes = Vec::new();
    for code in &c.codes {
        let Some((code, meaning)) = module
            .codes()
            .into_iter()
            .find(|(k, _)| k == code.get_ref())
        else {
            return Err(err(
                code.span(),
                format!(
                    "module {:?} declares no finding code {:?}",
                    module.id(),
                    code.get_ref()
                ),
            ));
        };
        codes.push(CodeRef {
            code: code.to_string(),
            meaning: meaning.to_string(),
        });
    }
    Ok(CheckRef {
        module: module.id().to_string(),
        title: module.title().to_string(),
        codes,
    })
}
