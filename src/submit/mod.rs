/*!
Sending a report to an institution's `examready collect` server (issue 15's contract): `POST
{BASE}/api/v1/reports` with `Authorization: Bearer <token>`, `Idempotency-Key: <report id>` and
the body `{"candidate": ..., "report": ...}`, where the report is the JSON exactly as
`examready check --format json` writes it ([`crate::render::json::render`]). The report id makes
a retry harmless: the server answers `200 duplicate` for a report it already has.

Everything a person types is checked before a probe runs ([`Target::new`]): the URL (http or
https with a host), the candidate (1 to 200 characters, no control characters) and the token
(required, never printed: [`Secret`]). Nothing is sent unless the candidate asked for it
(`check --submit`, `submit`, or the page's button).
*/

mod send;

use reqwest::Url;

use crate::model::Report;

pub use send::{Failure, Outcome, send, sent_line};

/// The environment variable the token is read from when `--token` is not given.
pub const TOKEN_ENV: &str = "EXAMREADY_TOKEN";

/// The most a candidate's identification may have, in characters.
pub const MAX_CANDIDATE_CHARS: usize = 200;

/// The largest body the server accepts (the contract: 1 MiB).
pub const MAX_BODY_BYTES: usize = 1_048_576;

/// A submit token: its `Debug` never shows it, and nothing here prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

/// `--submit URL` / `--to URL`: http or https with a host; no user info (a password there would
/// be printed in the retry command).
pub fn parse_url(s: &str) -> Result<Url, String> {
    let shown = crate::redact::url(s);
    let url = Url::parse(s.trim()).map_err(|e| {
        format!(
            "give the collect server's address like https://exams.example.edu, got {shown:?}: {e}"
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "the collect server's address must be http:// or https:// with a host, got {shown:?}"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "the collect server's address must not carry a user name or password (the token \
             goes in --token or {TOKEN_ENV}), got {shown:?}"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the collect server's address must not have a query or fragment, got {shown:?}"
        ));
    }
    Ok(url)
}

/// Where reports go: `{BASE}/api/v1/reports` (a trailing slash on BASE or not).
pub fn reports_url(base: &Url) -> Url {
    let mut url = base.clone();
    let path = format!("{}/api/v1/reports", base.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}

/// What is wrong with a candidate's identifier (the contract's rule, used by the client and by
/// `examready collect`, which each say it in their own words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadCandidate {
    Empty,
    /// Longer than [`MAX_CANDIDATE_CHARS`]: how many characters it has.
    TooLong(usize),
    Control,
}

/// A candidate's identifier, trimmed: 1 to [`MAX_CANDIDATE_CHARS`] characters, no control
/// characters.
pub fn candidate(s: &str) -> Result<String, BadCandidate> {
    let t = s.trim();
    let n = t.chars().count();
    if n == 0 {
        Err(BadCandidate::Empty)
    } else if n > MAX_CANDIDATE_CHARS {
        Err(BadCandidate::TooLong(n))
    } else if t.chars().any(char::is_control) {
        Err(BadCandidate::Control)
    } else {
        Ok(t.to_string())
    }
}

/// `--candidate TEXT` ([`candidate`]), with what to do when it is refused.
pub fn parse_candidate(s: &str) -> Result<String, String> {
    candidate(s).map_err(|e| match e {
        BadCandidate::Empty => "--candidate is empty: give what identifies you to your \
                                institution (your student number or your name)"
            .into(),
        BadCandidate::TooLong(n) => {
            format!("--candidate has {n} characters; at most {MAX_CANDIDATE_CHARS} are accepted")
        }
        BadCandidate::Control => "--candidate has a control character (a tab, a line break \
                                  ...); give it on one line"
            .into(),
    })
}

/// The token: required, visible ASCII only (it goes into an HTTP header). The error never
/// shows it.
pub fn parse_token(given: Option<&str>) -> Result<Secret, String> {
    let from_env = std::env::var(TOKEN_ENV).ok();
    let token = given
        .or(from_env.as_deref())
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(format!(
            "no submit token: give the token your institution sent you with --token TOKEN or \
             in the environment variable {TOKEN_ENV}"
        ));
    };
    if token.len() > 4096 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(
            "the submit token has characters a token cannot have (spaces, line breaks \
                    or letters beyond ASCII): copy it again from your institution's message"
                .into(),
        );
    }
    Ok(Secret::new(token))
}

/// A warning when the reports would go over plain http to a host that is not this computer.
pub fn plain_http_warning(url: &Url) -> Option<String> {
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (!loopback).then(|| {
        format!(
            "{} is plain http: the report and the token travel unencrypted; ask your \
             institution for its https:// address",
            shown(url)
        )
    })
}

/// The URL as printed (no secrets: see [`crate::redact`]).
pub fn shown(url: &Url) -> String {
    crate::redact::url(url.as_str())
}

/// Where and as whom to send: everything checked.
#[derive(Debug, Clone)]
pub struct Target {
    /// The base address as given (`--submit`, `--to`).
    pub base: Url,
    pub candidate: String,
    token: Secret,
}

impl Target {
    /// Check the three parts; the message names what is wrong.
    pub fn new(url: &str, candidate: &str, token: Option<&str>) -> Result<Target, String> {
        Ok(Target {
            base: parse_url(url)?,
            candidate: parse_candidate(candidate)?,
            token: parse_token(token)?,
        })
    }

    /// How to send this run again by hand (the token is not in it).
    pub fn retry_command(&self, report_id: &str) -> String {
        format!(
            "examready submit {report_id} --to {} --candidate {}",
            shell_quote(&shown(&self.base)),
            shell_quote(&self.candidate)
        )
    }
}

/// `s` as one shell word: kept as it is when it is plain, else quoted (POSIX single quotes;
/// double quotes on Windows).
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        return s.to_string();
    }
    if cfg!(windows) {
        format!("\"{}\"", s.replace('"', "\\\""))
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The request's body: the candidate and the report as `check --format json` writes it.
pub fn body(candidate: &str, report: &Report) -> String {
    let report = crate::render::json::render(report);
    let candidate = serde_json::to_string(candidate).expect("a string serializes");
    format!(
        "{{\"candidate\":{candidate},\"report\":{}}}",
        report.trim_end()
    )
}

#[cfg(test)]
mod tests;
