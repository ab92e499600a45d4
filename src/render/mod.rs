/*!
Renderers turn a finished [`Report`](crate::model::Report) into text. They never probe.

- `terminal`: the flutter-doctor style summary (colour only where allowed).
- `json`: the stable JSON report.
- `progress`: spinners on stderr while modules run (runner events in, nothing else).
- `output`: `--output FILE`, written atomically in the format its extension names.
- `html`: one self-contained page (inline CSS, SVG charts from `charts`, no scripts).
- `markdown`: for pasting into a support ticket.
*/

pub mod charts;
pub mod html;
pub mod json;
pub mod markdown;
pub mod output;
pub mod plain;
pub mod progress;
pub mod sanitize;
pub mod terminal;
