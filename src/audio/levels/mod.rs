/*!
Level analysis of recorded audio: pure functions on interleaved `f32` samples (full scale ±1.0).

What is measured follows test.webrtc.org's microphone test (github.com/webrtc/testrtc), see
`checks/onvue.toml` for the thresholds a profile applies:
- per channel: RMS and peak in dBFS (0 dBFS is full scale; a full-scale sine reads -3 dBFS RMS),
  and the number of clipped runs (more than N consecutive samples at full scale);
- mono: every channel equal to the first within 1/65536;
- a level series (RMS per 100 ms window, all channels together) for charts;
- the room's noise floor: the broadband noise level of the quieter windows (see [`noise_floor`]).

Levels below [`MIN_DBFS`] are reported as `MIN_DBFS` so that the JSON report never holds an
infinity (digital silence).
*/

use serde::{Deserialize, Serialize};

use crate::stats;

/// The lowest level reported, in dBFS: digital silence reads this.
pub const MIN_DBFS: f64 = -150.0;

/// A sample at or above this magnitude counts as full scale: within two steps of 16-bit full
/// scale (32766/32768), since a 16-bit converter's largest value is 32767/32768.
pub const FULL_SCALE: f32 = 1.0 - 2.0 / 32768.0;

/// Channels equal within this are the same signal (test.webrtc.org's mono threshold).
pub const MONO_TOLERANCE: f32 = 1.0 / 65536.0;

/// The length of one window of the level series and of the noise-floor analysis, in seconds.
pub const WINDOW_SECONDS: f64 = 0.1;

/// The percentile of window noise levels taken as the room's noise floor.
pub const NOISE_FLOOR_PERCENTILE: f64 = 10.0;

/// Linear amplitude (or RMS) to dBFS, floored at [`MIN_DBFS`].
pub fn to_dbfs(linear: f64) -> f64 {
    if linear <= 0.0 || !linear.is_finite() {
        return MIN_DBFS;
    }
    (20.0 * linear.log10()).max(MIN_DBFS)
}

/// Mean power (mean of squares) to dBFS, floored at [`MIN_DBFS`].
pub fn power_to_dbfs(power: f64) -> f64 {
    if power <= 0.0 || !power.is_finite() {
        return MIN_DBFS;
    }
    (10.0 * power.log10()).max(MIN_DBFS)
}

/// dBFS to linear amplitude.
pub fn from_dbfs(dbfs: f64) -> f64 {
    10f64.powf(dbfs / 20.0)
}

/// Round to one decimal (levels are reported to 0.1 dB).
pub fn round1(v: f64) -> f64 {
    // `+ 0.0` turns -0.0 into 0.0.
    stats::round_to(v, 1) + 0.0
}

/// One channel's levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelLevels {
    pub rms_dbfs: f64,
    pub peak_dbfs: f64,
    /// Runs of more than `clip_run_samples` consecutive full-scale samples of one sign.
    pub clipped_runs: u32,
    /// The longest run of full-scale samples.
    pub longest_clip_run: u32,
}

/// The analysis of one recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Levels {
    /// Frames analysed (one sample per channel each).
    pub frames: usize,
    pub per_channel: Vec<ChannelLevels>,
    /// The loudest channel's RMS.
    pub rms_dbfs: f64,
    /// The highest peak of any channel.
    pub peak_dbfs: f64,
    /// Clipped runs over all channels.
    pub clipped_runs: u32,
    /// All channels carry the same signal (within 1/65536). A single channel is mono.
    pub mono: bool,
    /// RMS of each 100 ms window, all channels together, to 0.1 dB.
    pub level_series_dbfs: Vec<f64>,
    /// The room's broadband noise floor (see [`noise_floor`]).
    pub noise_floor_dbfs: f64,
}

