//! What the security tests share: certificate authorities and certificates made on the spot with
//! rcgen (so no key material is committed and a reload test can mint a second certificate), and
//! an https client that trusts exactly the CAs it is given.
#![allow(dead_code, reason = "helpers shared by the security test modules, not each used by all")]

use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};

use crate::harness::WAIT;

/// A certificate authority that signs server and client certificates.
pub(crate) struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

/// A certificate and its private key, both PEM.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
}

impl TestCa {
    pub(crate) fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
        let key = KeyPair::generate().expect("ca key");
        TestCa { issuer: CertifiedIssuer::self_signed(params, key).expect("ca cert") }
    }

    pub(crate) fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for 127.0.0.1 and localhost.
    pub(crate) fn server(&self) -> Leaf {
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        params.subject_alt_names.push(SanType::IpAddress([127, 0, 0, 1].into()));
        params.distinguished_name.push(DnType::CommonName, "127.0.0.1");
        self.sign(params)
    }

    /// A client certificate whose subject CN is `name`.
    pub(crate) fn client(&self, name: &str) -> Leaf {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> Leaf {
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        Leaf { cert_pem: cert.pem(), key_pem: key.serialize_pem() }
    }
}

impl Leaf {
    /// Writes `cert.pem` and `key.pem` into `dir` and returns their paths.
    pub(crate) fn write(&self, dir: &Path) -> (PathBuf, PathBuf) {
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert, &self.cert_pem).expect("write cert");
        std::fs::write(&key, &self.key_pem).expect("write key");
        (cert, key)
    }
}

/// An https client trusting only `cas`, opening a new connection for every request (so each
/// request is a fresh handshake, as a reload test needs).
pub(crate) fn https_client(cas: &[&TestCa]) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .timeout(WAIT)
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(0)
        .tls_certs_only(
            cas.iter().map(|ca| reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap()),
        );
    builder = builder.https_only(true);
    builder.build().expect("https client")
}
