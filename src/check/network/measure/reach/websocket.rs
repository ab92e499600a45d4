//! The WebSocket upgrade check (RFC 6455 section 4): on a connected endpoint (after TLS where it
//! uses TLS), `GET path` with `Upgrade: websocket`; only `101 Switching Protocols` with
//! `Upgrade: websocket`, `Connection: Upgrade` and the right `Sec-WebSocket-Accept` passes. A
//! proxy or firewall that lets TCP and TLS through may still refuse or strip the Upgrade.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, timeout};

use super::super::{STEP, ms};
use crate::check::network::{WebSocketFacts, round2};

/// The GUID every WebSocket server appends to the key (RFC 6455 section 1.3).
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// A response head larger than this is not a WebSocket server's answer.
const MAX_HEAD: usize = 16 * 1024;

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`.
pub(crate) fn accept_key(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.as_bytes());
    h.update(GUID.as_bytes());
    B64.encode(h.finalize())
}

/// Try the upgrade on `io`; `host_header` is `host` or `host:port`, `nonce` 16 random bytes.
pub(super) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    host_header: &str,
    path: &str,
    nonce: [u8; 16],
) -> WebSocketFacts {
    let key = B64.encode(nonce);
    let mut f = WebSocketFacts {
        path: path.to_string(),
        upgraded: false,
        status_line: None,
        http_status: None,
        error: None,
        ms: None,
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: examready/{}\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    let t = Instant::now();
    let head = match timeout(STEP, async {
        io.write_all(request.as_bytes()).await?;
        io.flush().await?;
        read_head(io).await
    })
    .await
    {
        Err(_) => {
            f.error = Some(format!(
                "no answer to the WebSocket upgrade within {} s",
                STEP.as_secs()
            ));
            return f;
        }
        Ok(Err(e)) => {
            f.error = Some(format!(
                "the connection broke during the WebSocket upgrade: {e}"
            ));
            return f;
        }
        Ok(Ok(head)) => head,
    };
    f.ms = Some(round2(ms(t.elapsed())));
    judge_response(&head, &key, &mut f);
    f
}

/// Read up to the blank line that ends the response head.
async fn read_head<S: AsyncRead + Unpin>(io: &mut S) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = io.read(&mut buf).await?;
        if n == 0 {
            return if head.is_empty() {
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "closed without an answer",
                ))
            } else {
                Ok(head)
            };
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(end);
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Ok(head);
        }
    }
}

/// Fill in what the response head shows.
fn judge_response(head: &[u8], key: &str, f: &mut WebSocketFacts) {
    let text = String::from_utf8_lossy(head);
    let status_line: String = text
        .split("\r\n")
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let code = status_line
        .strip_prefix("HTTP/")
        .and_then(|r| r.split_whitespace().nth(1))
        .and_then(|c| c.parse::<u16>().ok());
    f.status_line = Some(status_line.clone());
    f.http_status = code;
    let Some(code) = code else {
        f.error = Some("the answer is not HTTP".into());
        return;
    };
    let header = |name: &str| {
        text.split("\r\n").skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    if code != 101 {
        f.error = Some(match header("upgrade") {
            None => "no Upgrade in the answer: refused or stripped on the way".to_string(),
            Some(_) => "the server refused the Upgrade".to_string(),
        });
        return;
    }
    let upgrade = header("upgrade").unwrap_or_default();
    let connection = header("connection").unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        f.error = Some("101 without `Upgrade: websocket`".into());
    } else if !connection
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
    {
        f.error = Some("101 without `Connection: Upgrade`".into());
    } else if header("sec-websocket-accept").as_deref() != Some(accept_key(key).as_str()) {
        f.error = Some(
            "101 with a wrong Sec-WebSocket-Accept: something in the path answered instead of the server"
                .into(),
        );
    } else {
        f.upgraded = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_of_rfc_6455_example() {
        // RFC 6455 section 1.3.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    fn judged(head: &str, key: &str) -> WebSocketFacts {
        let mut f = WebSocketFacts {
            path: "/".into(),
            upgraded: false,
            status_line: None,
            http_status: None,
            error: None,
            ms: None,
        };
        judge_response(head.as_bytes(), key, &mut f);
        f
    }

    #[test]
    fn responses_are_read_precisely() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let ok = judged(
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            key,
        );
        assert!(ok.upgraded, "{ok:?}");
        assert_eq!(ok.http_status, Some(101));
        let wrong = judged(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: AAAA",
            key,
        );
        assert!(!wrong.upgraded);
        assert!(wrong.error.unwrap().contains("wrong Sec-WebSocket-Accept"));
        let forbidden = judged("HTTP/1.1 403 Forbidden\r\nContent-Length: 0", key);
        assert_eq!(forbidden.http_status, Some(403));
        assert_eq!(
            forbidden.status_line.as_deref(),
            Some("HTTP/1.1 403 Forbidden")
        );
        assert!(forbidden.error.unwrap().contains("stripped"));
        let stripped = judged(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade",
            key,
        );
        assert!(stripped.error.unwrap().contains("Upgrade: websocket"));
        let junk = judged("SSH-2.0-OpenSSH_9.6", key);
        assert_eq!(junk.http_status, None);
        assert!(junk.error.unwrap().contains("not HTTP"));
    }
}
