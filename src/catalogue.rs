/*!
The application catalogue (`checks/apps.toml`): applications a proctor cares about, each with a
category, its process names per operating system, device names it creates (virtual cameras and
microphones), and how to close it properly.

Profiles name the categories (and single applications) that are prohibited or discouraged; the
`processes` module matches running processes against the catalogue, and the device modules match
device names against it.
*/

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::textpos::error_at;
use crate::tomlfile::ProfileError;

pub const BUILTIN_FILE: &str = "checks/apps.toml";
pub const BUILTIN_TEXT: &str = include_str!("../checks/apps.toml");

/// The operating system families the catalogue knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OsFamily {
    Windows,
    Macos,
    Linux,
}

impl OsFamily {
    /// The family this binary runs on (Linux for any other Unix).
    pub fn current() -> OsFamily {
        if cfg!(target_os = "windows") {
            OsFamily::Windows
        } else if cfg!(target_os = "macos") {
            OsFamily::Macos
        } else {
            OsFamily::Linux
        }
    }
    pub fn display(self) -> &'static str {
        match self {
            OsFamily::Windows => "Windows",
            OsFamily::Macos => "macOS",
            OsFamily::Linux => "Linux",
        }
    }
}

/// One application.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// Stable kebab-case id (`teamviewer`), used by profiles.
    pub id: String,
    /// Display name (`TeamViewer`).
    pub name: String,
    pub category: String,
    /// Executable names on Windows (with or without `.exe`).
    #[serde(default)]
    pub windows: Vec<String>,
    /// Process names on macOS.
    #[serde(default)]
    pub macos: Vec<String>,
    /// Process names on Linux.
    #[serde(default)]
    pub linux: Vec<String>,
    /// Substrings of device names this application creates (virtual cameras and microphones).
    #[serde(default)]
    pub devices: Vec<String>,
    /// How to close it properly (tray icon, services, helpers that restart themselves).
    #[serde(default)]
    pub close: Option<String>,
}

impl App {
    pub fn process_names(&self, os: OsFamily) -> &[String] {
        match os {
            OsFamily::Windows => &self.windows,
            OsFamily::Macos => &self.macos,
            OsFamily::Linux => &self.linux,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    /// category id -> description
    categories: BTreeMap<String, String>,
    #[serde(rename = "app")]
    apps: Vec<App>,
}

/// The parsed catalogue with a process-name index per OS.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub categories: BTreeMap<String, String>,
    pub apps: Vec<App>,
    /// (os, normalized process name) -> index into `apps`
    index: HashMap<(OsFamily, String), usize>,
}

/// Normalize a process or executable name for matching: lower case, `.exe` removed.
pub fn normalize_process_name(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    match lower.strip_suffix(".exe") {
        Some(stem) => stem.to_string(),
        None => lower,
    }
}

/// Linux cuts a process's `comm` name to 15 bytes.
pub const COMM_LEN: usize = 15;

impl Catalogue {
    /// The catalogue embedded in the binary.
    pub fn builtin() -> Result<Catalogue, Box<ProfileError>> {
        Catalogue::parse(BUILTIN_FILE, BUILTIN_TEXT).map_err(Box::new)
    }

    pub fn parse(origin: &str, text: &str) -> Result<Catalogue, ProfileError> {
        let file: CatalogueFile = crate::tomlfile::from_toml(origin, text)?;
        let mut index = HashMap::new();
        let mut ids = HashMap::new();
        for (i, app) in file.apps.iter().enumerate() {
            let at = |needle: &str| {
                let start = text.find(needle).unwrap_or(0);
                start..start + needle.len()
            };
            if !crate::model::is_kebab_case(&app.id) {
                return Err(ProfileError::from(error_at(
                    origin,
                    text,
                    at(&format!("\"{}\"", app.id)),
                    format!("application id {:?} must be kebab-case", app.id),
                )));
            }
            if ids.insert(app.id.clone(), i).is_some() {
                return Err(ProfileError::from(error_at(
                    origin,
                    text,
                    at(&format!("\"{}\"", app.id)),
                    format!("application id {:?} appears twice", app.id),
                )));
            }
            if !file.categories.contains_key(&app.category) {
                return Err(ProfileError::from(error_at(
                    origin,
                    text,
                    at(&format!("id = \"{}\"", app.id)),
                    format!(
                        "application {:?} names unknown category {:?}",
                        app.id, app.category
                    ),
                )));
            }
            for os in [OsFamily::Windows, OsFamily::Macos, OsFamily::Linux] {
                for name in app.process_names(os) {
                    let key = (os, normalize_process_name(name));
                    if let Some(prev) = index.insert(key, i)
                        && prev != i
                    {
                        return Err(ProfileError::from(error_at(
                            origin,
                            text,
                            at(&format!("id = \"{}\"", app.id)),
                            format!(
                                "process name {:?} ({}) is claimed by both {:?} and {:?}",
                                name,
                                os.display(),
                                file.apps[prev].id,
                                app.id
                            ),
                        )));
                    }
                }
            }
        }
        Ok(Catalogue {
            categories: file.categories,
            apps: file.apps,
            index,
        })
    }

