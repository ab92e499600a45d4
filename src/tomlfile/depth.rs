/*!
How deep a TOML file nests, checked before it is parsed.

The `toml` crate stops at 80 levels of dotted keys (`[a.a.a....]`) with a bare "recursion
limit" that names no position, and at 80 levels of arrays or inline tables. A profile needs a
few levels, so [`check`] refuses anything deeper than [`MAX_DEPTH`] first, at the position of
the first key, array or inline table that goes too deep. Depth counts every level the value
would have in the document: a table header's keys, a key's dotted parts, and each array and
inline table around the value.

It walks the events of `toml_parser` (the parser the `toml` crate uses) without building
anything, and stops descending at the bound, so a file nested 100,000 deep costs one pass.
*/

use toml_parser::parser::{EventReceiver, parse_document};
use toml_parser::{ErrorSink, Source, Span};

/// The deepest nesting a profile may use.
pub const MAX_DEPTH: usize = 64;

/// The first place where `text` nests deeper than [`MAX_DEPTH`]: its byte span and a message.
/// Syntax errors are left to the TOML parser.
pub fn check(text: &str) -> Option<(std::ops::Range<usize>, String)> {
    let source = Source::new(text);
    let tokens = source.lex().into_vec();
    let mut walk = Walk::default();
    let mut ignore = Vec::new();
    parse_document(&tokens, &mut walk, &mut ignore);
    walk.too_deep
        .map(|span| (span.start()..span.end(), message()))
}

