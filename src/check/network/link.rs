//! Link facts: network interfaces (wired, Wi-Fi, VPN/tunnel) and proxy settings.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterfaceKind {
    Loopback,
    Wired,
    Wifi,
    /// VPN or tunnel (tun, tap, wg, utun, ppp, tailscale, zerotier ...).
    Tunnel,
    /// Bridges, virtual Ethernet pairs and anything not classified.
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interface {
    pub name: String,
    pub kind: InterfaceKind,
    /// Administratively up and running.
    pub up: bool,
    /// Carries the default route (where known).
    pub default_route: bool,
}

/// One proxy setting found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProxySetting {
    /// Where it was found: `env:HTTPS_PROXY`, `gnome`, `macos`, `windows`.
    pub source: String,
    /// The proxy, or the auto-configuration URL (credentials and query values masked).
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProxyFacts {
    pub settings: Vec<ProxySetting>,
    /// NO_PROXY as set, if any.
    pub no_proxy: Option<String>,
    /// Which system proxy store was read (`gnome`, `macos`, `windows`) or why none.
    pub system_source: String,
}

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

/// The interfaces of this machine.
pub fn interfaces() -> Vec<Interface> {
    #[cfg(target_os = "linux")]
    {
        linux_interfaces()
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        unix_interfaces()
    }
    #[cfg(windows)]
    {
        windows_interfaces()
    }
    #[cfg(not(any(unix, windows)))]
    {
        Vec::new()
    }
}

#[cfg(target_os = "linux")]
fn linux_interfaces() -> Vec<Interface> {
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

#[cfg(all(unix, not(target_os = "linux")))]
fn unix_interfaces() -> Vec<Interface> {
    use std::collections::BTreeMap;
    let mut seen: BTreeMap<String, bool> = BTreeMap::new();
    // SAFETY: getifaddrs fills a linked list we walk read-only and free once.
    unsafe {
        let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut ifap) == 0 {
            let mut cur = ifap;
            while !cur.is_null() {
                let ifa = &*cur;
                let name = std::ffi::CStr::from_ptr(ifa.ifa_name)
                    .to_string_lossy()
                    .into_owned();
                let up = ifa.ifa_flags & (libc::IFF_UP as u32) != 0
                    && ifa.ifa_flags & (libc::IFF_RUNNING as u32) != 0;
                let e = seen.entry(name).or_insert(false);
                *e |= up;
                cur = ifa.ifa_next;
            }
            libc::freeifaddrs(ifap);
        }
    }
    let default_if = default_route_macos();
    seen.into_iter()
        .map(|(name, up)| Interface {
            kind: kind_by_name(&name),
            default_route: default_if.as_deref() == Some(name.as_str()),
            name,
            up,
        })
        .collect()
}

#[cfg(all(unix, not(target_os = "linux")))]
fn default_route_macos() -> Option<String> {
    let out = run_with_timeout("route", &["-n", "get", "default"])?;
    out.lines().find_map(|l| {
        l.trim()
            .strip_prefix("interface:")
            .map(|s| s.trim().to_string())
    })
}

/// Windows: the IP Helper API (`GetAdaptersAddresses`), which gives each adapter's type, state,
/// description and gateways in any display language (netsh's output is localized).
#[cfg(windows)]
fn windows_interfaces() -> Vec<Interface> {
    use windows_sys::Win32::NetworkManagement::IpHelper::{
        GAA_FLAG_INCLUDE_GATEWAYS, GAA_FLAG_SKIP_ANYCAST, GAA_FLAG_SKIP_MULTICAST,
        GetAdaptersAddresses, IP_ADAPTER_ADDRESSES_LH,
    };
    use windows_sys::Win32::Networking::WinSock::AF_UNSPEC;
    const ERROR_BUFFER_OVERFLOW: u32 = 111;
    let wide = |p: *const u16| -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: the API returns NUL-terminated UTF-16 strings inside its buffer.
        unsafe {
            let len = (0..).take_while(|&i| *p.add(i) != 0).count();
            String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
        }
    };
    let flags = GAA_FLAG_INCLUDE_GATEWAYS | GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST;
    // 15 KB is Microsoft's recommended first size; grown when the API asks for more. u64s
    // keep the buffer aligned for the structures.
    let mut size: u32 = 15 * 1024;
    let mut buf: Vec<u64> = Vec::new();
    for _ in 0..4 {
        buf = vec![0; (size as usize).div_ceil(8)];
        // SAFETY: buf holds at least `size` bytes, aligned for IP_ADAPTER_ADDRESSES_LH.
        let rc = unsafe {
            GetAdaptersAddresses(
                u32::from(AF_UNSPEC),
                flags,
                std::ptr::null(),
                buf.as_mut_ptr().cast(),
                &mut size,
            )
        };
        match rc {
            0 => break,
            ERROR_BUFFER_OVERFLOW => continue,
            _ => return Vec::new(),
        }
    }
    let mut out = Vec::new();
    let mut cur = buf.as_ptr() as *const IP_ADAPTER_ADDRESSES_LH;
    while !cur.is_null() && out.len() < 256 {
        // SAFETY: a linked list inside buf, as filled in by the API.
        let a = unsafe { &*cur };
        let friendly = wide(a.FriendlyName);
        let description = wide(a.Description);
        out.push(Interface {
            kind: windows_adapter_kind(a.IfType, &description, &friendly),
            name: if description.is_empty() || description == friendly {
                friendly
            } else {
                format!("{friendly} ({description})")
            },
            // IfOperStatusUp
            up: a.OperStatus == 1,
            default_route: !a.FirstGatewayAddress.is_null(),
        });
        cur = a.Next;
    }
    out
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

/// Run a command with a 2-second limit; its stdout when it succeeded.
fn run_with_timeout(cmd: &str, args: &[&str]) -> Option<String> {
    crate::command::output_within(cmd, args, Duration::from_secs(2))
}

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
