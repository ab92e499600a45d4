//! The running processes, grouped by name and executable, with the other users' sessions
//! marked: what the `processes` check judges and what the webcam's busy-camera detection
//! searches. A lower module: checks share it instead of calling each other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, UpdateKind};

use crate::catalogue::OsFamily;

/// A distinct running program.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RunningProcess {
    /// The name the kernel gives (cut to 15 characters on Linux).
    pub name: String,
    /// The executable's file name (no directory), when it could be read.
    #[serialize_always]
    pub exe: Option<String>,
    pub pids: Vec<u32>,
    /// Set when these processes run in another user's session (another signed-in account, not
    /// a system service): who (`user bob`, `uid 1001`, `session 2`). The proctoring app sees
    /// every session, so an app left running in another account still blocks the exam.
    #[serde(default)]
    pub other_session: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessFacts {
    pub os: OsFamily,
    /// How many processes were scanned.
    pub scanned: usize,
    pub processes: Vec<RunningProcess>,
}

/// Scan running processes (the probe's work; public for the benchmark).
pub fn scan() -> anyhow::Result<ProcessFacts> {
    let mut sys = sysinfo::System::new()?;
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .with_exe(UpdateKind::OnlyIfNotSet)
            .with_cmd(UpdateKind::OnlyIfNotSet)
            .with_user(UpdateKind::OnlyIfNotSet),
    );
    let me = std::process::id();
    let sessions = Sessions::new();
    let mut grouped: BTreeMap<(String, Option<String>, Option<String>), Vec<u32>> = BTreeMap::new();
    let mut scanned = 0;
    for (pid, p) in sys.processes() {
        let pid = pid.as_u32();
        if pid == me {
            continue;
        }
        let exe = p
            .exe()
            .and_then(|e| e.file_name())
            .map(|f| f.to_string_lossy().into_owned())
            .or_else(|| {
                // Only the file name of argv[0]; the arguments are never kept.
                p.cmd().first().and_then(|a| {
                    std::path::Path::new(a)
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                })
            });
        let name = p.name().to_string_lossy().into_owned();
        if exe.is_none() && cfg!(target_os = "linux") && p.cmd().is_empty() {
            // A kernel thread: no executable, no command line.
            continue;
        }
        scanned += 1;
        let other = sessions.other(pid, p);
        grouped.entry((name, exe, other)).or_default().push(pid);
    }
    let processes = grouped
        .into_iter()
        .map(|((name, exe, other_session), mut pids)| {
            pids.sort_unstable();
            RunningProcess {
                name,
                exe,
                pids,
                other_session,
            }
        })
        .collect();
    Ok(ProcessFacts {
        os: OsFamily::current(),
        scanned,
        processes,
    })
}

/// Tells which processes run in another user's session.
struct Sessions {
    #[cfg(unix)]
    uid: u32,
    /// For user names; `None` when the account list cannot be read (uids are shown then).
    #[cfg(unix)]
    users: Option<sysinfo::Users>,
    #[cfg(windows)]
    session: Option<u32>,
}

impl Sessions {
    fn new() -> Sessions {
        Sessions {
            // SAFETY: getuid cannot fail.
            #[cfg(unix)]
            uid: unsafe { libc::getuid() },
            #[cfg(unix)]
            users: sysinfo::Users::new_with_refreshed_list().ok(),
            #[cfg(windows)]
            session: windows_session(std::process::id()),
        }
    }

    /// Who runs `p`, when it is another signed-in user: on Unix a process of another regular
    /// account (uid from 1000 on Linux, 500 on macOS; system accounts run services, not
    /// sessions); on Windows a process in another session than this one (session 0 holds the
    /// services).
    #[cfg_attr(not(any(unix, windows)), allow(unused_variables))]
    fn other(&self, pid: u32, p: &sysinfo::Process) -> Option<String> {
        #[cfg(unix)]
        {
            let _ = pid;
            let uid = p.user_id()?;
            let first_regular = if cfg!(target_os = "macos") { 500 } else { 1000 };
            if **uid == self.uid || **uid < first_regular || **uid == 65534 {
                return None;
            }
            Some(
                match self.users.as_ref().and_then(|u| u.get_user_by_id(uid)) {
                    Some(u) => format!("user {}", u.name()),
                    None => format!("uid {}", **uid),
                },
            )
        }
        #[cfg(windows)]
        {
            let _ = p;
            let s = windows_session(pid)?;
            (Some(s) != self.session && s != 0).then(|| format!("session {s}"))
        }
        #[cfg(not(any(unix, windows)))]
        None
    }
}

/// The Remote Desktop Services session a process runs in.
#[cfg(windows)]
fn windows_session(pid: u32) -> Option<u32> {
    let mut session = 0u32;
    // SAFETY: a valid out-parameter.
    let ok = unsafe {
        windows_sys::Win32::System::RemoteDesktop::ProcessIdToSessionId(pid, &mut session)
    };
    (ok != 0).then_some(session)
}
