//! `examready collect` writes submissions in batches (src/collect/writer.rs): many reports sent
//! at once, copies among them, several per candidate, must each get the right answer, and the
//! candidate's row must hold the latest. Run on SQLite and on a private PostgreSQL cluster.

use examready::collect::db::Db;
use examready::collect::store::{Item, Stored};
use examready::collect::{validate, writer};

use crate::support::collect::{Backend, Collect, on_both, report};

on_both!(concurrent_reports_each_get_their_answer_and_the_latest_wins,);

/// The fixture's time (what `report(0)` carries), as the CSV export writes it.
fn csv_time(seconds: i64) -> String {
    let t: jiff::Timestamp = report(seconds)["time"].as_str().unwrap().parse().unwrap();
    jiff::Timestamp::from_second(t.as_second())
        .unwrap()
        .to_string()
}

fn concurrent_reports_each_get_their_answer_and_the_latest_wins(db: Backend) {
    let Some(s) = Collect::start(db, &[]) else {
        return;
    };
    let token = s.token("batch cohort", &[]);
    let admin = s.admin_token();
    // 12 candidates, 3 reports each (a minute apart), every report sent twice: 72 at once,
    // the latest report of each candidate first so a later write must not lose it.
    let mut bodies = vec![];
    for copy in 0..2 {
        for step in [2i64, 0, 1] {
            for c in 0..12 {
                let r = report(60 * step + c);
                let body = serde_json::json!({"candidate": format!("cand-{c:02}"), "report": r});
                bodies.push((copy, serde_json::to_vec(&body).unwrap()));
            }
        }
    }
    let statuses = s.rt_block_all(
        bodies
            .iter()
            .map(|(_, b)| {
                s.http()
                    .post(s.at("/api/v1/reports"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(b.clone())
            })
            .collect(),
    );
    let created = statuses.iter().filter(|&&c| c == 201).count();
    let duplicates = statuses.iter().filter(|&&c| c == 200).count();
    assert_eq!((created, duplicates), (36, 36), "{statuses:?}");
    let csv = s.admin_get(&admin, "/dashboard/export.csv");
    assert_eq!(csv.status, 200, "{}", csv.body);
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    assert_eq!(rows.len(), 12, "{}", csv.body);
    for c in 0..12 {
        let row = rows
            .iter()
            .find(|r| r.contains(&format!("\"cand-{c:02}\"")))
            .unwrap_or_else(|| panic!("cand-{c:02} missing: {}", csv.body));
        assert!(
            row.contains(&csv_time(120 + c)),
            "cand-{c:02} should show its latest check {}: {row}",
            csv_time(120 + c)
        );
    }
    // The history holds three reports per candidate, not six.
    let page = s.admin_get(&admin, "/dashboard/candidate?name=cand-03");
    assert_eq!(page.status, 200, "{}", page.body);
    let ids: std::collections::BTreeSet<String> = (0..3)
        .map(|step| {
            report(60 * step + 3)["report_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for id in &ids {
        assert_eq!(page.body.matches(id.as_str()).count(), 1, "{id} once");
    }
}

/// A report PostgreSQL refuses (a NUL character, which the API refuses before it gets this far)
/// in a batch: the batch is written again one report at a time, and only that report fails.
#[test]
fn a_report_the_database_refuses_fails_alone_in_its_batch() {
    let Some(s) = Collect::start(Backend::Postgres, &[]) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt
        .block_on(Db::open(&s.database, 4))
        .expect("open the database");
    let sub = |seconds: i64, candidate: &str| {
        let body = serde_json::json!({"candidate": candidate, "report": report(seconds)});
        validate::submission(&serde_json::to_vec(&body).unwrap()).expect("valid")
    };
    let good_a = sub(0, "alice");
    let mut bad = sub(60, "bob");
    bad.report.profile.id = "on\u{0}vue".into();
    let good_c = sub(120, "carol");
    let items: Vec<Item> = [&good_a, &bad, &good_c, &good_a]
        .into_iter()
        .map(|sub| Item {
            token_id: "t1",
            sub,
        })
        .collect();
    let out = rt.block_on(writer::write(&db, &items));
    assert!(matches!(out[0], Ok(Stored::New)), "{out:?}");
    let err = out[1].as_ref().expect_err("the NUL report fails");
    assert!(err.to_string().contains("0x00"), "{err}");
    assert!(matches!(out[2], Ok(Stored::New)), "{out:?}");
    assert!(matches!(out[3], Ok(Stored::Duplicate)), "{out:?}");
    // The same batch again: all stored already, the bad one still refused.
    let again = rt.block_on(writer::write(&db, &items));
    assert!(matches!(again[0], Ok(Stored::Duplicate)), "{again:?}");
    assert!(again[1].is_err(), "{again:?}");
    assert!(matches!(again[2], Ok(Stored::Duplicate)), "{again:?}");
}
