/*!
Secrets out of URLs before they are recorded or printed.

A measurement server or proxy URL may carry a password (`http://user:password@host/`) or a token
in its query (`?token=...`). Reports, the history, progress lines and error messages show the
URL through [`url`], which keeps what identifies the server (scheme, host, port, path, query
keys) and replaces the rest with `***`. Connections still use the URL as given.
*/

/// What replaces a secret.
pub const MASK: &str = "***";

/// `url` with its user info replaced by `***` (`http://***@host/`) and every query and fragment
/// value by `***` (keys kept: `?token=***&v=***`). Anything else is kept as written: no scheme
/// (`proxy:8080`, `user:pw@proxy:8080`), IPv6 hosts, text that is not a URL at all. When the
/// text cannot be parsed, everything before its last `@` counts as user info: a password with
/// an unencoded `/`, `?` or `#` in it is hidden too, at the cost of hiding more than needed.
pub fn url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) if is_scheme(&url[..i]) => url.split_at(i + 3),
        _ => ("", url),
    };
    let rest = match userinfo_end(url, scheme, rest) {
        Some(at) => format!("{MASK}{}", &rest[at..]),
        None => rest.to_string(),
    };
    format!("{scheme}{}", mask_query(&rest))
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The byte offset in `rest` of the `@` that ends the user info, if there is user info.
fn userinfo_end(whole: &str, scheme: &str, rest: &str) -> Option<usize> {
    if !scheme.is_empty()
        && let Ok(parsed) = reqwest::Url::parse(whole)
    {
        // Parsed as a URL: the authority ends at the first `/`, `?`, `#` (or `\` for http and
        // the like), and its user info at the authority's last `@`, as the URL parser reads it.
        if parsed.username().is_empty() && parsed.password().is_none() {
            return None;
        }
        let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
        return rest[..authority_end].rfind('@');
    }
    rest.rfind('@')
}

/// `?a=1&b` -> `?a=***&***`, the same for the fragment; the part before `?`/`#` unchanged.
fn mask_query(s: &str) -> String {
    let (head, fragment) = match s.split_once('#') {
        Some((h, f)) => (h, Some(f)),
        None => (s, None),
    };
    let (base, query) = match head.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (head, None),
    };
    let mut out = base.to_string();
    if let Some(q) = query {
        out.push('?');
        out.push_str(&mask_pairs(q));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(&mask_pairs(f));
    }
    out
}

fn mask_pairs(s: &str) -> String {
    s.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !value.is_empty() => format!("{key}={MASK}"),
            Some(_) => pair.to_string(),
            None if pair.is_empty() => String::new(),
            None => MASK.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::url;

    #[test]
    fn user_info_is_masked() {
        assert_eq!(url("http://user:pw@host/"), "http://***@host/");
        assert_eq!(
            url("https://user:s3cret@speed.example.org:8443/base/"),
            "https://***@speed.example.org:8443/base/"
        );
        // A user without a password, and a password without a user.
        assert_eq!(url("http://alice@host:80/x"), "http://***@host:80/x");
        assert_eq!(url("http://:pw@host/"), "http://***@host/");
        // An unencoded @ in the password: the authority's last @ ends the user info.
        assert_eq!(url("http://u:p@ss@host/"), "http://***@host/");
        assert_eq!(url("socks5://u:p@proxy:1080"), "socks5://***@proxy:1080");
    }

    #[test]
    fn query_and_fragment_values_are_masked_keys_kept() {
        assert_eq!(
            url("http://host/?token=abc123&mode=fast"),
            "http://host/?token=***&mode=***"
        );
        assert_eq!(url("http://host/p?abc123"), "http://host/p?***");
        assert_eq!(url("http://host/p?empty=&x"), "http://host/p?empty=&***");
        assert_eq!(
            url("http://u:pw@host/p?k=v#access_token=xyz&state=1"),
            "http://***@host/p?k=***#access_token=***&state=***"
        );
        assert_eq!(url("http://host/#section"), "http://host/#***");
        // An @ in a query value is not user info.
        assert_eq!(
            url("http://host/?mail=a@b.example"),
            "http://host/?mail=***"
        );
        assert_eq!(url("http://host/a@b"), "http://host/a@b");
    }

    #[test]
    fn no_scheme() {
        assert_eq!(url("proxy:8080"), "proxy:8080");
        assert_eq!(url("proxy.corp:3128"), "proxy.corp:3128");
        assert_eq!(url("user:pw@proxy:8080"), "***@proxy:8080");
        assert_eq!(url("host:80/?t=1"), "host:80/?t=***");
    }

    #[test]
    fn ipv6_hosts() {
        assert_eq!(url("http://[::1]:8765/"), "http://[::1]:8765/");
        assert_eq!(
            url("http://u:p@[::1]:8765/?t=x"),
            "http://***@[::1]:8765/?t=***"
        );
        assert_eq!(
            url("http://u:p@[fe80::1%25eth0]/"),
            "http://***@[fe80::1%25eth0]/"
        );
    }

    #[test]
    fn garbage_hides_everything_before_the_last_at() {
        // Not a URL (the password has a / and a #, unencoded): nothing of it survives.
        assert_eq!(url("http://u:pa/ss@host/"), "http://***@host/");
        assert_eq!(url("http://u:p#ss@host/"), "http://***@host/");
        assert_eq!(
            url("http://user:s3cret@host:notaport/"),
            "http://***@host:notaport/"
        );
        assert_eq!(url(""), "");
        assert_eq!(url("@"), "***@");
        assert_eq!(url("://"), "://");
        assert_eq!(url("not a url at all"), "not a url at all");
        assert_eq!(url("ftp://x?"), "ftp://x?");
        // Idempotent: a masked URL stays as it is.
        let once = url("http://u:p@host/?t=1#f");
        assert_eq!(url(&once), once);
    }
}
