//! Linux interfaces: `/sys/class/net` and the default route in `/proc/net/route`.

use super::{Interface, InterfaceKind, kind_by_name};

pub(super) fn linux_interfaces() -> Vec<Interface> {
    let base = std::path::Path::new("/sys/class/net");
    let default_routes: Vec<String> = std::fs::read_to_string("/proc/net/route")
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() > 7 && f[1] == "00000000" && f[7] == "00000000").then(|| f[0].to_string())
        })
        .collect();
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(base) else {
        return out;
    };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let p = base.join(&name);
        let read = |f: &str| std::fs::read_to_string(p.join(f)).map(|s| s.trim().to_string());
        let flags = read("flags")
            .ok()
            .and_then(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            .unwrap_or(0);
        let arphrd: u32 = read("type").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
        let kind = if arphrd == 772 {
            InterfaceKind::Loopback
        } else if p.join("wireless").exists() || p.join("phy80211").exists() {
            InterfaceKind::Wifi
        } else if p.join("tun_flags").exists()
            // ppp, tunnel, ipip, gre, sit, ip6tnl, none (wireguard)
            || matches!(arphrd, 512 | 768 | 769 | 776 | 778 | 823 | 65534)
            || kind_by_name(&name) == InterfaceKind::Tunnel
        {
            InterfaceKind::Tunnel
        } else if arphrd == 1 && p.join("device").exists() {
            InterfaceKind::Wired
        } else {
            InterfaceKind::Other
        };
        out.push(Interface {
            default_route: default_routes.contains(&name),
            name,
            kind,
            // IFF_UP, and an operational state that is not down (tunnels report "unknown").
            up: flags & 0x1 != 0
                && matches!(read("operstate").as_deref(), Ok("up") | Ok("unknown")),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
