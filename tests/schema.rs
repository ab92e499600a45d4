//! The report's JSON Schema (`docs/report.schema.json`): generated from the types, checked in,
//! and real reports validated against it, with stable keys (every finding and every check has
//! the same keys, `null` where nothing applies).

use serde_json::Value;

use crate::support::Env;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.schema.json");
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/recorded-report.json"
);

fn stored_schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(SCHEMA).expect("docs/report.schema.json"))
        .expect("the schema file is JSON")
}

#[test]
fn the_schema_file_is_generated_from_the_types() {
    let generated = serde_json::to_string_pretty(&examready::model::json_schema()).unwrap() + "\n";
    if std::env::var_os("EXAMREADY_UPDATE_SCHEMA").is_some() {
        std::fs::write(SCHEMA, &generated).unwrap();
    }
    let stored = std::fs::read_to_string(SCHEMA).unwrap_or_default();
    assert!(
        stored == generated,
        "docs/report.schema.json differs from the report types; regenerate it with \
         `EXAMREADY_UPDATE_SCHEMA=1 cargo test --test main schema::` and review the diff"
    );
}

/// Validate `report` against the stored schema, and check its keys are the stable ones.
fn assert_valid(report: &Value, what: &str) {
    let schema = stored_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
    assert_eq!(report["schema_version"], 2, "{what}");
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    for c in report["checks"].as_array().unwrap() {
        assert_eq!(
            keys(c),
            [
                "id",
                "title",
                "status",
                "summary",
                "duration_ms",
                "facts",
                "figures",
                "findings"
            ],
            "{what}: {}",
            c["id"]
        );
        for f in c["findings"].as_array().unwrap() {
            assert_eq!(
                keys(f),
                [
                    "code", "status", "message", "remedy", "figure", "measured", "limit", "unit"
                ],
                "{what}: {f}"
            );
            // A finding that judges a figure names one its check declares, in the same unit.
            if let Some(id) = f["figure"].as_str() {
                let figure = c["figures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["id"] == id)
                    .unwrap_or_else(|| panic!("{what}: {id} is not among {}", c["figures"]));
                assert_eq!(figure["unit"], f["unit"], "{what}: {f}");
                assert_eq!(figure["value"], f["measured"], "{what}: {f}");
                assert!(f["limit"].is_number(), "{what}: {f}");
            }
        }
    }
}

#[test]
fn real_reports_validate_and_keep_stable_keys() {
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    assert_valid(&fixture, "the recorded fixture");

    let env = Env::new();
    // The fixture judged again by the binary.
    let (code, out, err) = env.run(&["judge", FIXTURE, "--json"]);
    assert!(code == 0 || code == 1, "{err}");
    let judged: Value = serde_json::from_str(&out).unwrap();
    assert_valid(&judged, "examready judge --json");
    // Each figure the fixture's judged network declares is there, with the profile's limits.
    let net = judged["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "network")
        .unwrap();
    let up = net["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "network.upload_mbps")
        .unwrap();
    assert_eq!(
        (&up["unit"], &up["better"]),
        (&"Mbps".into(), &"higher".into())
    );
    assert_eq!(
        (&up["minimum"], &up["recommended"]),
        (&3.0.into(), &6.0.into())
    );
    assert!(up["series"]["points"].as_array().unwrap().len() >= 2);

    // A live run on this machine, written to a file.
    let (code, _, err) = env.run(&[
        "check",
        "--only",
        "system,processes,microphone,speaker,webcam",
        "--output",
        "live.json",
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let live: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("live.json")).unwrap()).unwrap();
    assert_valid(&live, "check --output live.json");
    let system = &live["checks"][0];
    assert_eq!(system["id"], "system");
    assert!(
        system["figures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "system.ram_gb" && f["value"].as_f64().unwrap() > 0.0),
        "{system}"
    );
}

#[test]
fn a_report_without_a_stable_key_or_with_a_bad_status_does_not_validate() {
    let schema = stored_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    assert!(validator.is_valid(&fixture));
    let mut no_remedy = fixture.clone();
    no_remedy["checks"][0]["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("remedy");
    assert!(!validator.is_valid(&no_remedy));
    let mut bad_status = fixture.clone();
    bad_status["checks"][0]["status"] = "fine".into();
    assert!(!validator.is_valid(&bad_status));
    let mut bad_figure = fixture;
    bad_figure["checks"][0]["figures"][0]["better"] = "sideways".into();
    assert!(!validator.is_valid(&bad_figure));
}
