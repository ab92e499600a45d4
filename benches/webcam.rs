//! Per-frame analysis and face detection at 640x480 and 1280x720 on a real photograph (the
//! rustface package's test.png, cropped and scaled). Goals: analysis under 10 ms and face
//! detection under 50 ms per 640x480 frame on one core (run with RAYON_NUM_THREADS=1).
//!
//! `cargo bench --bench webcam -- --measurement-time 5`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use examready::check::webcam::analysis::Analyzer;
use examready::check::webcam::face::FaceFinder;
use image::RgbImage;

fn frame(w: u32, h: u32) -> RgbImage {
    let path = concat!(env!("EXAMREADY_RUSTFACE_DIR"), "/test.png");
    let img = image::open(path).expect("rustface test.png").to_rgb8();
    // A 4:3 region around the seated front row, scaled to the frame size.
    let crop = image::imageops::crop_imm(&img, 700, 180, 480, 360).to_image();
    image::imageops::resize(&crop, w, h, image::imageops::FilterType::Triangle)
}

fn bench(c: &mut Criterion) {
    for (w, h) in [(640, 480), (1280, 720)] {
        let a = frame(w, h);
        let b = frame(w, h);
        c.bench_function(&format!("analysis {w}x{h}"), |bench| {
            let mut an = Analyzer::new();
            an.push(&a);
            bench.iter(|| black_box(an.push(black_box(&b))))
        });
        let mut finder = FaceFinder::new().unwrap();
        c.bench_function(&format!("face detection {w}x{h}"), |bench| {
            bench.iter(|| black_box(finder.detect(black_box(&a))))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
