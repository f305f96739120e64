//! The real Python confluent-kafka client against a registry with HTTPS (a CA made here) and
//! authentication on: HTTP Basic (`basic.auth.user.info`) and a static bearer token register and
//! round-trip a record; a reader's registration is refused with 403/40301, no credentials with
//! 401, and a client that does not trust the CA fails at the handshake. Users of a Karapace auth
//! file (a migrated Karapace deployment's clients, unchanged) register within their permission
//! and are refused outside it.

use std::time::Duration;

use schemata_registry::{AuthSettings, Config, JwtSettings, TlsSettings};
use serde_json::{Value, json};

use crate::harness::TestRegistry;
use crate::python;
use crate::security_jwt::{SigningKey, claims, jwks, settings};
use crate::security_support::TestCa;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_client_with_basic_bearer_and_a_custom_ca() {
    let (ca, other) = (TestCa::new("python CA"), TestCa::new("other CA"));
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = ca.server().write(dir.path());
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.path().join("other.pem"), other.pem()).unwrap();
    let mut users = String::new();
    for (name, role) in [("dev", "developer"), ("rita", "reader")] {
        let hash = schemata_registry::hash_password(&format!("{name}-pw")).unwrap();
        users.push_str(&format!("[users.{name}]\npassword_hash = '{hash}'\nroles = ['{role}']\n"));
    }
    std::fs::write(dir.path().join("users.toml"), users).unwrap();
    let key = SigningKey::new("py");
    std::fs::write(dir.path().join("jwks.json"), jwks(&[&key])).unwrap();
    // Karapace's format, hashes as karapace_mkpasswd makes them (see security_karapace.rs).
    let karapace = r#"{"users": [
        {"username": "kara", "algorithm": "sha256", "salt": "T1KJtx-qbVEIwmWzOn8h2w",
         "password_hash": "Ef0eAjJsZ4pcc8DnSZKeB6mn5dTENWMqMUHgmhxy2e4="},
        {"username": "karo", "algorithm": "scrypt", "salt": "Wr0CA1Dn4AiuGaWvbuS6aA",
         "password_hash": "5D5tp/HofvpijKy7YjOusi0XtcODacd/JmNv8gLS2mmj+SvKIXxdtE9O34MtNuGA2LW4Oi8tTQ0oprB92EJFBA=="}],
      "permissions": [
        {"username": "kara", "operation": "Write", "resource": "Subject:py-kara-"},
        {"username": "karo", "operation": "Read", "resource": "Subject:.*"}]}"#;
    std::fs::write(dir.path().join("karapace.json"), karapace).unwrap();
    let auth = AuthSettings {
        users_file: Some(dir.path().join("users.toml")),
        karapace_file: Some(dir.path().join("karapace.json")),
        jwt: JwtSettings { jwks_file: Some(dir.path().join("jwks.json")), ..settings() },
        ..AuthSettings::default()
    };
    let tls = TlsSettings {
        cert_path,
        key_path,
        listen: None,
        reload_interval_ms: 1000,
        client_ca_path: None,
        client_auth_required: false,
    };
    let registry = TestRegistry::start_with(|c: &mut Config| {
        c.auth = auth;
        c.tls = Some(tls);
    })
    .await;
    let url = registry.http.base.replace("http://", "https://");
    let ca_file = dir.path().join("ca.pem").to_str().unwrap().to_owned();
    let other_file = dir.path().join("other.pem").to_str().unwrap().to_owned();
    let token = key.sign(&claims("py-svc", &["developer"], 300));

    let run = |scheme: &str, secret: &str, ca: &str, topic: &str| -> Value {
        let output = python::run(
            "security_interop.py",
            &[&url, scheme, secret, ca, topic],
            Duration::from_secs(120),
        );
        assert_eq!(output.code, Some(0), "{}", output.stderr);
        serde_json::from_str(output.stdout.trim()).unwrap_or_else(|_| panic!("{}", output.stdout))
    };
    let basic = run("basic", "dev:dev-pw", &ca_file, "py-basic");
    assert_eq!(basic["record"], json!({"id": 7}), "{basic}");
    let bearer = run("bearer", &token, &ca_file, "py-bearer");
    assert_eq!(bearer["record"], json!({"id": 7}), "{bearer}");
    // The same schema: one id, whoever registered it.
    assert_eq!(basic["schema_id"], bearer["schema_id"]);

    assert_eq!(
        run("basic", "rita:rita-pw", &ca_file, "py-reader")["error"],
        json!({"status": 403, "code": 40301})
    );
    assert_eq!(
        run("basic", "dev:wrong", &ca_file, "py-wrong")["error"],
        json!({"status": 401, "code": 40101})
    );
    assert_eq!(
        run("none", "-", &ca_file, "py-none")["error"],
        json!({"status": 401, "code": 40101})
    );
    let kara = run("basic", "kara:s3cret", &ca_file, "py-kara");
    assert_eq!(kara["record"], json!({"id": 7}), "{kara}");
    for (secret, topic, status, code) in [
        ("kara:s3cret", "py-elsewhere", 403, 40301),
        ("karo:hunter2", "py-kara-read", 403, 40301),
        ("karo:hunter3", "py-kara", 401, 40101),
    ] {
        let refused = run("basic", secret, &ca_file, topic);
        assert_eq!(refused["error"], json!({"status": status, "code": code}), "{secret} {topic}");
    }

    let untrusted = run("basic", "dev:dev-pw", &other_file, "py-untrusted");
    assert!(untrusted["error"]["other"].is_string(), "{untrusted}");
}
