/*!
Check modules and their registry.

A module is a type implementing [`Module`]: a `probe` that gathers facts from the OS or a device
(blocking; the runner runs it off the async threads with a deadline) and a pure `judge` that turns
those facts and the profile into findings. Modules never print: they report live progress through
[`ProbeContext::progress`] and everything else through their facts.

Adding a module: write `src/check/<id>.rs`, add its `mod` line and one entry in [`REGISTRY`]
(and, if it has requirements, its section in `profile::ProfileFile`).
*/

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{Figure, Judgement};
use crate::profile::Profile;

pub mod microphone;
pub mod network;
pub mod processes;
pub mod speaker;
pub mod system;
pub mod webcam;

/// Every module, in report order.
pub static REGISTRY: &[&dyn Check] = &[
    &system::System,
    &processes::Processes,
    &network::Network,
    &microphone::Microphone,
    &speaker::Speaker,
    &webcam::Webcam,
];

/// Look up a registered module by id.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    REGISTRY.iter().copied().find(|c| c.id() == id)
}

/// The ids of all registered modules, comma-separated (for messages).
pub fn ids() -> String {
    REGISTRY
        .iter()
        .map(|c| c.id())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Options from the command line that modules read while probing.
#[derive(Debug, Clone, Default)]
pub struct ProbeOptions {
    /// Shorter measurements (`--quick`).
    pub quick: bool,
    /// `--mic NAME`: record this input instead of the default one.
    pub mic: Option<String>,
    /// `--speak`: ask the candidate to say a sentence while recording.
    pub speak: bool,
    /// `--play-tone`: play a short tone on the speaker.
    pub play_tone: bool,

    /// `--camera NAME`: the camera the webcam module examines (default: the first).
    pub camera: Option<String>,
    /// `--snapshot FILE`: save one webcam frame as PNG (only when asked).
    pub snapshot: Option<std::path::PathBuf>,

    /// `--server URL`: the network measurement server, overriding the profile's.
    pub server: Option<String>,
    /// `--soak DURATION`: also stream a paced upload at the video bit rate for this long.
    pub soak: Option<std::time::Duration>,
}

/// What a probe gets: options, the profile (for measurement parameters), its deadline, a
/// cancellation flag, a progress sink and a handle to the async runtime.
#[derive(Clone)]
pub struct ProbeContext {
    pub options: Arc<ProbeOptions>,
    pub profile: Arc<Profile>,
    /// When the runner will give up on this module.
    pub deadline: Instant,
    cancelled: Arc<AtomicBool>,
    progress: Arc<dyn Fn(&str) + Send + Sync>,
    runtime: Option<tokio::runtime::Handle>,
}

impl ProbeContext {
    pub fn new(
        options: Arc<ProbeOptions>,
        profile: Arc<Profile>,
        deadline: Instant,
        progress: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> ProbeContext {
        ProbeContext {
            options,
            profile,
            deadline,
            cancelled: Arc::new(AtomicBool::new(false)),
            progress,
            runtime: tokio::runtime::Handle::try_current().ok(),
        }
    }

    /// A context for tests and replays: default options, far deadline, no progress display.
    pub fn detached(profile: Arc<Profile>) -> ProbeContext {
        ProbeContext::new(
            Arc::new(ProbeOptions::default()),
            profile,
            Instant::now() + std::time::Duration::from_secs(3600),
            Arc::new(|_| {}),
        )
    }

    /// Show a short live status next to the module's spinner (e.g. "upload 9.4 Mbps").
    pub fn progress(&self, message: &str) {
        (self.progress)(message)
    }

    /// True once the runner has given up on this module (deadline passed): stop early.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }

    pub(crate) fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancelled.clone()
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> std::time::Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Run async work (reqwest, tokio sockets) from a probe. Uses the runner's runtime when
    /// there is one, otherwise a private current-thread runtime.
    pub fn block_on<F: std::future::Future>(&self, fut: F) -> F::Output {
        match &self.runtime {
            Some(h) => h.block_on(fut),
            None => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("cannot build a tokio runtime")
                .block_on(fut),
        }
    }
}

/// A module, as written: typed facts, a probe and a pure judge.
pub trait Module: Send + Sync + 'static {
    /// Plain serializable facts: what the probe saw, nothing judged.
    type Facts: Serialize + DeserializeOwned;
    const ID: &'static str;
    const TITLE: &'static str;
    /// What the module verifies, one line (for `examready checks`).
    const ABOUT: &'static str;
    /// Finding codes this module can emit, with a one-line meaning (pinned by tests).
    const CODES: &'static [(&'static str, &'static str)];

    fn probe(&self, ctx: &ProbeContext) -> anyhow::Result<Self::Facts>;
    fn judge(facts: &Self::Facts, profile: &Profile) -> Judgement;
    /// The figures a person compares, from the facts, with the profile's limits. Pure, like
    /// `judge`; the findings that judge a figure name it (`Finding::judging`).
    fn figures(_facts: &Self::Facts, _profile: &Profile) -> Vec<Figure> {
        Vec::new()
    }
}

/// The object-safe form the runner and registry use; implemented for every [`Module`].
/// Facts cross this boundary as JSON values, which is also what replays read back.
pub trait Check: Send + Sync + 'static {
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    fn about(&self) -> &'static str;
    fn codes(&self) -> &'static [(&'static str, &'static str)];
    fn probe(&self, ctx: &ProbeContext) -> anyhow::Result<serde_json::Value>;
    fn judge(&self, facts: &serde_json::Value, profile: &Profile) -> anyhow::Result<Judgement>;
    fn figures(&self, facts: &serde_json::Value, profile: &Profile) -> anyhow::Result<Vec<Figure>>;
}

