//! The `schemata` binary against an https registry: the TLS-terminating proxy of `client_tls` in
//! front of the test registry, trusted through `--ca-cert` or `SCHEMATA_REGISTRY_CA`, refused
//! without it (the committed test CA is not among the system roots).

use std::path::PathBuf;

use crate::cli_support::schemata;
use crate::client_tls::tls_proxy;
use crate::harness::TestRegistry;

fn ca_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data/tls").join(name);
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_reaches_an_https_registry() {
    let registry = TestRegistry::start().await;
    let upstream = registry.http.base.trim_start_matches("http://").parse().unwrap();
    let url = tls_proxy(upstream).await;
    let schema = r#"{"type":"record","name":"T","fields":[]}"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.avsc");
    std::fs::write(&file, schema).unwrap();
    let file = file.display().to_string();
    let ca = ca_file("ca.pem");

    // The CA by flag: a write and a read go through the proxy.
    let args = ["--registry", &url, "--ca-cert", &ca, "register", &file, "--subject", "tls-value"];
    schemata(args).run().await.expect_code(0);
    // The CA by environment variable, as a CI job would set it.
    let listed = schemata(["--registry", &url, "subjects"])
        .env("SCHEMATA_REGISTRY_CA", &ca)
        .run()
        .await
        .expect_code(0)
        .clone();
    assert_eq!(listed.stdout, "tls-value\n");
    assert_eq!(registry.get("/subjects").await.body, serde_json::json!(["tls-value"]));

    // An unrelated CA, or the system roots alone: the handshake fails, reported as unreachable.
    let other = ca_file("other-ca.pem");
    let bounded = ["--registry-timeout-ms", "5000"];
    for extra in [vec!["--ca-cert", other.as_str()], vec![]] {
        let mut args = vec!["--registry", url.as_str()];
        args.extend(bounded);
        args.extend(extra.iter().copied());
        args.push("subjects");
        let refused = schemata(args).run().await;
        refused.expect_code(2);
        assert!(
            refused.stderr.starts_with("error: cannot reach the registry: "),
            "{extra:?}: {}",
            refused.stderr
        );
    }
}
