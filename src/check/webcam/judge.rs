//! The webcam judge: pure, from recorded facts and the profile's `[webcam]` section.

use super::*;
use crate::catalogue::Catalogue;

fn pct(f: f64) -> String {
    format!("{} %", num(f * 100.0))
}

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

/// Judge webcam facts under `req`, with `catalogue` for virtual camera names: access, the
/// chosen camera and virtual cameras, then whether it delivers frames, how well (rate and
/// resolutions), the picture, the faces in it and the snapshot.
pub fn judge_with(
    facts: &WebcamFacts,
    req: &WebcamRequirements,
    catalogue: &Catalogue,
    profile: &str,
) -> Judgement {
    let mut findings = Vec::new();
    let chosen = match access(facts, req, profile, &mut findings) {
        Ok(chosen) => chosen,
        Err(summary) => return Judgement { summary, findings },
    };
    virtual_cameras(facts, req, catalogue, profile, chosen, &mut findings);
    let Some(cap) = facts.capture.as_ref() else {
        return Judgement {
            summary: format!("'{chosen}' not examined"),
            findings,
        };
    };
    if cap.frames == 0 {
        findings.push(no_frame(facts, cap, chosen));
        return Judgement {
            summary: format!("'{chosen}' delivers no picture"),
            findings,
        };
    }
    let (res, fps) = capture(facts, cap, req, profile, chosen, &mut findings);
    let bad_picture = picture(facts, cap, req, &mut findings);
    let face_note = faces(facts, req, profile, bad_picture, &mut findings);
    snapshot(facts, &mut findings);
    let summary = summary(&findings, chosen, &res, fps, &face_note);
    Judgement { summary, findings }
}

