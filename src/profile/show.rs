/*!
Profiles for people: `examready profile show NAME` (the resolved values, grouped per section),
and the README's table of what every built-in profile requires, generated from the files so the
documentation cannot drift from them.

Both walk the profile as serialized (field order kept), so a section added to `ProfileFile`
shows up here without further code.
*/

use serde_json::Value;

use super::{BUILTIN, Profile};

/// The README markers between which [`requirements_table`] is kept.
pub const TABLE_BEGIN: &str = "<!-- profiles-table -->";
pub const TABLE_END: &str = "<!-- /profiles-table -->";

/// Sections that describe the profile, the run or the candidate's manual checklist, not requirements.
const NOT_REQUIREMENTS: &[&str] = &["profile", "runner", "checklist"];

/// One value as a person reads it: numbers without a trailing `.0`, lists comma-separated,
/// tables as `key=value` pairs (without `source`, which says where an endpoint comes from and is
/// not a requirement: `examready allowlist` shows it).
pub fn format_value(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(format_value)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() != "source")
            .map(|(k, v)| format!("{k}={}", format_value(v)))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The operating-system families `[system.os]` may list, as serialized.
const OS_FAMILIES: &[&str] = &["windows", "macos", "linux"];

/// One OS rule as a person reads it: `10+, x86_64/aarch64, not S mode`.
fn os_rule(rule: &Value) -> String {
    let Value::Object(map) = rule else {
        return format_value(rule);
    };
    let mut parts = vec![match map.get("min_version") {
        Some(v) => format!("{}+", format_value(v)),
        None => "any version".into(),
    }];
    for (k, v) in map {
        match (k.as_str(), v) {
            ("min_version", _) => {}
            ("architectures", Value::Array(a)) => {
                parts.push(a.iter().map(format_value).collect::<Vec<_>>().join("/"))
            }
            ("allow_s_mode", Value::Bool(false)) => parts.push("not S mode".into()),
            ("allow_s_mode", Value::Bool(true)) => parts.push("S mode allowed".into()),
            _ => parts.push(format!("{k}={}", format_value(v))),
        }
    }
    parts.join(", ")
}

/// `(dotted key, value)` for every leaf of a section, in field order. Arrays are leaves.
/// `[system] os` gets one row per OS family: its rule, or "not supported" when a profile lists
/// other families but not this one.
pub fn flatten(section: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) if prefix == "os" => {
                for fam in OS_FAMILIES {
                    let cell = map.get(*fam).map_or("not supported".into(), os_rule);
                    out.push((format!("os.{fam}"), cell));
                }
                for (k, v) in map
                    .iter()
                    .filter(|(k, _)| !OS_FAMILIES.contains(&k.as_str()))
                {
                    out.push((format!("os.{k}"), os_rule(v)));
                }
            }
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            Value::Object(_) => {}
            other => out.push((prefix.to_string(), format_value(other))),
        }
    }
    let mut out = Vec::new();
    walk("", section, &mut out);
    out
}

/// The profile's sections as JSON, in field order.
fn sections(p: &Profile) -> serde_json::Map<String, Value> {
    match serde_json::to_value(&p.file) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn section_title(id: &str) -> &'static str {
    match id {
        "runner" => "Time limits, seconds",
        _ => crate::check::find(id).map_or("", |c| c.title()),
    }
}

/// What `examready profile show NAME` prints: the resolved requirements grouped per section.
pub fn describe(p: &Profile) -> String {
    let meta = &p.file.profile;
    let mut out = format!("{} ({})\n", meta.name, p.id);
    if let Some(d) = &meta.description {
        out.push_str(&format!("  {d}\n"));
    }
    if let Some(v) = &meta.vendor {
        out.push_str(&format!("  vendor: {v}\n"));
    }
    if let Some(d) = &meta.updated {
        out.push_str(&format!("  requirements read from the sources on: {d}\n"));
    }
    out.push_str(&format!("  from: {}\n", p.origin));
    if !p.inherits.is_empty() {
        out.push_str(&format!("  inherits: {}\n", p.inherits.join(" -> ")));
    }
    if !meta.sources.is_empty() {
        out.push_str("  sources:\n");
        for s in &meta.sources {
            out.push_str(&format!("    - {s}\n"));
        }
    }
    let mut judged_any = false;
    let mut all: Vec<(String, Value)> = sections(p)
        .into_iter()
        .filter(|(id, _)| id != "profile")
        .collect();
    // Requirements first, the run's own settings last.
    all.sort_by_key(|(id, _)| NOT_REQUIREMENTS.contains(&id.as_str()));
    for (id, value) in all {
        let rows = flatten(&value);
        let title = section_title(&id);
        let heading = if title.is_empty() {
            format!("[{id}]")
        } else {
            format!("{title} [{id}]")
        };
        out.push_str(&format!("\n{heading}\n"));
        if rows.is_empty() {
            out.push_str("  (nothing judged)\n");
            continue;
        }
        if !NOT_REQUIREMENTS.contains(&id.as_str()) {
            judged_any = true;
        }
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in rows {
            out.push_str(&format!("  {k:width$}  {v}\n"));
        }
    }
    if !judged_any {
        out.push_str("\nThis profile states no requirement: every check only reports its facts.\n");
    }
    out.push_str(&format!(
        "\nKeys not shown are not judged. `examready profile show {} --toml` prints this profile as a file you can edit.\n",
        if p.origin.ends_with("(built in)") { p.id.as_str() } else { p.origin.as_str() }
    ));
    out
}

