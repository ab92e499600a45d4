//! Proxy, VPN and Wi-Fi: how the computer is connected.

use super::*;

pub(super) fn link(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
    proxy(f, req, out);
    let known = f
        .interfaces
        .iter()
        .any(|i| i.kind != InterfaceKind::Loopback);
    if !known && (req.warn_on_wifi == Some(true) || req.allow_vpn.is_some()) {
        out.push(Finding::skip(
            NetCode::NetLinkUnknown,
            "The network interfaces could not be read, so Wi-Fi and VPN were not checked.",
        ));
        return;
    }
    let tunnels: Vec<&str> = f
        .interfaces
        .iter()
        .filter(|i| i.up && i.kind == InterfaceKind::Tunnel)
        .map(|i| i.name.as_str())
        .collect();
    if let Some(allow) = req.allow_vpn {
        if tunnels.is_empty() {
            out.push(Finding::pass(
                NetCode::NetNoVpn,
                "No VPN or tunnel interface is active.",
            ));
        } else {
            let msg = format!(
                "A VPN or tunnel interface is active: {}.",
                tunnels.join(", ")
            );
            let remedy = "Disconnect the VPN (and quit its app, e.g. Tailscale, WireGuard, OpenVPN, ZeroTier) \
                          before the exam; the proctoring service does not allow VPNs.";
            out.push(if allow {
                Finding::pass(NetCode::NetVpn, format!("{msg} The profile allows VPNs."))
            } else {
                Finding::fail(NetCode::NetVpn, msg, remedy)
            });
        }
    }
    if req.warn_on_wifi == Some(true) {
        let up: Vec<_> = f
            .interfaces
            .iter()
            .filter(|i| i.up && i.kind != InterfaceKind::Loopback)
            .collect();
        let routed: Vec<_> = up.iter().filter(|i| i.default_route).collect();
        let wifi_in_use = if routed.is_empty() {
            up.iter().any(|i| i.kind == InterfaceKind::Wifi)
                && !up.iter().any(|i| i.kind == InterfaceKind::Wired)
        } else {
            routed.iter().any(|i| i.kind == InterfaceKind::Wifi)
        };
        if wifi_in_use {
            let names: Vec<&str> = up
                .iter()
                .filter(|i| i.kind == InterfaceKind::Wifi)
                .map(|i| i.name.as_str())
                .collect();
            out.push(Finding::warn(
                NetCode::NetWifi,
                format!("The connection goes over Wi-Fi ({}).", names.join(", ")),
                "Use an Ethernet cable for the exam if you can (the proctoring service advises a wired \
                 connection); otherwise sit close to the router and keep other devices off the Wi-Fi.",
            ));
        } else {
            out.push(Finding::pass(
                NetCode::NetWired,
                "The connection does not go over Wi-Fi.",
            ));
        }
    }
}

pub(super) fn proxy(f: &NetworkFacts, req: &NetworkRequirements, out: &mut Vec<Finding>) {
    if let Some(allow) = req.allow_proxy {
        if f.proxy.settings.is_empty() {
            out.push(Finding::pass(
                NetCode::NetNoProxy,
                format!(
                    "No proxy is configured (environment; system: {}).",
                    f.proxy.system_source
                ),
            ));
        } else {
            let list: Vec<String> = f
                .proxy
                .settings
                .iter()
                .map(|s| format!("{} = {}", s.source, s.value))
                .collect();
            let msg = format!("A proxy is configured: {}.", list.join(", "));
            let remedy = "Turn the proxy off for the exam: unset the proxy environment variables and set the \
                          system proxy to \"none\" (Windows: Settings > Network > Proxy; macOS: System Settings > \
                          Network > Details > Proxies). On a managed computer, use another network or ask IT.";
            out.push(if allow {
                Finding::pass(
                    NetCode::NetProxy,
                    format!("{msg} The profile allows proxies."),
                )
            } else {
                Finding::fail(NetCode::NetProxy, msg, remedy)
            });
        }
    }
}
