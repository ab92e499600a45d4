//! The faces in the picture: none, several, too small, off centre.

use super::pct;
use crate::check::webcam::{
    FaceFacts, OFF_CENTRE_X, OFF_CENTRE_Y, WebcamCode, WebcamFacts, WebcamRequirements, face,
};
use crate::model::Finding;

/// The faces in the picture: none, several, too small, off centre. Returns a note for the
/// summary.
pub(super) fn faces(
    facts: &WebcamFacts,
    req: &WebcamRequirements,
    profile: &str,
    bad_picture: bool,
    out: &mut Vec<Finding>,
) -> String {
    let Some(ff) = facts.faces.as_ref().filter(|_| !bad_picture) else {
        return String::new();
    };
    let most = ff.counts.iter().copied().max().unwrap_or(0);
    if most == 0 {
        no_face(ff, req, out);
        return ", no face".into();
    }
    seen(ff, most, req, profile, out);
    if most == 1 {
        ", face found".into()
    } else {
        format!(", {most} faces")
    }
}

/// No face in any examined frame: fails or warns as the profile says.
fn no_face(ff: &FaceFacts, req: &WebcamRequirements, out: &mut Vec<Finding>) {
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
}

/// Faces found (`most` in one frame): several, too small, off centre, or a pass.
fn seen(
    ff: &FaceFacts,
    most: usize,
    req: &WebcamRequirements,
    profile: &str,
    out: &mut Vec<Finding>,
) {
    let mut face_findings = 0;
    if most > 1 && req.allow_multiple_faces == Some(false) {
        face_findings += 1;
        out.push(Finding::warn(
            WebcamCode::WebcamFacesMultiple,
            format!(
                "{most} faces are in the picture; {profile} allows only the candidate in view."
            ),
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
    if face_findings == 0 && (req.require_face.is_some() || req.min_face_fraction.is_some()) {
        out.push(Finding::pass(
            WebcamCode::WebcamFace,
            format!(
                "A face is in view, {} of the picture's width, near the centre.",
                pct(main.width)
            ),
        ));
    }
}
