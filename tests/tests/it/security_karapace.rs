//! Karapace's auth file over real HTTP: a registry pointed at a file in Karapace's format (hashes
//! made as `karapace_mkpasswd` makes them, with Python's hashlib) authenticates its users with
//! each algorithm, refuses wrong passwords, honours `Read`/`Write` permissions and their regular
//! expressions, reloads the file when it changes (keeping the old one when the new one is
//! broken), and a malformed file stops the binary at start with a sentence naming the problem.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use schemata_registry::{AuthSettings, Config};
use serde_json::{Value, json};

use crate::harness::{ChildRegistry, Http, Reply, TestRegistry, WAIT};

const ORDERS: &str = r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}"#;
const PAYMENTS: &str = r#"{"type":"record","name":"Payment","fields":[{"name":"a","type":"int"}]}"#;

/// (user, algorithm, salt, password, password_hash): the hashes computed with Python's hashlib as
/// Karapace's `hash_password` does (PBKDF2-HMAC, 5000 rounds; scrypt n=2^14 r=8 p=1).
const USERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "admin",
        "sha512",
        "kYmuLQNwTsS3y8jyHKBlZw",
        "correct horse battery staple",
        "Jv8LeHicNt8lqu1OcqId0N+4a7jERenCUbsqHQ3joH3m56MEv8b3AUShh9kR+j03q/7fXnaBUr0HoCzCwgdoHA==",
    ),
    (
        "reader",
        "scrypt",
        "Wr0CA1Dn4AiuGaWvbuS6aA",
        "hunter2",
        "5D5tp/HofvpijKy7YjOusi0XtcODacd/JmNv8gLS2mmj+SvKIXxdtE9O34MtNuGA2LW4Oi8tTQ0oprB92EJFBA==",
    ),
    (
        "orders",
        "sha256",
        "T1KJtx-qbVEIwmWzOn8h2w",
        "s3cret",
        "Ef0eAjJsZ4pcc8DnSZKeB6mn5dTENWMqMUHgmhxy2e4=",
    ),
    ("nobody", "sha1", "salt", "password", "7fc4JUghxV2mHmr6IO/QxlfLlBw="),
];

/// admin writes everything (`Config:` too); reader reads every subject; orders writes
/// `orders-*` only (a regex, matched from the start as Python's re.match); nobody has nothing.
const PERMISSIONS: &str = r#"[
    {"username": "admin", "operation": "Write", "resource": ".*"},
    {"username": "reader", "operation": "Read", "resource": "Subject:.*"},
    {"username": "orders", "operation": "Write", "resource": "Subject:orders-(value|key)"}
]"#;

fn auth_file(permissions: &str) -> String {
    let users: Vec<Value> = USERS
        .iter()
        .map(|(username, algorithm, salt, _, hash)| {
            json!({"username": username, "algorithm": algorithm, "salt": salt,
                   "password_hash": hash})
        })
        .collect();
    format!("{{\"users\": {}, \"permissions\": {permissions}}}", Value::Array(users))
}

fn password(user: &str) -> &'static str {
    USERS.iter().find(|u| u.0 == user).map(|u| u.3).expect("known user")
}

/// An `Http` for the registry at `base` that sends `user:password` with every request.
fn as_user(base: &str, user: &str, password: &str) -> Http {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Basic {token}").parse().expect("header"));
    let client =
        reqwest::Client::builder().timeout(WAIT).default_headers(headers).build().expect("client");
    Http { base: base.to_owned(), client }
}

