//! The link: VPN, proxy and Wi-Fi rules, proxy sources, interface kinds, facts' stable names.

use super::*;

#[test]
fn vpn_proxy_and_wifi() {
    let mut f = healthy();
    f.interfaces.push(Interface {
        name: "wg0".into(),
        kind: InterfaceKind::Tunnel,
        up: true,
        default_route: false,
    });
    f.interfaces.push(Interface {
        name: "tun9".into(),
        kind: InterfaceKind::Tunnel,
        up: false,
        default_route: false,
    });
    f.proxy.settings.push(ProxySetting {
        source: "env:HTTPS_PROXY".into(),
        value: "http://127.0.0.1:9".into(),
    });
    f.interfaces[1].default_route = false;
    f.interfaces[2].up = true;
    f.interfaces[2].default_route = true;
    let j = judged(&f);
    let v = finding(&j, "net-vpn");
    assert_eq!(v.status, Status::Fail);
    assert!(
        v.message.contains("wg0") && !v.message.contains("tun9"),
        "{}",
        v.message
    );
    let p = finding(&j, "net-proxy");
    assert_eq!(p.status, Status::Fail);
    assert!(p.message.contains("env:HTTPS_PROXY = http://127.0.0.1:9"));
    let w = finding(&j, "net-wifi");
    assert_eq!(w.status, Status::Warn);
    assert!(w.message.contains("wlan0"));

    // A profile that allows them: passes, still named.
    let mut req = onvue();
    req.allow_vpn = Some(true);
    req.allow_proxy = Some(true);
    req.warn_on_wifi = None;
    let j = judge(&f, &req);
    check_declared(&j);
    assert_eq!(finding(&j, "net-vpn").status, Status::Pass);
    assert_eq!(finding(&j, "net-proxy").status, Status::Pass);
    assert!(
        !j.findings
            .iter()
            .any(|x| x.code == "net-wifi" || x.code == "net-wired")
    );
}

#[test]
fn proxy_sources() {
    let env = |v: &str| match v {
        "HTTPS_PROXY" => Some("http://user:secret@proxy.corp:3128".to_string()),
        "NO_PROXY" => Some("localhost".to_string()),
        _ => None,
    };
    let system = vec![ProxySetting {
        source: "gnome:auto".into(),
        value: "http://me:pw@wpad.corp/proxy.pac".into(),
    }];
    let p = crate::check::network::link::proxy_facts(env, ("gnome".into(), system));
    assert_eq!(p.settings[0].source, "env:HTTPS_PROXY");
    assert_eq!(p.settings[0].value, "http://***@proxy.corp:3128");
    assert_eq!(p.no_proxy.as_deref(), Some("localhost"));
    // The system's settings follow, with credentials masked too.
    assert_eq!(p.system_source, "gnome");
    assert_eq!(p.settings[1].source, "gnome:auto");
    assert_eq!(p.settings[1].value, "http://***@wpad.corp/proxy.pac");

    let mac = "<dictionary> {\n  HTTPEnable : 1\n  HTTPPort : 8080\n  HTTPProxy : 10.0.0.1\n  HTTPSEnable : 0\n  ProxyAutoConfigEnable : 1\n  ProxyAutoConfigURLString : http://wpad/wpad.dat\n}";
    let s = parse_scutil(mac);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].value, "10.0.0.1:8080");
    assert_eq!(s[1].value, "http://wpad/wpad.dat");

    let reg = "HKEY_CURRENT_USER\\Software\\...\\Internet Settings\n    ProxyEnable    REG_DWORD    0x1\n    ProxyServer    REG_SZ    proxy.corp:3128\n";
    let s = parse_windows_reg(reg);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].value, "proxy.corp:3128");
    assert!(parse_windows_reg("    ProxyEnable    REG_DWORD    0x0\n").is_empty());
}

/// Windows adapters as `GetAdaptersAddresses` describes them (type, description, friendly
/// name), in any display language: "WLAN" and "Ethernet 2" are told by their type.
#[test]
fn windows_adapters_classify_by_type_and_description() {
    use crate::check::network::link::windows_adapter_kind as kind;
    assert_eq!(
        kind(6, "Intel(R) Ethernet Connection I219-V", "Ethernet 2"),
        InterfaceKind::Wired
    );
    assert_eq!(
        kind(71, "Intel(R) Wi-Fi 6 AX201 160MHz", "WLAN"),
        InterfaceKind::Wifi
    );
    assert_eq!(
        kind(6, "TAP-Windows Adapter V9", "OpenVPN TAP-Windows6"),
        InterfaceKind::Tunnel
    );
    assert_eq!(kind(53, "WireGuard Tunnel", "wg0"), InterfaceKind::Tunnel);
    assert_eq!(
        kind(53, "Tailscale Tunnel", "Tailscale"),
        InterfaceKind::Tunnel
    );
    assert_eq!(
        kind(
            6,
            "Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter for Windows x64",
            "Ethernet 3"
        ),
        InterfaceKind::Tunnel
    );
    assert_eq!(
        kind(131, "Teredo Tunneling Pseudo-Interface", "Teredo"),
        InterfaceKind::Tunnel
    );
    assert_eq!(
        kind(
            24,
            "Software Loopback Interface 1",
            "Loopback Pseudo-Interface 1"
        ),
        InterfaceKind::Loopback
    );
    // A Hyper-V virtual switch is virtual but no VPN.
    assert_eq!(
        kind(
            53,
            "Hyper-V Virtual Ethernet Adapter",
            "vEthernet (Default Switch)"
        ),
        InterfaceKind::Other
    );
}

#[test]
fn interface_names_classify() {
    use crate::check::network::link::kind_by_name;
    for n in [
        "tun0",
        "tap1",
        "wg0",
        "utun3",
        "ppp0",
        "tailscale0",
        "zt12345",
        "nordlynx",
    ] {
        assert_eq!(kind_by_name(n), InterfaceKind::Tunnel, "{n}");
    }
    assert_eq!(kind_by_name("wlp2s0"), InterfaceKind::Wifi);
    assert_eq!(kind_by_name("enp3s0"), InterfaceKind::Wired);
    assert_eq!(kind_by_name("lo"), InterfaceKind::Loopback);
    assert_eq!(kind_by_name("docker0"), InterfaceKind::Other);
}

#[test]
fn facts_round_trip_with_stable_names() {
    let v = serde_json::to_value(healthy()).unwrap();
    for key in [
        "download_mbps",
        "upload_mbps",
        "latency_ms",
        "jitter_ms",
        "loaded_latency_increase_ms",
        "loss_percent",
        "loss_method",
        "loss_not_measured_reason",
        "endpoints",
        "interfaces",
        "proxy",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    for key in ["median", "min", "series"] {
        assert!(v["download_mbps"].get(key).is_some());
    }
    for key in [
        "host",
        "port",
        "status",
        "dns_ms",
        "connect_ms",
        "tls_ms",
        "error",
    ] {
        assert!(v["endpoints"][0].get(key).is_some(), "{key}");
    }
    let back: NetworkFacts = serde_json::from_value(v).unwrap();
    assert_eq!(back, healthy());
}

#[test]
fn unreadable_interfaces_skip_the_link_rules() {
    let mut f = healthy();
    f.interfaces.retain(|i| i.kind == InterfaceKind::Loopback);
    let j = judged(&f);
    assert_eq!(finding(&j, "net-link-unknown").status, Status::Skip);
    assert!(
        !j.findings
            .iter()
            .any(|x| x.code == "net-wired" || x.code == "net-no-vpn")
    );
    assert_eq!(finding(&j, "net-no-proxy").status, Status::Pass);
}
