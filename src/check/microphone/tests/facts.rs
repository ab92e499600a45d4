//! The facts' stable names, the profile section's checks and replay through the registry.

use super::*;

#[test]
fn facts_keep_their_stable_names() {
    let v = serde_json::to_value(recorded()).unwrap();
    for k in [
        "device",
        "devices",
        "channels",
        "sample_rate",
        "rms_dbfs",
        "peak_dbfs",
        "clipped_runs",
        "noise_floor_dbfs",
        "mono",
        "virtual",
        "level_series_dbfs",
    ] {
        assert!(v.get(k).is_some(), "fact {k} missing: {v}");
    }
    let back: MicFacts = serde_json::from_value(v).unwrap();
    assert_eq!(back, recorded());
}

#[test]
fn profile_section_is_strict_and_range_checked() {
    let e = crate::profile::parse(
        "t",
        "t.toml",
        "[profile]\nname = \"x\"\n[microphone]\nmin_rms_dbfs = 5\n",
        Catalogue::builtin().unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("t.toml:4:"), "{e}");
    let e = crate::profile::parse(
        "t",
        "t.toml",
        "[profile]\nname = \"x\"\n[microphone]\nrecord_secs = 5\n",
        Catalogue::builtin().unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("record_secs"), "{e}");
    let p = onvue();
    let m = &p.file.microphone;
    assert_eq!(m.record_seconds(false), 3.0);
    assert_eq!(m.record_seconds(true), 1.5);
    assert_eq!(m.clip_run_samples(), 6);
    assert_eq!(m.silence_dbfs(), -90.3);
}

#[test]
fn judge_replays_recorded_facts_through_the_registry() {
    let check = crate::check::find("microphone").unwrap();
    let j = check
        .judge(&serde_json::to_value(recorded()).unwrap(), &onvue())
        .unwrap();
    assert_eq!(j.status(), Status::Pass);
}
