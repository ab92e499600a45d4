//! Storing a report (idempotent per token and report id), forgetting a candidate, and the
//! retention period. The `candidates` table keeps each candidate's latest report per token, so
//! the dashboard reads one row per candidate.

use std::collections::BTreeSet;

use sqlx::{Any, AssertSqlSafe, Row as _, Transaction};

use super::db::Db;
use super::validate::Submission;
use crate::model::Report;

/// What storing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    /// The token already has a report with this id: nothing new stored.
    Duplicate,
}

/// The checks of `report` that block readiness, each with its blocking finding codes
/// (`""` for a check that failed without one), without repeats.
pub fn failures(report: &Report) -> Vec<(String, String)> {
    let mut out = BTreeSet::new();
    for c in report.checks.iter().filter(|c| c.status.blocks_readiness()) {
        let before = out.len();
        for f in c.findings.iter().filter(|f| f.status.blocks_readiness()) {
            out.insert((c.id.clone(), f.code.clone()));
        }
        if out.len() == before {
            out.insert((c.id.clone(), String::new()));
        }
    }
    out.into_iter().collect()
}

/// The failing check ids and the codes, each comma-separated, as the candidate row keeps them.
fn joined(failures: &[(String, String)]) -> (String, String) {
    let checks: BTreeSet<&str> = failures.iter().map(|(c, _)| c.as_str()).collect();
    let codes: BTreeSet<&str> = failures
        .iter()
        .map(|(_, c)| c.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    (
        checks.into_iter().collect::<Vec<_>>().join(","),
        codes.into_iter().collect::<Vec<_>>().join(","),
    )
}

/// One submission to store under token `token_id`.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub token_id: &'a str,
    pub sub: &'a Submission,
}

/// Reports per `INSERT` statement (10 parameters each; both databases allow far more).
const ROWS_PER_STATEMENT: usize = 100;

/// A report about to be stored: its row's id and the columns read from it.
struct Prepared<'a> {
    item: Item<'a>,
    id: String,
    checked_at: i64,
    exam_at: Option<i64>,
    /// [`failures`] of the report.
    fails: Vec<(String, String)>,
}

/// Store `items` in one transaction: one multi-row statement per table, so a batch of reports
/// costs a handful of round trips and one commit. Rows are written in (token, report id) and
/// (token, candidate) order, so two servers sharing a database take their locks in the same
/// order. What each item became, in `items`' order.
pub async fn insert_batch(db: &Db, items: &[Item<'_>]) -> Result<Vec<Stored>, sqlx::Error> {
    let now = super::now();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        (items[a].token_id, &items[a].sub.report_id)
            .cmp(&(items[b].token_id, &items[b].sub.report_id))
    });
    // A report sent twice in one batch is written once; the other copies are duplicates.
    let mut firsts: Vec<usize> = vec![];
    for &i in &order {
        let key = |k: usize| (items[k].token_id, &items[k].sub.report_id);
        if firsts.last().is_none_or(|&f| key(f) != key(i)) {
            firsts.push(i);
        }
    }
    let prepared: Vec<Prepared> = firsts
        .iter()
        .map(|&i| Prepared {
            item: items[i],
            id: super::random_hex(12),
            checked_at: items[i].sub.report.time.as_second().min(now),
            exam_at: items[i].sub.report.exam.as_ref().map(|e| e.at.as_second()),
            fails: failures(&items[i].sub.report),
        })
        .collect();
    let mut tx = db.pool.begin().await?;
    let mut inserted = BTreeSet::new();
    for chunk in prepared.chunks(ROWS_PER_STATEMENT) {
        inserted.extend(insert_reports(&mut tx, chunk, now).await?);
    }
    let new: Vec<&Prepared> = prepared
        .iter()
        .filter(|p| inserted.contains(&p.id))
        .collect();
    let fails: Vec<(&str, &(String, String))> = new
        .iter()
        .flat_map(|p| p.fails.iter().map(|f| (p.id.as_str(), f)))
        .collect();
    for chunk in fails.chunks(3 * ROWS_PER_STATEMENT) {
        insert_failures(&mut tx, chunk).await?;
    }
    let latest = latest_per_candidate(&new);
    for chunk in latest.chunks(ROWS_PER_STATEMENT) {
        upsert_candidates(&mut tx, chunk).await?;
    }
    tx.commit().await?;
    let stored_ids: BTreeSet<(&str, &str)> = new
        .iter()
        .map(|p| (p.item.token_id, p.item.sub.report_id.as_str()))
        .collect();
    // Each newly stored report answers "new" once; every other copy is a duplicate.
    let mut answered = BTreeSet::new();
    Ok(items
        .iter()
        .map(|it| {
            let key = (it.token_id, it.sub.report_id.as_str());
            if stored_ids.contains(&key) && answered.insert(key) {
                Stored::New
            } else {
                Stored::Duplicate
            }
        })
        .collect())
}

