//! The release path, run for real here: scripts/package.sh packs the debug binary into archives
//! whose SHA256SUMS verify, scripts/manifests.sh writes winget/Scoop/Homebrew manifests from a
//! release folder's checksums, both workflows validate against GitHub's workflow schema (and
//! actionlint when installed), and the crate package holds what the build needs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::Digest;

use crate::support::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The built binary, as the builder names it (the one lookup lives in tests/support).
fn binary() -> PathBuf {
    PathBuf::from(examready().get_program())
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn script(name: &str) -> Command {
    let mut c = Command::new("bash");
    c.arg(Path::new(ROOT).join("scripts").join(name));
    c
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `scripts/package.sh --bin FILE --out DIR TARGET`, the archive it names.
fn package(bin: &Path, out: &Path, target: &str) -> PathBuf {
    let o = run(script("package.sh")
        .args(["--out".as_ref(), out.as_os_str(), target.as_ref()])
        .env("EXAMREADY_PACKAGE_BIN", bin));
    PathBuf::from(String::from_utf8(o.stdout).unwrap().trim())
}

fn tools_present() -> bool {
    require(
        have("python3") && have("tar") && have("sha256sum"),
        "python3, tar and sha256sum are needed to pack and check archives",
    )
}

#[test]
fn package_sh_packs_the_debug_binary_with_a_checksum_that_verifies() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = binary();
    let tgz = package(&bin, dir.path(), "x86_64-unknown-linux-gnu");
    let name = format!("examready-{VERSION}-x86_64-unknown-linux-gnu");
    assert_eq!(tgz, dir.path().join(format!("{name}.tar.gz")));
    let listing = run(Command::new("tar").arg("tzf").arg(&tgz)).stdout;
    let mut listing: Vec<String> = String::from_utf8(listing)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    listing.sort();
    let want: Vec<String> = [
        "",
        "LICENSE-APACHE",
        "LICENSE-MIT",
        "README.md",
        "examready",
    ]
    .iter()
    .map(|f| format!("{name}/{f}"))
    .collect();
    assert_eq!(listing, want);
    // The binary inside is the one given, byte for byte, and still runs.
    let unpacked = tempfile::tempdir().unwrap();
    run(Command::new("tar")
        .arg("xzf")
        .arg(&tgz)
        .arg("-C")
        .arg(unpacked.path()));
    let inner = unpacked.path().join(&name).join("examready");
    assert_eq!(sha256_hex(&inner), sha256_hex(&bin));
    let v = run(Command::new(&inner).arg("--version")).stdout;
    assert!(
        String::from_utf8_lossy(&v).starts_with("examready "),
        "{v:?}"
    );

    // A Windows target is a zip with examready.exe; both lines in one SHA256SUMS.
    let zip = package(&bin, dir.path(), "x86_64-pc-windows-msvc");
    assert!(
        zip.to_string_lossy()
            .ends_with("-x86_64-pc-windows-msvc.zip")
    );
    let zl = run(Command::new("python3")
        .args(["-m", "zipfile", "-l"])
        .arg(&zip))
    .stdout;
    let zl = String::from_utf8(zl).unwrap();
    for f in [
        "examready.exe",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        assert!(
            zl.contains(&format!("examready-{VERSION}-x86_64-pc-windows-msvc/{f}")),
            "{zl}"
        );
    }
    let sums = std::fs::read_to_string(dir.path().join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 2, "{sums}");
    assert!(sums.contains(&format!("{}  {name}.tar.gz", sha256_hex(&tgz))));
    run(Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(dir.path()));
    // A changed archive no longer verifies.
    let mut bytes = std::fs::read(&zip).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&zip, bytes).unwrap();
    let bad = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

/// A fake release folder: real (small) archives for the four release targets, packed by
/// package.sh, and their real SHA256SUMS.
fn fake_release() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("examready-stand-in");
    std::fs::write(&bin, b"#!/bin/sh\necho stand-in\n").unwrap();
    for t in [
        "x86_64-pc-windows-msvc",
        "aarch64-pc-windows-msvc",
        "universal-apple-darwin",
        "x86_64-unknown-linux-gnu",
    ] {
        package(&bin, &dir.path().join("dist"), t);
    }
    dir
}

