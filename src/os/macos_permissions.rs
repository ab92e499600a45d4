/*!
macOS privacy permissions: whether macOS lets the app it holds responsible for examready use the
camera and the microphone, and record the screen.

A program started from a terminal gets the terminal's permissions (macOS asks "Terminal would like
to access the microphone" and records the answer for Terminal, not for examready); started from
Finder, examready is asked about itself. A denied microphone is not an error for the program: it
records silence, which looks like a muted microphone; a denied camera lists no camera or gives no
picture. So the status is read (`AVCaptureDevice authorizationStatusForMediaType:`, which never
asks) and judged here, and a denial replaces the silence or "no camera" it causes.

The exam app (OnVUE, Guardian, LockDown Browser) is another app: it needs its own grant, whatever
the terminal has.

The reader ([`probe`], [`probe_screen_recording`]) is macOS only; everything else is pure and
tested on every system with recorded statuses.
*/

use serde::{Deserialize, Serialize};

use crate::model::{Finding, Status};

/// `AVAuthorizationStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Authorization {
    /// Never asked: macOS asks on the first use.
    NotDetermined,
    /// Not allowed, and the user cannot change it (Screen Time, or a device-management profile).
    Restricted,
    /// The user said no (or turned it off in System Settings).
    Denied,
    Authorized,
}

impl Authorization {
    /// From `AVAuthorizationStatus`'s value (0 not determined, 1 restricted, 2 denied,
    /// 3 authorized); `None` for a value this examready does not know.
    pub fn from_raw(v: isize) -> Option<Authorization> {
        Some(match v {
            0 => Authorization::NotDetermined,
            1 => Authorization::Restricted,
            2 => Authorization::Denied,
            3 => Authorization::Authorized,
            _ => return None,
        })
    }
}

/// What macOS says about one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionFacts {
    pub status: Authorization,
    /// The app macOS asks and records the answer for: the terminal examready runs in
    /// ("Terminal", "iTerm"), or "examready" when started from Finder.
    pub app: String,
}

/// Whether the app may record the screen (`CGPreflightScreenCaptureAccess`, macOS 10.15+).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenRecordingFacts {
    pub granted: bool,
    pub app: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Camera,
    Microphone,
}

/// The exam apps that need their own grant, as candidates know them.
pub const EXAM_APPS: &str = "OnVUE, Guardian, LockDown Browser";

