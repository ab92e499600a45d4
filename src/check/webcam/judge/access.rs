//! Access: the cameras can be listed and the OS lets examready use them, the camera asked for
//! exists and is not a banned virtual camera, and why a camera that is there gave no frame.

use crate::catalogue::{Catalogue, OsFamily};
use crate::check::webcam::{
    BusyFacts, BusyMethod, CameraError, CameraFacts, CaptureFacts, FailureKind, WebcamCode,
    WebcamFacts, WebcamRequirements,
};
use crate::model::{Finding, Judgement};
use crate::os::macos_permissions::{Device, apply};

fn os_remedy_no_camera(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => {
            "Connect a webcam (or open the laptop lid), check that no privacy shutter or camera key (Fn+F8/F10) disables it, and look in Device Manager > Cameras; install or re-enable its driver, then run this check again."
        }
        OsFamily::Macos => {
            "Connect a webcam or open the MacBook lid, then check System Settings > Privacy & Security > Camera and System Information > Camera; restart the Mac if the built-in camera is missing."
        }
        OsFamily::Linux => {
            "Connect a webcam, check that it appears in `ls /dev/video*` (and `lsusb`), that the uvcvideo driver is loaded (`sudo modprobe uvcvideo`), and that your user is in the video group."
        }
    }
}

fn os_remedy_access(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => {
            "Allow camera access: Settings > Privacy & security > Camera: turn on 'Camera access', 'Let apps access your camera' and 'Let desktop apps access your camera'; then run the check again."
        }
        OsFamily::Macos => {
            "Allow camera access: System Settings > Privacy & Security > Camera: turn on the terminal (or the exam app) running this check, quit and reopen it, and run the check again. The OnVUE app needs the same permission."
        }
        OsFamily::Linux => {
            "Give your user access to the camera: `sudo usermod -aG video $USER`, log out and back in (or check the device's permissions with `ls -l /dev/video*`)."
        }
    }
}

