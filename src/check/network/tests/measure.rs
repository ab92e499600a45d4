//! The measurement's pure helpers: statistics, per-second goodput, stalls, settling, UDP errors.

use super::*;

#[test]
fn statistics() {
    // percentile and jitter are unit-tested in crate::stats.
    let s = Spread::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert_eq!((s.median, s.p95), (3.0, 4.8));
    assert_eq!(Spread::of(&[]), None);
    let g = Goodput::of(vec![9.0, 10.0, 8.0]).unwrap();
    assert_eq!((g.median, g.min), (9.0, 8.0));
}

#[test]
fn per_second_bins_discard_warmup() {
    // 1.25 MB per second = 10 Mbps, sampled every 100 ms for 5 s, warm-up 1 s.
    let samples: Vec<(f64, u64)> = (0..=50).map(|i| (i as f64 / 10.0, i * 125_000)).collect();
    assert_eq!(per_second(&samples, 1.0), vec![10.0; 4]);
    // A short (quick) window still gives one figure.
    let short: Vec<(f64, u64)> = (0..=15).map(|i| (i as f64 / 10.0, i * 125_000)).collect();
    assert_eq!(per_second(&short, 0.4), vec![10.0]);
    assert!(per_second(&[(0.0, 0)], 1.0).is_empty());
}

/// A closed UDP port answers with ICMP "port unreachable" (ECONNREFUSED here, WSAECONNRESET on
/// Windows): named as such, not as a failed receive.
#[test]
fn udp_to_a_closed_port_is_named_port_unreachable() {
    let free = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = free.local_addr().unwrap();
    drop(free);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let e = rt
        .block_on(crate::check::network::measure::udp_echo(
            target,
            &super::echo::EchoPlan::spread(5, std::time::Duration::from_millis(200)),
        ))
        .unwrap_err();
    assert!(e.contains("port unreachable"), "{e}");
}

#[test]
fn a_link_stalls_only_when_no_stream_moves() {
    use crate::check::network::measure::longest_pause;
    let t = |i: usize| i as f64 / 10.0;
    // Bytes every 100 ms, then 1.6 s of nothing in the middle: one pause of 1.6 s.
    let mut bytes = 0u64;
    let mut samples = vec![(0.0, 0)];
    for i in 1..=40 {
        if !(11..=26).contains(&i) {
            bytes += 1000;
        }
        samples.push((t(i), bytes));
    }
    assert!((longest_pause(&samples) - 1.6).abs() < 1e-9);
    // The wait before the first byte (connecting, a slow start) is not a pause; the end is.
    let samples = [(0.0, 0), (0.5, 0), (1.0, 10), (1.1, 20), (2.5, 20)];
    assert!((longest_pause(&samples) - 1.4).abs() < 1e-9);
    assert_eq!(longest_pause(&[(0.0, 0), (3.0, 0)]), 0.0);
}

#[test]
fn settling_of_latency_and_goodput() {
    use crate::check::network::measure::{goodput_settled, settled};
    // Still rising (a queue filling): not settled; flat or falling: settled.
    let rising = [
        20.0, 40.0, 60.0, 80.0, 100.0, 120.0, 140.0, 160.0, 180.0, 200.0,
    ];
    assert!(!settled(&rising, 5));
    let flat = [
        100.0, 180.0, 181.0, 182.0, 179.0, 180.0, 183.0, 181.0, 180.0, 182.0,
    ];
    assert!(settled(&flat, 5));
    assert!(!settled(&flat[..9], 5), "too few samples");
    // Goodput: a ramp doubling every 100 ms is not settled, nor a rate that halves; a steady
    // rate is.
    let ramp: Vec<(f64, u64)> = (0..=16).map(|i| (i as f64 / 10.0, 1u64 << i)).collect();
    assert!(!goodput_settled(&ramp));
    let steady: Vec<(f64, u64)> = (0..=16).map(|i| (i as f64 / 10.0, 1000 * i)).collect();
    assert!(goodput_settled(&steady));
    assert!(!goodput_settled(&steady[..14]), "too few samples");
    let halving: Vec<(f64, u64)> = (0..=16)
        .map(|i| {
            (
                i as f64 / 10.0,
                if i <= 9 {
                    1000 * i
                } else {
                    9000 + 500 * (i - 9)
                },
            )
        })
        .collect();
    assert!(!goodput_settled(&halving));
    // Steady again but at a trickle after a burst (a loss repair): not settled.
    let repair: Vec<(f64, u64)> = (0..=21)
        .map(|i| {
            (
                i as f64 / 10.0,
                if i <= 7 {
                    10_000 * i
                } else {
                    70_000 + 100 * (i - 7)
                },
            )
        })
        .collect();
    assert!(!goodput_settled(&repair));
}

#[test]
fn quick_goodput_is_one_mean_over_the_window() {
    use crate::check::network::measure::mean_goodput;
    // 1 MB/s = 8 Mbps, whatever the bursts inside the window.
    let samples: Vec<(f64, u64)> = (0..=20)
        .map(|i| {
            (
                i as f64 / 10.0,
                if i % 5 == 0 {
                    100_000 * i
                } else {
                    100_000 * (i - i % 5)
                },
            )
        })
        .collect();
    assert_eq!(mean_goodput(&samples, 0.5), Some(8.0));
    assert_eq!(mean_goodput(&samples, 1.8), None, "under 0.5 s");
    assert_eq!(mean_goodput(&[], 0.0), None);
}
