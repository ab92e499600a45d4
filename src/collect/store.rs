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

/// Store a valid submission under token `token_id`.
pub async fn insert(db: &Db, token_id: &str, sub: &Submission) -> Result<Stored, sqlx::Error> {
    let now = super::now();
    let id = super::random_hex(12);
    let checked_at = sub.report.time.as_second().min(now);
    let exam_at = sub.report.exam.as_ref().map(|e| e.at.as_second());
    let verdict = sub.report.verdict.as_str();
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query(
        "INSERT INTO reports (id, token_id, report_id, candidate, received_at, checked_at, \
         profile, verdict, exam_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (token_id, report_id) DO NOTHING",
    )
    .bind(&id)
    .bind(token_id)
    .bind(&sub.report_id)
    .bind(&sub.candidate)
    .bind(now)
    .bind(checked_at)
    .bind(&sub.report.profile.id)
    .bind(verdict)
    .bind(exam_at)
    .bind(&sub.json)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(Stored::Duplicate);
    }
    let fails = failures(&sub.report);
    insert_failures(&mut tx, &id, &fails).await?;
    let (failing, codes) = joined(&fails);
    let latest = Latest {
        report: id,
        checked_at,
        verdict: verdict.to_string(),
        profile: sub.report.profile.id.clone(),
        exam_at,
        failing,
        codes,
    };
    upsert_candidate(&mut tx, token_id, &sub.candidate, &latest).await?;
    tx.commit().await?;
    Ok(Stored::New)
}

async fn insert_failures(
    tx: &mut Transaction<'static, Any>,
    report: &str,
    fails: &[(String, String)],
) -> Result<(), sqlx::Error> {
    for chunk in fails.chunks(300) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO report_failures (report, check_id, code) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (check, code) in chunk {
            q = q.bind(report).bind(check.as_str()).bind(code.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
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

/// Make `latest` the candidate's row unless the row already holds a later check.
async fn upsert_candidate(
    tx: &mut Transaction<'static, Any>,
    token_id: &str,
    candidate: &str,
    latest: &Latest,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO candidates (token_id, candidate, report, checked_at, verdict, profile, \
         exam_at, failing, codes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (token_id, candidate) DO UPDATE SET report = excluded.report, \
         checked_at = excluded.checked_at, verdict = excluded.verdict, \
         profile = excluded.profile, exam_at = excluded.exam_at, failing = excluded.failing, \
         codes = excluded.codes WHERE excluded.checked_at >= candidates.checked_at",
    )
    .bind(token_id)
    .bind(candidate)
    .bind(&latest.report)
    .bind(latest.checked_at)
    .bind(&latest.verdict)
    .bind(&latest.profile)
    .bind(latest.exam_at)
    .bind(&latest.failing)
    .bind(&latest.codes)
    .execute(&mut **tx)
    .await?;
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
    upsert_candidate(tx, token_id, candidate, &latest).await
}
