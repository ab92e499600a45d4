//! The hardware and its load: CPU cores and load, installed and used memory, memory available
//! right now and free disk space; one pass when none of them warns or fails.

use super::*;

const FREE_DISK: &str = "Free disk space (empty the recycle bin/trash, remove large downloads) so the exam software can install and record.";

pub(super) fn judge_hardware(
    f: &SystemFacts,
    req: &SystemRequirements,
    profile: &str,
    out: &mut Vec<Finding>,
) {
    let before = out.len();
    cpu_cores(f, req, profile, out);
    cpu_load(f, req, profile, out);
    ram(f, req, profile, out);
    memory_used(f, req, profile, out);
    memory_available(f, req, profile, out);
    disk(f, req, profile, out);
    if out.len() == before {
        out.push(hardware_ok(f));
    }
}

fn cpu_cores(f: &SystemFacts, req: &SystemRequirements, profile: &str, out: &mut Vec<Finding>) {
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
}

fn cpu_load(f: &SystemFacts, req: &SystemRequirements, profile: &str, out: &mut Vec<Finding>) {
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
}

fn ram(f: &SystemFacts, req: &SystemRequirements, profile: &str, out: &mut Vec<Finding>) {
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
}

fn memory_used(f: &SystemFacts, req: &SystemRequirements, profile: &str, out: &mut Vec<Finding>) {
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
}

fn memory_available(
    f: &SystemFacts,
    req: &SystemRequirements,
    profile: &str,
    out: &mut Vec<Finding>,
) {
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
}

fn disk(f: &SystemFacts, req: &SystemRequirements, profile: &str, out: &mut Vec<Finding>) {
    let Some(disk) = &f.disk else { return };
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

/// Nothing above warned or failed: one pass naming the figures.
fn hardware_ok(f: &SystemFacts) -> Finding {
    let disk = f
        .disk
        .as_ref()
        .map(|d| format!(", {} GB free", gb(d.free_bytes)))
        .unwrap_or_default();
    Finding::pass(
        SystemCode::HardwareOk,
        format!(
            "{} cores at {}% load, {} GB memory ({}% used){disk}.",
            f.cpu.logical_cores,
            num(f.cpu.load_percent),
            gb(f.memory.total_bytes),
            num(f.memory.used_percent)
        ),
    )
}
