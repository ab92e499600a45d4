/*!
Figures: the numbers of a report a person compares, declared by the module that measured them.

A module's facts hold everything its probe saw; its figures say which of those numbers matter,
what they are called, their unit, the profile's limits and which direction is better, with an
optional time series. Charts, the diff between two runs, and the terminal, Markdown and HTML
renderers read figures, never key names in the facts. A leaf: nothing here imports the rest.
*/

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which direction of a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Better {
    /// More is better (bandwidth, memory, level above the floor).
    Higher,
    /// Less is better (latency, loss, load).
    Lower,
    /// Between `minimum` and `maximum` is right, neither end better (brightness).
    Within,
}

/// One figure of a module: `network.upload_mbps` = 4.2 Mbps, minimum 3, recommended 10.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Figure {
    /// Stable id, `<module>.<name>`, e.g. `network.upload_mbps`.
    pub id: String,
    /// What a person calls it, e.g. "Upload".
    pub label: String,
    /// The measured value; `null` when it could not be measured.
    pub value: Option<f64>,
    /// Unit of `value` and the limits: `Mbps`, `ms`, `%`, `GB`, `dBFS`, `px`, `` (a count).
    pub unit: String,
    pub better: Better,
    /// The profile's minimum (below it fails); `null` when the profile sets none.
    pub minimum: Option<f64>,
    /// The profile's maximum (above it fails); `null` when the profile sets none.
    pub maximum: Option<f64>,
    /// The profile's recommendation (past the limit but short of it warns); `null` when none.
    pub recommended: Option<f64>,
    /// The value over time, when the module measured one.
    pub series: Option<Series>,
}

/// A figure over time: points `[t, value]`, `value` `null` where nothing was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Series {
    /// Unit of the values (usually the figure's).
    pub unit: String,
    /// What `t` counts, e.g. "seconds" or "probe".
    pub x_label: String,
    pub points: Vec<(f64, Option<f64>)>,
}

impl Figure {
    /// A figure with no limits or series yet.
    pub fn new(id: &str, label: &str, value: Option<f64>, unit: &str, better: Better) -> Figure {
        Figure {
            id: id.into(),
            label: label.into(),
            value,
            unit: unit.into(),
            better,
            minimum: None,
            maximum: None,
            recommended: None,
            series: None,
        }
    }
    pub fn minimum(mut self, v: Option<f64>) -> Figure {
        self.minimum = v;
        self
    }
    pub fn maximum(mut self, v: Option<f64>) -> Figure {
        self.maximum = v;
        self
    }
    pub fn recommended(mut self, v: Option<f64>) -> Figure {
        self.recommended = v;
        self
    }
    /// A series of values at known times.
    pub fn series(mut self, x_label: &str, points: Vec<(f64, Option<f64>)>) -> Figure {
        self.series = Some(Series {
            unit: self.unit.clone(),
            x_label: x_label.into(),
            points,
        });
        self
    }
    /// A series of values one per step (second, probe ...), counted from `start`.
    pub fn steps(self, x_label: &str, start: f64, values: &[f64]) -> Figure {
        let points = values
            .iter()
            .enumerate()
            .map(|(i, v)| (start + i as f64, v.is_finite().then_some(*v)))
            .collect();
        self.series(x_label, points)
    }

    /// The limit that fails the figure: the minimum when more is better, the maximum when
    /// less is; `None` for a band (two limits).
    pub fn limit(&self) -> Option<f64> {
        match self.better {
            Better::Higher => self.minimum,
            Better::Lower => self.maximum,
            Better::Within => None,
        }
    }

    /// `value` with its unit, as a person reads it ("4.2 Mbps", "2", "not measured").
    pub fn show_value(&self) -> String {
        match self.value {
            Some(v) => with_unit(v, &self.unit),
            None => "not measured".into(),
        }
    }

    /// The profile's limits in words: "minimum 3 Mbps, recommended 10 Mbps"; empty if none.
    pub fn show_limits(&self) -> String {
        [
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("recommended", self.recommended),
        ]
        .iter()
        .filter_map(|(what, v)| v.map(|v| format!("{what} {}", with_unit(v, &self.unit))))
        .collect::<Vec<_>>()
        .join(", ")
    }

    /// Whether moving from `old` to `new` is a change for the worse (for a band: further outside it).
    pub fn worse(&self, old: f64, new: f64) -> bool {
        match self.better {
            Better::Higher => new < old,
            Better::Lower => new > old,
            Better::Within => {
                let outside = |v: f64| {
                    let below = self.minimum.map_or(0.0, |m| m - v);
                    let above = self.maximum.map_or(0.0, |m| v - m);
                    below.max(above).max(0.0)
                };
                outside(new) > outside(old)
            }
        }
    }
}

/// `1.5`, `6`, `12.3`: at most one decimal, no trailing `.0`; small values keep two digits.
pub fn number(v: f64) -> String {
    if v != 0.0 && v.abs() < 1.0 {
        let s = format!("{v:.2}");
        return s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if (v - v.round()).abs() < 0.05 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A number with its unit: "4.2 Mbps", "12 ms", "35%", "3".
pub fn with_unit(v: f64, unit: &str) -> String {
    match unit {
        "" => number(v),
        "%" => format!("{}%", number(v)),
        u => format!("{} {u}", number(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_direction() {
        let up = Figure::new(
            "network.upload_mbps",
            "Upload",
            Some(4.2),
            "Mbps",
            Better::Higher,
        )
        .minimum(Some(3.0))
        .recommended(Some(10.0));
        assert_eq!(up.limit(), Some(3.0));
        assert_eq!(up.show_value(), "4.2 Mbps");
        assert_eq!(up.show_limits(), "minimum 3 Mbps, recommended 10 Mbps");
        assert!(up.worse(9.0, 4.2) && !up.worse(4.2, 9.0));
        let lat = Figure::new("network.latency_ms", "Latency", None, "ms", Better::Lower)
            .maximum(Some(150.0));
        assert_eq!(lat.limit(), Some(150.0));
        assert_eq!(lat.show_value(), "not measured");
        assert!(lat.worse(20.0, 40.0));
        let band = Figure::new(
            "webcam.brightness_luma",
            "B",
            Some(120.0),
            "",
            Better::Within,
        )
        .minimum(Some(40.0))
        .maximum(Some(220.0));
        assert_eq!(band.limit(), None);
        assert!(!band.worse(100.0, 200.0) && band.worse(100.0, 30.0) && band.worse(230.0, 240.0));
    }

    #[test]
    fn steps_number_the_points_and_gap_non_finite_values() {
        let f = Figure::new("x.y", "Y", Some(1.0), "Mbps", Better::Higher).steps(
            "seconds",
            1.0,
            &[1.0, f64::NAN, 3.0],
        );
        let s = f.series.unwrap();
        assert_eq!(
            s.points,
            vec![(1.0, Some(1.0)), (2.0, None), (3.0, Some(3.0))]
        );
        assert_eq!(s.unit, "Mbps");
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(number(6.0), "6");
        assert_eq!(number(1.26), "1.3");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(0.04), "0.04");
        assert_eq!(number(0.0), "0");
        assert_eq!(with_unit(35.0, "%"), "35%");
        assert_eq!(with_unit(3.0, ""), "3");
    }
}
