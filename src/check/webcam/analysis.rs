/*!
Per-frame image analysis: brightness, frozen frames, uniform (covered) images, blur and
backlight. Pure functions on RGB frames; no thresholds here (the profile holds them, the judge
applies them), so recorded statistics can be judged again under another profile.

- Brightness is the mean Rec.709 luma `0.21 R + 0.72 G + 0.07 B` (test.webrtc.org's formula).
- Frozen frames are found with SSIM between consecutive frames' luma planes at full resolution
  (test.webrtc.org's constants: K1 0.01, K2 0.03, L 255), averaged over 8x8 windows (see
  [`ssim`]). Full resolution keeps the sensor noise that tells a live still scene from a
  repeated frame.
- Uniformity (standard deviation), blur (variance of the Laplacian) and backlight (centre versus
  surround luma) are measured on the frame box-averaged down to [`ANALYSIS_WIDTH`] pixels wide, so
  the figures do not depend on the capture resolution and a 1280x720 frame costs little more
  than a 640x480 one.
*/

use image::RgbImage;
use serde::{Deserialize, Serialize};

/// Width of the reduced luma image that sharpness, uniformity and backlight are measured on.
pub const ANALYSIS_WIDTH: u32 = 320;

/// SSIM constants (test.webrtc.org's ssim.js).
pub const SSIM_K1: f64 = 0.01;
pub const SSIM_K2: f64 = 0.03;
pub const SSIM_L: f64 = 255.0;

/// A luma plane (one byte per pixel).
#[derive(Debug, Clone, PartialEq)]
pub struct Luma {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Rec.709 luma of an RGB frame, as test.webrtc.org computes it.
pub fn luma_plane(frame: &RgbImage) -> Luma {
    let data = frame
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            // 0.21 R + 0.72 G + 0.07 B in fixed point (weights * 256: 54, 184, 18 = 256).
            ((54 * p[0] as u32 + 184 * p[1] as u32 + 18 * p[2] as u32 + 128) >> 8) as u8
        })
        .collect();
    Luma {
        width: frame.width(),
        height: frame.height(),
        data,
    }
}

/// Side of the square windows SSIM is computed over.
pub const SSIM_WINDOW: usize = 8;

