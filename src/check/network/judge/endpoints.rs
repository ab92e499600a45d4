//! The endpoint findings beyond reachability: TLS interception and the WebSocket upgrade.

use super::super::{EndpointFacts, EndpointStatus};
use super::*;
use crate::model::{Finding, Status};

/// A chain the OS store accepts and the public web PKI does not: a local root intercepts.
/// A warning: the connection works, but decrypting proxies break many proctoring streams.
pub(super) fn intercepted(e: &EndpointFacts, out: &mut Vec<Finding>) {
    let Some(c) = &e.tls_chain else { return };
    if !c.os_trusted || c.public_trusted {
        return;
    }
    let issuer = c
        .issuer
        .as_deref()
        .unwrap_or("an unnamed certificate authority");
    out.push(Finding::warn(
        NetCode::NetTlsIntercepted,
        format!(
            "The secure connection to {}:{} is intercepted: its certificate comes from \"{issuer}\", \
             a root installed on this computer that the public web does not know{}. Antivirus \
             HTTPS scanning or a company proxy decrypts the connection, which often breaks the \
             proctoring video stream.",
            e.host,
            e.port,
            c.public_error
                .as_deref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        ),
        format!(
            "Turn off HTTPS/SSL scanning in the program that owns \"{issuer}\" (for example Avast/AVG \
             Web Shield > \"Enable HTTPS scanning\", Kaspersky \"Scan encrypted connections\", ESET \
             \"SSL/TLS protocol filtering\"), or on a company or school computer ask IT to exempt \
             {} from TLS inspection; then run examready again.",
            e.host
        ),
    ));
}

/// The WebSocket upgrade the profile names, on an endpoint that TCP (and TLS) reached.
pub(super) fn websocket(e: &EndpointFacts, out: &mut Vec<Finding>) {
    let Some(w) = &e.websocket else { return };
    let scheme = if e.tls { "wss" } else { "ws" };
    let url = format!("{scheme}://{}:{}{}", e.host, e.port, w.path);
    if w.upgraded {
        out.push(Finding::pass(
            NetCode::NetWebsocketOk,
            format!("A WebSocket to {url} opened (HTTP 101)."),
        ));
        return;
    }
    let got = match (&w.status_line, &w.error) {
        (Some(l), Some(x)) => format!("{l:?}: {x}"),
        (Some(l), None) => format!("{l:?}"),
        (None, Some(x)) => x.clone(),
        (None, None) => "no answer".into(),
    };
    let status = if e.required {
        Status::Fail
    } else {
        Status::Warn
    };
    out.push(
        Finding::new(
            NetCode::NetWebsocketBlocked,
            status,
            format!(
                "{}:{} answers TCP{}, but a WebSocket to {url} did not open ({got}){}. Live video \
                 and proctor chat use WebSockets: a proxy or firewall that refuses the Upgrade breaks \
                 them (OnVUE's \"Network check 80%\").",
                e.host,
                e.port,
                if e.tls { " and TLS" } else { "" },
                if e.required {
                    ""
                } else {
                    "; the profile marks this endpoint as advisory"
                }
            ),
        )
        .with_remedy(format!(
            "Allow WebSocket (HTTP Upgrade) connections to {}:{} in the firewall, proxy or \
             antivirus web shield (on a company or school network ask IT to allow WebSocket to \
             {} on port {} without inspection), or use another network.",
            e.host, e.port, e.host, e.port
        )),
    );
}

/// For a failed handshake: `; its certificate comes from "X"`, naming the chain's issuer.
pub(super) fn tls_issuer(e: &EndpointFacts) -> String {
    match (&e.status, &e.tls_chain) {
        (EndpointStatus::TlsFailed, Some(c)) => c
            .issuer
            .as_deref()
            .map(|i| format!("; its certificate comes from \"{i}\""))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Reachability of every endpoint the profile lists, with the interception and WebSocket checks.
pub(super) fn endpoints(f: &NetworkFacts, out: &mut Vec<Finding>) {
    if f.endpoints.is_empty() {
        return;
    }
    let bad: Vec<_> = f
        .endpoints
        .iter()
        .filter(|e| e.status != EndpointStatus::Ok)
        .collect();
    // Not one name resolves: one finding says so, instead of the same DNS failure per endpoint.
    if f.endpoints.len() >= 2
        && bad.len() == f.endpoints.len()
        && bad.iter().all(|e| e.status == EndpointStatus::DnsFailed)
    {
        out.push(offline(f));
        return;
    }
    for e in &bad {
        out.push(unreachable(e));
    }
    for e in f
        .endpoints
        .iter()
        .filter(|e| e.status == EndpointStatus::Ok)
    {
        intercepted(e, out);
        websocket(e, out);
    }
    if bad.is_empty() {
        out.push(all_reachable(f));
    }
}

/// DNS failed for every endpoint: this computer is offline, or its DNS does not work.
fn offline(f: &NetworkFacts) -> Finding {
    let allow: Vec<String> = f
        .endpoints
        .iter()
        .map(|e| format!("{}:{}", e.host, e.port))
        .collect();
    Finding::fail(
        NetCode::NetOffline,
        format!(
            "No name resolves: DNS failed for all {} endpoints the exam needs. This computer \
             is offline, or its DNS does not work.",
            f.endpoints.len()
        ),
        format!(
            "Connect to the internet (open a web page to check; a hotel or campus network may \
             first want a login page), restart the router, or set a working DNS server, then run \
             examready again. A firewall must allow: {}.",
            allow.join(", ")
        ),
    )
}

/// One endpoint that did not answer: what failed, and a remedy for that kind of failure.
fn unreachable(e: &EndpointFacts) -> Finding {
    let proto = if e.tls { "TCP (TLS)" } else { "TCP" };
    let issuer = tls_issuer(e);
    let message = format!(
        "{}:{}: {}{}{issuer}{}.",
        e.host,
        e.port,
        e.status.describe(),
        e.error
            .as_deref()
            .map(|x| format!(" ({x})"))
            .unwrap_or_default(),
        if e.required {
            ""
        } else {
            "; the profile marks this endpoint as advisory"
        }
    );
    let status = if e.required {
        Status::Fail
    } else {
        Status::Warn
    };
    let remedy = match e.status {
        EndpointStatus::DnsFailed => format!(
            "The name {} does not resolve: check that you are online and that your DNS (router, \
                 Pi-hole, company DNS) does not block it; a firewall must allow {} on {proto} port {}.",
            e.host, e.host, e.port
        ),
        EndpointStatus::TlsFailed => format!(
            "Something intercepts secure connections to {}:{} (antivirus web shield, company proxy, \
                 captive portal): turn it off or allow {} on port {} without inspection.",
            e.host, e.port, e.host, e.port
        ),
        _ => format!(
            "A firewall or router blocks it: allow outgoing {proto} to {} on port {} (ask your \
                 network administrator on a company or school network).",
            e.host, e.port
        ),
    };
    Finding::new(NetCode::NetEndpointUnreachable, status, message).with_remedy(remedy)
}

/// Every endpoint answered: a pass naming the slowest.
fn all_reachable(f: &NetworkFacts) -> Finding {
    let slowest = f
        .endpoints
        .iter()
        .map(|e| e.dns_ms.unwrap_or(0.0) + e.connect_ms.unwrap_or(0.0) + e.tls_ms.unwrap_or(0.0))
        .fold(0.0, f64::max);
    Finding::pass(
        NetCode::NetEndpointsReachable,
        format!(
            "All {} endpoints answered (slowest {} for DNS, connect and TLS together).",
            f.endpoints.len(),
            ms(slowest)
        ),
    )
}
