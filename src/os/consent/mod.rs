/*!
Who uses the camera and the microphone on Windows, and whether Windows lets apps use them at all.

Windows 10 and 11 record every app's use of a capability under
`HKCU\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\<capability>`:
one subkey per Store app (`Microsoft.WindowsCamera_8wekyb3d8bbwe`) and, under `NonPackaged`, one
per desktop program, named after its path with `#` for `\`. Each has `LastUsedTimeStart` and
`LastUsedTimeStop` (FILETIME); a Stop of 0 after a Start means the app is using the device now.

The privacy switches are the `Value` (`Allow`/`Deny`) of the capability key: in HKLM "Camera
access" for the whole device, in HKCU "Let apps access your camera", and of its `NonPackaged`
subkey "Let desktop apps access your camera". A Group Policy
(`HKLM\SOFTWARE\Policies\Microsoft\Windows\AppPrivacy`, `LetAppsAccessCamera` /
`LetAppsAccessMicrophone`) of 2 forces "deny" for every app, whatever the switches say.

The probe reads these facts (from the live registry, or a recorded export in tests); the judge
functions below turn them into findings for the webcam and microphone modules.
*/

use serde::{Deserialize, Serialize};

use super::winreg::{Hive, Registry, filetime};
use crate::catalogue::{Catalogue, OsFamily};
use crate::model::Finding;

const CONSENT_STORE: &str =
    r"Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore";
const POLICY_KEY: &str = r"SOFTWARE\Policies\Microsoft\Windows\AppPrivacy";

/// The device a consent record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    Webcam,
    Microphone,
}

impl Capability {
    /// The ConsentStore subkey.
    fn key(self) -> &'static str {
        match self {
            Capability::Webcam => "webcam",
            Capability::Microphone => "microphone",
        }
    }
    fn policy_value(self) -> &'static str {
        match self {
            Capability::Webcam => "LetAppsAccessCamera",
            Capability::Microphone => "LetAppsAccessMicrophone",
        }
    }
    /// The word in messages: "camera", "microphone".
    fn noun(self) -> &'static str {
        match self {
            Capability::Webcam => "camera",
            Capability::Microphone => "microphone",
        }
    }
    /// The Settings page, Windows 11 then Windows 10.
    fn settings(self) -> &'static str {
        match self {
            Capability::Webcam => {
                "Settings > Privacy & security > Camera (Windows 10: Settings > Privacy > Camera)"
            }
            Capability::Microphone => {
                "Settings > Privacy & security > Microphone (Windows 10: Settings > Privacy > Microphone)"
            }
        }
    }
}

/// One app's recorded use of the device.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppUse {
    /// What to call it: the catalogue's name ("Zoom"), else the program's file name or the
    /// Store app's name.
    pub app: String,
    /// The registry key's name: a Store package, or a desktop program's path.
    pub key: String,
    /// A desktop program (under `NonPackaged`) rather than a Store app.
    pub desktop: bool,
    /// When it last started using the device.
    #[serde(default)]
    pub started: Option<jiff::Timestamp>,
    /// When it last stopped (`None` while it is using it).
    #[serde(default)]
    pub stopped: Option<jiff::Timestamp>,
}

impl AppUse {
    pub fn in_use(&self) -> bool {
        self.started.is_some() && self.stopped.is_none()
    }
}

/// A privacy switch: `Value` = `Allow` / `Deny` (absent when never set: Windows allows then).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Switch {
    Allow,
    Deny,
}

/// What Windows records about one device's use and access.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsentFacts {
    /// Apps using the device now (LastUsedTimeStop = 0).
    pub in_use: Vec<AppUse>,
    /// The app that used it most recently and has stopped.
    #[serde(default)]
    pub last_used: Option<AppUse>,
    /// HKLM "Camera access" for this device.
    #[serde(default)]
    pub device_access: Option<Switch>,
    /// HKCU "Let apps access your camera".
    #[serde(default)]
    pub apps_access: Option<Switch>,
    /// HKCU `NonPackaged`: "Let desktop apps access your camera" (the proctoring apps are
    /// desktop apps).
    #[serde(default)]
    pub desktop_apps_access: Option<Switch>,
    /// Group Policy `LetAppsAccess*`: 0 user in control, 1 force allow, 2 force deny.
    #[serde(default)]
    pub policy: Option<u32>,
}

fn switch(reg: &dyn Registry, hive: Hive, path: &str) -> Option<Switch> {
    let v = reg.value(hive, path, "Value")?;
    match v.as_str()?.to_ascii_lowercase().as_str() {
        "allow" => Some(Switch::Allow),
        "deny" => Some(Switch::Deny),
        _ => None,
    }
}

