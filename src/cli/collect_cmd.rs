//! `examready collect ...`: the institution's report collection server and its tokens.

use clap::{Args, Subcommand};

use super::*;
use crate::collect::{self, server, store, tokens};

#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// Serve the submit API (POST /api/v1/reports) and the dashboard (/dashboard). Prints the
    /// address on stderr; stops on Ctrl-C.
    Serve(CollectServeArgs),
    /// Submit tokens: one per cohort ("CS101 final"), given to its candidates.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Create an admin token for the dashboard and print it (only its hash is kept). The
    /// dashboard also accepts the password in EXAMREADY_ADMIN_PASSWORD, if the server has it.
    AdminToken(DatabaseArg),
    /// Delete every report of a candidate (under every token), on their request.
    Forget {
        /// The candidate, as they identified themselves when submitting.
        candidate: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArg {
    /// postgres://USER:PASSWORD@HOST/DB, sqlite://FILE or a file path (SQLite). Default: the
    /// SQLite file collect.sqlite3 in the data folder.
    #[arg(
        long,
        value_name = "URL",
        env = "EXAMREADY_COLLECT_DATABASE",
        hide_env_values = true
    )]
    pub database: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a submit token and print it (once: only its hash is kept).
    Create {
        /// What the token is for, shown on the dashboard (e.g. "CS101 final").
        #[arg(long)]
        label: String,
        /// The token stops working after this long (e.g. 30d, 12h); default: never.
        #[arg(long, value_name = "DURATION", value_parser = collect::parse_period)]
        expires: Option<i64>,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// List the submit tokens: id, state, label, created, expires.
    List(DatabaseArg),
    /// Revoke a submit token: its submissions are refused from now on (403).
    Revoke {
        /// The token's id (see `token list`).
        id: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Debug, Clone, Args)]
pub struct CollectServeArgs {
    /// Address to listen on (port 0: a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8766")]
    pub listen: std::net::SocketAddr,
    #[command(flatten)]
    pub db: DatabaseArg,
    /// Reports received longer ago than this are deleted (at start and every hour).
    #[arg(long, value_name = "DURATION", default_value = "180d", value_parser = collect::parse_period)]
    pub retention: i64,
    /// Submissions accepted per token (on this server), e.g. 600/min, 20/s.
    #[arg(long, value_name = "N/min", default_value = "600/min", value_parser = collect::ratelimit::parse_rate)]
    pub rate: f64,
    /// Connections served at once.
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
}

fn block_on<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(f)
}

pub(super) fn run_collect(cmd: CollectCommand) -> anyhow::Result<u8> {
    match cmd {
        CollectCommand::Serve(a) => {
            server::run(server::Options {
                listen: a.listen,
                database: a.db.database,
                retention: a.retention,
                rate_per_minute: a.rate,
                limits: crate::serve::Limits {
                    header_timeout: std::time::Duration::from_secs(10),
                    idle_timeout: std::time::Duration::from_secs(60),
                    body_timeout: std::time::Duration::from_secs(30),
                    max_connections: a.max_connections as usize,
                    udp_echo: false,
                },
            })?;
            Ok(EXIT_READY)
        }
        CollectCommand::Token(t) => run_token(t),
        CollectCommand::AdminToken(db) => {
            let token = block_on(async {
                let db = server::open(db.database.as_deref()).await?;
                tokens::create_admin(&db).await
            })?;
            say!("examready collect: an admin token for the dashboard (shown only now):");
            print_raw(&format!("{token}\n"))?;
            Ok(EXIT_READY)
        }
        CollectCommand::Forget { candidate, db } => {
            let candidate = collect::validate::candidate(&candidate).map_err(anyhow::Error::msg)?;
            let n = block_on(async {
                let db = server::open(db.database.as_deref()).await?;
                Ok(store::forget(&db, &candidate).await?)
            })?;
            print_stdout(&format!("deleted {n} reports of {candidate:?}\n"))?;
            Ok(EXIT_READY)
        }
    }
}

fn run_token(cmd: TokenCommand) -> anyhow::Result<u8> {
    match cmd {
        TokenCommand::Create { label, expires, db } => {
            let (id, token) = block_on(async {
                let db = server::open(db.database.as_deref()).await?;
                tokens::create(&db, &label, expires).await
            })?;
            let until = expires
                .map(|e| format!(", expires {}", collect::show_time(collect::now() + e)))
                .unwrap_or_default();
            say!(
                "examready collect: token {id} ({}{until}) created; it is shown only now:",
                render::sanitize::plain(label.trim())
            );
            print_raw(&format!("{token}\n"))?;
            Ok(EXIT_READY)
        }
        TokenCommand::List(db) => {
            let list = block_on(async {
                let db = server::open(db.database.as_deref()).await?;
                tokens::list(&db).await
            })?;
            let now = collect::now();
            let mut out = String::new();
            for t in &list {
                let expires = t
                    .expires_at
                    .map(collect::show_time)
                    .unwrap_or_else(|| "never".into());
                out.push_str(&format!(
                    "{}  {:7}  created {}  expires {expires}  {}\n",
                    t.id,
                    t.state(now),
                    collect::show_time(t.created_at),
                    t.label
                ));
            }
            if list.is_empty() {
                out.push_str("no tokens yet: create one with `examready collect token create --label TEXT`\n");
            }
            print_stdout(&out)?;
            Ok(EXIT_READY)
        }
        TokenCommand::Revoke { id, db } => {
            let found = block_on(async {
                let db = server::open(db.database.as_deref()).await?;
                tokens::revoke(&db, &id).await
            })?;
            if !found {
                bail!("there is no token {id:?} (see `examready collect token list`)");
            }
            print_stdout(&format!("token {id} is revoked\n"))?;
            Ok(EXIT_READY)
        }
    }
}
