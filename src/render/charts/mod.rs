/*!
Charts for the HTML report, drawn as inline SVG with plotters, from the series of a check's
figures (see [`crate::figure`]): the module declares each series, its unit and what its x axis
counts, so nothing here guesses from key names. Also here: the camera snapshot, if the facts
carry one, as bytes for a `data:` URI.
*/

use plotters::prelude::*;
use serde_json::Value;

use crate::model::Figure;

/// One series ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The figure it belongs to, e.g. `network.upload_mbps`.
    pub figure: String,
    /// A readable title, e.g. "Upload (Mbps)".
    pub title: String,
    pub unit: String,
    pub x_label: String,
    /// Runs of points; a `null` value splits runs.
    pub runs: Vec<Vec<(f64, f64)>>,
    /// The profile's limits for the figure, drawn as labelled horizontal lines.
    pub limits: Vec<Limit>,
}

/// A limit line: "minimum", "maximum" or "recommended", and its value in the series' unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub what: &'static str,
    pub value: f64,
}

impl Limit {
    /// The line's label: "minimum 3 Mbps".
    pub fn label(&self, unit: &str) -> String {
        format!(
            "{} {}",
            self.what,
            crate::figure::with_unit(self.value, unit)
        )
    }
}

/// No measurement is that large; plotters never returns on ranges near f64's limits (an
/// infinite or zero-width axis), so such a series or limit is left out rather than hang the
/// report.
const LIMIT: f64 = 1e15;

const MAX_SERIES: usize = 8;
const MAX_POINTS: usize = 4000;

/// The series of `figures` that can be drawn: at least two finite points. A report file can
/// say anything: titles keep to plain characters and very long series are thinned.
pub fn chartable(figures: &[Figure]) -> Vec<Series> {
    figures
        .iter()
        .filter_map(|f| {
            let s = f.series.as_ref()?;
            let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            let mut count = 0;
            for &(x, y) in &s.points {
                match y {
                    Some(y) if x.is_finite() && y.is_finite() => {
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
            let label = plain_text(&f.label);
            let title = match s.unit.as_str() {
                "" => label,
                u => format!("{label} ({})", plain_text(u)),
            };
            // The profile's limits are in the figure's unit; a series in another unit has none.
            let limits = [
                ("minimum", f.minimum),
                ("maximum", f.maximum),
                ("recommended", f.recommended),
            ]
            .into_iter()
            .filter(|_| s.unit == f.unit)
            .filter_map(|(what, v)| {
                v.filter(|v| v.is_finite() && v.abs() <= LIMIT)
                    .map(|value| Limit { what, value })
            })
            .collect();
            Some(Series {
                figure: f.id.clone(),
                title,
                unit: plain_text(&s.unit),
                x_label: plain_text(&s.x_label),
                runs,
                limits,
            })
        })
        .take(MAX_SERIES)
        .collect()
}

fn plain_text(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || " -,.()%/".contains(*c))
        .take(80)
        .collect()
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
    if [x0, x1, y0, y1]
        .iter()
        .any(|v| !v.is_finite() || v.abs() > LIMIT)
    {
        return None;
    }
    let (data_y0, data_y1) = (y0, y1);
    // The limits are in the picture, however far the measurements are from them.
    for l in &series.limits {
        y0 = y0.min(l.value);
        y1 = y1.max(l.value);
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
        draw_limits(&mut chart, series, x0, x1)?;
        root.present().ok()?;
    }
    named(&buf, series, data_y0, data_y1)
}

/// The limits: a dashed line each, named in words above it at the left (never colour alone).
fn draw_limits(
    chart: &mut ChartContext<
        '_,
        SVGBackend<'_>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    series: &Series,
    x0: f64,
    x1: f64,
) -> Option<()> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let colour = RGBColor(0xb3, 0x26, 0x1e);
    for l in &series.limits {
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, l.value), (x1, l.value)],
                8,
                5,
                colour.stroke_width(2),
            ))
            .ok()?;
        let style = ("sans-serif", 13)
            .into_font()
            .color(&colour)
            .pos(Pos::new(HPos::Left, VPos::Bottom));
        chart
            .draw_series(std::iter::once(Text::new(
                l.label(&series.unit),
                (x0 + (x1 - x0) * 0.01, l.value),
                style,
            )))
            .ok()?;
    }
    Some(())
}

/// plotters' SVG document as an element for a page: shrinks on a phone (the viewBox kept, the
/// fixed size dropped), and a screen reader reads its title and description, not the drawing.
/// The data run from `low` to `high`.
fn named(document: &str, series: &Series, low: f64, high: f64) -> Option<String> {
    let svg = &document[document.find("<svg")?..];
    let open_end = svg.find('>')?;
    let open = svg[..open_end].replacen(
        "<svg width=\"640\" height=\"260\"",
        "<svg role=\"img\" width=\"100%\"",
        1,
    );
    // Title, unit and labels keep to plain characters (`chartable`): nothing here needs escaping.
    let id: String = "chart-"
        .chars()
        .chain(series.figure.chars().take(80))
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Some(format!(
        "{open} aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title>\
         <desc id=\"{id}-desc\">{}</desc>{}",
        series.title,
        describe(series, low, high),
        &svg[open_end + 1..]
    ))
}

/// The chart in words: "12 values by second, from 3.2 to 9.8 Mbps; minimum 1.5 Mbps,
/// recommended 3 Mbps."
fn describe(series: &Series, low: f64, high: f64) -> String {
    use crate::figure::with_unit;
    let n = series.runs.iter().map(Vec::len).sum::<usize>();
    let mut text = format!(
        "{n} values by {}, from {} to {}",
        series.x_label,
        with_unit(low, &series.unit),
        with_unit(high, &series.unit)
    );
    if !series.limits.is_empty() {
        let limits: Vec<String> = series
            .limits
            .iter()
            .map(|l| l.label(&series.unit))
            .collect();
        text.push_str(&format!("; the dashed lines: {}", limits.join(", ")));
    }
    text.push('.');
    text
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
mod tests;
