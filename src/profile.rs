/*!
Requirement profiles: one TOML file per proctoring service under `checks/`, embedded in the
binary, or a user's own file passed with `--profile FILE`.

Parsing is strict: unknown keys, wrong types and out-of-range values are errors that name the
file, line and column, and they happen before any probe runs. Every requirement is optional: a
profile that does not state a figure does not judge it (the fact is still reported).

Each module's section type lives next to the module when the module is larger than a few
fields; the `Profile` struct only lists them.
*/

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::catalogue::Catalogue;
pub use crate::tomlfile::depth;
pub use crate::tomlfile::{ProfileError, SpannedNames, first_unknown, from_toml, toml_error};
pub use crate::units::{Dbfs, Gigabytes, Mbps, Millis, NonNegative, Percent, Resolution, Seconds};

pub mod inherit;
pub mod show;

/// The built-in profiles: `(id, file name, TOML text)`. The first one is the default.
pub const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "onvue",
        "checks/onvue.toml",
        include_str!("../checks/onvue.toml"),
    ),
    (
        "proctoru",
        "checks/proctoru.toml",
        include_str!("../checks/proctoru.toml"),
    ),
    ("psi", "checks/psi.toml", include_str!("../checks/psi.toml")),
    (
        "examity",
        "checks/examity.toml",
        include_str!("../checks/examity.toml"),
    ),
    (
        "honorlock",
        "checks/honorlock.toml",
        include_str!("../checks/honorlock.toml"),
    ),
    (
        "respondus",
        "checks/respondus.toml",
        include_str!("../checks/respondus.toml"),
    ),
    (
        "examplify",
        "checks/examplify.toml",
        include_str!("../checks/examplify.toml"),
    ),
];

/// The id of the default profile.
pub const DEFAULT_PROFILE: &str = "onvue";

/// A resolved requirement profile.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// `onvue` for a built-in profile; the file stem for a user's file.
    #[serde(skip)]
    pub id: String,
    /// Where it came from: `checks/onvue.toml (built in)` or the user's path.
    #[serde(skip)]
    pub origin: String,
    #[serde(flatten)]
    pub file: ProfileFile,
    /// The application catalogue the `processes` module (and device rules) match against.
    #[serde(skip)]
    pub catalogue: Catalogue,
    /// The profiles this one inherits from, nearest first (`extends`), as their origins.
    #[serde(skip)]
    pub inherits: Vec<String>,
}

/// The modules see the profile through their own sections (see [`crate::check::Sections`]).
impl crate::check::Sections for Profile {
    fn section(&self, id: &str) -> Option<&(dyn std::any::Any + Send + Sync)> {
        let f = &self.file;
        Some(match id {
            "system" => &f.system,
            "processes" => &f.processes,
            "network" => &f.network,
            "microphone" => &f.microphone,
            "speaker" => &f.speaker,
            "webcam" => &f.webcam,
            // A module without requirements (`Requirements = ()`) has no section.
            _ => &(),
        })
    }
    fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }
    fn profile_name(&self) -> &str {
        self.name()
    }
    fn headphone_patterns(&self) -> &[String] {
        &self.file.speaker.headphone_patterns
    }
}

impl Profile {
    /// The small context a module's judge gets (catalogue and name).
    pub fn judge_context(&self) -> crate::check::JudgeContext<'_> {
        crate::check::JudgeContext::of(self)
    }
    pub fn name(&self) -> &str {
        &self.file.profile.name
    }
    pub fn reference(&self) -> crate::model::ProfileRef {
        crate::model::ProfileRef {
            id: self.id.clone(),
            name: self.name().to_string(),
            updated: self.file.profile.updated.map(|d| d.to_string()),
        }
    }
}

