//! `examready allowlist`: the hosts, ports and protocols of a profile's endpoints for a campus
//! firewall, with their sources, as a table, CSV and JSON, for every built-in profile.

use crate::support::examready;

/// Exit code and stdout of `examready allowlist ARGS`.
fn allowlist(args: &[&str]) -> (i32, String) {
    let out = examready().arg("allowlist").args(args).output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// The ids `examready profiles` lists.
fn builtin_ids() -> Vec<String> {
    let out = examready().arg("profiles").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<String> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(ids.len() >= 7, "{text}");
    ids
}

/// The endpoints of a profile as `profile show --toml` resolves them: (host, port).
fn endpoints_of(id: &str) -> Vec<(String, u64)> {
    let out = examready()
        .args(["profile", "show", "--toml", id])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    value
        .get("network")
        .and_then(|n| n.get("endpoints"))
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["host"].as_str().unwrap().to_string(),
                        e["port"].as_integer().unwrap() as u64,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn onvue_in_text_csv_and_json() {
    let (code, text) = allowlist(&[]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("allowlist_onvue_text", text);
    let (_, same) = allowlist(&["--profile", "onvue", "--format", "text"]);
    assert_eq!(same, text, "onvue is the default");

    let (code, json) = allowlist(&["--profile", "onvue", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), 9);
    let rtmp = rows.iter().find(|r| r["port"] == 1935).unwrap();
    assert_eq!(rtmp["host"], "cloud.wowza.com");
    assert_eq!(rtmp["transport"], "tcp");
    assert_eq!(rtmp["protocol"], "tcp");
    assert_eq!(rtmp["tls"], false);
    assert_eq!(rtmp["required"], false);
    assert!(
        rtmp["source"]
            .as_str()
            .unwrap()
            .contains("*.*.cloud.wowza.com")
    );
    for r in &rows {
        assert!(r["source"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
    }
    let ably = rows
        .iter()
        .find(|r| r["host"] == "realtime.ably.io")
        .unwrap();
    assert_eq!(
        (
            &ably["port"],
            &ably["protocol"],
            &ably["tls"],
            &ably["required"]
        ),
        (&443.into(), &"https".into(), &true.into(), &true.into())
    );

    let (code, csv) = allowlist(&["--profile", "onvue", "--format", "csv"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "host,port,transport,protocol,websocket,required,source"
    );
    assert_eq!(lines.len(), 10);
    assert!(
        lines.contains(&"cloud.wowza.com,1935,tcp,tcp,,advisory,\"OnVUE in-app error as reported (requirements.md): *.*.cloud.wowza.com on TCP 80, 443, 1935\""),
        "{csv}"
    );
}

#[test]
fn every_builtin_profile_in_every_format() {
    for id in builtin_ids() {
        let endpoints = endpoints_of(&id);
        let (code, json) = allowlist(&["--profile", &id, "--format", "json"]);
        assert_eq!(code, 0, "{id}");
        let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        let got: Vec<(String, u64)> = rows
            .iter()
            .map(|r| {
                (
                    r["host"].as_str().unwrap().to_string(),
                    r["port"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, endpoints, "{id}: the profile's endpoints, in order");
        for r in &rows {
            assert!(
                r["source"].as_str().is_some(),
                "{id}: every host has a source: {r}"
            );
        }
        let (code, csv) = allowlist(&["--profile", &id, "--format", "csv"]);
        assert_eq!(code, 0, "{id}");
        assert!(csv.starts_with("host,port,transport,protocol,websocket,required,source\n"));
        assert_eq!(csv.lines().count(), rows.len() + 1, "{id}");
        let (code, text) = allowlist(&["--profile", &id]);
        assert_eq!(code, 0, "{id}");
        for (host, port) in &endpoints {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(host.as_str()) && l.contains(&format!(" {port} "))),
                "{id}: {host}:{port} in\n{text}"
            );
        }
        if endpoints.is_empty() {
            assert!(text.contains("names no host or port"), "{id}: {text}");
        }
        assert!(text.contains("The profile's sources:"), "{id}: {text}");
    }
}

#[test]
fn an_unknown_profile_or_format_is_a_usage_error() {
    let out = examready()
        .args(["allowlist", "--profile", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = examready()
        .args(["allowlist", "--format", "xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
