//! The system judge: pure, from recorded facts and the profile's `[system]` section: the
//! operating system, the hardware and its load, virtual machines, displays, and (in `power`)
//! the battery, sleep and a pending restart.

use super::*;

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

const FREE_DISK: &str = "Free disk space (empty the recycle bin/trash, remove large downloads) so the exam software can install and record.";

pub(super) fn judge_hardware(
    f: &SystemFacts,
    req: &SystemRequirements,
    profile: &str,
    out: &mut Vec<Finding>,
) {
    let before = out.len();
    let cores = f.cpu.logical_cores as u32;
    if let Some(min) = req.min_cpu_cores.filter(|&m| cores < m) {
        out.push(
            Finding::fail(
                SystemCode::CpuCoresLow,
                format!("{cores} CPU cores; {profile} requires at least {min}."),
                "Use a computer with a faster processor for the exam.",
            )
            .judging(figures::CORES, cores.into(), Some(min.into()), ""),
        );
    } else if let Some(rec) = req.recommended_cpu_cores.filter(|&r| cores < r) {
        out.push(Finding::warn(
            SystemCode::CpuCoresLow,
            format!("{cores} CPU cores; {profile} recommends {rec} or more."),
            "Close every other program before the exam so the proctoring software has the processor to itself.",
        ).judging(figures::CORES, cores.into(), Some(rec.into()), ""));
    }
    let load = f.cpu.load_percent;
    if let Some(max) = req.max_cpu_load_percent.filter(|m| load > m.get()) {
        out.push(Finding::fail(
            SystemCode::CpuBusy,
            format!("The CPU is {}% busy; {profile} needs it under {}%.", num(load), num(max.get())),
            "Close programs you do not need (Task Manager / Activity Monitor shows what uses the CPU), wait for updates or backups to finish, then check again.",
        ).judging(figures::CPU_LOAD, load, Some(max.get()), "%"));
    } else if let Some(rec) = req
        .recommended_max_cpu_load_percent
        .filter(|r| load > r.get())
    {
        out.push(
            Finding::warn(
                SystemCode::CpuBusy,
                format!(
                    "The CPU is {}% busy; under {}% is recommended.",
                    num(load),
                    num(rec.get())
                ),
                "Close programs you do not need before the exam, then check again.",
            )
            .judging(figures::CPU_LOAD, load, Some(rec.get()), "%"),
        );
    }
    let ram = f.memory.total_bytes as f64 / 1e9;
    // Installed RAM reads a little under its nominal size (firmware reserves some): allow 5 %.
    let below = |want: Gigabytes| ram < want.get() * 0.95;
    let ram_judged = |x: Finding, limit: Gigabytes| {
        let have = figures::gb_value(f.memory.total_bytes);
        x.judging(figures::RAM, have, Some(limit.get()), "GB")
    };
    if let Some(min) = req.min_ram_gb.filter(|&m| below(m)) {
        out.push(ram_judged(
            Finding::fail(
                SystemCode::RamLow,
                format!(
                    "{} GB of memory; {profile} requires {} GB.",
                    gb(f.memory.total_bytes),
                    num(min.get())
                ),
                "Use a computer with more memory for the exam.",
            ),
            min,
        ));
    } else if let Some(rec) = req.recommended_ram_gb.filter(|&r| below(r)) {
        out.push(ram_judged(
            Finding::warn(
                SystemCode::RamLow,
                format!(
                    "{} GB of memory; {profile} recommends {} GB.",
                    gb(f.memory.total_bytes),
                    num(rec.get())
                ),
                "Restart the computer before the exam and open nothing but the exam software.",
            ),
            rec,
        ));
    }
    let used = f.memory.used_percent;
    if let Some(max) = req.max_memory_used_percent.filter(|m| used > m.get()) {
        out.push(
            Finding::fail(
                SystemCode::MemoryBusy,
                format!(
                    "{}% of memory is in use; {profile} needs it under {}%.",
                    num(used),
                    num(max.get())
                ),
                "Close programs and browser tabs, or restart the computer, then check again.",
            )
            .judging(figures::MEMORY_USED, used, Some(max.get()), "%"),
        );
    } else if let Some(rec) = req
        .recommended_max_memory_used_percent
        .filter(|r| used > r.get())
    {
        out.push(
            Finding::warn(
                SystemCode::MemoryBusy,
                format!(
                    "{}% of memory is in use; under {}% is recommended.",
                    num(used),
                    num(rec.get())
                ),
                "Close programs and browser tabs you do not need before the exam.",
            )
            .judging(figures::MEMORY_USED, used, Some(rec.get()), "%"),
        );
    }
    if let Some(min) = req
        .min_available_memory_gb
        .filter(|m| (f.memory.available_bytes as f64 / 1e9) < m.get())
    {
        out.push(Finding::fail(
            SystemCode::MemoryAvailableLow,
            format!(
                "{} GB of memory is available; {profile} needs {} GB available while it runs.",
                gb(f.memory.available_bytes),
                num(min.get())
            ),
            "Close programs and browser tabs, or restart the computer and open only the exam software, then check again; a computer with less installed memory than that cannot meet it.",
        ).judging(
            figures::MEMORY_AVAILABLE,
            figures::gb_value(f.memory.available_bytes),
            Some(min.get()),
            "GB",
        ));
    }
    if let Some(disk) = &f.disk {
        let free = disk.free_bytes as f64 / 1e9;
        let have = format!("{} GB free on {}", gb(disk.free_bytes), disk.mount);
        let judged = if let Some(min) = req.min_free_disk_gb.filter(|m| free < m.get()) {
            let msg = format!("{have}; {profile} needs {} GB.", num(min.get()));
            Some((Finding::fail(SystemCode::DiskLow, msg, FREE_DISK), min))
        } else if let Some(rec) = req.recommended_free_disk_gb.filter(|r| free < r.get()) {
            let msg = format!("{have}; {} GB is recommended.", num(rec.get()));
            Some((Finding::warn(SystemCode::DiskLow, msg, FREE_DISK), rec))
        } else {
            None
        };
        if let Some((x, limit)) = judged {
            let value = figures::gb_value(disk.free_bytes);
            out.push(x.judging(figures::DISK_FREE, value, Some(limit.get()), "GB"));
        }
    }
    if out.len() == before {
        let disk = f
            .disk
            .as_ref()
            .map(|d| format!(", {} GB free", gb(d.free_bytes)))
            .unwrap_or_default();
        out.push(Finding::pass(
            SystemCode::HardwareOk,
            format!(
                "{} cores at {}% load, {} GB memory ({}% used){disk}.",
                f.cpu.logical_cores,
                num(load),
                gb(f.memory.total_bytes),
                num(used)
            ),
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

pub(super) fn judge_displays(
    f: &SystemFacts,
    req: &SystemRequirements,
    profile: &str,
    out: &mut Vec<Finding>,
) {
    let d = &f.displays;
    let Some(monitors) = &d.monitors else {
        out.push(Finding::skip(
            SystemCode::DisplayNotChecked,
            format!(
                "Displays not checked: {}.",
                d.unavailable_reason
                    .as_deref()
                    .unwrap_or("no display information")
            ),
        ));
        return;
    };
    let before = out.len();
    let n = monitors.len() as u32;
    if let Some(max) = req.max_displays.filter(|&m| n > m) {
        out.push(Finding::fail(
            SystemCode::DisplayCount,
            format!("{n} monitors are connected; {profile} allows {max}."),
            "Disconnect every extra monitor (unplug the cable, not just turn it off). With an external monitor, close the laptop lid and use an external keyboard, mouse and webcam.",
        ).judging(figures::DISPLAYS, n.into(), Some(max.into()), ""));
    }
    for m in monitors {
        let res = format!("{}x{}", m.width, m.height);
        if let Some(min) = req
            .min_resolution
            .filter(|r| m.width < r.width || m.height < r.height)
        {
            out.push(Finding::fail(
                SystemCode::DisplayResolutionLow,
                format!("Monitor {} runs at {res}; {profile} needs at least {min}.", m.name),
                format!("Raise the resolution to {min} or more in the display settings, with scaling at 100%."),
            ));
        } else if let Some(rec) = req
            .recommended_resolution
            .filter(|r| m.width < r.width || m.height < r.height)
        {
            out.push(Finding::warn(
                SystemCode::DisplayResolutionLow,
                format!("Monitor {} runs at {res}; {rec} is recommended.", m.name),
                format!("Use {rec} if the monitor supports it: exam items are easier to read."),
            ));
        }
    }
    const DISABLE_TOUCH: &str = "Disable the touchscreen for the exam (Windows: Device Manager > Human Interface Devices > HID-compliant touch screen > Disable), or use a computer without one.";
    if d.touchscreen == Some(true) {
        if req.allow_touchscreen == Some(false) {
            out.push(Finding::fail(
                SystemCode::DisplayTouch,
                format!("A touchscreen is present; {profile} does not allow touchscreens."),
                DISABLE_TOUCH,
            ));
        } else if req.warn_touchscreen == Some(true) {
            out.push(Finding::warn(
                SystemCode::DisplayTouch,
                format!(
                    "A touchscreen is present; {profile} forbids using one during the exam, and the proctor may ask about it."
                ),
                format!("Do not touch the screen during the exam (keyboard and mouse only). To be safe: {DISABLE_TOUCH}"),
            ));
        }
    }
    if out.len() == before {
        let list = monitors
            .iter()
            .map(|m| format!("{}x{}", m.width, m.height))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Finding::pass(
            SystemCode::DisplayOk,
            format!("{n} monitor{} ({list}).", if n == 1 { "" } else { "s" }),
        ));
    }
}
