//! ICMP echo on Unix: an unprivileged ICMP datagram socket, connected to the target.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::super::echo::{answer_seq, payload, token};
use super::{MAGIC, Pinger};

/// The ICMP checksum (RFC 1071).
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

pub struct Socket {
    fd: libc::c_int,
    target: IpAddr,
    token: u32,
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: closing the descriptor we opened, once.
        unsafe { libc::close(self.fd) };
    }
}

impl Socket {
    pub fn open(target: IpAddr) -> Result<Socket, String> {
        let (domain, proto) = if target.is_ipv4() {
            (libc::AF_INET, libc::IPPROTO_ICMP)
        } else {
            (libc::AF_INET6, libc::IPPROTO_ICMPV6)
        };
        // SAFETY: plain socket(2); the descriptor is closed by `Socket` on every path.
        let fd = unsafe { libc::socket(domain, libc::SOCK_DGRAM, proto) };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return Err(format!(
                "this system does not allow unprivileged ICMP sockets ({e}; on Linux the group is not in net.ipv4.ping_group_range)"
            ));
        }
        let sock = Socket {
            fd,
            target,
            token: token(),
        };
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
                        fd,
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
                        fd,
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
        Ok(sock)
    }

    fn types(&self) -> (u8, u8) {
        if self.target.is_ipv4() {
            (8, 0)
        } else {
            (128, 129)
        }
    }
}

impl Pinger for Socket {
    fn send(&mut self, seq: u32) -> Result<(), String> {
        let mut pkt = [0u8; 64];
        pkt[0] = self.types().0;
        pkt[6..8].copy_from_slice(&(seq as u16).to_be_bytes());
        pkt[8..20].copy_from_slice(&payload(MAGIC, self.token, seq));
        let c = checksum(&pkt);
        pkt[2..4].copy_from_slice(&c.to_be_bytes());
        // SAFETY: sending from a live buffer on our connected socket.
        let r = unsafe { libc::send(self.fd, pkt.as_ptr().cast(), pkt.len(), 0) };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            return Err(format!("sending ICMP echo to {} failed: {e}", self.target));
        }
        Ok(())
    }

    fn wait(&mut self, until: Instant) -> Vec<u32> {
        let wait_ms = until
            .saturating_duration_since(Instant::now())
            .max(Duration::ZERO)
            .as_millis() as libc::c_int;
        let mut pfd = libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd, valid for the call.
        if unsafe { libc::poll(&mut pfd, 1, wait_ms) } <= 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut buf = [0u8; 1500];
        loop {
            // SAFETY: receiving into our buffer, within its length.
            let len = unsafe {
                libc::recv(
                    self.fd,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if len <= 0 {
                return out;
            }
            let mut msg = &buf[..len as usize];
            // macOS hands ICMPv4 datagram sockets the IP header too.
            if self.target.is_ipv4() && msg.len() >= 20 && msg[0] >> 4 == 4 {
                let ihl = (msg[0] & 0x0f) as usize * 4;
                if msg.len() > ihl {
                    msg = &msg[ihl..];
                }
            }
            if msg.len() >= 20 && msg[0] == self.types().1 {
                out.extend(answer_seq(&msg[8..], MAGIC, self.token));
            }
        }
    }
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
