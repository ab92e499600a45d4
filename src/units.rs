//! Value types of the requirement profiles that validate while parsing, so a range error carries
//! the file position: bandwidths, percentages, sizes, durations, levels and resolutions. A leaf:
//! the modules' requirement types use these without importing the profile.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A number in a closed range, checked while the profile is parsed (so errors carry the file
/// position). Modules define their own with `crate::units::bounded_f64!`.
macro_rules! bounded_f64 {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $what:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(try_from = "f64", into = "f64")]
        pub struct $name(pub f64);

        impl TryFrom<f64> for $name {
            type Error = String;
            fn try_from(v: f64) -> Result<Self, String> {
                if v.is_finite() && ($min..=$max).contains(&v) {
                    Ok($name(v))
                } else {
                    Err(format!("{} must be between {} and {}, got {}", $what, $min, $max, v))
                }
            }
        }
        impl From<$name> for f64 {
            fn from(v: $name) -> f64 {
                v.0
            }
        }
        impl $name {
            pub fn get(self) -> f64 {
                self.0
            }
        }
    };
}

pub(crate) use bounded_f64;

bounded_f64!(
    /// A bandwidth in megabits per second.
    Mbps, 0.0, 100_000.0, "a bandwidth in Mbps"
);
bounded_f64!(
    /// A percentage.
    Percent, 0.0, 100.0, "a percentage"
);
bounded_f64!(
    /// A size in decimal gigabytes (10^9 bytes), as vendors write "GB".
    Gigabytes, 0.0, 1_000_000.0, "a size in GB"
);
bounded_f64!(
    /// A duration in milliseconds.
    Millis, 0.0, 3_600_000.0, "a duration in milliseconds"
);
bounded_f64!(
    /// A level in dBFS (0 is full scale).
    Dbfs, -200.0, 0.0, "a level in dBFS"
);
bounded_f64!(
    /// A plain non-negative number.
    NonNegative, 0.0, 1e12, "a non-negative number"
);

/// A duration in seconds, strictly positive.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Seconds(pub f64);

impl TryFrom<f64> for Seconds {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if v.is_finite() && v > 0.0 && v <= 86_400.0 {
            Ok(Seconds(v))
        } else {
            Err(format!(
                "a duration in seconds must be above 0 and at most 86400, got {v}"
            ))
        }
    }
}
impl From<Seconds> for f64 {
    fn from(v: Seconds) -> f64 {
        v.0
    }
}
impl Seconds {
    pub fn duration(self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.0)
    }
}

/// A screen resolution written `"1024x768"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Resolution {
    pub width: u32,
    pub height: u32,
}

impl TryFrom<String> for Resolution {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}
impl std::str::FromStr for Resolution {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("a resolution is written like \"1024x768\", got {s:?}");
        let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
        let width: u32 = w.trim().parse().map_err(|_| bad())?;
        let height: u32 = h.trim().parse().map_err(|_| bad())?;
        if width == 0 || height == 0 || width > 100_000 || height > 100_000 {
            return Err(bad());
        }
        Ok(Resolution { width, height })
    }
}
impl From<Resolution> for String {
    fn from(r: Resolution) -> String {
        r.to_string()
    }
}
impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}
