//! `examready collect` under load (run by benches/collect.sh, which starts the database and the
//! server): 10,000 reports from 50 concurrent clients (reports/s, p50 and p99 latency), then
//! the store filled to 100,000 reports and the dashboard and CSV export timed (ms).
//!
//! Arguments: URL SUBMIT_TOKEN ADMIN_TOKEN DATABASE_URL LABEL

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use examready::collect::{db::Db, store, tokens, validate};
use examready::model::{Report, Status, Verdict};

const INGEST: usize = 10_000;
const CLIENTS: usize = 50;
const TOTAL: usize = 100_000;
const CANDIDATES: usize = 20_000;
/// Reports per transaction while filling the store.
const SEED_BATCH: usize = 64;

fn fixture() -> Report {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/recorded-report.json"
    ))
    .expect("the fixture report");
    serde_json::from_str(&text).expect("the fixture parses")
}

/// Submission `i`: a different time (so a different report id), candidate and verdict.
fn body(base: &Report, i: usize, small: bool) -> Vec<u8> {
    let mut r = base.clone();
    r.time += jiff::SignedDuration::from_secs(i as i64);
    if i.is_multiple_of(3) {
        for c in &mut r.checks {
            c.status = Status::Pass;
            c.findings.iter_mut().for_each(|f| f.status = Status::Pass);
        }
        r.verdict = Verdict::Ready;
    }
    if small {
        r.checks
            .iter_mut()
            .for_each(|c| c.facts = serde_json::Value::Null);
    }
    let candidate = format!("candidate-{:05}", i % CANDIDATES);
    serde_json::to_vec(&serde_json::json!({"candidate": candidate, "report": r.with_id()}))
        .expect("serializes")
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn ingest(url: &str, token: &str, bodies: Vec<Vec<u8>>) -> (f64, f64, f64) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, bodies, next) = (client.clone(), bodies.clone(), next.clone());
            let (url, token) = (format!("{url}/api/v1/reports"), token.to_string());
            tokio::spawn(async move {
                let mut lat = vec![];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(b) = bodies.get(i) else { break };
                    let t = Instant::now();
                    let r = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(b.clone())
                        .send()
                        .await
                        .expect("an answer");
                    let status = r.status().as_u16();
                    let text = r.text().await.unwrap_or_default();
                    assert_eq!(status, 201, "{text}");
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat = vec![];
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort();
    (
        lat.len() as f64 / secs,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
    )
}

/// Fill the store directly (as the server would) up to [`TOTAL`] reports.
async fn seed(database: &str, token: &str, base: &Report) {
    let db = Db::open(database, 16).await.expect("open the database");
    let tokens::Lookup::Valid(info) = tokens::lookup(&db, token).await.unwrap() else {
        panic!("the submit token is not valid")
    };
    let next = Arc::new(AtomicUsize::new(INGEST));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (db, next, base, id) = (db.clone(), next.clone(), base.clone(), info.id.clone());
            tokio::spawn(async move {
                loop {
                    let from = next.fetch_add(SEED_BATCH, Ordering::Relaxed);
                    if from >= TOTAL {
                        break;
                    }
                    let subs: Vec<_> = (from..(from + SEED_BATCH).min(TOTAL))
                        .map(|i| validate::submission(&body(&base, i, true)).expect("valid"))
                        .collect();
                    let items: Vec<store::Item> = subs
                        .iter()
                        .map(|sub| store::Item { token_id: &id, sub })
                        .collect();
                    store::insert_batch(&db, &items).await.expect("stored");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// Median and slowest of `n` GETs of `path` (ms), and the size of the answer.
async fn time_get(url: &str, admin: &str, path: &str, n: usize) -> (f64, f64, usize) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut times = vec![];
    let mut size = 0;
    for _ in 0..n {
        let t = Instant::now();
        let r = client
            .get(format!("{url}{path}"))
            .bearer_auth(admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        size = r.bytes().await.unwrap().len();
        times.push(t.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 1.0), size)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [url, token, admin, database, label] = &args[..] else {
        eprintln!(
            "usage: collect URL SUBMIT_TOKEN ADMIN_TOKEN DATABASE_URL LABEL (see benches/collect.sh)"
        );
        std::process::exit(2);
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = fixture();
    let bodies: Vec<Vec<u8>> = (0..INGEST).map(|i| body(&base, i, false)).collect();
    let kb = bodies.iter().map(Vec::len).sum::<usize>() / bodies.len() / 1024;
    // The server's own work on each body before the database (one core, no HTTP).
    let t = Instant::now();
    for b in &bodies[..2000] {
        std::hint::black_box(validate::submission(b).expect("valid"));
    }
    println!(
        "{label}: validating a {kb} KiB submission takes {:.0} us on one core",
        t.elapsed().as_secs_f64() * 1e6 / 2000.0
    );
    let (rate, p50, p99) = rt.block_on(ingest(url, token, bodies));
    println!(
        "{label}: ingest {INGEST} reports (~{kb} KiB each) from {CLIENTS} clients: {rate:.0} reports/s, p50 {p50:.1} ms, p99 {p99:.1} ms"
    );
    let t = Instant::now();
    rt.block_on(seed(database, token, &base));
    println!(
        "{label}: filled to {TOTAL} reports ({CANDIDATES} candidates) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    pages(&rt, url, admin, &format!("{label}, right after the fill"));
    // A store does not grow by 90,000 reports in a minute: PostgreSQL's autovacuum has not yet
    // caught up (planner statistics, visibility map). Time the pages again as they stand once
    // it has, which VACUUM ANALYZE does at once. (SQLite keeps no such state.)
    if database.starts_with("postgres") {
        rt.block_on(async {
            let db = Db::open(database, 1).await.expect("open the database");
            sqlx::query("VACUUM ANALYZE")
                .execute(&db.pool)
                .await
                .expect("VACUUM ANALYZE");
        });
        pages(&rt, url, admin, &format!("{label}, after VACUUM ANALYZE"));
    }
}

/// Time the dashboard's pages and the CSV export.
fn pages(rt: &tokio::runtime::Runtime, url: &str, admin: &str, label: &str) {
    for path in [
        "/dashboard",
        "/dashboard?verdict=not-ready&sort=checked",
        "/dashboard?code=app-prohibited&page=50",
        "/dashboard/candidate?name=candidate-00042",
        "/dashboard/export.csv",
    ] {
        let (median, max, size) = rt.block_on(time_get(url, admin, path, 7));
        println!(
            "{label}: GET {path}: median {median:.1} ms, slowest {max:.1} ms ({} KiB)",
            size / 1024
        );
    }
}
