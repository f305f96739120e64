//! The registry client over https with a custom CA (feature `tls`): a real TLS handshake against
//! a TLS-terminating proxy in front of the test registry, with committed test certificates
//! (tests/test_data/tls: a CA, and a server certificate for 127.0.0.1 it signed; an unrelated CA).

use std::path::PathBuf;
use std::sync::Arc;

use schemata::{Error, ReadOptions, RegisterOptions, RegistryClient};
use schemata_core::{Schema, SchemaType};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::harness::TestRegistry;

fn tls_file(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data/tls").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Terminates TLS on a loopback port and forwards plain bytes to `upstream`; returns the https
/// base URL. The proxy task ends with the test's runtime.
pub(crate) async fn tls_proxy(upstream: std::net::SocketAddr) -> String {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&tls_file("server.pem")).collect::<Result<_, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_slice(&tls_file("server.key")).unwrap();
    let config =
        ServerConfig::builder().with_no_client_auth().with_single_cert(certs, key).unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A failed handshake (an untrusting client) just ends this connection.
                let Ok(mut tls) = acceptor.accept(socket).await else { return };
                let Ok(mut plain) = TcpStream::connect(upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    format!("https://127.0.0.1:{}", addr.port())
}

fn client(url: &str, ca: Option<&str>) -> Result<RegistryClient, Error> {
    let mut builder = RegistryClient::builder().url(url).retries(0, 10, 10).timeout_ms(5_000);
    if let Some(ca) = ca {
        builder = builder.ca_cert_pem(tls_file(ca));
    }
    builder.build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_custom_ca() {
    let registry = TestRegistry::start().await;
    let upstream = registry.http.base.trim_start_matches("http://").parse().unwrap();
    let url = tls_proxy(upstream).await;
    let schema =
        Schema::parse(SchemaType::Avro, r#"{"type":"record","name":"T","fields":[]}"#).unwrap();

    // Trusting the CA that signed the server's certificate: the whole API works over TLS.
    let trusted = client(&url, Some("ca.pem")).unwrap();
    let id = trusted.register("tls-value", &schema, RegisterOptions::default()).await.unwrap();
    assert_eq!(
        trusted.subjects(None, ReadOptions::default()).await.unwrap(),
        vec!["tls-value".to_string()]
    );
    assert_eq!(trusted.schema_by_id(id).await.unwrap().id, id);

    // Trusting only an unrelated CA, or the system roots: the handshake fails, nothing is sent.
    for ca in [Some("other-ca.pem"), None] {
        let error =
            client(&url, ca).unwrap().subjects(None, ReadOptions::default()).await.unwrap_err();
        assert!(matches!(error, Error::Http { .. }), "{ca:?}: {error:?}");
    }
    let registry_subjects = registry.get("/subjects").await.body;
    assert_eq!(registry_subjects, serde_json::json!(["tls-value"]));
}

#[test]
fn a_ca_file_without_certificates_is_a_config_error() {
    for pem in
        [&b""[..], b"not a pem", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
    {
        let error = RegistryClient::builder().url("https://127.0.0.1:1").ca_cert_pem(pem).build();
        assert!(matches!(error, Err(Error::Config(_))), "{pem:?}: {error:?}");
    }
}
