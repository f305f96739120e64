//! The web UI with authentication and authorization on, over real HTTP: a reader whose rules let
//! them read `orders-*` sees only those subjects (list, field search, by-id pages, diffs by id),
//! is offered no action they may not take and is refused (403) when they post one anyway; an
//! admin is offered and can use them; no or wrong credentials get 401 with `WWW-Authenticate`.
//! An id the reader may not read answers exactly as an absent one on the diff page. The same
//! registry is walked in headless Chromium by `ui_browser`.

use std::path::Path;

use base64::Engine as _;
use schemata_registry::AuthSettings;

use crate::harness::{Http, Reply, TestRegistry};

const ORDERS_V1: &str =
    r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"}]}"#;
const ORDERS_V2: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"customer_id","type":"string","default":""}]}"#;
const PAYMENTS: &str = r#"{"type":"record","name":"Payment","namespace":"shop","fields":[{"name":"customer_id","type":"string"}]}"#;

/// rita has no role; the rules let her read `orders-*` only. ada is an admin.
const RULES: &str = r#"
[[allow]]
principals = ["rita"]
operations = ["read"]
subjects = ["orders-*"]
"#;

pub(crate) fn password(user: &str) -> String {
    format!("{user}-pw")
}

fn files(dir: &Path) -> AuthSettings {
    let mut users = String::new();
    for (name, roles) in [("rita", "[]"), ("ada", "[\"admin\"]")] {
        let hash = schemata_registry::hash_password(&password(name)).expect("hash");
        users.push_str(&format!("[users.{name}]\npassword_hash = '{hash}'\nroles = {roles}\n"));
    }
    std::fs::write(dir.join("users.toml"), users).expect("users file");
    std::fs::write(dir.join("rules.toml"), RULES).expect("rules file");
    AuthSettings {
        users_file: Some(dir.join("users.toml")),
        rules_file: Some(dir.join("rules.toml")),
        ..AuthSettings::default()
    }
}

/// An HTTP client that sends `user`'s Basic credentials with every request.
pub(crate) fn as_user(registry: &TestRegistry, user: &str, secret: &str) -> Http {
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}").as_bytes());
    let mut headers = reqwest::header::HeaderMap::new();
    let value = reqwest::header::HeaderValue::from_str(&format!("Basic {token}")).expect("header");
    headers.insert(reqwest::header::AUTHORIZATION, value);
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(crate::harness::WAIT)
        .build()
        .expect("client");
    Http { base: registry.http.base.clone(), client }
}

/// A registry with authentication on, holding orders-value v1 (id 1) and v2 (id 2, with
/// `customer_id`) and payments-value (id 3, with `customer_id`), registered by ada.
pub(crate) async fn secured() -> (TestRegistry, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = files(dir.path());
    let registry = TestRegistry::start_with(|config| config.auth = settings).await;
    let ada = as_user(&registry, "ada", &password("ada"));
    for (subject, schema, id) in [
        ("orders-value", ORDERS_V1, 1),
        ("orders-value", ORDERS_V2, 2),
        ("payments-value", PAYMENTS, 3),
    ] {
        let reply = ada.register(subject, schema).await;
        assert_eq!((reply.status, reply.body["id"].as_i64()), (200, Some(id)), "{}", reply.text);
    }
    (registry, dir)
}

async fn form_post(http: &Http, path: &str, body: &str) -> Reply {
    let content_type = Some("application/x-www-form-urlencoded");
    http.send("POST", path, content_type, Some(body.as_bytes().to_vec())).await
}

