//! The GitHub Actions workflows (.github/workflows/ci.yml and release.yml) cannot run here, so
//! they are checked here: validated against GitHub's workflow schema (SchemaStore's, vendored in
//! tests/fixtures with its licence), every `run:` script parsed by `bash -n`, the release's
//! structure (every target, tests before packing, checksums and manifests last) asserted, and
//! `actionlint` run over both when it is installed.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SCHEMA: &str = include_str!("fixtures/github-workflow.schema.json");
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn workflow(name: &str) -> Value {
    let path = Path::new(ROOT).join(".github/workflows").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name} is not YAML: {e}"))
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the workflow schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn steps(job: &Value) -> &Vec<Value> {
    job["steps"].as_array().expect("a job with steps")
}

/// The index of the first step whose `run` contains `needle`.
fn step_running(job: &Value, needle: &str) -> Option<usize> {
    steps(job)
        .iter()
        .position(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)))
}

#[test]
fn both_workflows_validate_against_githubs_schema() {
    for name in ["ci.yml", "release.yml"] {
        let doc = workflow(name);
        let errors = schema_errors(&doc);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    // The validator is real: a job without `runs-on`, or a misspelt key, is refused.
    let mut broken = workflow("ci.yml");
    broken["jobs"]["linux"]
        .as_object_mut()
        .unwrap()
        .remove("runs-on");
    assert!(!schema_errors(&broken).is_empty());
    let mut broken = workflow("release.yml");
    broken["jobs"]["linux"]["stepz"] = Value::Array(vec![]);
    assert!(!schema_errors(&broken).is_empty());
}

#[test]
fn every_run_script_parses_and_every_script_it_calls_exists() {
    if !require(have("bash"), "bash is not installed") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["ci.yml", "release.yml"] {
        let doc = workflow(name);
        for (job_id, job) in doc["jobs"].as_object().unwrap() {
            for (i, step) in steps(job).iter().enumerate() {
                let Some(run) = step["run"].as_str() else {
                    continue;
                };
                // Expressions are filled in by GitHub before the shell sees the script.
                let mut script = String::new();
                let mut rest = run;
                while let Some(start) = rest.find("${{") {
                    script.push_str(&rest[..start]);
                    script.push('X');
                    let end = rest[start..].find("}}").expect("a closed expression");
                    rest = &rest[start + end + 2..];
                }
                script.push_str(rest);
                let file = dir.path().join(format!("{name}-{job_id}-{i}.sh"));
                std::fs::write(&file, &script).unwrap();
                let out = Command::new("bash").arg("-n").arg(&file).output().unwrap();
                assert!(
                    out.status.success(),
                    "{name} {job_id} step {i}: {}\n{script}",
                    String::from_utf8_lossy(&out.stderr)
                );
                for word in script.split_whitespace() {
                    if let Some(s) = word.strip_prefix("scripts/") {
                        let path = Path::new(ROOT).join("scripts").join(s);
                        assert!(path.is_file(), "{name} {job_id}: no scripts/{s}");
                        #[cfg(unix)]
                        {
                            use std::os::unix::fs::PermissionsExt;
                            let mode = path.metadata().unwrap().permissions().mode();
                            assert!(mode & 0o111 != 0, "scripts/{s} is not executable");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn the_release_builds_every_target_tests_first_and_publishes_checksums() {
    let doc = workflow("release.yml");
    assert_eq!(doc["on"]["push"]["tags"], serde_json::json!(["v*"]));
    let jobs = &doc["jobs"];
    let windows: Vec<&str> = jobs["windows"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["target"].as_str())
        .collect();
    assert_eq!(
        windows,
        ["x86_64-pc-windows-msvc", "aarch64-pc-windows-msvc"]
    );
    assert_eq!(jobs["windows"]["runs-on"], "windows-latest");
    assert_eq!(jobs["macos"]["runs-on"], "macos-latest");
    let lipo = step_running(&jobs["macos"], "lipo -create").expect("a lipo step");
    let run = steps(&jobs["macos"])[lipo]["run"].as_str().unwrap();
    assert!(run.contains("aarch64-apple-darwin") && run.contains("x86_64-apple-darwin"));
    assert!(
        jobs["linux"]["runs-on"]
            .as_str()
            .unwrap()
            .starts_with("ubuntu-")
    );
    for job in ["windows", "macos", "linux"] {
        let test = step_running(&jobs[job], "cargo test").expect("a test step");
        let pack = step_running(&jobs[job], "scripts/package.sh").expect("a packing step");
        assert!(test < pack, "{job}: the tests must run before packing");
        let upload = steps(&jobs[job])
            .iter()
            .position(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/upload-artifact"))
            })
            .expect("an upload");
        assert!(pack < upload, "{job}");
    }
    let publish = &jobs["publish"];
    assert_eq!(
        publish["needs"],
        serde_json::json!(["windows", "macos", "linux"])
    );
    assert_eq!(publish["permissions"]["contents"], "write");
    for needle in [
        "sha256sum -c SHA256SUMS",
        "scripts/manifests.sh",
        "gh release create",
    ] {
        assert!(step_running(publish, needle).is_some(), "publish: {needle}");
    }
    // The musl decision is written down where the targets are.
    let text =
        std::fs::read_to_string(Path::new(ROOT).join(".github/workflows/release.yml")).unwrap();
    assert!(text.contains("No static musl build") && text.contains("libasound"));
}

#[test]
fn ci_runs_on_linux_windows_and_macos_for_every_push() {
    let doc = workflow("ci.yml");
    assert!(doc["on"].get("push").is_some());
    let runners: Vec<&str> = doc["jobs"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|j| j["runs-on"].as_str())
        .collect();
    for os in ["ubuntu-", "windows-", "macos-"] {
        assert!(runners.iter().any(|r| r.starts_with(os)), "{runners:?}");
    }
    assert!(step_running(&doc["jobs"]["linux"], "scripts/test.sh").is_some());
    for job in ["windows", "macos"] {
        assert!(step_running(&doc["jobs"][job], "cargo test --locked --lib").is_some());
        assert!(step_running(&doc["jobs"][job], "scripts/smoke.sh").is_some());
    }
}

/// actionlint (rhysd/actionlint: expressions, runner labels, shellcheck of `run:` when
/// shellcheck is installed) over both workflows, when it is on PATH. It is not in Debian and its
/// PyPI wrapper downloads the binary from GitHub at install time, so it is an extra: the schema
/// and the checks above are the validation every run has.
#[test]
fn actionlint_finds_nothing_when_installed() {
    if !have("actionlint") {
        eprintln!("NOTE: actionlint is not installed; the workflows were checked by schema only");
        return;
    }
    let out = Command::new("actionlint")
        .args([".github/workflows/ci.yml", ".github/workflows/release.yml"])
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_release_tag_must_name_the_crates_version() {
    let script = || {
        let mut c = Command::new("bash");
        c.arg(Path::new(ROOT).join("scripts/release-version.sh"));
        c
    };
    let ok = script().arg(format!("v{VERSION}")).output().unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let out = script().arg("v99.0.0").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("version {VERSION}")));
}

/// scripts/smoke.sh (the Windows and macOS jobs' check of the built binary) passes on this
/// binary, run with the builder's private HOME and history.
#[test]
fn the_smoke_script_passes_on_this_binary() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = examready().through([
        "bash",
        concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/smoke.sh"),
    ]);
    cmd.current_dir(dir.path());
    let out = output_within(&mut cmd, std::time::Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("runs"));
}
