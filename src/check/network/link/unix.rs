//! Interfaces on the other Unixes (macOS, BSD): `getifaddrs` and `route -n get default`.

use super::{Interface, kind_by_name, run_with_timeout};

pub(super) fn unix_interfaces() -> Vec<Interface> {
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

fn default_route_macos() -> Option<String> {
    let out = run_with_timeout("route", &["-n", "get", "default"])?;
    out.lines().find_map(|l| {
        l.trim()
            .strip_prefix("interface:")
            .map(|s| s.trim().to_string())
    })
}
