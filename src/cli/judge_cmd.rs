//! `examready judge`: a saved report's facts judged again.

use super::*;

pub(super) fn run_judge(args: &JudgeArgs) -> anyhow::Result<u8> {
    let signals = crate::interrupt::install(NOTHING_WRITTEN);
    let output = output_target(args.output.as_ref(), args.format)?;
    let recorded = read_recorded(&args.file)?;
    let recorded_profile = recorded.pointer("/profile/id").and_then(|v| v.as_str());
    let profile_name = match &args.profile {
        Some(p) => p.clone(),
        None => match recorded_profile {
            Some(id) if profile::builtin(id).is_some() => id.to_string(),
            Some(id) => {
                warn(&format!(
                    "the report was made under the profile {id:?}, which is not built in: \
                     judging under {} (pass --profile FILE to use that profile's file)",
                    profile::DEFAULT_PROFILE
                ));
                profile::DEFAULT_PROFILE.to_string()
            }
            None => profile::DEFAULT_PROFILE.to_string(),
        },
    };
    let profile = profile::load(&profile_name)?;
    crate::runner::quiet_panics();
    let report = crate::replay::rejudge(&recorded, &profile)
        .with_context(|| format!("cannot judge {}", args.file.display()))?;
    signals.set_message(WHILE_DELIVERING);
    deliver_or_pipe(
        &report,
        deliver(
            &report,
            &Delivery {
                output: output.as_ref(),
                json: args.json,
                format: args.format,
                verbose: args.verbose,
            },
        ),
    )
}

/// The report `judge` reads: a JSON file, or a saved run named by its report id.
pub(super) fn read_recorded(file: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let spec = file.to_string_lossy();
    let is_id = spec.len() >= 4 && spec.bytes().all(|b| b.is_ascii_hexdigit());
    if is_id && !file.exists() {
        let (_, loaded) = require_history()?;
        let (_, report) = crate::history::resolve(&spec, &loaded)?;
        return Ok(serde_json::to_value(report)?);
    }
    let text = crate::textfile::read(file, crate::textfile::MAX_REPORT_BYTES)
        .with_context(|| format!("cannot read {}", file.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not JSON (an examready report is written by `examready check --output r.json`)",
            file.display()
        )
    })
}
