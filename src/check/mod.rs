/*!
Check modules and their registry.

A module is a type implementing [`Module`]: its own requirements type (its section of a
profile), a `probe` that gathers facts from the OS or a device (blocking; the runner runs it off
the async threads with a deadline), a pure `judge` that turns those facts and its requirements
into findings, and pure `figures`. Modules never print: they report live progress through
[`ProbeContext::progress`] and everything else through their facts.

Modules do not know the profile: they receive their own requirements and a small
[`JudgeContext`] (the catalogue, the profile's name) through [`Sections`], which the profile
implements above `check/`. Adding a module: write `src/check/<id>.rs`, add its `mod` line and
one entry in [`REGISTRY`], and its section in `profile::ProfileFile`.
*/

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::catalogue::Catalogue;
use crate::model::{Figure, Judgement};

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
    /// `--camera-frames DIR` (hidden): play the images in DIR as the camera.
    pub camera_frames: Option<std::path::PathBuf>,
    /// `--snapshot FILE`: save one webcam frame as PNG (only when asked).
    pub snapshot: Option<std::path::PathBuf>,

    /// `--server URL`: the network measurement server, overriding the profile's.
    pub server: Option<String>,
    /// `--soak DURATION`: also stream a paced upload at the video bit rate for this long.
    pub soak: Option<std::time::Duration>,
}

/// The requirement profile as the modules see it: each module's own section by module id, the
/// application catalogue and the profile's name. The profile implements it.
pub trait Sections: Send + Sync {
    /// Module `id`'s requirements (its `Module::Requirements`): its section of the profile, or
    /// `()` for a module that has none.
    fn section(&self, id: &str) -> Option<&(dyn Any + Send + Sync)>;
    fn catalogue(&self) -> &Catalogue;
    fn profile_name(&self) -> &str;
    /// Device names that mean headphones or a headset (the profile's `[speaker]` patterns),
    /// which the speaker and microphone rules both match against.
    fn headphone_patterns(&self) -> &[String];
}

/// What a judge gets besides its facts and its own requirements.
#[derive(Clone, Copy)]
pub struct JudgeContext<'a> {
    /// The applications and devices rules name (`processes`, virtual devices).
    pub catalogue: &'a Catalogue,
    /// "Pearson OnVUE", for messages.
    pub profile_name: &'a str,
    /// Device names that mean headphones or a headset ([`Sections::headphone_patterns`]).
    pub headphone_patterns: &'a [String],
}

