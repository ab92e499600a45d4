/*!
Charts for the HTML report, drawn as inline SVG with plotters, from whatever series a module's
facts hold. Modules are read generically, by name, so a module added later gets its charts for
free: any array of at least two numbers under a key containing `series` or `samples` is a series
(`network` facts `download_mbps.series`, `upload_mbps.series`, `latency_ms.samples`;
`microphone` facts `level_series_dbfs` ...). Points may be numbers (`null` is a gap), `[x, y]`
pairs, or objects with a time field (`t`, `t_s`, `t_ms`, `time_s`) and a value.

The unit comes from the path (`_mbps` Mbps, `_ms` ms, `dbfs` dBFS, `percent` %). Also here: the
camera snapshot, if the facts carry one, as bytes for a `data:` URI.
*/

use plotters::prelude::*;
use serde_json::Value;

/// One chartable series found in a module's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Where it was found, e.g. `upload_mbps.series`.
    pub path: String,
    /// A readable title, e.g. "upload (Mbps) per second".
    pub title: String,
    pub unit: String,
    pub x_label: String,
    /// Runs of points; a `null` in the facts splits runs.
    pub runs: Vec<Vec<(f64, f64)>>,
}

const MAX_SERIES: usize = 8;
const MAX_POINTS: usize = 4000;

fn is_series_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("series") || k.contains("samples")
}

/// The unit a path implies.
pub fn unit_of(path: &str) -> &'static str {
    let p = path.to_ascii_lowercase();
    if p.contains("mbps") {
        "Mbps"
    } else if p.contains("dbfs") {
        "dBFS"
    } else if p.contains("percent") {
        "%"
    } else if p.contains("_ms") || p.contains("ms.") || p.ends_with("ms") {
        "ms"
    } else {
        ""
    }
}

const TIME_KEYS: &[&str] = &["t", "t_s", "time_s", "at_s", "second", "t_ms", "time_ms"];

fn point(i: usize, v: &Value) -> Option<Option<(f64, f64)>> {
    // Some(None) = a gap; None = not a point at all.
    match v {
        Value::Null => Some(None),
        Value::Number(n) => Some(n.as_f64().map(|y| (i as f64, y))),
        Value::Array(a) if a.len() == 2 => match (a[0].as_f64(), &a[1]) {
            (Some(_), Value::Null) => Some(None),
            (Some(x), y) => y.as_f64().map(|y| Some((x, y))),
            _ => None,
        },
        Value::Object(m) => {
            let time = TIME_KEYS
                .iter()
                .find_map(|k| m.get(*k).and_then(Value::as_f64).map(|t| (*k, t)));
            let value = m
                .iter()
                .filter(|(k, _)| time.is_none_or(|(tk, _)| tk != k.as_str()))
                .find_map(|(_, v)| match v {
                    Value::Null => Some(None),
                    v => v.as_f64().map(Some),
                })?;
            let x = match time {
                Some((k, t)) if k.ends_with("ms") => t / 1000.0,
                Some((_, t)) => t,
                None => i as f64,
            };
            Some(value.map(|y| (x, y)))
        }
        _ => None,
    }
}

fn humanize(path: &str) -> String {
    let words: Vec<String> = path
        .split(['.', '_', '[', ']'])
        .filter(|w| !w.is_empty())
        .filter(|w| !matches!(w.to_ascii_lowercase().as_str(), "mbps" | "ms" | "dbfs"))
        .map(|w| w.to_string())
        .collect();
    // Keys are ours, but a report file can say anything: keep titles to plain characters.
    words
        .join(" ")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '-')
        .collect()
}

