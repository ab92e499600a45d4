//! Positions in text files: byte offsets to 1-based line and column, and errors that name
//! `file:line:column` (profiles, the catalogue, inheritance, nesting depth).
//!
//! A leaf module: it imports nothing from the crate.

use std::ops::Range;

/// An error at a known place of a text file. `Display`: `file:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct PositionedError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// 1-based line and column (in characters) of byte offset `offset` in `text`; an offset past
/// the end is the end.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, col)
}

/// An error at the start of `span` of `text`, the contents of `file`.
pub fn error_at(file: &str, text: &str, span: Range<usize>, message: String) -> PositionedError {
    let (line, column) = line_col(text, span.start);
    PositionedError {
        file: file.to_string(),
        line,
        column,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("abc", 0), (1, 1));
        assert_eq!(line_col("abc\ndef", 5), (2, 2));
        assert_eq!(line_col("é\néx", 5), (2, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn error_names_file_line_column() {
        let e = error_at("p.toml", "a = 1\nbad = 2\n", 6..9, "unknown key".into());
        assert_eq!(e.to_string(), "p.toml:2:1: unknown key");
    }
}
