/*!
`examready collect`: the institution's side of issue 15. Candidates submit their reports
(`POST /api/v1/reports`, see `CONTRACT-15.md`'s rules, implemented in [`api`]); staff see who is
not ready and why on a server-rendered dashboard ([`dashboard`]) behind an admin token or
password ([`admin`]).

Storage ([`db`], [`store`]) is SQLite (the default, a file in the data folder) or PostgreSQL
(`postgres://...`, which several servers may share), through sqlx's `Any` driver with one set of
migrations (`migrations/`). What is stored is what was submitted (the candidate's chosen
identifier and the report) and the columns the dashboard reads; no address, no header.
Tokens ([`tokens`]) are kept as SHA-256 hashes only.
*/

pub mod admin;
pub mod api;
pub mod csv;
pub mod dashboard;
pub mod db;
pub mod page;
pub mod query;
pub mod ratelimit;
pub mod server;
pub mod state;
pub mod store;
pub mod tokens;
pub mod validate;
pub mod writer;

/// Now, in Unix seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A duration written like `180d`, `30d`, `12h` (at least a second), in seconds.
pub fn parse_period(s: &str) -> Result<i64, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e} (write e.g. 30d, 12h, 180d)"))?;
    match i64::try_from(d.as_secs()) {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("a period must last at least 1 second".into()),
        Err(_) => Err("the period is too long".into()),
    }
}

/// A Unix time as `YYYY-MM-DD HH:MM UTC` (empty for an impossible value).
pub fn show_time(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// A Unix time as RFC 3339 (empty for an impossible value).
pub fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// `n` random bytes, hex.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).expect("the system's random source works");
    hex(&b)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `secret`, hex: what is stored of a token, a password or a session.
pub fn hash(secret: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_days_and_refuse_nonsense() {
        assert_eq!(parse_period("180d"), Ok(180 * 86_400));
        assert_eq!(parse_period("12h"), Ok(12 * 3600));
        assert_eq!(parse_period("2s"), Ok(2));
        assert!(parse_period("10ms").is_err());
        assert!(parse_period("soon").is_err());
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
