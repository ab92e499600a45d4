//! What every request of the collect server shares.

use super::db::Db;
use super::ratelimit::Limiter;
use super::writer::Writer;

pub struct App {
    pub db: Db,
    /// Where submissions are queued to be written in batches.
    pub writer: Writer,
    pub limiter: Limiter,
    /// The SHA-256 of `EXAMREADY_ADMIN_PASSWORD`, when set.
    pub admin_password: Option<String>,
}

/// The environment variable holding the dashboard's password (besides admin tokens).
pub const ADMIN_PASSWORD_ENV: &str = "EXAMREADY_ADMIN_PASSWORD";

/// A database failure, logged; the client gets a sentence without the details.
pub fn db_failed(e: &sqlx::Error) -> String {
    tracing::error!("database: {e}");
    eprintln!("examready collect: database error: {e}");
    "the server's database is unavailable; try again later".to_string()
}
