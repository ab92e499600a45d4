//! The dashboard's reads: each candidate's latest report (filtered, sorted, a page at a time),
//! counts per finding code, the cohorts, and one candidate's history. Filters become bound
//! parameters; only fixed SQL text is put together.

use serde::Deserialize;
use sqlx::{AssertSqlSafe, Row as _};

use super::db::{Backend, Db};

/// Rows on one page of the dashboard.
pub const PAGE_SIZE: i64 = 100;
/// Candidates not ready within this many seconds of their exam are listed first.
pub const URGENT_SECONDS: i64 = 48 * 3600;

/// The dashboard's filters, from its query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filters {
    /// A token id: one cohort.
    pub cohort: Option<String>,
    /// `ready` or `not-ready`.
    pub verdict: Option<String>,
    /// Candidates whose latest report failed with this finding code.
    pub code: Option<String>,
    /// Candidates not checked in the last N days.
    pub stale: Option<i64>,
    /// `urgent` (default), `candidate`, `checked`, `verdict`.
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<i64>,
}

impl Filters {
    fn some(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    pub fn cohort(&self) -> Option<&str> {
        Self::some(&self.cohort)
    }
    pub fn verdict(&self) -> Option<&str> {
        Self::some(&self.verdict).filter(|v| matches!(*v, "ready" | "not-ready"))
    }
    /// A finding code (kebab-case: a comma can be no part of one).
    pub fn code(&self) -> Option<&str> {
        Self::some(&self.code).filter(|c| !c.contains(','))
    }
    pub fn stale(&self) -> Option<i64> {
        self.stale.filter(|d| (1..=3650).contains(d))
    }
    pub fn sort(&self) -> &str {
        match Self::some(&self.sort) {
            Some(s @ ("candidate" | "checked" | "verdict")) => s,
            _ => "urgent",
        }
    }
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }
}

/// A value bound to a `$n` parameter.
enum Arg {
    Text(String),
    Int(i64),
}

/// SQL text with its parameters, numbered as they are added.
#[derive(Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    fn text(&mut self, v: &str) -> &mut Self {
        self.args.push(Arg::Text(v.to_string()));
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }
    fn int(&mut self, v: i64) -> &mut Self {
        self.args.push(Arg::Int(v));
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }
    async fn fetch(self, db: &Db) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
        let mut q = sqlx::query(AssertSqlSafe(self.text));
        for a in self.args {
            q = match a {
                Arg::Text(s) => q.bind(s),
                Arg::Int(i) => q.bind(i),
            };
        }
        q.fetch_all(&db.pool).await
    }
}

/// `WHERE ...` for `filters` (on `candidates c`); the code filter only `with_code` (the database's
/// kind, whose function finds a text in another).
fn filter(sql: &mut Sql, f: &Filters, now: i64, with_code: Option<Backend>) {
    sql.push(" WHERE 1 = 1");
    if let Some(c) = f.cohort() {
        sql.push(" AND c.token_id = ").text(c);
    }
    if let Some(v) = f.verdict() {
        sql.push(" AND c.verdict = ").text(v);
    }
    if let Some(d) = f.stale() {
        sql.push(" AND c.checked_at < ").int(now - d * 86_400);
    }
    if let (Some(code), Some(backend)) = (f.code(), with_code) {
        // The candidate row keeps its latest report's failing codes, comma-separated (the same
        // set `report_failures` holds for that report): a scan of one table, no join.
        let find = match backend {
            Backend::Postgres => "strpos",
            Backend::Sqlite => "instr",
        };
        sql.push(&format!(" AND {find}(',' || c.codes || ',', "))
            .text(&format!(",{code},"))
            .push(") > 0");
    }
}

/// One candidate's latest report, as listed.
#[derive(Debug, Clone)]
pub struct Row {
    pub cohort: String,
    pub cohort_label: String,
    pub candidate: String,
    pub checked_at: i64,
    pub verdict: String,
    pub profile: String,
    pub exam_at: Option<i64>,
    pub failing: String,
    pub codes: String,
    pub report: String,
}

impl Row {
    /// Not ready, with the exam within the next 48 hours.
    pub fn urgent(&self, now: i64) -> bool {
        self.verdict == "not-ready"
            && self
                .exam_at
                .is_some_and(|e| e >= now && e <= now + URGENT_SECONDS)
    }
}

