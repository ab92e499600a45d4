//! `examready collect serve`: the submit API and the dashboard on one address, the retention
//! period applied at start and every hour, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use super::db::{Backend, Db};
use super::ratelimit::Limiter;
use super::state::{ADMIN_PASSWORD_ENV, App};
use super::{api, dashboard, store};
use crate::serve::Limits;

/// What `collect serve` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    /// The database URL (or a SQLite file); `None`: the data folder's SQLite file.
    pub database: Option<String>,
    /// Reports received longer ago than this (seconds) are deleted.
    pub retention: i64,
    /// Submissions per minute per token.
    pub rate_per_minute: f64,
    pub limits: Limits,
}

fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Open the database named by `database` (default: the data folder's SQLite file).
pub async fn open(database: Option<&str>) -> anyhow::Result<Db> {
    let url = match database {
        Some(u) => u.to_string(),
        None => super::db::default_url()?,
    };
    let pool = if url.starts_with("postgres") { 32 } else { 8 };
    Db::open(&url, pool).await
}

/// Delete what the retention period has expired, and say so.
async fn apply_retention(db: &Db, period: i64) {
    match store::expire(db, period).await {
        Ok(0) => {}
        Ok(n) => say(&format!(
            "examready collect: deleted {n} reports older than the retention period"
        )),
        Err(e) => say(&format!(
            "examready collect: the retention could not run: {e}"
        )),
    }
}

pub fn run(opts: Options) -> anyhow::Result<()> {
    let limits = Limits {
        max_connections: crate::serve::connection_cap(opts.limits.max_connections.max(1)),
        ..opts.limits
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let db = open(opts.database.as_deref()).await?;
        let admin_password = std::env::var(ADMIN_PASSWORD_ENV)
            .ok()
            .filter(|p| !p.is_empty())
            .map(|p| super::hash(&p));
        apply_retention(&db, opts.retention).await;
        let hourly = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(3600));
                tick.tick().await;
                loop {
                    tick.tick().await;
                    apply_retention(&db, opts.retention).await;
                }
            })
        };
        let backend = match db.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        };
        let app = Arc::new(App {
            writer: super::writer::Writer::start(db.clone()),
            db,
            limiter: Limiter::new(opts.rate_per_minute),
            admin_password,
        });
        let tcp = TcpListener::bind(opts.listen)
            .await
            .with_context(|| format!("cannot listen on {}", opts.listen))?;
        let local = tcp.local_addr()?;
        say(&format!(
            "examready collect: listening on http://{local} ({backend}); candidates submit with \
             `examready check --submit http://HOST:{} --token T --candidate ID`; the dashboard \
             is /dashboard; stop with Ctrl-C",
            local.port()
        ));
        let router = api::router()
            .merge(dashboard::router(app.clone()))
            .with_state(app);
        tokio::select! {
            _ = crate::serve::accept_loop(tcp, router, limits) => {}
            _ = crate::serve::shutdown_signal() => {}
        }
        hourly.abort();
        say("examready collect: stopped");
        anyhow::Ok(())
    })?;
    rt.shutdown_background();
    Ok(())
}
