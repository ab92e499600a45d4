//! The two endpoint checks against real servers on 127.0.0.1: TLS interception (a server whose
//! certificate comes from a generated root that only this run's private trust store holds, as an
//! antivirus adds its root to the OS store) and the WebSocket upgrade (a real WebSocket server,
//! and a proxy that strips the Upgrade before passing the request on).
//!
//! The private trust store is `SSL_CERT_FILE`, which the OS-store verifier reads on Linux and
//! other Unix systems (rustls-native-certs, as OpenSSL does); the public web PKI examready
//! compares with is built in and cannot be changed from outside. (Windows and macOS read their
//! own stores, which a test cannot privately extend: there these tests do not run.)
#![cfg(all(unix, not(target_os = "macos")))]

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

use crate::support::net::{Serve, check, profile};

const SHORT: &str = "test_seconds = 1\nlatency_probes = 5\nloss_packets = 100\n";

/// A certificate authority made for the test, and a server certificate for 127.0.0.1 from it.
struct Pki {
    root_pem: String,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn pki(root_cn: &str, root_o: &str) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name.push(DnType::CommonName, root_cn);
    ca.distinguished_name.push(DnType::OrganizationName, root_o);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let root = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &root)
        .unwrap();
    Pki {
        root_pem: root.pem(),
        // Interception products send their root along, as many do.
        chain: vec![leaf.der().clone(), root.der().clone()],
        key: rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    }
}

/// What a test server does with a connection (after TLS where it has a certificate).
#[derive(Clone, Copy)]
enum Behaviour {
    /// A real WebSocket server (tokio-tungstenite): completes the upgrade, echoes one message.
    WebSocket,
    /// A proxy that removes `Upgrade` and `Connection: Upgrade` and passes the request on to
    /// `upstream` (plain HTTP), relaying its answer.
    StripUpgrade { upstream: u16 },
}

/// Test servers on 127.0.0.1, on one runtime that stops when this is dropped.
struct Servers {
    rt: tokio::runtime::Runtime,
}

impl Servers {
    fn new() -> Servers {
        Servers {
            rt: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    /// Start a server; its port.
    fn start(&self, tls: Option<&Pki>, what: Behaviour) -> u16 {
        let acceptor = tls.map(|p| {
            let cfg = rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(p.chain.clone(), p.key.clone_key())
                .unwrap();
            tokio_rustls::TlsAcceptor::from(Arc::new(cfg))
        });
        let listener = self.rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        self.rt.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor {
                        Some(a) => {
                            if let Ok(s) = a.accept(tcp).await {
                                serve(s, what).await;
                            }
                        }
                        None => serve(tcp, what).await,
                    }
                });
            }
        });
        port
    }
}

async fn serve<S>(mut s: S, what: Behaviour)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    match what {
        Behaviour::WebSocket => {
            use futures_util::{SinkExt, StreamExt};
            if let Ok(mut ws) = tokio_tungstenite::accept_async(s).await
                && let Some(Ok(m)) = ws.next().await
            {
                let _ = ws.send(m).await;
            }
        }
        Behaviour::StripUpgrade { upstream } => {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16384 {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&head).into_owned();
            let mut out = String::new();
            for line in text.split("\r\n").filter(|l| !l.is_empty()) {
                let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
                if !matches!(name.as_str(), "upgrade" | "connection") {
                    out.push_str(line);
                    out.push_str("\r\n");
                }
            }
            out.push_str("Connection: close\r\n\r\n");
            let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                return;
            };
            if up.write_all(out.as_bytes()).await.is_err() {
                return;
            }
            let mut answer = Vec::new();
            let _ = up.read_to_end(&mut answer).await;
            let _ = s.write_all(&answer).await;
            let _ = s.shutdown().await;
        }
    }
}

fn endpoint(port: u16, tls: bool, websocket: Option<&str>) -> String {
    format!(
        "{{ host = \"127.0.0.1\", port = {port}, tls = {tls}{} }}",
        websocket
            .map(|p| format!(", websocket = \"{p}\""))
            .unwrap_or_default()
    )
}

