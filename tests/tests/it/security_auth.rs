//! Authentication and authorization over real HTTP: every role against every endpoint as a table
//! (allowed → the normal answer, denied → 403 body, no or wrong credentials → 401 body with
//! `WWW-Authenticate`), listings filtered to what the caller may read, schema ids readable only
//! through a readable subject, the anonymous role, and a rules-file reload with an error in it.

use std::path::Path;
use std::time::{Duration, Instant};

use schemata_registry::{AuthSettings, Config};
use serde_json::{Value, json};

use crate::harness::{Http, Reply, TestRegistry, WAIT};

const ORDERS: &str = r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}"#;
const PAYMENTS: &str = r#"{"type":"record","name":"Payment","fields":[{"name":"a","type":"int"}]}"#;
const SHARED: &str = r#"{"type":"record","name":"Shared","fields":[{"name":"s","type":"string"}]}"#;

/// The callers of the table: a user per built-in role, carol (no role; the rules let her read
/// `orders-*`) and dave (admin, but in a group denied deletes).
const USERS: [(&str, &str, &str); 5] = [
    ("rita", "reader", "[]"),
    ("dev", "developer", "[]"),
    ("ada", "admin", "[]"),
    ("carol", "", "[]"),
    ("dave", "admin", "[\"contractors\"]"),
];

const RULES: &str = r#"
[[allow]]
principals = ["carol"]
operations = ["read"]
subjects = ["orders-*"]

[[deny]]
groups = ["contractors"]
operations = ["delete"]
subjects = ["*"]
"#;

fn password(user: &str) -> String {
    format!("{user}-pw")
}

/// Writes the users and rules files and returns settings naming them.
fn files(dir: &Path) -> AuthSettings {
    let mut users = String::new();
    for (name, role, groups) in USERS {
        let hash = schemata_registry::hash_password(&password(name)).unwrap();
        let roles = if role.is_empty() { "[]".to_owned() } else { format!("[\"{role}\"]") };
        users.push_str(&format!(
            "[users.{name}]\npassword_hash = '{hash}'\nroles = {roles}\ngroups = {groups}\n"
        ));
    }
    std::fs::write(dir.join("users.toml"), users).unwrap();
    std::fs::write(dir.join("rules.toml"), RULES).unwrap();
    AuthSettings {
        users_file: Some(dir.join("users.toml")),
        rules_file: Some(dir.join("rules.toml")),
        reload_interval_ms: 20,
        ..AuthSettings::default()
    }
}

