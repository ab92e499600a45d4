/*!
A restart the computer is waiting for: Windows installs updates at the next restart, and a forced
restart during the exam ends it. Pearson asks candidates to restart before check-in.

Windows records a pending restart in three places (the ones Windows Update, the servicing stack
and installers use): the key `...\WindowsUpdate\Auto Update\RebootRequired`, the key
`...\Component Based Servicing\RebootPending`, and the value `PendingFileRenameOperations` (files
an installer replaces at the next start). Debian and Ubuntu write `/run/reboot-required` after an
update that needs one.
*/

use serde::{Deserialize, Serialize};

use super::winreg::{Hive, Registry};

/// Why a restart is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RebootReason {
    /// Windows Update installed updates that finish at the next restart.
    WindowsUpdate,
    /// The component servicing stack (features, cumulative updates) waits for a restart.
    ComponentServicing,
    /// An installer replaces files at the next start.
    FileRename,
    /// The Linux package manager asks for one (`/run/reboot-required`).
    Packages,
}

impl RebootReason {
    pub fn describe(self) -> &'static str {
        match self {
            RebootReason::WindowsUpdate => "Windows Update has installed updates",
            RebootReason::ComponentServicing => "Windows servicing is waiting to finish",
            RebootReason::FileRename => "an installer replaces files at the next start",
            RebootReason::Packages => "updated system packages need it",
        }
    }
}

const WU_REBOOT: &str =
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired";
const CBS_REBOOT: &str =
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending";
const SESSION_MANAGER: &str = r"SYSTEM\CurrentControlSet\Control\Session Manager";

/// The reasons recorded in a Windows registry.
pub fn windows_reasons(reg: &dyn Registry) -> Vec<RebootReason> {
    let mut out = Vec::new();
    if reg.exists(Hive::LocalMachine, WU_REBOOT) {
        out.push(RebootReason::WindowsUpdate);
    }
    if reg.exists(Hive::LocalMachine, CBS_REBOOT) {
        out.push(RebootReason::ComponentServicing);
    }
    if reg
        .value(
            Hive::LocalMachine,
            SESSION_MANAGER,
            "PendingFileRenameOperations",
        )
        .is_some_and(|v| v.is_set())
    {
        out.push(RebootReason::FileRename);
    }
    out
}

/// The pending-restart reasons of this computer; `None` where they cannot be read (macOS).
pub fn probe() -> Option<Vec<RebootReason>> {
    #[cfg(windows)]
    {
        Some(windows_reasons(&super::winreg::Native))
    }
    #[cfg(target_os = "linux")]
    {
        Some(linux_reasons(std::path::Path::new("/run")))
    }
    #[cfg(not(any(windows, target_os = "linux")))]
    {
        None
    }
}

/// `<run>/reboot-required` (Debian/Ubuntu's update-notifier) exists.
#[cfg(any(target_os = "linux", test))]
pub fn linux_reasons(run: &std::path::Path) -> Vec<RebootReason> {
    if run.join("reboot-required").exists() {
        vec![RebootReason::Packages]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::winreg::Recorded;

    #[test]
    fn reads_each_windows_marker() {
        let text = r#"Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired]
"6f2a1e3b-0000-4000-8000-000000000000"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager]
"PendingFileRenameOperations"=hex(7):5c,00,3f,00,3f,00,5c,00,43,00,3a,00,5c,00,61,00,00,00,00,00,00,00
"#;
        let reg = Recorded::parse(text).unwrap();
        assert_eq!(
            windows_reasons(&reg),
            [RebootReason::WindowsUpdate, RebootReason::FileRename]
        );
        // An empty rename list is no reason.
        let empty = r#"REGEDIT4
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager]
"PendingFileRenameOperations"=hex(7):00,00
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending]
"#;
        assert_eq!(
            windows_reasons(&Recorded::parse(empty).unwrap()),
            [RebootReason::ComponentServicing]
        );
        assert!(windows_reasons(&Recorded::default()).is_empty());
    }

    #[test]
    fn linux_marker_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(linux_reasons(dir.path()).is_empty());
        std::fs::write(
            dir.path().join("reboot-required"),
            "*** System restart required ***\n",
        )
        .unwrap();
        assert_eq!(linux_reasons(dir.path()), [RebootReason::Packages]);
    }
}
