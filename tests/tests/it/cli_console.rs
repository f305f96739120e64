//! `schemata produce` and `schemata consume` through the real broker and registry: JSON lines in,
//! schema-registry framed records on the topic (readable by the typed consumer), JSON lines out.

use schemata::kafka::{UndecodablePolicy, Utf8};
use serde::{Deserialize, Serialize};

use crate::broker::unique;
use crate::cli_support::schemata;
use crate::kafka::{Env, recv};

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.console")]
struct Reading {
    sensor: String,
    value: f64,
    note: Option<String>,
    tags: Vec<String>,
}

const READING_AVSC: &str = r#"{"type":"record","name":"Reading","namespace":"com.acme.console","fields":[
  {"name":"sensor","type":"string"},
  {"name":"value","type":"double"},
  {"name":"note","type":["null","string"],"default":null},
  {"name":"tags","type":{"type":"array","items":"string"}}]}"#;

/// Lines typed into `produce` (key, TAB, JSON value) and what `consume --print-key` prints back.
const LINES: [(&str, &str); 3] = [
    (
        "k1\t{\"sensor\":\"a\",\"value\":1.5,\"note\":null,\"tags\":[]}",
        "k1\t{\"sensor\":\"a\",\"value\":1.5,\"note\":null,\"tags\":[]}",
    ),
    (
        "k2\t{\"sensor\":\"b\",\"value\":-2.0,\"note\":\"hot\",\"tags\":[\"x\",\"y\"]}",
        "k2\t{\"sensor\":\"b\",\"value\":-2.0,\"note\":\"hot\",\"tags\":[\"x\",\"y\"]}",
    ),
    ("k1\tnull", "k1\tnull"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_and_consume_json_lines_through_the_broker() {
    let env = Env::start().await;
    let topic = env.topic("console", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("reading.avsc");
    std::fs::write(&schema, READING_AVSC).unwrap();
    // Its data contract, registered with it.
    let contract = r#"{"metadata": {"properties": {"owner": "sensors"}}}"#;
    std::fs::write(dir.path().join("reading.contract.json"), contract).unwrap();
    let (registry, bootstrap) = (env.registry_url().to_owned(), env.broker.bootstrap.clone());
    let input: String = LINES.iter().map(|(line, _)| format!("{line}\n")).collect();

    let schema = schema.to_str().unwrap();
    let produce = ["--registry", &registry, "produce", "--topic", &topic];
    let produce = schemata(produce.into_iter().chain([
        "--bootstrap-servers",
        &bootstrap,
        "--schema",
        schema,
        "--key-separator",
        "\t",
    ]));
    produce.stdin(input).run().await.expect_code(0);
    let subject = format!("{topic}-value");
    let get = ["--registry", &registry, "get", "--subject", &subject, "--format", "json"];
    let registered = schemata(get).run().await;
    registered.expect_code(0);
    let registered: serde_json::Value = serde_json::from_str(&registered.stdout).unwrap();
    assert_eq!(registered["metadata"]["properties"]["owner"], "sensors", "{registered}");

    // The typed consumer reads what the console wrote.
    let typed = env.consumer(&unique("g"), UndecodablePolicy::Fail, Utf8, env.avro_de::<Reading>());
    typed.assign(&topic, &[0]).unwrap();
    let first = recv(&typed).await;
    assert_eq!(first.key.as_deref(), Some("k1"));
    assert_eq!(
        first.value,
        Some(Reading { sensor: "a".into(), value: 1.5, note: None, tags: vec![] })
    );
    let second = recv(&typed).await;
    assert_eq!(second.value.unwrap().note.as_deref(), Some("hot"));
    assert_eq!(recv(&typed).await.value, None, "null is a tombstone");

    let consume = ["--registry", &registry, "consume", "--topic", &topic, "--bootstrap-servers"];
    let output = schemata(consume.into_iter().chain([
        &*bootstrap,
        "--from-beginning",
        "--max-messages",
        "3",
        "--timeout-ms",
        "15000",
        "--print-key",
    ]))
    .run()
    .await;
    output.expect_code(0);
    let printed: Vec<&str> = output.stdout.lines().collect();
    let expected: Vec<&str> = LINES.iter().map(|(_, out)| *out).collect();
    assert_eq!(printed, expected);

    // Without --schema the subject's latest version is used; a line that does not fit is exit 2.
    let produce = ["--registry", &registry, "produce", "--topic", &topic, "--bootstrap-servers"];
    let output =
        schemata(produce.into_iter().chain([&*bootstrap])).stdin("{\"sensor\":1}\n").run().await;
    output.expect_code(2);
    assert!(output.stderr.contains("line 1"), "{}", output.stderr);
}

/// Bad input to the console commands: a sentence on stderr and exit 2, each bounded by the
/// tool's own timeouts (no broker or registry listens on port 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_bad_input_is_a_sentence_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.avsc");
    std::fs::write(&bad, r#"{"type":"recordx"}"#).unwrap();
    let good = dir.path().join("good.avsc");
    std::fs::write(&good, READING_AVSC).unwrap();
    let contracted = dir.path().join("contracted.avsc");
    std::fs::write(&contracted, READING_AVSC).unwrap();
    std::fs::write(dir.path().join("contracted.contract.json"), "{\"ruleset\": {}}").unwrap();
    let (bad, good) = (bad.to_str().unwrap(), good.to_str().unwrap());
    let contracted = contracted.to_str().unwrap();
    let closed = ["--registry", "http://127.0.0.1:1", "--bootstrap-servers", "127.0.0.1:1"];
    let cases: [(&[&str], &str); 6] = [
        (&["consume", "--topic", "t"], "--bootstrap-servers"),
        (
            &["consume", "--topic", "t", "--timeout-ms", "3000", "--max-messages", "1"],
            "error: kafka: ",
        ),
        (&["produce", "--topic", "t", "--schema", bad], "bad.avsc: invalid AVRO schema at '/type'"),
        (&["produce", "--topic", "t", "--schema", good], "error: cannot reach the registry: "),
        (&["produce", "--topic", "t", "--schema", contracted], "unknown field `ruleset`"),
        (
            &["produce", "--topic", "t", "--schema", good, "--schema-type", "XML"],
            "AVRO, JSON or PROTOBUF",
        ),
    ];
    for (args, expected) in cases {
        let mut argv: Vec<&str> = args.to_vec();
        if args.len() > 3 {
            argv.extend(closed);
        }
        argv.extend(["--registry-timeout-ms", "2000"]);
        let started = std::time::Instant::now();
        let output = schemata(argv)
            .stdin("{\"sensor\":\"a\",\"value\":1.0,\"note\":null,\"tags\":[]}\n")
            .run()
            .await;
        output.expect_code(2);
        // Within seconds (the 5 s metadata wait), never the 30 s delivery timeout.
        assert!(started.elapsed() < std::time::Duration::from_secs(12), "{expected}: too slow");
        assert!(output.stderr.contains(expected), "{expected}: {}", output.stderr);
        assert!(!output.stderr.contains("panicked"), "{}", output.stderr);
    }
}

/// A missing topic is named (tansu does not auto-create topics) unless `--create-topic` asks for
/// it; with it, the records arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_names_a_missing_topic_and_creates_it_when_asked() {
    let env = Env::start().await;
    let topic = unique("console-missing");
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("reading.avsc");
    std::fs::write(&schema, READING_AVSC).unwrap();
    let (registry, bootstrap) = (env.registry_url().to_owned(), env.broker.bootstrap.clone());
    let line = "{\"sensor\":\"a\",\"value\":1.5,\"note\":null,\"tags\":[]}\n";
    let args = |create: bool| {
        let mut args = vec!["--registry", &registry, "produce", "--topic", &topic];
        args.extend(["--bootstrap-servers", &bootstrap, "--schema", schema.to_str().unwrap()]);
        if create {
            args.push("--create-topic");
        }
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let started = std::time::Instant::now();
    let output = schemata(args(false)).stdin(line).run().await;
    output.expect_code(2);
    let expected =
        format!("error: topic {topic} does not exist at {bootstrap} (use --create-topic)");
    assert!(output.stderr.contains(&expected), "{}", output.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(12),
        "a missing topic took too long"
    );

    // No broker at all: said within seconds, before any record.
    let started = std::time::Instant::now();
    let mut unreachable = args(false);
    let at = unreachable.iter().position(|a| a == "--bootstrap-servers").unwrap();
    unreachable[at + 1] = "127.0.0.1:1".into();
    let output = schemata(unreachable).stdin(line).run().await;
    output.expect_code(2);
    assert!(
        output.stderr.starts_with("error: no Kafka broker answered at 127.0.0.1:1 within 5000 ms"),
        "{}",
        output.stderr
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(12),
        "an unreachable broker took too long"
    );

    let output = schemata(args(true)).stdin(line).run().await;
    output.expect_code(0);
    assert!(output.stderr.contains(&format!("created topic {topic}")), "{}", output.stderr);
    let typed = env.consumer(&unique("g"), UndecodablePolicy::Fail, Utf8, env.avro_de::<Reading>());
    typed.assign(&topic, &[0]).unwrap();
    assert_eq!(recv(&typed).await.value.map(|r| r.sensor), Some("a".to_owned()));
}
