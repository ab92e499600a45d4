//! Who may see the dashboard: an admin token (`collect admin-token`) or the password in
//! `EXAMREADY_ADMIN_PASSWORD`, sent as a bearer token or typed once into the login form, which
//! starts a session (an HttpOnly, SameSite=Strict cookie; only its hash is stored, so several
//! servers sharing a database share the sessions). Forms that change state (login, logout)
//! must come from the dashboard's own origin.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::page;
use super::state::{App, db_failed};
use super::tokens;

pub const COOKIE: &str = "examready_session";

/// The session cookie's value, if sent.
fn session(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Whether `secret` is an admin token or the admin password.
async fn is_admin_secret(app: &App, secret: &str) -> Result<bool, sqlx::Error> {
    if let Some(pw) = &app.admin_password {
        let given = super::hash(secret);
        // Equal-length hex digests compared without an early exit.
        let diff = given
            .bytes()
            .zip(pw.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 {
            return Ok(true);
        }
    }
    tokens::is_admin_token(&app.db, secret).await
}

/// `Ok` when the request is an admin's; otherwise the answer to give (the login page for a
/// browser, 401 for a wrong bearer token).
pub async fn check(app: &App, headers: &HeaderMap) -> Result<(), Response> {
    let failed = |e: sqlx::Error| page::error(StatusCode::SERVICE_UNAVAILABLE, &db_failed(&e));
    if let Some(secret) = super::api::bearer(headers) {
        return match is_admin_secret(app, secret).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(page::error(
                StatusCode::UNAUTHORIZED,
                "that is not an admin token or the admin password",
            )),
            Err(e) => Err(failed(e)),
        };
    }
    if let Some(s) = session(headers) {
        match tokens::is_session(&app.db, &s).await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => return Err(failed(e)),
        }
    }
    Err((
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/dashboard/login")],
    )
        .into_response())
}

/// A state-changing request must come from this origin: its `Origin` (or, without one,
/// `Sec-Fetch-Site`) must say so. Clients that send neither are not browsers.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        // A privacy-minded browser (or a no-referrer page) says `null`: then only the browser's
        // own word that the form is this site's counts.
        if origin == "null" {
            return fetch_site == Some("same-origin");
        }
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        return authority.is_some() && authority == host;
    }
    match fetch_site {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

fn forbidden_origin() -> Response {
    page::error(
        StatusCode::FORBIDDEN,
        "this form was sent from another site; open the dashboard itself and try again",
    )
}

pub async fn login_page() -> Response {
    page::login(None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    secret: String,
}

pub async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return forbidden_origin();
    }
    if let Err(wait) = app.limiter.take("\u{0}admin-login") {
        return page::error(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("too many login attempts; retry in {wait} s"),
        );
    }
    match is_admin_secret(&app, form.secret.trim()).await {
        Ok(true) => {}
        Ok(false) => return page::login(Some("That is not an admin token or the admin password.")),
        Err(e) => return page::error(StatusCode::SERVICE_UNAVAILABLE, &db_failed(&e)),
    }
    let session = match tokens::create_session(&app.db).await {
        Ok(s) => s,
        Err(e) => return page::error(StatusCode::SERVICE_UNAVAILABLE, &db_failed(&e)),
    };
    let https = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let cookie = format!(
        "{COOKIE}={session}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age={}{}",
        tokens::SESSION_SECONDS,
        if https { "; Secure" } else { "" }
    );
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/dashboard")]).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

pub async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return forbidden_origin();
    }
    if let Some(s) = session(&headers) {
        let _ = tokens::end_session(&app.db, &s).await;
    }
    let mut r = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/dashboard/login")],
    )
        .into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "examready_session=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_this_origin_may_post() {
        assert!(same_origin(&headers(&[
            ("host", "a:1"),
            ("origin", "http://a:1")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a:1"),
            ("origin", "http://evil:1")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a:1"),
            ("origin", "null")
        ])));
        // `null` (a no-referrer page's own form in Chromium): the browser's Sec-Fetch-Site decides.
        assert!(same_origin(&headers(&[
            ("host", "a:1"),
            ("origin", "null"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a:1"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a:1"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(same_origin(&headers(&[("host", "a:1")])));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; examready_session=xyz; b=2")]);
        assert_eq!(session(&h).as_deref(), Some("xyz"));
    }
}
