//! Echo runs: numbered packets sent at a steady pace to an echo (the measurement server's UDP
//! echo, or ICMP echo where the OS allows it unprivileged), each answer timed. One run gives both
//! the loss (packets never answered) and the round-trip times of the packets that were, so a lost
//! packet is counted once, as loss, and never as a slow latency sample (a TCP probe would wait for
//! its retransmission instead, hundreds of ms later).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many packets, how far apart, and how a run is stopped or watched while it goes.
#[derive(Clone, Default)]
pub struct EchoPlan {
    /// Packets to send; the run ends a grace period after the last one (or when all answered).
    pub count: u32,
    /// Time between two packets.
    pub interval: Duration,
    /// Set to end the run at once (what has been answered so far is kept).
    pub stop: Option<Arc<AtomicBool>>,
    /// Round-trip times (ms) pushed as answers arrive, for a caller that watches the run.
    pub live: Option<Arc<Mutex<Vec<f64>>>>,
    /// Packets sent on, at the same pace, when a packet is already lost (unanswered past the
    /// grace period) by the time `count` have been sent: a short run on a lossy link measures
    /// more, where a few packets say little ([`EchoPlan::more_if_lost`]).
    pub more_if_lost: u32,
}

impl EchoPlan {
    /// `count` packets evenly spread over `span`.
    pub fn spread(count: u32, span: Duration) -> EchoPlan {
        let count = count.max(1);
        EchoPlan {
            count,
            interval: span / count,
            ..EchoPlan::default()
        }
    }

    /// Packets every `interval` until `stop` is set (or `u32::MAX` packets).
    pub fn until_stopped(
        interval: Duration,
        stop: Arc<AtomicBool>,
        live: Arc<Mutex<Vec<f64>>>,
    ) -> EchoPlan {
        EchoPlan {
            count: u32::MAX,
            interval,
            stop: Some(stop),
            live: Some(live),
            more_if_lost: 0,
        }
    }

    /// The same plan, sending `more` packets on if a loss shows by the end of it.
    pub fn more_if_lost(self, more: u32) -> EchoPlan {
        EchoPlan {
            more_if_lost: more,
            ..self
        }
    }

    pub fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// Record an answer for the watcher.
    pub fn report(&self, rtt_ms: f64) {
        if let Some(live) = &self.live {
            live.lock().unwrap_or_else(|e| e.into_inner()).push(rtt_ms);
        }
    }
}

/// What one run gave: per packet (in sending order), its round trip in ms, or `None` if no
/// answer came back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EchoRun {
    pub rtt_ms: Vec<Option<f64>>,
}

impl EchoRun {
    pub fn sent(&self) -> u32 {
        self.rtt_ms.len() as u32
    }

    pub fn received(&self) -> u32 {
        self.rtt_ms.iter().filter(|r| r.is_some()).count() as u32
    }

    /// Every answered packet's round trip, in sending order.
    pub fn rtts(&self) -> Vec<f64> {
        self.rtt_ms.iter().flatten().copied().collect()
    }

    /// The answered packets among every `step`-th one sent (0, step, 2 step ...): samples as far
    /// apart as latency probes, for the jitter, which compares consecutive samples.
    pub fn every(&self, step: usize) -> Vec<f64> {
        self.rtt_ms
            .iter()
            .step_by(step.max(1))
            .flatten()
            .copied()
            .collect()
    }
}

/// How long to wait for late answers after the last packet: three times the slowest answer so
/// far, between 300 ms and 1 s.
pub fn grace(max_rtt: Duration) -> Duration {
    (max_rtt * 3).clamp(Duration::from_millis(300), Duration::from_secs(1))
}

/// A token for one run, so that only its own echoes count (another run, or a stale answer of an
/// earlier one, carries another).
pub fn token() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
        .unwrap_or(0);
    std::process::id().wrapping_mul(2654435761) ^ nanos
}

/// The pacing of one echo run, shared by every transport (UDP echo, ICMP on Unix, ICMP on
/// Windows): when the next packet is due, when to stop waiting for late answers, and the round
/// trip of each answer. The transport only sends, receives and recognises its own answers.
pub struct Pacer<'a> {
    plan: &'a EchoPlan,
    start: Instant,
    send_times: Vec<Instant>,
    run: EchoRun,
    got: u32,
    max_rtt: Duration,
    grace_until: Option<Instant>,
    /// Packets to send: the plan's count, or more once a loss showed ([`EchoPlan::more_if_lost`]).
    count: u32,
}