/// The candidates matching `f`: one page (`all` = every row, for the CSV), and how many match.
pub async fn candidates(
    db: &Db,
    f: &Filters,
    now: i64,
    all: bool,
) -> Result<(Vec<Row>, i64), sqlx::Error> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT c.token_id, COALESCE(t.label, '') AS label, c.candidate, c.checked_at, \
         c.verdict, c.profile, c.exam_at, c.failing, c.codes, c.report FROM candidates c \
         LEFT JOIN submit_tokens t ON t.id = c.token_id",
    );
    filter(&mut sql, f, now, Some(db.backend));
    sql.push(" ORDER BY ");
    match f.sort() {
        "candidate" => sql.push("c.candidate, c.token_id"),
        "checked" => sql.push("c.checked_at, c.candidate"),
        "verdict" => sql.push("c.verdict, c.candidate"),
        _ => sql
            .push("CASE WHEN c.verdict = 'not-ready' AND c.exam_at >= ")
            .int(now)
            .push(" AND c.exam_at <= ")
            .int(now + URGENT_SECONDS)
            .push(" THEN 0 ELSE 1 END, c.exam_at, c.verdict, c.candidate"),
    };
    if !all {
        sql.push(&format!(
            " LIMIT {PAGE_SIZE} OFFSET {}",
            (f.page() - 1) * PAGE_SIZE
        ));
    }
    let rows = sql
        .fetch(db)
        .await?
        .iter()
        .map(|r| {
            Ok(Row {
                cohort: r.try_get("token_id")?,
                cohort_label: r.try_get("label")?,
                candidate: r.try_get("candidate")?,
                checked_at: r.try_get("checked_at")?,
                verdict: r.try_get("verdict")?,
                profile: r.try_get("profile")?,
                exam_at: r.try_get("exam_at")?,
                failing: r.try_get("failing")?,
                codes: r.try_get("codes")?,
                report: r.try_get("report")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let total = if all {
        rows.len() as i64
    } else {
        let mut count = Sql::default();
        count.push("SELECT COUNT(*) AS n FROM candidates c");
        filter(&mut count, f, now, Some(db.backend));
        count.fetch(db).await?[0].try_get("n")?
    };
    Ok((rows, total))
}

/// How many listed candidates (the filters but the code's) failed with each code, most first.
pub async fn code_counts(
    db: &Db,
    f: &Filters,
    now: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT f.code, COUNT(DISTINCT f.report) AS n FROM candidates c \
         JOIN report_failures f ON f.report = c.report",
    );
    filter(&mut sql, f, now, None);
    sql.push(" AND f.code <> '' GROUP BY f.code ORDER BY n DESC, f.code LIMIT 50");
    sql.fetch(db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("n")?)))
        .collect()
}

/// A cohort (submit token) with its candidates and how many are not ready.
#[derive(Debug, Clone)]
pub struct Cohort {
    pub id: String,
    pub label: String,
    pub state: &'static str,
    pub candidates: i64,
    pub not_ready: i64,
}

pub async fn cohorts(db: &Db, now: i64) -> Result<Vec<Cohort>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.id, t.label, t.created_at, t.expires_at, t.revoked_at, COUNT(c.candidate) AS n, \
         COALESCE(SUM(CASE WHEN c.verdict = 'not-ready' THEN 1 ELSE 0 END), 0) AS bad \
         FROM submit_tokens t LEFT JOIN candidates c ON c.token_id = t.id \
         GROUP BY t.id, t.label, t.created_at, t.expires_at, t.revoked_at \
         ORDER BY t.created_at, t.id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let info = super::tokens::TokenInfo {
                id: r.try_get("id")?,
                label: r.try_get("label")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                revoked_at: r.try_get("revoked_at")?,
            };
            Ok(Cohort {
                state: info.state(now),
                id: info.id,
                label: info.label,
                candidates: r.try_get("n")?,
                not_ready: r.try_get("bad")?,
            })
        })
        .collect()
}

/// One stored report of a candidate's history.
#[derive(Debug, Clone)]
pub struct Past {
    pub id: String,
    pub cohort_label: String,
    pub report_id: String,
    pub checked_at: i64,
    pub profile: String,
    pub verdict: String,
    pub exam_at: Option<i64>,
    pub failures: Vec<(String, String)>,
}

/// Every stored report of `candidate` (in `cohort`, if given), the latest first.
pub async fn history(
    db: &Db,
    candidate: &str,
    cohort: Option<&str>,
) -> Result<Vec<Past>, sqlx::Error> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT r.id, COALESCE(t.label, '') AS label, r.report_id, r.checked_at, r.profile, \
         r.verdict, r.exam_at FROM reports r LEFT JOIN submit_tokens t ON t.id = r.token_id \
         WHERE r.candidate = ",
    )
    .text(candidate);
    if let Some(c) = cohort {
        sql.push(" AND r.token_id = ").text(c);
    }
    sql.push(" ORDER BY r.checked_at DESC, r.received_at DESC LIMIT 500");
    let mut out = sql
        .fetch(db)
        .await?
        .iter()
        .map(|r| {
            Ok(Past {
                id: r.try_get("id")?,
                cohort_label: r.try_get("label")?,
                report_id: r.try_get("report_id")?,
                checked_at: r.try_get("checked_at")?,
                profile: r.try_get("profile")?,
                verdict: r.try_get("verdict")?,
                exam_at: r.try_get("exam_at")?,
                failures: vec![],
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    for p in &mut out {
        p.failures = sqlx::query(
            "SELECT check_id, code FROM report_failures WHERE report = $1 ORDER BY check_id, code",
        )
        .bind(&p.id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("check_id")?, r.try_get("code")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    }
    Ok(out)
}

/// A stored report's JSON and its candidate.
pub async fn report(db: &Db, id: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT candidate, body FROM reports WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get("candidate")?, r.try_get("body")?)))
        .transpose()
}
