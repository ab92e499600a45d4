//! Faces in the picture, and the snapshot.

use super::*;

#[test]
fn face_rules() {
    let mut f = good();
    f.faces.as_mut().unwrap().counts = vec![0, 0, 0];
    f.faces.as_mut().unwrap().faces.clear();
    let j = judge(&f);
    assert!(has(&j, "webcam-no-face", Status::Fail));
    assert!(j.summary.contains("no-face"), "{}", j.summary);

    let mut f = good();
    f.faces.as_mut().unwrap().counts = vec![1, 2, 1];
    f.faces.as_mut().unwrap().faces = vec![face(0.37, 0.3, 0.26), face(0.7, 0.1, 0.15)];
    assert!(has(&judge(&f), "webcam-faces-multiple", Status::Warn));

    let mut f = good();
    f.faces.as_mut().unwrap().faces = vec![face(0.45, 0.4, 0.1)];
    assert!(has(&judge(&f), "webcam-face-small", Status::Warn));

    let mut f = good();
    f.faces.as_mut().unwrap().faces = vec![face(0.02, 0.05, 0.2)];
    let j = judge(&f);
    assert!(
        has(&j, "webcam-face-off-centre", Status::Warn),
        "{:?}",
        codes(&j)
    );
    assert!(!j.findings.iter().any(|x| x.code == "webcam-face"));

    // A profile without face rules says nothing about faces.
    let mut f = good();
    f.faces.as_mut().unwrap().counts = vec![0, 0, 0];
    f.faces.as_mut().unwrap().faces.clear();
    let mut req = onvue().file.webcam;
    req.require_face = None;
    req.min_face_fraction = None;
    let j = judge_with(&f, &req, &Catalogue::builtin().unwrap(), "X");
    assert!(!j.findings.iter().any(|x| x.code.contains("face")));
    req.require_face = Some(false);
    let j = judge_with(&f, &req, &Catalogue::builtin().unwrap(), "X");
    assert!(has(&j, "webcam-no-face", Status::Warn));
}

#[test]
fn snapshot_outcomes() {
    let mut f = good();
    f.snapshot = Some(SnapshotFacts {
        path: "/tmp/me.png".into(),
        error: None,
    });
    assert!(has(&judge(&f), "webcam-snapshot", Status::Pass));
    f.snapshot = Some(SnapshotFacts {
        path: "/nope/me.png".into(),
        error: Some("No such file or directory".into()),
    });
    assert!(has(&judge(&f), "webcam-snapshot-failed", Status::Warn));
}