/// The TOML document as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub profile: Meta,
    #[serde(default)]
    pub runner: RunnerSection,
    #[serde(default)]
    pub system: crate::check::system::SystemRequirements,
    #[serde(default)]
    pub processes: crate::check::processes::ProcessRequirements,
    #[serde(default)]
    pub checklist: crate::checklist::ChecklistSection,
    #[serde(default)]
    pub microphone: crate::check::microphone::MicrophoneRequirements,
    #[serde(default)]
    pub speaker: crate::check::speaker::SpeakerRequirements,
    #[serde(default)]
    pub webcam: crate::check::webcam::WebcamRequirements,
    #[serde(default)]
    pub network: crate::check::network::NetworkRequirements,
}

/// `[profile]`: what this profile is.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Human name, e.g. "Pearson OnVUE". A profile that `extends` another may leave it out.
    #[serde(default)]
    pub name: String,
    /// A built-in profile id or a file (relative to this file) whose values this profile
    /// inherits and overrides; resolved away on loading (a resolved profile has none).
    #[serde(default)]
    pub extends: Option<Spanned<String>>,
    /// The proctoring vendor.
    #[serde(default)]
    pub vendor: Option<String>,
    /// One line on what the profile is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Where the figures come from (URLs or document names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// When the sources were last read (`updated = "YYYY-MM-DD"`): requirements change, and a
    /// candidate can tell a stale profile. A profile that `extends` another inherits its date
    /// unless it gives its own.
    #[serde(default)]
    pub updated: Option<jiff::civil::Date>,
}

/// `[runner]`: deadlines per module, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunnerSection {
    /// Deadline for a module without its own entry.
    pub deadline_s: Seconds,
    /// Per-module deadlines: module id (one of [`crate::check::REGISTRY`]'s) -> seconds. An
    /// unknown id is an error at its key, like an unknown field.
    #[serde(deserialize_with = "deadlines_by_module_id")]
    pub deadlines: BTreeMap<String, Seconds>,
}

impl Default for RunnerSection {
    fn default() -> Self {
        RunnerSection {
            deadline_s: Seconds(30.0),
            deadlines: BTreeMap::new(),
        }
    }
}

/// `[runner.deadlines]`: a table of module id -> seconds, each id one of the registry's.
fn deadlines_by_module_id<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Seconds>, D::Error> {
    let raw = BTreeMap::<ModuleId, Seconds>::deserialize(d)?;
    Ok(raw.into_iter().map(|(id, secs)| (id.0, secs)).collect())
}

/// A registered module's id, checked while parsing (so an unknown one is an error at its key).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
struct ModuleId(String);

impl TryFrom<String> for ModuleId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        match crate::check::find(&id) {
            Some(_) => Ok(ModuleId(id)),
            None => Err(format!(
                "unknown module {id:?} in [runner.deadlines], expected one of {}",
                crate::check::ids()
            )),
        }
    }
}

