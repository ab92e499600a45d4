//! ICMP echo on Windows: the ICMP helper API (`IcmpSendEcho2` / `Icmp6SendEcho2` in
//! iphlpapi.dll), which any user may call. Each request is asynchronous with its own event and
//! reply buffer, so packets keep their pace while earlier ones wait for an answer; the round trip
//! is timed by our own clock when the event fires (the API's own figure is whole milliseconds).

use std::net::IpAddr;
use std::time::Instant;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_IO_PENDING, GetLastError, HANDLE, INVALID_HANDLE_VALUE, WAIT_OBJECT_0,
};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    ICMP_ECHO_REPLY, ICMPV6_ECHO_REPLY_LH, IP_SUCCESS, Icmp6CreateFile, Icmp6ParseReplies,
    Icmp6SendEcho2, IcmpCloseHandle, IcmpCreateFile, IcmpParseReplies, IcmpSendEcho2,
};
use windows_sys::Win32::Networking::WinSock::{AF_INET6, IN6_ADDR, IN6_ADDR_0, SOCKADDR_IN6};
use windows_sys::Win32::System::Threading::{
    CreateEventW, WaitForMultipleObjects, WaitForSingleObject,
};

use super::super::echo::{answer_seq, payload, token};
use super::{MAGIC, Pinger};

/// How long the API waits for one answer (the longest grace of a run).
const TIMEOUT_MS: u32 = 1000;
/// The most handles one wait takes (`MAXIMUM_WAIT_OBJECTS`).
const MAX_WAIT: usize = 64;

/// One request in flight: its event and the reply buffer the API writes into.
struct Request {
    event: HANDLE,
    reply: Vec<u8>,
}

pub struct Helper {
    handle: HANDLE,
    target: IpAddr,
    token: u32,
    pending: Vec<Request>,
}

impl Helper {
    pub fn open(target: IpAddr) -> Result<Helper, String> {
        // SAFETY: plain calls returning a handle, closed in Drop.
        let handle = unsafe {
            if target.is_ipv4() {
                IcmpCreateFile()
            } else {
                Icmp6CreateFile()
            }
        };
        if handle == INVALID_HANDLE_VALUE || handle.is_null() {
            return Err(format!(
                "the ICMP helper could not be opened ({})",
                std::io::Error::last_os_error()
            ));
        }
        Ok(Helper {
            handle,
            target,
            token: token(),
            pending: Vec::new(),
        })
    }

    /// The answered number of a finished request (its event fired), if it is this run's echo.
    fn parse(&self, req: &mut Request) -> Option<u32> {
        let size = req.reply.len() as u32;
        let buf = req.reply.as_mut_ptr().cast();
        // SAFETY: the buffer the API filled; its replies are read within its length.
        unsafe {
            match self.target {
                IpAddr::V4(_) => {
                    if IcmpParseReplies(buf, size) == 0 {
                        return None;
                    }
                    let r = &*(buf as *const ICMP_ECHO_REPLY);
                    if r.Status != IP_SUCCESS || r.Data.is_null() {
                        return None;
                    }
                    let data = std::slice::from_raw_parts(r.Data as *const u8, r.DataSize as usize);
                    answer_seq(data, MAGIC, self.token)
                }
                IpAddr::V6(_) => {
                    if Icmp6ParseReplies(buf, size) == 0 {
                        return None;
                    }
                    let r = &*(buf as *const ICMPV6_ECHO_REPLY_LH);
                    if r.Status != IP_SUCCESS {
                        return None;
                    }
                    // The echoed data follows the reply structure.
                    let at = std::mem::size_of::<ICMPV6_ECHO_REPLY_LH>();
                    answer_seq(req.reply.get(at..)?, MAGIC, self.token)
                }
            }
        }
    }
}

