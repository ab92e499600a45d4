/*! The JSON report: `--json` on stdout, `--output x.json` on disk. Schema in `model.rs`. */

use crate::model::Report;

/// The report as pretty JSON, with `report_id` set from its content.
pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&report.clone().with_id())
        .expect("a report always serializes");
    s.push('\n');
    s
}

/// Read a saved JSON report back (for replays, history and diffs).
pub fn parse(text: &str) -> Result<Report, serde_json::Error> {
    serde_json::from_str(text)
}