/// Sends a request as `user` (`None`: no credentials; `Some((user, password))`).
async fn send(
    http: &Http,
    who: Option<(&str, &str)>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (Reply, Option<String>) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http.client.request(method, http.url(path));
    if let Some((user, password)) = who {
        request = request.basic_auth(user, Some(password));
    }
    if let Some(body) = body {
        request = request
            .header("content-type", schemata_core::api::CONTENT_TYPE)
            .body(serde_json::to_vec(body).unwrap());
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let challenge =
        response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (Reply { status, content_type, text, body }, challenge)
}

async fn as_user(http: &Http, user: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    send(http, Some((user, &password(user))), method, path, body).await.0
}

/// A registry with the files above, holding orders-value (id 1), payments-value (id 2) and the
/// SHARED schema under both orders-shared and payments-shared (id 3).
async fn secured() -> (TestRegistry, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let settings = files(dir.path());
    let registry = TestRegistry::start_with(|c: &mut Config| c.auth = settings).await;
    for (subject, schema, id) in [
        ("orders-value", ORDERS, 1),
        ("payments-value", PAYMENTS, 2),
        ("orders-shared", SHARED, 3),
        ("payments-shared", SHARED, 3),
    ] {
        let body = json!({ "schema": schema });
        let reply = as_user(
            &registry.http,
            "ada",
            "POST",
            &format!("/subjects/{subject}/versions"),
            Some(&body),
        )
        .await;
        assert_eq!((reply.status, reply.body["id"].as_i64()), (200, Some(id)), "{}", reply.text);
    }
    (registry, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_endpoint() {
    let (registry, _dir) = secured().await;
    let http = &registry.http;
    let register = json!({ "schema": ORDERS });
    let other = json!({ "schema": PAYMENTS });
    let level = json!({ "compatibility": "BACKWARD" });
    let mode = json!({ "mode": "READWRITE" });
    let guid = |id: u32| async move {
        let reply = as_user(http, "ada", "GET", &format!("/schemas/ids/{id}"), None).await;
        reply.body["guid"].as_str().expect("guid").to_owned()
    };
    let (orders_guid, payments_guid) = (guid(1).await, guid(2).await);
    let orders_by_guid = format!("/schemas/guids/{orders_guid}");
    let payments_by_guid = format!("/schemas/guids/{payments_guid}/ids");
    // (method, path, body, expected for rita, dev, ada, carol, dave): `A` allowed, `D` denied
    // (403); `.` means the endpoint is open without credentials too.
    let table: &[(&str, &str, Option<&Value>, &str)] = &[
        ("GET", "/health/live", None, "AAAAA."),
        ("GET", "/health/ready", None, "AAAAA."),
        ("GET", "/", None, "AAAAA"),
        ("GET", "/subjects", None, "AAAAA"),
        ("GET", "/schemas", None, "AAAAA"),
        ("GET", "/schemas/types", None, "AAAAA"),
        ("GET", "/v1/metadata/id", None, "AAAAA"),
        ("GET", "/subjects/orders-value/versions", None, "AAAAA"),
        ("GET", "/subjects/payments-value/versions", None, "AAADA"),
        ("GET", "/subjects/orders-value/versions/latest", None, "AAAAA"),
        ("GET", "/subjects/payments-value/versions/1/schema", None, "AAADA"),
        ("GET", "/subjects/payments-value/versions/1/referencedby", None, "AAADA"),
        ("POST", "/subjects/orders-value", Some(&register), "AAAAA"),
        ("POST", "/subjects/payments-value", Some(&other), "AAADA"),
        ("POST", "/subjects/orders-value/versions", Some(&register), "DAADA"),
        ("POST", "/compatibility/subjects/orders-value/versions/latest", Some(&register), "DAADA"),
        ("POST", "/compatibility/subjects/orders-value/versions", Some(&register), "DAADA"),
        ("GET", "/schemas/ids/1", None, "AAAAA"),
        ("GET", "/schemas/ids/1/schema", None, "AAAAA"),
        ("GET", "/schemas/ids/2", None, "AAADA"),
        ("GET", "/schemas/ids/3", None, "AAAAA"),
        ("GET", "/schemas/ids/999", None, "AAADA"),
        ("GET", "/schemas/ids/2/subjects", None, "AAAAA"),
        ("GET", "/schemas/ids/2/versions", None, "AAAAA"),
        ("GET", &orders_by_guid, None, "AAAAA"),
        ("GET", &payments_by_guid, None, "AAADA"),
        ("GET", "/config", None, "AAADA"),
        ("PUT", "/config", Some(&level), "DDADA"),
        ("GET", "/config/orders-value", None, "AAAAA"),
        ("PUT", "/config/orders-value", Some(&level), "DAADA"),
        ("DELETE", "/config/orders-value", None, "DAADA"),
        ("GET", "/mode", None, "AAADA"),
        ("PUT", "/mode", Some(&mode), "DDADA"),
        ("PUT", "/mode/orders-value", Some(&mode), "DAADA"),
        ("GET", "/metrics", None, "AAADA"),
        ("DELETE", "/subjects/payments-shared/versions/1", None, "DAADD"),
        ("DELETE", "/subjects/payments-shared", None, "DAADD"),
        ("GET", "/ui/", None, "AAAAA"),
        ("GET", "/ui/subjects/orders-value", None, "AAAAA"),
        ("GET", "/ui/subjects/payments-value", None, "AAADA"),
        ("GET", "/ui/ids/2", None, "AAADA"),
        ("GET", "/no/such/endpoint", None, "AAAAA"),
    ];
    let mut problems = Vec::new();
    for (method, path, body, expected) in table {
        let open = expected.ends_with('.');
        for ((user, _, _), verdict) in USERS.iter().zip(expected.chars()) {
            let reply = as_user(http, user, method, path, *body).await;
            let ok = match verdict {
                'A' => reply.status != 401 && reply.status != 403 && reply.status < 500,
                // The web UI refuses with an error page, the REST API with Confluent's body.
                _ if path.starts_with("/ui") => {
                    reply.status == 403 && reply.text.contains("is not allowed to")
                }
                _ => reply.status == 403 && reply.error_code() == Some(40301),
            };
            if !ok {
                problems.push(format!(
                    "{user} {method} {path}: {verdict} expected, got {} {}",
                    reply.status, reply.text
                ));
            }
        }
        // Without credentials, and with a wrong password: 401 with a challenge, unless open.
        for who in [None, Some(("ada", "wrong")), Some(("nobody", "x"))] {
            let (reply, challenge) = send(http, who, method, path, *body).await;
            let ok = if open {
                reply.status == 200
            } else {
                reply.status == 401
                    && reply.error_code() == Some(40101)
                    && challenge.as_deref().is_some_and(|c| c.starts_with("Basic realm="))
            };
            if !ok {
                problems.push(format!(
                    "{who:?} {method} {path}: got {} {challenge:?} {}",
                    reply.status, reply.text
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));

    // A 403 says what was refused, and nothing about what exists.
    let denied = as_user(http, "carol", "GET", "/schemas/ids/2", None).await;
    let missing = as_user(http, "carol", "GET", "/schemas/ids/999", None).await;
    assert_eq!(denied.body["message"], "User 'carol' is not allowed to read schema 2");
    assert_eq!(missing.body["message"], "User 'carol' is not allowed to read schema 999");
    let metrics = as_user(http, "ada", "GET", "/metrics", None).await.text;
    let count = |reason: &str| {
        let prefix = format!("schemata_auth_denials_total{{reason=\"{reason}\"}} ");
        metrics.lines().find_map(|l| l.strip_prefix(&prefix)?.parse::<u64>().ok()).unwrap()
    };
    // Every refusal is counted: the table's and the two just above.
    let forbidden = table.iter().map(|row| row.3.matches('D').count() as u64).sum::<u64>() + 2;
    let open = table.iter().filter(|row| row.3.ends_with('.')).count();
    let unauthenticated = 3 * (table.len() - open) as u64;
    assert_eq!((count("forbidden"), count("unauthenticated")), (forbidden, unauthenticated));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_show_only_what_the_caller_may_read() {
    let (registry, _dir) = secured().await;
    let http = &registry.http;
    let check = |user: &'static str, path: &'static str, expected: Value| async move {
        let reply = as_user(http, user, "GET", path, None).await;
        assert_eq!(reply.body, expected, "{user} GET {path}");
    };
    check("carol", "/subjects", json!(["orders-shared", "orders-value"])).await;
    check(
        "ada",
        "/subjects",
        json!(["orders-shared", "orders-value", "payments-shared", "payments-value"]),
    )
    .await;
    check("carol", "/schemas/ids/3/subjects", json!(["orders-shared"])).await;
    check("rita", "/schemas/ids/3/subjects", json!(["orders-shared", "payments-shared"])).await;
    check("carol", "/schemas/ids/3/versions", json!([{"subject": "orders-shared", "version": 1}]))
        .await;
    // Paging counts only what the caller sees.
    check("carol", "/subjects?offset=1&limit=1", json!(["orders-value"])).await;
    let schemas = as_user(http, "carol", "GET", "/schemas", None).await;
    let subjects: Vec<&str> =
        schemas.body.as_array().unwrap().iter().map(|s| s["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["orders-shared", "orders-value"]);
    // The web UI hides them too.
    let page = as_user(http, "carol", "GET", "/ui/", None).await.text;
    assert!(page.contains("orders-value") && !page.contains("payments-value"), "{page}");
    let search = as_user(http, "carol", "GET", "/ui/search?field=a", None).await.text;
    assert!(!search.contains("payments-value") && !search.contains("/ui/ids/2"), "{search}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_role_and_open_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = files(dir.path());
    settings.anonymous_role = Some("reader".into());
    settings.open_metrics = true;
    let registry = TestRegistry::start_with(|c: &mut Config| c.auth = settings).await;
    let http = &registry.http;
    assert_eq!(http.get("/subjects").await.status, 200);
    assert_eq!(http.get("/metrics").await.status, 200);
    let refused = http.register("anon-value", ORDERS).await;
    assert_eq!((refused.status, refused.error_code()), (403, Some(40301)));
    assert_eq!(
        refused.body["message"],
        "User 'anonymous' is not allowed to write subject 'anon-value'"
    );
    // Wrong credentials are still refused, not taken as anonymous.
    let (reply, _) = send(http, Some(("dev", "nope")), "GET", "/subjects", None).await;
    assert_eq!(reply.status, 401);
    let body = json!({ "schema": ORDERS });
    assert_eq!(
        as_user(http, "dev", "POST", "/subjects/anon-value/versions", Some(&body)).await.status,
        200
    );
}

/// Polls until `condition` holds, bounded by `WAIT`.
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
async fn rules_reload_and_a_bad_reload_keeps_the_old_rules() {
    let (registry, dir) = secured().await;
    let http = &registry.http;
    let rules = dir.path().join("rules.toml");
    let reloads = |result: &'static str| async move {
        let text = as_user(http, "ada", "GET", "/metrics", None).await.text;
        let prefix = format!("schemata_auth_reloads_total{{result=\"{result}\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&prefix)?.parse::<u64>().ok()).unwrap()
    };
    assert_eq!(
        as_user(http, "carol", "GET", "/subjects/payments-value/versions", None).await.status,
        403
    );

    // carol is given payments-* as well: the next requests see it.
    let wider =
        RULES.replace("subjects = [\"orders-*\"]", "subjects = [\"orders-*\", \"payments-*\"]");
    std::fs::write(&rules, &wider).unwrap();
    eventually("the new rules apply", || async {
        as_user(http, "carol", "GET", "/subjects/payments-value/versions", None).await.status == 200
    })
    .await;

    // A typo'd operation: refused (counted as a failed reload), the previous rules stay.
    let before = reloads("error").await;
    std::fs::write(&rules, wider.replace("\"read\"", "\"raed\"")).unwrap();
    eventually("the bad reload is counted", || async { reloads("error").await > before }).await;
    assert_eq!(
        as_user(http, "carol", "GET", "/subjects/payments-value/versions", None).await.status,
        200
    );
    assert_eq!(
        as_user(http, "carol", "GET", "/subjects/orders-value/versions", None).await.status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_auth_files_stop_the_start_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = files(dir.path());
    std::fs::write(
        dir.path().join("rules.toml"),
        "[[allow]]\nroles = [\"x\"]\noperations = [\"raed\"]\nsubjects = [\"*\"]\n",
    )
    .unwrap();
    let config = Config {
        listen: "127.0.0.1:0".into(),
        auth: settings.clone(),
        storage: schemata_registry::StorageKind::Memory,
        ..Config::default()
    };
    let error = schemata_registry::Server::start(config).await.unwrap_err().to_string();
    assert!(
        error.contains("rules.toml") && error.contains("line 3") && error.contains("raed"),
        "{error}"
    );
    settings.rules_file = None;
    std::fs::write(dir.path().join("users.toml"), "[users.x]\npassword_hash = 'hunter2'\n")
        .unwrap();
    let config = Config {
        listen: "127.0.0.1:0".into(),
        auth: settings,
        storage: schemata_registry::StorageKind::Memory,
        ..Config::default()
    };
    let error = schemata_registry::Server::start(config).await.unwrap_err().to_string();
    assert!(error.contains("users.toml") && error.contains("not a PHC string"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_password_makes_a_hash_the_users_file_accepts() {
    use std::io::Write as _;
    let run = |stdin: &str| {
        let mut child = std::process::Command::new(crate::harness::ChildRegistry::binary())
            .arg("hash-password")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        (output.status.code(), text(output.stdout), text(output.stderr))
    };
    let (code, hash, _) = run("correct horse\n");
    assert_eq!(code, Some(0));
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    let (code, _, error) = run("\n");
    assert_eq!(code, Some(2));
    assert!(error.contains("empty"), "{error}");

    let dir = tempfile::tempdir().unwrap();
    let users = format!("[users.zed]\npassword_hash = '{}'\nroles = ['reader']\n", hash.trim());
    std::fs::write(dir.path().join("users.toml"), users).unwrap();
    let settings =
        AuthSettings { users_file: Some(dir.path().join("users.toml")), ..AuthSettings::default() };
    let registry = TestRegistry::start_with(|c: &mut Config| c.auth = settings).await;
    let ok = send(&registry.http, Some(("zed", "correct horse")), "GET", "/subjects", None).await;
    assert_eq!(ok.0.status, 200);
    let wrong =
        send(&registry.http, Some(("zed", "correct horse ")), "GET", "/subjects", None).await;
    assert_eq!(wrong.0.status, 401);
}

/// A users file may hold bcrypt hashes (made here by libxcrypt's `crypt(3)`, as `htpasswd -B`
/// makes them) beside argon2id ones: their users log in, wrong passwords get 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bcrypt_users_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let argon = schemata_registry::hash_password("argon-pw").unwrap();
    std::fs::write(
        dir.path().join("users.toml"),
        format!(
            "[users.bee]\npassword_hash = '$2b$10$abcdefghijklmnopqrstuu23JPZtHcGhwXSF41f93o/7vBdDut3Xu'\n\
             roles = ['developer']\n\n[users.argo]\npassword_hash = '{argon}'\nroles = ['reader']\n"
        ),
    )
    .unwrap();
    let settings =
        AuthSettings { users_file: Some(dir.path().join("users.toml")), ..AuthSettings::default() };
    let registry = TestRegistry::start_with(|c: &mut Config| c.auth = settings).await;
    let http = &registry.http;
    let body = json!({ "schema": ORDERS });
    let path = "/subjects/bcrypt-value/versions";
    for (who, method, expected) in [
        (("bee", "correct horse"), "POST", 200),
        (("bee", "correct horse "), "POST", 401),
        (("bee", "argon-pw"), "GET", 401),
        (("argo", "argon-pw"), "GET", 200),
        (("argo", "argon-pw"), "POST", 403),
    ] {
        let body = (method == "POST").then_some(&body);
        let (reply, _) = send(http, Some(who), method, path, body).await;
        assert_eq!(reply.status, expected, "{who:?} {method}: {}", reply.text);
    }
}
