//! `schemata export` / `schemata import` against real registries over HTTP: a registry with every
//! kind of history (shared ids, soft and hard deletes, id and version gaps, references, JSON
//! Schema, configs and modes) is exported, imported into a fresh registry and exported again,
//! byte for byte; conflicting targets and broken files are refused before anything is written.

use serde_json::{Value, json};

use crate::cli_support::{Output, schemata};
use crate::harness::TestRegistry;

const MONEY: &str = r#"{"type":"record","name":"Money","namespace":"shop","fields":[{"name":"cents","type":"long"}]}"#;
const PRICE: &str = r#"{"type":"record","name":"Price","namespace":"shop","fields":[{"name":"amount","type":"shop.Money"}]}"#;
const ENUM: &str = r#"{"type":"enum","name":"G","symbols":["A"]}"#;
/// Enough subjects that the progress bar would be drawn on a terminal.
const BULK: usize = 55;

#[track_caller]
fn ok(reply: &crate::harness::Reply) {
    assert_eq!(reply.status, 200, "{}", reply.text);
}

/// A registry with every kind of history an import has to reproduce.
async fn populated() -> TestRegistry {
    let r = TestRegistry::start().await;
    ok(&r.put("/config", json!({"compatibility": "NONE"})).await);
    assert_eq!(r.register_ok("a-value", "\"string\"").await, 1);
    assert_eq!(r.register_ok("b-value", "\"string\"").await, 1);
    assert_eq!(r.register_ok("a-value", "\"int\"").await, 2);
    assert_eq!(r.register_ok("a-value", "\"long\"").await, 3);
    ok(&r.delete("/subjects/a-value/versions/2").await);
    // c-value: versions 1 and 3 stay, version 2 (id 5) is hard-deleted: a gap in both.
    assert_eq!(r.register_ok("c-value", "\"float\"").await, 4);
    assert_eq!(r.register_ok("c-value", "\"double\"").await, 5);
    assert_eq!(r.register_ok("c-value", "\"bytes\"").await, 6);
    ok(&r.delete("/subjects/c-value/versions/2").await);
    ok(&r.delete("/subjects/c-value/versions/2?permanent=true").await);
    let d = json!({"schema": r#"{"type":"object"}"#, "schemaType": "JSON"});
    ok(&r.post("/subjects/d-value/versions", d).await);
    assert_eq!(r.register_ok("money-value", MONEY).await, 8);
    let price = json!({
        "schema": PRICE,
        "references": [{"name": "shop.Money", "subject": "money-value", "version": 1}],
    });
    ok(&r.post("/subjects/price-value/versions", price).await);
    // f-value: a whole subject soft-deleted.
    assert_eq!(r.register_ok("f-value", "\"boolean\"").await, 10);
    ok(&r.delete("/subjects/f-value").await);
    // g-value: a soft-deleted version registered again, so one id is in two versions.
    assert_eq!(r.register_ok("g-value", ENUM).await, 11);
    ok(&r.delete("/subjects/g-value/versions/1").await);
    assert_eq!(r.register_ok("g-value", ENUM).await, 11);
    for i in 0..BULK {
        let schema = format!(r#"{{"type":"fixed","name":"F{i}","size":{}}}"#, i + 1);
        r.register_ok(&format!("bulk-{i:02}"), &schema).await;
    }
    ok(&r.put("/config", json!({"compatibility": "FORWARD"})).await);
    ok(&r.put("/config/a-value", json!({"compatibility": "FULL"})).await);
    ok(&r
        .put("/config/d-value", json!({"compatibility": "BACKWARD", "jsonPolicy": "LENIENT"}))
        .await);
    ok(&r.put("/mode/c-value", json!({"mode": "READONLY"})).await);
    r
}

/// Every answer that shows the registry's content, for comparing two registries.
async fn listings(r: &TestRegistry) -> Vec<(String, u16, String)> {
    let mut paths: Vec<String> = [
        "/subjects",
        "/subjects?deleted=true",
        "/schemas",
        "/schemas?deleted=true",
        "/config",
        "/mode",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    let subjects = r.get("/subjects?deleted=true").await.body;
    for subject in subjects.as_array().unwrap().iter().filter_map(Value::as_str) {
        for suffix in ["/versions", "/versions?deleted=true"] {
            paths.push(format!("/subjects/{subject}{suffix}"));
        }
        paths.push(format!("/config/{subject}"));
        paths.push(format!("/mode/{subject}"));
    }
    for id in 1..=70 {
        paths.push(format!("/schemas/ids/{id}"));
        paths.push(format!("/schemas/ids/{id}/versions?deleted=true"));
    }
    let mut out = Vec::new();
    for path in paths {
        let reply = r.get(&path).await;
        out.push((path, reply.status, reply.text));
    }
    out
}

async fn export(r: &TestRegistry) -> String {
    let got = schemata(["export", "--registry", &r.base]).run().await;
    got.expect_code(0);
    got.stdout
}

async fn import(r: &TestRegistry, args: &[&str], stdin: &str) -> Output {
    let mut full = vec!["import"];
    full.extend(args);
    full.extend(["--registry", &r.base]);
    schemata(full).stdin(stdin).run().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_reproduces_the_registry() {
    let source = populated().await;
    let versions = 3 + 1 + 2 + 1 + 1 + 1 + 1 + 2 + BULK;
    let subjects = 8 + BULK;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.jsonl");
    let file_arg = file.display().to_string();

    let first = schemata(["export", "--registry", &source.base]).run().await;
    first.expect_code(0);
    assert_eq!(
        first.stderr,
        format!("exported {versions} schema versions of {subjects} subjects to stdout\n")
    );
    assert_eq!(first.stdout.lines().count(), 2 + versions + 2 + 1);
    let to_file =
        schemata(["export", "--output", &file_arg, "--registry", &source.base]).run().await;
    to_file.expect_code(0);
    assert_eq!(to_file.stdout, "");
    assert_eq!(
        to_file.stderr,
        format!("exported {versions} schema versions of {subjects} subjects to {file_arg}\n")
    );
    // Deterministic: two exports of one registry are the same bytes.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), first.stdout);
    // The documented shape, in the documented order.
    let lines: Vec<&str> = first.stdout.lines().collect();
    assert_eq!(
        lines[0],
        r#"{"key":{"keytype":"CONFIG","magic":0},"value":{"compatibilityLevel":"FORWARD"}}"#
    );
    assert_eq!(lines[1], r#"{"key":{"keytype":"MODE","magic":0},"value":{"mode":"READWRITE"}}"#);
    assert_eq!(
        lines[2],
        r#"{"key":{"keytype":"SCHEMA","subject":"a-value","version":1,"magic":1},"value":{"subject":"a-value","version":1,"id":1,"schema":"\"string\"","deleted":false}}"#
    );
    assert_eq!(
        lines[4],
        r#"{"key":{"keytype":"SCHEMA","subject":"a-value","version":2,"magic":1},"value":{"subject":"a-value","version":2,"id":2,"schema":"\"int\"","deleted":true}}"#
    );
    assert_eq!(
        &lines[lines.len() - 3..],
        [
            r#"{"key":{"keytype":"CONFIG","subject":"a-value","magic":0},"value":{"compatibilityLevel":"FULL"}}"#,
            r#"{"key":{"keytype":"CONFIG","subject":"d-value","magic":0},"value":{"compatibilityLevel":"BACKWARD","compatibilityPolicy":"LENIENT"}}"#,
            r#"{"key":{"keytype":"MODE","subject":"c-value","magic":0},"value":{"mode":"READONLY"}}"#,
        ]
    );

    // Import into a fresh registry, then export it again: the same bytes.
    let target = TestRegistry::start().await;
    let got = import(&target, &[&file_arg], "").await;
    got.expect_code(0);
    assert_eq!(
        got.stdout,
        format!(
            "imported {versions} schema versions (3 soft-deleted), 2 subject configs and 1 subject \
             modes; 0 versions were already present\n"
        )
    );
    // No progress bar when stderr is not a terminal; the one line names the restored mode that
    // refuses writes and how to lift it.
    assert_eq!(
        got.stderr,
        "note: restored the backup's subject c-value mode READONLY, so the registry refuses \
         writes there; to accept writes: schemata mode --subject c-value READWRITE\n"
    );
    assert_eq!(export(&target).await, first.stdout);
    // And every REST listing agrees, gaps (id 5, c-value version 2) included.
    let (a, b) = (listings(&source).await, listings(&target).await);
    for (left, right) in a.iter().zip(&b) {
        assert_eq!(left, right);
    }
    assert_eq!(a.len(), b.len());
    assert!(a.iter().any(|(p, status, _)| p == "/schemas/ids/5" && *status == 404));
    // Importing again changes nothing and says so; the modes are as the backup has them.
    let target_before = export(&target).await;
    let records_before = appended_records(&target).await;
    let again = import(&target, &["--format", "json"], &first.stdout).await;
    again.expect_code(0);
    // Not one record written: no IMPORT mode switch and back, no config or mode rewritten.
    assert_eq!(appended_records(&target).await, records_before);
    assert_eq!(again.stderr, "", "nothing restored, nothing to note");
    let text = import(&target, &[], &first.stdout).await;
    assert_eq!(
        text.stdout,
        format!(
            "nothing to import: the registry already holds all {versions} schema versions, configs and modes of stdin\n"
        )
    );
    let summary: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(
        summary,
        json!({"registered": 0, "softDeleted": 0, "alreadyPresent": versions, "skipped": 0,
               "subjectConfigs": 2, "subjectModes": 1, "dryRun": false})
    );
    assert_eq!(export(&target).await, target_before);
    assert_eq!(target.get("/mode").await.body, json!({"mode": "READWRITE"}));
    assert_eq!(target.get("/mode/c-value").await.body, json!({"mode": "READONLY"}));

    // Both hand out the same next id, and the same next version after a soft delete.
    for r in [&source, &target] {
        assert_eq!(r.register_ok("z-value", "\"null\"").await, 67);
        ok(&r.put("/config/g-value", json!({"compatibility": "NONE"})).await);
        let text = r#"{"type":"fixed","name":"Z","size":9}"#;
        let reply = r.register("g-value", text).await;
        let guid = schemata_core::Guid::of(text, &[]).to_string();
        assert_eq!(reply.body, json!({"id": 68, "version": 3, "guid": guid}), "{}", r.base);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_targets_are_refused_before_any_write() {
    let source = populated().await;
    let backup = export(&source).await;
    let versions = 12 + BULK;

    // A dry run writes nothing and says what an import would do.
    let empty = TestRegistry::start().await;
    let dry = import(&empty, &["-", "--dry-run"], &backup).await;
    dry.expect_code(0);
    assert_eq!(
        dry.stdout,
        format!(
            "would import {versions} schema versions (3 soft-deleted), 2 subject configs and 1 \
             subject modes; 0 versions were already present\n"
        )
    );
    assert_eq!(empty.get("/subjects?deleted=true").await.body, json!([]));

    // A target whose a-value version 1 is another schema, under the id the backup uses.
    let target = TestRegistry::start().await;
    assert_eq!(target.register_ok("a-value", "\"bytes\"").await, 1);
    let before = listings(&target).await;
    let got = import(&target, &[], &backup).await;
    got.expect_code(2);
    assert_eq!(got.stdout, "");
    #[rustfmt::skip]
    let expected = [
        "error: stdin: 3 problems, nothing was imported",
        "  stdin:3: subject 'a-value' version 1: the target holds another schema there (id 1) (--skip-conflicts leaves such versions out)",
        "  stdin:4: subject 'b-value' version 1: id 1 is another schema in the target (subject 'a-value' version 1) (--skip-conflicts leaves such versions out)",
        "  stdin:8: subject 'c-value' version 3: the target holds this schema under id 1 (subject 'a-value' version 1), not 6 (--skip-conflicts leaves such versions out)",
    ];
    assert_eq!(got.stderr, format!("{}\n", expected.join("\n")));
    assert_eq!(listings(&target).await, before, "nothing was written");

    // A target with a version the backup's subject lacks.
    let extra = TestRegistry::start().await;
    ok(&extra.put("/config/g-value", json!({"compatibility": "NONE"})).await);
    for schema in ["\"int\"", "\"long\"", ENUM] {
        extra.register_ok("g-value", schema).await;
    }
    let got = import(&extra, &[], &backup).await;
    got.expect_code(2);
    assert!(
        got.stderr.contains("subject 'g-value' version 1: the target holds another schema there"),
        "{}",
        got.stderr
    );
    assert!(
        got.stderr.contains(
            "subject 'g-value' version 1: the target's subject has version 3 (id 3), which the \
             file lacks"
        ),
        "{}",
        got.stderr
    );

    // Asked to, import leaves the conflicting versions out and writes the rest.
    let got = import(&target, &["--skip-conflicts"], &backup).await;
    got.expect_code(0);
    assert!(
        got.stderr.starts_with(
            "warning: skipping subject 'a-value' version 1 (stdin:3): the target holds another \
             schema there (id 1)\n"
        ),
        "{}",
        got.stderr
    );
    assert_eq!(got.stderr.lines().count(), 4, "{}", got.stderr);
    assert!(got.stderr.ends_with("to accept writes: schemata mode --subject c-value READWRITE\n"));
    assert_eq!(target.get("/subjects/b-value/versions").await.status, 404);
    assert_eq!(target.get("/subjects/price-value/versions/1").await.body["id"], 9);
    assert_eq!(target.get("/mode").await.body, json!({"mode": "READWRITE"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_files_are_refused_with_their_line_numbers() {
    let r = TestRegistry::start().await;
    let dir = tempfile::tempdir().unwrap();
    let schema = |subject: &str, version: u32, id: u32, text: &str| {
        json!({
            "key": {"keytype": "SCHEMA", "subject": subject, "version": version, "magic": 1},
            "value": {"subject": subject, "version": version, "id": id, "schema": text},
        })
        .to_string()
    };
    let good = schema("s", 1, 1, "\"string\"");
    let missing = dir.path().join("missing.jsonl").display().to_string();
    let unwritable = dir.path().join("no-such-dir").join("backup.jsonl").display().to_string();
    #[rustfmt::skip]
    let cases: Vec<(Vec<&str>, String, String)> = vec![
        (vec!["import", &missing], String::new(), format!("error: {missing}: No such file or directory (os error 2)\n")),
        (vec!["import"], format!("{good}\n{{\"key\": \n"), "error: stdin:2: not JSON: EOF while parsing a value at line 1 column 8; nothing was imported\n".into()),
        (vec!["import", "-"], format!("{good}\n\nnot json\n{{}}\n"), "error: stdin: 2 problems, nothing was imported\n  stdin:3: not JSON: expected ident at line 1 column 2\n  stdin:4: no \"key\" field\n".into()),
        (vec!["import"], format!("{}\n", schema("s", 1, 1, r#"{"type":"recrod","name":"X"}"#)), "error: stdin:1: subject 's' version 1: schema does not parse: *".into()),
        (vec!["import"], format!("{}\n", schema("p", 1, 2, PRICE)), "error: stdin:1: subject 'p' version 1: schema does not parse: *".into()),
        (vec!["export", "--output", &unwritable], String::new(), format!("error: {unwritable}: No such file or directory (os error 2)\n")),
    ];
    for (args, stdin, stderr) in &cases {
        let mut full = args.clone();
        full.extend(["--registry", &r.base]);
        let got = schemata(full).stdin(stdin.as_bytes()).run().await;
        got.expect_code(2);
        assert_eq!(got.stdout, "", "{args:?}");
        match stderr.strip_suffix('*') {
            Some(prefix) => assert!(got.stderr.starts_with(prefix), "{args:?}: {}", got.stderr),
            None => assert_eq!(&got.stderr, stderr, "{args:?}"),
        }
    }
    assert_eq!(r.get("/subjects?deleted=true").await.body, json!([]), "nothing was written");
    assert_eq!(r.get("/mode").await.body, json!({"mode": "READWRITE"}));

    // A schema only the target judges (the CLI does not parse PROTOBUF; this one is invalid) stops
    // the import midway:
    // what came before stays, the message says where, and the mode is set back.
    let proto = json!({
        "key": {"keytype": "SCHEMA", "subject": "p", "version": 1, "magic": 1},
        "value": {"subject": "p", "version": 1, "id": 2, "schemaType": "PROTOBUF",
                  "schema": "syntax = \"proto3\"; message {"},
    });
    let got = import(&r, &[], &format!("{good}\n{proto}\n")).await;
    got.expect_code(2);
    assert!(
        got.stderr.starts_with(
            "error: import stopped at subject 'p' version 1 (stdin:2) after 1 of 2 writes: "
        ) && got.stderr.ends_with("; the registry's mode was set back to READWRITE\n"),
        "{}",
        got.stderr
    );
    assert_eq!(r.get("/subjects").await.body, json!(["s"]));
    assert_eq!(r.get("/mode").await.body, json!({"mode": "READWRITE"}));

    // An unreachable registry: a port that was just free.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    for args in [vec!["export"], vec!["import", "-"]] {
        let mut full = args.clone();
        full.extend(["--registry", &closed]);
        let got = schemata(full).stdin(format!("{good}\n")).run().await;
        got.expect_code(2);
        assert!(got.stderr.starts_with("error: cannot reach the registry: "), "{}", got.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_longer_than_the_registry_caps_them_are_read_in_full() {
    let r = TestRegistry::start_with(|config| config.limits.max_list_len = 3).await;
    for i in 0..7 {
        r.register_ok(&format!("s{i}"), &format!(r#"{{"type":"fixed","name":"F{i}","size":1}}"#))
            .await;
    }
    assert_eq!(r.get("/schemas").await.body.as_array().map(Vec::len), Some(3), "capped");
    let got = schemata(["subjects", "--registry", &r.base]).run().await;
    got.expect_code(0);
    assert_eq!(got.stdout, "s0\ns1\ns2\ns3\ns4\ns5\ns6\n");
    let backup = export(&r).await;
    assert_eq!(backup.lines().count(), 2 + 7, "{backup}");
    let target = TestRegistry::start_with(|config| config.limits.max_list_len = 3).await;
    import(&target, &[], &backup).await.expect_code(0);
    assert_eq!(export(&target).await, backup);
}

/// A registry answering as older Confluent and Karapace versions do: lists ignore `offset`,
/// `limit` and `deleted`, AVRO is spelled out, and there is no `/mode`.
async fn older_registry() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let schemas = json!([
        {"subject": "orders-value", "version": 1, "id": 1, "schemaType": "AVRO", "schema": "\"string\""},
        {"subject": "orders-value", "version": 2, "id": 3, "schemaType": "AVRO", "schema": "\"long\""},
        {"subject": "payments-value", "version": 1, "id": 4, "schemaType": "JSON", "schema": "{\"type\":\"object\"}"},
        {"subject": "users-value", "version": 1, "id": 1, "schema": "\"string\""},
    ]);
    let router = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let schemas = schemas.clone();
        async move {
            let (status, body) = match request.uri().path() {
                "/schemas" => (200, schemas),
                "/config" => (200, json!({"compatibilityLevel": "FULL"})),
                "/config/orders-value" => (200, json!({"compatibilityLevel": "NONE"})),
                path if path.starts_with("/config/") => {
                    (404, json!({"error_code": 40408, "message": "Subject not configured"}))
                }
                _ => (404, json!({"error_code": 404, "message": "HTTP 404 Not Found"})),
            };
            axum::response::Response::builder()
                .status(status)
                .header("content-type", schemata_core::api::CONTENT_TYPE)
                .body(axum::body::Body::from(body.to_string()))
                .unwrap()
        }
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_registry_migrates_into_ours() {
    let older = older_registry().await;
    let got = schemata(["export", "--registry", &older]).run().await;
    got.expect_code(0);
    let schema = |subject: &str, version: u32, id: u32, extra: &str, text: &str| {
        format!(
            r#"{{"key":{{"keytype":"SCHEMA","subject":"{subject}","version":{version},"magic":1}},"value":{{"subject":"{subject}","version":{version},"id":{id},{extra}"schema":{text},"deleted":false}}}}"#
        )
    };
    let mut expected = vec![
        r#"{"key":{"keytype":"CONFIG","magic":0},"value":{"compatibilityLevel":"FULL"}}"#.to_owned(),
        schema("orders-value", 1, 1, "", r#""\"string\"""#),
        schema("users-value", 1, 1, "", r#""\"string\"""#),
        schema("orders-value", 2, 3, "", r#""\"long\"""#),
        schema("payments-value", 1, 4, r#""schemaType":"JSON","#, r#""{\"type\":\"object\"}""#),
        r#"{"key":{"keytype":"CONFIG","subject":"orders-value","magic":0},"value":{"compatibilityLevel":"NONE"}}"#.to_owned(),
    ];
    assert_eq!(got.stdout, format!("{}\n", expected.join("\n")));
    assert_eq!(got.stderr, "exported 4 schema versions of 3 subjects to stdout\n");

    let ours = TestRegistry::start().await;
    import(&ours, &[], &got.stdout).await.expect_code(0);
    // Ours has a mode endpoint; everything else is the same stream.
    expected
        .insert(1, r#"{"key":{"keytype":"MODE","magic":0},"value":{"mode":"READWRITE"}}"#.into());
    assert_eq!(export(&ours).await, format!("{}\n", expected.join("\n")));
    assert_eq!(
        ours.get("/schemas/ids/1/versions").await.body,
        json!([
            {"subject": "orders-value", "version": 1},
            {"subject": "users-value", "version": 1},
        ])
    );
}

/// The registry's count of records appended to storage, from `/metrics`.
async fn appended_records(registry: &TestRegistry) -> u64 {
    let metrics = registry.get("/metrics").await.text;
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("schemata_storage_records_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no appended-records counter in /metrics:\n{metrics}"))
}

/// A backup holding Avro spelled otherwise than Java prints it (as Karapace stores what it was
/// sent): the import stores Java's text, as Confluent would, and a rerun finds everything in
/// place rather than a conflict at every id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pretty_printed_backup_imports_and_reruns_cleanly() {
    let pretty = "{\n  \"type\": \"record\",\n  \"name\": \"com.acme.Order\",\n  \"fields\": [{\"name\": \"id\", \"type\": {\"type\": \"long\"}}]\n}";
    let line = json!({
        "key": {"keytype": "SCHEMA", "subject": "orders-value", "version": 1, "magic": 1},
        "value": {"subject": "orders-value", "version": 1, "id": 7, "schema": pretty, "deleted": false},
    });
    let backup = format!("{line}\n");
    let r = TestRegistry::start().await;
    import(&r, &[], &backup).await.expect_code(0);
    let stored = r.get("/schemas/ids/7").await;
    assert_eq!(
        stored.body["schema"],
        r#"{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}"#
    );
    let again = import(&r, &[], &backup).await;
    again.expect_code(0);
    assert!(again.stdout.contains("nothing to import"), "{}\n{}", again.stdout, again.stderr);
}