/// Analyse interleaved samples. `clip_run_samples`: a run of full-scale samples longer than this
/// counts as clipping (test.webrtc.org: 6).
pub fn analyze(
    samples: &[f32],
    channels: usize,
    sample_rate: u32,
    clip_run_samples: u32,
) -> Levels {
    let channels = channels.max(1);
    let frames = samples.len() / channels;
    let samples = &samples[..frames * channels];
    let mut sum_sq = vec![0f64; channels];
    let mut peak = vec![0f32; channels];
    let mut run = vec![0u32; channels];
    let mut runs = vec![0u32; channels];
    let mut longest = vec![0u32; channels];
    let mut last = vec![0f32; channels];
    let mut mono = true;
    for frame in samples.chunks_exact(channels) {
        let first = frame[0];
        for (c, &s) in frame.iter().enumerate() {
            let a = s.abs();
            sum_sq[c] += (s as f64) * (s as f64);
            if a > peak[c] {
                peak[c] = a;
            }
            if a >= FULL_SCALE {
                // A run is a plateau: a change of sign (a full-scale square wave) starts anew.
                if run[c] > 0 && (s > 0.0) != (last[c] > 0.0) {
                    run[c] = 0;
                }
                last[c] = s;
                run[c] += 1;
                if run[c] == clip_run_samples + 1 {
                    runs[c] += 1;
                }
                longest[c] = longest[c].max(run[c]);
            } else {
                run[c] = 0;
            }
            if mono && (s - first).abs() > MONO_TOLERANCE {
                mono = false;
            }
        }
    }
    let per_channel: Vec<ChannelLevels> = (0..channels)
        .map(|c| ChannelLevels {
            rms_dbfs: round1(power_to_dbfs(if frames == 0 {
                0.0
            } else {
                sum_sq[c] / frames as f64
            })),
            peak_dbfs: round1(to_dbfs(peak[c] as f64)),
            clipped_runs: runs[c],
            longest_clip_run: longest[c],
        })
        .collect();
    let mixed = mix_power_windows(samples, channels, window_frames(sample_rate));
    Levels {
        frames,
        rms_dbfs: per_channel
            .iter()
            .map(|c| c.rms_dbfs)
            .fold(MIN_DBFS, f64::max),
        peak_dbfs: per_channel
            .iter()
            .map(|c| c.peak_dbfs)
            .fold(MIN_DBFS, f64::max),
        clipped_runs: runs.iter().sum(),
        mono,
        level_series_dbfs: mixed.iter().map(|&p| round1(power_to_dbfs(p))).collect(),
        noise_floor_dbfs: round1(noise_floor(samples, channels, sample_rate)),
        per_channel,
    }
}

/// Frames in one 100 ms window.
pub fn window_frames(sample_rate: u32) -> usize {
    ((sample_rate as f64 * WINDOW_SECONDS).round() as usize).max(1)
}

/// Mean power (all channels) of each whole window of `window` frames.
fn mix_power_windows(samples: &[f32], channels: usize, window: usize) -> Vec<f64> {
    samples
        .chunks_exact(window * channels)
        .map(|w| w.iter().map(|&s| (s as f64) * (s as f64)).sum::<f64>() / w.len() as f64)
        .collect()
}

/// The room's noise floor in dBFS: for each 100 ms window, the broadband noise level, then the
/// 10th percentile over the windows (the quiet moments between words or sounds).
///
/// A window's broadband noise level is estimated from its spectrum rather than its RMS, so that a
/// steady tone (a test signal, mains hum) does not count as noise while hiss, fans, traffic and
/// chatter do: the median power of the spectrum's bins (Hann-windowed FFT), divided by ln 2 (the
/// median of an exponentially distributed bin power is ln 2 times its mean) and by the window's
/// energy, estimates the variance (mean power) of broadband noise, which a few strong spectral
/// lines cannot move. White noise at -30 dBFS RMS reads about -30; a pure tone at -20 dBFS reads
/// below -90. Coloured noise reads somewhat below its RMS. The estimate never exceeds the
/// window's RMS.
pub fn noise_floor(samples: &[f32], channels: usize, sample_rate: u32) -> f64 {
    let channels = channels.max(1);
    let mut est = NoiseEstimator::new(sample_rate);
    let estimates: Vec<f64> = samples
        .chunks_exact(est.window * channels)
        .map(|w| est.window_dbfs(w, channels))
        .collect();
    stats::percentile_nearest(&estimates, NOISE_FLOOR_PERCENTILE).unwrap_or(MIN_DBFS)
}

/// The broadband noise level of one 100 ms window at a time (see [`noise_floor`]), with its FFT
/// buffers kept between windows: what the live meter of `examready ui` uses too.
pub struct NoiseEstimator {
    /// Frames in one window.
    pub window: usize,
    hann: Vec<f64>,
    hann_energy: f64,
    re: Vec<f64>,
    im: Vec<f64>,
    power: Vec<f64>,
}

impl NoiseEstimator {
    pub fn new(sample_rate: u32) -> NoiseEstimator {
        let window = window_frames(sample_rate);
        let n = fft_len(window);
        let hann: Vec<f64> = (0..n)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
            .collect();
        NoiseEstimator {
            window,
            hann_energy: hann.iter().map(|w| w * w).sum(),
            hann,
            re: vec![0f64; n],
            im: vec![0f64; n],
            power: Vec::with_capacity(n / 2),
        }
    }

