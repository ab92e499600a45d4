/*!
The manual checklist: what no program can verify (a clear desk, no one entering the room, the ID
matching the registration ...). The items live in the profile's `[checklist]` section, so each
proctoring service can list its own; the report carries them, and every renderer prints them.
*/

use serde::{Deserialize, Serialize};

/// `[checklist]` in a profile.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChecklistSection {
    /// What to prepare by hand, one sentence each, in the order to do them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// How many minutes before the exam check-in opens (shown with `--exam-at`).
    pub check_in_minutes: Option<CheckInMinutes>,
}

/// Minutes before the exam, 1 to 1440 (a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct CheckInMinutes(pub u32);

impl TryFrom<i64> for CheckInMinutes {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        if (1..=1440).contains(&v) {
            Ok(CheckInMinutes(v as u32))
        } else {
            Err(format!(
                "check-in minutes must be between 1 and 1440, got {v}"
            ))
        }
    }
}
impl From<CheckInMinutes> for i64 {
    fn from(v: CheckInMinutes) -> i64 {
        v.0 as i64
    }
}

impl ChecklistSection {
    /// Items with blank ones dropped and whitespace trimmed.
    pub fn clean_items(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect()
    }
}

/// The checklist as terminal text: a heading and one `[ ]` line per item.
pub fn render_text(profile_name: &str, items: &[String]) -> String {
    if items.is_empty() {
        return format!("The {profile_name} profile lists no manual checklist.\n");
    }
    let mut out = format!("Before check-in for {profile_name}, check by hand:\n");
    for item in items {
        out.push_str("  [ ] ");
        out.push_str(item);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onvue_profile_has_the_manual_checklist() {
        let p = crate::profile::load("onvue").unwrap();
        let items = p.file.checklist.clean_items();
        let all = items.join("\n").to_lowercase();
        for word in [
            "desk",
            "no one",
            "talk",
            "watch",
            "headphones",
            "phone",
            "id",
            "clear glass",
            "restart",
            "lid",
        ] {
            assert!(all.contains(word), "{word:?} missing from {all}");
        }
        assert_eq!(p.file.checklist.check_in_minutes, Some(CheckInMinutes(30)));
    }

    #[test]
    fn checklist_keys_are_strict_and_ranged() {
        let parse = |t: &str| {
            crate::profile::parse(
                "t",
                "t.toml",
                t,
                crate::catalogue::Catalogue::builtin().unwrap(),
            )
        };
        let e = parse("[profile]\nname = \"x\"\n[checklist]\nitem = [\"a\"]\n").unwrap_err();
        assert!(e.to_string().starts_with("t.toml:4:"), "{e}");
        let e = parse("[profile]\nname = \"x\"\n[checklist]\ncheck_in_minutes = 0\n").unwrap_err();
        assert!(e.to_string().contains("between 1 and 1440"), "{e}");
        let p = parse("[profile]\nname = \"x\"\n[checklist]\nitems = [\" a \", \"\"]\n").unwrap();
        assert_eq!(p.file.checklist.clean_items(), ["a"]);
    }

    #[test]
    fn text_lists_items_or_says_there_are_none() {
        let s = render_text("X", &["Clear the desk.".into()]);
        assert!(s.contains("  [ ] Clear the desk.\n"), "{s}");
        assert!(render_text("X", &[]).contains("no manual checklist"));
    }
}
