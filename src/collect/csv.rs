//! The dashboard's CSV export: one row per listed candidate, every cell quoted, and a cell that
//! a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return) prefixed with `'`.

use super::query::Row;

/// One CSV cell.
pub fn cell(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let s = if risky {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub const HEADER: &str =
    "cohort,cohort_label,candidate,verdict,last_check,profile,exam_at,failing_checks,codes\r\n";

/// The export of `rows`.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(HEADER);
    for r in rows {
        let fields = [
            r.cohort.clone(),
            r.cohort_label.clone(),
            r.candidate.clone(),
            r.verdict.clone(),
            super::rfc3339(r.checked_at),
            r.profile.clone(),
            r.exam_at.map(super::rfc3339).unwrap_or_default(),
            r.failing.replace(',', " "),
            r.codes.replace(',', " "),
        ];
        let line: Vec<String> = fields.iter().map(|f| cell(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_quotes_doubled() {
        assert_eq!(cell("alice"), "\"alice\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for s in ["+1", "-1", "@SUM(A1)", "\tx"] {
            assert!(cell(s).starts_with("\"'"), "{s}");
        }
    }
}