    /// The noise level in dBFS of one window (`self.window` interleaved frames of `channels`).
    pub fn window_dbfs(&mut self, w: &[f32], channels: usize) -> f64 {
        let channels = channels.max(1);
        let n = self.re.len();
        let frames = (w.len() / channels).min(self.window);
        // Mix the channels to one signal.
        let mut rms_power = 0f64;
        for i in 0..frames {
            let f = &w[i * channels..(i + 1) * channels];
            let m = f.iter().map(|&s| s as f64).sum::<f64>() / channels as f64;
            rms_power += m * m;
            if i < n {
                self.re[i] = m * self.hann[i];
                self.im[i] = 0.0;
            }
        }
        for i in frames.min(n)..n {
            self.re[i] = 0.0;
            self.im[i] = 0.0;
        }
        rms_power /= frames.max(1) as f64;
        fft(&mut self.re, &mut self.im);
        self.power.clear();
        // Bins 1 .. n/2-1: without DC (a microphone's offset) and Nyquist.
        let (re, im) = (&self.re, &self.im);
        self.power
            .extend((1..n / 2).map(|k| re[k] * re[k] + im[k] * im[k]));
        let median = stats::percentile_nearest(&self.power, 50.0).unwrap_or(0.0);
        // Parseval with a Hann window: a bin of white noise of variance s2 has mean power
        // s2 * sum(w^2); the one-sided spectrum holds the variance in n/2 bins, twice each.
        let per_bin_variance = median / std::f64::consts::LN_2 / self.hann_energy;
        power_to_dbfs(per_bin_variance.min(rms_power))
    }
}

/// The largest power of two not above `window` (at least 64).
fn fft_len(window: usize) -> usize {
    let mut n = 64;
    while n * 2 <= window {
        n *= 2;
    }
    n
}

/// In-place iterative radix-2 FFT. `re.len()` must be a power of two.
pub fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    debug_assert!(n.is_power_of_two() && im.len() == n);
    // Bit-reversal permutation.
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -2.0 * std::f64::consts::PI / len as f64;
        let (wr, wi) = (ang.cos(), ang.sin());
        for start in (0..n).step_by(len) {
            let (mut cr, mut ci) = (1.0f64, 0.0f64);
            for k in 0..len / 2 {
                let a = start + k;
                let b = a + len / 2;
                let tr = re[b] * cr - im[b] * ci;
                let ti = re[b] * ci + im[b] * cr;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
                let ncr = cr * wr - ci * wi;
                ci = cr * wi + ci * wr;
                cr = ncr;
            }
        }
        len <<= 1;
    }
}

/// The level of the loudest stretch (90th percentile of the 100 ms windows), in dBFS: how loud
/// speech was in `--speak` mode.
pub fn loud_level(series_dbfs: &[f64]) -> f64 {
    stats::percentile_nearest(series_dbfs, 90.0).unwrap_or(MIN_DBFS)
}

/// Test signals, for unit tests and the benchmark.
pub mod signals {
    /// A sine of RMS `rms_dbfs` at `freq` Hz, `channels` identical channels, interleaved.
    pub fn sine(rms_dbfs: f64, freq: f64, rate: u32, seconds: f64, channels: usize) -> Vec<f32> {
        let amp = super::from_dbfs(rms_dbfs) * std::f64::consts::SQRT_2;
        let frames = (rate as f64 * seconds) as usize;
        let mut v = Vec::with_capacity(frames * channels);
        for i in 0..frames {
            let s =
                (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin()) as f32;
            v.extend(std::iter::repeat_n(s, channels));
        }
        v
    }

    /// Uniform white noise of RMS `rms_dbfs` (deterministic xorshift), identical channels.
    pub fn white_noise(rms_dbfs: f64, rate: u32, seconds: f64, channels: usize) -> Vec<f32> {
        // Uniform on [-a, a] has RMS a/sqrt(3).
        let a = super::from_dbfs(rms_dbfs) * 3f64.sqrt();
        let frames = (rate as f64 * seconds) as usize;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut v = Vec::with_capacity(frames * channels);
        for _ in 0..frames {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
            let s = (a * (2.0 * u - 1.0)) as f32;
            v.extend(std::iter::repeat_n(s, channels));
        }
        v
    }

    /// A full-scale square wave at `freq` Hz.
    pub fn square(freq: f64, rate: u32, seconds: f64, channels: usize) -> Vec<f32> {
        let frames = (rate as f64 * seconds) as usize;
        let period = rate as f64 / freq;
        let mut v = Vec::with_capacity(frames * channels);
        for i in 0..frames {
            let s = if (i as f64 % period) < period / 2.0 {
                1.0
            } else {
                -1.0
            };
            v.extend(std::iter::repeat_n(s, channels));
        }
        v
    }
}

#[cfg(test)]
mod tests;
