//! Classifying an interface by its name (and, on Windows, its adapter type).

use super::InterfaceKind;

/// Name prefixes of VPN and tunnel interfaces.
const TUNNEL_PREFIXES: &[&str] = &[
    "tun",
    "tap",
    "wg",
    "utun",
    "ppp",
    "tailscale",
    "zt",
    "zerotier",
    "ipsec",
    "gpd",
    "cscotun",
    "nordlynx",
    "proton",
    "mullvad",
    "vpn",
    "nebula",
    "ztun",
];

/// Classify an interface by name alone (used where the OS gives nothing better).
#[cfg_attr(not(unix), allow(dead_code))]
pub fn kind_by_name(name: &str) -> InterfaceKind {
    let n = name.to_ascii_lowercase();
    if n == "lo" || n.starts_with("lo0") || n == "lo0" {
        InterfaceKind::Loopback
    } else if TUNNEL_PREFIXES.iter().any(|p| n.starts_with(p)) {
        InterfaceKind::Tunnel
    } else if n.starts_with("wl") || n.starts_with("wifi") || n.starts_with("ath") {
        InterfaceKind::Wifi
    } else if n.starts_with("eth") || n.starts_with("en") || n.starts_with("em") {
        InterfaceKind::Wired
    } else {
        InterfaceKind::Other
    }
}

/// Classify a Windows adapter from its IANA interface type and its names: Wi-Fi (71), loopback
/// (24), PPP (23), tunnel (131) and virtual (53) types; an Ethernet-type adapter whose
/// description names a VPN (TAP, WireGuard, Tailscale, AnyConnect ...) is a tunnel too, since
/// most VPN clients install virtual Ethernet adapters.
#[cfg_attr(not(windows), allow(dead_code))]
pub fn windows_adapter_kind(if_type: u32, description: &str, friendly: &str) -> InterfaceKind {
    const VPN_WORDS: &[&str] = &[
        "vpn",
        "tap-",
        "tap adapter",
        "wireguard",
        "wintun",
        "tailscale",
        "zerotier",
        "openvpn",
        "anyconnect",
        "fortinet",
        "fortissl",
        "globalprotect",
        "pangp",
        "juniper",
        "pulse secure",
        "nordlynx",
        "proton",
        "mullvad",
        "expressvpn",
        "hamachi",
        "cloudflare warp",
        "sonicwall",
        "checkpoint",
        "wan miniport (ikev2)",
        "wan miniport (l2tp)",
        "wan miniport (pptp)",
        "wan miniport (sstp)",
    ];
    let text = format!("{description} {friendly}").to_ascii_lowercase();
    let vpn = VPN_WORDS.iter().any(|w| text.contains(w));
    match if_type {
        24 => InterfaceKind::Loopback,
        71 => InterfaceKind::Wifi,
        23 | 131 | 53 if vpn || if_type != 53 => InterfaceKind::Tunnel,
        _ if vpn => InterfaceKind::Tunnel,
        6 => InterfaceKind::Wired,
        _ => InterfaceKind::Other,
    }
}
