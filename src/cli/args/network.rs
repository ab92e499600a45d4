//! The options of talking to an institution's servers: sending a report (`check`, `ui`,
//! `submit`) and hosting the measurement server (`serve`).

use super::*;

/// `--token TOKEN`: kept as a [`crate::submit::Secret`], so that no debug output shows it.
fn parse_secret(s: &str) -> Result<crate::submit::Secret, String> {
    Ok(crate::submit::Secret::new(s))
}

/// Sending the report to an institution (`check`, `ui`): nothing is sent without `--submit`.
#[derive(Debug, Clone, Default, Args)]
pub struct SendArgs {
    /// After the run is saved, send the report to your institution's examready collect server
    /// at URL (with --candidate and a token). Nothing is sent without this.
    #[arg(long, value_name = "URL")]
    pub submit: Option<String>,
    /// With --submit: what identifies you to your institution (a student number or a name, as
    /// it asked; 1 to 200 characters).
    #[arg(long, value_name = "TEXT", requires = "submit")]
    pub candidate: Option<String>,
    /// With --submit: the submit token your institution gave you (default: the environment
    /// variable EXAMREADY_TOKEN).
    #[arg(long, value_name = "TOKEN", requires = "submit", value_parser = parse_secret)]
    pub token: Option<crate::submit::Secret>,
}

/// `examready submit`: which report, where, as whom.
#[derive(Debug, Clone, Args)]
pub struct SubmitCmdArgs {
    /// A report id from `examready history` or a JSON report file (default: the latest saved
    /// run).
    #[arg(value_name = "REPORT")]
    pub report: Option<String>,
    /// The collect server's address, as your institution gave it.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// What identifies you to your institution (a student number or a name; 1 to 200
    /// characters).
    #[arg(long, value_name = "TEXT")]
    pub candidate: String,
    /// The submit token your institution gave you (default: the environment variable
    /// EXAMREADY_TOKEN).
    #[arg(long, value_name = "TOKEN", value_parser = parse_secret)]
    pub token: Option<crate::submit::Secret>,
}

/// `examready serve`: where, and how long slow clients may take.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (TCP for HTTP and UDP for the echo, same port).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8765")]
    pub listen: std::net::SocketAddr,
    /// A request's headers must arrive within this (from the connection's start, or from the
    /// previous answer on a kept-alive connection).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub header_timeout: std::time::Duration,
    /// A connection on which nothing moves, either way, for this long is closed.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    pub idle_timeout: std::time::Duration,
    /// An upload whose body brings nothing for this long is answered 408 and closed.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub body_timeout: std::time::Duration,
    /// Connections served at once (lowered to fit the open-file limit); at the cap the one
    /// quiet longest is closed to make room.
    #[arg(long, value_name = "N", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Offer no UDP echo: act like a plain speed-test server, so clients measure latency and
    /// loss by ICMP echo (or HTTP) instead. For testing those paths.
    #[arg(long)]
    pub no_udp_echo: bool,
}

impl ServeArgs {
    pub(in crate::cli) fn limits(&self) -> crate::serve::Limits {
        crate::serve::Limits {
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            body_timeout: self.body_timeout,
            max_connections: self.max_connections as usize,
            udp_echo: !self.no_udp_echo,
        }
    }
}
