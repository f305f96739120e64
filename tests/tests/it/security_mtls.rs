//! Client certificates (mTLS) over real HTTPS: the registry verifies them against a CA bundle,
//! `required` (no certificate, no handshake) or `optional` (other credentials still work), and the
//! certificate's CN is the principal the rules file gives roles to. The Rust client and the CLI
//! present certificates with `client_identity_pem` / `--client-cert`.

use schemata::{RegisterOptions, RegistryClient};
use schemata_core::{Schema, SchemaType};
use schemata_registry::{AuthSettings, Config, TlsSettings};

use crate::cli_support::schemata as cli;
use crate::harness::TestRegistry;
use crate::security_support::{Leaf, TestCa};

const RULES: &str =
    "[principals.svc-orders]\nroles = ['developer']\n\n[principals.svc-dash]\nroles = ['reader']\n";

async fn secured(ca: &TestCa, dir: &std::path::Path, required: bool) -> TestRegistry {
    let (cert_path, key_path) = ca.server().write(dir);
    std::fs::write(dir.join("client-ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("rules.toml"), RULES).unwrap();
    let hash = schemata_registry::hash_password("dev-pw").unwrap();
    std::fs::write(
        dir.join("users.toml"),
        format!("[users.dev]\npassword_hash = '{hash}'\nroles = ['developer']\n"),
    )
    .unwrap();
    let tls = TlsSettings {
        cert_path,
        key_path,
        listen: None,
        reload_interval_ms: 1000,
        client_ca_path: Some(dir.join("client-ca.pem")),
        client_auth_required: required,
    };
    let auth = AuthSettings {
        rules_file: Some(dir.join("rules.toml")),
        users_file: Some(dir.join("users.toml")),
        ..AuthSettings::default()
    };
    TestRegistry::start_with(|c: &mut Config| {
        c.tls = Some(tls);
        c.auth = auth;
    })
    .await
}

fn client(url: &str, ca: &TestCa, identity: Option<&Leaf>) -> RegistryClient {
    let mut builder = RegistryClient::builder().url(url).retries(0, 10, 10).ca_cert_pem(ca.pem());
    if let Some(leaf) = identity {
        builder = builder.client_identity_pem(format!("{}{}", leaf.cert_pem, leaf.key_pem));
    }
    builder.build().unwrap()
}

fn schema() -> Schema {
    Schema::parse(SchemaType::Avro, r#"{"type":"record","name":"M","fields":[]}"#).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_client_certificates_name_the_principal() {
    let (ca, rogue) = (TestCa::new("mtls CA"), TestCa::new("rogue CA"));
    let dir = tempfile::tempdir().unwrap();
    let registry = secured(&ca, dir.path(), true).await;
    let url = registry.http.base.replace("http://", "https://");

    let orders = ca.client("svc-orders");
    let id = client(&url, &ca, Some(&orders))
        .register("mtls-value", &schema(), RegisterOptions::default())
        .await
        .unwrap();
    assert_eq!(id.0, 1);
    // A reader's certificate: reads yes, writes 403 naming it.
    let dash = client(&url, &ca, Some(&ca.client("svc-dash")));
    assert_eq!(dash.subjects(None, Default::default()).await.unwrap(), ["mtls-value"]);
    let error =
        dash.register("mtls-value", &schema(), RegisterOptions::default()).await.unwrap_err();
    assert!(error.to_string().contains("svc-dash"), "{error}");
    // No certificate, or one from another CA: no handshake at all.
    for identity in [None, Some(&rogue.client("svc-orders"))] {
        let error =
            client(&url, &ca, identity).subjects(None, Default::default()).await.unwrap_err();
        assert!(matches!(error, schemata::Error::Http { .. }), "{error:?}");
    }

    // The CLI with --client-cert (certificate and key in one file).
    let pem = dir.path().join("orders.pem");
    std::fs::write(&pem, format!("{}{}", orders.cert_pem, orders.key_pem)).unwrap();
    let ca_file = dir.path().join("client-ca.pem").display().to_string();
    let args = [
        "--registry",
        &url,
        "--ca-cert",
        &ca_file,
        "--client-cert",
        &pem.display().to_string(),
        "subjects",
    ];
    let listed = cli(args).run().await.expect_code(0).clone();
    assert_eq!(listed.stdout, "mtls-value\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optional_client_certificates_leave_other_credentials_working() {
    let ca = TestCa::new("mtls CA");
    let dir = tempfile::tempdir().unwrap();
    let registry = secured(&ca, dir.path(), false).await;
    let url = registry.http.base.replace("http://", "https://");
    let with_cert = client(&url, &ca, Some(&ca.client("svc-orders")));
    with_cert.register("opt-value", &schema(), RegisterOptions::default()).await.unwrap();
    // No certificate: Basic works, nothing at all is a 401.
    let basic = RegistryClient::builder()
        .url(&url)
        .retries(0, 10, 10)
        .ca_cert_pem(ca.pem())
        .basic_auth("dev", "dev-pw")
        .build()
        .unwrap();
    assert_eq!(basic.subjects(None, Default::default()).await.unwrap(), ["opt-value"]);
    let error = client(&url, &ca, None).subjects(None, Default::default()).await.unwrap_err();
    assert!(matches!(error, schemata::Error::Registry { status: 401, .. }), "{error:?}");
}
