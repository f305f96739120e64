//! HTTPS for the registry: the rustls server configuration built from PEM files (certificate
//! chain and private key), TLS 1.2 and 1.3 only, and its reload without a restart when the files
//! change or on SIGHUP, because certificates are rotated under a running server (cert-manager and
//! the like). A reload that fails (a half-written file, a key that does not match) keeps serving
//! the previous certificate and logs why; the next change is tried again.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig, version};

/// Where the certificate and key are, and how often to look for new ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM file with the server certificate first, then its intermediates.
    pub cert_path: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub key_path: PathBuf,
    /// A second listener for HTTPS, so one server answers plain HTTP on `listen` and HTTPS
    /// here; `None` makes `listen` itself HTTPS-only.
    pub listen: Option<String>,
    /// How often the files are checked for changes, in milliseconds (SIGHUP reloads at once).
    pub reload_interval_ms: u64,
    /// PEM bundle of the CAs whose client certificates are accepted (mTLS); `None`: clients
    /// present none. The certificate's subject CN (else its first DNS, email or URI SAN) is
    /// the principal.
    pub client_ca_path: Option<PathBuf>,
    /// With `client_ca_path`: refuse the handshake without a client certificate (`true`), or
    /// accept it and authenticate the request by other means (`false`).
    pub client_auth_required: bool,
}

impl TlsSettings {
    /// Default of `reload_interval_ms`: a stat of two files per second costs nothing.
    pub const DEFAULT_RELOAD_INTERVAL_MS: u64 = 1000;
}

/// Why the TLS files cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{path}: {message}")]
    BadPem { path: PathBuf, message: String },
    #[error("certificate {cert} and key {key} cannot be used together: {message}")]
    Unusable { cert: PathBuf, key: PathBuf, message: String },
}

/// The live TLS configuration of a listener: each new connection takes the current one, so a
/// reload applies to the next handshake and never disturbs connections already open.
#[derive(Debug)]
pub(crate) struct Tls {
    settings: TlsSettings,
    current: RwLock<Arc<ServerConfig>>,
    /// Modification stamps of the files as last tried, so an unchanged file is not re-read
    /// and a broken one is reported once per change rather than once per poll.
    tried: Mutex<Stamps>,
}

/// (modified time, length) of the certificate, key and client CA files; `None` when unreadable
/// or absent.
type Stamps = [Option<(SystemTime, u64)>; 3];

impl Tls {
    /// Loads the files once; an error here stops the server from starting.
    pub(crate) fn load(settings: TlsSettings) -> Result<Tls, TlsError> {
        let stamps = stamps(&settings);
        let config = build(&settings)?;
        Ok(Tls { settings, current: RwLock::new(Arc::new(config)), tried: Mutex::new(stamps) })
    }

    /// The acceptor for one new connection, with the configuration in force now.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner)))
    }

    /// Reloads if the files changed since the last try (or always with `force`). Returns `None`
    /// when nothing changed, else whether the new configuration is now in force; a failure
    /// leaves the old one and is logged.
    pub(crate) fn reload(&self, force: bool) -> Option<bool> {
        let now = stamps(&self.settings);
        {
            let mut tried = self.tried.lock().unwrap_or_else(PoisonError::into_inner);
            if !force && *tried == now {
                return None;
            }
            *tried = now;
        }
        match build(&self.settings) {
            Ok(config) => {
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(config);
                tracing::info!(cert = %self.settings.cert_path.display(), "TLS certificate reloaded");
                Some(true)
            }
            Err(error) => {
                tracing::warn!(%error, "TLS reload failed; still serving the previous certificate");
                Some(false)
            }
        }
    }

    /// Watches the files (every `reload_interval_ms`) and SIGHUP until `stop` resolves.
    /// Each reload's outcome is counted in `shared`'s metrics.
    pub(crate) fn spawn_reloader(
        self: &Arc<Tls>,
        shared: Arc<crate::shared::Shared>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let tls = Arc::clone(self);
        let every = Duration::from_millis(tls.settings.reload_interval_ms.max(10));
        // Registered before returning (not in the task), so a SIGHUP sent as soon as the server
        // says it listens reloads rather than killing the process.
        #[cfg(unix)]
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                #[cfg(unix)]
                let sighup = async {
                    match hangup.as_mut() {
                        Some(signal) => signal.recv().await,
                        None => std::future::pending().await,
                    }
                };
                #[cfg(not(unix))]
                let sighup = std::future::pending::<Option<()>>();
                tokio::select! {
                    _ = tick.tick() => {
                        let tls = Arc::clone(&tls);
                        // Reading files and parsing keys is blocking work.
                        let outcome = tokio::task::spawn_blocking(move || tls.reload(false)).await;
                        if let Ok(Some(ok)) = outcome {
                            shared.metrics.observe_tls_reload(ok);
                        }
                    }
                    _ = sighup => {
                        tracing::info!("SIGHUP: reloading the TLS certificate");
                        let tls = Arc::clone(&tls);
                        let outcome = tokio::task::spawn_blocking(move || tls.reload(true)).await;
                        if let Ok(Some(ok)) = outcome {
                            shared.metrics.observe_tls_reload(ok);
                        }
                    }
                    _ = stop.changed() => return,
                }
            }
        });
    }
}

