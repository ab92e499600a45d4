use super::*;
use serde_json::json;

fn figure(id: &str, unit: &str, points: Vec<(f64, Option<f64>)>) -> Figure {
    Figure::new(id, "Upload", Some(1.0), unit, crate::model::Better::Higher)
        .series("seconds", points)
}

#[test]
fn series_come_from_the_figures_with_their_unit_and_gaps() {
    let figures = vec![
        figure(
            "network.upload_mbps",
            "Mbps",
            vec![
                (1.0, Some(4.0)),
                (2.0, None),
                (3.0, Some(4.4)),
                (4.0, Some(4.1)),
            ],
        ),
        // One point, or none: nothing to draw.
        figure("network.x", "ms", vec![(1.0, Some(2.0))]),
        Figure::new(
            "system.cpu_cores",
            "Cores",
            Some(4.0),
            "",
            crate::model::Better::Higher,
        ),
    ];
    let s = chartable(&figures);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].figure, "network.upload_mbps");
    assert_eq!(s[0].title, "Upload (Mbps)");
    assert_eq!(s[0].unit, "Mbps");
    assert_eq!(s[0].x_label, "seconds");
    assert_eq!(
        s[0].runs,
        vec![vec![(1.0, 4.0)], vec![(3.0, 4.4), (4.0, 4.1)]]
    );
    // Labels from a report file keep to plain characters.
    let mut hostile = figure("a.b", "<b>", vec![(0.0, Some(1.0)), (1.0, Some(2.0))]);
    hostile.label = "<script>x</script>".into();
    let s = chartable(&[hostile]);
    assert!(!s[0].title.contains('<'), "{}", s[0].title);
}

#[test]
fn svg_is_a_scaled_drawing_with_axis_labels() {
    let f = figure(
        "network.upload_mbps",
        "Mbps",
        vec![
            (1.0, Some(9.1)),
            (2.0, Some(8.7)),
            (3.0, Some(4.2)),
            (4.0, Some(4.0)),
        ],
    );
    let f = f.minimum(Some(1.5)).recommended(Some(3.0)).maximum(None);
    let s = &chartable(&[f])[0];
    assert_eq!(
        s.limits,
        vec![
            Limit {
                what: "minimum",
                value: 1.5
            },
            Limit {
                what: "recommended",
                value: 3.0
            }
        ]
    );
    let svg = svg(s).unwrap();
    // Named for a screen reader: the title, and the description with every limit in words.
    assert!(svg.contains(
        "aria-labelledby=\"chart-network-upload-mbps-title chart-network-upload-mbps-desc\""
    ));
    assert!(svg.contains("<title id=\"chart-network-upload-mbps-title\">Upload (Mbps)</title>"));
    assert!(
        svg.contains(
            "<desc id=\"chart-network-upload-mbps-desc\">4 values by seconds, from 4 Mbps to 9.1 Mbps; \
             the dashed lines: minimum 1.5 Mbps, recommended 3 Mbps.</desc>"
        ),
        "{svg}"
    );
    // Each limit is a dashed line (short segments) with its label drawn beside it.
    assert!(
        svg.contains(">\nminimum 1.5 Mbps\n<") || svg.contains(">minimum 1.5 Mbps<"),
        "{svg}"
    );
    assert!(svg.contains("recommended 3 Mbps"));
    assert!(
        svg.matches("stroke=\"#B3261E\"").count() >= 4,
        "dashes of two lines"
    );
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

mod extreme_tests {
    use crate::render::charts::*;

    fn series(points: &[(f64, f64)]) -> Series {
        Series {
            figure: "x.y".into(),
            title: "x".into(),
            unit: String::new(),
            x_label: "sample".into(),
            runs: vec![points.to_vec()],
            limits: Vec::new(),
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