/// The file name of a `NonPackaged` key (`C:#Program Files#Zoom#bin#Zoom.exe` -> `Zoom.exe`).
fn program_file(key: &str) -> &str {
    key.rsplit(['#', '\\']).next().unwrap_or(key)
}

/// The name of a Store package (`Microsoft.WindowsCamera_8wekyb3d8bbwe` -> `Microsoft.WindowsCamera`).
fn package_name(key: &str) -> &str {
    key.split('_').next().unwrap_or(key)
}

/// Read the consent facts for `cap`. `own_exe` is this program's path: examready's own use of
/// the device (while it tests it) is not reported as another app's.
pub fn read(
    reg: &dyn Registry,
    cap: Capability,
    catalogue: &Catalogue,
    own_exe: Option<&str>,
) -> ConsentFacts {
    let base = format!(r"{CONSENT_STORE}\{}", cap.key());
    let non_packaged = format!(r"{base}\NonPackaged");
    let mut uses = Vec::new();
    let mut collect = |parent: &str, desktop: bool| {
        for key in reg.subkeys(Hive::CurrentUser, parent) {
            if key.eq_ignore_ascii_case("NonPackaged") {
                continue;
            }
            let path = format!(r"{parent}\{key}");
            let time = |name| {
                reg.value(Hive::CurrentUser, &path, name)
                    .and_then(|v| v.as_u64())
                    .and_then(filetime)
            };
            let (started, stopped) = (time("LastUsedTimeStart"), time("LastUsedTimeStop"));
            if started.is_none() && stopped.is_none() {
                continue;
            }
            let own = own_exe.is_some_and(|me| key.replace('#', "\\").eq_ignore_ascii_case(me));
            if desktop && own {
                continue;
            }
            let file = if desktop {
                program_file(&key)
            } else {
                package_name(&key)
            };
            let app = catalogue
                .match_process(OsFamily::Windows, file, None)
                .map(|a| a.name.clone())
                .unwrap_or_else(|| file.to_string());
            uses.push(AppUse {
                app,
                key: key.clone(),
                desktop,
                started,
                stopped,
            });
        }
    };
    collect(&base, false);
    collect(&non_packaged, true);
    let (mut in_use, stopped): (Vec<_>, Vec<_>) = uses.into_iter().partition(AppUse::in_use);
    in_use.sort_by_key(|u| std::cmp::Reverse(u.started));
    let last_used = stopped.into_iter().max_by_key(|u| u.stopped);
    ConsentFacts {
        in_use,
        last_used,
        device_access: switch(reg, Hive::LocalMachine, &base),
        apps_access: switch(reg, Hive::CurrentUser, &base),
        desktop_apps_access: switch(reg, Hive::CurrentUser, &non_packaged),
        policy: reg
            .value(Hive::LocalMachine, POLICY_KEY, cap.policy_value())
            .and_then(|v| v.as_u64())
            .and_then(|v| u32::try_from(v).ok()),
    }
}

/// The consent facts of this computer (Windows); `None` elsewhere.
pub fn probe(cap: Capability, catalogue: &Catalogue) -> Option<ConsentFacts> {
    #[cfg(windows)]
    {
        let me = std::env::current_exe().ok();
        let me = me.as_ref().map(|p| p.to_string_lossy().into_owned());
        Some(read(&super::winreg::Native, cap, catalogue, me.as_deref()))
    }
    #[cfg(not(windows))]
    {
        let _ = (cap, catalogue);
        None
    }
}

