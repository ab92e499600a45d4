/*!
The JSON report: `--json` on stdout, `--output x.json` on disk, and the history's files. Schema in
`model.rs`.

Every JSON examready writes goes through [`render`], which escapes as `\uXXXX` the characters that
could mislead whoever views the file rather than parses it: control characters (serde_json
escapes C0 itself; DEL and the C1 range U+0080-U+009F, which includes the 8-bit CSI U+009B, are
escaped here), the bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E,
U+200F, U+202A-U+202E, U+2066-U+2069: "Trojan Source"), and the line and paragraph separators
U+2028 and U+2029. The result is still valid JSON and parses back to the same strings.
*/

use crate::model::Report;

/// The report as pretty JSON, with `report_id` set from its content.
pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&report.clone().with_id())
        .expect("a report always serializes");
    s.push('\n');
    escape_invisible(s)
}

/// Read a saved JSON report back (for replays, history and diffs).
pub fn parse(text: &str) -> Result<Report, serde_json::Error> {
    serde_json::from_str(text)
}

/// Whether `c` is written as a `\uXXXX` escape. C0 controls are not listed: serde_json escapes
/// them in strings, and outside strings the output's own newlines must stay.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{007F}'..='\u{009F}'
            | '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// `json` (serialized JSON) with every character [`needs_escape`] names replaced by its `\uXXXX`
/// escape. Outside strings JSON holds only ASCII punctuation, digits, letters and whitespace, and
/// serde_json has already escaped C0 controls, so each such character is inside a string, where
/// the escape means the same character.
pub(crate) fn escape_invisible(json: String) -> String {
    if !json.chars().any(needs_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        if needs_escape(c) {
            // All of them are in the Basic Multilingual Plane: one escape each.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every character JSON output must escape, in one string.
    pub(crate) const HOSTILE: &str = "a\u{202E}b\u{2066}c\u{2067}d\u{2068}e\u{2069}f\u{200E}g\
        \u{200F}h\u{061C}i\u{0080}j\u{009B}31mk\u{009F}l\u{007F}m\u{2028}n\u{202A}o\u{1b}[2Jp";

    /// The characters of [`HOSTILE`] that must never appear raw in JSON bytes.
    pub(crate) fn raw_hostile(text: &str) -> Vec<char> {
        text.chars().filter(|c| needs_escape(*c)).collect()
    }

    #[test]
    fn bidi_and_c1_characters_are_escaped_and_round_trip() {
        let mut r = crate::history::tests::report("2026-11-20T09:00:00Z", 9.1);
        r.checks[0].summary = HOSTILE.into();
        r.checks[0].facts = serde_json::json!({ HOSTILE: [HOSTILE] });
        r.checks[0].findings = vec![crate::model::Finding::skip(
            crate::codes::RunnerCode::CheckUnknown,
            HOSTILE,
        )];
        let text = render(&r);
        assert_eq!(raw_hostile(&text), Vec::<char>::new(), "{text}");
        assert!(text.contains("a\\u202eb\\u2066c"), "{text}");
        assert!(text.contains("i\\u0080j\\u009b31mk"), "{text}");
        let back = parse(&text).unwrap();
        assert_eq!(back, r.clone().with_id());
        assert_eq!(back.checks[0].facts[HOSTILE][0], HOSTILE);
        assert_eq!(back.content_id(), r.content_id(), "the id is unchanged");
    }

    #[test]
    fn plain_reports_are_unchanged() {
        let r = crate::history::tests::report("2026-11-20T09:00:00Z", 9.1);
        let plain = serde_json::to_string_pretty(&r.clone().with_id()).unwrap() + "\n";
        assert_eq!(render(&r), plain);
    }
}
