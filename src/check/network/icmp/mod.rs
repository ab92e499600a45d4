//! Loss and latency by ICMP echo without privileges: an unprivileged ICMP socket (`SOCK_DGRAM`,
//! `IPPROTO_ICMP`) on Linux (for groups in `net.ipv4.ping_group_range`) and macOS (always), and
//! the ICMP helper API (`IcmpSendEcho2`) on Windows, which needs no rights either. Never raw
//! sockets. Blocking; run it on a blocking thread. The pacing is the shared
//! [`Pacer`](super::echo::Pacer); each platform's [`Pinger`] only sends and receives.

use std::net::IpAddr;
use std::time::Instant;

use super::echo::{EchoPlan, EchoRun, Pacer, Step};

#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

/// Payload marker, so only our own echoes count.
const MAGIC: &[u8; 4] = b"ERdy";

/// One platform's ICMP echo: send a numbered request, and collect the numbers of this run's
/// answers that arrive before a deadline.
trait Pinger {
    fn send(&mut self, seq: u32) -> Result<(), String>;
    /// Wait until `until` or the first answers, whichever comes first; the answered numbers.
    fn wait(&mut self, until: Instant) -> Vec<u32>;
}

/// Send the plan's echo requests to `target` and time the answers. A run with no answer at all
/// is an error (ICMP filtered), never "100 % loss".
#[cfg(unix)]
pub fn echo(target: IpAddr, plan: &EchoPlan) -> Result<EchoRun, String> {
    run(&mut unix::Socket::open(target)?, plan, target)
}

#[cfg(windows)]
pub fn echo(target: IpAddr, plan: &EchoPlan) -> Result<EchoRun, String> {
    run(&mut windows::Helper::open(target)?, plan, target)
}

#[cfg(not(any(unix, windows)))]
pub fn echo(_: IpAddr, _: &EchoPlan) -> Result<EchoRun, String> {
    Err("ICMP echo without privileges is not available on this system".into())
}

fn run(pinger: &mut impl Pinger, plan: &EchoPlan, target: IpAddr) -> Result<EchoRun, String> {
    let mut pacer = Pacer::new(plan);
    loop {
        match pacer.next() {
            Step::Done => break,
            Step::Send(seq) => pinger.send(seq)?,
            Step::Wait(until) => {
                for seq in pinger.wait(until) {
                    pacer.answered(seq);
                }
            }
        }
    }
    let got = pacer.answers();
    let run = pacer.finish();
    if got == 0 && !run.rtt_ms.is_empty() {
        return Err(format!(
            "no ICMP echo came back from {target}: ICMP may be filtered (loss is not assumed to be 100 %)"
        ));
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A pinger that answers every packet but the odd ones, after 2 ms.
    struct Even(Vec<(u32, Instant)>);
    impl Pinger for Even {
        fn send(&mut self, seq: u32) -> Result<(), String> {
            if seq.is_multiple_of(2) {
                self.0
                    .push((seq, Instant::now() + Duration::from_millis(2)));
            }
            Ok(())
        }
        fn wait(&mut self, until: Instant) -> Vec<u32> {
            let first = self.0.iter().map(|a| a.1).min().unwrap_or(until).min(until);
            std::thread::sleep(first.saturating_duration_since(Instant::now()));
            let now = Instant::now();
            let (due, later): (Vec<_>, Vec<_>) = self.0.drain(..).partition(|a| a.1 <= now);
            self.0 = later;
            due.into_iter().map(|a| a.0).collect()
        }
    }

    #[test]
    fn the_run_counts_the_unanswered_as_lost_and_times_the_rest() {
        let plan = EchoPlan::spread(6, Duration::from_millis(60));
        let run = run(&mut Even(vec![]), &plan, "127.0.0.1".parse().unwrap()).unwrap();
        assert_eq!(run.sent(), 6);
        assert_eq!(run.received(), 3);
        assert!(
            run.rtts().iter().all(|&ms| (1.5..50.0).contains(&ms)),
            "{run:?}"
        );
    }

    #[test]
    fn no_answer_at_all_is_an_error_not_total_loss() {
        struct Silent;
        impl Pinger for Silent {
            fn send(&mut self, _: u32) -> Result<(), String> {
                Ok(())
            }
            fn wait(&mut self, until: Instant) -> Vec<u32> {
                std::thread::sleep(until.saturating_duration_since(Instant::now()));
                vec![]
            }
        }
        let plan = EchoPlan::spread(2, Duration::from_millis(10));
        let e = run(&mut Silent, &plan, "192.0.2.1".parse().unwrap()).unwrap_err();
        assert!(e.contains("ICMP may be filtered"), "{e}");
    }
}
