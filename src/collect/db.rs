//! The database: SQLite (a file, the default) or PostgreSQL, through sqlx's `Any` driver, with the
//! one set of migrations under `migrations/` applied at every open.

use std::borrow::Cow;
use std::path::PathBuf;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, AssertSqlSafe, Executor};

/// The migrations, embedded (the same files for both databases).
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "collect",
    include_str!("../../migrations/0001_collect.sql"),
)];

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An open database.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// `<data dir>/collect.sqlite3` as a URL.
pub fn default_url() -> anyhow::Result<String> {
    let dir = crate::history::data_dir()?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    Ok(sqlite_url(&dir.join("collect.sqlite3")))
}

fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// `url` as given, or a plain file path taken as a SQLite file.
pub fn normalize(url: &str) -> anyhow::Result<(String, Backend)> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        return Ok((url.to_string(), Backend::Postgres));
    }
    if lower.starts_with("sqlite:") {
        let url = if url.contains('?') || url.contains(":memory:") {
            url.to_string()
        } else {
            format!("{url}?mode=rwc")
        };
        return Ok((url, Backend::Sqlite));
    }
    if url.contains("://") {
        anyhow::bail!(
            "--database {url:?} is neither sqlite:// nor postgres:// (write e.g. \
             postgres://user:password@host/examready, or a file path for SQLite)"
        );
    }
    Ok((sqlite_url(&PathBuf::from(url)), Backend::Sqlite))
}

impl Db {
    /// Open (creating a SQLite file if needed) and migrate.
    pub async fn open(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let (url, backend) = normalize(url)?;
        let opts: AnyConnectOptions = url
            .parse()
            .with_context(|| format!("cannot read the database URL {}", redact(&url)))?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await
            .with_context(|| format!("cannot open the database {}", redact(&url)))?;
        let db = Db { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    AssertSqlSafe(*sql).into_sql_str(),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations)
            .run(&self.pool)
            .await
            .context("cannot apply the database migrations")
    }
}

use sqlx::SqlSafeStr as _;

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        assert_eq!(
            normalize("postgres://u:p@h/db").unwrap().1,
            Backend::Postgres
        );
        let (u, b) = normalize("/tmp/x.sqlite3").unwrap();
        assert_eq!(b, Backend::Sqlite);
        assert_eq!(u, "sqlite:///tmp/x.sqlite3?mode=rwc");
        assert!(normalize("mysql://h/db").is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