impl<M: Module> Check for M {
    fn id(&self) -> &'static str {
        M::ID
    }
    fn title(&self) -> &'static str {
        M::TITLE
    }
    fn about(&self) -> &'static str {
        M::ABOUT
    }
    fn codes(&self) -> &'static [(&'static str, &'static str)] {
        M::CODES
    }
    fn probe(&self, ctx: &ProbeContext) -> anyhow::Result<serde_json::Value> {
        let facts = Module::probe(self, ctx)?;
        Ok(serde_json::to_value(facts)?)
    }
    fn judge(&self, facts: &serde_json::Value, profile: &Profile) -> anyhow::Result<Judgement> {
        Ok(M::judge(&read_facts::<M>(facts)?, profile))
    }
    fn figures(&self, facts: &serde_json::Value, profile: &Profile) -> anyhow::Result<Vec<Figure>> {
        Ok(M::figures(&read_facts::<M>(facts)?, profile))
    }
}

fn read_facts<M: Module>(facts: &serde_json::Value) -> anyhow::Result<M::Facts> {
    serde_json::from_value(facts.clone()).map_err(|e| {
        anyhow::anyhow!(
            "the facts recorded for module {:?} cannot be read: {e}",
            M::ID
        )
    })
}

/// Formatting helpers shared by judges.
pub mod fmt {
    /// `1.5`, `6`, `12.3`: a number with at most one decimal, without a trailing `.0`.
    pub fn num(v: f64) -> String {
        if (v - v.round()).abs() < 0.05 {
            format!("{:.0}", v)
        } else {
            format!("{:.1}", v)
        }
    }

    /// Bytes as GB with one decimal (decimal GB, as vendors write them).
    pub fn gb(bytes: u64) -> String {
        num(bytes as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::is_kebab_case;
    use std::collections::HashSet;

    #[test]
    fn registry_ids_and_codes_are_unique_kebab_case() {
        let mut ids = HashSet::new();
        let mut codes = HashSet::new();
        for c in REGISTRY {
            assert!(is_kebab_case(c.id()), "{}", c.id());
            assert!(ids.insert(c.id()), "duplicate module id {}", c.id());
            assert!(!c.title().is_empty() && !c.about().is_empty());
            for (code, meaning) in c.codes() {
                assert!(is_kebab_case(code), "{code}");
                assert!(!meaning.is_empty(), "{code} has no meaning");
                assert!(codes.insert(*code), "code {code} declared twice");
            }
        }
    }

    #[test]
    fn fmt_num() {
        assert_eq!(fmt::num(6.0), "6");
        assert_eq!(fmt::num(1.5), "1.5");
        assert_eq!(fmt::gb(8_000_000_000), "8");
    }
}
