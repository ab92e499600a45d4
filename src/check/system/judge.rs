//! The system judge: pure, from recorded facts and the profile's `[system]` section: the
//! operating system, the hardware and its load, virtual machines, displays, and (in `power`)
//! the battery, sleep and a pending restart.

use super::*;

mod displays;
mod hardware;
use displays::judge_displays;
use hardware::judge_hardware;

pub(super) fn supported_list(rules: &BTreeMap<OsFamily, OsRule>) -> String {
    rules
        .iter()
        .map(|(fam, r)| match &r.min_version {
            Some(v) => format!("{} {}+", fam.display(), v),
            None => fam.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

pub fn judge(f: &SystemFacts, req: &SystemRequirements, profile_name: &str) -> Judgement {
    let mut out = Vec::new();
    judge_os(f, req, profile_name, &mut out);
    judge_hardware(f, req, profile_name, &mut out);
    judge_virtualization(f, req, profile_name, &mut out);
    judge_displays(f, req, profile_name, &mut out);
    power::judge_restart(f.pending_restart.as_deref(), req, &mut out);
    power::judge_power(&f.power, req, &mut out);
    if let Some(s) = &f.screen_recording {
        out.push(crate::os::macos_permissions::judge_screen_recording(s));
    }

    let vm = match &f.virtualization.kind {
        Some(_) => format!(", {}", f.virtualization.describe()),
        None => String::new(),
    };
    let summary = format!(
        "{} {}, {} cores, {} GB RAM{}",
        f.os.name,
        f.os.arch,
        f.cpu.logical_cores,
        gb(f.memory.total_bytes),
        vm
    );
    Judgement {
        summary,
        findings: out,
    }
}

pub(super) fn judge_os(
    f: &SystemFacts,
    req: &SystemRequirements,
    profile: &str,
    out: &mut Vec<Finding>,
) {
    let Some(rules) = &req.os else { return };
    let supported = supported_list(rules);
    let rule =
        f.os.family
            .and_then(|fam| rules.get(&fam).map(|r| (fam, r)));
    let Some((fam, rule)) = rule else {
        out.push(Finding::fail(
            SystemCode::OsUnsupported,
            format!("{} is not supported by {profile}.", f.os.name),
            format!(
                "Take the exam on a computer running {supported}. {profile} will not run on {}; \
                 a virtual machine or dual-boot from it is not allowed either, so use another computer.",
                f.os.family.map_or("this system", |f| f.display())
            ),
        ));
        return;
    };
    let mut ok = true;
    if let Some(min) = &rule.min_version {
        match &f.os.version {
            Some(v) if !version_at_least(v, min) => {
                ok = false;
                out.push(Finding::fail(
                    SystemCode::OsVersionOld,
                    format!("{} {v} is older than the {} {min} that {profile} requires.", fam.display(), fam.display()),
                    format!("Update {} to version {min} or later (Settings > Update), or use another computer running {supported}.", fam.display()),
                ));
            }
            None => out.push(Finding::warn(
                SystemCode::OsVersionOld,
                format!("The {} version could not be read, so it was not compared with the minimum {min}.", fam.display()),
                format!("Check that this computer runs {} {min} or later.", fam.display()),
            )),
            _ => {}
        }
    }
    if let Some(archs) = &rule.architectures
        && !archs.iter().any(|a| normalize_arch(a) == f.os.arch)
    {
        ok = false;
        out.push(Finding::fail(
                SystemCode::OsArchUnsupported,
                format!("This is a {} system; {profile} requires {}.", f.os.arch, archs.join(" or ")),
                "Use a 64-bit installation of the operating system (32-bit Windows cannot run the exam software).",
            ));
    }
    if rule.allow_s_mode == Some(false) && f.os.s_mode == Some(true) {
        ok = false;
        out.push(Finding::fail(
            SystemCode::OsSMode,
            format!("Windows is in S mode, which {profile} does not support."),
            "Switch out of S mode: Settings > System > Activation > Switch to Windows Home/Pro > Go to the Store (free, one-way).",
        ));
    }
    if ok {
        out.push(Finding::pass(
            SystemCode::OsSupported,
            format!(
                "{} {} is supported (needs {supported}).",
                f.os.name,
                // "Windows 11 Pro", not "Windows 11 Pro 11".
                f.os.version
                    .as_deref()
                    .filter(|v| !f.os.name.split_whitespace().any(|w| w == *v))
                    .unwrap_or("")
            )
            .replace("  ", " "),
        ));
    }
}

pub(super) fn judge_virtualization(
    f: &SystemFacts,
    req: &SystemRequirements,
    profile: &str,
    out: &mut Vec<Finding>,
) {
    match (&f.virtualization.kind, req.allow_virtual_machine) {
        (Some(kind), Some(false)) => {
            let remedy = match kind {
                VirtKind::Container => {
                    "Run the exam on the computer itself, not inside a container: install and start the exam software on the host operating system."
                }
                VirtKind::VirtualMachine => {
                    "Take the exam on a physical computer: shut down the virtual machine and run the exam software on the host operating system itself."
                }
            };
            out.push(Finding::fail(
                SystemCode::VmDetected,
                format!(
                    "This system runs {}; {profile} does not allow virtual machines.",
                    f.virtualization.describe()
                ),
                remedy,
            ));
        }
        (Some(_), _) => out.push(Finding::new(
            SystemCode::VmDetected,
            Status::Pass,
            format!(
                "This system runs {} (allowed by this profile).",
                f.virtualization.describe()
            ),
        )),
        (None, _) => out.push(Finding::pass(
            SystemCode::VmNone,
            "No virtual machine or container detected.",
        )),
    }
}
