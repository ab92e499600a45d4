//! Judge tests on recorded facts: a healthy line, endpoints, goodput, broken transfers and soak.

use super::*;

#[test]
fn healthy_line_passes_every_rule() {
    let j = judged(&healthy());
    assert_eq!(j.status(), Status::Pass, "{:#?}", j.findings);
    let c = codes(&j);
    for code in [
        "net-endpoints-reachable",
        "net-download-ok",
        "net-upload-ok",
        "net-latency-ok",
        "net-jitter-ok",
        "net-loss-ok",
        "net-loaded-latency-ok",
        "net-no-vpn",
        "net-no-proxy",
        "net-wired",
    ] {
        assert!(c.contains(&(code, Status::Pass)), "{code} missing in {c:?}");
    }
    assert!(j.summary.contains("down 48 Mbps"), "{}", j.summary);
    assert!(j.summary.contains("up 9.5 Mbps"), "{}", j.summary);
}

#[test]
fn every_name_failing_is_one_offline_finding_naming_every_endpoint() {
    let mut f = healthy();
    let mut second = f.endpoints[0].clone();
    second.host = "second.example".into();
    second.port = 1935;
    f.endpoints.push(second);
    for e in &mut f.endpoints {
        e.status = EndpointStatus::DnsFailed;
        e.error = Some(format!("DNS lookup of {} failed", e.host));
    }
    let hosts: Vec<String> = f
        .endpoints
        .iter()
        .map(|e| format!("{}:{}", e.host, e.port))
        .collect();
    assert!(
        hosts.len() >= 2,
        "the recorded facts need several endpoints"
    );
    let j = judged(&f);
    let off: Vec<_> = j
        .findings
        .iter()
        .filter(|x| x.code == "net-offline")
        .collect();
    assert_eq!(off.len(), 1);
    assert_eq!(off[0].status, Status::Fail);
    assert!(
        off[0]
            .message
            .contains(&format!("all {} endpoints", hosts.len()))
    );
    let remedy = off[0].remedy.as_deref().unwrap();
    for h in &hosts {
        assert!(remedy.contains(h.as_str()), "{h} missing from {remedy}");
    }
    assert!(
        !j.findings
            .iter()
            .any(|x| x.code == "net-endpoint-unreachable")
    );
    // One endpoint resolving is not "offline": each failure is named on its own.
    f.endpoints[0].status = EndpointStatus::Ok;
    let j = judged(&f);
    assert!(!j.findings.iter().any(|x| x.code == "net-offline"));
    assert_eq!(
        j.findings
            .iter()
            .filter(|x| x.code == "net-endpoint-unreachable")
            .count(),
        hosts.len() - 1
    );
}

/// Five endpoints failing in five ways (the last advisory), judged.
fn endpoint_failures() -> Judgement {
    let mut f = healthy();
    let base = f.endpoints[0].clone();
    let mk = |host: &str, port, status, err: &str, required| EndpointFacts {
        host: host.into(),
        port,
        status,
        error: Some(err.into()),
        required,
        tls: port == 443,
        ..base.clone()
    };
    f.endpoints = vec![
        mk(
            "x.invalid",
            443,
            EndpointStatus::DnsFailed,
            "DNS lookup of x.invalid failed",
            true,
        ),
        mk("a.example", 1935, EndpointStatus::Refused, "refused", true),
        mk(
            "b.example",
            443,
            EndpointStatus::TimedOut,
            "no answer within 3 s",
            true,
        ),
        mk(
            "c.example",
            443,
            EndpointStatus::TlsFailed,
            "InvalidContentType",
            true,
        ),
        mk(
            "d.example",
            1935,
            EndpointStatus::Unreachable,
            "network unreachable",
            false,
        ),
    ];
    judged(&f)
}

/// The `net-endpoint-unreachable` findings, in the order of the endpoints.
fn unreachable(j: &Judgement) -> Vec<&crate::model::Finding> {
    j.findings
        .iter()
        .filter(|x| x.code == "net-endpoint-unreachable")
        .collect()
}

#[test]
fn endpoint_failures_fail_and_are_counted() {
    let j = endpoint_failures();
    assert_eq!(j.status(), Status::Fail);
    assert_eq!(unreachable(&j).len(), 5);
    assert!(!codes(&j).contains(&("net-endpoints-reachable", Status::Pass)));
    assert!(
        j.summary.contains("0/5 endpoints reachable"),
        "{}",
        j.summary
    );
}

#[test]
fn endpoint_dns_failure_names_host_and_port() {
    let j = endpoint_failures();
    let eps = unreachable(&j);
    assert!(
        eps[0].message.contains("x.invalid:443: DNS failed"),
        "{}",
        eps[0].message
    );
}

#[test]
fn endpoint_refused_names_host_port_and_the_port_to_allow() {
    let j = endpoint_failures();
    let eps = unreachable(&j);
    assert!(
        eps[1]
            .message
            .contains("a.example:1935: connection refused")
    );
    assert!(
        eps[1]
            .remedy
            .as_ref()
            .unwrap()
            .contains("a.example on port 1935")
    );
}

