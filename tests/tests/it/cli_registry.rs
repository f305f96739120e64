//! `schemata register | subjects | get | config | mode | delete` against a real registry over
//! HTTP: one session of one-line cases, each with the exact exit code, stdout and stderr, in text
//! and JSON formats, including the failures (bad files, unknown subjects, refused writes, an
//! unreachable registry).

use std::path::Path;

use serde_json::Value;

use crate::cli_support::{Output, schemata};
use crate::harness::TestRegistry;

const ORDER_V1: &str =
    r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"}]}"#;
const ORDER_V2: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"note","type":"string","default":""}]}"#;
/// Drops nothing but adds a field without a default: not BACKWARD compatible with v2.
const ORDER_BREAKING: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"note","type":"string"},{"name":"qty","type":"int"}]}"#;
const PERSON: &str = r#"{"type":"object","properties":{"name":{"type":"string"}}}"#;
const MONEY: &str = r#"{"type":"record","name":"Money","namespace":"shop","fields":[{"name":"cents","type":"long"}]}"#;
const PRICE: &str = r#"{"type":"record","name":"Price","namespace":"shop","fields":[{"name":"amount","type":"shop.Money"}]}"#;
/// `PRICE` as the registry stores it (as Java's `Schema.toString()` prints it, like Confluent).
const PRICE_STORED: &str = r#"{"type":"record","name":"Price","namespace":"shop","fields":[{"name":"amount","type":"Money"}]}"#;

/// Runs `schemata ARGS --registry URL` and compares the exit code, stdout and stderr. Expected
/// text ending in `*` is a prefix; stdout starting with `{` or `[` is compared as JSON, so the
/// assertion is about content, not about map ordering.
#[track_caller]
fn compare(args: &[&str], got: &Output, code: i32, stdout: &str, stderr: &str) {
    got.expect_code(code);
    let same = |got: &str, expected: &str| match expected.strip_suffix('*') {
        // `a*b*`: starts with `a`, then `b` somewhere after it.
        Some(pattern) => {
            let mut parts = pattern.split('*');
            let first = parts.next().unwrap_or_default();
            got.strip_prefix(first).is_some_and(|mut rest| {
                parts
                    .all(|part| rest.find(part).map(|at| rest = &rest[at + part.len()..]).is_some())
            })
        }
        None if expected.starts_with(['{', '[']) => {
            serde_json::from_str::<Value>(got).ok()
                == Some(serde_json::from_str::<Value>(expected).expect("expected JSON"))
                && got.ends_with('\n')
                && got.lines().count() == 1
        }
        None => got == expected,
    };
    assert!(same(&got.stdout, stdout), "{args:?}\nstdout: {:?}\nexpected: {stdout:?}", got.stdout);
    assert!(same(&got.stderr, stderr), "{args:?}\nstderr: {:?}\nexpected: {stderr:?}", got.stderr);
}