    pub fn app(&self, id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.id == id)
    }

    pub fn has_category(&self, id: &str) -> bool {
        self.categories.contains_key(id)
    }

    /// The application a running process belongs to, by its executable file name (exact after
    /// normalization) or its kernel name (which Linux may have cut to 15 characters).
    pub fn match_process(&self, os: OsFamily, name: &str, exe: Option<&str>) -> Option<&App> {
        if let Some(exe) = exe
            && let Some(&i) = self.index.get(&(os, normalize_process_name(exe)))
        {
            return Some(&self.apps[i]);
        }
        let n = normalize_process_name(name);
        if let Some(&i) = self.index.get(&(os, n.clone())) {
            return Some(&self.apps[i]);
        }
        // A Linux kernel name of exactly 15 bytes may be the start of a longer catalogue name
        // (Windows and macOS names are not cut, so a prefix there is another program).
        if os == OsFamily::Linux && name.len() == COMM_LEN {
            let mut found: Option<usize> = None;
            for ((ios, iname), &i) in &self.index {
                if *ios == os && iname.len() > COMM_LEN && iname.starts_with(&n) {
                    // Keep the choice deterministic when several names share the prefix.
                    found = Some(found.map_or(i, |f| f.min(i)));
                }
            }
            return found.map(|i| &self.apps[i]);
        }
        None
    }

    /// The application whose device-name pattern occurs in `device_name` (case-insensitive).
    pub fn match_device(&self, device_name: &str) -> Option<&App> {
        let d = device_name.to_lowercase();
        self.apps
            .iter()
            .find(|a| a.devices.iter().any(|p| d.contains(&p.to_lowercase())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_parses() {
        let c = Catalogue::builtin().unwrap();
        assert!(c.apps.len() >= 10);
        assert!(c.has_category("remote-access"));
    }

    #[test]
    fn matches_exe_and_truncated_names() {
        let c = Catalogue::builtin().unwrap();
        let tv = c
            .match_process(OsFamily::Linux, "TeamViewer", None)
            .unwrap();
        assert_eq!(tv.id, "teamviewer");
        let tvw = c
            .match_process(OsFamily::Windows, "teamviewer.EXE", None)
            .unwrap();
        assert_eq!(tvw.id, "teamviewer");
        // Linux comm names are cut to 15 characters.
        let any = c
            .match_process(OsFamily::Macos, "AnyDeskRemoteCo", None)
            .or_else(|| c.match_process(OsFamily::Windows, "AnyDeskRemoteCo", None));
        assert!(any.is_none() || any.unwrap().id == "anydesk");
        assert!(
            c.match_process(OsFamily::Linux, "bash", Some("bash"))
                .is_none()
        );
    }

    #[test]
    fn rejects_duplicate_process_names() {
        let text = r#"
[categories]
x = "X"
[[app]]
id = "a"
name = "A"
category = "x"
linux = ["same"]
[[app]]
id = "b"
name = "B"
category = "x"
linux = ["Same"]
"#;
        let e = Catalogue::parse("c.toml", text).unwrap_err().to_string();
        assert!(e.contains("claimed by both"), "{e}");
        assert!(e.starts_with("c.toml:10:"), "{e}");
    }

    #[test]
    fn rejects_unknown_category() {
        let text = "[categories]\nx = \"X\"\n[[app]]\nid = \"a\"\nname = \"A\"\ncategory = \"y\"\n";
        let e = Catalogue::parse("c.toml", text).unwrap_err().to_string();
        assert!(e.contains("unknown category"), "{e}");
    }
}
