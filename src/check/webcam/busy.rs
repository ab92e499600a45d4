/*!
Who holds the camera. On Linux, the processes with the device file open, found by reading the
`/proc/<pid>/fd` links (processes of other users are only visible to root). Elsewhere, the
running applications from the catalogue that use a camera (meetings, virtual cameras, screen
capture and streaming).
*/

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, OsFamily};
use crate::os::procs::ProcessFacts;

/// A process holding (or likely holding) the camera.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    /// The process name (Linux `comm`, or the executable name).
    pub name: String,
    /// The catalogue application it belongs to, when known.
    #[serde(default)]
    pub app: Option<String>,
}

/// How the holders were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BusyMethod {
    /// Processes with the device file open (`/proc/*/fd`): certain.
    OpenFile,
    /// Running catalogue applications that use a camera: likely, not certain.
    RunningApps,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusyFacts {
    /// The device file searched for, when there is one.
    #[serde(default)]
    pub device: Option<String>,
    pub method: BusyMethod,
    pub holders: Vec<Holder>,
}

/// Processes (other than this one) that have `path` open, from `/proc/<pid>/fd`.
pub fn holders_of_path(path: &Path) -> Vec<Holder> {
    let me = std::process::id();
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut found = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in procs.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l == target || l == path));
        if holds {
            let name = std::fs::read_to_string(entry.path().join("comm"))
                .map(|s| s.trim_end().to_string())
                .unwrap_or_else(|_| "?".into());
            found.push(Holder {
                pid,
                name,
                app: None,
            });
        }
    }
    found.sort();
    found
}

/// Categories whose applications use the camera.
pub const CAMERA_CATEGORIES: &[&str] = &["video-meeting", "virtual-camera", "screen-capture"];

/// Running catalogue applications that use a camera (for systems without `/proc`).
pub fn camera_apps_running(procs: &ProcessFacts, catalogue: &Catalogue) -> Vec<Holder> {
    let mut found = Vec::new();
    for p in &procs.processes {
        let Some(app) = catalogue.match_process(procs.os, &p.name, p.exe.as_deref()) else {
            continue;
        };
        if !CAMERA_CATEGORIES.contains(&app.category.as_str()) && app.devices.is_empty() {
            continue;
        }
        for &pid in &p.pids {
            found.push(Holder {
                pid,
                name: p.exe.clone().unwrap_or_else(|| p.name.clone()),
                app: Some(app.name.clone()),
            });
        }
    }
    found.sort();
    found
}

/// Find who holds the camera: the device file's holders on Linux, else running camera apps.
pub fn find(device: Option<&str>, catalogue: &Catalogue) -> BusyFacts {
    if OsFamily::current() == OsFamily::Linux
        && let Some(dev) = device
    {
        let mut holders = holders_of_path(Path::new(dev));
        for h in &mut holders {
            h.app = catalogue
                .match_process(OsFamily::Linux, &h.name, None)
                .map(|a| a.name.clone());
        }
        return BusyFacts {
            device: Some(dev.to_string()),
            method: BusyMethod::OpenFile,
            holders,
        };
    }
    let holders = crate::os::procs::scan()
        .map(|p| camera_apps_running(&p, catalogue))
        .unwrap_or_default();
    BusyFacts {
        device: device.map(str::to_string),
        method: BusyMethod::RunningApps,
        holders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::procs::RunningProcess;

    #[test]
    fn running_camera_apps_are_named() {
        let procs = ProcessFacts {
            os: OsFamily::Windows,
            scanned: 3,
            processes: vec![
                RunningProcess {
                    name: "Zoom.exe".into(),
                    exe: Some("Zoom.exe".into()),
                    pids: vec![42],
                    other_session: None,
                },
                RunningProcess {
                    name: "explorer.exe".into(),
                    exe: Some("explorer.exe".into()),
                    pids: vec![7],
                    other_session: None,
                },
            ],
        };
        let h = camera_apps_running(&procs, &Catalogue::builtin().unwrap());
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].pid, 42);
        assert_eq!(h[0].app.as_deref(), Some("Zoom"));
    }
}