impl<'a> JudgeContext<'a> {
    pub fn of(sections: &'a dyn Sections) -> JudgeContext<'a> {
        JudgeContext {
            catalogue: sections.catalogue(),
            profile_name: sections.profile_name(),
            headphone_patterns: sections.headphone_patterns(),
        }
    }
}

/// Module `M`'s requirements from `sections`; an error when the profile has none (every
/// registered module has a section, see the profile's tests).
pub fn requirements<M: Module>(sections: &dyn Sections) -> anyhow::Result<&M::Requirements> {
    sections
        .section(M::ID)
        .and_then(|s| s.downcast_ref::<M::Requirements>())
        .ok_or_else(|| anyhow::anyhow!("the profile has no requirements for module {:?}", M::ID))
}

/// What a probe gets: options, the profile's sections (for measurement parameters), its
/// deadline, a cancellation flag, a progress sink and a handle to the async runtime.
#[derive(Clone)]
pub struct ProbeContext {
    pub options: Arc<ProbeOptions>,
    pub sections: Arc<dyn Sections>,
    /// When the runner will give up on this module.
    pub deadline: Instant,
    cancelled: Arc<AtomicBool>,
    progress: Arc<dyn Fn(&str) + Send + Sync>,
    runtime: Option<tokio::runtime::Handle>,
}

impl ProbeContext {
    pub fn new(
        options: Arc<ProbeOptions>,
        sections: Arc<dyn Sections>,
        deadline: Instant,
        progress: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> ProbeContext {
        ProbeContext {
            options,
            sections,
            deadline,
            cancelled: Arc::new(AtomicBool::new(false)),
            progress,
            runtime: tokio::runtime::Handle::try_current().ok(),
        }
    }

    /// A context for tests and replays: default options, far deadline, no progress display.
    pub fn detached(sections: Arc<dyn Sections>) -> ProbeContext {
        ProbeContext::new(
            Arc::new(ProbeOptions::default()),
            sections,
            Instant::now() + std::time::Duration::from_secs(3600),
            Arc::new(|_| {}),
        )
    }

    /// The application catalogue (virtual devices, prohibited applications).
    pub fn catalogue(&self) -> &Catalogue {
        self.sections.catalogue()
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

/// A module, as written: its requirements, typed facts, a probe and a pure judge.
pub trait Module: Send + Sync + 'static {
    /// Plain serializable facts: what the probe saw, nothing judged.
    type Facts: Serialize + DeserializeOwned;
    /// The module's section of a profile (`[network]` ...), owned by the module.
    type Requirements: Send + Sync + 'static;
    const ID: &'static str;
    const TITLE: &'static str;
    /// What the module verifies, one line (for `examready checks`).
    const ABOUT: &'static str;
    /// Finding codes this module can emit, with a one-line meaning (pinned by tests): its own
    /// code table, and those of the OS parts it uses (consent, macOS permissions).
    const CODES: &'static [&'static [(&'static str, &'static str)]];

    fn probe(&self, req: &Self::Requirements, ctx: &ProbeContext) -> anyhow::Result<Self::Facts>;
    fn judge(facts: &Self::Facts, req: &Self::Requirements, ctx: JudgeContext) -> Judgement;
    /// The figures a person compares, from the facts, with the requirements' limits. Pure, like
    /// `judge`; the findings that judge a figure name it (`Finding::judging`).
    fn figures(_facts: &Self::Facts, _req: &Self::Requirements) -> Vec<Figure> {
        Vec::new()
    }
}

/// The object-safe form the runner and registry use; implemented for every [`Module`].
/// Facts cross this boundary as JSON values, which is also what replays read back.
pub trait Check: Send + Sync + 'static {
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    fn about(&self) -> &'static str;
    fn codes(&self) -> Vec<(&'static str, &'static str)>;
    fn probe(&self, ctx: &ProbeContext) -> anyhow::Result<serde_json::Value>;
    fn judge(
        &self,
        facts: &serde_json::Value,
        sections: &dyn Sections,
    ) -> anyhow::Result<Judgement>;
    fn figures(
        &self,
        facts: &serde_json::Value,
        sections: &dyn Sections,
    ) -> anyhow::Result<Vec<Figure>>;
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
    fn codes(&self) -> Vec<(&'static str, &'static str)> {
        M::CODES.iter().flat_map(|t| t.iter().copied()).collect()
    }
    fn probe(&self, ctx: &ProbeContext) -> anyhow::Result<serde_json::Value> {
        let req = requirements::<M>(ctx.sections.as_ref())?;
        let facts = Module::probe(self, req, ctx)?;
        Ok(serde_json::to_value(facts)?)
    }
    fn judge(
        &self,
        facts: &serde_json::Value,
        sections: &dyn Sections,
    ) -> anyhow::Result<Judgement> {
        let req = requirements::<M>(sections)?;
        Ok(M::judge(
            &read_facts::<M>(facts)?,
            req,
            JudgeContext::of(sections),
        ))
    }
    fn figures(
        &self,
        facts: &serde_json::Value,
        sections: &dyn Sections,
    ) -> anyhow::Result<Vec<Figure>> {
        let req = requirements::<M>(sections)?;
        Ok(M::figures(&read_facts::<M>(facts)?, req))
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

/// The one rule every judgement keeps, for every module's tests: each finding's code is one
/// its module declares (codes are typed, but a module may emit a shared enum's code, such as the
/// consent codes, which it must list too), and each warning or failure has a remedy a person
/// can act on.
#[cfg(test)]
pub(crate) fn assert_well_formed(module: &dyn Check, j: &Judgement) {
    use crate::model::Status;
    for f in &j.findings {
        assert!(
            module.codes().iter().any(|(c, _)| *c == f.code),
            "{}: undeclared code {}",
            module.id(),
            f.code
        );
        if matches!(f.status, Status::Warn | Status::Fail) {
            assert!(
                f.remedy.as_deref().is_some_and(|r| r.len() > 20),
                "{}: {} has no remedy",
                module.id(),
                f.code
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::is_kebab_case;
    use std::collections::HashSet;

    /// Every module judges the recorded fixture's facts (real runs) under every built-in
    /// profile into well-formed findings.
    #[test]
    fn every_module_judges_the_recorded_facts_into_declared_codes() {
        let report: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/recorded-report.json"))
                .unwrap();
        for profile in crate::profile::show::builtin_profiles().unwrap() {
            for c in REGISTRY {
                let facts = report["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["id"] == c.id())
                    .map(|x| &x["facts"])
                    .unwrap_or_else(|| panic!("the fixture has no {}", c.id()));
                let j = c.judge(facts, &profile).unwrap();
                assert!(!j.findings.is_empty(), "{}", c.id());
                assert_well_formed(*c, &j);
            }
        }
    }

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
                assert!(codes.insert(code), "code {code} declared twice");
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
