//! The registry client against the real registry: every API call the CLI needs, typed errors
//! with Confluent codes, single-flight caches counted at a proxy, retries on 500s and dropped
//! connections, failover, auth headers, and the blocking wrapper.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use schemata::{
    BlockingRegistryClient, CheckOptions, CompatibilityLevel, Config, DeleteOptions, Error,
    LookupOptions, Mode, ModeOptions, ParsedSchema as Schema, ReadOptions, RegisterOptions,
    RegistryClient, SchemaId, SchemaType, SettingOptions, Version, VersionSpec,
};

use crate::client_support::{Proxy, dropper, refused};
use crate::harness::{TestRegistry, WAIT};

fn avro(text: &str) -> Schema {
    Schema::parse(SchemaType::Avro, text).unwrap()
}

fn record(name: &str, fields: &str) -> Schema {
    avro(&format!(r#"{{"type":"record","name":"{name}","fields":[{fields}]}}"#))
}

fn client(base: &str) -> RegistryClient {
    RegistryClient::builder().url(base).retries(2, 10, 50).timeout_ms(5_000).build().unwrap()
}

/// Registries cap every list (ours at `max_list_len`): the client's listings page through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_page_through_the_registry_list_cap() {
    let registry = TestRegistry::start_with(|config| config.limits.max_list_len = 3).await;
    let client = client(&registry.http.base);
    for i in 0..8 {
        let subject = format!("paged-{i}-value");
        client
            .register(
                &subject,
                &record("P", r#"{"name":"a","type":"int"}"#),
                RegisterOptions::default(),
            )
            .await
            .unwrap();
        let v2 = record("P", r#"{"name":"a","type":"int"},{"name":"b","type":"int","default":0}"#);
        client.register(&subject, &v2, RegisterOptions::default()).await.unwrap();
    }
    let subjects = client.subjects(None, ReadOptions::default()).await.unwrap();
    assert_eq!(subjects.len(), 8, "{subjects:?}");
    assert_eq!(client.export(false).await.unwrap().len(), 16);
    assert_eq!(client.export_all().await.unwrap().schemas.len(), 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_surface_through_the_client() {
    let registry = TestRegistry::start().await;
    let client = client(&registry.http.base);
    let subject = "client-api-value";
    let v1 = record("A", r#"{"name":"a","type":"int"}"#);
    let v2 = record("A", r#"{"name":"a","type":"int"},{"name":"b","type":"string","default":""}"#);
    let bad = record("A", r#"{"name":"a","type":"string"}"#);

    let id1 = client.register(subject, &v1, RegisterOptions::default()).await.unwrap();
    assert_eq!(
        client.register(subject, &v1, RegisterOptions::default()).await.unwrap(),
        id1,
        "idempotent"
    );
    let id2 = client.register(subject, &v2, RegisterOptions::default()).await.unwrap();
    assert_ne!(id1, id2);
    assert_eq!(
        client.versions(subject, ReadOptions::default()).await.unwrap(),
        [Version(1), Version(2)]
    );
    assert_eq!(
        client.latest(subject).await.unwrap().version,
        Version(2),
        "register dropped the cached latest"
    );
    let found = client.lookup(subject, &v1, LookupOptions::default()).await.unwrap();
    assert_eq!((found.version, found.id), (Version(1), id1));
    assert_eq!(client.lookup_id(subject, &v2, LookupOptions::default()).await.unwrap(), id2);
    let by_id = client.schema_by_id(id1).await.unwrap();
    assert_eq!(by_id.schema.normalized(), v1.normalized());
    assert_eq!(client.subjects_of_id(id2).await.unwrap(), vec![subject.to_owned()]);
    assert!(
        client.subjects(None, ReadOptions::default()).await.unwrap().contains(&subject.to_owned())
    );

    let verbose = CheckOptions { verbose: true, ..CheckOptions::default() };
    let verdict = client.check_compatibility(subject, &bad, verbose).await.unwrap();
    assert!(!verdict.is_compatible);
    assert!(!verdict.messages.is_empty(), "verbose messages");
    let latest = CheckOptions { version: Some(VersionSpec::Latest), ..CheckOptions::default() };
    let ok = client.check_compatibility(subject, &v2, latest).await.unwrap();
    assert!(ok.is_compatible);
    let error = client.register(subject, &bad, RegisterOptions::default()).await.unwrap_err();
    assert_eq!(error.error_code(), Some(40901), "{error}");

    let update = Config { compatibility: Some(CompatibilityLevel::Full), ..Config::default() };
    client.set_config(Some(subject), &update).await.unwrap();
    let config = client.config(Some(subject), SettingOptions::default()).await.unwrap();
    assert_eq!(config.compatibility, Some(CompatibilityLevel::Full));
    assert_eq!(
        client
            .config(Some("client-api-none"), SettingOptions::default())
            .await
            .unwrap_err()
            .error_code(),
        Some(40408)
    );
    client.set_mode(Some(subject), Mode::ReadOnly, ModeOptions::default()).await.unwrap();
    assert_eq!(
        client.mode(Some(subject), SettingOptions::default()).await.unwrap(),
        Mode::ReadOnly
    );
    client.delete_mode(subject).await.unwrap();

    let exported = client.export(false).await.unwrap();
    assert_eq!(exported.iter().filter(|s| s.subject == subject).count(), 2);
    assert_eq!(
        client
            .delete_version(subject, VersionSpec::Exact(Version(1)), DeleteOptions::default())
            .await
            .unwrap(),
        Version(1)
    );
    let all = client.export_all().await.unwrap();
    assert_eq!(all.schemas.len(), 2);
    assert_eq!(all.soft_deleted, vec![(subject.to_owned(), 1)]);
    assert_eq!(all.subject_configs.len(), 1);
    assert_eq!(all.subject_configs[0].1.compatibility, Some(CompatibilityLevel::Full));
    assert_eq!(all.global_mode, Mode::ReadWrite);
    assert!(all.subject_modes.is_empty(), "{:?}", all.subject_modes);
    assert_eq!(client.versions(subject, ReadOptions::default()).await.unwrap(), [Version(2)]);
    assert_eq!(
        client.delete_subject(subject, DeleteOptions::default()).await.unwrap(),
        [Version(2)]
    );
    let error = client.versions(subject, ReadOptions::default()).await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert!(matches!(error, Error::Registry { status: 404, error_code: 40401, .. }), "{error:?}");
    let error = client.schema_by_id(SchemaId(999_999)).await.unwrap_err();
    assert_eq!(error.error_code(), Some(40403));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_make_one_request() {
    let registry = TestRegistry::start().await;
    let proxy = Proxy::start(&registry.http.base, 0).await;
    let client = client(&proxy.base);
    let schema = record("S", r#"{"name":"a","type":"long"}"#);
    let subject = "client-flight-value";

    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (client, schema) = (client.clone(), schema.clone());
        tasks.push(tokio::spawn(async move {
            client.register(subject, &schema, RegisterOptions::default()).await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap());
    }
    assert!(ids.iter().all(|&id| id == ids[0]));
    assert_eq!(proxy.count(&format!("POST /subjects/{subject}/versions")), 1);

    let path = format!("GET /schemas/ids/{}", ids[0]);
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let client = client.clone();
        let id = ids[0];
        tasks.push(tokio::spawn(async move { client.schema_by_id(id).await.map(|s| s.id) }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), ids[0]);
    }
    assert_eq!(proxy.count(&path), 1, "one fetch for 32 concurrent misses");
    client.schema_by_id(ids[0]).await.unwrap();
    assert_eq!(proxy.count(&path), 1, "ids are cached for ever");

    let latest = format!("GET /subjects/{subject}/versions/latest");
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move { client.latest(subject).await.map(|s| s.version) }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), Version(1));
    }
    assert_eq!(proxy.count(&latest), 1);
    let v2 = record("S", r#"{"name":"a","type":"long"},{"name":"b","type":"int","default":0}"#);
    client.register(subject, &v2, RegisterOptions::default()).await.unwrap();
    assert_eq!(
        client.latest(subject).await.unwrap().version,
        Version(2),
        "own register invalidates"
    );
    assert_eq!(proxy.count(&latest), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_expires_after_its_ttl() {
    let registry = TestRegistry::start().await;
    let proxy = Proxy::start(&registry.http.base, 0).await;
    let client = RegistryClient::builder().url(&proxy.base).latest_ttl_ms(100).build().unwrap();
    let subject = "client-ttl-value";
    client.register(subject, &avro(r#""string""#), RegisterOptions::default()).await.unwrap();
    let latest = format!("GET /subjects/{subject}/versions/latest");
    client.latest(subject).await.unwrap();
    client.latest(subject).await.unwrap();
    assert_eq!(proxy.count(&latest), 1);
    tokio::time::sleep(Duration::from_millis(150)).await;
    client.latest(subject).await.unwrap();
    assert_eq!(proxy.count(&latest), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_on_500_then_succeeds_and_gives_up_in_bounded_time() {
    let registry = TestRegistry::start().await;
    let proxy = Proxy::start(&registry.http.base, 2).await;
    let client = RegistryClient::builder().url(&proxy.base).retries(3, 10, 40).build().unwrap();
    let subjects = client.subjects(None, ReadOptions::default()).await.unwrap();
    assert!(subjects.is_empty());
    assert_eq!(proxy.count("GET /subjects"), 3, "two 500s, then the answer");

    // 4xx answers are definite: no retry.
    let before = proxy.total();
    let error = client.versions("client-missing", ReadOptions::default()).await.unwrap_err();
    assert_eq!(error.error_code(), Some(40401));
    assert_eq!(proxy.total(), before + 1);

    let failing = Proxy::start(&registry.http.base, usize::MAX).await;
    let client = RegistryClient::builder().url(&failing.base).retries(2, 10, 20).build().unwrap();
    let started = Instant::now();
    let error = client.subjects(None, ReadOptions::default()).await.unwrap_err();
    assert!(matches!(error, Error::Http { attempts: 3, .. }), "{error:?}");
    assert!(error.to_string().contains("50001"), "{error}");
    assert_eq!(failing.count("GET /subjects"), 3);
    assert!(started.elapsed() < WAIT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_and_refused_connections_fail_over() {
    let registry = TestRegistry::start().await;
    let (dropping, accepted) = dropper().await;
    let refusing = refused().await;
    let client = RegistryClient::builder()
        .urls([dropping.clone(), refusing.clone(), registry.http.base.clone()])
        .retries(3, 5, 20)
        .build()
        .unwrap();
    assert!(client.subjects(None, ReadOptions::default()).await.unwrap().is_empty());
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "the dropping server was tried once");
    // The URL that answered is preferred from now on.
    client.subjects(None, ReadOptions::default()).await.unwrap();
    assert_eq!(accepted.load(Ordering::SeqCst), 1);

    let client =
        RegistryClient::builder().urls([dropping, refusing]).retries(3, 5, 20).build().unwrap();
    let error = client.subjects(None, ReadOptions::default()).await.unwrap_err();
    assert!(matches!(error, Error::Http { attempts: 4, .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_headers_are_sent_and_bearer_tokens_refresh() {
    let registry = TestRegistry::start().await;
    let proxy = Proxy::start(&registry.http.base, 0).await;
    let calls = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&calls);
    let client = RegistryClient::builder()
        .url(&proxy.base)
        .bearer(move || format!("token-{}", counter.fetch_add(1, Ordering::SeqCst)))
        .build()
        .unwrap();
    client.subjects(None, ReadOptions::default()).await.unwrap();
    client.subjects(None, ReadOptions::default()).await.unwrap();
    let basic =
        RegistryClient::builder().url(&proxy.base).basic_auth("user", "pass").build().unwrap();
    basic.subjects(None, ReadOptions::default()).await.unwrap();
    assert_eq!(
        proxy.auth_headers(),
        vec!["Bearer token-0", "Bearer token-1", "Basic dXNlcjpwYXNz"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_client_works_outside_a_runtime() {
    let registry = TestRegistry::start().await;
    let base = registry.http.base.clone();
    let result = tokio::task::spawn_blocking(move || {
        let client = BlockingRegistryClient::new(RegistryClient::builder().url(base)).unwrap();
        let id = client
            .register("client-blocking-value", &avro(r#""int""#), RegisterOptions::default())
            .unwrap();
        let schema = client.schema_by_id(id).unwrap();
        (
            client.versions("client-blocking-value", ReadOptions::default()).unwrap(),
            schema.schema.text().to_owned(),
        )
    })
    .await
    .unwrap();
    assert_eq!(result, (vec![Version(1)], r#""int""#.to_owned()));
}