fn to_series(path: &str, items: &[Value]) -> Option<Series> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    let mut count = 0;
    for (i, item) in items.iter().enumerate() {
        match point(i, item)? {
            Some((x, y)) if x.is_finite() && y.is_finite() => {
                runs.last_mut().expect("runs is never empty").push((x, y));
                count += 1;
            }
            _ => {
                if runs.last().is_some_and(|r| !r.is_empty()) {
                    runs.push(Vec::new());
                }
            }
        }
    }
    runs.retain(|r| !r.is_empty());
    if count < 2 {
        return None;
    }
    if count > MAX_POINTS {
        let step = count.div_ceil(MAX_POINTS);
        for r in &mut runs {
            *r = r.iter().step_by(step).copied().collect();
        }
    }
    let unit = unit_of(path).to_string();
    // Goodput series are per second by design (network-method.md); other series count samples.
    let per_second = unit == "Mbps" && path.to_ascii_lowercase().contains("series");
    let timed = items.iter().any(|v| {
        v.as_object()
            .is_some_and(|m| TIME_KEYS.iter().any(|k| m.contains_key(*k)))
    }) || items.iter().any(Value::is_array);
    let x_label = if per_second || timed {
        "seconds"
    } else {
        "sample"
    };
    let title = match unit.as_str() {
        "" => humanize(path),
        u => format!("{} ({u})", humanize(path)),
    };
    Some(Series {
        path: path.to_string(),
        title,
        unit,
        x_label: x_label.to_string(),
        runs,
    })
}

fn walk(path: &str, v: &Value, out: &mut Vec<Series>) {
    if out.len() >= MAX_SERIES {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(&p, v, out);
            }
        }
        Value::Array(items) => {
            let last = path.rsplit('.').next().unwrap_or(path);
            if is_series_key(last)
                && let Some(s) = to_series(path, items)
            {
                out.push(s);
                return;
            }
            for (i, item) in items.iter().enumerate().take(16) {
                if item.is_object() {
                    walk(&format!("{path}[{i}]"), item, out);
                }
            }
        }
        _ => {}
    }
}

/// Every chartable series in a module's facts, in the facts' order.
pub fn find_series(facts: &Value) -> Vec<Series> {
    let mut out = Vec::new();
    walk("", facts, &mut out);
    out
}

/// The series drawn as a standalone SVG element (no XML prolog), or `None` if it cannot be.
pub fn svg(series: &Series) -> Option<String> {
    let pts = series.runs.iter().flatten();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    // No measurement is that large; plotters never returns on ranges near f64's limits (an
    // infinite or zero-width axis), so such a series is left out rather than hang the report.
    const LIMIT: f64 = 1e15;
    if [x0, x1, y0, y1]
        .iter()
        .any(|v| !v.is_finite() || v.abs() > LIMIT)
    {
        return None;
    }
    if x1 - x0 < 1e-9 {
        x1 = x0 + 1.0;
    }
    // Bandwidths and delays start at zero; levels in dBFS are negative and keep their range.
    if y0 > 0.0 && series.unit != "dBFS" {
        y0 = 0.0;
    }
    let pad = ((y1 - y0).abs() * 0.08).max(0.5);
    let (y0, y1) = (y0 - if y0 == 0.0 { 0.0 } else { pad }, y1 + pad);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (640, 260)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(52)
            .build_cartesian_2d(x0..x1, y0..y1)
            .ok()?;
        chart
            .configure_mesh()
            .x_desc(series.x_label.as_str())
            .y_desc(series.unit.as_str())
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(2)
            .label_style(("sans-serif", 13))
            .draw()
            .ok()?;
        let colour = RGBColor(0x1f, 0x6f, 0xb5);
        for run in &series.runs {
            chart
                .draw_series(LineSeries::new(run.iter().copied(), colour.stroke_width(2)))
                .ok()?;
        }
        root.present().ok()?;
    }
    let start = buf.find("<svg")?;
    let mut svg = buf[start..].to_string();
    // Let the picture shrink on a phone: keep the viewBox, drop the fixed size.
    svg = svg.replacen(
        "<svg width=\"640\" height=\"260\"",
        "<svg role=\"img\" width=\"100%\"",
        1,
    );
    Some(svg)
}

