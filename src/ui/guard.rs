/*!
The security of the local page, checked before any route: only the page's own `Host`
(127.0.0.1, localhost or [::1] with this port: a DNS-rebinding name is refused), no foreign
`Origin` (and no CORS headers, ever), and the per-run token: given once in the URL, exchanged for
an HttpOnly SameSite=Strict cookie (named after the port, since cookies ignore ports), then
required on every request. Every answer forbids caching, framing and referrers.
*/

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Shared;

/// What a request lacks, as the answer says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `Host` is not this server's loopback address (DNS rebinding).
    Host,
    /// `Origin` is another site's.
    Origin,
    /// No valid token (URL) or cookie.
    Token,
}

impl Refusal {
    fn response(self) -> Response {
        let (code, text) = match self {
            Refusal::Host => (
                StatusCode::FORBIDDEN,
                "examready: this page answers only at the address examready printed.",
            ),
            Refusal::Origin => (
                StatusCode::FORBIDDEN,
                "examready: requests from other sites are refused.",
            ),
            Refusal::Token => (
                StatusCode::UNAUTHORIZED,
                "examready: open the address `examready ui` printed (it carries the token).",
            ),
        };
        (code, text).into_response()
    }
}

/// The cookie's name: one per port, so two pages on one machine do not share it.
pub fn cookie_name(port: u16) -> String {
    format!("examready-{port}")
}

/// Compare without an early exit, so timing does not tell how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// What to do with a request: refuse it, trade the URL's token for the cookie, or serve it.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Refuse(Refusal),
    SetCookie,
    Serve,
}

/// The decision, from the request's parts alone (pure, unit-tested).
pub fn decide(
    hosts: &[String],
    token: &str,
    host: Option<&str>,
    origin: Option<&str>,
    path_and_query: (&str, Option<&str>),
    cookies: &[&str],
) -> Decision {
    let Some(host) = host.filter(|h| hosts.iter().any(|ok| ok == h)) else {
        return Decision::Refuse(Refusal::Host);
    };
    if let Some(origin) = origin
        && origin != format!("http://{host}")
    {
        return Decision::Refuse(Refusal::Origin);
    }
    let port = host.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
    let name = port.map(cookie_name).unwrap_or_default();
    let has_cookie = cookies.iter().flat_map(|c| c.split(';')).any(|kv| {
        kv.trim()
            .split_once('=')
            .is_some_and(|(k, v)| k == name && same(v, token))
    });
    let (path, query) = path_and_query;
    let url_token = query.and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")));
    match url_token {
        Some(t) if path == "/" && same(t, token) => Decision::SetCookie,
        Some(_) => Decision::Refuse(Refusal::Token),
        None if has_cookie => Decision::Serve,
        None => Decision::Refuse(Refusal::Token),
    }
}

/// The middleware in front of every route.
pub(crate) async fn guard(State(app): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let cookies: Vec<&str> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let decision = decide(
        &app.hosts,
        &app.token,
        text(header::HOST),
        text(header::ORIGIN),
        (req.uri().path(), req.uri().query()),
        &cookies,
    );
    let host = text(header::HOST).unwrap_or_default().to_string();
    let mut response = match decision {
        Decision::Refuse(r) => r.response(),
        Decision::SetCookie => {
            app.touch();
            let port = host.rsplit(':').next().unwrap_or_default();
            let cookie = format!(
                "examready-{port}={}; HttpOnly; SameSite=Strict; Path=/",
                app.token
            );
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Decision::Serve => {
            app.touch();
            next.run(req).await
        }
    };
    let h = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "0123456789abcdef0123456789abcdef";

    fn hosts() -> Vec<String> {
        ["127.0.0.1:4000", "localhost:4000", "[::1]:4000"]
            .map(String::from)
            .to_vec()
    }

    fn d(
        host: Option<&str>,
        origin: Option<&str>,
        pq: (&str, Option<&str>),
        c: &[&str],
    ) -> Decision {
        decide(&hosts(), T, host, origin, pq, c)
    }

    #[test]
    fn the_token_in_the_url_buys_the_cookie_and_the_cookie_serves() {
        let q = format!("token={T}");
        assert_eq!(
            d(Some("127.0.0.1:4000"), None, ("/", Some(&q)), &[]),
            Decision::SetCookie
        );
        let c = format!("a=b; examready-4000={T}");
        assert_eq!(
            d(Some("localhost:4000"), None, ("/events", None), &[&c]),
            Decision::Serve
        );
        // The token counts only on the page's address, and only when right.
        assert_eq!(
            d(Some("127.0.0.1:4000"), None, ("/start", Some(&q)), &[]),
            Decision::Refuse(Refusal::Token)
        );
        assert_eq!(
            d(Some("127.0.0.1:4000"), None, ("/", Some("token=nope")), &[]),
            Decision::Refuse(Refusal::Token)
        );
        // Another port's cookie is not this one's.
        let other = format!("examready-4001={T}");
        assert_eq!(
            d(Some("127.0.0.1:4000"), None, ("/", None), &[&other]),
            Decision::Refuse(Refusal::Token)
        );
    }

    #[test]
    fn foreign_hosts_and_origins_are_refused_even_with_the_cookie() {
        let c = format!("examready-4000={T}");
        for host in [
            None,
            Some("evil.example:4000"),
            Some("127.0.0.1:80"),
            Some("127.0.0.1"),
        ] {
            assert_eq!(
                d(host, None, ("/", None), &[&c]),
                Decision::Refuse(Refusal::Host),
                "{host:?}"
            );
        }
        for origin in [
            "http://evil.example",
            "null",
            "http://localhost:4000",
            "https://127.0.0.1:4000",
        ] {
            assert_eq!(
                d(
                    Some("127.0.0.1:4000"),
                    Some(origin),
                    ("/start", None),
                    &[&c]
                ),
                Decision::Refuse(Refusal::Origin),
                "{origin}"
            );
        }
        assert_eq!(
            d(
                Some("127.0.0.1:4000"),
                Some("http://127.0.0.1:4000"),
                ("/start", None),
                &[&c]
            ),
            Decision::Serve
        );
    }
}
