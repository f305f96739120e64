//! The registry over real HTTPS on 127.0.0.1: an HTTPS-only listener, plain and HTTPS listeners
//! side by side, the certificate replaced under clients that keep connecting (and a broken
//! replacement that keeps the old one), and SIGHUP reloading the real binary.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use schemata_registry::TlsSettings;

use crate::harness::{ChildRegistry, TestRegistry, WAIT};
use crate::security_support::{TestCa, https_client};

const SCHEMA: &str = r#"{"type":"record","name":"T","fields":[{"name":"a","type":"int"}]}"#;

fn settings(dir: &std::path::Path, listen: Option<&str>, reload_ms: u64) -> TlsSettings {
    TlsSettings {
        cert_path: dir.join("cert.pem"),
        key_path: dir.join("key.pem"),
        listen: listen.map(str::to_owned),
        reload_interval_ms: reload_ms,
        client_ca_path: None,
        client_auth_required: false,
    }
}

/// Whether a GET of `url` with `client` answers 200 (a refused handshake is `false`).
async fn answers(client: &reqwest::Client, url: &str) -> bool {
    matches!(client.get(url).send().await, Ok(response) if response.status() == 200)
}

/// Polls `condition` until it holds, bounded by `WAIT`.
async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT;
    while !condition().await {
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_only_listener() {
    let (ca, other) = (TestCa::new("tls test CA"), TestCa::new("unrelated CA"));
    let dir = tempfile::tempdir().unwrap();
    ca.server().write(dir.path());
    let tls = settings(dir.path(), None, 1000);
    let registry = TestRegistry::start_with(|c| c.tls = Some(tls)).await;
    let addr = registry.http.base.trim_start_matches("http://").to_owned();
    let https = format!("https://{addr}");

    let client = https_client(&[&ca]);
    let reply = client
        .post(format!("{https}/subjects/tls-value/versions"))
        .json(&serde_json::json!({ "schema": SCHEMA }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let subjects: serde_json::Value =
        client.get(format!("{https}/subjects")).send().await.unwrap().json().await.unwrap();
    assert_eq!(subjects, serde_json::json!(["tls-value"]));

    // TLS 1.2 is accepted as well as 1.3.
    let tls12 = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap()])
        .tls_version_max(reqwest::tls::Version::TLS_1_2)
        .build()
        .unwrap();
    assert!(answers(&tls12, &format!("{https}/subjects")).await);

    // A client that does not trust the certificate's CA is refused at the handshake, and plain
    // HTTP on the HTTPS port gets no answer.
    assert!(!answers(&https_client(&[&other]), &format!("{https}/subjects")).await);
    let plain = registry.http.client.get(format!("http://{addr}/subjects")).send().await;
    assert!(plain.is_err() || plain.unwrap().status() != 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_and_https_listeners_side_by_side() {
    let ca = TestCa::new("tls test CA");
    let dir = tempfile::tempdir().unwrap();
    ca.server().write(dir.path());
    let tls = settings(dir.path(), Some("127.0.0.1:0"), 1000);
    let registry = TestRegistry::start_with(|c| c.tls = Some(tls)).await;
    // The harness's plain client works on `listen`; the HTTPS port serves the same registry.
    registry.register_ok("both-value", SCHEMA).await;
    let port = registry.https_port().expect("a second, HTTPS listener");
    let https = format!("https://127.0.0.1:{port}");
    assert_ne!(format!("http://127.0.0.1:{port}"), registry.http.base);
    let subjects: serde_json::Value = https_client(&[&ca])
        .get(format!("{https}/subjects"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(subjects, serde_json::json!(["both-value"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_reload_while_clients_keep_connecting() {
    let (first, second) = (TestCa::new("first CA"), TestCa::new("second CA"));
    let dir = tempfile::tempdir().unwrap();
    first.server().write(dir.path());
    let tls = settings(dir.path(), None, 20);
    let registry = TestRegistry::start_with(|c| c.tls = Some(tls)).await;
    let https = registry.http.base.replace("http://", "https://");
    let url = format!("{https}/subjects");

    // Clients trusting both CAs connect afresh for every request all along: not one of them
    // may fail while certificates are swapped, half-written or broken.
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut load = Vec::new();
    for _ in 0..3 {
        let (stop, ok, failed, url) = (stop.clone(), ok.clone(), failed.clone(), url.clone());
        let client = https_client(&[&first, &second]);
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let counter = if answers(&client, &url).await { &ok } else { &failed };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let only_first = https_client(&[&first]);
    let only_second = https_client(&[&second]);
    assert!(answers(&only_first, &url).await);

    // A new certificate from another CA: the next handshakes present it.
    second.server().write(dir.path());
    eventually("the second certificate is served", || answers(&only_second, &url)).await;
    assert!(!answers(&only_first, &url).await);

    // A broken certificate file: the reload fails, is counted, and the old one stays.
    let reload_errors = |text: &str| {
        let line =
            text.lines().find(|l| l.starts_with("schemata_tls_reloads_total{result=\"error\"}"));
        line.and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok()).expect("reload error counter")
    };
    let metrics = || async {
        only_second.get(format!("{https}/metrics")).send().await.unwrap().text().await.unwrap()
    };
    let before = reload_errors(&metrics().await);
    std::fs::write(dir.path().join("cert.pem"), "-----BEGIN CERTIFICATE-----\ngarbage").unwrap();
    eventually("the broken reload is counted", || async {
        reload_errors(&metrics().await) > before
    })
    .await;
    assert!(answers(&only_second, &url).await, "the previous certificate is still served");

    // Back to the first CA with a fresh certificate.
    first.server().write(dir.path());
    eventually("the third certificate is served", || answers(&only_first, &url)).await;

    // Let the load run a little past the last swap, then stop it.
    let seen = ok.load(Ordering::Relaxed);
    eventually("clients keep being served", || async { ok.load(Ordering::Relaxed) > seen + 5 })
        .await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    assert_eq!(failed.load(Ordering::Relaxed), 0, "requests failed during reloads");
    assert!(ok.load(Ordering::Relaxed) > 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_certificate_of_the_binary() {
    let (first, second) = (TestCa::new("first CA"), TestCa::new("second CA"));
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = first.server().write(dir.path());
    let (cert, key) = (cert.to_str().unwrap().to_owned(), key.to_str().unwrap().to_owned());
    // An hour between file checks: only the signal can make the new certificate appear.
    let args = ["--tls-cert", &cert, "--tls-key", &key, "--tls-reload-interval-ms", "3600000"];
    let mut child = ChildRegistry::spawn(&dir.path().join("data"), &args);
    let url = format!("{}/subjects", child.http.base.replace("http://", "https://"));
    let only_second = https_client(&[&second]);
    assert!(answers(&https_client(&[&first]), &url).await);

    second.server().write(dir.path());
    assert!(!answers(&only_second, &url).await, "no reload before the signal");
    child.signal("HUP");
    eventually("SIGHUP reloads the certificate", || answers(&only_second, &url)).await;
    child.signal("TERM");
    assert_eq!(child.wait_exit(), Some(0));
}
