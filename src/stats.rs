//! Summary statistics of measured samples (latency probes, goodput seconds, audio windows, webcam
//! frames): percentiles, the median, the jitter, rounding for reports.
//!
//! A leaf module: it imports nothing from the crate.
//!
//! Conventions, shared by every function here:
//! - Samples that are not finite (NaN, ±infinity) are ignored, as if they had not been taken.
//! - An empty input (or one with no finite sample) has no statistic: `None`.
//! - Percentiles take `p` in percent (0–100); values outside are clamped.
//! - The input is never reordered; functions sort a copy.

/// The finite samples, sorted ascending.
fn sorted_finite(samples: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The value at percentile `p` (0–100) by linear interpolation between the two nearest ranks
/// (rank `p/100 × (n − 1)`, as numpy's default and spreadsheets' `PERCENTILE.INC`): the 95th
/// percentile of 1, 2, 3, 4, 5 is 4.8. Used for network latency and goodput.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    let v = sorted_finite(samples);
    if v.is_empty() {
        return None;
    }
    let rank = p.clamp(0.0, 100.0) / 100.0 * (v.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    Some(v[lo] + (v[hi] - v[lo]) * (rank - lo as f64))
}

/// The value at percentile `p` (0–100) by nearest rank: the sample at rank
/// `round(p/100 × (n − 1))`, always one of the samples (no interpolation). Used for audio levels,
/// where a level that was actually measured is reported.
pub fn percentile_nearest(samples: &[f64], p: f64) -> Option<f64> {
    let v = sorted_finite(samples);
    if v.is_empty() {
        return None;
    }
    let rank = ((v.len() - 1) as f64 * (p.clamp(0.0, 100.0) / 100.0)).round() as usize;
    Some(v[rank])
}

/// The median: the middle sample, or the mean of the two middle samples of an even count.
pub fn median(samples: &[f64]) -> Option<f64> {
    let v = sorted_finite(samples);
    if v.is_empty() {
        return None;
    }
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

/// Jitter: the mean absolute difference of successive samples (mean |Δ|, Cloudflare's
/// definition); `None` with fewer than two finite samples. Non-finite samples are skipped, so the
/// samples either side of one are successive.
pub fn jitter(samples: &[f64]) -> Option<f64> {
    let v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return None;
    }
    let sum: f64 = v.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
    Some(sum / (v.len() - 1) as f64)
}

/// The Wilson score interval of a proportion: `k` events in `n` trials at `z` standard errors
/// (1.96 for 95 %), as fractions `(low, high)`; `None` without trials. Unlike `p ± z·√(p(1−p)/n)`
/// it stays within 0–1 and does not collapse to a point when `k` is 0 or `n`.
pub fn wilson(k: u32, n: u32, z: f64) -> Option<(f64, f64)> {
    if n == 0 || k > n {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// `v` rounded to `places` decimals (half away from zero), as reports show figures.
pub fn round_to(v: f64, places: i32) -> f64 {
    let p = 10f64.powi(places);
    (v * p).round() / p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_has_no_statistic() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile_nearest(&[], 50.0), None);
        assert_eq!(median(&[]), None);
        assert_eq!(jitter(&[]), None);
        assert_eq!(percentile(&[f64::NAN], 50.0), None);
        assert_eq!(median(&[f64::NAN, f64::INFINITY]), None);
    }

    #[test]
    fn one_value_is_every_percentile() {
        for p in [0.0, 10.0, 50.0, 95.0, 100.0] {
            assert_eq!(percentile(&[7.5], p), Some(7.5));
            assert_eq!(percentile_nearest(&[7.5], p), Some(7.5));
        }
        assert_eq!(median(&[7.5]), Some(7.5));
        assert_eq!(jitter(&[7.5]), None);
    }

    #[test]
    fn nan_is_ignored() {
        let s = [3.0, f64::NAN, 1.0, -f64::NAN, 2.0, f64::NEG_INFINITY];
        assert_eq!(percentile(&s, 50.0), Some(2.0));
        assert_eq!(percentile(&s, 100.0), Some(3.0));
        assert_eq!(percentile_nearest(&s, 0.0), Some(1.0));
        assert_eq!(median(&s), Some(2.0));
        assert_eq!(
            jitter(&[10.0, f64::NAN, 12.0, 9.0]),
            Some((2.0 + 3.0) / 2.0)
        );
    }

    #[test]
    fn odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 50.0), Some(2.0));
        assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 50.0), Some(2.5));
        // Nearest rank picks a sample: rank round(0.5 × 3) = 2.
        assert_eq!(percentile_nearest(&[4.0, 1.0, 3.0, 2.0], 50.0), Some(3.0));
    }

    #[test]
    fn p95_interpolates_and_nearest_rank_does_not() {
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 95.0), Some(4.8));
        assert_eq!(
            percentile_nearest(&[1.0, 2.0, 3.0, 4.0, 5.0], 95.0),
            Some(5.0)
        );
        let s: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(percentile_nearest(&s, 10.0), Some(2.0));
        assert_eq!(percentile_nearest(&s, 90.0), Some(10.0));
        // Out-of-range p is clamped.
        assert_eq!(percentile(&s, 150.0), Some(11.0));
        assert_eq!(percentile(&s, -5.0), Some(1.0));
    }

    #[test]
    fn wilson_intervals_match_published_values() {
        // Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 -> 0.2553-0.3662, and
        // 0/10 -> 0-0.2775.
        let (lo, hi) = wilson(81, 263, 1.96).unwrap();
        assert!(
            (lo - 0.2553).abs() < 5e-4 && (hi - 0.3662).abs() < 5e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 10, 1.96).unwrap();
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 5e-4, "{lo} {hi}");
        // 250 packets, 2 % lost: the interval is about 0.9-4.6 %, wider than +-1.2 pp above.
        let (lo, hi) = wilson(5, 250, 1.96).unwrap();
        assert!(
            (lo - 0.0086).abs() < 5e-4 && (hi - 0.0460).abs() < 5e-4,
            "{lo} {hi}"
        );
        assert_eq!(wilson(1, 0, 1.96), None);
        assert_eq!(wilson(3, 2, 1.96), None);
    }

    #[test]
    fn jitter_is_the_mean_absolute_successive_difference() {
        assert_eq!(
            jitter(&[10.0, 12.0, 9.0, 9.0]),
            Some((2.0 + 3.0 + 0.0) / 3.0)
        );
        assert_eq!(jitter(&[1.0, 1.0]), Some(0.0));
    }

    #[test]
    fn rounding() {
        assert_eq!(round_to(1.234, 2), 1.23);
        assert_eq!(round_to(1.235_000_1, 2), 1.24);
        assert_eq!(round_to(-2.25, 1), -2.3);
        assert_eq!(round_to(0.123_456, 4), 0.1235);
    }
}