fn holder_list(b: &BusyFacts) -> String {
    b.holders
        .iter()
        .take(6)
        .map(|h| match &h.app {
            Some(app) if !h.name.eq_ignore_ascii_case(app) => {
                format!("{app} ({} pid {})", h.name, h.pid)
            }
            Some(app) => format!("{app} (pid {})", h.pid),
            None => format!("{} (pid {})", h.name, h.pid),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cameras can be listed and used, one exists, and the one asked for: its name, or the
/// run's summary when there is nothing more to judge.
pub(super) fn access<'a>(
    facts: &'a WebcamFacts,
    req: &WebcamRequirements,
    profile: &str,
    out: &mut Vec<Finding>,
) -> Result<&'a str, String> {
    let os = facts.os;

    if let Some(e) = &facts.list_error {
        out.push(Finding::fail(
            WebcamCode::WebcamListFailed,
            format!("The cameras could not be listed: {e}."),
            os_remedy_no_camera(os),
        ));
        return Err("cameras cannot be listed".into());
    }
    if let Some(refused) = macos_refused(facts) {
        out.push(refused);
        return Err("camera access refused".into());
    }
    if facts.cameras.is_empty() {
        let msg = "No camera found.";
        let f = match req.required {
            Some(true) => Finding::fail(
                WebcamCode::WebcamNone,
                format!("{msg} {profile} requires a webcam."),
                os_remedy_no_camera(os),
            ),
            Some(false) => Finding::warn(
                WebcamCode::WebcamNone,
                format!("{msg} {profile} does not require one."),
                os_remedy_no_camera(os),
            ),
            None => Finding::skip(
                WebcamCode::WebcamNone,
                format!("{msg} Not judged by this profile."),
            ),
        };
        out.push(f);
        return Err("no camera found".into());
    }
    let names: Vec<String> = facts
        .cameras
        .iter()
        .map(|c| format!("'{}'", c.name))
        .collect();
    let Some(chosen) = facts.chosen.as_deref() else {
        out.push(Finding::fail(
            WebcamCode::WebcamNotFound,
            format!(
                "No camera matches --camera {:?}; the cameras are {}.",
                facts.requested_camera.as_deref().unwrap_or(""),
                names.join(", ")
            ),
            "Run the check again with --camera and one of the names listed (or part of it), or without --camera to use the default camera.",
        ));
        return Err("requested camera not found".into());
    };
    Ok(chosen)
}

// macOS camera access is one fact the facts hold in two views, both judged here and only here:
// `permission`, nokhwa's answer to its access request (the only view reports written before
// `macos_permission` existed have, and the one a `--camera-frames` run lacks), and
// `macos_permission`, the status read after the capture with the app macOS holds responsible.
// A refusal ends the judgement early; the status, when read, then replaces every finding the
// denial voids (the refusal's own among them) with its own, naming the app.

/// nokhwa's access request was refused.
fn macos_refused(facts: &WebcamFacts) -> Option<Finding> {
    (facts.permission == Some(false)).then(|| {
        Finding::fail(
            WebcamCode::WebcamAccessDenied,
            "The system refused access to the camera (camera permission not granted).",
            os_remedy_access(facts.os),
        )
    })
}

/// The status macOS records for the responsible app, when read: a denial or a question never
/// asked voids the findings from the camera and gives the summary; a grant adds its note.
pub(super) fn macos_status(facts: &WebcamFacts, j: &mut Judgement) {
    if let Some(p) = &facts.macos_permission
        && let Some(summary) = apply(Device::Camera, p, &mut j.findings, FROM_THE_CAMERA)
    {
        j.summary = summary;
    }
}

/// The findings that come from the camera's picture (or its absence): void when macOS denies
/// the camera, which then lists none or delivers nothing.
const FROM_THE_CAMERA: &[&str] = {
    use WebcamCode::*;
    &[
        WebcamListFailed.as_str(),
        WebcamNone.as_str(),
        WebcamAccessDenied.as_str(),
        WebcamNoFrame.as_str(),
        WebcamCapture.as_str(),
        WebcamInterrupted.as_str(),
        WebcamFpsLow.as_str(),
        WebcamResolution.as_str(),
        WebcamResolutionLow.as_str(),
        WebcamBlack.as_str(),
        WebcamFrozen.as_str(),
        WebcamCovered.as_str(),
        WebcamTooDark.as_str(),
        WebcamTooBright.as_str(),
        WebcamBacklit.as_str(),
        WebcamBlurry.as_str(),
        WebcamImage.as_str(),
        WebcamNoFace.as_str(),
        WebcamFacesMultiple.as_str(),
        WebcamFaceSmall.as_str(),
        WebcamFaceOffCentre.as_str(),
        WebcamFace.as_str(),
    ]
};

/// A virtual camera in use or installed, under a profile that bans them.
pub(super) fn virtual_cameras(
    facts: &WebcamFacts,
    req: &WebcamRequirements,
    catalogue: &Catalogue,
    profile: &str,
    chosen: &str,
    out: &mut Vec<Finding>,
) {
    // Virtual cameras.
    let virtual_app = |name: &str| catalogue.match_device(name).map(|a| a.name.clone());
    let real: Vec<&CameraFacts> = facts
        .cameras
        .iter()
        .filter(|c| virtual_app(&c.name).is_none())
        .collect();
    let chosen_virtual = virtual_app(chosen);
    if req.allow_virtual_camera == Some(false) {
        if let Some(app) = &chosen_virtual {
            let remedy = match real.first() {
                Some(r) => format!(
                    "Use your real camera '{}': select it in the exam software's camera setting (and here with --camera \"{}\"), and quit or uninstall {app} so it cannot be picked by default.",
                    r.name, r.name
                ),
                None => format!(
                    "Connect a real webcam (a laptop's built-in camera or a USB webcam) and quit or uninstall {app}; phones used as webcams are not allowed either."
                ),
            };
            out.push(Finding::fail(
                WebcamCode::WebcamVirtual,
                format!("The camera in use, '{chosen}', is a virtual camera ({app}); {profile} does not allow virtual cameras."),
                remedy,
            ));
        }
        for c in &facts.cameras {
            if c.name == chosen {
                continue;
            }
            if let Some(app) = virtual_app(&c.name) {
                out.push(Finding::warn(
                    WebcamCode::WebcamVirtualInstalled,
                    format!("A virtual camera, '{}' ({app}), is installed; {profile} does not allow virtual cameras and the exam software may pick it.", c.name),
                    format!("Quit {app} and remove or disable its virtual camera before the exam, and make sure the exam software uses '{chosen}'."),
                ));
            }
        }
    }
}

/// Why a camera that is there delivered no frame: access, another application, or a failure.
pub(super) fn no_frame(facts: &WebcamFacts, cap: &CaptureFacts, chosen: &str) -> Finding {
    let os = facts.os;
    let err = cap.error.clone().unwrap_or(CameraError {
        kind: FailureKind::Failed,
        message: "no frame arrived".into(),
    });
    let holders = facts.busy.as_ref().filter(|b| !b.holders.is_empty());
    match (err.kind, holders) {
        (FailureKind::AccessDenied, _) => Finding::fail(
            WebcamCode::WebcamAccessDenied,
            format!("The system refused access to '{chosen}': {}.", err.message),
            os_remedy_access(os),
        ),
        (_, Some(b)) => {
            let certain = b.method == BusyMethod::OpenFile;
            let who = holder_list(b);
            Finding::fail(
                WebcamCode::WebcamBusy,
                if certain {
                    format!(
                        "'{chosen}' is in use by {who} and delivered no frame ({}).",
                        err.message
                    )
                } else {
                    format!(
                        "'{chosen}' delivered no frame ({}); applications that use the camera are running: {who}.",
                        err.message
                    )
                },
                format!(
                    "Quit {who} (closing its window may not be enough: quit it from the tray/menu bar), then run the check again."
                ),
            )
        }
        (FailureKind::Busy, None) => Finding::fail(
            WebcamCode::WebcamBusy,
            format!(
                "'{chosen}' is in use by another application: {}.",
                err.message
            ),
            "Quit every application that may use the camera (video meetings, browsers with a call open, camera apps, OBS), then run the check again; restart the computer if it stays busy.",
        ),
        _ => Finding::fail(
            WebcamCode::WebcamNoFrame,
            format!(
                "'{chosen}' is listed but delivered no frame: {}. A listed camera that shows no picture will not pass the proctor's check.",
                err.message
            ),
            "Unplug and reconnect the camera (another USB port, no hub), close every application that may use it, check for a privacy shutter or camera switch, update or reinstall its driver, then run the check again.",
        ),
    }
}