impl Pinger for Helper {
    fn send(&mut self, seq: u32) -> Result<(), String> {
        let data = payload(MAGIC, self.token, seq);
        // Room for the reply structure, the echoed data and an ICMP error message, as the
        // API's documentation asks.
        let size = std::mem::size_of::<ICMP_ECHO_REPLY>()
            .max(std::mem::size_of::<ICMPV6_ECHO_REPLY_LH>())
            + data.len()
            + 8
            + 64;
        let mut reply = vec![0u8; size];
        // SAFETY: an unnamed auto-reset event, closed when the request is reaped.
        let event = unsafe { CreateEventW(std::ptr::null(), 0, 0, std::ptr::null()) };
        if event.is_null() {
            return Err(format!(
                "no event for an ICMP request ({})",
                std::io::Error::last_os_error()
            ));
        }
        // SAFETY: the data, reply buffer and event stay alive in `pending` until the event
        // fires (the API always signals it: on an answer, an error or the timeout).
        let rc = unsafe {
            match self.target {
                IpAddr::V4(ip) => IcmpSendEcho2(
                    self.handle,
                    event,
                    None,
                    std::ptr::null(),
                    u32::from_ne_bytes(ip.octets()),
                    data.as_ptr().cast(),
                    data.len() as u16,
                    std::ptr::null(),
                    reply.as_mut_ptr().cast(),
                    size as u32,
                    TIMEOUT_MS,
                ),
                IpAddr::V6(ip) => {
                    let source = SOCKADDR_IN6 {
                        sin6_family: AF_INET6,
                        ..Default::default()
                    };
                    let dest = SOCKADDR_IN6 {
                        sin6_family: AF_INET6,
                        sin6_addr: IN6_ADDR {
                            u: IN6_ADDR_0 { Byte: ip.octets() },
                        },
                        ..Default::default()
                    };
                    Icmp6SendEcho2(
                        self.handle,
                        event,
                        None,
                        std::ptr::null(),
                        &source,
                        &dest,
                        data.as_ptr().cast(),
                        data.len() as u16,
                        std::ptr::null(),
                        reply.as_mut_ptr().cast(),
                        size as u32,
                        TIMEOUT_MS,
                    )
                }
            }
        };
        // SAFETY: reading the calling thread's last error.
        let err = unsafe { GetLastError() };
        if rc == 0 && err != ERROR_IO_PENDING {
            // SAFETY: the event we created, not handed to a pending request.
            unsafe { CloseHandle(event) };
            return Err(format!(
                "sending ICMP echo to {} failed ({})",
                self.target,
                std::io::Error::from_raw_os_error(err as i32)
            ));
        }
        self.pending.push(Request { event, reply });
        Ok(())
    }

    fn wait(&mut self, until: Instant) -> Vec<u32> {
        if self.pending.is_empty() {
            std::thread::sleep(until.saturating_duration_since(Instant::now()));
            return Vec::new();
        }
        let n = self.pending.len().min(MAX_WAIT);
        let events: Vec<HANDLE> = self.pending[..n].iter().map(|r| r.event).collect();
        let ms = until.saturating_duration_since(Instant::now()).as_millis() as u32;
        // SAFETY: `n` live event handles.
        let first = unsafe { WaitForMultipleObjects(n as u32, events.as_ptr(), 0, ms) };
        let first = first.wrapping_sub(WAIT_OBJECT_0) as usize;
        if first >= n {
            return Vec::new();
        }
        // Reap the one that fired (the wait has reset its auto-reset event) and every other one
        // already signalled.
        let fired: Vec<bool> = (0..self.pending.len())
            .map(|i| {
                // SAFETY: a live event handle; a zero wait only polls it.
                i == first
                    || unsafe { WaitForSingleObject(self.pending[i].event, 0) } == WAIT_OBJECT_0
            })
            .collect();
        let mut answered = Vec::new();
        let mut left = Vec::with_capacity(self.pending.len());
        for (mut req, fired) in std::mem::take(&mut self.pending).into_iter().zip(fired) {
            if fired {
                answered.extend(self.parse(&mut req));
                // SAFETY: the request is finished; its event is ours to close.
                unsafe { CloseHandle(req.event) };
            } else {
                left.push(req);
            }
        }
        self.pending = left;
        answered
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // Requests still in flight write into their buffers until their event fires: wait for
        // each (at most the API's timeout) before freeing them.
        for req in self.pending.drain(..) {
            // SAFETY: a live event handle, closed once.
            unsafe {
                WaitForSingleObject(req.event, TIMEOUT_MS + 500);
                CloseHandle(req.event);
            }
            drop(req.reply);
        }
        // SAFETY: the handle opened in `open`, closed once.
        unsafe { IcmpCloseHandle(self.handle) };
    }
}