/// SSIM of one window from its sums (n pixels).
fn ssim_from_sums(n: f64, sa: f64, sb: f64, saa: f64, sbb: f64, sab: f64) -> f64 {
    let (ma, mb) = (sa / n, sb / n);
    let va = saa / n - ma * ma;
    let vb = sbb / n - mb * mb;
    let cov = sab / n - ma * mb;
    let c1 = (SSIM_K1 * SSIM_L).powi(2);
    let c2 = (SSIM_K2 * SSIM_L).powi(2);
    ((2.0 * ma * mb + c1) * (2.0 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
}

/// SSIM of two equally sized luma planes: the mean over 8x8 windows (Wang et al.'s definition),
/// with test.webrtc.org's constants. `None` when the sizes differ.
///
/// test.webrtc.org computes one window over the whole frame; that global form scores a live but
/// high-contrast scene (a bright window behind the candidate) as frozen, because the static
/// contrast dominates the variance. Local windows keep the sensor noise and small movements of a
/// live picture visible, while a repeated frame still scores exactly 1.
pub fn ssim(a: &Luma, b: &Luma) -> Option<f64> {
    if a.width != b.width || a.height != b.height || a.data.is_empty() {
        return None;
    }
    let (w, h) = (a.width as usize, a.height as usize);
    let k = SSIM_WINDOW;
    if w < k || h < k {
        return Some(global_ssim(a, b));
    }
    let (bw, bh) = (w / k, h / k);
    let mut total = 0.0;
    // Per block column: sums of a, b, a*a, b*b, a*b.
    let mut acc = vec![[0u32; 5]; bw];
    for by in 0..bh {
        acc.iter_mut().for_each(|s| *s = [0; 5]);
        for y in by * k..(by + 1) * k {
            let ra = &a.data[y * w..y * w + bw * k];
            let rb = &b.data[y * w..y * w + bw * k];
            for (bx, s) in acc.iter_mut().enumerate() {
                for i in bx * k..(bx + 1) * k {
                    let (x, z) = (ra[i] as u32, rb[i] as u32);
                    s[0] += x;
                    s[1] += z;
                    s[2] += x * x;
                    s[3] += z * z;
                    s[4] += x * z;
                }
            }
        }
        let n = (k * k) as f64;
        for s in &acc {
            total += ssim_from_sums(
                n,
                s[0] as f64,
                s[1] as f64,
                s[2] as f64,
                s[3] as f64,
                s[4] as f64,
            );
        }
    }
    Some(total / (bw * bh) as f64)
}

/// One window over the whole image (test.webrtc.org's form).
pub fn global_ssim(a: &Luma, b: &Luma) -> f64 {
    let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for (&x, &y) in a.data.iter().zip(&b.data) {
        let (x, y) = (x as u64, y as u64);
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    ssim_from_sums(
        a.data.len() as f64,
        sa as f64,
        sb as f64,
        saa as f64,
        sbb as f64,
        sab as f64,
    )
}

/// Box-average a luma plane down to `width` pixels wide (never up).
pub fn reduce(l: &Luma, width: u32) -> Luma {
    if l.width <= width || l.width == 0 || l.height == 0 {
        return l.clone();
    }
    let height = ((l.height as u64 * width as u64) / l.width as u64).max(1) as u32;
    let mut data = Vec::with_capacity((width * height) as usize);
    let (sw, sh) = (l.width as usize, l.height as usize);
    for oy in 0..height as usize {
        let y0 = oy * sh / height as usize;
        let y1 = ((oy + 1) * sh / height as usize).max(y0 + 1);
        for ox in 0..width as usize {
            let x0 = ox * sw / width as usize;
            let x1 = ((ox + 1) * sw / width as usize).max(x0 + 1);
            let mut sum = 0u32;
            for y in y0..y1 {
                let row = &l.data[y * sw + x0..y * sw + x1];
                sum += row.iter().map(|&v| v as u32).sum::<u32>();
            }
            let count = ((y1 - y0) * (x1 - x0)) as u32;
            data.push(((sum + count / 2) / count) as u8);
        }
    }
    Luma {
        width,
        height,
        data,
    }
}

/// Mean and standard deviation of a luma plane.
pub fn mean_stddev(l: &Luma) -> (f64, f64) {
    if l.data.is_empty() {
        return (0.0, 0.0);
    }
    let n = l.data.len() as f64;
    let (mut s, mut ss) = (0u64, 0u64);
    for &v in &l.data {
        s += v as u64;
        ss += (v as u64) * (v as u64);
    }
    let mean = s as f64 / n;
    (mean, (ss as f64 / n - mean * mean).max(0.0).sqrt())
}

/// Variance of the 4-neighbour Laplacian: high for sharp edges, low for a blurred image.
pub fn laplacian_variance(l: &Luma) -> f64 {
    let (w, h) = (l.width as usize, l.height as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let (mut s, mut ss, mut n) = (0i64, 0i64, 0i64);
    for y in 1..h - 1 {
        let row = &l.data[y * w..(y + 1) * w];
        let up = &l.data[(y - 1) * w..y * w];
        let down = &l.data[(y + 1) * w..(y + 2) * w];
        for x in 1..w - 1 {
            let v = up[x] as i64 + down[x] as i64 + row[x - 1] as i64 + row[x + 1] as i64
                - 4 * row[x] as i64;
            s += v;
            ss += v * v;
            n += 1;
        }
    }
    let mean = s as f64 / n as f64;
    ss as f64 / n as f64 - mean * mean
}

/// Mean luma of the centre (middle third in each direction) and of the rest of the image.
pub fn centre_surround(l: &Luma) -> (f64, f64) {
    let (w, h) = (l.width as usize, l.height as usize);
    let (x0, x1, y0, y1) = (w / 3, w - w / 3, h / 3, h - h / 3);
    let (mut cs, mut cn, mut ss, mut sn) = (0u64, 0u64, 0u64, 0u64);
    for y in 0..h {
        for x in 0..w {
            let v = l.data[y * w + x] as u64;
            if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
                cs += v;
                cn += 1;
            } else {
                ss += v;
                sn += 1;
            }
        }
    }
    let avg = |s: u64, n: u64| if n == 0 { 0.0 } else { s as f64 / n as f64 };
    (avg(cs, cn), avg(ss, sn))
}

/// Mean luma inside a rectangle of the full-resolution plane (clamped to the image).
pub fn region_mean(l: &Luma, x: i64, y: i64, w: i64, h: i64) -> Option<f64> {
    let x0 = x.clamp(0, l.width as i64) as usize;
    let y0 = y.clamp(0, l.height as i64) as usize;
    let x1 = (x + w).clamp(0, l.width as i64) as usize;
    let y1 = (y + h).clamp(0, l.height as i64) as usize;
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let mut s = 0u64;
    for yy in y0..y1 {
        s += l.data[yy * l.width as usize + x0..yy * l.width as usize + x1]
            .iter()
            .map(|&v| v as u64)
            .sum::<u64>();
    }
    Some(s as f64 / ((x1 - x0) * (y1 - y0)) as f64)
}

/// What one frame measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameStats {
    /// Mean Rec.709 luma, 0..255.
    pub luma: f64,
    /// SSIM against the previous frame (`None` for the first frame or after a size change).
    pub ssim_prev: Option<f64>,
    /// Standard deviation of the reduced luma (near 0: a uniform image).
    pub stddev: f64,
    /// Variance of the Laplacian of the reduced luma.
    pub sharpness: f64,
    /// Mean luma of the centre third and of the surround (reduced image).
    pub centre_luma: f64,
    pub surround_luma: f64,
}

/// Analyses a stream of frames, keeping the previous luma plane for SSIM.
#[derive(Debug, Default)]
pub struct Analyzer {
    prev: Option<Luma>,
}

impl Analyzer {
    pub fn new() -> Analyzer {
        Analyzer::default()
    }

    /// Measure one frame (and remember it for the next frame's SSIM).
    pub fn push(&mut self, frame: &RgbImage) -> FrameStats {
        let luma = luma_plane(frame);
        let stats = analyze_luma(&luma, self.prev.as_ref());
        self.prev = Some(luma);
        stats
    }
}

/// Measure a luma plane, against the previous frame's plane when there is one.
pub fn analyze_luma(luma: &Luma, prev: Option<&Luma>) -> FrameStats {
    let (mean, _) = mean_stddev(luma);
    let small = reduce(luma, ANALYSIS_WIDTH);
    let (_, stddev) = mean_stddev(&small);
    let (centre_luma, surround_luma) = centre_surround(&small);
    FrameStats {
        luma: mean,
        ssim_prev: prev.and_then(|p| ssim(p, luma)),
        stddev,
        sharpness: laplacian_variance(&small),
        centre_luma,
        surround_luma,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(w: u32, h: u32, rgb: [u8; 3]) -> RgbImage {
        RgbImage::from_pixel(w, h, image::Rgb(rgb))
    }

    #[test]
    fn luma_uses_rec709_weights() {
        let l = luma_plane(&solid(4, 4, [255, 0, 0]));
        assert!((l.data[0] as f64 - 0.21 * 255.0).abs() <= 1.0);
        let l = luma_plane(&solid(4, 4, [0, 255, 0]));
        assert!((l.data[0] as f64 - 0.72 * 255.0).abs() <= 1.0);
        let l = luma_plane(&solid(4, 4, [255, 255, 255]));
        assert_eq!(l.data[0], 255);
    }

    #[test]
    fn ssim_is_one_for_identical_and_low_for_different() {
        let mut img = RgbImage::new(64, 48);
        for (x, y, p) in img.enumerate_pixels_mut() {
            *p = image::Rgb([(x * 4) as u8, (y * 5) as u8, 0]);
        }
        let a = luma_plane(&img);
        assert!((ssim(&a, &a).unwrap() - 1.0).abs() < 1e-9);
        let b = luma_plane(&solid(64, 48, [0, 0, 0]));
        assert!(ssim(&a, &b).unwrap() < 0.5);
        let c = luma_plane(&solid(32, 48, [0, 0, 0]));
        assert!(ssim(&a, &c).is_none());
        assert!((global_ssim(&a, &a) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn local_ssim_sees_noise_that_global_ssim_misses() {
        // A bright/dark step (static contrast) plus small frame-to-frame noise.
        let frame = |seed: u32| {
            let mut img = RgbImage::new(160, 120);
            let mut r = seed.wrapping_mul(2654435761);
            for (x, _, p) in img.enumerate_pixels_mut() {
                r ^= r << 13;
                r ^= r >> 17;
                r ^= r << 5;
                let base: i32 = if x < 80 { 40 } else { 230 };
                let v = (base + (r % 7) as i32 - 3).clamp(0, 255) as u8;
                *p = image::Rgb([v, v, v]);
            }
            luma_plane(&img)
        };
        let (a, b) = (frame(1), frame(2));
        assert!(global_ssim(&a, &b) > 0.985, "{}", global_ssim(&a, &b));
        assert!(ssim(&a, &b).unwrap() < 0.985, "{}", ssim(&a, &b).unwrap());
        assert!((ssim(&a, &a).unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn reduce_keeps_the_mean_and_laplacian_sees_edges() {
        let mut img = RgbImage::new(640, 480);
        for (x, y, p) in img.enumerate_pixels_mut() {
            let v = if (x / 8 + y / 8) % 2 == 0 { 255 } else { 0 };
            *p = image::Rgb([v, v, v]);
        }
        let l = luma_plane(&img);
        let small = reduce(&l, 320);
        assert_eq!((small.width, small.height), (320, 240));
        assert!((mean_stddev(&small).0 - mean_stddev(&l).0).abs() < 1.0);
        assert!(laplacian_variance(&small) > 1000.0);
        assert_eq!(
            laplacian_variance(&luma_plane(&solid(64, 64, [9, 9, 9]))),
            0.0
        );
    }
}
