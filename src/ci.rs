//! The one rule for "running in CI": `CI` set to `true` or `1`. Anything else (unset, empty,
//! `false`, `0`, ...) is not CI. In CI the spinners are off, and a test whose real part (root, a
//! sound server, a namespace ...) cannot run fails instead of being skipped.

/// Whether `CI` is set to `true` or `1`.
pub fn in_ci() -> bool {
    is_ci_value(std::env::var_os("CI").as_deref())
}

/// The rule on a value of `CI` (`None`: unset).
fn is_ci_value(v: Option<&std::ffi::OsStr>) -> bool {
    v.is_some_and(|v| v == "true" || v == "1")
}

#[cfg(test)]
mod tests {
    use super::is_ci_value;
    use std::ffi::OsStr;

    #[test]
    fn only_true_and_1_mean_ci() {
        for v in ["true", "1"] {
            assert!(is_ci_value(Some(OsStr::new(v))), "{v}");
        }
        assert!(!is_ci_value(None));
        for v in ["", "false", "0"] {
            assert!(!is_ci_value(Some(OsStr::new(v))), "{v:?}");
        }
    }
}
