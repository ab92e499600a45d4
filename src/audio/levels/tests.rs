use super::signals::*;
use super::*;

const RATE: u32 = 48_000;

#[test]
fn sine_levels_are_exact() {
    let l = analyze(&sine(-20.0, 440.0, RATE, 2.0, 2), 2, RATE, 6);
    assert_eq!(l.frames, 96_000);
    assert!((l.rms_dbfs - -20.0).abs() <= 0.1, "{}", l.rms_dbfs);
    // Peak of a sine is 3 dB above its RMS.
    assert!((l.peak_dbfs - -17.0).abs() <= 0.1, "{}", l.peak_dbfs);
    assert_eq!(l.clipped_runs, 0);
    assert!(l.mono);
    assert_eq!(l.per_channel.len(), 2);
    assert_eq!(l.level_series_dbfs.len(), 20);
    assert!(l.level_series_dbfs.iter().all(|v| (v + 20.0).abs() <= 0.2));
    // A tone is not noise.
    assert!(l.noise_floor_dbfs < -80.0, "{}", l.noise_floor_dbfs);
}

#[test]
fn silence_reads_the_floor() {
    let l = analyze(&vec![0.0; 48_000], 1, RATE, 6);
    assert_eq!(l.rms_dbfs, MIN_DBFS);
    assert_eq!(l.peak_dbfs, MIN_DBFS);
    assert_eq!(l.noise_floor_dbfs, MIN_DBFS);
    assert!(l.level_series_dbfs.iter().all(|&v| v == MIN_DBFS));
    let json = serde_json::to_string(&l).unwrap();
    assert!(!json.contains("null"), "{json}");
}

#[test]
fn white_noise_sets_the_noise_floor() {
    let l = analyze(&white_noise(-30.0, RATE, 2.0, 1), 1, RATE, 6);
    assert!((l.rms_dbfs + 30.0).abs() <= 0.2, "{}", l.rms_dbfs);
    assert!(
        (l.noise_floor_dbfs + 30.0).abs() <= 1.5,
        "{}",
        l.noise_floor_dbfs
    );
}

#[test]
fn tone_over_noise_keeps_the_noise_floor() {
    let tone = sine(-20.0, 1000.0, RATE, 2.0, 1);
    let noise = white_noise(-50.0, RATE, 2.0, 1);
    let mixed: Vec<f32> = tone.iter().zip(&noise).map(|(a, b)| a + b).collect();
    let l = analyze(&mixed, 1, RATE, 6);
    assert!((l.rms_dbfs + 20.0).abs() <= 0.2, "{}", l.rms_dbfs);
    assert!(
        (l.noise_floor_dbfs + 50.0).abs() <= 2.0,
        "{}",
        l.noise_floor_dbfs
    );
}

#[test]
fn speech_like_bursts_take_the_floor_from_the_pauses() {
    // 300 ms of noise at -20 dBFS, 300 ms of noise at -60 dBFS, repeated.
    let loud = white_noise(-20.0, RATE, 0.3, 1);
    let quiet = white_noise(-60.0, RATE, 0.3, 1);
    let mut s = Vec::new();
    for _ in 0..5 {
        s.extend(&loud);
        s.extend(&quiet);
    }
    let l = analyze(&s, 1, RATE, 6);
    assert!(
        (l.noise_floor_dbfs + 60.0).abs() <= 2.0,
        "{}",
        l.noise_floor_dbfs
    );
    assert!((loud_level(&l.level_series_dbfs) + 20.0).abs() <= 1.0);
}

#[test]
fn full_scale_square_clips() {
    let l = analyze(&square(440.0, RATE, 1.0, 1), 1, RATE, 6);
    // 440 Hz at 48 kHz: half-periods of ~54 samples, two runs per period.
    assert!(l.clipped_runs >= 800, "{}", l.clipped_runs);
    assert!(l.per_channel[0].longest_clip_run >= 54);
    assert!(l.peak_dbfs > -0.1);
}

#[test]
fn clip_runs_need_more_than_n_samples() {
    let mut s = vec![0.0f32; 100];
    for v in &mut s[10..16] {
        *v = 1.0; // 6 samples: not clipping
    }
    for v in &mut s[50..57] {
        *v = -1.0; // 7 samples: one clipped run
    }
    let l = analyze(&s, 1, RATE, 6);
    assert_eq!(l.clipped_runs, 1);
    assert_eq!(l.per_channel[0].longest_clip_run, 7);
    // 16-bit full scale (32767/32768) counts as full scale.
    let s = vec![32767.0 / 32768.0; 10];
    assert_eq!(analyze(&s, 1, RATE, 6).clipped_runs, 1);
}

#[test]
fn stereo_with_different_channels_is_not_mono() {
    let left = sine(-20.0, 440.0, RATE, 0.5, 1);
    let mut s = Vec::new();
    for &l in &left {
        s.push(l);
        s.push(0.0);
    }
    let l = analyze(&s, 2, RATE, 6);
    assert!(!l.mono);
    assert!((l.per_channel[0].rms_dbfs + 20.0).abs() <= 0.1);
    assert_eq!(l.per_channel[1].rms_dbfs, MIN_DBFS);
    // The loudest channel is reported.
    assert!((l.rms_dbfs + 20.0).abs() <= 0.1);
}

#[test]
fn minus_70_tone_is_measured() {
    let l = analyze(&sine(-70.0, 440.0, RATE, 1.0, 1), 1, RATE, 6);
    assert!((l.rms_dbfs + 70.0).abs() <= 0.1, "{}", l.rms_dbfs);
}

#[test]
fn odd_lengths_and_rates_do_not_panic() {
    let l = analyze(&[0.5, 0.5, 0.5], 2, 8000, 6);
    assert_eq!(l.frames, 1);
    assert!(l.level_series_dbfs.is_empty());
    assert_eq!(l.noise_floor_dbfs, MIN_DBFS);
    let l = analyze(&[], 0, 0, 0);
    assert_eq!(l.frames, 0);
    let l = analyze(&sine(-20.0, 440.0, 16_000, 1.0, 1), 1, 16_000, 6);
    assert!((l.rms_dbfs + 20.0).abs() <= 0.1);
}

#[test]
fn fft_of_a_bin_centred_sine_is_one_line() {
    let n = 64;
    let mut re: Vec<f64> = (0..n)
        .map(|i| (2.0 * std::f64::consts::PI * 4.0 * i as f64 / n as f64).cos())
        .collect();
    let mut im = vec![0.0; n];
    fft(&mut re, &mut im);
    assert!((re[4] - 32.0).abs() < 1e-9 && (re[60] - 32.0).abs() < 1e-9);
    assert!(re[5].abs() < 1e-9 && im[4].abs() < 1e-9);
}

#[test]
fn dbfs_conversions() {
    assert_eq!(to_dbfs(1.0), 0.0);
    assert!((to_dbfs(0.1) + 20.0).abs() < 1e-12);
    assert_eq!(to_dbfs(0.0), MIN_DBFS);
    assert!((to_dbfs(1.0 / 32767.0) + 90.3).abs() < 0.01);
    assert!((from_dbfs(-6.0) - 0.501).abs() < 0.001);
}