impl RunnerSection {
    /// The deadline for module `id`.
    pub fn deadline_for(&self, id: &str) -> std::time::Duration {
        self.deadlines
            .get(id)
            .copied()
            .unwrap_or(self.deadline_s)
            .duration()
    }
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// The built-in profile ids, comma-separated, for messages.
pub fn builtin_names() -> String {
    BUILTIN
        .iter()
        .map(|(id, _, _)| *id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Find a built-in profile's text by id.
pub fn builtin(id: &str) -> Option<(&'static str, &'static str)> {
    BUILTIN
        .iter()
        .find(|(bid, _, _)| bid.eq_ignore_ascii_case(id))
        .map(|(_, file, text)| (*file, *text))
}

/// Load a profile by built-in id or file path, with the built-in catalogue.
pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
    let catalogue = Catalogue::builtin().map_err(|e| *e)?;
    load_with_catalogue(name_or_path, catalogue)
}

/// Load a profile by built-in id or file path, judged against `catalogue`. A profile that
/// `extends` another is resolved (see [`inherit`]).
pub fn load_with_catalogue(
    name_or_path: &str,
    catalogue: Catalogue,
) -> Result<Profile, ProfileError> {
    let source = inherit::Source::locate(name_or_path)?;
    inherit::resolve(source, catalogue)
}

/// Parse and validate one profile's text. `origin` names it in errors; when the text
/// `extends` a file, the file is looked up relative to `origin`'s directory.
pub fn parse(
    id: &str,
    origin: &str,
    text: &str,
    catalogue: Catalogue,
) -> Result<Profile, ProfileError> {
    let source = inherit::Source::text(id, origin, text);
    inherit::resolve(source, catalogue)
}

/// The resolved profile as TOML (what `profile show --toml` prints): a complete file that
/// parses back to the same profile.
pub fn to_toml(profile: &Profile) -> String {
    toml::to_string_pretty(&profile.file).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
}

/// A sorted map alias used by sections that key rules by name.
pub type Rules<T> = BTreeMap<String, T>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_a_map_checked_against_the_registry() {
        let text = "[profile]\nname = \"x\"\n[runner.deadlines]\nnetwork = 40\nwebcam = 9\n";
        let p = parse("x", "t.toml", text, Catalogue::builtin().unwrap()).unwrap();
        assert_eq!(p.file.runner.deadline_for("network").as_secs(), 40);
        assert_eq!(p.file.runner.deadline_for("webcam").as_secs(), 9);
        assert_eq!(p.file.runner.deadline_for("system").as_secs(), 30);
        let again = parse("x", "t.toml", &to_toml(&p), Catalogue::builtin().unwrap()).unwrap();
        assert_eq!(again.file.runner.deadlines, p.file.runner.deadlines);

        let bad = "[profile]\nname = \"x\"\n[runner.deadlines]\nnetwork = 40\n  netwrok = 9\n";
        let e = parse("x", "t.toml", bad, Catalogue::builtin().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.toml:5:3: "), "{e}");
        assert!(e.contains("\"netwrok\""), "{e}");
    }

    fn parse_text(text: &str) -> Result<Profile, ProfileError> {
        parse("t", "t.toml", text, Catalogue::builtin().unwrap())
    }

    #[test]
    fn builtin_profiles_parse() {
        for (id, _, _) in BUILTIN {
            let p = load(id).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert!(!p.name().is_empty());
        }
    }

    #[test]
    fn unknown_key_is_positioned() {
        let e = parse_text("[profile]\nname = \"x\"\n[system]\nbogus = 1\n").unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("t.toml:4:1:"), "{s}");
        assert!(s.contains("bogus"), "{s}");
    }

    #[test]
    fn negative_value_is_positioned() {
        let e = parse_text("[profile]\nname = \"x\"\n[system]\nmin_ram_gb = -4\n").unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("t.toml:4:"), "{s}");
        assert!(s.contains("between 0"), "{s}");
    }

    #[test]
    fn bad_resolution_is_rejected() {
        let e = parse_text("[profile]\nname = \"x\"\n[system]\nmin_resolution = \"big\"\n")
            .unwrap_err();
        assert!(e.to_string().contains("1024x768"), "{e}");
    }

    #[test]
    fn zero_deadline_is_rejected() {
        let e = parse_text("[profile]\nname = \"x\"\n[runner]\ndeadline_s = 0\n").unwrap_err();
        assert!(e.to_string().starts_with("t.toml:4:"), "{e}");
    }

    #[test]
    fn unknown_category_is_positioned() {
        let e = parse_text(
            "[profile]\nname = \"x\"\n[processes]\nprohibited = [\"remote-access\", \"nonsense\"]\n",
        )
        .unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("t.toml:4:32:"), "{s}");
        assert!(s.contains("nonsense"), "{s}");
    }

    #[test]
    fn minimal_profile_judges_nothing_extra() {
        let p = parse_text("[profile]\nname = \"Minimal\"\n").unwrap();
        assert_eq!(p.name(), "Minimal");
        assert!(p.file.system.min_ram_gb.is_none());
        assert_eq!(
            p.file.runner.deadline_for("system"),
            std::time::Duration::from_secs(30)
        );
    }

    #[test]
    fn resolution_parses() {
        let r: Resolution = "1920x1080".parse().unwrap();
        assert_eq!((r.width, r.height), (1920, 1080));
        assert!("0x10".parse::<Resolution>().is_err());
    }
}
