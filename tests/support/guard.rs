//! The rules the test suite keeps, checked on its own sources: every run of the real binary goes
//! through `support::examready()` / `support::Env` (a private HOME and history), every file under
//! tests/ is a module of the one test binary, "in CI" is decided in one place, and the sources
//! of src/ import each other without a circle.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The `.rs` files under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no Rust files under {}", dir.display());
    out
}

/// `(file relative to the package, line number, line)` of every line of the `.rs` files under
/// `dir` that contains one of `needles`.
fn lines_with(dir: &str, needles: &[&str]) -> Vec<(String, usize, String)> {
    let mut hits = vec![];
    for file in rust_files(&Path::new(ROOT).join(dir)) {
        let text = std::fs::read_to_string(&file).unwrap();
        let rel = file
            .strip_prefix(ROOT)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            if needles.iter().any(|n| line.contains(n)) {
                hits.push((rel.clone(), i + 1, line.trim().to_string()));
            }
        }
    }
    hits
}

/// Every way to name the built binary: Cargo's variable for its path, and assert_cmd's lookups.
/// (Spelt in pieces so this file does not match itself.)
fn binary_lookups() -> [String; 3] {
    [
        format!("CARGO_BIN_{}", "EXE_"),
        format!("cargo_{}(", "bin"),
        format!("cargo_{}!", "bin"),
    ]
}

#[test]
fn the_binary_is_run_only_through_the_builder() {
    let needles = binary_lookups();
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    let hits = lines_with("tests", &needles);
    // The one command for the binary, in the builder (`command` in tests/support/mod.rs).
    let (inside, outside): (Vec<_>, Vec<_>) = hits
        .into_iter()
        .partition(|(file, _, _)| file == "tests/support/mod.rs");
    assert!(
        outside.is_empty(),
        "run the binary through support::examready() or support::Env, which give it a private \
         HOME and history; found:\n{outside:#?}"
    );
    assert_eq!(inside.len(), 1, "one command for the binary: {inside:#?}");
    assert!(inside[0].2.contains("Command::new("), "{inside:#?}");
}

#[test]
fn every_test_file_is_a_module_of_the_test_binary() {
    // With `autotests = false`, a file tests/x.rs not listed in tests/main.rs would never build.
    let main = std::fs::read_to_string(Path::new(ROOT).join("tests/main.rs")).unwrap();
    let declared: Vec<&str> = main
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mod ")?.strip_suffix(';'))
        .collect();
    let mut missing = vec![];
    for e in std::fs::read_dir(Path::new(ROOT).join("tests")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let is_module = if p.is_dir() {
            p.join("mod.rs").exists()
        } else {
            p.extension().is_some_and(|x| x == "rs") && name != "main"
        };
        if is_module && !declared.contains(&name.as_str()) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "add `mod NAME;` to tests/main.rs for: {missing:?}"
    );
    assert!(
        declared.contains(&"support") && declared.len() > 10,
        "{declared:?}"
    );
}

#[test]
fn one_rule_says_whether_this_is_ci() {
    // Reading `CI` anywhere but src/ci.rs would be a second rule.
    let needle = format!("{}CI{}", '"', '"');
    let hits: Vec<_> = ["src", "tests"]
        .iter()
        .flat_map(|d| lines_with(d, &[&needle]))
        .filter(|(file, _, _)| file != "src/ci.rs")
        .collect();
    assert!(
        hits.is_empty(),
        "use examready::ci::in_ci (support::in_ci in tests): {hits:#?}"
    );
    let rule = lines_with("src", &[&needle]);
    assert!(
        rule.iter().any(|(file, _, _)| file == "src/ci.rs"),
        "{rule:#?}"
    );
}

#[test]
fn the_sources_import_each_other_without_a_circle() {
    // The import graph between the files of src/ (scripts/structure.py): no group of files that
    // import each other round a circle, so each layer (leaves, checks, the profile above them,
    // runner and renderers) can be read and changed on its own.
    let out = std::process::Command::new("python3")
        .arg(Path::new(ROOT).join("scripts/structure.py"))
        .output()
        .expect("python3 runs scripts/structure.py");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("import circles: 0 "), "{text}");
}