async fn check(url: &str, args: &[&str], code: i32, stdout: &str, stderr: &str) {
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["--registry", url]);
    let got = schemata(full).run().await;
    compare(args, &got, code, stdout, stderr);
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_commands_print_and_fail_as_documented() {
    let r = TestRegistry::start().await;
    let url = r.base.as_str();
    let dir = tempfile::tempdir().unwrap();
    let order1 = write(dir.path(), "order1.avsc", ORDER_V1);
    let order2 = write(dir.path(), "order2.avsc", ORDER_V2);
    let breaking = write(dir.path(), "breaking.avsc", ORDER_BREAKING);
    let person = write(dir.path(), "person.json", PERSON);
    let money = write(dir.path(), "money.avsc", MONEY);
    let price = write(dir.path(), "price.avsc", PRICE);
    let untyped = write(dir.path(), "order.txt", ORDER_V1);
    let spaced = write(dir.path(), "spaced.avsc", r#"{ "type" : "int" }"#);
    let invalid = write(dir.path(), "invalid.avsc", r#"{"type":"recrod","name":"X"}"#);
    let missing = dir.path().join("missing.avsc").display().to_string();
    let get_v1 = format!(
        r#"{{"subject":"orders-value","version":1,"id":1,"schema":{}}}"#,
        serde_json::to_string(ORDER_V1).unwrap()
    );
    let get_id2 = format!(r#"{{"id":2,"schema":{}}}"#, serde_json::to_string(ORDER_V2).unwrap());
    let registered = |file: &str, subject: &str, version: u32, id: u32| {
        format!("registered {file} under subject '{subject}' as version {version} with id {id}\n")
    };

    #[rustfmt::skip]
    let cases: Vec<(Vec<&str>, i32, String, String)> = vec![
        // register: the id on stdout (the sentence on stderr), or JSON.
        (vec!["register", &order1, "--subject", "orders-value"], 0, "1\n".into(), registered(&order1, "orders-value", 1, 1)),
        (vec!["register", &order1, "--subject", "orders-value"], 0, "1\n".into(), registered(&order1, "orders-value", 1, 1)),
        (vec!["register", &order2, "--subject", "orders-value", "--format", "json"], 0, r#"{"subject":"orders-value","version":2,"id":2}"#.into(), "".into()),
        (vec!["register", &person, "--subject", "people-value"], 0, "3\n".into(), registered(&person, "people-value", 1, 3)),
        (vec!["register", &untyped, "--subject", "typed-value", "--type", "avro"], 0, "1\n".into(), registered(&untyped, "typed-value", 1, 1)),
        (vec!["register", &money, "--subject", "money-value"], 0, "4\n".into(), registered(&money, "money-value", 1, 4)),
        (vec!["register", &price, "--subject", "price-value", "--reference", "shop.Money=money-value:1"], 0, "5\n".into(), registered(&price, "price-value", 1, 5)),
        (vec!["register", &spaced, "--subject", "spaced-value", "--normalize", "--format", "json"], 0, r#"{"subject":"spaced-value","version":1,"id":6}"#.into(), "".into()),
        (vec!["get", "--id", "6"], 0, "\"int\"\n".into(), "".into()),
        // register failures.
        (vec!["register", &untyped, "--subject", "x"], 2, "".into(), format!("error: cannot tell the schema type of {untyped} from its extension (.avsc, .json, .proto): pass --type AVRO, JSON or PROTOBUF\n")),
        (vec!["register", &order1, "--subject", "x", "--type", "XML"], 2, "".into(), "error: unknown schema type 'XML': expected AVRO, JSON or PROTOBUF\n".into()),
        (vec!["register", &missing, "--subject", "x"], 2, "".into(), format!("error: {missing}: No such file or directory (os error 2)\n")),
        (vec!["register", &invalid, "--subject", "x"], 2, "".into(), format!("error: {invalid}: *")),
        (vec!["register", &price, "--subject", "x"], 2, "".into(), format!("error: {price}: *")),
        (vec!["register", &price, "--subject", "x", "--reference", "shop.Money=nope:1"], 2, "".into(), "error: subject 'nope' not found (40401)\n".into()),
        (vec!["register", &price, "--subject", "x", "--reference", "shop.Money"], 2, "".into(), "error: --reference 'shop.Money': expected NAME=SUBJECT:VERSION, e.g. com.acme.Money=money-value:1\n".into()),
        (vec!["register", &breaking, "--subject", "orders-value"], 2, "".into(), "error: schema being registered is incompatible with an earlier schema for subject \"orders-value\"*(40901)\nhint: `schemata check --registry URL` over the schema files*".into()),
        // subjects.
        (vec!["subjects"], 0, "money-value\norders-value\npeople-value\nprice-value\nspaced-value\ntyped-value\n".into(), "".into()),
        (vec!["subjects", "--prefix", "p"], 0, "people-value\nprice-value\n".into(), "".into()),
        (vec!["subjects", "--prefix", "zzz"], 0, "".into(), "".into()),
        (vec!["subjects", "--format", "json"], 0, r#"["money-value","orders-value","people-value","price-value","spaced-value","typed-value"]"#.into(), "".into()),
        // get: the schema itself, or the registry's record.
        (vec!["get", "--id", "1"], 0, format!("{ORDER_V1}\n"), "".into()),
        (vec!["get", "--id", "2", "--format", "json"], 0, get_id2, "".into()),
        (vec!["get", "--subject", "orders-value"], 0, format!("{ORDER_V2}\n"), "".into()),
        (vec!["get", "--subject", "orders-value", "--version", "latest"], 0, format!("{ORDER_V2}\n"), "".into()),
        (vec!["get", "--subject", "orders-value", "--version", "1", "--format", "json"], 0, get_v1, "".into()),
        (vec!["get", "--subject", "price-value", "--format", "json"], 0, format!(r#"{{"subject":"price-value","version":1,"id":5,"references":[{{"name":"shop.Money","subject":"money-value","version":1}}],"schema":{}}}"#, serde_json::to_string(PRICE_STORED).unwrap()), "".into()),
        (vec!["get", "--subject", "nope"], 2, "".into(), "error: subject 'nope' not found (40401)\n".into()),
        (vec!["get", "--subject", "orders-value", "--version", "9"], 2, "".into(), "error: version 9 not found (40402)\n".into()),
        (vec!["get", "--id", "99"], 2, "".into(), "error: schema 99 not found (40403)\n".into()),
        (vec!["get", "--id", "0"], 2, "".into(), "error: --id 0: schema ids start at 1\n".into()),
        (vec!["get", "--subject", "orders-value", "--version", "x"], 2, "".into(), "error: invalid value 'x' for '--version <VERSION>': 'x' is not a version*".into()),
        (vec!["get"], 2, "".into(), "error: the following required arguments were not provided:*".into()),
        // config: show, set, per subject, delete.
        (vec!["config"], 0, "BACKWARD\n".into(), "".into()),
        (vec!["config", "--format", "json"], 0, r#"{"compatibilityLevel":"BACKWARD"}"#.into(), "".into()),
        (vec!["config", "full"], 0, "set the global config: compatibility FULL\n".into(), "".into()),
        (vec!["config", "--subject", "orders-value"], 0, "FULL (global)\n".into(), "".into()),
        (vec!["config", "--subject", "orders-value", "NONE", "--json-policy", "lenient"], 0, "set subject 'orders-value' config: compatibility NONE, json-policy LENIENT\n".into(), "".into()),
        (vec!["config", "--subject", "orders-value"], 0, "NONE json-policy=LENIENT\n".into(), "".into()),
        (vec!["config", "--subject", "orders-value", "--format", "json"], 0, r#"{"compatibilityLevel":"NONE","compatibilityPolicy":"LENIENT"}"#.into(), "".into()),
        // The subject's NONE now lets the breaking schema in.
        (vec!["register", &breaking, "--subject", "orders-value"], 0, "7\n".into(), registered(&breaking, "orders-value", 3, 7)),
        (vec!["config", "--subject", "orders-value", "--delete"], 0, "deleted subject 'orders-value' config\n".into(), "".into()),
        (vec!["config", "--subject", "orders-value", "--format", "json"], 0, r#"{"compatibilityLevel":"FULL"}"#.into(), "".into()),
        (vec!["config", "--delete"], 0, "deleted the global config\n".into(), "".into()),
        (vec!["config"], 0, "BACKWARD\n".into(), "".into()),
        (vec!["config", "SIDEWAYS"], 2, "".into(), "error: unknown compatibility level 'SIDEWAYS': expected one of *".into()),
        (vec!["config", "--json-policy", "LOOSE"], 2, "".into(), "error: unknown JSON policy 'LOOSE': expected STRICT or LENIENT\n".into()),
        (vec!["config", "FULL", "--delete"], 2, "".into(), "error: the argument *".into()),
        // mode: show, set, refused writes, delete.
        (vec!["mode"], 0, "READWRITE\n".into(), "".into()),
        (vec!["mode", "--subject", "orders-value", "readonly"], 0, "set subject 'orders-value' mode to READONLY\n".into(), "".into()),
        (vec!["mode", "--subject", "orders-value"], 0, "READONLY\n".into(), "".into()),
        (vec!["mode", "--subject", "people-value", "--format", "json"], 0, r#"{"mode":"READWRITE"}"#.into(), "".into()),
        (vec!["mode", "--subject", "people-value"], 0, "READWRITE (global)\n".into(), "".into()),
        (vec!["register", &order1, "--subject", "orders-value"], 2, "".into(), "error: subject orders-value is in read-only mode (42205)\n".into()),
        (vec!["delete", "--subject", "orders-value"], 2, "".into(), "error: subject orders-value is in read-only mode (42205)\n".into()),
        (vec!["mode", "--subject", "orders-value", "--delete"], 0, "deleted subject 'orders-value' mode (was READONLY)\n".into(), "".into()),
        (vec!["mode", "IMPORT"], 2, "".into(), "error: cannot import since found existing subjects (42205)\n".into()),
        (vec!["mode", "IMPORT", "--force", "--format", "json"], 0, r#"{"mode":"IMPORT"}"#.into(), "".into()),
        (vec!["mode", "READWRITE"], 0, "set the global mode to READWRITE\n".into(), "".into()),
        (vec!["mode", "WRITEONLY"], 2, "".into(), "error: unknown mode 'WRITEONLY': expected READWRITE, READONLY or IMPORT\n".into()),
        (vec!["mode", "--delete"], 2, "".into(), "error: the following required arguments were not provided:*".into()),
        // delete: soft, one version, permanent (soft first), unknown subjects.
        (vec!["delete", "--subject", "people-value"], 0, "soft-deleted version 1 of subject 'people-value'\n".into(), "".into()),
        (vec!["subjects", "--prefix", "pe"], 0, "".into(), "".into()),
        (vec!["subjects", "--prefix", "pe", "--deleted"], 0, "people-value\n".into(), "".into()),
        (vec!["delete", "--subject", "people-value"], 2, "".into(), "error: subject 'people-value' was soft deleted.Set permanent=true to delete permanently (40404)\n".into()),
        (vec!["delete", "--subject", "people-value", "--permanent", "--format", "json"], 0, "[1]".into(), "".into()),
        (vec!["subjects", "--prefix", "pe", "--deleted"], 0, "".into(), "".into()),
        (vec!["delete", "--subject", "orders-value", "--version", "latest"], 0, "soft-deleted version 3 of subject 'orders-value'\n".into(), "".into()),
        (vec!["delete", "--subject", "orders-value", "--version", "1", "--permanent"], 0, "permanently deleted version 1 of subject 'orders-value'\n".into(), "".into()),
        (vec!["get", "--subject", "orders-value", "--version", "3", "--deleted"], 0, format!("{ORDER_BREAKING}\n"), "".into()),
        (vec!["get", "--subject", "orders-value", "--version", "1", "--deleted"], 2, "".into(), "error: version 1 not found (40402)\n".into()),
        (vec!["delete", "--subject", "money-value"], 2, "".into(), "error: one or more references exist to the schema*".into()),
        (vec!["delete", "--subject", "typed-value", "--format", "json"], 0, "[1]".into(), "".into()),
        (vec!["delete", "--subject", "nope"], 2, "".into(), "error: subject 'nope' not found (40401)\n".into()),
        (vec!["delete", "--subject", "nope", "--version", "1", "--permanent"], 2, "".into(), "error: subject 'nope' not found (40401)\n".into()),
    ];
    for (args, code, stdout, stderr) in &cases {
        check(url, args, *code, stdout, stderr).await;
    }
    // What the commands did is what the REST API shows.
    assert_eq!(r.get("/subjects/orders-value/versions").await.body, serde_json::json!([2]));
    assert_eq!(r.get("/subjects?deleted=true").await.body.as_array().map(Vec::len), Some(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_reachable_registry_commands_fail_cleanly() {
    // A port that was just free: nothing listens there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    #[rustfmt::skip]
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["subjects", "--registry", &closed], "error: cannot reach the registry: *"),
        (vec!["get", "--id", "1", "--registry", &closed], "error: cannot reach the registry: *"),
        (vec!["mode", "--registry", &closed], "error: cannot reach the registry: *"),
        (vec!["subjects"], "error: no registry URL: pass --registry URL or set SCHEMATA_REGISTRY_URL\n"),
        (vec!["subjects", "--registry", "not a url"], "error: registry url 'not a url': relative URL without a base: this does not look like*"),
        (vec!["subjects", "--registry", &closed, "--basic-auth", "nocolon"], "error: --basic-auth must be USER:PASSWORD\n"),
    ];
    for (args, stderr) in &cases {
        let got = schemata(args.clone()).run().await;
        compare(args, &got, 2, "", stderr);
        assert!(!got.stderr.contains("panicked"), "{args:?}: {}", got.stderr);
    }
    // The environment variable names the registry as --registry does.
    let r = TestRegistry::start().await;
    r.register_ok("env-value", "\"string\"").await;
    let got = schemata(["subjects"]).env("SCHEMATA_REGISTRY_URL", &r.base).run().await;
    compare(&["subjects"], &got, 0, "env-value\n", "");
}

/// A web server that is not a schema registry: HTML pages, with `status` for every path.
async fn web_server(status: u16) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let status = axum::http::StatusCode::from_u16(status).unwrap();
    let app = axum::Router::new().fallback(move || async move {
        (status, axum::response::Html("<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>"))
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// Registry URLs that point somewhere else get one sentence naming the URL and what was
/// expected, never a URL-parser message alone, a bare 404 or a whole HTML page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_registry_urls_say_this_is_not_a_registry() {
    let not_found = web_server(404).await;
    let ok_page = web_server(200).await;
    let expected_tail = "(expected the base URL of a Confluent Schema Registry API v1, e.g. \
                         http://localhost:8081, without a path such as /subjects)";
    let cases: Vec<(String, String)> = vec![
        (
            "localhost:8081".into(),
            "error: registry url 'localhost:8081' cannot be a base: this does not look like a \
             schema registry URL (expected http://HOST:PORT or https://HOST:PORT)"
                .into(),
        ),
        (
            "not a url".into(),
            "error: registry url 'not a url': relative URL without a base: this does not look like a schema registry URL"
                .into(),
        ),
        (
            not_found.clone(),
            format!(
                "error: this does not look like a schema registry at {not_found}: it answered \
                 HTTP 404 with an HTML page {expected_tail}"
            ),
        ),
        (
            ok_page.clone(),
            format!("error: this does not look like a schema registry at {ok_page}: its answer is not the JSON a registry sends"),
        ),
    ];
    for (url, expected) in cases {
        let output = schemata(["subjects", "--registry", &url]).run().await;
        output.expect_code(2);
        assert!(output.stderr.starts_with(&expected), "{url}:\n{expected}\n{}", output.stderr);
        assert!(!output.stderr.contains("<html"), "{}", output.stderr);
    }
}

/// `register --metadata/--rule-set` registers a data contract with the schema (JSON or @FILE);
/// malformed contract JSON is refused before anything is sent, an invalid rule set by the
/// registry (42210), and neither writes a version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_carries_a_data_contract() {
    let r = TestRegistry::start().await;
    let url = r.base.as_str();
    let dir = tempfile::tempdir().unwrap();
    let order1 = write(dir.path(), "order1.avsc", ORDER_V1);
    let order2 = write(dir.path(), "order2.avsc", ORDER_V2);
    let rules = write(
        dir.path(),
        "rules.json",
        r#"{"domainRules":[{"name":"positive","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.id > 0"}]}"#,
    );
    let rules_arg = format!("@{rules}");
    let bad_rules =
        r#"{"domainRules":[{"name":"x","kind":"CONDITION","mode":"SOMETIMES","type":"CEL"}]}"#;
    let owner = r#"{"properties":{"owner":"shop"}}"#;
    #[rustfmt::skip]
    let cases: Vec<(Vec<&str>, i32, String, String)> = vec![
        (vec!["register", &order1, "--subject", "c-value", "--metadata", owner, "--rule-set", &rules_arg, "--format", "json"], 0, r#"{"subject":"c-value","version":1,"id":1}"#.into(), "".into()),
        // The same contract again is the same version.
        (vec!["register", &order1, "--subject", "c-value", "--metadata", owner, "--rule-set", &rules_arg, "--format", "json"], 0, r#"{"subject":"c-value","version":1,"id":1}"#.into(), "".into()),
        (vec!["register", &order2, "--subject", "c-value", "--metadata", "{not json"], 2, "".into(), "error: --metadata: not a valid metadata: key must be a string at line 1 column 2\n".into()),
        (vec!["register", &order2, "--subject", "c-value", "--rule-set", "@/nonexistent/rules.json"], 2, "".into(), "error: /nonexistent/rules.json: No such file or directory (os error 2)\n".into()),
        (vec!["register", &order2, "--subject", "c-value", "--rule-set", bad_rules], 2, "".into(), "error: invalid rule mode 'SOMETIMES' in rule x: expected one of WRITE, READ, WRITEREAD, UPGRADE, DOWNGRADE, UPDOWN (42210)\n".into()),
    ];
    for (args, code, stdout, stderr) in &cases {
        check(url, args, *code, stdout, stderr).await;
    }
    let v1 = r.get("/subjects/c-value/versions/1").await;
    assert_eq!(v1.body["metadata"]["properties"]["owner"], "shop", "{}", v1.text);
    assert_eq!(v1.body["ruleSet"]["domainRules"][0]["expr"], "message.id > 0", "{}", v1.text);
    let versions = r.get("/subjects/c-value/versions").await;
    assert_eq!(versions.body, serde_json::json!([1]), "nothing else was written");
}
