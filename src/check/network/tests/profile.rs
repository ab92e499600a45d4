//! The profile's `[network]` section: declared codes, OnVUE's figures, positioned errors.

use super::*;

#[test]
fn declared_codes_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for (c, _) in CODES {
        assert!(seen.insert(*c), "{c}");
    }
}

#[test]
fn onvue_profile_network_section() {
    let n = onvue();
    // [PDF] 3 Mbps published; [MAIL] 6 Mbps asked: the recommendation.
    assert_eq!(n.min_download_mbps.unwrap().0, 3.0);
    assert_eq!(n.min_upload_mbps.unwrap().0, 3.0);
    assert_eq!(n.recommended_download_mbps.unwrap().0, 6.0);
    assert_eq!(n.recommended_upload_mbps.unwrap().0, 6.0);
    // A test-centre figure and Teams' guidance: recommendations only, never failures.
    assert_eq!(n.max_latency_ms, None);
    assert_eq!(n.recommended_max_latency_ms.unwrap().0, 150.0);
    assert_eq!(n.max_jitter_ms, None);
    assert_eq!(n.recommended_max_jitter_ms.unwrap().0, 30.0);
    assert_eq!(n.max_loss_percent, None);
    assert_eq!(n.recommended_max_loss_percent.unwrap().0, 1.0);
    assert_eq!(n.allow_vpn, Some(false));
    assert!(n.endpoints.iter().any(|e| e.port == 1935 && !e.uses_tls()));
    assert!(
        n.endpoints
            .iter()
            .any(|e| e.host == "home.pearsonvue.com" && e.uses_tls())
    );
    let p = crate::profile::load("onvue").unwrap();
    assert_eq!(p.file.runner.deadline_for("network").as_secs(), 25);
}

#[test]
fn profile_errors_are_positioned() {
    let parse = |t: &str| {
        crate::profile::parse(
            "t",
            "t.toml",
            t,
            crate::catalogue::Catalogue::builtin().unwrap(),
        )
    };
    let e = parse("[profile]\nname = \"x\"\n[network]\nstreams = 0\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.toml:4:") && e.contains("streams"), "{e}");
    let e = parse("[profile]\nname = \"x\"\n[network]\nserver = \"ftp://x\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.toml:4:") && e.contains("http"), "{e}");
    let e =
        parse("[profile]\nname = \"x\"\n[network]\nendpoints = [{host = \"a\", port = 70000}]\n")
            .unwrap_err()
            .to_string();
    assert!(e.starts_with("t.toml:4:"), "{e}");
    let e = parse("[profile]\nname = \"x\"\n[network]\nmax_loss_percent = 120\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("percentage"), "{e}");
}
