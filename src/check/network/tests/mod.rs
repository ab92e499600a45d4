//! Judge tests on recorded facts, one group per rule (pass, warn/fail, skip), and the pure helpers.

use super::judge::{CODES, judge};
use super::link::{ProxySetting, parse_scutil, parse_windows_reg};
use super::measure::per_second;
use super::*;
use crate::model::{Judgement, Status};

/// Facts recorded from a healthy wired line against `examready serve`.
pub(super) fn healthy() -> NetworkFacts {
    serde_json::from_value(serde_json::json!({
        "server": "http://127.0.0.1:8765/",
        "server_error": null,
        "quick": false,
        "endpoints": [
            {"host": "home.pearsonvue.com", "port": 443, "tls": true, "required": true, "status": "ok",
             "dns_ms": 12.0, "connect_ms": 20.5, "tls_ms": 41.0, "address": "1.2.3.4:443", "error": null}
        ],
        "latency_ms": {"median": 21.0, "p95": 25.0},
        "tcp_connect_ms": {"median": 20.0, "p95": 24.0},
        "jitter_ms": 1.5,
        "latency_samples_ms": [20.0, 21.0, 22.0, 21.0, 20.5],
        "download_mbps": {"median": 48.0, "min": 45.0, "series": [45.0, 48.0, 49.0, 47.5]},
        "upload_mbps": {"median": 9.5, "min": 9.1, "series": [9.1, 9.5, 9.6, 9.4]},
        "download_error": null,
        "upload_error": null,
        "streams": 4,
        "transfer_seconds": 5.0,
        "warmup_seconds": 1.0,
        "loaded_latency_ms": {"median": 61.0, "p95": 90.0},
        "loaded_latency_increase_ms": 40.0,
        "loss_percent": 0.2,
        "loss_method": "udp-echo",
        "loss_packets_sent": 1000,
        "loss_packets_received": 998,
        "loss_not_measured_reason": null,
        "interfaces": [
            {"name": "lo", "kind": "loopback", "up": true, "default_route": false},
            {"name": "eth0", "kind": "wired", "up": true, "default_route": true},
            {"name": "wlan0", "kind": "wifi", "up": false, "default_route": false}
        ],
        "proxy": {"settings": [], "no_proxy": null, "system_source": "gnome"},
        "soak": null
    }))
    .expect("recorded facts parse")
}

fn onvue() -> NetworkRequirements {
    crate::profile::load("onvue").unwrap().file.network
}

fn codes(j: &Judgement) -> Vec<(&str, Status)> {
    j.findings
        .iter()
        .map(|f| (f.code.as_str(), f.status))
        .collect()
}

pub(super) fn finding<'a>(j: &'a Judgement, code: &str) -> &'a crate::model::Finding {
    j.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", j.findings))
}

fn check_declared(j: &Judgement) {
    crate::check::assert_well_formed(&Network, j);
}

pub(super) fn judged(f: &NetworkFacts) -> Judgement {
    let j = judge(f, &onvue());
    check_declared(&j);
    j
}

mod judge;
mod link;
mod measure;
mod profile;
mod quality;
