//! Latency, jitter, loss and bufferbloat limits on recorded facts.

use super::*;

fn strict() -> NetworkRequirements {
    NetworkRequirements {
        max_latency_ms: Some(crate::profile::Millis(150.0)),
        max_jitter_ms: Some(crate::profile::Millis(30.0)),
        max_loss_percent: Some(crate::profile::Percent(1.0)),
        ..onvue()
    }
}

#[test]
fn latency_and_jitter_limits() {
    let mut f = healthy();
    f.latency_ms = Some(Spread {
        median: 180.0,
        p95: 240.0,
    });
    f.jitter_ms = Some(35.0);
    let j = judge(&f, &strict());
    check_declared(&j);
    let l = finding(&j, "net-latency-high");
    assert_eq!(l.status, Status::Fail);
    assert!(
        l.message.contains("180 ms") && l.message.contains("the limit of 150 ms"),
        "{}",
        l.message
    );
    let jt = finding(&j, "net-jitter-high");
    assert_eq!(jt.status, Status::Fail);
    assert!(jt.message.contains("35 ms") && jt.message.contains("30 ms"));
    // OnVUE's figures are recommendations (a test-centre figure, Teams' guidance): they warn.
    let j = judged(&f);
    let l = finding(&j, "net-latency-high");
    assert_eq!(l.status, Status::Warn);
    assert!(
        l.message.contains("the recommended 150 ms"),
        "{}",
        l.message
    );
    assert_eq!((l.measured, l.limit), (Some(180.0), Some(150.0)));
    assert_eq!(finding(&j, "net-jitter-high").status, Status::Warn);
    assert_eq!(j.status(), Status::Warn);
}

#[test]
fn latency_names_how_it_was_measured() {
    let mut f = healthy();
    f.latency_method = Some("udp-echo".into());
    let j = judged(&f);
    let m = &finding(&j, "net-latency-ok").message;
    assert!(m.contains("median of 998 UDP echo packets"), "{m}");
    f.latency_method = Some("http".into());
    f.latency_probes_excluded = 2;
    let j = judged(&f);
    let m = &finding(&j, "net-latency-ok").message;
    assert!(
        m.contains("median of 5 probes, without 2 that waited for a TCP retransmission"),
        "{m}"
    );
}

#[test]
fn retransmitted_http_probes_are_not_latency() {
    use crate::check::network::measure::without_retransmissions;
    // Two probes waited for a retransmission (about RTT + 200 ms): left out, and counted.
    let samples = [31.0, 29.5, 30.2, 287.0, 30.8, 604.0, 29.9, 31.4];
    let (kept, excluded) = without_retransmissions(&samples);
    assert_eq!(excluded, 2);
    assert_eq!(kept, vec![31.0, 29.5, 30.2, 30.8, 29.9, 31.4]);
    // Ordinary spread, even a 150 ms spike, stays.
    let (kept, excluded) = without_retransmissions(&[30.0, 180.0, 31.0]);
    assert_eq!((kept.len(), excluded), (3, 0));
    assert_eq!(without_retransmissions(&[]), (vec![], 0));
}

#[test]
fn loss_limit_and_not_measured() {
    let mut f = healthy();
    f.loss_percent = Some(9.8);
    f.loss_packets_received = Some(902);
    let j = judge(&f, &strict());
    check_declared(&j);
    let l = finding(&j, "net-loss-high");
    assert_eq!(l.status, Status::Fail);
    assert!(
        l.message.contains("9.8 %") && l.message.contains("98 of 1000 udp-echo"),
        "{}",
        l.message
    );
    assert!(
        l.message.contains("95 % interval 8.1-11.8 %"),
        "{}",
        l.message
    );
    // OnVUE recommends under 1 % (Teams' figure): a warning.
    let l = finding(&judged(&f), "net-loss-high").clone();
    assert_eq!(l.status, Status::Warn);
    assert!(l.message.contains("the recommended 1 %"), "{}", l.message);

    let mut f = healthy();
    f.loss_percent = None;
    f.loss_method = None;
    f.loss_not_measured_reason = Some("the server offers no UDP echo".into());
    let j = judged(&f);
    assert_eq!(finding(&j, "net-loss-not-measured").status, Status::Skip);
    assert_eq!(
        j.status(),
        Status::Pass,
        "a skipped part does not fail the module"
    );
}

/// Few packets give a wide interval: a loss just above the limit that the interval does not
/// put above it for sure warns ("may be"), and the message says how sure the figure is.
#[test]
fn loss_from_few_packets_warns_instead_of_failing() {
    let mut f = healthy();
    f.loss_packets_sent = Some(250);
    f.loss_packets_received = Some(246);
    f.loss_percent = Some(1.6);
    let j = judge(&f, &strict());
    let l = finding(&j, "net-loss-high");
    assert_eq!(l.status, Status::Warn, "{}", l.message);
    assert!(
        l.message.contains("95 % interval 0.6-4 %")
            && l.message
                .contains("with 250 packets the true loss may be within it"),
        "{}",
        l.message
    );
    assert!(l.remedy.as_deref().unwrap().contains("without --quick"));
    // 30 of 1000 (95 % interval 2.1-4.3 %) is above 1 % for sure: a failure.
    f.loss_packets_sent = Some(1000);
    f.loss_packets_received = Some(970);
    f.loss_percent = Some(3.0);
    assert_eq!(
        finding(&judge(&f, &strict()), "net-loss-high").status,
        Status::Fail
    );
}

#[test]
fn bufferbloat_warns() {
    let mut f = healthy();
    f.loaded_latency_increase_ms = Some(350.0);
    f.loaded_latency_ms = Some(Spread {
        median: 371.0,
        p95: 420.0,
    });
    let j = judged(&f);
    let b = finding(&j, "net-bufferbloat");
    assert_eq!(b.status, Status::Warn);
    assert!(b.message.contains("350 ms") && b.message.contains("100 ms"));
    assert_eq!(j.status(), Status::Warn);
}