/// The principal a verified client certificate names: its subject CN, else its first DNS,
/// email or URI subject alternative name.
pub(crate) fn principal(cert: &CertificateDer<'_>) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    let cn = cert.subject().iter_common_name().find_map(|cn| cn.as_str().ok());
    if let Some(cn) = cn.filter(|cn| !cn.is_empty()) {
        return Some(cn.to_owned());
    }
    let san = cert.subject_alternative_name().ok()??;
    san.value.general_names.iter().find_map(|name| match name {
        x509_parser::extensions::GeneralName::DNSName(name)
        | x509_parser::extensions::GeneralName::RFC822Name(name)
        | x509_parser::extensions::GeneralName::URI(name) => Some((*name).to_owned()),
        _ => None,
    })
}

fn stamps(settings: &TlsSettings) -> Stamps {
    let stamp = |path: &Path| {
        let meta = std::fs::metadata(path).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    };
    let ca = settings.client_ca_path.as_deref().and_then(stamp);
    [stamp(&settings.cert_path), stamp(&settings.key_path), ca]
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path)
        .map_err(|e| TlsError::Read { path: path.to_path_buf(), message: e.to_string() })
}

/// The certificates of a PEM file, in order.
pub(crate) fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadPem { path: path.to_path_buf(), message: e.to_string() })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { path: path.to_path_buf() });
    }
    Ok(certs)
}

/// The process-independent crypto provider: naming it here means no global default has to be
/// installed, and a build that links more than one provider still works.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider())
}

fn build(settings: &TlsSettings) -> Result<ServerConfig, TlsError> {
    let certs = certificates(&settings.cert_path)?;
    let key_pem = read(&settings.key_path)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::BadPem {
        path: settings.key_path.clone(),
        message: format!("no usable private key ({e})"),
    })?;
    let unusable = |message: String| TlsError::Unusable {
        cert: settings.cert_path.clone(),
        key: settings.key_path.clone(),
        message,
    };
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&version::TLS13, &version::TLS12])
        .map_err(|e| unusable(e.to_string()))?;
    let builder = match &settings.client_ca_path {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(path)? {
                roots.add(cert).map_err(|e| TlsError::BadPem {
                    path: path.clone(),
                    message: format!("not a usable CA certificate ({e})"),
                })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider());
            let verifier = if settings.client_auth_required {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            let verifier = verifier
                .build()
                .map_err(|e| TlsError::BadPem { path: path.clone(), message: e.to_string() })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| unusable(e.to_string()))?;
    // Only HTTP/1.1 is served; saying so lets clients that offer h2 settle at once.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cert: &[u8], key: &[u8], expected: &str) {
        let dir = tempfile::tempdir().unwrap();
        let settings = TlsSettings {
            cert_path: dir.path().join("cert.pem"),
            key_path: dir.path().join("key.pem"),
            listen: None,
            reload_interval_ms: 1000,
            client_ca_path: None,
            client_auth_required: false,
        };
        std::fs::write(&settings.cert_path, cert).unwrap();
        std::fs::write(&settings.key_path, key).unwrap();
        let error = Tls::load(settings).map(|_| ()).unwrap_err().to_string();
        assert!(error.contains(expected), "{error:?} lacks {expected:?}");
    }

    #[test]
    fn unusable_files_are_typed_errors() {
        check(b"", b"", "holds no PEM certificate");
        check(b"not pem at all", b"", "holds no PEM certificate");
        check(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n", b"", "cert.pem");
        let cert = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        check(cert, b"", "no usable private key");
        check(cert, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "cannot");
    }

    #[test]
    fn loads_a_chain_and_key_and_reloads_only_on_change() {
        let test_data = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/test_data/tls/");
        let settings = TlsSettings {
            cert_path: format!("{test_data}server.pem").into(),
            key_path: format!("{test_data}server.key").into(),
            listen: None,
            reload_interval_ms: 1000,
            client_ca_path: None,
            client_auth_required: false,
        };
        let tls = Tls::load(settings).unwrap();
        assert_eq!(tls.reload(false), None, "unchanged files are not read again");
        assert_eq!(tls.reload(true), Some(true));
    }

    #[test]
    fn missing_files_name_the_path() {
        let settings = TlsSettings {
            cert_path: "/nonexistent/cert.pem".into(),
            key_path: "/nonexistent/key.pem".into(),
            listen: None,
            reload_interval_ms: 1000,
            client_ca_path: None,
            client_auth_required: false,
        };
        let error = Tls::load(settings).map(|_| ()).unwrap_err();
        assert!(matches!(&error, TlsError::Read { path, .. } if path.ends_with("cert.pem")));
    }
}
