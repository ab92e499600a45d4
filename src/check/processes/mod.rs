/*!
The `processes` module: running applications that a proctor prohibits or discourages.

The probe lists running processes through sysinfo: each distinct kernel name and executable file
name with its pids. Command lines and environments are read by nobody here and recorded nowhere
(they hold secrets); only the file name of `argv[0]` is used, as a fallback name when the
executable's path cannot be read. The judge matches the names against the application catalogue
(`checks/apps.toml`) and the profile's `[processes]` rules, so a saved report can be judged again
under another profile.
*/

use super::{JudgeContext, Module, ProbeContext};
use crate::model::Judgement;

pub use crate::os::procs::{ProcessFacts, RunningProcess, scan};

mod judge;
mod requirements;
#[cfg(test)]
mod tests;

pub use judge::judge_with;
pub use requirements::ProcessRequirements;

pub struct Processes;

crate::finding_codes! {
    /// The processes module's finding codes.
    pub enum ProcessCode {
        AppProhibited = "app-prohibited": "a prohibited application is running",
        AppDiscouraged = "app-discouraged": "an application the profile advises closing is running",
        AppsNone = "apps-none": "no prohibited or discouraged application is running",
    }
}

impl Module for Processes {
    type Facts = ProcessFacts;
    type Requirements = ProcessRequirements;
    const ID: &'static str = "processes";
    const TITLE: &'static str = "Running applications";
    const ABOUT: &'static str =
        "remote-access, meeting, screen-capture, AI and other applications the proctor prohibits";
    const CODES: &'static [&'static [(&'static str, &'static str)]] = &[ProcessCode::TABLE];

    fn probe(
        &self,
        _req: &ProcessRequirements,
        ctx: &ProbeContext,
    ) -> anyhow::Result<ProcessFacts> {
        ctx.progress("listing processes");
        scan()
    }

    fn judge(facts: &ProcessFacts, req: &ProcessRequirements, ctx: JudgeContext) -> Judgement {
        judge_with(facts, req, ctx.catalogue, ctx.profile_name)
    }
}
