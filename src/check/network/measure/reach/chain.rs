//! TLS interception: one handshake, its chain checked twice. The handshake trusts what this
//! computer trusts (the platform verifier: the OS store); the same chain is also checked against
//! the public web PKI (Mozilla's roots, `webpki-roots`). A vendor's chain that only the OS store
//! accepts ends in a root someone added to this computer: antivirus HTTPS scanning or a company
//! proxy decrypting the connection.

use std::sync::{Arc, Mutex};

use tokio_rustls::rustls;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::check::network::TlsChainFacts;

/// The two verifiers every endpoint's handshake uses, built once per run.
#[derive(Clone)]
pub(super) struct Verifiers {
    os: Arc<dyn ServerCertVerifier>,
    public: Arc<dyn ServerCertVerifier>,
}

impl Verifiers {
    /// The OS store (the platform verifier) and the public web PKI.
    pub(super) fn new(provider: Arc<CryptoProvider>) -> Result<Verifiers, String> {
        let os = rustls_platform_verifier::Verifier::new(provider.clone())
            .map_err(|e| format!("no trusted certificates to check TLS against: {e}"))?;
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let public = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| format!("the public web PKI's roots could not be loaded: {e}"))?;
        Ok(Verifiers {
            os: Arc::new(os),
            public,
        })
    }

    /// A client configuration for one handshake, `base` with a verifier that records the chain.
    /// Resumption is off: a resumed session presents no chain.
    pub(super) fn config(
        &self,
        base: &rustls::ClientConfig,
    ) -> (Arc<rustls::ClientConfig>, Arc<Recorder>) {
        let rec = Arc::new(Recorder {
            verifiers: self.clone(),
            seen: Mutex::new(None),
        });
        let mut cfg = base.clone();
        cfg.resumption = rustls::client::Resumption::disabled();
        cfg.dangerous().set_certificate_verifier(rec.clone());
        (Arc::new(cfg), rec)
    }
}

/// Verifies with the OS store (its answer decides the handshake) and records the chain and the
/// public web PKI's opinion of it.
#[derive(Debug)]
pub(super) struct Recorder {
    verifiers: Verifiers,
    seen: Mutex<Option<TlsChainFacts>>,
}

impl std::fmt::Debug for Verifiers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifiers")
    }
}

impl Recorder {
    /// What the handshake's chain showed, if the server presented one.
    pub(super) fn seen(&self) -> Option<TlsChainFacts> {
        self.seen.lock().map(|s| s.clone()).unwrap_or(None)
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let os = self.verifiers.os.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let public = self.verifiers.public.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let top = intermediates.last().unwrap_or(end_entity);
        let facts = TlsChainFacts {
            issuer: issuer_name(top),
            os_trusted: os.is_ok(),
            public_trusted: public.is_ok(),
            public_error: public.err().map(|e| e.to_string()),
        };
        if let Ok(mut s) = self.seen.lock() {
            *s = Some(facts);
        }
        os
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifiers.os.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifiers.os.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.verifiers.os.supported_verify_schemes()
    }
}

// --- the issuer's name, read from the certificate ---------------------------------------------

/// The issuer of an X.509 certificate as a person reads it: its common name, and its
/// organisation (or unit) where that adds something (`"Avast Web/Mail Shield Root"`,
/// `"Example Root CA (Example Corp)"`). None when the certificate cannot be read.
pub(crate) fn issuer_name(cert: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert).ok()?;
    let issuer = cert.issuer();
    let text = |v: Option<&x509_parser::x509::AttributeTypeAndValue>| {
        let s: String = v?
            .as_str()
            .ok()?
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        let s = s.trim();
        (!s.is_empty()).then(|| s.chars().take(200).collect::<String>())
    };
    let cn = text(issuer.iter_common_name().next());
    let o = text(issuer.iter_organization().next())
        .or_else(|| text(issuer.iter_organizational_unit().next()));
    match (cn, o) {
        (Some(cn), Some(o)) if !cn.contains(&o) => Some(format!("{cn} ({o})")),
        (Some(cn), _) => Some(cn),
        (None, o) => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leaf certificate issued by a generated root named `cn` (and `o`).
    fn cert(cn: &str, o: Option<&str>) -> Vec<u8> {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name.push(rcgen::DnType::CommonName, cn);
        if let Some(o) = o {
            ca.distinguished_name
                .push(rcgen::DnType::OrganizationName, o);
        }
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let root =
            rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().unwrap()).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        rcgen::CertificateParams::new(vec!["example.org".to_string()])
            .unwrap()
            .signed_by(&key, &root)
            .unwrap()
            .der()
            .to_vec()
    }

    #[test]
    fn issuer_names_read_from_generated_certificates() {
        assert_eq!(
            issuer_name(&cert("Avast Web/Mail Shield Root", None)).as_deref(),
            Some("Avast Web/Mail Shield Root")
        );
        assert_eq!(
            issuer_name(&cert("Inspection CA", Some("Example Corp"))).as_deref(),
            Some("Inspection CA (Example Corp)")
        );
        assert_eq!(
            issuer_name(&cert("Example Corp Root", Some("Example Corp"))).as_deref(),
            Some("Example Corp Root")
        );
        assert_eq!(
            issuer_name(&cert("Ünïcode Root", None)).as_deref(),
            Some("Ünïcode Root")
        );
    }

    #[test]
    fn garbage_and_truncated_certificates_have_no_issuer() {
        let good = cert("Root", None);
        for n in [0, 1, 2, 10, 40, good.len() / 3] {
            assert_eq!(issuer_name(&good[..n]), None, "{n} bytes");
        }
        assert_eq!(issuer_name(b"not a certificate at all"), None);
        assert_eq!(issuer_name(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
    }
}