async fn registry_with(dir: &Path, permissions: &str) -> TestRegistry {
    std::fs::write(dir.join("karapace.json"), auth_file(permissions)).unwrap();
    let settings = AuthSettings {
        karapace_file: Some(dir.join("karapace.json")),
        reload_interval_ms: 20,
        ..AuthSettings::default()
    };
    TestRegistry::start_with(|c: &mut Config| c.auth = settings).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn karapace_users_and_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry_with(dir.path(), PERMISSIONS).await;
    let base = registry.http.base.clone();
    let admin = as_user(&base, "admin", password("admin"));
    assert_eq!(admin.register_ok("orders-value", ORDERS).await, 1);
    assert_eq!(admin.register_ok("payments-value", PAYMENTS).await, 2);

    // Every algorithm's user gets in with its password (nobody: in, but allowed nothing).
    let register = json!({ "schema": ORDERS });
    let level = json!({ "compatibility": "FULL" });
    // (user, method, path, body, expected status)
    let table: &[(&str, &str, &str, Option<&Value>, u16)] = &[
        ("reader", "GET", "/subjects/orders-value/versions", None, 200),
        ("reader", "GET", "/subjects/payments-value/versions/1", None, 200),
        ("reader", "GET", "/schemas/ids/2", None, 200),
        ("reader", "POST", "/subjects/orders-value", Some(&register), 200),
        // Karapace lets Read check compatibility (CI jobs with read-only credentials do).
        (
            "reader",
            "POST",
            "/compatibility/subjects/orders-value/versions/latest",
            Some(&register),
            200,
        ),
        (
            "nobody",
            "POST",
            "/compatibility/subjects/orders-value/versions/latest",
            Some(&register),
            403,
        ),
        ("orders", "POST", "/compatibility/subjects/payments-value/versions", Some(&register), 403),
        ("reader", "POST", "/subjects/orders-value/versions", Some(&register), 403),
        ("reader", "DELETE", "/subjects/orders-value", None, 403),
        ("reader", "PUT", "/config/orders-value", Some(&level), 403),
        ("reader", "GET", "/config", None, 403),
        ("reader", "PUT", "/config", Some(&level), 403),
        ("orders", "POST", "/subjects/orders-value/versions", Some(&register), 200),
        ("orders", "POST", "/subjects/orders-key/versions", Some(&register), 200),
        ("orders", "PUT", "/config/orders-value", Some(&level), 200),
        ("orders", "GET", "/subjects/payments-value/versions", None, 403),
        ("orders", "POST", "/subjects/payments-value/versions", Some(&register), 403),
        ("orders", "POST", "/subjects/xorders-value/versions", Some(&register), 403),
        ("orders", "GET", "/schemas/ids/2", None, 403),
        ("orders", "PUT", "/config", Some(&level), 403),
        ("nobody", "GET", "/subjects/orders-value/versions", None, 403),
        ("nobody", "POST", "/subjects/orders-value/versions", Some(&register), 403),
        ("admin", "PUT", "/config", Some(&level), 200),
        ("admin", "PUT", "/mode", Some(&json!({"mode": "READWRITE"})), 200),
        ("admin", "DELETE", "/subjects/orders-key", None, 200),
    ];
    let mut problems = Vec::new();
    for &(user, method, path, body, expected) in table {
        let http = as_user(&base, user, password(user));
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
        let reply =
            http.send(method, path, Some(schemata_core::api::CONTENT_TYPE), bytes.clone()).await;
        let shaped = expected != 403 || reply.error_code() == Some(40301);
        if reply.status != expected || !shaped {
            problems.push(format!(
                "{user} {method} {path}: {expected} expected, got {} {}",
                reply.status, reply.text
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Listings show what the caller's permissions read.
    let subjects = |user: &'static str| {
        let base = base.clone();
        async move { as_user(&base, user, password(user)).get("/subjects").await.body }
    };
    assert_eq!(subjects("orders").await, json!(["orders-value"]));
    assert_eq!(subjects("reader").await, json!(["orders-value", "payments-value"]));
    assert_eq!(subjects("nobody").await, json!([]));

    // Wrong passwords, unknown users and no credentials: 401 with a Basic challenge.
    for (user, pw) in [
        ("admin", "correct horse battery stapl"),
        ("reader", "hunter3"),
        ("orders", ""),
        ("nobody", "Password"),
        ("mallory", "s3cret"),
    ] {
        let reply = as_user(&base, user, pw).get("/subjects").await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (401, Some(40101)),
            "{user}: {}",
            reply.text
        );
    }
    let anonymous = reqwest::get(format!("{base}/subjects")).await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let challenge = anonymous.headers().get("www-authenticate").unwrap().to_str().unwrap();
    assert!(challenge.starts_with("Basic "), "{challenge}");

    // A changed file applies to the next requests; a broken one keeps the previous permissions.
    let path = dir.path().join("karapace.json");
    let nobody = as_user(&base, "nobody", password("nobody"));
    let grant = PERMISSIONS.replace(
        "]",
        r#", {"username": "nobody", "operation": "Read", "resource": "Subject:payments-"}]"#,
    );
    std::fs::write(&path, auth_file(&grant)).unwrap();
    let reply = eventually(&nobody, "/subjects/payments-value/versions", 200).await;
    assert_eq!(reply.body, json!([1]));
    std::fs::write(&path, "{\"users\": [").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let reply = nobody.get("/subjects/payments-value/versions").await;
    assert_eq!(reply.status, 200, "a broken file keeps the old one: {}", reply.text);
    std::fs::write(&path, auth_file(PERMISSIONS)).unwrap();
    eventually(&nobody, "/subjects/payments-value/versions", 403).await;
}

/// Polls `path` until it answers `status` (bounded by `WAIT`).
async fn eventually(http: &Http, path: &str, status: u16) -> Reply {
    let deadline = Instant::now() + WAIT;
    loop {
        let reply = http.get(path).await;
        if reply.status == status {
            return reply;
        }
        assert!(Instant::now() < deadline, "{path} never answered {status}: {}", reply.text);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A malformed file stops the real binary at start (non-zero exit) with a sentence naming the
/// file and the problem; the registry never serves without the auth it was told to use.
#[test]
fn malformed_karapace_files_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let user = r#"{"username": "a", "algorithm": "sha1", "salt": "s", "password_hash": "7fc4JUghxV2mHmr6IO/QxlfLlBw="}"#;
    let cases: &[(&str, String, &str)] = &[
        ("truncated", "{\"users\": [".to_owned(), "EOF while parsing"),
        (
            "algorithm",
            format!("{{\"users\": [{}]}}", user.replace("sha1", "md5")),
            "unknown variant `md5`, expected one of `sha1`, `sha256`, `sha512`, `scrypt`",
        ),
        (
            "hash length",
            format!("{{\"users\": [{}]}}", user.replace("sha1", "sha256")),
            "password_hash is 20 bytes; sha256 hashes are 32 bytes",
        ),
        (
            "regex",
            format!(
                "{{\"users\": [{user}], \"permissions\": [{{\"username\": \"a\", \"operation\": \"Read\", \"resource\": \"Subject:[\"}}]}}"
            ),
            "permissions[0] ('a'): resource \"Subject:[\" is not a regular expression",
        ),
        (
            "operation",
            format!(
                "{{\"users\": [{user}], \"permissions\": [{{\"username\": \"a\", \"operation\": \"read\", \"resource\": \".*\"}}]}}"
            ),
            "unknown variant `read`, expected `Read` or `Write`",
        ),
        ("missing file", String::new(), "cannot read Karapace auth file"),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(format!("{}.json", name.replace(' ', "-")));
        if !text.is_empty() {
            std::fs::write(&path, text).unwrap();
        }
        let log = dir.path().join(format!("{}.log", name.replace(' ', "-")));
        let mut child = std::process::Command::new(ChildRegistry::binary())
            .args(["--storage", "memory", "--listen", "127.0.0.1:0", "--auth-karapace-file"])
            .arg(&path)
            .env_remove("RUST_LOG")
            .env("SCHEMATA_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Bounded: a registry that started anyway is killed (its own id) and the case fails.
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stderr = std::fs::read_to_string(&log).unwrap();
        assert_eq!(status.and_then(|s| s.code()), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {expected:?} not in {stderr}");
        assert!(
            stderr.contains(&path.display().to_string()),
            "{name}: the path is named: {stderr}"
        );
        assert!(!stderr.contains("listening"), "{name}: {stderr}");
    }
}
