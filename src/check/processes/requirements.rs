//! `[processes]` in a profile: which catalogue categories fail the check and which are advised against.

use serde::{Deserialize, Serialize};

use crate::catalogue::{App, Catalogue};
use crate::tomlfile::{SpannedNames, first_unknown};

/// `[processes]` in a profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessRequirements {
    /// Catalogue categories whose running applications fail the check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prohibited: SpannedNames,
    /// Catalogue categories whose running applications give a warning.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub discouraged: SpannedNames,
    /// Single applications (catalogue ids) that fail, whatever their category.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prohibited_apps: SpannedNames,
    /// Single applications that give a warning.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub discouraged_apps: SpannedNames,
    /// Applications never flagged (the exam software itself).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_apps: SpannedNames,
}

impl ProcessRequirements {
    /// Every category and application named must exist in the catalogue.
    pub fn validate(&self, cat: &Catalogue) -> Result<(), (std::ops::Range<usize>, String)> {
        for (key, list) in [
            ("prohibited", &self.prohibited),
            ("discouraged", &self.discouraged),
        ] {
            if let Some(bad) = first_unknown(list, |n| cat.has_category(n)) {
                let known = cat
                    .categories
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err((
                    bad.span(),
                    format!(
                        "[processes] {key}: unknown category {:?}; the catalogue has {known}",
                        bad.get_ref()
                    ),
                ));
            }
        }
        for (key, list) in [
            ("prohibited_apps", &self.prohibited_apps),
            ("discouraged_apps", &self.discouraged_apps),
            ("allowed_apps", &self.allowed_apps),
        ] {
            if let Some(bad) = first_unknown(list, |n| cat.app(n).is_some()) {
                return Err((
                    bad.span(),
                    format!(
                        "[processes] {key}: unknown application {:?} (not in checks/apps.toml)",
                        bad.get_ref()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn names(list: &SpannedNames, name: &str) -> bool {
        list.iter().any(|n| n.get_ref() == name)
    }

    /// The rule for one application: `Some(true)` prohibited, `Some(false)` discouraged.
    pub fn rule_for(&self, app: &App) -> Option<bool> {
        if Self::names(&self.allowed_apps, &app.id) {
            None
        } else if Self::names(&self.prohibited_apps, &app.id)
            || Self::names(&self.prohibited, &app.category)
        {
            Some(true)
        } else if Self::names(&self.discouraged_apps, &app.id)
            || Self::names(&self.discouraged, &app.category)
        {
            Some(false)
        } else {
            None
        }
    }
}