/// The header `profile show NAME --toml` puts above the TOML: comments only, so the output
/// parses back to the same profile.
pub fn toml_header(p: &Profile) -> String {
    let mut out = format!(
        "# {} ({}), resolved from {} by examready {}.\n",
        p.file.profile.name,
        p.id,
        p.origin,
        env!("CARGO_PKG_VERSION")
    );
    if !p.inherits.is_empty() {
        out.push_str(&format!("# Inherited from: {}.\n", p.inherits.join(" -> ")));
    }
    out.push_str(
        "# Edit and use with `examready check --profile FILE`. A key left out is not judged.\n\
         # To keep a built-in profile's values and change a few, write instead:\n\
         #   [profile]\n\
         #   extends = \"onvue\"\n\
         #   [system]\n\
         #   min_ram_gb = 8\n\n",
    );
    out
}

/// A Markdown table of every requirement (rows) in every profile (columns); `-` where a
/// profile does not judge it. Rows keep field order; a key only some profiles set is placed
/// after the key that precedes it in those profiles.
pub fn requirements_table(profiles: &[Profile]) -> String {
    let mut rows: Vec<String> = Vec::new();
    let mut cells: Vec<std::collections::HashMap<String, String>> = Vec::new();
    for p in profiles {
        let mut mine = std::collections::HashMap::new();
        let mut prev: Option<usize> = None;
        for (id, value) in sections(p) {
            if NOT_REQUIREMENTS.contains(&id.as_str()) {
                continue;
            }
            for (k, v) in flatten(&value) {
                let key = format!("{id}.{k}");
                let at = match rows.iter().position(|r| *r == key) {
                    Some(i) => i,
                    None => {
                        // After this profile's previous row, or after the last row of the
                        // same section, or at the end.
                        let i = match prev {
                            Some(i) => i + 1,
                            None => rows
                                .iter()
                                .rposition(|r| r.starts_with(&format!("{id}.")))
                                .map_or(rows.len(), |i| i + 1),
                        };
                        rows.insert(i, key.clone());
                        i
                    }
                };
                prev = Some(at);
                mine.insert(key, v);
            }
        }
        cells.push(mine);
    }
    let escape = |s: &str| s.replace('|', "\\|");
    let mut out = String::from("| requirement |");
    for p in profiles {
        out.push_str(&format!(" {} |", p.id));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(profiles.len()));
    out.push('\n');
    for key in &rows {
        out.push_str(&format!("| `{key}` |"));
        for mine in &cells {
            let v = mine.get(key).map_or("-".to_string(), |v| escape(v));
            out.push_str(&format!(" {v} |"));
        }
        out.push('\n');
    }
    out
}

/// Every built-in profile, loaded.
pub fn builtin_profiles() -> Result<Vec<Profile>, super::ProfileError> {
    BUILTIN.iter().map(|(id, _, _)| super::load(id)).collect()
}

/// The README text between the markers replaced by `table`; `None` if a marker is missing.
pub fn replace_table(readme: &str, table: &str) -> Option<String> {
    let begin = readme.find(TABLE_BEGIN)? + TABLE_BEGIN.len();
    let end = readme[begin..].find(TABLE_END)? + begin;
    Some(format!("{}\n{}{}", &readme[..begin], table, &readme[end..]))
}

/// The table currently between the markers of `readme`.
pub fn current_table(readme: &str) -> Option<&str> {
    let begin = readme.find(TABLE_BEGIN)? + TABLE_BEGIN.len();
    let end = readme[begin..].find(TABLE_END)? + begin;
    Some(readme[begin..end].trim_start_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_like_a_person_writes_them() {
        assert_eq!(format_value(&serde_json::json!(4.0)), "4");
        assert_eq!(format_value(&serde_json::json!(0.12)), "0.12");
        assert_eq!(format_value(&serde_json::json!(["a", "b"])), "a, b");
        assert_eq!(
            format_value(&serde_json::json!([{"host": "h", "port": 443}])),
            "host=h port=443"
        );
    }

    #[test]
    fn flatten_keeps_order_and_gives_one_row_per_os() {
        let v = serde_json::json!({
            "os": {"windows": {"min_version": "10", "architectures": ["x86_64", "aarch64"],
                               "allow_s_mode": false}, "macos": {}},
            "min_ram_gb": 4.0,
            "deadlines": {},
            "limits": {"a": 1}
        });
        let got = flatten(&v);
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [
                ("os.windows", "10+, x86_64/aarch64, not S mode"),
                ("os.macos", "any version"),
                ("os.linux", "not supported"),
                ("min_ram_gb", "4"),
                ("limits.a", "1"),
            ]
        );
    }

    #[test]
    fn table_markers_round_trip() {
        let readme = format!("a\n{TABLE_BEGIN}\nold\n{TABLE_END}\nb\n");
        let new = replace_table(&readme, "| x |\n").unwrap();
        assert_eq!(current_table(&new), Some("| x |\n"));
        assert!(new.starts_with("a\n") && new.ends_with(&format!("{TABLE_END}\nb\n")));
        assert!(replace_table("no markers", "x").is_none());
    }
}
