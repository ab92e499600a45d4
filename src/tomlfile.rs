//! Reading a TOML data file (a profile, the application catalogue) with errors that name the
//! file, line and column. A leaf below the profile and the catalogue.

use toml::Spanned;

pub mod depth;

use crate::textpos::{PositionedError, error_at};

/// A list of names whose positions in the file are kept, to report unknown names precisely.
pub type SpannedNames = Vec<Spanned<String>>;

/// A profile that cannot be used. Its `Display` names the file, line and column where known.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Invalid(#[from] PositionedError),
    #[error("{file}: {message}")]
    InvalidNoPosition { file: String, message: String },
    #[error("cannot read profile {file}: {error}")]
    Io {
        file: String,
        error: crate::textfile::TextError,
    },
    #[error(
        "unknown profile {name:?}: built-in profiles are {known}; or give the path of a .toml file"
    )]
    Unknown { name: String, known: String },
}

/// Turn a TOML error into a positioned [`ProfileError`].
pub fn toml_error(file: &str, text: &str, err: &toml::de::Error) -> ProfileError {
    let message = err.message().trim().to_string();
    match err.span() {
        Some(span) => error_at(file, text, span, message).into(),
        None => ProfileError::InvalidNoPosition {
            file: file.to_string(),
            message,
        },
    }
}

/// Parse TOML `text` (named `file` in errors) into `T`. Nesting deeper than
/// [`depth::MAX_DEPTH`] is refused first, at its position (the TOML parser's own limit names
/// none).
pub fn from_toml<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<T, ProfileError> {
    if let Some((span, message)) = depth::check(text) {
        return Err(error_at(file, text, span, message).into());
    }
    toml::from_str(text).map_err(|e| toml_error(file, text, &e))
}

/// Helper for sections: look up the first name in `names` not accepted by `known`.
pub fn first_unknown(
    names: &[Spanned<String>],
    known: impl Fn(&str) -> bool,
) -> Option<&Spanned<String>> {
    names.iter().find(|n| !known(n.get_ref()))
}
