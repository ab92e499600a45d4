/*!
Profile inheritance: `extends = "onvue"` in `[profile]`.

An institution's profile names a built-in profile (or another file, relative to its own path) and
overrides a few keys. Resolution works on the TOML tables:

1. the child is parsed strictly on its own (every section field is optional, so a partial file
   deserializes, and unknown keys or bad values get the child's file:line:col), and the
   applications and categories it names are checked against the catalogue;
2. the parent is resolved the same way (recursively), and the child's tables are merged over the
   parent's: tables merge key by key, every other value (arrays included) replaces the parent's;
3. the merged table is deserialized into the resolved profile, which no longer has `extends`.

A cycle (`a.toml` extends `b.toml` extends `a.toml`) and an unknown parent are errors that name
the chain. Built-in profiles may only extend built-in profiles.
*/

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::{ProfileError, ProfileFile, builtin, builtin_names, from_toml, toml_error};
use crate::catalogue::Catalogue;
use crate::textpos::error_at;

/// Where a profile's text comes from.
#[derive(Debug, Clone)]
pub struct Source {
    /// `onvue` for a built-in profile; the file stem for a file.
    pub id: String,
    /// How errors name it: `checks/onvue.toml (built in)` or the path as given.
    pub origin: String,
    /// How the inheritance chain names it: `onvue` or the path.
    pub label: String,
    /// Identity for cycle detection: `builtin:onvue` or the canonical path.
    key: String,
    pub text: String,
    /// The directory a relative `extends` is looked up in; `None` for built-ins.
    dir: Option<PathBuf>,
}

impl Source {
    fn builtin(id: &str) -> Option<Source> {
        let (file, text) = builtin(id)?;
        let id = id.to_ascii_lowercase();
        Some(Source {
            origin: format!("{file} (built in)"),
            label: id.clone(),
            key: format!("builtin:{id}"),
            text: text.to_string(),
            dir: None,
            id,
        })
    }

    fn file(path: &Path, shown: String) -> Result<Source, ProfileError> {
        let text =
            crate::textfile::read(path, crate::textfile::MAX_PROFILE_BYTES).map_err(|error| {
                ProfileError::Io {
                    file: shown.clone(),
                    error,
                }
            })?;
        let key = std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .display()
            .to_string();
        Ok(Source {
            id: stem(path),
            origin: shown.clone(),
            label: shown,
            key,
            text,
            dir: Some(path.parent().map(Path::to_path_buf).unwrap_or_default()),
        })
    }

    /// A built-in id or a path, as given on the command line.
    pub fn locate(name_or_path: &str) -> Result<Source, ProfileError> {
        if let Some(s) = Source::builtin(name_or_path) {
            return Ok(s);
        }
        let path = Path::new(name_or_path);
        if !looks_like_path(name_or_path) && !path.exists() {
            return Err(ProfileError::Unknown {
                name: name_or_path.to_string(),
                known: builtin_names(),
            });
        }
        if !path.exists()
            && let Some(s) = Source::builtin(&stem(path))
        {
            return Err(ProfileError::InvalidNoPosition {
                file: name_or_path.to_string(),
                message: format!(
                    "there is no such file; for the built-in profile, write `--profile {}`",
                    s.id
                ),
            });
        }
        Source::file(path, name_or_path.to_string())
    }

    /// Text already read (tests, or a caller that has it); `origin` is its path, which a
    /// relative `extends` is resolved against.
    pub fn text(id: &str, origin: &str, text: &str) -> Source {
        let dir = Path::new(origin).parent().map(Path::to_path_buf);
        Source {
            id: id.to_string(),
            origin: origin.to_string(),
            label: origin.to_string(),
            key: format!("text:{origin}"),
            text: text.to_string(),
            dir,
        }
    }

    /// The profile that `reference` (the value of `extends`) names, seen from this one.
    fn parent(&self, reference: &str) -> Result<Source, String> {
        if !looks_like_path(reference)
            && let Some(s) = Source::builtin(reference)
        {
            return Ok(s);
        }
        let Some(dir) = &self.dir else {
            return Err(format!(
                "a built-in profile can only extend a built-in profile ({})",
                builtin_names()
            ));
        };
        if !looks_like_path(reference) {
            return Err(format!(
                "unknown profile {reference:?}: built-in profiles are {}; or give a .toml file \
                 (relative to this file)",
                builtin_names()
            ));
        }
        let path = dir.join(reference);
        let shown = path.display().to_string();
        if !path.is_file() {
            return Err(format!(
                "unknown profile {reference:?}: there is no file {shown} (a relative path is \
                 read from this file's directory); built-in profiles are {}",
                builtin_names()
            ));
        }
        Source::file(&path, shown).map_err(|e| e.to_string())
    }
}

fn looks_like_path(s: &str) -> bool {
    Path::new(s).extension().is_some() || s.contains(['/', '\\'])
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "custom".into())
}

/// Appended to the parent's name when a child that extends it has no name of its own.
pub const AMENDED: &str = " (amended)";