/// "Zoom", "Zoom and Teams", "Zoom, Teams and OBS Studio".
pub fn app_list(uses: &[AppUse]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for u in uses {
        if !names.contains(&u.app.as_str()) {
            names.push(&u.app);
        }
    }
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

crate::finding_codes! {
    /// The camera's consent codes (the webcam module lists them among its codes).
    pub enum WebcamConsentCode {
        WebcamInUse = "webcam-in-use": "Windows records another app using the camera right now (named)",
        WebcamAccessOff = "webcam-access-off": "Windows privacy settings turn camera access off",
        WebcamDesktopAppsOff = "webcam-desktop-apps-off": "Windows privacy settings keep desktop apps (the proctoring app) from the camera",
        WebcamPolicyDenied = "webcam-policy-denied": "a Group Policy of the organisation denies apps the camera",
    }
}

crate::finding_codes! {
    /// The microphone's consent codes (the microphone module lists them).
    pub enum MicConsentCode {
        MicInUse = "mic-in-use": "Windows records another app using the microphone right now (named)",
        MicAccessOff = "mic-access-off": "Windows privacy settings turn microphone access off",
        MicDesktopAppsOff = "mic-desktop-apps-off": "Windows privacy settings keep desktop apps (the proctoring app) from the microphone",
        MicPolicyDenied = "mic-policy-denied": "a Group Policy of the organisation denies apps the microphone",
    }
}

/// The codes these findings use, for a module's code list.
pub const WEBCAM_CODES: &[(&str, &str)] = WebcamConsentCode::TABLE;
pub const MIC_CODES: &[(&str, &str)] = MicConsentCode::TABLE;

/// The consent finding `kind` (in-use, access-off, desktop-apps-off, policy-denied) for `cap`.
fn consent_code(cap: Capability, kind: &str) -> crate::codes::Code {
    use MicConsentCode::*;
    use WebcamConsentCode::*;
    match (cap, kind) {
        (Capability::Webcam, "in-use") => WebcamInUse.into(),
        (Capability::Webcam, "access-off") => WebcamAccessOff.into(),
        (Capability::Webcam, "desktop-apps-off") => WebcamDesktopAppsOff.into(),
        (Capability::Webcam, _) => WebcamPolicyDenied.into(),
        (Capability::Microphone, "in-use") => MicInUse.into(),
        (Capability::Microphone, "access-off") => MicAccessOff.into(),
        (Capability::Microphone, "desktop-apps-off") => MicDesktopAppsOff.into(),
        (Capability::Microphone, _) => MicPolicyDenied.into(),
    }
}

/// Findings from the consent facts: privacy switches that block the proctoring app, and apps
/// using the device now. `opened` says whether the module could use the device anyway: an app
/// using it is then a warning (it may still take it away during the exam), otherwise a failure.
pub fn judge(cap: Capability, facts: &ConsentFacts, opened: bool) -> Vec<Finding> {
    let (noun, settings) = (cap.noun(), cap.settings());
    let code = |kind: &str| consent_code(cap, kind);
    let mut out = Vec::new();
    if facts.policy == Some(2) {
        out.push(Finding::fail(
            code("policy-denied"),
            format!(
                "A Group Policy of your organisation denies every app access to the {noun} \
                 ({} = 2, Force Deny).",
                cap.policy_value()
            ),
            format!(
                "This cannot be changed in Settings: ask your IT department to remove the \
                 \"Let Windows apps access the {noun}\" policy, or take the exam on a computer \
                 you control."
            ),
        ));
    } else if facts.policy != Some(1) {
        // A policy of 1 (force allow) overrides the switches below.
        if facts.device_access == Some(Switch::Deny) {
            out.push(Finding::fail(
                code("access-off"),
                format!("{} access is turned off for this device.", capitalize(noun)),
                format!(
                    "Turn on \"{} access\" in {settings} (an administrator may be needed), \
                     then run the check again.",
                    capitalize(noun)
                ),
            ));
        } else if facts.apps_access == Some(Switch::Deny) {
            out.push(Finding::fail(
                code("access-off"),
                format!("Apps are not allowed to use the {noun} (Windows privacy settings)."),
                format!(
                    "Turn on \"Let apps access your {noun}\" in {settings}, then run the check \
                     again."
                ),
            ));
        }
        if facts.desktop_apps_access == Some(Switch::Deny) {
            out.push(Finding::fail(
                code("desktop-apps-off"),
                format!(
                    "{} access for desktop apps is off: the proctoring app (a desktop app) \
                     will not get the {noun}.",
                    capitalize(noun)
                ),
                format!(
                    "Turn on \"Let desktop apps access your {noun}\" at the bottom of \
                     {settings}, then run the check again."
                ),
            ));
        }
    }
    if !facts.in_use.is_empty() {
        let apps = app_list(&facts.in_use);
        let verb = if facts.in_use.len() == 1 { "is" } else { "are" };
        let message = format!("{apps} {verb} using the {noun}.");
        let remedy = format!(
            "Quit {apps} completely (also from the notification area next to the clock) before \
             the exam: the proctoring app needs the {noun} to itself."
        );
        out.push(if opened {
            Finding::warn(code("in-use"), message, remedy)
        } else {
            Finding::fail(code("in-use"), message, remedy)
        });
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "last used by Zoom at 2026-11-30 09:12 UTC", for a pass message; empty when unknown.
pub fn last_used_note(facts: &ConsentFacts) -> String {
    match &facts.last_used {
        Some(u) => match u.stopped {
            Some(t) => format!(
                " (last used by {} until {} UTC)",
                u.app,
                t.strftime("%Y-%m-%d %H:%M")
            ),
            None => format!(" (last used by {})", u.app),
        },
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
