//! The audit trail: the real binary with `--log-format json` and authentication on logs every
//! write (register, import, delete version and subject, soft and permanent, config and mode,
//! subject and global) as one `schemata_registry::audit` event with the principal, operation,
//! resource and outcome as fields, and every refusal as a `denied` event; reads are not audited.
//! The test reads the child's stderr, one JSON object per line.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::harness::{ChildRegistry, Http, WAIT};

const SCHEMA: &str = r#"{"type":"record","name":"Audited","fields":[{"name":"a","type":"int"}]}"#;

/// The child and the JSON lines it logs.
struct Logged {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Drop for Logged {
    fn drop(&mut self) {
        // Only this child, by its own id.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Logged {
    /// Audit events until `count` of them arrived (bounded by `WAIT`).
    fn audit_events(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + WAIT;
        let mut events = Vec::new();
        while events.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line["target"] == "schemata_registry::audit" => events.push(line),
                Ok(_) => {}
                Err(_) => {
                    panic!("{} of {count} audit events within {WAIT:?}: {events:#?}", events.len())
                }
            }
        }
        events
    }
}

fn basic(base: &str, user: &str) -> Http {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{user}-pw"));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Basic {token}").parse().unwrap());
    let client = reqwest::Client::builder().timeout(WAIT).default_headers(headers).build().unwrap();
    Http { base: base.to_owned(), client }
}

fn spawn(dir: &std::path::Path) -> (Logged, String) {
    let mut users = String::new();
    for (name, role) in [("ada", "admin"), ("rita", "reader")] {
        let hash = schemata_registry::hash_password(&format!("{name}-pw")).unwrap();
        users.push_str(&format!("[users.{name}]\npassword_hash = '{hash}'\nroles = ['{role}']\n"));
    }
    std::fs::write(dir.join("users.toml"), users).unwrap();
    let mut child = Command::new(ChildRegistry::binary())
        .args(["--storage", "memory", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--auth-users-file")
        .arg(dir.join("users.toml"))
        .env("SCHEMATA_LOG", "info")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let value = serde_json::from_str(&line)
                .unwrap_or_else(|e| json!({"unparsed": line, "error": e.to_string()}));
            if send.send(value).is_err() {
                return;
            }
        }
    });
    let logged = Logged { child, lines };
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = logged.lines.recv_timeout(left).expect("the listening line within WAIT");
        assert!(line.get("unparsed").is_none(), "every log line is JSON: {line}");
        if let Some(addr) = line["fields"]["addr"].as_str() {
            let base = format!("http://{addr}");
            return (logged, base);
        }
    }
}

/// One request of the audit test: who, method, path, body, status, operation, resource.
type Step<'a> = (&'a Http, &'a str, &'a str, Option<Value>, u16, &'a str, &'a str);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_is_audited_with_principal_operation_and_resource() {
    let dir = tempfile::tempdir().unwrap();
    let (logged, base) = spawn(dir.path());
    let (ada, rita) = (basic(&base, "ada"), basic(&base, "rita"));
    let imported =
        json!({"schema": SCHEMA.replace("Audited", "Imported"), "id": 100, "version": 1});
    // (who, method, path, body, expected status, operation, resource)
    let steps: &[Step<'_>] = &[
        (
            &ada,
            "POST",
            "/subjects/audit-value/versions",
            Some(json!({"schema": SCHEMA})),
            200,
            "write",
            "subject:audit-value",
        ),
        (
            &ada,
            "PUT",
            "/config/audit-value",
            Some(json!({"compatibility": "FULL"})),
            200,
            "config",
            "subject:audit-value",
        ),
        (&ada, "DELETE", "/config/audit-value", None, 200, "config", "subject:audit-value"),
        (
            &ada,
            "PUT",
            "/mode/imported-value",
            Some(json!({"mode": "IMPORT"})),
            200,
            "config",
            "subject:imported-value",
        ),
        (
            &ada,
            "POST",
            "/subjects/imported-value/versions",
            Some(imported),
            200,
            "write",
            "subject:imported-value",
        ),
        (
            &ada,
            "PUT",
            "/mode/imported-value",
            Some(json!({"mode": "READWRITE"})),
            200,
            "config",
            "subject:imported-value",
        ),
        (&ada, "PUT", "/config", Some(json!({"compatibility": "NONE"})), 200, "admin", "global"),
        (&ada, "PUT", "/mode", Some(json!({"mode": "READWRITE"})), 200, "admin", "global"),
        (
            &ada,
            "DELETE",
            "/subjects/audit-value/versions/1",
            None,
            200,
            "delete",
            "subject:audit-value",
        ),
        (&ada, "DELETE", "/subjects/imported-value", None, 200, "delete", "subject:imported-value"),
        (
            &ada,
            "DELETE",
            "/subjects/imported-value?permanent=true",
            None,
            200,
            "delete",
            "subject:imported-value",
        ),
        // A write that fails is on record with its status too.
        (&ada, "DELETE", "/subjects/never-value", None, 404, "delete", "subject:never-value"),
    ];
    for (who, method, path, body, status, _, _) in steps {
        let bytes = body.as_ref().map(|b| serde_json::to_vec(b).unwrap());
        let reply = who.send(method, path, Some(schemata_core::api::CONTENT_TYPE), bytes).await;
        assert_eq!(reply.status, *status, "{method} {path}: {}", reply.text);
        // Reads are not audited: one between every write changes no count below.
        assert_eq!(ada.get("/subjects").await.status, 200);
    }
    let events = logged.audit_events(steps.len());
    for ((_, method, path, _, status, operation, resource), event) in steps.iter().zip(&events) {
        let fields = &event["fields"];
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let expected = json!({"message": "write", "principal": "ada", "method": method,
            "path": path, "query": query, "operation": operation, "resource": resource,
            "status": status});
        assert_eq!(fields, &expected, "{method} {path}");
    }

    // A refusal is an audit event of its own, naming who was refused what.
    let denied = rita.post("/subjects/audit-value/versions", json!({"schema": SCHEMA})).await;
    assert_eq!(denied.status, 403, "{}", denied.text);
    let event = logged.audit_events(1).remove(0);
    let fields = &event["fields"];
    assert_eq!(
        (&fields["message"], &fields["principal"], &fields["operation"], &fields["resource"]),
        (&json!("denied"), &json!("rita"), &json!("write"), &json!("subject:audit-value")),
        "{event}"
    );
}

/// An unknown log format is a usage error at start (exit 2, naming the value), never a registry
/// that logs in a format nobody asked for.
#[test]
fn an_unknown_log_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("stderr.log");
    let mut child = Command::new(ChildRegistry::binary())
        .args(["--storage", "memory", "--listen", "127.0.0.1:0", "--log-format", "xml"])
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the registry started with --log-format xml");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("log_format 'xml': expected 'text' or 'json'"), "{stderr}");
}
