//! Embeds the SeetaFace frontal face model that ships inside the `rustface` crate package, so the
//! binary carries it and nothing is downloaded at run time. The package is found through
//! `cargo metadata` (works with registry, vendored and git sources); when that fails, through
//! the Cargo registry source folders. `EXAMREADY_RUSTFACE_DIR` overrides both.
//!
//! Also exports `EXAMREADY_RUSTFACE_DIR` to the crate's targets so tests and benchmarks can read
//! the package's `test.png` (a real photograph with faces).

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

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
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
