//! The microphone figures: the recorded level (with its 100 ms series), the room's noise floor
//! and, with `--speak`, how far the voice rose above it.

use super::{MicFacts, MicrophoneRequirements};
use crate::model::{Better, Figure};

pub const LEVEL: &str = "microphone.level_dbfs";
pub const NOISE: &str = "microphone.noise_floor_dbfs";
pub const SPEECH: &str = "microphone.speech_above_floor_db";

pub fn figures(f: &MicFacts, req: &MicrophoneRequirements) -> Vec<Figure> {
    let mut out = Vec::new();
    if let Some(rms) = f.rms_dbfs {
        let points = f
            .level_series_dbfs
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 / 10.0, v.is_finite().then_some(*v)))
            .collect();
        out.push(
            Figure::new(LEVEL, "Level (RMS)", Some(rms), "dBFS", Better::Higher)
                .minimum(req.min_rms_dbfs.map(|d| d.get()))
                .series("seconds", points),
        );
    }
    if let Some(floor) = f.noise_floor_dbfs {
        out.push(
            Figure::new(
                NOISE,
                "Room noise floor",
                Some(floor),
                "dBFS",
                Better::Lower,
            )
            .maximum(req.max_noise_floor_dbfs.map(|d| d.get())),
        );
    }
    if let Some(s) = &f.speech {
        out.push(
            Figure::new(
                SPEECH,
                "Voice above the noise",
                Some(s.above_floor_db),
                "dB",
                Better::Higher,
            )
            .minimum(req.min_speech_above_floor_db.map(|d| d.get())),
        );
    }
    out
}
