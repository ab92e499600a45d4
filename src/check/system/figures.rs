//! The system figures: cores, CPU load, memory, memory in use, free disk, displays and the
//! battery, with the profile's limits.

use super::{SystemFacts, SystemRequirements};
use crate::model::{Better, Figure};

pub const CORES: &str = "system.cpu_cores";
pub const CPU_LOAD: &str = "system.cpu_load_percent";
pub const RAM: &str = "system.ram_gb";
pub const MEMORY_USED: &str = "system.memory_used_percent";
pub const MEMORY_AVAILABLE: &str = "system.memory_available_gb";
pub const DISK_FREE: &str = "system.disk_free_gb";
pub const DISPLAYS: &str = "system.displays";
pub const BATTERY: &str = "system.battery_percent";

/// Bytes as decimal GB (as vendors write them), to one decimal.
pub fn gb_value(bytes: u64) -> f64 {
    (bytes as f64 / 1e8).round() / 10.0
}

pub fn figures(f: &SystemFacts, req: &SystemRequirements) -> Vec<Figure> {
    let mut out = always(f, req);
    // Only a profile that sets a floor on memory available right now (Respondus) shows it.
    if let Some(min) = req.min_available_memory_gb {
        out.push(
            Figure::new(
                MEMORY_AVAILABLE,
                "Memory available",
                Some(gb_value(f.memory.available_bytes)),
                "GB",
                Better::Higher,
            )
            .minimum(Some(min.get())),
        );
    }
    if let Some(d) = &f.disk {
        out.push(
            Figure::new(
                DISK_FREE,
                "Free disk space",
                Some(gb_value(d.free_bytes)),
                "GB",
                Better::Higher,
            )
            .minimum(req.min_free_disk_gb.map(|g| g.get()))
            .recommended(req.recommended_free_disk_gb.map(|g| g.get())),
        );
    }
    if let Some(m) = &f.displays.monitors {
        out.push(
            Figure::new(
                DISPLAYS,
                "Displays",
                Some(m.len() as f64),
                "",
                Better::Lower,
            )
            .maximum(req.max_displays.map(f64::from)),
        );
    }
    if let Some(level) = f.power.battery_percent {
        out.push(
            Figure::new(BATTERY, "Battery", Some(level), "%", Better::Higher)
                .minimum(req.min_battery_percent.map(|p| p.0)),
        );
    }
    out
}

/// The figures every report shows: cores, CPU load, memory and memory in use.
fn always(f: &SystemFacts, req: &SystemRequirements) -> Vec<Figure> {
    vec![
        Figure::new(
            CORES,
            "CPU cores",
            Some(f.cpu.logical_cores as f64),
            "",
            Better::Higher,
        )
        .minimum(req.min_cpu_cores.map(f64::from))
        .recommended(req.recommended_cpu_cores.map(f64::from)),
        Figure::new(
            CPU_LOAD,
            "CPU load",
            Some(f.cpu.load_percent),
            "%",
            Better::Lower,
        )
        .maximum(req.max_cpu_load_percent.map(|p| p.get()))
        .recommended(req.recommended_max_cpu_load_percent.map(|p| p.get())),
        Figure::new(
            RAM,
            "Memory",
            Some(gb_value(f.memory.total_bytes)),
            "GB",
            Better::Higher,
        )
        .minimum(req.min_ram_gb.map(|g| g.get()))
        .recommended(req.recommended_ram_gb.map(|g| g.get())),
        Figure::new(
            MEMORY_USED,
            "Memory in use",
            Some(f.memory.used_percent),
            "%",
            Better::Lower,
        )
        .maximum(req.max_memory_used_percent.map(|p| p.get()))
        .recommended(req.recommended_max_memory_used_percent.map(|p| p.get())),
    ]
}
