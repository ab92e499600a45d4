/*!
A live level meter (pure): interleaved `f32` samples in, a [`Reading`] out every
[`UPDATE_SECONDS`]: the RMS and peak of that block in dBFS and the room's noise floor, which is
the microphone check's own estimate (the broadband noise level of each 100 ms window, see
[`levels::noise_floor`]) taken at its 10th percentile over the last [`FLOOR_SECONDS`], so that
the meter's floor mark and the check's noise floor are the same measure.
*/

use std::collections::VecDeque;

use serde::Serialize;

use super::levels::{self, MIN_DBFS, NOISE_FLOOR_PERCENTILE, NoiseEstimator};
use crate::stats;

/// One reading every 50 ms: 20 updates a second.
pub const UPDATE_SECONDS: f64 = 0.05;
/// The noise floor looks back this far.
pub const FLOOR_SECONDS: f64 = 10.0;
/// The noise floor is shown once this much audio has been heard.
pub const FLOOR_MIN_SECONDS: f64 = 1.0;

/// What the meter shows after one block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Reading {
    pub rms_dbfs: f64,
    pub peak_dbfs: f64,
    /// `None` until [`FLOOR_MIN_SECONDS`] have been heard.
    pub floor_dbfs: Option<f64>,
}

pub struct Meter {
    channels: usize,
    block: usize,
    pending: Vec<f32>,
    window: Vec<f32>,
    noise: VecDeque<f64>,
    keep: usize,
    min_windows: usize,
    est: NoiseEstimator,
}

impl Meter {
    pub fn new(channels: u16, sample_rate: u32) -> Meter {
        let channels = channels.max(1) as usize;
        let est = NoiseEstimator::new(sample_rate);
        let per_second = 1.0 / levels::WINDOW_SECONDS;
        Meter {
            channels,
            block: ((sample_rate as f64 * UPDATE_SECONDS).round() as usize).max(1) * channels,
            pending: Vec::new(),
            window: Vec::new(),
            noise: VecDeque::new(),
            keep: (FLOOR_SECONDS * per_second) as usize,
            min_windows: (FLOOR_MIN_SECONDS * per_second) as usize,
            est,
        }
    }

    /// The current noise floor, once enough has been heard.
    pub fn floor_dbfs(&self) -> Option<f64> {
        if self.noise.len() < self.min_windows.max(1) {
            return None;
        }
        let v: Vec<f64> = self.noise.iter().copied().collect();
        stats::percentile_nearest(&v, NOISE_FLOOR_PERCENTILE).map(levels::round1)
    }

    /// Feed samples; one reading per whole block they complete.
    pub fn push(&mut self, samples: &[f32]) -> Vec<Reading> {
        let mut out = Vec::new();
        let window = self.est.window * self.channels;
        for &s in samples {
            self.pending.push(s);
            self.window.push(s);
            if self.window.len() == window {
                let db = self.est.window_dbfs(&self.window, self.channels);
                self.window.clear();
                self.noise.push_back(db);
                while self.noise.len() > self.keep {
                    self.noise.pop_front();
                }
            }
            if self.pending.len() == self.block {
                let power = self
                    .pending
                    .iter()
                    .map(|&x| x as f64 * x as f64)
                    .sum::<f64>()
                    / self.block as f64;
                let peak = self.pending.iter().fold(0f32, |m, x| m.max(x.abs())) as f64;
                self.pending.clear();
                out.push(Reading {
                    rms_dbfs: levels::round1(levels::power_to_dbfs(power)),
                    peak_dbfs: levels::round1(levels::to_dbfs(peak)),
                    floor_dbfs: self.floor_dbfs(),
                });
            }
        }
        out
    }
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            rms_dbfs: MIN_DBFS,
            peak_dbfs: MIN_DBFS,
            floor_dbfs: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::levels::signals::{sine, white_noise};

    #[test]
    fn twenty_readings_a_second_at_the_signals_level() {
        let mut m = Meter::new(2, 48_000);
        let r = m.push(&sine(-20.0, 440.0, 48_000, 1.0, 2));
        assert_eq!(r.len(), 20);
        for x in &r {
            assert!((x.rms_dbfs + 20.0).abs() < 0.2, "{x:?}");
            assert!((x.peak_dbfs + 17.0).abs() < 0.2, "{x:?}");
        }
        // Samples split anywhere give the same readings.
        let mut m2 = Meter::new(2, 48_000);
        let s = sine(-20.0, 440.0, 48_000, 1.0, 2);
        let mut r2 = Vec::new();
        for c in s.chunks(777) {
            r2.extend(m2.push(c));
        }
        assert_eq!(r, r2);
    }

    #[test]
    fn the_floor_is_the_rooms_noise_and_a_tone_does_not_raise_it() {
        let mut m = Meter::new(1, 48_000);
        // Half a second is not enough to tell.
        let r = m.push(&white_noise(-50.0, 48_000, 0.5, 1));
        assert!(r.iter().all(|x| x.floor_dbfs.is_none()));
        let r = m.push(&white_noise(-50.0, 48_000, 2.0, 1));
        let floor = r.last().unwrap().floor_dbfs.unwrap();
        assert!((floor + 50.0).abs() < 2.0, "{floor}");
        // A loud tone on top: the level rises 30 dB, the floor stays.
        let tone: Vec<f32> = sine(-20.0, 660.0, 48_000, 3.0, 1)
            .iter()
            .zip(white_noise(-50.0, 48_000, 3.0, 1))
            .map(|(a, b)| a + b)
            .collect();
        let r = m.push(&tone);
        let last = r.last().unwrap();
        assert!((last.rms_dbfs + 20.0).abs() < 0.5, "{last:?}");
        assert!((last.floor_dbfs.unwrap() + 50.0).abs() < 2.0, "{last:?}");
    }

    #[test]
    fn the_floor_forgets_a_noisy_past() {
        let mut m = Meter::new(1, 48_000);
        m.push(&white_noise(-30.0, 48_000, 5.0, 1));
        assert!((m.floor_dbfs().unwrap() + 30.0).abs() < 2.0);
        m.push(&white_noise(-60.0, 48_000, FLOOR_SECONDS, 1));
        let floor = m.floor_dbfs().unwrap();
        assert!((floor + 60.0).abs() < 2.0, "{floor}");
        // Digital silence reads the lowest level, not minus infinity.
        let r = Meter::new(1, 48_000).push(&vec![0.0; 4800]);
        assert_eq!(r[0].rms_dbfs, MIN_DBFS);
    }
}
