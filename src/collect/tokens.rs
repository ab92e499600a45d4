//! Submit tokens (one per cohort), admin tokens and dashboard sessions. A token is shown once,
//! when created; only its SHA-256 is stored, so a stolen database gives no working token.

use base64::Engine as _;
use sqlx::Row as _;

use super::db::Db;
use super::{hash, now, random_hex};

/// A new secret: a prefix saying what it is and 32 random bytes (base64url).
pub fn new_secret(prefix: &str) -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the system's random source works");
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    )
}

/// A submit token as listed (never the token itself).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: String,
    pub label: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TokenInfo {
    /// "active", "revoked" or "expired" at `now`.
    pub fn state(&self, now: i64) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
        }
    }
}

/// What a bearer token turned out to be on the submit API.
#[derive(Debug, Clone)]
pub enum Lookup {
    Unknown,
    Revoked,
    Expired,
    Valid(TokenInfo),
}

/// Create a submit token; returns its id and the token (to show once).
pub async fn create(
    db: &Db,
    label: &str,
    expires_in: Option<i64>,
) -> anyhow::Result<(String, String)> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 200 || label.chars().any(char::is_control) {
        anyhow::bail!("a token's label must be 1 to 200 characters, without control characters");
    }
    let id = random_hex(5);
    let token = new_secret("ers_");
    let created = now();
    sqlx::query(
        "INSERT INTO submit_tokens (id, label, hash, created_at, expires_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, NULL)",
    )
    .bind(&id)
    .bind(label)
    .bind(hash(&token))
    .bind(created)
    .bind(expires_in.map(|e| created.saturating_add(e)))
    .execute(&db.pool)
    .await?;
    Ok((id, token))
}

fn info(row: &sqlx::any::AnyRow) -> Result<TokenInfo, sqlx::Error> {
    Ok(TokenInfo {
        id: row.try_get("id")?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// Every submit token, oldest first.
pub async fn list(db: &Db) -> anyhow::Result<Vec<TokenInfo>> {
    let rows = sqlx::query(
        "SELECT id, label, created_at, expires_at, revoked_at FROM submit_tokens \
         ORDER BY created_at, id",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(info).collect::<Result<_, _>>()?)
}

/// Revoke token `id`; false when there is no such token.
pub async fn revoke(db: &Db, id: &str) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE submit_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(id)
    .execute(&db.pool)
    .await?;
    if done.rows_affected() > 0 {
        return Ok(true);
    }
    let exists = sqlx::query("SELECT id FROM submit_tokens WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(exists.is_some())
}

/// What `token` is, by its hash.
pub async fn lookup(db: &Db, token: &str) -> Result<Lookup, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, label, created_at, expires_at, revoked_at FROM submit_tokens WHERE hash = $1",
    )
    .bind(hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(Lookup::Unknown);
    };
    let t = info(&row)?;
    Ok(match t.state(now()) {
        "revoked" => Lookup::Revoked,
        "expired" => Lookup::Expired,
        _ => Lookup::Valid(t),
    })
}

/// Create an admin token for the dashboard; returns it (to show once).
pub async fn create_admin(db: &Db) -> anyhow::Result<String> {
    let token = new_secret("era_");
    sqlx::query("INSERT INTO admin_tokens (id, hash, created_at) VALUES ($1, $2, $3)")
        .bind(random_hex(5))
        .bind(hash(&token))
        .bind(now())
        .execute(&db.pool)
        .await?;
    Ok(token)
}

/// Whether `secret` is an admin token.
pub async fn is_admin_token(db: &Db, secret: &str) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT id FROM admin_tokens WHERE hash = $1")
        .bind(hash(secret))
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// How long a dashboard login lasts.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Start a dashboard session; returns the cookie's value (only its hash is stored).
pub async fn create_session(db: &Db) -> Result<String, sqlx::Error> {
    let session = new_secret("ers-session-");
    let t = now();
    sqlx::query("DELETE FROM admin_sessions WHERE expires_at <= $1")
        .bind(t)
        .execute(&db.pool)
        .await?;
    sqlx::query("INSERT INTO admin_sessions (hash, expires_at) VALUES ($1, $2)")
        .bind(hash(&session))
        .bind(t + SESSION_SECONDS)
        .execute(&db.pool)
        .await?;
    Ok(session)
}

/// Whether `session` is a live dashboard session.
pub async fn is_session(db: &Db, session: &str) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT hash FROM admin_sessions WHERE hash = $1 AND expires_at > $2")
        .bind(hash(session))
        .bind(now())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// End a dashboard session.
pub async fn end_session(db: &Db, session: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM admin_sessions WHERE hash = $1")
        .bind(hash(session))
        .execute(&db.pool)
        .await?;
    Ok(())
}