impl Device {
    fn noun(self) -> &'static str {
        match self {
            Device::Camera => "camera",
            Device::Microphone => "microphone",
        }
    }
    /// The exact place of the switch (macOS 13 and later; "System Preferences > Security &
    /// Privacy > Privacy" before).
    pub fn settings(self) -> &'static str {
        match self {
            Device::Camera => "System Settings > Privacy & Security > Camera",
            Device::Microphone => "System Settings > Privacy & Security > Microphone",
        }
    }
    fn code(self, kind: Kind) -> crate::codes::Code {
        match (self, kind) {
            (Device::Camera, Kind::Denied) => MacCameraCode::WebcamPermissionDenied.into(),
            (Device::Camera, Kind::NotAsked) => MacCameraCode::WebcamPermissionNotAsked.into(),
            (Device::Camera, Kind::Granted) => MacCameraCode::WebcamPermissionGranted.into(),
            (Device::Microphone, Kind::Denied) => MacMicCode::MicPermissionDenied.into(),
            (Device::Microphone, Kind::NotAsked) => MacMicCode::MicPermissionNotAsked.into(),
            (Device::Microphone, Kind::Granted) => MacMicCode::MicPermissionGranted.into(),
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Denied,
    NotAsked,
    Granted,
}

crate::finding_codes! {
    /// The macOS camera permission codes (the webcam module lists them among its codes).
    pub enum MacCameraCode {
        WebcamPermissionDenied = "webcam-permission-denied": "macOS denies (or restricts) camera access to the terminal or examready",
        WebcamPermissionNotAsked = "webcam-permission-not-asked": "macOS has not asked yet for camera access (it asks on first use)",
        WebcamPermissionGranted = "webcam-permission-granted": "macOS allows camera access (the exam app needs its own grant)",
    }
}

crate::finding_codes! {
    /// The macOS microphone permission codes (the microphone module lists them).
    pub enum MacMicCode {
        MicPermissionDenied = "mic-permission-denied": "macOS denies (or restricts) microphone access to the terminal or examready",
        MicPermissionNotAsked = "mic-permission-not-asked": "macOS has not asked yet for microphone access (it asks on first use)",
        MicPermissionGranted = "mic-permission-granted": "macOS allows microphone access (the exam app needs its own grant)",
    }
}

crate::finding_codes! {
    /// The macOS screen recording code (the system module lists it).
    pub enum MacSystemCode {
        ScreenRecordingPermission = "screen-recording-permission": "macOS screen recording: the exam app needs its own grant",
    }
}

/// The codes of each module, for its code list.
pub const WEBCAM_CODES: &[(&str, &str)] = MacCameraCode::TABLE;
pub const MIC_CODES: &[(&str, &str)] = MacMicCode::TABLE;
pub const SYSTEM_CODES: &[(&str, &str)] = MacSystemCode::TABLE;

/// The app macOS holds responsible, from the terminal's `TERM_PROGRAM` and the launching app's
/// `__CFBundleIdentifier` (both unset when examready was opened from Finder).
pub fn responsible_app(term_program: Option<&str>, bundle_id: Option<&str>) -> String {
    let by_bundle = |id: &str| match id {
        "com.apple.Terminal" => Some("Terminal"),
        "com.googlecode.iterm2" => Some("iTerm"),
        "com.microsoft.VSCode" => Some("Visual Studio Code"),
        "dev.warp.Warp-Stable" => Some("Warp"),
        "com.github.wez.wezterm" => Some("WezTerm"),
        "com.mitchellh.ghostty" => Some("Ghostty"),
        "net.kovidgoyal.kitty" => Some("kitty"),
        "org.alacritty" => Some("Alacritty"),
        _ => None,
    };
    let by_term = |t: &str| match t {
        "Apple_Terminal" => Some("Terminal".to_string()),
        "iTerm.app" => Some("iTerm".to_string()),
        "vscode" => Some("Visual Studio Code".to_string()),
        "WarpTerminal" => Some("Warp".to_string()),
        "ghostty" => Some("Ghostty".to_string()),
        // tmux and screen pass the question on to the terminal app they run in.
        "tmux" | "screen" => None,
        "" => None,
        other => Some(other.to_string()),
    };
    bundle_id
        .and_then(by_bundle)
        .map(str::to_string)
        .or_else(|| term_program.and_then(by_term))
        .or_else(|| bundle_id.filter(|b| !b.is_empty()).map(str::to_string))
        .unwrap_or_else(|| match term_program {
            Some("tmux" | "screen") => "the terminal app running tmux".to_string(),
            _ => "examready".to_string(),
        })
}

/// The responsible app of this process (macOS).
pub fn current_app() -> String {
    let var = |k| std::env::var(k).ok();
    responsible_app(
        var("TERM_PROGRAM").as_deref(),
        var("__CFBundleIdentifier").as_deref(),
    )
}

fn exam_app_note(device: Device) -> String {
    format!(
        "The exam app ({EXAM_APPS}) needs its own grant: turn it on in {} too, or answer OK \
         when it asks.",
        device.settings()
    )
}

/// The finding for `facts`, and whether the module's measurement is void (made without access:
/// silence, no camera): then its findings from the device are replaced by this one.
pub fn judge(device: Device, facts: &PermissionFacts) -> (Finding, bool) {
    let (noun, settings, app) = (device.noun(), device.settings(), &facts.app);
    let reopen = if app == "examready" {
        String::new()
    } else {
        format!(", quit {app} completely (Cmd-Q) and open it again")
    };
    match facts.status {
        Authorization::Denied | Authorization::Restricted => {
            let restricted = facts.status == Authorization::Restricted;
            let message = format!(
                "macOS denies {noun} access to {app}{}.",
                if restricted {
                    " (restricted: a Screen Time limit or your organisation's device management \
                     decides it)"
                } else {
                    ""
                }
            );
            let fix = if restricted {
                format!(
                    "Turn the restriction off in System Settings > Screen Time > Content & \
                     Privacy (or ask the IT department that manages this Mac), then turn on {app} \
                     in {settings}{reopen}, and run the check again."
                )
            } else {
                format!("Open {settings}, turn on {app}{reopen}, and run the check again.")
            };
            let remedy = format!("{fix} {}", exam_app_note(device));
            (
                Finding::fail(device.code(Kind::Denied), message, remedy),
                true,
            )
        }
        Authorization::NotDetermined => (
            Finding::warn(
                device.code(Kind::NotAsked),
                format!(
                    "macOS has not been asked yet whether {app} may use the {noun}: it asks on \
                     first use, and nothing was measured without an answer."
                ),
                format!(
                    "Run the check again and answer OK when macOS asks \"{app} would like to \
                     access the {noun}\" (or turn on {app} in {settings}). {}",
                    exam_app_note(device)
                ),
            ),
            true,
        ),
        Authorization::Authorized => (
            Finding::pass(
                device.code(Kind::Granted),
                format!("macOS lets {app} use the {noun}. {}", exam_app_note(device)),
            ),
            false,
        ),
    }
}

/// Judge `facts` into a module's findings: a void measurement's findings from the device
/// (`measured`: their codes) give way to the permission's, which comes first. Returns the
/// module's summary when the measurement is void.
pub fn apply(
    device: Device,
    facts: &PermissionFacts,
    findings: &mut Vec<Finding>,
    measured: &[&str],
) -> Option<String> {
    let (finding, void) = judge(device, facts);
    if !void {
        findings.push(finding);
        return None;
    }
    findings.retain(|f| !measured.contains(&f.code.as_str()));
    let summary = match facts.status {
        Authorization::NotDetermined => format!(
            "macOS has not asked yet for {} access for {}",
            device.noun(),
            facts.app
        ),
        _ => format!("macOS denies {} access to {}", device.noun(), facts.app),
    };
    findings.insert(0, finding);
    Some(summary)
}

/// The screen-recording note: examready itself does not record the screen, the exam app does.
pub fn judge_screen_recording(facts: &ScreenRecordingFacts) -> Finding {
    let place = "System Settings > Privacy & Security > Screen & System Audio Recording \
                 (\"Screen Recording\" before macOS 15)";
    let now = if facts.granted {
        format!("macOS lets {} record the screen.", facts.app)
    } else {
        format!(
            "{} may not record the screen (examready does not need to).",
            facts.app
        )
    };
    let f = Finding::pass(
        MacSystemCode::ScreenRecordingPermission,
        format!(
            "{now} The exam app ({EXAM_APPS}) records the screen and needs its own grant: turn \
             it on in {place} when it asks, then quit and reopen the exam app."
        ),
    );
    debug_assert_eq!(f.status, Status::Pass);
    f
}

/// This Mac's status for `device`; `None` elsewhere.
pub fn probe(device: Device) -> Option<PermissionFacts> {
    #[cfg(target_os = "macos")]
    {
        Some(PermissionFacts {
            status: native::authorization(device)?,
            app: current_app(),
        })
    }
    #[cfg(not(target_os = "macos"))]
    {
        let _ = device;
        None
    }
}

/// This Mac's screen-recording grant; `None` elsewhere, or before macOS 10.15.
pub fn probe_screen_recording() -> Option<ScreenRecordingFacts> {
    #[cfg(target_os = "macos")]
    {
        Some(ScreenRecordingFacts {
            granted: native::screen_recording()?,
            app: current_app(),
        })
    }
    #[cfg(not(target_os = "macos"))]
    {
        None
    }
}

#[cfg(target_os = "macos")]
mod native {
    use objc2_av_foundation::{AVCaptureDevice, AVMediaTypeAudio, AVMediaTypeVideo};

    use super::{Authorization, Device};

    /// `+[AVCaptureDevice authorizationStatusForMediaType:]`: reads the status, never asks.
    pub fn authorization(device: Device) -> Option<Authorization> {
        // SAFETY: AVFoundation's constant NSStrings, read-only statics of the linked framework.
        let media = unsafe {
            match device {
                Device::Camera => AVMediaTypeVideo,
                Device::Microphone => AVMediaTypeAudio,
            }
        }?;
        // SAFETY: video and audio are the two media types the method accepts (any other
        // raises NSInvalidArgumentException).
        let status = unsafe { AVCaptureDevice::authorizationStatusForMediaType(media) };
        Authorization::from_raw(status.0)
    }

    /// `CGPreflightScreenCaptureAccess()` (CoreGraphics, macOS 10.15+), looked up at run time
    /// so the binary still starts where it is missing.
    pub fn screen_recording() -> Option<bool> {
        const CG: &std::ffi::CStr =
            c"/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics";
        // SAFETY: dlopen/dlsym with NUL-terminated names; the handle stays open (CoreGraphics
        // is never unloaded), and the symbol, when found, has the C signature `bool (void)`.
        unsafe {
            let lib = libc::dlopen(CG.as_ptr(), libc::RTLD_LAZY);
            if lib.is_null() {
                return None;
            }
            let sym = libc::dlsym(lib, c"CGPreflightScreenCaptureAccess".as_ptr());
            if sym.is_null() {
                return None;
            }
            let preflight: extern "C" fn() -> bool = std::mem::transmute(sym);
            Some(preflight())
        }
    }
}

#[cfg(test)]
mod tests;
