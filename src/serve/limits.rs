//! The connection cap and the slow-client timeouts of `examready serve`.

use std::time::Duration;

/// How long slow clients may take, and how many connections are served at once (the defaults
/// are `examready serve`'s options: 10 s, 30 s, 10 s, 512).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request's headers must be complete this long after the connection opened or the
    /// previous answer was sent (hyper's `header_read_timeout`).
    pub header_timeout: Duration,
    /// A connection on which no byte moves, either way, for this long is closed.
    pub idle_timeout: Duration,
    /// An upload whose body brings nothing for this long gets 408 and is closed.
    pub body_timeout: Duration,
    /// Connections served at once (lowered to fit the open-file limit).
    pub max_connections: usize,
    /// Offer the UDP echo (`false`: act as a plain speed-test server, so clients fall back to
    /// ICMP or HTTP latency).
    pub udp_echo: bool,
}

/// File descriptors kept free of connections: the runtime, the listeners, stdio.
#[cfg_attr(not(unix), allow(dead_code))]
const FD_RESERVE: u64 = 32;

/// The connection cap that fits the open-file limit: the soft limit is raised toward the hard
/// one when `wanted` needs it, and what is still missing lowers the cap.
// `rlim_t` is u64 on Linux and macOS but not everywhere: the casts stay.
#[allow(clippy::unnecessary_cast)]
pub(crate) fn connection_cap(wanted: usize) -> usize {
    #[cfg(unix)]
    {
        let need = wanted as u64 + FD_RESERVE;
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit read and write one rlimit struct we own.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return wanted;
            }
            if (lim.rlim_cur as u64) < need {
                let raised = libc::rlimit {
                    rlim_cur: (need as libc::rlim_t).min(lim.rlim_max),
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim = raised;
                }
            }
        }
        let fit = (lim.rlim_cur as u64).saturating_sub(FD_RESERVE).max(1);
        wanted.min(usize::try_from(fit).unwrap_or(usize::MAX))
    }
    #[cfg(not(unix))]
    {
        wanted
    }
}