#[test]
fn a_locally_added_root_is_interception_and_websockets_are_upgraded_or_named_blocked() {
    let serve = Serve::start();
    let servers = Servers::new();
    // The "antivirus" root, which the private trust store holds, and one nobody trusts.
    let av = pki("Examready Test Web Shield Root", "Examready Tests");
    let rogue = pki("Examready Untrusted Root", "Nobody");
    let intercepted = servers.start(Some(&av), Behaviour::WebSocket);
    let untrusted = servers.start(Some(&rogue), Behaviour::WebSocket);
    let plain_ws = servers.start(None, Behaviour::WebSocket);
    let stripping = servers.start(
        None,
        Behaviour::StripUpgrade {
            upstream: serve.port(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("trust-store.pem");
    std::fs::write(&store, &av.root_pem).unwrap();
    let p = profile(
        dir.path(),
        &format!(
            "{SHORT}endpoints = [{}, {}, {}, {}]",
            endpoint(intercepted, true, Some("/session")),
            endpoint(untrusted, true, None),
            endpoint(plain_ws, false, Some("/ws")),
            endpoint(stripping, false, Some("/__down?bytes=0")),
        ),
    );
    let run = check(
        &p,
        &serve.url(),
        &[],
        &[
            ("SSL_CERT_FILE", store.to_str().unwrap()),
            ("SSL_CERT_DIR", ""),
        ],
    );
    let eps = run.facts()["endpoints"].as_array().unwrap().clone();

    // Intercepted: the handshake succeeds through the private store, the public PKI refuses.
    let e = &eps[0];
    assert_eq!(e["status"], "ok", "{e:#}");
    assert_eq!(e["tls_chain"]["os_trusted"], true, "{e:#}");
    assert_eq!(e["tls_chain"]["public_trusted"], false, "{e:#}");
    assert_eq!(
        e["tls_chain"]["issuer"],
        "Examready Test Web Shield Root (Examready Tests)"
    );
    assert_eq!(e["websocket"]["upgraded"], true, "{e:#}");
    assert_eq!(e["websocket"]["http_status"], 101);
    let f = run
        .finding("net-tls-intercepted")
        .expect("an interception finding");
    assert_eq!(f["status"], "warn");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("Examready Test Web Shield Root")
            && msg.contains(&format!("127.0.0.1:{intercepted}")),
        "{msg}"
    );
    assert!(f["remedy"].as_str().unwrap().contains("HTTPS"), "{f:#}");

    // Trusted nowhere: a TLS failure, as before, naming the chain's issuer.
    let e = &eps[1];
    assert_eq!(e["status"], "tls-failed", "{e:#}");
    assert_eq!(e["tls_chain"]["os_trusted"], false, "{e:#}");
    let failures: Vec<&serde_json::Value> = run.network()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "net-endpoint-unreachable")
        .collect();
    assert_eq!(failures.len(), 1, "{failures:#?}");
    let msg = failures[0]["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("127.0.0.1:{untrusted}: TLS failed"))
            && msg.contains("Examready Untrusted Root"),
        "{msg}"
    );
    // Only one interception finding: the untrusted chain is not one.
    let intercepts = run.network()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "net-tls-intercepted")
        .count();
    assert_eq!(intercepts, 1);

    // A plain (ws://) WebSocket server upgrades.
    let e = &eps[2];
    assert_eq!(e["websocket"]["upgraded"], true, "{e:#}");
    assert!(e["tls_chain"].is_null());
    let oks: Vec<String> = run.network()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "net-websocket-ok")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(oks.len(), 2, "{oks:#?}");
    assert!(
        oks.iter()
            .any(|m| m.contains(&format!("wss://127.0.0.1:{intercepted}/session")))
    );

    // The stripping proxy: TCP is fine, the upgrade comes back as a plain 200.
    let e = &eps[3];
    assert_eq!(e["status"], "ok", "{e:#}");
    assert_eq!(e["websocket"]["upgraded"], false, "{e:#}");
    assert_eq!(e["websocket"]["http_status"], 200, "{e:#}");
    let f = run
        .finding("net-websocket-blocked")
        .expect("a blocked WebSocket");
    assert_eq!(f["status"], "fail");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("200 OK") && msg.contains("stripped"), "{msg}");
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{stripping}")),
        "{f:#}"
    );
    assert_eq!(run.code, 1, "a failed endpoint makes the run not ready");
}

#[test]
fn the_same_server_is_not_interception_when_no_store_trusts_its_root() {
    // Without the private store the generated root is trusted nowhere: TLS fails, nothing is
    // called interception, and no WebSocket is tried over a connection that was not made.
    let serve = Serve::start();
    let servers = Servers::new();
    let av = pki("Examready Test Web Shield Root", "Examready Tests");
    let port = servers.start(Some(&av), Behaviour::WebSocket);
    let dir = tempfile::tempdir().unwrap();
    let other_store = dir.path().join("other-store.pem");
    std::fs::write(&other_store, pki("Some Other Root", "Elsewhere").root_pem).unwrap();
    let p = profile(
        dir.path(),
        &format!(
            "{SHORT}endpoints = [{}]",
            endpoint(port, true, Some("/session"))
        ),
    );
    let run = check(
        &p,
        &serve.url(),
        &[],
        &[
            ("SSL_CERT_FILE", other_store.to_str().unwrap()),
            ("SSL_CERT_DIR", ""),
        ],
    );
    let e = &run.facts()["endpoints"][0];
    assert_eq!(e["status"], "tls-failed", "{e:#}");
    assert!(e["websocket"].is_null(), "{e:#}");
    assert!(run.finding("net-tls-intercepted").is_none());
    assert!(run.finding("net-websocket-blocked").is_none());
}
