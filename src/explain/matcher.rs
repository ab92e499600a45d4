//! Matching a pasted vendor message against the patterns of `checks/explain.toml`.
//!
//! Both the message and a pattern are reduced to words ([`words`]): lower case, apostrophes
//! (straight or curly) dropped inside words, every other character that is not a letter or a
//! digit a separator, a number (`80`, `60.5`, `1,935`) the word `#`, and a few little words
//! ([`LITTLE`]) left out. A pattern is such words, where `#` matches any number and `*` any run
//! of words; the rest must follow each other in the message as written. A match scores the
//! number of words (numbers included) the pattern names, so the more specific pattern wins. A
//! word also matches its plural ("program" / "programs").

/// Words left out of messages and patterns: vendors and candidates write "webcam is not
/// detected", "webcam not detected", "a virtual machine has been detected" ...
pub const LITTLE: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "has", "have", "been", "be",
];

/// The word a number becomes.
pub const NUMBER: &str = "#";
/// The pattern word that stands for any run of words.
pub const GAP: &str = "*";

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' | '\u{b4}'
    )
}

/// The words of `text` (see the module's documentation). With `pattern`, `*` and `#` are kept as
/// words of their own.
pub fn words(text: &str, pattern: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut number = false;
    let flush = |word: &mut String, number: &mut bool, out: &mut Vec<String>| {
        if *number {
            out.push(NUMBER.to_string());
        } else if !word.is_empty() && !LITTLE.contains(&word.as_str()) {
            out.push(word.clone());
        }
        word.clear();
        *number = false;
    };
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        if c.is_ascii_digit() {
            if !word.is_empty() && !number {
                flush(&mut word, &mut number, &mut out);
            }
            number = true;
            word.push(c);
        } else if number && matches!(c, '.' | ',') && next.is_some_and(|n| n.is_ascii_digit()) {
            // 60.5, 1,935: still one number
        } else if c.is_alphanumeric() {
            if number {
                flush(&mut word, &mut number, &mut out);
            }
            word.extend(c.to_lowercase());
        } else if is_apostrophe(c) && !word.is_empty() && next.is_some_and(char::is_alphanumeric) {
            // can't -> cant
        } else {
            flush(&mut word, &mut number, &mut out);
            if pattern && (c == '*' || c == '#') {
                out.push(c.to_string());
            }
        }
    }
    flush(&mut word, &mut number, &mut out);
    out
}

/// A compiled pattern: runs of words that must appear in order, each run contiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The pattern as written in the file.
    pub text: String,
    runs: Vec<Vec<String>>,
}

impl Pattern {
    /// Compile `text`; `None` when it has no word to match (empty, only `*` or little words).
    pub fn new(text: &str) -> Option<Pattern> {
        let mut runs: Vec<Vec<String>> = vec![Vec::new()];
        for w in words(text, true) {
            if w == GAP {
                runs.push(Vec::new());
            } else {
                runs.last_mut().expect("one run at least").push(w);
            }
        }
        runs.retain(|r| !r.is_empty());
        if runs.iter().all(|r| r.iter().all(|w| w == NUMBER)) {
            return None;
        }
        Some(Pattern {
            text: text.to_string(),
            runs,
        })
    }

    /// How many words the pattern names (its specificity).
    pub fn weight(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }

    /// Whether the pattern occurs in `message` (the words of a message, see [`words`]).
    pub fn matches(&self, message: &[String]) -> bool {
        let mut from = 0;
        for run in &self.runs {
            match find_run(message, from, run) {
                Some(end) => from = end,
                None => return false,
            }
        }
        true
    }
}

/// The end of the first occurrence of `run` in `message` at or after `from`.
fn find_run(message: &[String], from: usize, run: &[String]) -> Option<usize> {
    if run.len() > message.len() {
        return None;
    }
    (from..=message.len() - run.len())
        .find(|&start| {
            run.iter()
                .zip(&message[start..])
                .all(|(p, m)| same_word(p, m))
        })
        .map(|start| start + run.len())
}

/// Two words are the same when equal or when one is the other plus a plural `s`
/// ("program" / "programs", "monitor" / "monitors").
fn same_word(p: &str, m: &str) -> bool {
    p == m
        || (p != NUMBER && m.strip_suffix('s') == Some(p))
        || (m != NUMBER && p.strip_suffix('s') == Some(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::new(pattern).unwrap().matches(&words(text, false))
    }

    #[test]
    fn words_fold_case_numbers_punctuation_and_little_words() {
        assert_eq!(words("Network check 80%", false), ["network", "check", "#"]);
        assert_eq!(
            words("NETWORK CHECK: 60 %", false),
            ["network", "check", "#"]
        );
        assert_eq!(
            words("network-check 80.5%", false),
            ["network", "check", "#"]
        );
        assert_eq!(words("1,935 ports", false), ["#", "ports"]);
        assert_eq!(
            words("A virtual machine has been detected.", false),
            ["virtual", "machine", "detected"]
        );
        assert_eq!(words("can't / can’t", false), ["cant", "cant"]);
        assert_eq!(words("“Hardware error”", false), ["hardware", "error"]);
        assert_eq!(words("port1935", false), ["port", "#"]);
        assert_eq!(words("Überprüfung", false), ["überprüfung"]);
        assert!(words("  ... !! ", false).is_empty());
        assert_eq!(words("a * b # c", true), ["*", "b", "#", "c"]);
        assert_eq!(words("a * b # c", false), ["b", "c"]);
    }

    #[test]
    fn patterns_match_wording_variants() {
        for text in [
            "Network check 80%",
            "network check 60 %",
            "System test: Diagnostics - Network check 80%",
            "NETWORK CHECK: 80 percent",
            "Network check (80%) Video streaming connection error",
        ] {
            assert!(m("network check #", text), "{text}");
        }
        assert!(!m("network check #", "network check failed"));
        assert!(!m("network check #", "check network 80%"));
        assert!(m(
            "virtual machine has been detected",
            "Error: virtual machine detected"
        ));
        assert!(m(
            "virtual machine has been detected",
            "“A Virtual Machine has been detected. Please close all virtual machine software”"
        ));
        assert!(m("webcam is not detected", "Webcam not detected"));
        assert!(m(
            "you must close the following program",
            "You must close the following programs before starting the browser"
        ));
        assert!(!m("only one monitor is allowed", "Only 1 monitor allowed"));
        assert!(m(
            "webcam hangs at * environment check",
            "my webcam hangs at the \"environment check\" step"
        ));
        assert!(!m(
            "webcam hangs at * environment check",
            "environment check webcam hangs at"
        ));
        assert!(m("can't connect", "We can’t connect right now"));
    }

    #[test]
    fn weight_counts_pattern_words() {
        assert_eq!(Pattern::new("network check #").unwrap().weight(), 3);
        assert_eq!(
            Pattern::new("A virtual machine has been detected")
                .unwrap()
                .weight(),
            3
        );
        assert_eq!(
            Pattern::new("webcam hangs at * environment check")
                .unwrap()
                .weight(),
            5
        );
    }

    #[test]
    fn empty_patterns_are_refused() {
        for p in ["", "   ", "*", "# * #", "the a an", "%"] {
            assert!(Pattern::new(p).is_none(), "{p:?}");
        }
    }

    #[test]
    fn gaps_keep_order_and_allow_nothing_between() {
        assert!(m("alpha * beta", "beta alpha gamma beta"));
        assert!(m("alpha * beta", "alpha beta"));
        assert!(!m("alpha * beta", "beta alpha"));
        assert!(!m("alpha beta gamma", "alpha beta"));
    }
}
