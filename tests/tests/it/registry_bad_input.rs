//! Hostile and broken input: every case gets its 4xx and Confluent code, the server does not
//! panic, and nothing is written.

use serde_json::{Value, json};

use crate::harness::TestRegistry;

const LIMITS_BODY: usize = 64 * 1024;
const LIMITS_SCHEMA: usize = 16 * 1024;

/// A string schema padded with whitespace to `len` bytes: valid Avro of any size.
fn padded_schema(len: usize) -> String {
    format!("{}\"string\"", " ".repeat(len.saturating_sub(8)))
}

/// An Avro schema nested `depth` arrays deep.
fn nested_schema(depth: usize) -> String {
    format!("{}\"int\"{}", r#"{"type":"array","items":"#.repeat(depth), "}".repeat(depth))
}

/// Method, path, body, expected status, expected `error_code`.
type Case = (&'static str, String, Option<Vec<u8>>, u16, i64);

fn body(value: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&value).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_its_code_and_writes_nothing() {
    let r = TestRegistry::start_with(|config| {
        config.limits.max_body_bytes = LIMITS_BODY;
        config.limits.max_schema_bytes = LIMITS_SCHEMA;
        config.limits.max_subject_bytes = 255;
        config.limits.max_list_len = 3;
    })
    .await;
    let register = "/subjects/s/versions";
    let cases: Vec<Case> = vec![
        // Broken JSON is Jackson's 400; well-formed JSON of the wrong shape is an invalid schema.
        ("POST", register.into(), Some(b"{\"schema\":".to_vec()), 400, 400),
        ("POST", register.into(), Some(b"not json".to_vec()), 400, 400),
        // No body at all is no request (Jersey's `@NotNull` answer), not broken JSON.
        ("POST", register.into(), Some(Vec::new()), 422, 422),
        ("POST", register.into(), Some(b" \n".to_vec()), 422, 422),
        (
            "POST",
            register.into(),
            Some(format!("{}1{}", "[".repeat(20_000), "]".repeat(20_000)).into_bytes()),
            422,
            42201,
        ),
        ("POST", register.into(), Some(body(json!({"schema": 5}))), 422, 42201),
        ("POST", register.into(), Some(body(json!({}))), 422, 42201),
        ("POST", register.into(), Some(body(json!([]))), 422, 42201),
        ("POST", register.into(), Some(body(json!({"schema": ""}))), 422, 42201),
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": "{\"type\":\"recrod\"}"}))),
            422,
            42201,
        ),
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": "{\"type\":\"record\",\"name\":\"R\"}"}))),
            422,
            42201,
        ),
        ("POST", register.into(), Some(body(json!({"schema": "{\"type\":"}))), 422, 42201),
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": "\"string\"", "schemaType": "XML"}))),
            422,
            42201,
        ),
        (
            "POST",
            register.into(),
            Some(body(
                json!({"schema": "syntax = \"proto3\"; message {", "schemaType": "PROTOBUF"}),
            )),
            422,
            42201,
        ),
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": "{\"type\": 7}", "schemaType": "JSON"}))),
            422,
            42201,
        ),
        (
            "POST",
            register.into(),
            Some(body(
                json!({"schema": "\"string\"", "references": [{"name": "x", "subject": "nope", "version": 1}]}),
            )),
            422,
            42201,
        ),
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": "\"string\"", "references": "x"}))),
            422,
            42201,
        ),
        ("POST", register.into(), Some(body(json!({"schema": nested_schema(600)}))), 422, 42201),
        // More references than max_list_len, before any is looked up.
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": "\"string\"", "references": [
                {"name": "a", "subject": "a", "version": 1}, {"name": "b", "subject": "b", "version": 1},
                {"name": "c", "subject": "c", "version": 1}, {"name": "d", "subject": "d", "version": 1},
            ]}))),
            422,
            42201,
        ),
        // Explicit ids and versions outside IMPORT mode.
        ("POST", register.into(), Some(body(json!({"schema": "\"string\"", "id": 5}))), 422, 42205),
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": "\"string\"", "id": -5}))),
            422,
            42201,
        ),
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": "\"string\"", "version": 99_999_999_999i64}))),
            422,
            42202,
        ),
        // Limits.
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": padded_schema(LIMITS_BODY + 1)}))),
            413,
            413,
        ),
        (
            "POST",
            register.into(),
            Some(body(json!({"schema": padded_schema(LIMITS_SCHEMA + 1)}))),
            422,
            42209,
        ),
        (
            "POST",
            format!("/subjects/{}/versions", "s".repeat(300)),
            Some(body(json!({"schema": "\"string\""}))),
            422,
            42208,
        ),
        (
            "POST",
            "/subjects/a%00b/versions".into(),
            Some(body(json!({"schema": "\"string\""}))),
            422,
            42208,
        ),
        (
            "POST",
            "/subjects/a%FFb/versions".into(),
            Some(body(json!({"schema": "\"string\""}))),
            422,
            42208,
        ),
        // Ids and versions out of range.
        ("GET", "/schemas/ids/-1".into(), None, 404, 40403),
        ("GET", "/schemas/ids/0".into(), None, 404, 40403),
        ("GET", "/schemas/ids/2147483648".into(), None, 404, 404),
        ("GET", "/schemas/ids/99999999999999999999".into(), None, 404, 404),
        ("GET", "/schemas/ids/abc".into(), None, 404, 404),
        ("GET", "/subjects/s/versions/0".into(), None, 422, 42202),
        ("GET", "/subjects/s/versions/-2".into(), None, 422, 42202),
        ("GET", "/subjects/s/versions/2147483648".into(), None, 422, 42202),
        ("GET", "/subjects/s/versions/abc".into(), None, 422, 42202),
        ("DELETE", "/subjects/s/versions/abc".into(), None, 422, 42202),
        // An `int` query parameter Java cannot read is Jersey's 404.
        ("GET", "/subjects?limit=abc".into(), None, 404, 404),
        ("GET", "/schemas?offset=1.5".into(), None, 404, 404),
        ("GET", "/subjects?offset=2147483648".into(), None, 404, 404),
        // ... converted before the subject or id is looked for, as Jersey does.
        ("GET", "/subjects/nope/versions?limit=x".into(), None, 404, 404),
        ("GET", "/subjects/nope/versions/1/referencedby?offset=x".into(), None, 404, 404),
        ("GET", "/schemas/ids/99/subjects?limit=x".into(), None, 404, 404),
        ("GET", "/schemas/ids/99/versions?limit=x".into(), None, 404, 404),
        ("GET", "/schemas/ids/99/versions?limit=1".into(), None, 404, 40403),
        // Config and mode bodies.
        ("PUT", "/config".into(), Some(body(json!({"compatibility": "SIDEWAYS"}))), 422, 42203),
        ("PUT", "/config".into(), Some(body(json!({}))), 422, 42203),
        ("PUT", "/config".into(), Some(body(json!({"compatibility": ["FULL"]}))), 422, 422),
        ("PUT", "/config/s".into(), Some(b"{".to_vec()), 400, 400),
        ("PUT", "/mode".into(), Some(body(json!({"mode": "SIDEWAYS"}))), 422, 42204),
        ("PUT", "/mode".into(), Some(body(json!({"mode": 1}))), 422, 422),
        ("PUT", "/mode/s".into(), Some(body(json!({}))), 422, 422),
    ];
    for (method, path, payload, status, code) in &cases {
        let reply = r
            .send(method, path, Some("application/vnd.schemaregistry.v1+json"), payload.clone())
            .await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (*status, Some(*code)),
            "{method} {path}: {}",
            reply.text
        );
        assert!(reply.body["message"].is_string(), "{method} {path}: {}", reply.text);
    }
    // Nothing was written, and the server still serves.
    assert_eq!(r.get("/subjects?deleted=true").await.body, json!([]));
    assert_eq!(r.get("/schemas/ids/1").await.error_code(), Some(40403));
    assert_eq!(r.get("/config").await.body, json!({"compatibilityLevel": "BACKWARD"}));
    assert_eq!(r.get("/mode").await.body, json!({"mode": "READWRITE"}));
    let metrics = r.get("/metrics").await;
    assert!(metrics.text.contains("schemata_storage_appends_total 0"), "{}", metrics.text);
    assert_eq!(r.register_ok("s", "\"string\"").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_chains_deeper_than_the_limit_are_refused() {
    let r = TestRegistry::start_with(|config| config.limits.max_reference_depth = 2).await;
    // r0 <- r1 <- r2 <- r3: each references the previous one by name.
    let record = |i: usize| {
        let field = if i == 0 { "\"int\"".to_owned() } else { format!("\"R{}\"", i - 1) };
        format!(r#"{{"type":"record","name":"R{i}","fields":[{{"name":"f","type":{field}}}]}}"#)
    };
    let mut codes = Vec::new();
    for i in 0..4 {
        let references = if i == 0 {
            json!([])
        } else {
            json!([{"name": format!("R{}", i - 1), "subject": format!("r{}", i - 1), "version": 1}])
        };
        let reply = r
            .post(
                &format!("/subjects/r{i}/versions"),
                json!({"schema": record(i), "references": references}),
            )
            .await;
        codes.push((reply.status, reply.error_code()));
    }
    assert_eq!(codes, vec![(200, None), (200, None), (200, None), (422, Some(42201))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_over_max_check_steps_answers_42201_naming_the_limit() {
    let r = TestRegistry::start_with(|config| config.limits.max_check_steps = 5_000).await;
    // A union of 120 records: its parse fits 5,000 steps, checking it against a copy of itself
    // (every writer branch tried against the reader's in turn) does not.
    let branches: Vec<Value> = (0..120)
        .map(|i| json!({"type": "record", "name": format!("R{i}"), "fields": [{"name": "f", "type": "int"}]}))
        .collect();
    let wide =
        json!({"type": "record", "name": "Top", "fields": [{"name": "u", "type": branches}]});
    assert_eq!(r.register_ok("wide", &wide.to_string()).await, 1);
    let mut renamed = wide.clone();
    renamed["doc"] = json!("a second version, so that it is checked");
    let reply = r.register("wide", &renamed.to_string()).await;
    assert_eq!((reply.status, reply.error_code()), (422, Some(42201)), "{:?}", reply.body);
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("max_check_steps") && message.contains("5000"), "{message}");
    let reply = r
        .post(
            "/compatibility/subjects/wide/versions/latest",
            json!({"schema": renamed.to_string()}),
        )
        .await;
    assert_eq!((reply.status, reply.error_code()), (422, Some(42201)), "{:?}", reply.body);

    // A schema whose parse alone needs more: refused before any check, naming the limit too.
    let fields: Vec<Value> =
        (0..2_000).map(|i| json!({"name": format!("f{i}"), "type": "string"})).collect();
    let big = json!({"type": "record", "name": "Big", "fields": fields});
    let reply = r.register("big", &big.to_string()).await;
    assert_eq!((reply.status, reply.error_code()), (422, Some(42201)), "{:?}", reply.body);
    assert!(reply.body["message"].as_str().unwrap_or_default().contains("max_check_steps"));
    // The registry keeps answering.
    assert_eq!(r.register_ok("small", "\"string\"").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_time_limit_answer_50002() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let r = TestRegistry::start_with(|config| config.limits.request_timeout_ms = 200).await;
    // A body announced but never finished keeps the handler waiting until the limit.
    let address = r.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /subjects/s/versions HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"schema\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Read until the whole error body is in (or the server closes), bounded by WAIT.
    let mut answer = String::new();
    let deadline = tokio::time::Instant::now() + crate::harness::WAIT;
    while !answer.contains("timed out\"}") {
        let mut chunk = vec![0; 4096];
        let read = tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await;
        let n = read.expect("answer within WAIT").unwrap();
        if n == 0 {
            break;
        }
        answer.push_str(&String::from_utf8_lossy(&chunk[..n]));
    }
    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
    assert!(answer.contains(r#"{"error_code":50002,"message":"Operation timed out"}"#), "{answer}");
    assert_eq!(r.get("/subjects").await.body, json!([]));
}