/// Load `source`, resolving `extends`, into a profile judged against `catalogue`.
pub fn resolve(source: Source, catalogue: Catalogue) -> Result<super::Profile, ProfileError> {
    let mut chain: Vec<Source> = Vec::new();
    let table = resolve_table(&source, &catalogue, &mut chain)?;
    let file = if chain.len() == 1 {
        // Nothing inherited: deserialize the original text, so spans point into it.
        toml::from_str::<ProfileFile>(&source.text)
            .map_err(|e| toml_error(&source.origin, &source.text, &e))?
    } else {
        let merged = toml::to_string(&table).map_err(|e| ProfileError::InvalidNoPosition {
            file: source.origin.clone(),
            message: format!("cannot merge {}: {e}", chain_text(&chain, None)),
        })?;
        toml::from_str::<ProfileFile>(&merged).map_err(|e| ProfileError::InvalidNoPosition {
            file: source.origin.clone(),
            message: format!(
                "the profile merged from {} is invalid: {}",
                chain_text(&chain, None),
                e.message().trim()
            ),
        })?
    };
    Ok(super::Profile {
        id: source.id.clone(),
        origin: source.origin.clone(),
        file,
        catalogue,
        inherits: chain.iter().skip(1).map(|s| s.origin.clone()).collect(),
    })
}

/// `a.toml -> b.toml -> onvue`, optionally closed by `last`.
fn chain_text(chain: &[Source], last: Option<&str>) -> String {
    chain
        .iter()
        .map(|s| s.label.as_str())
        .chain(last)
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// The resolved table of `src`; `chain` holds the profiles being resolved, child first.
fn resolve_table(
    src: &Source,
    catalogue: &Catalogue,
    chain: &mut Vec<Source>,
) -> Result<Table, ProfileError> {
    chain.push(src.clone());
    if src.text.trim().is_empty() {
        return Err(ProfileError::InvalidNoPosition {
            file: src.origin.clone(),
            message:
                "the file is empty: a profile needs at least `[profile]` with `name = \"...\"` \
                      (or `extends = \"onvue\"`)"
                    .into(),
        });
    }
    // 1. The file on its own, strictly: positions point into this file.
    let file: ProfileFile = from_toml(&src.origin, &src.text)?;
    file.processes
        .validate(catalogue)
        .map_err(|(span, msg)| error_at(&src.origin, &src.text, span, msg))?;
    let mut table: Table =
        toml::from_str(&src.text).map_err(|e| toml_error(&src.origin, &src.text, &e))?;
    let Some(extends) = &file.profile.extends else {
        if file.profile.name.trim().is_empty() {
            return Err(line_col_error(
                &src.origin,
                &src.text,
                "[profile]",
                "[profile] name must not be empty (only a profile that `extends` another may leave it out)",
            ));
        }
        return Ok(table);
    };
    let reference = extends.get_ref().trim();
    let at = |message: String| {
        ProfileError::from(error_at(&src.origin, &src.text, extends.span(), message))
    };
    // 2. The parent, resolved the same way.
    let parent = src.parent(reference).map_err(|m| {
        at(format!(
            "extends = {reference:?}: {m} (chain: {})",
            chain_text(chain, Some(reference))
        ))
    })?;
    if chain.iter().any(|s| s.key == parent.key) {
        return Err(at(format!(
            "profile inheritance cycle: {}",
            chain_text(chain, Some(&parent.label))
        )));
    }
    let mut merged = resolve_table(&parent, catalogue, chain)?;
    // 3. The child's values over the parent's.
    if let Some(Value::Table(meta)) = table.get_mut("profile") {
        meta.remove("extends");
        if file.profile.name.trim().is_empty() {
            let parent_name = merged
                .get("profile")
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .unwrap_or(&parent.id)
                .to_string();
            // The report already shows the id beside the name: "Pearson OnVUE (amended) (uni)".
            let name = if parent_name.ends_with(AMENDED) {
                parent_name
            } else {
                format!("{parent_name}{AMENDED}")
            };
            meta.insert("name".into(), Value::String(name));
        }
    }
    merge(&mut merged, table);
    Ok(merged)
}

/// An error at the first occurrence of `needle` in `text`, or without a position.
fn line_col_error(origin: &str, text: &str, needle: &str, message: &str) -> ProfileError {
    match text.find(needle) {
        Some(start) => error_at(
            origin,
            text,
            start..start + needle.len(),
            message.to_string(),
        )
        .into(),
        None => ProfileError::InvalidNoPosition {
            file: origin.to_string(),
            message: message.to_string(),
        },
    }
}

/// Deep-merge `over` into `base`: tables merge key by key; any other value replaces.
pub fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_replaces_arrays_and_merges_tables() {
        let mut base: Table =
            toml::from_str("[a]\nx = 1\ny = [1, 2]\n[a.b]\nz = \"p\"\nw = true\n[c]\nk = 1\n")
                .unwrap();
        let over: Table = toml::from_str("[a]\ny = [3]\n[a.b]\nz = \"q\"\n[d]\nn = 2\n").unwrap();
        merge(&mut base, over);
        let want: Table = toml::from_str(
            "[a]\nx = 1\ny = [3]\n[a.b]\nz = \"q\"\nw = true\n[c]\nk = 1\n[d]\nn = 2\n",
        )
        .unwrap();
        assert_eq!(base, want);
    }

    #[test]
    fn a_missing_file_named_like_a_builtin_points_to_it() {
        let e = Source::locate("no-such-dir/psi.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("write `--profile psi`"), "{e}");
        let e = Source::locate("no-such-dir/mine.toml")
            .unwrap_err()
            .to_string();
        // The system's own words: "No such file or directory" (Unix), "The system cannot find
        // the path specified" (Windows; "Path not found" under Wine).
        assert!(
            e.contains("cannot read profile no-such-dir/mine.toml"),
            "{e}"
        );
        assert!(!e.contains("--profile psi"), "{e}");
    }

    #[test]
    fn builtin_may_not_extend_a_file() {
        let s = Source::builtin("onvue").unwrap();
        let e = s.parent("x.toml").unwrap_err();
        assert!(e.contains("only extend a built-in"), "{e}");
        assert_eq!(s.parent("psi").unwrap().id, "psi");
    }
}
