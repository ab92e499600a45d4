//! The webcam judge: pure, from recorded facts and the profile's `[webcam]` section. The rules
//! live beside: access (the OS, the camera chosen, virtual cameras, no frame), the capture
//! (rate, resolutions), the picture and the faces.

use crate::catalogue::Catalogue;
use crate::check::JudgeContext;
use crate::check::fmt::num;
use crate::check::webcam::{WebcamCode, WebcamFacts, WebcamRequirements};
use crate::model::{Finding, Judgement, Status};

mod access;
mod capture;
mod faces;
mod picture;

fn pct(f: f64) -> String {
    format!("{} %", num(f * 100.0))
}

/// The module's judgement: [`judge_with`], then what the OS records: Windows' consent store and
/// macOS's camera permission (which voids a measurement made without access).
pub fn judge(facts: &WebcamFacts, req: &WebcamRequirements, ctx: JudgeContext) -> Judgement {
    let mut j = judge_with(facts, req, ctx.catalogue, ctx.profile_name);
    if let Some(consent) = &facts.consent {
        let opened = facts.capture.as_ref().is_some_and(|c| c.frames > 0);
        j.findings.extend(crate::os::consent::judge(
            crate::os::consent::Capability::Webcam,
            consent,
            opened,
        ));
    }
    access::macos_status(facts, &mut j);
    j
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
    let chosen = match access::access(facts, req, profile, &mut findings) {
        Ok(chosen) => chosen,
        Err(summary) => return Judgement { summary, findings },
    };
    access::virtual_cameras(facts, req, catalogue, profile, chosen, &mut findings);
    let Some(cap) = facts.capture.as_ref() else {
        return Judgement {
            summary: format!("'{chosen}' not examined"),
            findings,
        };
    };
    if cap.frames == 0 {
        findings.push(access::no_frame(facts, cap, chosen));
        return Judgement {
            summary: format!("'{chosen}' delivers no picture"),
            findings,
        };
    }
    let (res, fps) = capture::capture(facts, cap, req, profile, chosen, &mut findings);
    let bad_picture = picture::picture(facts, cap, req, &mut findings);
    let face_note = faces::faces(facts, req, profile, bad_picture, &mut findings);
    snapshot(facts, &mut findings);
    let summary = summary(&findings, chosen, &res, fps, &face_note);
    Judgement { summary, findings }
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
