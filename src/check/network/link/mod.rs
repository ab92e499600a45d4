//! Link facts: network interfaces (wired, Wi-Fi, VPN/tunnel) and proxy settings.

mod kind;
#[cfg(target_os = "linux")]
mod linux;
mod proxy;
#[cfg(all(unix, not(target_os = "linux")))]
mod unix;
#[cfg(windows)]
mod windows;

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[cfg_attr(not(unix), allow(unused_imports))]
pub use kind::kind_by_name;
#[cfg(test)]
pub use kind::windows_adapter_kind;
#[cfg(test)]
pub use proxy::{parse_scutil, parse_windows_reg};
pub use proxy::{proxy_facts, system_proxy};

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

/// The interfaces of this machine.
pub fn interfaces() -> Vec<Interface> {
    #[cfg(target_os = "linux")]
    {
        linux::linux_interfaces()
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        unix::unix_interfaces()
    }
    #[cfg(windows)]
    {
        windows::windows_interfaces()
    }
    #[cfg(not(any(unix, windows)))]
    {
        Vec::new()
    }
}

/// Run a command with a 2-second limit; its stdout when it succeeded.
fn run_with_timeout(cmd: &str, args: &[&str]) -> Option<String> {
    crate::command::output_within(cmd, args, Duration::from_secs(2))
}