/// The cameras can be listed and used, one exists, and the one asked for: its name, or the
/// run's summary when there is nothing more to judge.
fn access<'a>(
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
    if facts.permission == Some(false) {
        out.push(Finding::fail(
            WebcamCode::WebcamAccessDenied,
            "The system refused access to the camera (camera permission not granted).",
            os_remedy_access(os),
        ));
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

/// A virtual camera in use or installed, under a profile that bans them.
fn virtual_cameras(
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
fn no_frame(facts: &WebcamFacts, cap: &CaptureFacts, chosen: &str) -> Finding {
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

/// The capture: frame rate and the resolutions that work. Returns the resolution and rate.
fn capture(
    facts: &WebcamFacts,
    cap: &CaptureFacts,
    req: &WebcamRequirements,
    profile: &str,
    chosen: &str,
    out: &mut Vec<Finding>,
) -> (String, f64) {
    // It works: how well.
    let res = cap
        .resolution
        .map(|r| r.to_string())
        .unwrap_or_else(|| "?".into());
    let fps = cap.fps.unwrap_or(0.0);
    out.push(Finding::pass(
        WebcamCode::WebcamCapture,
        format!(
            "'{chosen}' delivers {res} at {} fps ({} frames in {} s).",
            num(fps),
            cap.frames,
            num(cap.seconds)
        ),
    ));
    if let Some(e) = &cap.error {
        out.push(Finding::warn(
            WebcamCode::WebcamInterrupted,
            format!("The picture stopped during the capture after {} frames: {}.", cap.frames, e.message),
            "Reconnect the camera (another USB port, no hub) and close other applications that use it, then run the check again.",
        ));
    }
    if let Some(min) = req.min_fps
        && fps < min.get()
    {
        out.push(Finding::fail(
            WebcamCode::WebcamFpsLow,
            format!("'{chosen}' delivers {} frames per second; at least {} are needed.", num(fps), num(min.get())),
            "Add light (cameras slow down in the dark), close other applications that use the camera or the CPU, and connect the camera to a USB port directly.",
        ).judging(figures::FPS, fps, Some(min.get()), "fps"));
    }

    // Resolutions.
    let mut working: Vec<Resolution> = facts
        .ladder
        .iter()
        .filter(|r| r.ok)
        .filter_map(|r| r.delivered)
        .collect();
    working.extend(cap.resolution);
    let ok_rungs: Vec<String> = facts
        .ladder
        .iter()
        .filter(|r| r.ok)
        .map(|r| r.resolution.to_string())
        .collect();
    let bad_rungs: Vec<String> = facts
        .ladder
        .iter()
        .filter(|r| !r.ok)
        .map(|r| r.resolution.to_string())
        .collect();
    let ladder_text = match (ok_rungs.is_empty(), bad_rungs.is_empty()) {
        (false, true) => format!("works at {}", ok_rungs.join(", ")),
        (true, true) => "no other resolution tried".to_string(),
        (true, false) => format!("not at {}", bad_rungs.join(", ")),
        (false, false) => format!(
            "works at {}; not at {}",
            ok_rungs.join(", "),
            bad_rungs.join(", ")
        ),
    };
    match req.min_resolution {
        Some(min)
            if !working
                .iter()
                .any(|r| r.width >= min.width && r.height >= min.height) =>
        {
            out.push(Finding::fail(
                WebcamCode::WebcamResolutionLow,
                format!("'{chosen}' delivers at most {res} ({ladder_text}); {profile} needs at least {min}."),
                format!("Use a webcam that delivers {min} or more (most built-in and USB webcams do), and close applications that may limit it."),
            ));
        }
        _ => out.push(Finding::pass(
            WebcamCode::WebcamResolution,
            format!("Resolutions: {ladder_text}."),
        )),
    }
    (res, fps)
}

/// The picture: black, frozen or covered frames, light, backlight and focus. True when the
/// picture is bad (then faces are not judged).
fn picture(
    facts: &WebcamFacts,
    cap: &CaptureFacts,
    req: &WebcamRequirements,
    out: &mut Vec<Finding>,
) -> bool {
    // Frame quality.
    let s = figures::frame_summary(cap, req);
    let (black_luma, frozen_ssim) = figures::thresholds(req);
    let mut bad_picture = false;
    let before = out.len();
    if let Some(max) = req.max_bad_frame_fraction {
        if req.black_luma.is_some() && s.black_fraction > max.0 {
            bad_picture = true;
            out.push(Finding::fail(
                WebcamCode::WebcamBlack,
                format!("{} of the frames are black (mean luma under {}); more than {} fails.", pct(s.black_fraction), num(black_luma), pct(max.0)),
                "Open the camera's privacy shutter or lens cover, turn on the camera switch or key (Fn+F8/F10 on many laptops), and add light to the room.",
            ));
        }
        if req.frozen_ssim.is_some() && s.frozen_fraction > max.0 {
            bad_picture = true;
            out.push(Finding::fail(
                WebcamCode::WebcamFrozen,
                format!("{} of the frames repeat the previous one (SSIM over {}); more than {} fails.", pct(s.frozen_fraction), frozen_ssim, pct(max.0)),
                "The picture is frozen: close other applications that use the camera, reconnect it (another USB port, no hub), and update its driver.",
            ));
        }
        if s.covered_fraction > max.0 {
            bad_picture = true;
            out.push(Finding::fail(
                WebcamCode::WebcamCovered,
                format!("{} of the frames are a uniform image with no scene (the lens looks covered); more than {} fails.", pct(s.covered_fraction), pct(max.0)),
                "Uncover the lens: open the privacy shutter, remove tape or stickers, and point the camera at yourself.",
            ));
        }
    }
    if !bad_picture {
        if let Some(dark) = req.too_dark_luma
            && s.luma < dark.0
        {
            out.push(Finding::warn(
                WebcamCode::WebcamTooDark,
                format!("The picture is too dark: mean luma {} (under {}); the proctor must see your face clearly.", num(s.luma), num(dark.0)),
                "Turn on a light in front of you (a lamp behind the screen, facing you); avoid sitting with a window or lamp behind you.",
            ).judging(figures::BRIGHTNESS, s.luma, Some(dark.0), ""));
        }
        if let Some(bright) = req.too_bright_luma
            && s.luma > bright.0
        {
            out.push(Finding::warn(
                WebcamCode::WebcamTooBright,
                format!("The picture is overexposed: mean luma {} (over {}).", num(s.luma), num(bright.0)),
                "Move out of direct sunlight or away from a strong lamp, and let the camera adjust for a few seconds.",
            ).judging(figures::BRIGHTNESS, s.luma, Some(bright.0), ""));
        }
        let subject = facts
            .faces
            .as_ref()
            .and_then(|f| f.face_luma)
            .unwrap_or(s.centre_luma);
        if req.too_dark_luma.is_some()
            && s.surround_luma >= BACKLIT_MIN_SURROUND
            && subject < BACKLIT_RATIO * s.surround_luma
        {
            out.push(Finding::warn(
                WebcamCode::WebcamBacklit,
                format!("You are backlit: your face is at luma {} against a bright background at {}.", num(subject), num(s.surround_luma)),
                "Do not sit with a window or lamp behind you: close the curtains or turn around, and light your face from the front.",
            ));
        }
        if let Some(min) = req.min_sharpness
            && s.sharpness < min.get()
        {
            out.push(Finding::warn(
                WebcamCode::WebcamBlurry,
                format!(
                    "The picture is blurred: sharpness {} (variance of the Laplacian; under {}).",
                    num(s.sharpness),
                    num(min.get())
                ),
                "Clean the lens, sit 50-100 cm from the camera so it can focus, and add light.",
            ).judging(figures::SHARPNESS, s.sharpness, Some(min.get()), ""));
        }
    }
    if out.len() == before {
        out.push(Finding::pass(
            WebcamCode::WebcamImage,
            format!(
                "Picture: mean luma {}, sharpness {}, no black, frozen or covered frames beyond the limit ({} frames).",
                num(s.luma),
                num(s.sharpness),
                s.frames
            ),
        ));
    }
    bad_picture
}

/// The faces in the picture: none, several, too small, off centre. Returns a note for the
/// summary.
fn faces(
    facts: &WebcamFacts,
    req: &WebcamRequirements,
    profile: &str,
    bad_picture: bool,
    out: &mut Vec<Finding>,
) -> String {
    // Faces.
    let mut face_note = String::new();
    if let Some(ff) = &facts.faces
        && !bad_picture
    {
        let most = ff.counts.iter().copied().max().unwrap_or(0);
        if most == 0 {
            face_note = ", no face".into();
            let msg = format!(
                "No face was found in {} frames (faces narrower than {} of the picture are not looked for); the proctor must see your whole face.",
                ff.frames_examined,
                pct(40.0 / face::DETECT_WIDTH as f64)
            );
            let remedy = "Sit facing the camera, centred, 50-100 cm away, with your face lit from the front and nothing covering it.";
            match req.require_face {
                Some(true) => out.push(Finding::fail(WebcamCode::WebcamNoFace, msg, remedy)),
                Some(false) => out.push(Finding::warn(WebcamCode::WebcamNoFace, msg, remedy)),
                None => {}
            }
        } else {
            face_note = if most == 1 {
                ", face found".into()
            } else {
                format!(", {most} faces")
            };
            let mut face_findings = 0;
            if most > 1 && req.allow_multiple_faces == Some(false) {
                face_findings += 1;
                out.push(Finding::warn(
                    WebcamCode::WebcamFacesMultiple,
                    format!("{most} faces are in the picture; {profile} allows only the candidate in view."),
                    "Be alone in the room, and keep photos or posters with faces out of the camera's view.",
                ));
            }
            let main = ff.faces[0];
            if let Some(min) = req.min_face_fraction
                && main.width < min.0
            {
                face_findings += 1;
                out.push(Finding::warn(
                    WebcamCode::WebcamFaceSmall,
                    format!(
                        "Your face fills {} of the picture's width; at least {} is expected.",
                        pct(main.width),
                        pct(min.0)
                    ),
                    "Sit closer to the camera (50-100 cm) or move the camera closer to you.",
                ));
            }
            let (cx, cy) = main.centre();
            if req.require_face.is_some()
                && ((cx - 0.5).abs() > OFF_CENTRE_X || (cy - 0.5).abs() > OFF_CENTRE_Y)
            {
                face_findings += 1;
                out.push(Finding::warn(
                    WebcamCode::WebcamFaceOffCentre,
                    format!("Your face is far from the centre of the picture (centre at {} across, {} down).", pct(cx), pct(cy)),
                    "Centre yourself in the picture: tilt the screen or move the camera so your face is in the middle.",
                ));
            }
            if face_findings == 0 && (req.require_face.is_some() || req.min_face_fraction.is_some())
            {
                out.push(Finding::pass(
                    WebcamCode::WebcamFace,
                    format!(
                        "A face is in view, {} of the picture's width, near the centre.",
                        pct(main.width)
                    ),
                ));
            }
        }
    }
    face_note
}

/// The snapshot asked for with `--snapshot`, saved or not.
fn snapshot(facts: &WebcamFacts, out: &mut Vec<Finding>) {
    if let Some(snap) = &facts.snapshot {
        match &snap.error {
            None => out.push(Finding::pass(
                WebcamCode::WebcamSnapshot,
                format!("A snapshot was saved to {}.", snap.path),
            )),
            Some(e) => out.push(Finding::warn(
                WebcamCode::WebcamSnapshotFailed,
                format!("The snapshot could not be saved to {}: {e}.", snap.path),
                "Give --snapshot a path in a folder you can write to, ending in .png.",
            )),
        }
    }
}

/// One line: the camera, its resolution and rate, and the problems found.
fn summary(findings: &[Finding], chosen: &str, res: &str, fps: f64, face_note: &str) -> String {
    let worst = Status::worst(findings.iter().map(|f| f.status));
    if worst == Status::Pass || worst == Status::Skip {
        format!("'{chosen}' {res} at {} fps{face_note}", num(fps))
    } else {
        let problems: Vec<&str> = findings
            .iter()
            .filter(|f| matches!(f.status, Status::Warn | Status::Fail))
            .map(|f| f.code.strip_prefix("webcam-").unwrap_or(&f.code))
            .collect();
        format!(
            "'{chosen}' {res} at {} fps: {}",
            num(fps),
            problems.join(", ")
        )
    }
}
