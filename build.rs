//! Embeds the SeetaFace frontal face model that ships inside the `rustface` crate package, so the
//! binary carries it and nothing is downloaded at run time. The package is found through
//! `cargo metadata` (works with registry, vendored and git sources); when that fails, through
//! the Cargo registry source folders. `EXAMREADY_RUSTFACE_DIR` overrides both.
//!
//! Also exports `EXAMREADY_RUSTFACE_DIR` to the crate's targets so tests and benchmarks can read
//! the package's `test.png` (a real photograph with faces).
//!
//! And exports `EXAMREADY_BUILD_DATE` (YYYY-MM-DD, UTC) for `examready --version` and the report:
//! from `SOURCE_DATE_EPOCH` when set (reproducible builds; the release workflow sets it to the
//! tagged commit's time), else the time this build script ran.

use std::path::{Path, PathBuf};
use std::process::Command;

const MODEL: &str = "model/seeta_fd_frontal_v1.0.bin";

fn from_metadata() -> Option<PathBuf> {
    let cargo = std::env::var_os("CARGO")?;
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    meta["packages"]
        .as_array()?
        .iter()
        .filter(|p| p["name"] == "rustface")
        .filter_map(|p| p["manifest_path"].as_str())
        .map(|m| {
            Path::new(m)
                .parent()
                .unwrap_or(Path::new("."))
                .to_path_buf()
        })
        .find(|d| d.join(MODEL).is_file())
}

fn from_registry() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        // Windows has no HOME; Cargo's home is %USERPROFILE%\.cargo there.
        .or_else(|| std::env::var_os("USERPROFILE").map(|h| Path::new(&h).join(".cargo")))?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(home.join("registry").join("src"))
        .ok()?
        .flatten()
        .flat_map(|index| {
            std::fs::read_dir(index.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rustface-0.1."))
                && p.join(MODEL).is_file()
        })
        .collect();
    found.sort();
    found.pop()
}

/// The civil date (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The build's date: `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) or now.
fn build_date() -> String {
    let secs = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => v.trim().parse::<i64>().unwrap_or_else(|_| {
            panic!("SOURCE_DATE_EPOCH must be a number of seconds since 1970, not {v:?}")
        }),
        _ => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rustc-env=EXAMREADY_BUILD_DATE={}", build_date());
    println!("cargo:rerun-if-env-changed=EXAMREADY_RUSTFACE_DIR");
    let dir = std::env::var_os("EXAMREADY_RUSTFACE_DIR")
        .map(PathBuf::from)
        .filter(|d| d.join(MODEL).is_file())
        .or_else(from_metadata)
        .or_else(from_registry)
        .unwrap_or_else(|| {
            panic!(
                "cannot find the rustface crate package and its {MODEL}: run `cargo fetch`, or set \
                 EXAMREADY_RUSTFACE_DIR to the unpacked rustface-0.1.7 folder"
            )
        });
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let model = dir.join(MODEL);
    std::fs::copy(&model, out.join("seeta_fd_frontal_v1.0.bin"))
        .unwrap_or_else(|e| panic!("cannot copy {}: {e}", model.display()));
    println!("cargo:rerun-if-changed={}", model.display());
    println!("cargo:rustc-env=EXAMREADY_RUSTFACE_DIR={}", dir.display());
}