/// What the transport does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send packet number `seq` now (its send time is taken).
    Send(u32),
    /// Wait for answers until this instant, then ask again.
    Wait(Instant),
    /// The run is over.
    Done,
}

impl<'a> Pacer<'a> {
    pub fn new(plan: &'a EchoPlan) -> Pacer<'a> {
        Pacer {
            plan,
            start: Instant::now(),
            send_times: Vec::new(),
            run: EchoRun::default(),
            got: 0,
            max_rtt: Duration::ZERO,
            grace_until: None,
            count: plan.count,
        }
    }

    /// A packet sent a grace period ago or earlier is still unanswered.
    fn lost_already(&self, now: Instant) -> bool {
        let wait = grace(self.max_rtt);
        self.run
            .rtt_ms
            .iter()
            .zip(&self.send_times)
            .any(|(rtt, sent)| rtt.is_none() && now.duration_since(*sent) >= wait)
    }

    fn due(&self, k: u32) -> Instant {
        self.start + self.plan.interval * k
    }

    pub fn next(&mut self) -> Step {
        let now = Instant::now();
        if self.plan.stopped() {
            return Step::Done;
        }
        let sent = self.run.sent();
        if sent == self.count
            && self.grace_until.is_none()
            && self.count == self.plan.count
            && self.plan.more_if_lost > 0
            && self.lost_already(now)
        {
            self.count = self.count.saturating_add(self.plan.more_if_lost);
        }
        if sent < self.count && self.due(sent) <= now {
            self.send_times.push(now);
            self.run.rtt_ms.push(None);
            return Step::Send(sent);
        }
        if sent == self.count && self.grace_until.is_none() {
            self.grace_until = Some(now + grace(self.max_rtt));
        }
        if self.got == self.count || self.grace_until.is_some_and(|g| now >= g) {
            return Step::Done;
        }
        // Wake for the next packet, the end of the grace, or at least every 50 ms to see a stop.
        let wake = self
            .grace_until
            .unwrap_or(self.due(sent))
            .min(now + Duration::from_millis(50));
        Step::Wait(wake)
    }

    /// An answer to packet `seq` arrived now; a duplicate or an unknown number is ignored.
    pub fn answered(&mut self, seq: u32) {
        if let Some(slot @ None) = self.run.rtt_ms.get_mut(seq as usize) {
            let rtt = self.send_times[seq as usize].elapsed();
            self.max_rtt = self.max_rtt.max(rtt);
            let rtt_ms = rtt.as_secs_f64() * 1000.0;
            *slot = Some(rtt_ms);
            self.plan.report(rtt_ms);
            self.got += 1;
        }
    }

    /// How many answers arrived so far.
    pub fn answers(&self) -> u32 {
        self.got
    }

    pub fn finish(self) -> EchoRun {
        self.run
    }
}

/// The payload every echo carries after its transport's own header: a marker, the run's token
/// and the packet's number, so that only this run's answers count.
pub fn payload(magic: &[u8; 4], token: u32, seq: u32) -> [u8; 12] {
    let mut p = [0u8; 12];
    p[..4].copy_from_slice(magic);
    p[4..8].copy_from_slice(&token.to_be_bytes());
    p[8..12].copy_from_slice(&seq.to_be_bytes());
    p
}

/// The packet number of an answer that carries this run's payload, else `None`.
pub fn answer_seq(data: &[u8], magic: &[u8; 4], token: u32) -> Option<u32> {
    (data.len() >= 12 && &data[..4] == magic && data[4..8] == token.to_be_bytes())
        .then(|| u32::from_be_bytes([data[8], data[9], data[10], data[11]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_counts_lost_packets_once_and_times_the_others() {
        let run = EchoRun {
            rtt_ms: vec![Some(10.0), None, Some(12.0), Some(11.0), None, Some(30.0)],
        };
        assert_eq!(run.sent(), 6);
        assert_eq!(run.received(), 4);
        assert_eq!(run.rtts(), vec![10.0, 12.0, 11.0, 30.0]);
        // Packets 0, 2, 4: the lost one leaves a gap, it is not a sample.
        assert_eq!(run.every(2), vec![10.0, 12.0]);
        assert_eq!(run.every(0), run.rtts());
    }

    #[test]
    fn plans_spread_packets_and_stop_on_demand() {
        let p = EchoPlan::spread(1000, Duration::from_secs(3));
        assert_eq!(p.count, 1000);
        assert_eq!(p.interval, Duration::from_millis(3));
        assert!(!p.stopped());
        let stop = Arc::new(AtomicBool::new(false));
        let live = Arc::new(Mutex::new(vec![]));
        let p = EchoPlan::until_stopped(Duration::from_millis(100), stop.clone(), live.clone());
        p.report(12.5);
        assert_eq!(*live.lock().unwrap(), vec![12.5]);
        stop.store(true, Ordering::Relaxed);
        assert!(p.stopped());
        assert_eq!(grace(Duration::from_millis(10)), Duration::from_millis(300));
        assert_eq!(
            grace(Duration::from_millis(200)),
            Duration::from_millis(600)
        );
        assert_eq!(grace(Duration::from_secs(2)), Duration::from_secs(1));
    }

    #[test]
    fn the_pacer_sends_on_time_times_answers_and_ends_after_the_grace() {
        let plan = EchoPlan::spread(3, Duration::from_millis(30));
        let mut p = Pacer::new(&plan);
        assert_eq!(p.next(), Step::Send(0));
        // Packet 1 is not due yet: wait (at most until it is due).
        match p.next() {
            Step::Wait(t) => assert!(t <= Instant::now() + Duration::from_millis(10)),
            s => panic!("{s:?}"),
        }
        p.answered(0);
        p.answered(0);
        p.answered(7);
        assert_eq!(p.answers(), 1);
        let mut sent = vec![0];
        loop {
            match p.next() {
                Step::Send(k) => sent.push(k),
                Step::Wait(t) => std::thread::sleep(t.saturating_duration_since(Instant::now())),
                Step::Done => break,
            }
        }
        assert_eq!(sent, vec![0, 1, 2]);
        let run = p.finish();
        assert_eq!(run.sent(), 3);
        assert_eq!(run.received(), 1);
    }

    /// Drive a pacer, answering every packet at once but those in `lost`; the numbers sent.
    fn drive(plan: &EchoPlan, lost: &[u32]) -> Vec<u32> {
        let mut p = Pacer::new(plan);
        let mut sent = vec![];
        loop {
            match p.next() {
                Step::Send(k) => {
                    sent.push(k);
                    if !lost.contains(&k) {
                        p.answered(k);
                    }
                }
                Step::Wait(t) => std::thread::sleep(t.saturating_duration_since(Instant::now())),
                Step::Done => break,
            }
        }
        sent
    }

    #[test]
    fn a_loss_seen_by_the_end_of_a_short_plan_sends_more() {
        // 10 packets over 400 ms: packet 1, unanswered, is lost (past the 300 ms grace) when the
        // tenth goes out, so 5 more follow at the same pace.
        let plan = EchoPlan::spread(10, Duration::from_millis(400)).more_if_lost(5);
        assert_eq!(drive(&plan, &[1]), (0..15).collect::<Vec<_>>());
        // Every packet answered: the plan as it was.
        assert_eq!(drive(&plan, &[]), (0..10).collect::<Vec<_>>());
        // A plan without the option never grows.
        let plain = EchoPlan::spread(10, Duration::from_millis(400));
        assert_eq!(drive(&plain, &[1]), (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn payloads_are_recognised_only_with_their_marker_and_token() {
        let p = payload(b"ERdy", 0xdead_beef, 41);
        assert_eq!(answer_seq(&p, b"ERdy", 0xdead_beef), Some(41));
        assert_eq!(answer_seq(&p, b"ERdy", 1), None);
        assert_eq!(answer_seq(&p, b"XXXX", 0xdead_beef), None);
        assert_eq!(answer_seq(&p[..11], b"ERdy", 0xdead_beef), None);
    }
}
