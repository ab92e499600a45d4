/*!
Text from the machine or from a file (process names, device names, a replayed report's titles
and facts, a profile's name) must not drive the terminal that shows it: an escape sequence in a
process name could clear the screen, retitle the window, hide a line or forge a `[✓]`.

[`for_display`] is applied to every text that examready prints (terminal report, history, diff,
profile listings, Markdown and HTML, error messages): control characters become visible escapes
(`\u{1b}`), and so do the Unicode bidirectional overrides that can reorder what is shown. The
colour codes examready adds itself are kept when colour is on (SGR sequences `ESC [ … m` made of
the plain colour and weight parameters only: no conceal, no blink); with colour off every escape is
shown. Newlines and tabs are kept. JSON needs none of this: serde_json escapes control characters
itself.
*/

use std::borrow::Cow;

/// Whether `c` is shown as an escape rather than passed to the terminal.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        // Bidirectional embeddings, overrides and isolates (the "Trojan Source" characters).
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The length in bytes of a harmless SGR sequence (`ESC [ params m`: reset, bold, dim, italic,
/// underline, colours) at the start of `s`, if any. Conceal (8) and blink (5, 6) are not harmless.
fn sgr_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix("\u{1b}[")?;
    let params = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    if rest.as_bytes().get(params) != Some(&b'm') {
        return None;
    }
    let harmless = rest[..params].split(';').all(|p| {
        p.is_empty()
            || p.parse::<u8>().is_ok_and(
                |n| matches!(n, 0..=4 | 21..=24 | 30..=39 | 40..=49 | 90..=97 | 100..=107),
            )
    });
    harmless.then_some(2 + params + 1)
}

/// `text` with every control character except newline and tab, and every bidirectional
/// override, replaced by a visible `\u{..}` escape. Harmless colour (SGR) sequences are kept
/// while colour is on (`colored`'s decision), since examready adds them itself.
pub fn for_display(text: &str) -> Cow<'_, str> {
    escape(text, colored::control::SHOULD_COLORIZE.should_colorize())
}

/// [`for_display`] with the colour decision given.
pub fn escape(text: &str, keep_colour: bool) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    if !keep_colour {
        return plain(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(n) = sgr_len(rest) {
            out.push_str(&rest[..n]);
            i += n;
            continue;
        }
        let c = rest.chars().next().expect("i is on a char boundary");
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
        i += c.len_utf8();
    }
    Cow::Owned(out)
}

/// Like [`for_display`], but colour sequences are escaped too: for text that examready did not
/// colour itself (Markdown and HTML files, messages built from a file's contents).
pub fn plain(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_unsafe(c) {
                    format!("\\u{{{:x}}}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed_unchanged() {
        let s = "Zoom ✓ 9.4 Mbps\n\tnext";
        assert!(matches!(for_display(s), Cow::Borrowed(_)));
        assert!(matches!(plain(s), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_are_made_visible_but_colour_is_kept() {
        let s = "\u{1b}[31mred\u{1b}[0m \u{1b}[2J\u{1b}]0;title\u{7} \r\u{9b}1m \u{202e}abc";
        let d = escape(s, true);
        assert_eq!(
            d,
            "\u{1b}[31mred\u{1b}[0m \\u{1b}[2J\\u{1b}]0;title\\u{7} \\u{d}\\u{9b}1m \\u{202e}abc"
        );
        let p = plain(s);
        assert!(!p.contains('\u{1b}'), "{p}");
        assert!(p.starts_with("\\u{1b}[31mred"), "{p}");
    }

    #[test]
    fn an_escape_at_the_very_end_is_escaped() {
        for keep in [true, false] {
            assert_eq!(escape("x\u{1b}", keep), "x\\u{1b}");
            assert_eq!(escape("x\u{1b}[", keep), "x\\u{1b}[");
            assert_eq!(escape("\u{1b}[12;3", keep), "\\u{1b}[12;3");
        }
        // Conceal and blink are not passed through even with colour on.
        assert_eq!(escape("\u{1b}[8mhidden", true), "\\u{1b}[8mhidden");
        assert_eq!(escape("\u{1b}[1;5m", true), "\\u{1b}[1;5m");
        // With colour off, no escape sequence at all reaches the terminal.
        assert_eq!(escape("\u{1b}[31mred", false), "\\u{1b}[31mred");
    }
}
