//! Figures from the byte counter's `(seconds, bytes)` samples and from latency samples: pauses,
//! whether goodput and latency have settled, mean and per-second goodput. Pure, for tests.

use super::round2;

/// The longest time (s) the counter stood still after it first moved, the end included: how
/// long the whole link, every stream together, moved nothing.
pub fn longest_pause(samples: &[(f64, u64)]) -> f64 {
    let Some(first) = samples.iter().position(|s| s.1 > 0) else {
        return 0.0;
    };
    let mut longest: f64 = 0.0;
    let mut since = samples[first].0;
    for w in samples[first..].windows(2) {
        if w[1].1 > w[0].1 {
            since = w[1].0;
        }
        longest = longest.max(w[1].0 - since);
    }
    longest
}

/// Whether the goodput has settled: the bytes of the last 0.7 s are within 15 % of those of the
/// 0.7 s before, neither still rising (slow start) nor falling (a queue overflowing), and at least
/// half of the best 0.7 s so far (two quiet windows in a row are a recovery from loss, not a
/// steady rate). `samples` every 100 ms, as [`sample_counter`].
pub fn goodput_settled(samples: &[(f64, u64)]) -> bool {
    const W: usize = 7;
    let n = samples.len();
    if n < 2 * W + 1 {
        return false;
    }
    let bytes = |end: usize| samples[end].1.saturating_sub(samples[end - W].1) as f64;
    let (last, before) = (bytes(n - 1), bytes(n - 1 - W));
    let best = (W..n).map(bytes).fold(0.0, f64::max);
    before > 0.0 && (last - before).abs() <= 0.15 * before && last >= 0.5 * best
}

/// The mean goodput (Mbps) from `from` seconds to the last sample; `None` for less than 0.5 s.
pub fn mean_goodput(samples: &[(f64, u64)], from: f64) -> Option<f64> {
    let &(end, total) = samples.last()?;
    let i = samples.partition_point(|s| s.0 < from - 1e-9);
    let &(start, at) = samples.get(i)?;
    (end - start >= 0.5)
        .then(|| round2(total.saturating_sub(at) as f64 * 8.0 / 1e6 / (end - start)))
}

/// Whether latency samples (in the order taken) have stopped rising: the median of the last
/// `window` is at most 10 % (+ 2 ms) above the median of the `window` before.
pub fn settled(samples: &[f64], window: usize) -> bool {
    let n = samples.len();
    if window == 0 || n < 2 * window {
        return false;
    }
    let last = crate::stats::median(&samples[n - window..]).unwrap_or(0.0);
    let before = crate::stats::median(&samples[n - 2 * window..n - window]).unwrap_or(0.0);
    last <= before * 1.1 + 2.0
}

/// Goodput per second from cumulative `(seconds, bytes)` samples, from `warmup` to the last
/// sample. A window shorter than a second (quick runs) gives one figure if it is at least 0.5 s.
pub fn per_second(samples: &[(f64, u64)], warmup: f64) -> Vec<f64> {
    let Some(&(end, _)) = samples.last() else {
        return vec![];
    };
    let at = |t: f64| -> f64 {
        let i = samples.partition_point(|s| s.0 < t);
        if i == 0 {
            return samples[0].1 as f64;
        }
        if i >= samples.len() {
            return samples[samples.len() - 1].1 as f64;
        }
        let (t0, b0) = samples[i - 1];
        let (t1, b1) = samples[i];
        if t1 <= t0 {
            return b1 as f64;
        }
        b0 as f64 + (b1 as f64 - b0 as f64) * (t - t0) / (t1 - t0)
    };
    let mut out = Vec::new();
    let mut t = warmup;
    while t + 1.0 <= end + 1e-6 {
        out.push(round2((at(t + 1.0) - at(t)) * 8.0 / 1e6));
        t += 1.0;
    }
    if out.is_empty() && end - warmup >= 0.5 {
        out.push(round2((at(end) - at(warmup)) * 8.0 / 1e6 / (end - warmup)));
    }
    out
}