/// A camera snapshot carried by the facts: its MIME type and base64 text.
pub use crate::model::Image as Snapshot;

fn mime_of_bytes(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

fn mime_of_base64(s: &str) -> Option<&'static str> {
    if s.starts_with("iVBORw0KGg") {
        Some("image/png")
    } else if s.starts_with("/9j/") {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Standard base64 (RFC 4648 alphabet `A–Z a–z 0–9 + /`) with `=` padding.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Find a camera snapshot in a module's facts: a base64 string under a key containing
/// `snapshot` (`snapshot_png_base64`, `snapshot.jpeg` ...). Only real PNG or JPEG data is
/// accepted. Files named in the facts are never read here (see [`load_image`]).
/// Read a PNG or JPEG file of at most 10 MB, for the caller that knows the file is its own (the
/// `check` run that just wrote its `--snapshot`).
pub fn load_image(path: &std::path::Path) -> Option<Snapshot> {
    const MAX_BYTES: u64 = 10 << 20;
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let mime = mime_of_bytes(&bytes)?;
    Some(Snapshot {
        mime,
        base64: base64(&bytes),
    })
}

pub fn find_snapshot(facts: &Value) -> Option<Snapshot> {
    fn walk(key: &str, v: &Value) -> Option<Snapshot> {
        match v {
            Value::Object(m) => m.iter().find_map(|(k, v)| {
                let k = if key.is_empty() {
                    k.clone()
                } else {
                    format!("{key}.{k}")
                };
                walk(&k, v)
            }),
            Value::String(s) if key.to_ascii_lowercase().contains("snapshot") => {
                // Base64 text is recognised by what it decodes to, whatever the key's suffix.
                let b: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                let clean = b
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='));
                if let (true, Some(mime)) = (clean, mime_of_base64(&b)) {
                    return Some(Snapshot { mime, base64: b });
                }
                // A path is not followed here: renderers read no file (a replayed report could
                // name any picture on the disk). `load_image` serves the run that took it.
                None
            }
            _ => None,
        }
    }
    walk("", facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_network_and_microphone_series_by_name() {
        let facts = json!({
            "download_mbps": {"median": 48.2, "series": [40.1, 50.2, 49.0, 51.3]},
            "upload_mbps": {"median": 4.2, "series": [4.0, null, 4.4, 4.1]},
            "latency_ms": {"samples": [{"t_ms": 0, "rtt_ms": 21.0}, {"t_ms": 200, "rtt_ms": null},
                                       {"t_ms": 400, "rtt_ms": 25.5}, {"t_ms": 600, "rtt_ms": 22.0}]},
            "hosts": ["a", "b"],
            "single": {"series": [1.0]}
        });
        let s = find_series(&facts);
        let paths: Vec<&str> = s.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "download_mbps.series",
                "upload_mbps.series",
                "latency_ms.samples"
            ]
        );
        assert_eq!(s[0].unit, "Mbps");
        assert_eq!(s[0].x_label, "seconds");
        assert_eq!(
            s[0].runs,
            vec![vec![(0.0, 40.1), (1.0, 50.2), (2.0, 49.0), (3.0, 51.3)]]
        );
        // A null is a gap: two runs.
        assert_eq!(s[1].runs.len(), 2);
        // Object points with a millisecond clock become seconds.
        assert_eq!(s[2].unit, "ms");
        assert_eq!(
            s[2].runs,
            vec![vec![(0.0, 21.0)], vec![(0.4, 25.5), (0.6, 22.0)]]
        );

        let mic = json!({"level_series_dbfs": [-42.0, -38.5, -40.0], "rms_dbfs": -40.0});
        let s = find_series(&mic);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].unit, "dBFS");
        assert_eq!(s[0].x_label, "sample");
        assert_eq!(s[0].title, "level series (dBFS)");
    }

    #[test]
    fn no_series_no_chart() {
        assert!(find_series(&json!({"os": {"name": "x"}, "cores": 4})).is_empty());
        assert!(find_series(&Value::Null).is_empty());
        assert!(find_series(&json!({"samples": ["a", "b"]})).is_empty());
    }

    #[test]
    fn svg_is_a_scaled_drawing_with_axis_labels() {
        let s = &find_series(&json!({"upload_mbps": {"series": [9.1, 8.7, 4.2, 4.0]}}))[0];
        let svg = svg(s).unwrap();
        assert!(
            svg.starts_with("<svg role=\"img\" width=\"100%\""),
            "{}",
            &svg[..80]
        );
        assert!(svg.contains("viewBox=\"0 0 640 260\""));
        assert!(svg.contains("<polyline"), "a line is drawn");
        assert!(svg.contains("\nMbps\n") && svg.contains("\nseconds\n"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn snapshot_from_base64_in_the_facts_or_a_file_the_run_loads() {
        let png = b"\x89PNG\r\n\x1a\nrest-of-file";
        let b64 = base64(png);
        let s = find_snapshot(&json!({"camera": "x", "snapshot_png_base64": b64})).unwrap();
        assert_eq!(s.mime, "image/png");
        let jpeg = base64(&[0xff, 0xd8, 0xff, 0xe0, 0, 16]);
        let s = find_snapshot(&json!({"snapshot": {"jpeg": jpeg}})).unwrap();
        assert_eq!(s.mime, "image/jpeg");
        assert!(find_snapshot(&json!({"snapshot_png_base64": "\" onerror=alert(1)"})).is_none());
        assert!(find_snapshot(&json!({"snapshot_png_base64": "iVBORw0KGg\"><script>"})).is_none());
        assert!(find_snapshot(&json!({"snapshot_png_base64": "aGVsbG8="})).is_none());
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("snap.jpg");
        std::fs::write(&f, [0xff, 0xd8, 0xff, 0xe0, 1, 2]).unwrap();
        // A file named in the facts is never read by the renderers; the run that took it loads it.
        assert!(find_snapshot(&json!({"snapshot_path": f})).is_none());
        let s = load_image(&f).unwrap();
        assert_eq!(s.mime, "image/jpeg");
        assert!(load_image(&dir.path().join("none")).is_none());
        std::fs::write(&f, b"not a picture").unwrap();
        assert!(load_image(&f).is_none());
        assert!(find_snapshot(&json!({"resolution": "640x480"})).is_none());
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        // Every byte value (Python's base64.b64encode(bytes(range(256)))): every alphabet position, including the last two (`+`, `/`), and padding.
        let all: Vec<u8> = (0u8..=255).collect();
        assert_eq!(
            base64(&all),
            concat!(
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4",
                "OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx",
                "cnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmq",
                "q6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj",
                "5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==",
            )
        );
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
        assert_eq!(base64(&[0x89, b'P', b'N', b'G']), "iVBORw==");
    }
}

#[cfg(test)]
mod extreme_tests {
    use super::*;

    fn series(points: &[(f64, f64)]) -> Series {
        Series {
            path: "x_series".into(),
            title: "x".into(),
            unit: String::new(),
            x_label: "sample".into(),
            runs: vec![points.to_vec()],
        }
    }

    #[test]
    fn x_near_the_float_limit_is_left_out() {
        assert_eq!(svg(&series(&[(1e308, 1.0), (1e308, 2.0)])), None);
    }

    #[test]
    fn y_spanning_the_float_range_is_left_out() {
        assert_eq!(svg(&series(&[(0.0, -1e308), (1.0, 1e308)])), None);
    }

    #[test]
    fn a_tiny_x_range_is_drawn() {
        assert!(svg(&series(&[(0.0, 1.0), (5e-324, 2.0)])).is_some());
        assert!(svg(&series(&[(0.0, 1e-308), (1.0, 1e-308)])).is_some());
        assert!(svg(&series(&[(1e15, 0.0), (1e15, 1e15)])).is_some());
    }
}