#[test]
fn manifests_carry_the_release_urls_and_hashes() {
    if !tools_present() {
        return;
    }
    let dir = fake_release();
    let dist = dir.path().join("dist");
    run(script("manifests.sh")
        .arg(&dist)
        .args([VERSION, "exam-org/examready"]));
    let url = |t: &str, ext: &str| {
        format!(
            "https://github.com/exam-org/examready/releases/download/v{VERSION}/examready-{VERSION}-{t}.{ext}"
        )
    };
    let hash =
        |t: &str, ext: &str| sha256_hex(&dist.join(format!("examready-{VERSION}-{t}.{ext}")));
    let m = dist.join("manifests");

    let scoop: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(m.join("scoop/examready.json")).unwrap())
            .expect("the Scoop manifest is JSON");
    assert_eq!(scoop["version"], VERSION);
    assert_eq!(scoop["bin"], "examready.exe");
    for (arch, t) in [
        ("64bit", "x86_64-pc-windows-msvc"),
        ("arm64", "aarch64-pc-windows-msvc"),
    ] {
        let a = &scoop["architecture"][arch];
        assert_eq!(a["url"], url(t, "zip"), "{arch}");
        assert_eq!(a["hash"], hash(t, "zip"), "{arch}");
        assert_eq!(a["extract_dir"], format!("examready-{VERSION}-{t}"));
    }

    let yaml = |f: &str| -> serde_yaml::Value {
        serde_yaml::from_str(&std::fs::read_to_string(m.join("winget").join(f)).unwrap())
            .unwrap_or_else(|e| panic!("{f}: {e}"))
    };
    let version = yaml("examready.examready.yaml");
    let installer = yaml("examready.examready.installer.yaml");
    let locale = yaml("examready.examready.locale.en-US.yaml");
    for (doc, kind) in [
        (&version, "version"),
        (&installer, "installer"),
        (&locale, "defaultLocale"),
    ] {
        assert_eq!(
            doc["PackageIdentifier"].as_str(),
            Some("examready.examready")
        );
        assert_eq!(doc["PackageVersion"].as_str(), Some(VERSION));
        assert_eq!(doc["ManifestType"].as_str(), Some(kind));
        assert_eq!(doc["ManifestVersion"].as_str(), Some("1.6.0"));
    }
    assert_eq!(version["DefaultLocale"].as_str(), Some("en-US"));
    let installers = installer["Installers"].as_sequence().unwrap();
    assert_eq!(installers.len(), 2);
    for (i, (arch, t)) in [
        ("x64", "x86_64-pc-windows-msvc"),
        ("arm64", "aarch64-pc-windows-msvc"),
    ]
    .into_iter()
    .enumerate()
    {
        let it = &installers[i];
        assert_eq!(it["Architecture"].as_str(), Some(arch));
        assert_eq!(it["InstallerUrl"].as_str(), Some(url(t, "zip").as_str()));
        assert_eq!(
            it["InstallerSha256"].as_str(),
            Some(hash(t, "zip").to_uppercase().as_str())
        );
        let nested = &it["NestedInstallerFiles"][0];
        assert_eq!(
            nested["RelativeFilePath"].as_str().unwrap(),
            format!("examready-{VERSION}-{t}\\examready.exe")
        );
    }
    assert_eq!(locale["License"].as_str(), Some("MIT OR Apache-2.0"));

    let brew = std::fs::read_to_string(m.join("homebrew/examready.rb")).unwrap();
    for t in ["universal-apple-darwin", "x86_64-unknown-linux-gnu"] {
        assert!(
            brew.contains(&format!("url \"{}\"", url(t, "tar.gz"))),
            "{brew}"
        );
        assert!(
            brew.contains(&format!("sha256 \"{}\"", hash(t, "tar.gz"))),
            "{brew}"
        );
    }
    if require(
        have("ruby"),
        "ruby is not installed (the formula's syntax check)",
    ) {
        run(Command::new("ruby")
            .arg("-c")
            .arg(m.join("homebrew/examready.rb")));
    }

    // An archive missing from SHA256SUMS is an error that names it.
    let sums = dist.join("SHA256SUMS");
    let text = std::fs::read_to_string(&sums).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.contains("aarch64-pc-windows"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&sums, kept).unwrap();
    let out = script("manifests.sh")
        .arg(&dist)
        .args([VERSION, "exam-org/examready"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("aarch64-pc-windows-msvc.zip is not in"),
        "{err}"
    );
}

/// `cargo package` holds what the build needs (every profile and catalogue under checks/, the
/// build script, every file an `include_str!` of the sources names, the licences) and nothing
/// huge; the .crate is written (without the verify build: that is a whole release build).
#[test]
fn the_crate_package_holds_what_the_build_needs() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let list = run(Command::new(&cargo)
        .args([
            "package",
            "--list",
            "--locked",
            "--offline",
            "--allow-dirty",
        ])
        .current_dir(ROOT));
    let list = String::from_utf8(list.stdout).unwrap();
    let files: Vec<&str> = list.lines().collect();
    let mut needed: Vec<String> = [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ]
    .map(String::from)
    .to_vec();
    for e in std::fs::read_dir(Path::new(ROOT).join("checks")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        needed.push(format!("checks/{name}"));
    }
    // Every file the sources embed, outside their tests.
    let mut todo = vec![Path::new(ROOT).join("src")];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            for part in code.split("include_str!(\"").skip(1) {
                let rel = &part[..part.find('"').unwrap()];
                let full = p.parent().unwrap().join(rel).canonicalize().unwrap();
                let rel = full
                    .strip_prefix(ROOT)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                needed.push(rel);
            }
        }
    }
    assert!(
        needed.iter().any(|n| n.ends_with("devices.js")),
        "{needed:?}"
    );
    for n in &needed {
        assert!(
            files.contains(&n.as_str()),
            "the package lacks {n}: {files:?}"
        );
    }
    assert!(!files.iter().any(|f| f.starts_with("tests/")), "{files:?}");
    // (Cargo.toml.orig is cargo's copy of the manifest: no such file here.)
    for f in &files {
        if let Ok(m) = Path::new(ROOT).join(f).metadata() {
            assert!(m.len() < 1_000_000, "{f} is {} bytes", m.len());
        }
    }
    let target = tempfile::tempdir().unwrap();
    run(Command::new(&cargo)
        .args([
            "package",
            "--locked",
            "--offline",
            "--no-verify",
            "--allow-dirty",
        ])
        .env("CARGO_TARGET_DIR", target.path())
        .current_dir(ROOT));
    let krate = target
        .path()
        .join(format!("package/examready-{VERSION}.crate"));
    let size = krate
        .metadata()
        .unwrap_or_else(|e| panic!("{}: {e}", krate.display()))
        .len();
    assert!(size < 3_000_000, "the .crate is {size} bytes");
}
