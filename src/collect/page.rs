//! The dashboard's HTML frame: one page layout with inline CSS, no scripts, every
//! candidate-supplied string escaped ([`esc`]), and headers that keep the page to itself.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use crate::render::html::esc;

const CSS: &str = r#"
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; background: #f5f5f7; }
main { max-width: 80rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
.not-ready { color: #b3261e; font-weight: 600; } .ready { color: #1b7f3b; font-weight: 600; }
tr.urgent { background: #fdecea; }
code { font-size: .9em; } .dim { color: #666; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0; }
ul.codes { columns: 3; } nav { display: flex; gap: 1rem; align-items: center; }
"#;

/// A complete page.
pub fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let text = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · examready collect</title><style>{CSS}</style></head><body><main>{body}</main></body></html>",
        esc(title)
    );
    let mut r = (status, text).into_response();
    secure(&mut r, "text/html; charset=utf-8");
    r
}

/// The headers of every dashboard answer: its type, no scripts or frames or outside
/// resources, no sniffing, no referrer to other sites
/// (`same-origin`: with `no-referrer` a browser sends `Origin: null` on the page's own forms), not
/// cached.
pub fn secure(r: &mut Response, content_type: &'static str) {
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

pub fn error(status: StatusCode, message: &str) -> Response {
    html(
        status,
        "Error",
        &format!("<h1>{}</h1><p>{}</p>", status.as_u16(), esc(message)),
    )
}

pub fn login(message: Option<&str>) -> Response {
    let note = message
        .map(|m| format!("<p class=\"not-ready\">{}</p>", esc(m)))
        .unwrap_or_default();
    let status = if message.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    html(
        status,
        "Sign in",
        &format!(
            "<h1>examready collect: sign in</h1>{note}\
             <form method=\"post\" action=\"/dashboard/login\">\
             <label>Admin token or password <input type=\"password\" name=\"secret\" \
             autocomplete=\"current-password\" required autofocus></label> \
             <button>Sign in</button></form>\
             <p class=\"dim\">An admin token comes from <code>examready collect admin-token</code>; \
             the password is the server's EXAMREADY_ADMIN_PASSWORD.</p>"
        ),
    )
}

/// `key=value&...` of the non-empty pairs, each part escaped for a URL.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encoding for a query string's value (everything but unreserved characters).
pub fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            query(&[("name", "<a b>&c=d"), ("empty", ""), ("x", "é")]),
            "name=%3Ca%20b%3E%26c%3Dd&x=%C3%A9"
        );
    }
}
