//! Windows interfaces.

use super::Interface;
use super::kind::windows_adapter_kind;

/// Windows: the IP Helper API (`GetAdaptersAddresses`), which gives each adapter's type, state,
/// description and gateways in any display language (netsh's output is localized).
pub(super) fn windows_interfaces() -> Vec<Interface> {
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