#[test]
fn endpoint_timeout_and_tls_failure_name_their_kind() {
    let j = endpoint_failures();
    let eps = unreachable(&j);
    assert!(eps[2].message.contains("timed out"));
    assert!(eps[3].message.contains("TLS failed"));
}

#[test]
fn endpoint_advisory_failure_only_warns() {
    let j = endpoint_failures();
    let eps = unreachable(&j);
    assert_eq!(
        eps[4].status,
        Status::Warn,
        "an advisory endpoint only warns"
    );
}

#[test]
fn unreachable_server_fails_and_loss_is_not_guessed() {
    let mut f = healthy();
    f.server_error = Some("speed.example:443: DNS failed: no such host".into());
    f.latency_ms = None;
    f.jitter_ms = None;
    f.download_mbps = None;
    f.upload_mbps = None;
    f.loaded_latency_ms = None;
    f.loaded_latency_increase_ms = None;
    f.loss_percent = None;
    f.loss_method = None;
    f.loss_not_measured_reason = Some("the measurement server could not be reached".into());
    let j = judged(&f);
    assert_eq!(j.status(), Status::Fail);
    assert!(
        finding(&j, "net-server-unreachable")
            .message
            .contains("DNS failed")
    );
    let skip = finding(&j, "net-loss-not-measured");
    assert_eq!(skip.status, Status::Skip);
    assert!(skip.message.contains("could not be reached"));
    assert!(
        !j.findings
            .iter()
            .any(|x| x.code.starts_with("net-download"))
    );
}

#[test]
fn goodput_below_minimum_fails_and_below_recommendation_warns() {
    let mut f = healthy();
    f.download_mbps = Goodput::of(vec![2.5, 2.0, 2.75, 2.6]);
    f.upload_mbps = Goodput::of(vec![2.9, 2.8, 2.95]);
    let j = judged(&f);
    let d = finding(&j, "net-download-low");
    assert_eq!(d.status, Status::Fail);
    assert!(
        d.message.contains("2.5 Mbps") && d.message.contains("minimum of 3 Mbps"),
        "{}",
        d.message
    );
    assert!(d.message.contains("lowest 2 Mbps"), "{}", d.message);
    assert_eq!(finding(&j, "net-upload-low").status, Status::Fail);
    // OnVUE: 3 Mbps published, 6 Mbps asked by e-mail: between the two warns.
    let mut f = healthy();
    f.upload_mbps = Goodput::of(vec![4.0, 4.5, 5.0]);
    let j = judged(&f);
    let u = finding(&j, "net-upload-marginal");
    assert_eq!(u.status, Status::Warn);
    assert!(u.message.contains("recommended 6 Mbps"), "{}", u.message);

    let mut req = onvue();
    req.recommended_download_mbps = Some(crate::profile::Mbps(25.0));
    req.recommended_upload_mbps = Some(crate::profile::Mbps(5.0));
    let mut f = healthy();
    f.download_mbps = Goodput::of(vec![10.0, 11.0, 12.0]);
    let j = judge(&f, &req);
    check_declared(&j);
    let d = finding(&j, "net-download-marginal");
    assert_eq!(d.status, Status::Warn);
    assert!(d.message.contains("recommended 25 Mbps"));
    assert_eq!(finding(&j, "net-upload-ok").status, Status::Pass);
}

/// A profile that fails on latency, jitter and loss (OnVUE only recommends them).

#[test]
fn broken_transfer_fails_precisely() {
    let mut f = healthy();
    f.download_error =
        Some("download from 127.0.0.1:1 broke on 4 of 4 streams: stalled: no data for 2 s".into());
    f.download_mbps = None;
    let j = judged(&f);
    let t = finding(&j, "net-transfer-failed");
    assert_eq!(t.status, Status::Fail);
    assert!(t.message.contains("The download test broke") && t.message.contains("stalled"));
}

#[test]
fn soak_pass_and_stall() {
    let mut f = healthy();
    f.soak = Some(SoakFacts {
        seconds: 10.0,
        target_mbps: 2.5,
        series: vec![2.5; 10],
        stalls: 0,
        latency_ms: Some(Spread {
            median: 30.0,
            p95: 35.0,
        }),
        latency_increase_ms: Some(9.0),
        error: None,
    });
    let j = judged(&f);
    assert_eq!(finding(&j, "net-soak-ok").status, Status::Pass);
    let s = f.soak.as_mut().unwrap();
    s.series[3] = 0.4;
    s.series[4] = 0.0;
    s.stalls = 2;
    let j = judged(&f);
    let st = finding(&j, "net-soak-stalled");
    assert_eq!(st.status, Status::Fail);
    assert!(st.message.contains("2 second(s)"), "{}", st.message);
}

#[test]
fn a_profile_without_network_limits_judges_nothing_but_failures() {
    let j = judge(&healthy(), &NetworkRequirements::default());
    check_declared(&j);
    assert!(
        j.findings
            .iter()
            .all(|f| f.code == "net-endpoints-reachable"),
        "{:#?}",
        j.findings
    );
}