/// The page's main landmark.
fn main_of(reply: &Reply) -> &str {
    let start = reply.text.find("<main").unwrap_or(0);
    let end = reply.text.find("</main>").map_or(reply.text.len(), |end| end + "</main>".len());
    &reply.text[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_sees_only_what_the_rules_let_them_read() {
    let (registry, _dir) = secured().await;
    let rita = as_user(&registry, "rita", &password("rita"));
    // (path, status, what the page must contain, what it must not).
    let cases: &[(&str, u16, &[&str], &[&str])] = &[
        ("/ui", 200, &["orders-value", "1 subjects"], &["payments-value"]),
        ("/ui?q=pay", 200, &["0 subjects"], &["payments-value"]),
        (
            "/ui/search?field=customer_id",
            200,
            &["1 schemas have a field", r#"href="/ui/ids/2""#],
            &[r#"href="/ui/ids/3""#, "payments"],
        ),
        ("/ui/ids/2", 200, &["orders-value", "Diff with schema id"], &["payments"]),
        (
            "/ui/ids/3",
            403,
            &["User 'rita' is not allowed to read schema 3", "not allowed"],
            &["PAYMENTS", "Payment"],
        ),
        ("/ui/subjects/payments-value", 403, &["not allowed to read subject"], &["Payment"]),
        (
            "/ui/subjects/orders-value",
            200,
            &["Subject <code>orders-value</code>"],
            &["Save settings", "<h2>Delete</h2>", "/test", "/delete"],
        ),
        (
            "/ui/subjects/orders-value/test",
            200,
            &["Checking and registering need write access"],
            &["<textarea", "value=\"register\""],
        ),
        (
            "/ui/subjects/orders-value/delete?version=1",
            200,
            &["You may not delete versions of this subject."],
            &["<button"],
        ),
        ("/ui/diff?left=1&right=2", 200, &["Diff of schema", "customer_id"], &[]),
        ("/ui/subjects/orders-value/diff?a=1&b=2", 200, &["customer_id"], &[]),
    ];
    for (path, status, wanted, unwanted) in cases {
        let reply = rita.get(path).await;
        assert_eq!(reply.status, *status, "{path}: {}", reply.text);
        // A refusal is a page too (the error page, with the REST API's message).
        let shown = main_of(&reply);
        for text in *wanted {
            assert!(shown.contains(text), "{path}: wanted {text:?} in {shown}");
        }
        for text in *unwanted {
            assert!(!shown.contains(text), "{path}: {text:?} must not show in {shown}");
        }
    }
    // An id rita may not read answers as an absent one: same status, same page but the number.
    let hidden = rita.get("/ui/diff?left=1&right=3").await;
    let absent = rita.get("/ui/diff?left=1&right=99").await;
    assert_eq!((hidden.status, absent.status), (404, 404), "{}", hidden.text);
    assert_eq!(main_of(&hidden).replace('3', "N"), main_of(&absent).replace("99", "N"));
    assert!(main_of(&hidden).contains("Schema 3 not found"), "{}", hidden.text);
    let hidden_left = rita.get("/ui/diff?left=3&right=1").await;
    assert_eq!(hidden_left.status, 404, "{}", hidden_left.text);
    // Forged posts of the actions the page did not offer are refused, and change nothing.
    let ada = as_user(&registry, "ada", &password("ada"));
    let forged: &[(&str, &str)] = &[
        ("/ui/subjects/orders-value/settings", "level=NONE&mode=READONLY"),
        ("/ui/subjects/orders-value/delete", "version=1"),
        ("/ui/subjects/orders-value/delete", "permanent=true"),
        ("/ui/subjects/orders-value/test", "schema=%22string%22&action=register"),
        ("/ui/subjects/payments-value/test", "schema=%22string%22&action=check"),
    ];
    for (path, body) in forged {
        let reply = form_post(&rita, path, body).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.text);
        assert!(main_of(&reply).contains("User 'rita' is not allowed to"), "{}", reply.text);
    }
    // The REST API keeps Confluent's JSON body for the same refusal.
    let rest = rita.get("/subjects/payments-value/versions").await;
    assert_eq!((rest.status, rest.error_code()), (403, Some(40301)), "{}", rest.text);
    assert_eq!(ada.get("/subjects/orders-value/versions").await.text, "[1,2]");
    // Neither a level nor a mode was set on the subject.
    assert_eq!(ada.get("/config/orders-value").await.status, 404);
    assert_eq!(ada.get("/mode/orders-value").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_is_offered_the_actions_and_can_use_them() {
    let (registry, _dir) = secured().await;
    let ada = as_user(&registry, "ada", &password("ada"));
    let list = ada.get("/ui").await;
    assert!(list.text.contains("orders-value") && list.text.contains("payments-value"));
    let page = ada.get("/ui/subjects/orders-value").await;
    for offered in ["Save settings", "<h2>Delete</h2>", "/ui/subjects/orders-value/test"] {
        assert!(page.text.contains(offered), "{offered} in {}", page.text);
    }
    let search = ada.get("/ui/search?field=customer_id").await;
    assert!(search.text.contains("2 schemas have a field"), "{}", search.text);
    let saved =
        form_post(&ada, "/ui/subjects/orders-value/settings", "level=FULL&mode=READWRITE").await;
    assert!(saved.text.contains("Saved: level set to FULL."), "{}", saved.text);
    assert_eq!(ada.get("/config/orders-value").await.body["compatibilityLevel"], "FULL");
    let deleted = form_post(&ada, "/ui/subjects/payments-value/delete", "version=1").await;
    assert!(deleted.text.contains("Version 1 soft-deleted."), "{}", deleted.text);
    assert_eq!(
        ada.get("/ui/diff?left=1&right=3").await.status,
        200,
        "ids of soft-deleted versions stay readable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_or_wrong_credentials_get_401_with_a_challenge() {
    let (registry, _dir) = secured().await;
    let wrong = as_user(&registry, "rita", "not-her-password");
    let nobody = as_user(&registry, "nobody", "x");
    for path in [
        "/ui",
        "/ui/subjects/orders-value",
        "/ui/diff?left=1&right=2",
        "/ui/search?field=id",
        "/ui/assets/ui.css",
    ] {
        for http in [&registry.http, &wrong, &nobody] {
            let reply = http.client.get(http.url(path)).send().await.expect("request");
            assert_eq!(reply.status().as_u16(), 401, "{path}");
            let challenge = reply.headers().get("www-authenticate").and_then(|v| v.to_str().ok());
            assert_eq!(challenge, Some("Basic realm=\"schemata\", charset=\"UTF-8\""), "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_link_only_to_what_the_reader_may_read() {
    let (registry, _dir) = secured().await;
    let ada = as_user(&registry, "ada", &password("ada"));
    let rita = as_user(&registry, "rita", &password("rita"));
    // (subject, record name, referenced type, referenced subject): ids 4, 5, 6.
    for (subject, name, referenced, target) in [
        ("orders-paid", "OrderPaid", "shop.Payment", "payments-value"),
        ("payments-for-order", "PaymentFor", "shop.Order", "orders-value"),
        ("orders-audit", "OrderAudit", "shop.Order", "orders-value"),
    ] {
        let schema = format!(
            r#"{{"type":"record","name":"{name}","namespace":"shop","fields":[{{"name":"r","type":"{referenced}"}}]}}"#
        );
        let references = serde_json::json!([{"name": referenced, "subject": target, "version": 1}]);
        let body = serde_json::json!({"schema": schema, "references": references});
        let reply = ada.post(&format!("/subjects/{subject}/versions"), body).await;
        assert_eq!(reply.status, 200, "{subject}: {}", reply.text);
    }
    // rita sees the name of the subject orders-paid references, but no link she may not follow.
    let paid = rita.get("/ui/subjects/orders-paid").await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    assert!(main_of(&paid).contains("payments-value v1"), "{}", paid.text);
    assert!(!paid.text.contains(r#"href="/ui/subjects/payments-value"#), "{}", paid.text);
    let by_id = rita.get("/ui/ids/4").await;
    assert!(!by_id.text.contains(r#"href="/ui/subjects/payments-value"#), "{}", by_id.text);
    // Referenced by: only the referrers she may read.
    let orders = rita.get("/ui/subjects/orders-value?version=1").await;
    assert!(orders.text.contains(r#"<a href="/ui/ids/6">schema id 6</a>"#), "{}", orders.text);
    assert!(!orders.text.contains("schema id 5"), "{}", orders.text);
    let orders = ada.get("/ui/subjects/orders-value?version=1").await;
    for id in [5, 6] {
        let link = format!(r#"<a href="/ui/ids/{id}">schema id {id}</a>"#);
        assert!(orders.text.contains(&link), "{}", orders.text);
    }
    let paid = ada.get("/ui/subjects/orders-paid").await;
    assert!(paid.text.contains(r#"href="/ui/subjects/payments-value?version=1""#), "{}", paid.text);
}
