//! Proxy settings: the environment and the system's proxy store.

use super::{ProxyFacts, ProxySetting, run_with_timeout};

/// Proxy settings from the environment (given as a lookup) and the system's store (as
/// [`system_proxy`] read it: its source and settings). Pure, for tests.
pub fn proxy_facts(
    env: impl Fn(&str) -> Option<String>,
    (source, system): (String, Vec<ProxySetting>),
) -> ProxyFacts {
    let mut facts = ProxyFacts::default();
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        if let Some(v) = env(var).filter(|v| !v.trim().is_empty()) {
            facts.settings.push(ProxySetting {
                source: format!("env:{var}"),
                value: crate::redact::url(v.trim()),
            });
        }
    }
    facts.no_proxy = env("NO_PROXY")
        .or_else(|| env("no_proxy"))
        .filter(|v| !v.is_empty());
    facts.system_source = source;
    // Auto-configuration URLs and proxies from the system's store may carry credentials too.
    facts
        .settings
        .extend(system.into_iter().map(|s| ProxySetting {
            value: crate::redact::url(&s.value),
            ..s
        }));
    facts
}

/// The system's proxy store: macOS `scutil --proxy`, the Windows registry, GNOME's gsettings.
pub fn system_proxy() -> (String, Vec<ProxySetting>) {
    #[cfg(target_os = "macos")]
    {
        let Some(out) = run_with_timeout("scutil", &["--proxy"]) else {
            return ("macos: scutil --proxy did not answer".into(), vec![]);
        };
        ("macos".into(), parse_scutil(&out))
    }
    #[cfg(windows)]
    {
        let key = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings";
        let Some(out) = run_with_timeout("reg", &["query", key]) else {
            return ("windows: the registry could not be read".into(), vec![]);
        };
        ("windows".into(), parse_windows_reg(&out))
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let Some(mode) = run_with_timeout("gsettings", &["get", "org.gnome.system.proxy", "mode"])
        else {
            return (
                "none: no desktop proxy settings found (gsettings not available)".into(),
                vec![],
            );
        };
        let get = |schema: &str, key: &str| {
            run_with_timeout("gsettings", &["get", schema, key])
                .map(|s| s.trim().trim_matches('\'').to_string())
                .unwrap_or_default()
        };
        let mut out = Vec::new();
        match mode.trim().trim_matches('\'') {
            "manual" => {
                for scheme in ["https", "http", "socks"] {
                    let schema = format!("org.gnome.system.proxy.{scheme}");
                    let host = get(&schema, "host");
                    let port = get(&schema, "port");
                    if !host.is_empty() {
                        out.push(ProxySetting {
                            source: format!("gnome:{scheme}"),
                            value: format!("{host}:{port}"),
                        });
                    }
                }
            }
            "auto" => out.push(ProxySetting {
                source: "gnome:auto".into(),
                value: get("org.gnome.system.proxy", "autoconfig-url"),
            }),
            _ => {}
        }
        ("gnome".into(), out)
    }
}

/// Parse `scutil --proxy` output (macOS).
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
pub fn parse_scutil(out: &str) -> Vec<ProxySetting> {
    let get = |key: &str| {
        out.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    };
    let mut settings = Vec::new();
    for (enable, host, port, label) in [
        ("HTTPSEnable", "HTTPSProxy", "HTTPSPort", "https"),
        ("HTTPEnable", "HTTPProxy", "HTTPPort", "http"),
        ("SOCKSEnable", "SOCKSProxy", "SOCKSPort", "socks"),
    ] {
        if get(enable).as_deref() == Some("1") {
            settings.push(ProxySetting {
                source: format!("macos:{label}"),
                value: format!(
                    "{}:{}",
                    get(host).unwrap_or_default(),
                    get(port).unwrap_or_default()
                ),
            });
        }
    }
    if get("ProxyAutoConfigEnable").as_deref() == Some("1") {
        settings.push(ProxySetting {
            source: "macos:auto".into(),
            value: get("ProxyAutoConfigURLString").unwrap_or_default(),
        });
    }
    settings
}

/// Parse `reg query "HKCU\...\Internet Settings"` output (Windows).
#[cfg_attr(not(windows), allow(dead_code))]
pub fn parse_windows_reg(out: &str) -> Vec<ProxySetting> {
    let get = |key: &str| {
        out.lines().find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3 && f[0] == key).then(|| f[2..].join(" "))
        })
    };
    let mut settings = Vec::new();
    if get("ProxyEnable").is_some_and(|v| v == "0x1") {
        settings.push(ProxySetting {
            source: "windows".into(),
            value: get("ProxyServer").unwrap_or_default(),
        });
    }
    if let Some(url) = get("AutoConfigURL") {
        settings.push(ProxySetting {
            source: "windows:auto".into(),
            value: url,
        });
    }
    settings
}