/// `$a, $b, ...` for row `row` of `width` parameters.
fn placeholders(row: usize, width: usize) -> String {
    let cells: Vec<String> = (1..=width)
        .map(|k| format!("${}", row * width + k))
        .collect();
    format!("({})", cells.join(", "))
}

/// `VALUES (...), (...)` for `rows` rows of `width` parameters.
fn values(rows: usize, width: usize) -> String {
    let rows: Vec<String> = (0..rows).map(|r| placeholders(r, width)).collect();
    rows.join(", ")
}

/// Insert the reports of `chunk` that the database does not hold yet; the ids of those written.
async fn insert_reports(
    tx: &mut Transaction<'static, Any>,
    chunk: &[Prepared<'_>],
    now: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = format!(
        "INSERT INTO reports (id, token_id, report_id, candidate, received_at, checked_at, \
         profile, verdict, exam_at, body) VALUES {} \
         ON CONFLICT (token_id, report_id) DO NOTHING RETURNING id",
        values(chunk.len(), 10)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for p in chunk {
        let sub = p.item.sub;
        q = q
            .bind(p.id.as_str())
            .bind(p.item.token_id)
            .bind(sub.report_id.as_str())
            .bind(sub.candidate.as_str())
            .bind(now)
            .bind(p.checked_at)
            .bind(sub.report.profile.id.as_str())
            .bind(sub.report.verdict.as_str())
            .bind(p.exam_at)
            .bind(sub.json.as_str());
    }
    q.fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect()
}

async fn insert_failures(
    tx: &mut Transaction<'static, Any>,
    rows: &[(&str, &(String, String))],
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO report_failures (report, check_id, code) VALUES {}",
        values(rows.len(), 3)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (report, (check, code)) in rows {
        q = q.bind(*report).bind(check.as_str()).bind(code.as_str());
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// The latest of the new reports of each (token, candidate), in that order: one row each, as
/// one statement may not update a row twice.
fn latest_per_candidate<'p>(new: &[&'p Prepared<'p>]) -> Vec<(&'p str, &'p str, Latest)> {
    let mut by_candidate: std::collections::BTreeMap<(&str, &str), &Prepared> = Default::default();
    for p in new {
        let key = (p.item.token_id, p.item.sub.candidate.as_str());
        let later = by_candidate
            .get(&key)
            .is_none_or(|q| p.checked_at >= q.checked_at);
        if later {
            by_candidate.insert(key, p);
        }
    }
    by_candidate
        .into_iter()
        .map(|((token, candidate), p)| {
            let (failing, codes) = joined(&p.fails);
            let latest = Latest {
                report: p.id.clone(),
                checked_at: p.checked_at,
                verdict: p.item.sub.report.verdict.as_str().to_string(),
                profile: p.item.sub.report.profile.id.clone(),
                exam_at: p.exam_at,
                failing,
                codes,
            };
            (token, candidate, latest)
        })
        .collect()
}

/// A candidate's latest report, as its row in `candidates`.
struct Latest {
    report: String,
    checked_at: i64,
    verdict: String,
    profile: String,
    exam_at: Option<i64>,
    failing: String,
    codes: String,
}

/// Make each row's `Latest` its candidate's row unless the row already holds a later check.
async fn upsert_candidates(
    tx: &mut Transaction<'static, Any>,
    rows: &[(&str, &str, Latest)],
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO candidates (token_id, candidate, report, checked_at, verdict, profile, \
         exam_at, failing, codes) VALUES {} \
         ON CONFLICT (token_id, candidate) DO UPDATE SET report = excluded.report, \
         checked_at = excluded.checked_at, verdict = excluded.verdict, \
         profile = excluded.profile, exam_at = excluded.exam_at, failing = excluded.failing, \
         codes = excluded.codes WHERE excluded.checked_at >= candidates.checked_at",
        values(rows.len(), 9)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (token_id, candidate, latest) in rows {
        q = q
            .bind(*token_id)
            .bind(*candidate)
            .bind(latest.report.as_str())
            .bind(latest.checked_at)
            .bind(latest.verdict.as_str())
            .bind(latest.profile.as_str())
            .bind(latest.exam_at)
            .bind(latest.failing.as_str())
            .bind(latest.codes.as_str());
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Delete every report of `candidate` (under every token); returns how many.
pub async fn forget(db: &Db, candidate: &str) -> Result<u64, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "DELETE FROM report_failures WHERE report IN (SELECT id FROM reports WHERE candidate = $1)",
    )
    .bind(candidate)
    .execute(&mut *tx)
    .await?;
    let done = sqlx::query("DELETE FROM reports WHERE candidate = $1")
        .bind(candidate)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM candidates WHERE candidate = $1")
        .bind(candidate)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Delete the reports received more than `period` seconds ago; returns how many.
pub async fn expire(db: &Db, period: i64) -> Result<u64, sqlx::Error> {
    let cutoff = super::now().saturating_sub(period);
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "DELETE FROM report_failures WHERE report IN \
         (SELECT id FROM reports WHERE received_at < $1)",
    )
    .bind(cutoff)
    .execute(&mut *tx)
    .await?;
    let done = sqlx::query("DELETE FROM reports WHERE received_at < $1")
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
    // Candidates whose latest report is gone: the latest that remains, or no row.
    let orphans = sqlx::query(
        "SELECT c.token_id, c.candidate FROM candidates c \
         LEFT JOIN reports r ON r.id = c.report WHERE r.id IS NULL",
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in orphans {
        let token_id: String = row.try_get("token_id")?;
        let candidate: String = row.try_get("candidate")?;
        refresh(&mut tx, &token_id, &candidate).await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Rebuild a candidate's row from the latest report that remains (or delete it).
async fn refresh(
    tx: &mut Transaction<'static, Any>,
    token_id: &str,
    candidate: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM candidates WHERE token_id = $1 AND candidate = $2")
        .bind(token_id)
        .bind(candidate)
        .execute(&mut **tx)
        .await?;
    let Some(row) = sqlx::query(
        "SELECT id, checked_at, verdict, profile, exam_at FROM reports \
         WHERE token_id = $1 AND candidate = $2 ORDER BY checked_at DESC, received_at DESC LIMIT 1",
    )
    .bind(token_id)
    .bind(candidate)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    let report: String = row.try_get("id")?;
    let fails: Vec<(String, String)> =
        sqlx::query("SELECT check_id, code FROM report_failures WHERE report = $1")
            .bind(&report)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("check_id")?, r.try_get("code")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let (failing, codes) = joined(&fails);
    let latest = Latest {
        report,
        checked_at: row.try_get("checked_at")?,
        verdict: row.try_get("verdict")?,
        profile: row.try_get("profile")?,
        exam_at: row.try_get("exam_at")?,
        failing,
        codes,
    };
    upsert_candidates(tx, &[(token_id, candidate, latest)]).await
}
