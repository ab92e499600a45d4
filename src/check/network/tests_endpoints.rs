//! Judge tests on recorded endpoint facts: TLS interception and the WebSocket upgrade.

use super::tests::{finding, healthy, judged};
use super::*;
use crate::model::Status;

fn chain(os: bool, public: bool) -> TlsChainFacts {
    TlsChainFacts {
        issuer: Some("Avast Web/Mail Shield Root".into()),
        os_trusted: os,
        public_trusted: public,
        public_error: (!public).then(|| "invalid peer certificate: UnknownIssuer".into()),
    }
}

fn ws(upgraded: bool, status_line: Option<&str>, error: Option<&str>) -> WebSocketFacts {
    WebSocketFacts {
        path: "/webrtc-session.json".into(),
        upgraded,
        http_status: status_line.and_then(|l| l.split(' ').nth(1)?.parse().ok()),
        status_line: status_line.map(Into::into),
        error: error.map(Into::into),
        ms: Some(12.0),
    }
}

#[test]
fn a_chain_only_the_os_store_trusts_is_intercepted_and_its_issuer_named() {
    let mut f = healthy();
    f.endpoints[0].tls_chain = Some(chain(true, false));
    let j = judged(&f);
    let x = finding(&j, "net-tls-intercepted");
    assert_eq!(x.status, Status::Warn);
    assert!(
        x.message.contains("Avast Web/Mail Shield Root")
            && x.message.contains("home.pearsonvue.com:443"),
        "{}",
        x.message
    );
    let remedy = x.remedy.as_deref().unwrap();
    assert!(remedy.contains("HTTPS") && remedy.contains("home.pearsonvue.com"));
    // The endpoint itself answered: still reachable.
    assert_eq!(finding(&j, "net-endpoints-reachable").status, Status::Pass);
}

#[test]
fn a_publicly_trusted_chain_or_no_chain_is_not_intercepted() {
    for c in [Some(chain(true, true)), None] {
        let mut f = healthy();
        f.endpoints[0].tls_chain = c;
        let j = judged(&f);
        assert!(
            j.findings.iter().all(|x| x.code != "net-tls-intercepted"),
            "{:#?}",
            j.findings
        );
    }
}

#[test]
fn a_chain_no_store_trusts_is_a_tls_failure_naming_its_issuer() {
    let mut f = healthy();
    let e = &mut f.endpoints[0];
    e.status = EndpointStatus::TlsFailed;
    e.error = Some("TLS handshake failed: invalid peer certificate: UnknownIssuer".into());
    e.tls_chain = Some(chain(false, false));
    let j = judged(&f);
    let x = finding(&j, "net-endpoint-unreachable");
    assert_eq!(x.status, Status::Fail);
    assert!(
        x.message.contains("Avast Web/Mail Shield Root"),
        "{}",
        x.message
    );
    assert!(j.findings.iter().all(|x| x.code != "net-tls-intercepted"));
}

#[test]
fn websocket_upgrade_accepted_passes() {
    let mut f = healthy();
    f.endpoints[0].websocket = Some(ws(true, Some("HTTP/1.1 101 Switching Protocols"), None));
    let j = judged(&f);
    let x = finding(&j, "net-websocket-ok");
    assert_eq!(x.status, Status::Pass);
    assert!(
        x.message
            .contains("wss://home.pearsonvue.com:443/webrtc-session.json")
    );
}

#[test]
fn websocket_refused_or_stripped_fails_required_and_warns_advisory() {
    for (required, status) in [(true, Status::Fail), (false, Status::Warn)] {
        for (line, err, shown) in [
            (
                Some("HTTP/1.1 403 Forbidden"),
                Some("no Upgrade in the answer: refused or stripped on the way"),
                "403 Forbidden",
            ),
            (
                None,
                Some("no answer to the WebSocket upgrade within 3 s"),
                "no answer",
            ),
        ] {
            let mut f = healthy();
            let e = &mut f.endpoints[0];
            e.host = "cloud.wowza.com".into();
            e.port = 1935;
            e.tls = false;
            e.required = required;
            e.websocket = Some(ws(false, line, err));
            let j = judged(&f);
            let x = finding(&j, "net-websocket-blocked");
            assert_eq!(x.status, status);
            assert!(
                x.message.contains(shown) && x.message.contains("ws://cloud.wowza.com:1935/"),
                "{}",
                x.message
            );
            assert!(
                x.remedy
                    .as_deref()
                    .unwrap()
                    .contains("cloud.wowza.com:1935"),
                "{:?}",
                x.remedy
            );
        }
    }
}

#[test]
fn websocket_paths_are_checked_when_the_profile_is_read() {
    let ok: Result<EndpointSpec, _> =
        toml::from_str("host = \"a.example\"\nport = 443\nwebsocket = \"/ws?x=1\"");
    assert_eq!(ok.unwrap().websocket.unwrap().0, "/ws?x=1");
    for bad in ["\"ws\"", "\"/a b\"", "\"\""] {
        let r: Result<EndpointSpec, _> = toml::from_str(&format!(
            "host = \"a.example\"\nport = 443\nwebsocket = {bad}"
        ));
        assert!(r.is_err(), "{bad}");
    }
}
