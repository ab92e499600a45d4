//! Loss and latency by ICMP echo through an unprivileged ICMP socket (`SOCK_DGRAM`, `IPPROTO_ICMP`):
//! Linux allows it for groups in `net.ipv4.ping_group_range`, macOS always. Never raw sockets,
//! never privileges. Blocking; run it on a blocking thread.

use std::net::IpAddr;
#[cfg(unix)]
use std::time::{Duration, Instant};

use super::echo::{EchoPlan, EchoRun};

/// Payload marker, so only our own echoes count.
#[cfg_attr(not(unix), allow(dead_code))]
const MAGIC: &[u8; 4] = b"ERdy";

#[cfg_attr(not(unix), allow(dead_code))]
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for chunk in data.chunks(2) {
        let word = u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]);
        sum += word as u32;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Send the plan's echo requests to `target` and time the answers.
#[cfg(unix)]
pub fn echo(target: IpAddr, plan: &EchoPlan) -> Result<EchoRun, String> {
    let v4 = target.is_ipv4();
    let (domain, proto, req_type, rep_type) = if v4 {
        (libc::AF_INET, libc::IPPROTO_ICMP, 8u8, 0u8)
    } else {
        (libc::AF_INET6, libc::IPPROTO_ICMPV6, 128u8, 129u8)
    };
    // SAFETY: plain socket(2); the descriptor is closed by `Fd` on every path.
    let fd = unsafe { libc::socket(domain, libc::SOCK_DGRAM, proto) };
    if fd < 0 {
        let e = std::io::Error::last_os_error();
        return Err(format!(
            "this system does not allow unprivileged ICMP sockets ({e}; on Linux the group is not in net.ipv4.ping_group_range)"
        ));
    }
    struct Fd(libc::c_int);
    impl Drop for Fd {
        fn drop(&mut self) {
            // SAFETY: closing the descriptor we opened, once.
            unsafe { libc::close(self.0) };
        }
    }
    let fd = Fd(fd);
    // SAFETY: sockaddr structs are plain data; zeroed is a valid starting value.
    let rc = unsafe {
        match target {
            IpAddr::V4(ip) => {
                let mut sa: libc::sockaddr_in = std::mem::zeroed();
                sa.sin_family = libc::AF_INET as libc::sa_family_t;
                sa.sin_addr = libc::in_addr {
                    s_addr: u32::from_ne_bytes(ip.octets()),
                };
                #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
                {
                    sa.sin_len = std::mem::size_of::<libc::sockaddr_in>() as u8;
                }
                libc::connect(
                    fd.0,
                    (&sa as *const libc::sockaddr_in).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            }
            IpAddr::V6(ip) => {
                let mut sa: libc::sockaddr_in6 = std::mem::zeroed();
                sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sa.sin6_addr = libc::in6_addr {
                    s6_addr: ip.octets(),
                };
                #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
                {
                    sa.sin6_len = std::mem::size_of::<libc::sockaddr_in6>() as u8;
                }
                libc::connect(
                    fd.0,
                    (&sa as *const libc::sockaddr_in6).cast(),
                    std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                )
            }
        }
    };
    if rc != 0 {
        return Err(format!(
            "cannot address {target} over ICMP: {}",
            std::io::Error::last_os_error()
        ));
    }
    let token = super::echo::token();
    let start = Instant::now();
    let due = |k: u32| start + plan.interval * k;
    let mut run = EchoRun::default();
    let mut send_times: Vec<Instant> = Vec::new();
    let mut got = 0u32;
    let mut max_rtt = Duration::ZERO;
    let mut grace_until: Option<Instant> = None;
    let mut buf = [0u8; 1500];
    loop {
        if plan.stopped() {
            break;
        }
        let sent = run.sent();
        if sent < plan.count && due(sent) <= Instant::now() {
            let mut pkt = [0u8; 64];
            pkt[0] = req_type;
            pkt[6..8].copy_from_slice(&(sent as u16).to_be_bytes());
            pkt[8..12].copy_from_slice(MAGIC);
            pkt[12..16].copy_from_slice(&token.to_be_bytes());
            pkt[16..20].copy_from_slice(&sent.to_be_bytes());
            let c = checksum(&pkt);
            pkt[2..4].copy_from_slice(&c.to_be_bytes());
            send_times.push(Instant::now());
            run.rtt_ms.push(None);
            // SAFETY: sending from a live buffer on our connected socket.
            let r = unsafe { libc::send(fd.0, pkt.as_ptr().cast(), pkt.len(), 0) };
            if r < 0 {
                let e = std::io::Error::last_os_error();
                return Err(format!("sending ICMP echo to {target} failed: {e}"));
            }
            continue;
        }
        if run.sent() == plan.count && grace_until.is_none() {
            grace_until = Some(Instant::now() + super::echo::grace(max_rtt));
        }
        if got == plan.count || grace_until.is_some_and(|g| Instant::now() >= g) {
            break;
        }
        // Wake for the next packet, the end of the grace, or at least every 50 ms to see a stop.
        let wake = grace_until
            .unwrap_or(due(run.sent()))
            .min(Instant::now() + Duration::from_millis(50));
        let wait_ms = wake.saturating_duration_since(Instant::now()).as_millis() as libc::c_int;
        let mut pfd = libc::pollfd {
            fd: fd.0,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd, valid for the call.
        let ready = unsafe { libc::poll(&mut pfd, 1, wait_ms.max(0)) };
        if ready <= 0 {
            continue;
        }
        // SAFETY: receiving into our buffer, within its length.
        let len =
            unsafe { libc::recv(fd.0, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
        if len <= 0 {
            continue;
        }
        let mut msg = &buf[..len as usize];
        // macOS hands ICMPv4 datagram sockets the IP header too.
        if v4 && msg.len() >= 20 && msg[0] >> 4 == 4 {
            let ihl = (msg[0] & 0x0f) as usize * 4;
            if msg.len() > ihl {
                msg = &msg[ihl..];
            }
        }
        if msg.len() >= 20
            && msg[0] == rep_type
            && &msg[8..12] == MAGIC
            && msg[12..16] == token.to_be_bytes()
        {
            let seq = u32::from_be_bytes([msg[16], msg[17], msg[18], msg[19]]) as usize;
            if let Some(slot @ None) = run.rtt_ms.get_mut(seq) {
                let rtt = send_times[seq].elapsed();
                max_rtt = max_rtt.max(rtt);
                let rtt_ms = rtt.as_secs_f64() * 1000.0;
                *slot = Some(rtt_ms);
                plan.report(rtt_ms);
                got += 1;
            }
        }
    }
    if got == 0 && !run.rtt_ms.is_empty() {
        return Err(format!(
            "no ICMP echo came back from {target}: ICMP may be filtered (loss is not assumed to be 100 %)"
        ));
    }
    Ok(run)
}

#[cfg(not(unix))]
pub fn echo(_: IpAddr, _: &EchoPlan) -> Result<EchoRun, String> {
    Err("ICMP echo without privileges is not available on this system".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksum_matches_rfc1071_example() {
        // RFC 1071's example words 0001 f203 f4f5 f6f7 sum to 0xddf2; the checksum is its complement.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(super::checksum(&data), !0xddf2);
    }
}
