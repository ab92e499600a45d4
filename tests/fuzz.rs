//! Property tests with a deterministic PRNG (same inputs on every run; set EXAMREADY_FUZZ_SEED
//! to explore others): the profile parser never panics on random bytes or on random mutations
//! of the built-in profiles (and what it accepts prints back as TOML that parses again), and the
//! judges never panic on random JSON or on random mutations of a real report's facts.

use std::sync::atomic::{AtomicUsize, Ordering};

use examready::catalogue::Catalogue;
use examready::check::REGISTRY;
use examready::model::{Status, Verdict};
use examready::profile::{self, BUILTIN};
use serde_json::{Value, json};

use crate::support::examready;

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(salt: u64) -> Rng {
        let seed = std::env::var("EXAMREADY_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x9E37_79B9_7F4A_7C15u64);
        Rng((seed ^ salt.wrapping_mul(0x2545_F491_4F6C_DD1D)) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Panics anywhere in this test binary, including inside `catch_unwind` (the runner turns a
/// judge's panic into a `crash` result, which would otherwise hide it).
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

const TOML_BITS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "\"",
    "'",
    "\"\"\"",
    "#",
    ".",
    ",",
    "\n",
    " ",
    "{",
    "}",
    "-1",
    "0",
    "1e999",
    "nan",
    "inf",
    "-inf",
    "1.5",
    "99999999999999999999",
    "true",
    "false",
    "1979-05-27",
    "\u{0}",
    "\u{1b}[2J",
    "é",
    "\u{feff}",
    "x",
    "[system]",
    "[profile]",
    "extends",
    "extends = \"onvue\"",
    "extends = \"x.toml\"",
    "min_ram_gb",
    "[runner.deadlines]",
    "system = 0",
    "\\u0000",
    "\\",
    "prohibited = [\"remote-access\"]",
    "allowed_apps = []",
    "[system.os.windows]",
    "min_resolution = \"0x0\"",
    "min_resolution = \"4294967296x1\"",
];

fn mutate_text(rng: &mut Rng, text: &str) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(6) {
            0 => {
                let end = (at + rng.below(40)).min(s.len());
                s.drain(at..end);
            }
            1 => {
                let bit: Vec<char> = rng.pick(TOML_BITS).chars().collect();
                s.splice(at..at, bit);
            }
            2 if at < s.len() => {
                let bit = rng.pick(TOML_BITS).chars().next().unwrap_or('x');
                s[at] = bit;
            }
            3 => {
                // Duplicate a span (a repeated key or table).
                let end = (at + rng.below(200)).min(s.len());
                let span: Vec<char> = s[at..end].to_vec();
                let to = rng.below(s.len() + 1);
                s.splice(to..to, span);
            }
            4 => s.truncate(at),
            _ => {
                // A number somewhere: digits replaced by extreme values.
                if let Some(pos) = s.iter().skip(at).position(|c| c.is_ascii_digit()) {
                    let p = at + pos;
                    let n = rng.pick(&["-0", "1e308", "-5", "1000000000", "0.0000001", "65536"]);
                    s.splice(p..p + 1, n.chars());
                }
            }
        }
    }
    s.into_iter().collect()
}

fn parse(text: &str, catalogue: &Catalogue) -> Result<profile::Profile, profile::ProfileError> {
    let dir = std::env::temp_dir();
    let origin = dir.join("fuzz-profile.toml");
    profile::parse("fuzz", origin.to_str().unwrap(), text, catalogue.clone())
}

#[test]
fn the_profile_parser_never_panics() {
    count_panics();
    let catalogue = Catalogue::builtin().unwrap();
    let mut rng = Rng::new(1);
    let (mut accepted, mut refused) = (0, 0);
    // Random bytes (as the text they would be read as).
    for _ in 0..300 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = parse(&String::from_utf8_lossy(&bytes), &catalogue);
    }
    // Random mutations of every built-in profile.
    for i in 0..1200 {
        let (_, _, text) = BUILTIN[i % BUILTIN.len()];
        let mutated = mutate_text(&mut rng, text);
        match parse(&mutated, &catalogue) {
            Ok(p) => {
                accepted += 1;
                // What is accepted prints as a complete file that parses back the same.
                let printed = profile::to_toml(&p);
                let again = parse(&printed, &catalogue).unwrap_or_else(|e| {
                    panic!("{e}\n--- printed:\n{printed}\n--- from:\n{mutated}")
                });
                assert_eq!(profile::to_toml(&again), printed);
            }
            Err(e) => {
                refused += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a parse panicked");
    // The mutations are neither all harmless nor all fatal.
    assert!(
        accepted > 50 && refused > 50,
        "{accepted} accepted, {refused} refused"
    );
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let leaf = depth == 0 || rng.chance(40);
    match rng.below(if leaf { 7 } else { 9 }) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(*rng.pick(&[0i64, -1, 1, i64::MIN, i64::MAX, 255, 65536])),
        3 => json!(*rng.pick(&[0.5f64, -1e300, 1e300, f64::MIN_POSITIVE, 99.9, -0.0])),
        4 => json!(u64::MAX - rng.below(3) as u64),
        5 => json!(*rng.pick(&[
            "",
            "linux",
            "windows",
            "macos",
            "x86_64",
            "1920x1080",
            "\u{1b}[2J",
            "pass",
            "fail",
            "system",
            "processes",
            "onvue",
            "10.0.22631",
            "�",
            "kvm",
        ])),
        6 => json!("x".repeat(rng.below(5000))),
        7 => Value::Array(
            (0..rng.below(5))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "os",
                "cpu",
                "memory",
                "disk",
                "displays",
                "virtualization",
                "processes",
                "name",
                "exe",
                "pids",
                "family",
                "version",
                "scanned",
                "facts",
                "id",
                "status",
            ];
            Value::Object(
                (0..rng.below(6))
                    .map(|_| (rng.pick(&keys).to_string(), random_value(rng, depth - 1)))
                    .collect(),
            )
        }
    }
}

/// Every JSON pointer in `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                pointers(
                    c,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn mutate_json(rng: &mut Rng, v: &Value) -> Value {
    let mut v = v.clone();
    for _ in 0..=rng.below(3) {
        let mut all = Vec::new();
        pointers(&v, String::new(), &mut all);
        let at = rng.pick(&all).clone();
        let new = random_value(rng, 3);
        match v.pointer_mut(&at) {
            Some(slot) if !at.is_empty() => {
                if rng.chance(20) {
                    // Remove the key or item instead.
                    let (parent, last) = at.rsplit_once('/').unwrap();
                    match v.pointer_mut(parent) {
                        Some(Value::Object(m)) => {
                            m.remove(&last.replace("~1", "/").replace("~0", "~"));
                        }
                        Some(Value::Array(a)) => {
                            if let Ok(i) = last.parse::<usize>() {
                                a.remove(i);
                            }
                        }
                        _ => {}
                    }
                } else {
                    *slot = new;
                }
            }
            _ => {}
        }
    }
    v
}

/// A real report of this machine: the system and processes modules' facts.
fn real_report() -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = examready()
        .args(["check", "--only", "system,processes", "--json"])
        .env("EXAMREADY_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn judges_and_replays_never_panic() {
    count_panics();
    let report = real_report();
    let profiles: Vec<_> = BUILTIN
        .iter()
        .map(|(id, _, _)| profile::load(id).unwrap())
        .collect();
    let mut rng = Rng::new(2);
    let (mut judged, mut refused) = (0, 0);
    for i in 0..1500 {
        let profile = &profiles[i % profiles.len()];
        let input = match i % 3 {
            0 => random_value(&mut rng, 5),
            1 => json!({"schema_version": 1, "checks": [random_value(&mut rng, 4)]}),
            _ => mutate_json(&mut rng, &report),
        };
        // Each module's judge on its (mutated) facts, without the runner's panic guard.
        if let Some(checks) = input.get("checks").and_then(Value::as_array) {
            for c in checks {
                if let (Some(id), Some(facts)) =
                    (c.get("id").and_then(Value::as_str), c.get("facts"))
                    && let Some(m) = REGISTRY.iter().find(|m| m.id() == id)
                {
                    let _ = m.judge(facts, profile);
                }
            }
        }
        match examready::replay::rejudge(&input, profile) {
            Ok(r) => {
                judged += 1;
                let blocked = r.checks.iter().any(|c| c.status.blocks_readiness());
                assert_eq!(r.verdict == Verdict::NotReady, blocked);
                assert!(r.checks.iter().all(|c| c.status != Status::Crash
                    || c.findings.iter().all(|f| !f.message.contains("panicked"))));
                // Every format renders.
                for f in [
                    examready::render::output::Format::Json,
                    examready::render::output::Format::Html,
                    examready::render::output::Format::Md,
                ] {
                    assert!(!examready::render::output::render(&r, f).is_empty());
                }
                let text = examready::render::terminal::render(&r, true, Some(80));
                assert!(text.contains("Report id"));
            }
            Err(e) => {
                refused += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        0,
        "a judge or renderer panicked"
    );
    assert!(
        judged > 100 && refused > 100,
        "{judged} judged, {refused} refused"
    );
}

/// Charts are drawn from any series found in the facts: degenerate and extreme series (one
/// point, all equal, huge or tiny values, repeated x, gaps) must draw or be left out, never panic.
#[test]
fn charts_survive_extreme_series() {
    count_panics();
    let profile = profile::load("onvue").unwrap();
    let mut rng = Rng::new(4);
    let extremes = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        1e308,
        -1e308,
        1e-308,
        5e-324,
        1e15,
        123.456,
        f64::MAX,
        f64::MIN,
    ];
    for i in 0..300 {
        let n = rng.below(8);
        let item = |rng: &mut Rng| -> Value {
            let y = *rng.pick(&extremes);
            match rng.below(5) {
                0 => Value::Null,
                1 => json!([*rng.pick(&extremes), y]),
                2 => json!({"t_ms": *rng.pick(&[0.0, 1.0, 1e308, -5.0]), "value": y}),
                3 => json!("12"),
                _ => json!(y),
            }
        };
        let series: Vec<Value> = (0..n).map(|_| item(&mut rng)).collect();
        let key = *rng.pick(&[
            "series",
            "download_mbps_series",
            "latency_ms_samples",
            "level_series_dbfs",
            "cpu_percent_samples",
        ]);
        let recorded = json!({"schema_version": 1, "checks": [
            {"id": "network", "title": "Network", "facts": {"download": {key: series}}},
        ]});
        let r = examready::replay::rejudge(&recorded, &profile).unwrap();
        let html = examready::render::output::render(&r, examready::render::output::Format::Html);
        assert!(html.contains("</html>"), "{i}");
    }
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a chart panicked");
}

/// The binary on random JSON files: exit 0, 1 or 2, never a panic.
#[test]
fn the_binary_judges_random_files_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let report = real_report();
    let mut rng = Rng::new(3);
    for i in 0..12 {
        let v = if i % 2 == 0 {
            mutate_json(&mut rng, &report)
        } else {
            random_value(&mut rng, 4)
        };
        let path = dir.path().join(format!("r{i}.json"));
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        let out = examready()
            .args(["judge", path.to_str().unwrap(), "-v"])
            .env("EXAMREADY_DATA_DIR", dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0..=2)), "{i}: {stderr}");
        assert!(!stderr.contains("panicked"), "{i}: {stderr}");
    }
}
