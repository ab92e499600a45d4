//! Cost of the microphone's level analysis per second of 48 kHz audio: `analyze` (RMS, peak,
//! clipping runs, mono, level series and the spectral noise floor) and the noise floor alone,
//! on mono and stereo signals. Run: `cargo bench --bench audio_levels`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use examready::audio::levels::{analyze, noise_floor, signals};

const RATE: u32 = 48_000;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("levels per second of 48 kHz audio");
    for channels in [1usize, 2] {
        // One second of speech-like material: a tone over noise.
        let tone = signals::sine(-20.0, 440.0, RATE, 1.0, channels);
        let noise = signals::white_noise(-50.0, RATE, 1.0, channels);
        let s: Vec<f32> = tone.iter().zip(&noise).map(|(a, b)| a + b).collect();
        g.throughput(Throughput::Elements(RATE as u64));
        g.bench_with_input(BenchmarkId::new("analyze", channels), &s, |b, s| {
            b.iter(|| analyze(std::hint::black_box(s), channels, RATE, 6))
        });
        g.bench_with_input(BenchmarkId::new("noise_floor", channels), &s, |b, s| {
            b.iter(|| noise_floor(std::hint::black_box(s), channels, RATE))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
