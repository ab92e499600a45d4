//! Typed finding codes. Each module declares its codes once, as an enum made by
//! [`finding_codes!`](crate::finding_codes): the kebab-case code a report carries, and a
//! one-line meaning (what `examready checks` lists). A finding is made from a typed code only,
//! so a judge cannot emit a code its module does not declare. A leaf: nothing here imports the
//! rest.

/// A finding's code as a judge gives it: made from a module's code enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code(pub &'static str);

/// Declare a module's finding codes:
///
/// ```
/// examready::finding_codes! {
///     /// Codes of a module.
///     pub enum DemoCode {
///         AllGood = "demo-ok": "everything is fine",
///         TooLow = "demo-low": "the figure is below the minimum",
///     }
/// }
/// assert_eq!(DemoCode::TooLow.as_str(), "demo-low");
/// assert_eq!(DemoCode::TABLE[0], ("demo-ok", "everything is fine"));
/// ```
///
/// makes the enum with `as_str`, `meaning`, `ALL` and `TABLE` (code, meaning), and
/// `Into<Code>` so `Finding::fail(DemoCode::TooLow, ...)` takes it.
#[macro_export]
macro_rules! finding_codes {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($variant:ident = $code:literal : $meaning:literal),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(#[doc = $meaning] $variant),*
        }
        impl $name {
            /// Every code, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// `(code, meaning)` for every code, in declaration order.
            pub const TABLE: &'static [(&'static str, &'static str)] = &[$(($code, $meaning)),*];
            /// The kebab-case code a report carries.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),*
                }
            }
            /// What the code means, in one line.
            pub const fn meaning(self) -> &'static str {
                match self {
                    $($name::$variant => $meaning),*
                }
            }
        }
        impl From<$name> for $crate::codes::Code {
            fn from(c: $name) -> $crate::codes::Code {
                $crate::codes::Code(c.as_str())
            }
        }
    };
}

finding_codes! {
    /// Codes the runner and replays give a module's result themselves.
    pub enum RunnerCode {
        CheckCrashed = "check-crashed": "the module crashed (a bug in examready)",
        CheckTimedOut = "check-timed-out": "the module did not finish within its deadline",
        CheckUnknown = "check-unknown": "a replayed report holds a module this examready does not know",
    }
}