fn message() -> String {
    format!(
        "nested more than {MAX_DEPTH} levels deep (tables, dotted keys, arrays and inline tables \
         together); a profile needs only a few levels"
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Frame {
    Array(usize),
    Table(usize),
}

#[derive(Default)]
struct Walk {
    /// The depth of the table the current `[header]` opened (array tables count their element).
    header: usize,
    /// Inside `[header]` or `[[header]]`.
    in_header: bool,
    /// Arrays and inline tables open around here, with the depth of each.
    frames: Vec<Frame>,
    /// Dotted parts of the key being read.
    parts: usize,
    /// The last significant event was a `.` between key parts.
    after_dot: bool,
    too_deep: Option<Span>,
}

impl Walk {
    /// The depth of the table keys are being read into.
    fn base(&self) -> usize {
        if self.in_header {
            return 0;
        }
        match self.frames.last() {
            Some(Frame::Table(d)) => *d,
            // An array holds values, not keys; a key here is a syntax error for the parser.
            Some(Frame::Array(d)) => *d,
            None => self.header,
        }
    }

    /// The depth of a value about to open here (an array or inline table).
    fn value_depth(&self) -> usize {
        match self.frames.last() {
            Some(Frame::Array(d)) => d + 1,
            _ => self.base() + self.parts,
        }
    }

    fn deeper(&mut self, depth: usize, span: Span) -> bool {
        if depth > MAX_DEPTH {
            self.too_deep.get_or_insert(span);
            return true;
        }
        false
    }

    fn open(&mut self, frame: fn(usize) -> Frame, span: Span) -> bool {
        let depth = self.value_depth();
        self.parts = 0;
        self.after_dot = false;
        // Rejected frames are pushed too: the parser still reports their close.
        self.frames.push(frame(depth));
        !self.deeper(depth, span) && self.too_deep.is_none()
    }

    fn open_header(&mut self) {
        self.in_header = true;
        self.parts = 0;
        self.after_dot = false;
    }

    fn close_header(&mut self, extra: usize) {
        self.header = self.parts + extra;
        self.in_header = false;
        self.parts = 0;
        self.after_dot = false;
        self.frames.clear();
    }
}

impl EventReceiver for Walk {
    fn std_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.open_header();
    }
    fn std_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.close_header(0);
    }
    fn array_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.open_header();
    }
    fn array_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        // `[[a]]` opens an element of the array `a`: one level more.
        self.close_header(1);
    }
    fn inline_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.open(Frame::Table, span)
    }
    fn inline_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.frames.pop();
        self.parts = 0;
    }
    fn array_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.open(Frame::Array, span)
    }
    fn array_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.frames.pop();
        self.parts = 0;
    }
    fn simple_key(
        &mut self,
        span: Span,
        _kind: Option<toml_parser::decoder::Encoding>,
        _error: &mut dyn ErrorSink,
    ) {
        self.parts = if self.after_dot { self.parts + 1 } else { 1 };
        self.after_dot = false;
        let depth = self.base() + self.parts;
        self.deeper(depth, span);
    }
    fn key_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.after_dot = true;
    }
    fn key_val_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.after_dot = false;
    }
    fn scalar(
        &mut self,
        _span: Span,
        _kind: Option<toml_parser::decoder::Encoding>,
        _error: &mut dyn ErrorSink,
    ) {
        self.after_dot = false;
    }
    fn value_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.parts = 0;
        self.after_dot = false;
    }
    fn newline(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        if self.frames.is_empty() && !self.in_header {
            self.parts = 0;
            self.after_dot = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<(usize, usize)> {
        check(text).map(|(span, _)| crate::textpos::line_col(text, span.start))
    }

    fn dotted(n: usize) -> String {
        vec!["a"; n].join(".")
    }

    #[test]
    fn ordinary_profiles_pass() {
        for (id, _, text) in crate::profile::BUILTIN {
            assert_eq!(check(text), None, "{id}");
        }
        assert_eq!(
            at("[a]\nb.c = { d = [1, [2, {e = 3}]] }\n[[f.g]]\nh = 1\n"),
            None
        );
    }

    #[test]
    fn exactly_the_bound_passes_one_more_fails() {
        assert_eq!(at(&format!("[{}]\n", dotted(MAX_DEPTH))), None);
        // The 65th part of the header, on line 2.
        let text = format!("x = 1\n[{}]\n", dotted(MAX_DEPTH + 1));
        assert_eq!(at(&text), Some((2, 2 + 2 * MAX_DEPTH)));
        assert_eq!(at(&format!("{} = 1\n", dotted(MAX_DEPTH))), None);
        assert_eq!(
            at(&format!("{} = 1\n", dotted(MAX_DEPTH + 1))),
            Some((1, 129))
        );
    }

    #[test]
    fn levels_add_up_across_headers_keys_and_values() {
        // A key 40 + 20 levels down holds an array (level 60) of arrays: the sixth is level 65.
        let text = format!("[{}]\n{} = [[[[[1]]]]]\n", dotted(40), dotted(20));
        assert_eq!(at(&text), None);
        let text = format!("[{}]\n{} = [[[[[[1]]]]]]\n", dotted(40), dotted(20));
        assert_eq!(at(&text), Some((2, 2 * 20 - 1 + 3 + 6)), "the sixth [");
        // Array tables count their element.
        let text = format!("[[{}]]\n{} = 1\n", dotted(60), dotted(4));
        assert_eq!(at(&text).map(|p| p.0), Some(2));
        // The next header starts again from the top.
        let text = format!("[{}]\n[b]\n{} = 1\n", dotted(60), dotted(60));
        assert_eq!(at(&text), None);
    }

    #[test]
    fn deep_inline_tables_and_arrays_are_positioned() {
        let n = 20_000;
        let text = format!("[profile]\nx = {}1{}\n", "[".repeat(n), "]".repeat(n));
        assert_eq!(at(&text), Some((2, 5 + MAX_DEPTH - 1)));
        let text = format!("y = {}1{}\n", "{a = ".repeat(n), "}".repeat(n));
        // `y` and the first table are level 1; the key inside the 64th table is level 65.
        assert_eq!(at(&text), Some((1, 6 + 5 * (MAX_DEPTH - 1))));
        // Strings with dots and brackets are not structure.
        let text = format!("s = \"{}[[[{{\"\n", dotted(200));
        assert_eq!(at(&text), None);
    }

    #[test]
    fn twenty_thousand_dotted_levels() {
        let text = format!("[profile]\nname = \"x\"\n[{}]\n", dotted(20_000));
        assert_eq!(at(&text), Some((3, 2 + 2 * MAX_DEPTH)));
    }
}
