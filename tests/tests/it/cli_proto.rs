//! `.proto` files that import other `.proto` files, through the CLI as users run it: `check`
//! (folders, a git ref, a registry), `diff` and `register` resolve imports from an include path
//! (`--proto-path`, then the checked folders, then the file's own folder) as protoc's `-I`
//! does; unknown imports and cycles are sentences naming the file and the import statement.

use serde_json::Value;

use crate::cli_check::Project;
use crate::cli_support::Output;
use crate::harness::TestRegistry;

const CURRENCY: &str =
    "syntax = \"proto3\";\npackage shop;\n\nenum Currency {\n  EUR = 0;\n  USD = 1;\n}\n";

const MONEY: &str = "syntax = \"proto3\";\npackage shop;\n\nimport \"shop/currency.proto\";\n\nmessage Money {\n  int64 units = 1;\n  Currency currency = 2;\n}\n";

/// `Money.units` changed from int64 to string: incompatible, in the imported file only.
const MONEY_BROKEN: &str = "syntax = \"proto3\";\npackage shop;\n\nimport \"shop/currency.proto\";\n\nmessage Money {\n  string units = 1;\n  Currency currency = 2;\n}\n";

const ORDER_V1: &str = "syntax = \"proto3\";\npackage shop;\n\nimport \"shop/money.proto\";\nimport \"google/protobuf/timestamp.proto\";\n\nmessage Order {\n  string id = 1;\n  Money total = 2;\n  google.protobuf.Timestamp placed_at = 3;\n}\n";

/// Adds a field: compatible.
const ORDER_V2: &str = "syntax = \"proto3\";\npackage shop;\n\nimport \"shop/money.proto\";\nimport \"google/protobuf/timestamp.proto\";\n\nmessage Order {\n  string id = 1;\n  Money total = 2;\n  google.protobuf.Timestamp placed_at = 3;\n  string note = 4;\n}\n";

/// `id` changed from string to int64: incompatible, at line 8 column 3.
const ORDER_BROKEN: &str = "syntax = \"proto3\";\npackage shop;\n\nimport \"shop/money.proto\";\nimport \"google/protobuf/timestamp.proto\";\n\nmessage Order {\n  int64 id = 1;\n  Money total = 2;\n  google.protobuf.Timestamp placed_at = 3;\n}\n";

/// The shared files, under `schemas/shop/`, imported as `shop/...`.
const LAYOUT: &[(&str, &str)] =
    &[("schemas/shop/currency.proto", CURRENCY), ("schemas/shop/money.proto", MONEY)];

/// The first version of an in-tree order history beside them.
const V1: (&str, &str) = ("schemas/orders-value/v1.proto", ORDER_V1);

/// Writes `LAYOUT` plus `files` into a fresh project, runs `schemata ARGS` there and checks the
/// exit code and that stdout+stderr hold every `expected` part.
async fn check(files: &[(&str, &str)], args: &[&str], code: i32, expected: &[&str]) -> Output {
    let project = Project::new();
    for (path, text) in LAYOUT.iter().chain(files) {
        project.write(path, text);
    }
    let output = project.run(args).await;
    output.expect_code(code);
    let all = format!("{}{}", output.stdout, output.stderr);
    for part in expected {
        assert!(all.contains(part), "{args:?}: no {part:?} in\n{all}");
    }
    assert!(!all.contains("panicked"), "{all}");
    output
}

#[tokio::test]
async fn check_resolves_imports_from_the_checked_folder() {
    let v2 = "schemas/orders-value/v2.proto";
    let with_v1 = |file: (&'static str, &'static str)| [V1, file];
    // Sibling imports resolve, nested ones too, and a compatible history passes.
    check(&with_v1((v2, ORDER_V2)), &["check"], 0, &["1 comparison: compatible"]).await;
    // A breaking history is located at file:line:column of the file that changed.
    check(
        &with_v1((v2, ORDER_BROKEN)),
        &["check"],
        1,
        &["schemas/orders-value/v2.proto:8:3", "FIELD_SCALAR_KIND_CHANGED"],
    )
    .await;
    let output = check(&with_v1((v2, ORDER_BROKEN)), &["check", "--format", "json"], 1, &[]).await;
    let report: Value = serde_json::from_str(&output.stdout).unwrap();
    let finding = &report["findings"][0];
    assert_eq!(
        (&finding["file"], &finding["line"], &finding["column"]),
        (&Value::from("schemas/orders-value/v2.proto"), &Value::from(8), &Value::from(3)),
        "{report}"
    );
    // A folder given on the command line is the include root.
    check(&with_v1((v2, ORDER_V2)), &["check", "schemas"], 0, &[]).await;
    // One file given alone: its folder is searched, where `shop/money.proto` is not.
    check(
        &with_v1((v2, ORDER_V2)),
        &["check", "schemas/orders-value/v2.proto"],
        2,
        &[
            "schemas/orders-value/v2.proto: invalid PROTOBUF schema in 'v2.proto' at line 4 \
             column 1: import 'shop/money.proto' not found (include path: ",
            "add folders with --proto-path",
        ],
    )
    .await;
    check(
        &with_v1((v2, ORDER_V2)),
        &["check", "schemas/orders-value/v2.proto", "--proto-path", "schemas"],
        0,
        &[],
    )
    .await;
    // An unknown import, in a nested file, names that file and its import statement.
    check(
        &[V1, ("schemas/shop/money.proto", "syntax = \"proto3\";\nimport \"shop/gone.proto\";\n")],
        &["check"],
        2,
        &["in 'shop/money.proto' at line 2 column 1: import 'shop/gone.proto' not found"],
    )
    .await;
    // A cycle names the chain.
    check(
        &[
            V1,
            ("schemas/shop/currency.proto", "syntax = \"proto3\";\nimport \"shop/money.proto\";\n"),
        ],
        &["check", "schemas/orders-value", "--proto-path", "schemas"],
        2,
        &["import cycle: shop/money.proto -> shop/currency.proto -> shop/money.proto"],
    )
    .await;
    // Syntax errors in an imported file are located in it.
    check(
        &[V1, ("schemas/shop/currency.proto", "syntax = \"proto3\";\nenum {\n")],
        &["check", "schemas/orders-value", "--proto-path", "schemas"],
        2,
        &["in 'shop/currency.proto' at line 2"],
    )
    .await;
}

#[tokio::test]
async fn proto_path_folders_come_first_in_order() {
    let shared = [
        ("protos/shop/money.proto", MONEY),
        ("protos/shop/currency.proto", CURRENCY),
        ("released/orders-value.proto", ORDER_V1),
        ("app/orders-value.proto", ORDER_V1),
    ];
    let run = async |args: &[&str], code: i32, expected: &[&str]| {
        let project = Project::new();
        for (path, text) in shared {
            project.write(path, text);
        }
        let output = project.run(args).await;
        output.expect_code(code);
        let all = format!("{}{}", output.stdout, output.stderr);
        for part in expected {
            assert!(all.contains(part), "{args:?}: no {part:?} in\n{all}");
        }
    };
    // The baseline folder's file imports through --proto-path too: the same Money both sides.
    let base = ["check", "app", "--against-dir", "released"];
    run(&[&base[..], &["--proto-path", "protos"]].concat(), 0, &[]).await;
    run(&base, 2, &["import 'shop/money.proto' not found"]).await;
    // diff reads imports the same way.
    run(&["diff", "released/orders-value.proto", "app/orders-value.proto"], 2, &["not found"])
        .await;
    run(
        &[
            "diff",
            "released/orders-value.proto",
            "app/orders-value.proto",
            "--proto-path",
            "protos",
        ],
        0,
        &["--- released/orders-value.proto"],
    )
    .await;
}

#[tokio::test]
async fn a_change_in_an_imported_file_is_checked_against_git() {
    let project = Project::new();
    for (path, text) in LAYOUT {
        project.write(path, text);
    }
    project.write("schemas/orders-value.proto", ORDER_V1);
    project.git(&["init", "-q"]).await;
    project.commit_all("v1").await;

    // Nothing changed.
    project.run(&["check", "--against-git", "HEAD"]).await.expect_code(0);
    // Only the imported file changes: the files that import it are checked again, and the
    // imported file itself (a subject of its own here) too.
    project.write("schemas/shop/money.proto", MONEY_BROKEN);
    let output = project.run(&["check", "--against-git", "HEAD", "--format", "json"]).await;
    output.expect_code(1);
    let report: Value = serde_json::from_str(&output.stdout).unwrap();
    let mut flagged: Vec<(String, String, String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_owned();
            (text("subject"), text("file"), text("rule"), f["line"].as_u64().unwrap_or(0))
        })
        .collect();
    flagged.sort();
    // The change inside Money is located in the file declaring it, for both subjects; the
    // field using it in the file that imports it.
    let expected = [
        ("orders-value", "schemas/orders-value.proto", "FIELD_NAMED_TYPE_CHANGED", 9),
        ("orders-value", "schemas/shop/money.proto", "FIELD_SCALAR_KIND_CHANGED", 7),
        ("shop/money.proto", "schemas/shop/money.proto", "FIELD_SCALAR_KIND_CHANGED", 7),
    ]
    .map(|(s, f, r, l)| (s.to_owned(), f.to_owned(), r.to_owned(), l));
    assert_eq!(flagged, expected, "{}", output.stdout);
    // Committed, the change is the baseline: nothing to report.
    project.commit_all("money v2").await;
    project.run(&["check", "--against-git", "HEAD"]).await.expect_code(0);
    // The importing file changes while the import is as at the ref: located in that file.
    project.write("schemas/orders-value.proto", ORDER_BROKEN);
    let output = project.run(&["check", "--against-git", "HEAD"]).await;
    output.expect_code(1);
    assert!(output.stdout.contains("schemas/orders-value.proto:8:3"), "{}", output.stdout);
}

#[tokio::test]
async fn register_registers_imports_first_and_is_idempotent() {
    let registry = TestRegistry::start().await;
    let url = registry.http.url("");
    let project = Project::new();
    for (path, text) in LAYOUT {
        project.write(path, text);
    }
    project.write("schemas/orders-value.proto", ORDER_V1);
    let register = ["--registry", &url, "register", "schemas/orders-value.proto"];
    let first = project.run(&[&register[..], &["--subject", "orders-value"]].concat()).await;
    first.expect_code(0);
    for line in [
        "import shop/currency.proto: subject 'shop/currency.proto' version 1",
        "import shop/money.proto: subject 'shop/money.proto' version 1",
        "under subject 'orders-value' as version 1",
    ] {
        assert!(first.stderr.contains(line), "{line}\n{}", first.stderr);
    }
    // Imports are registered before the files that import them, with references.
    let order = registry.http.get("/subjects/orders-value/versions/1").await;
    assert_eq!(
        order.body["references"],
        serde_json::json!([{"name": "shop/money.proto", "subject": "shop/money.proto", "version": 1}]),
        "{}",
        order.text
    );
    let money = registry.http.get("/subjects/shop%2Fmoney.proto/versions/1").await;
    assert_eq!(money.body["references"][0]["name"], "shop/currency.proto", "{}", money.text);

    // Again: the same id, no new version anywhere.
    let again = project.run(&[&register[..], &["--subject", "orders-value"]].concat()).await;
    again.expect_code(0);
    assert_eq!(again.stdout, first.stdout);
    for subject in ["orders-value", "shop%2Fmoney.proto", "shop%2Fcurrency.proto"] {
        let versions = registry.http.get(&format!("/subjects/{subject}/versions")).await;
        assert_eq!(versions.body, serde_json::json!([1]), "{subject}");
    }

    // Checked online as a folder, each imported file is the subject it was registered under
    // (its import path), so the whole folder is found registered and identical.
    let output = project.run(&["--registry", &url, "check", "schemas", "--format", "json"]).await;
    output.expect_code(0);
    let report: Value = serde_json::from_str(&output.stdout).unwrap();
    let mut checks: Vec<(String, String)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["subject"].as_str().unwrap().to_owned(), c["against"].as_str().unwrap().to_owned())
        })
        .collect();
    checks.sort();
    let identical = "registry version 1 (identical)".to_owned();
    assert_eq!(
        checks,
        [
            ("orders-value".to_owned(), identical.clone()),
            ("shop/currency.proto".to_owned(), identical.clone()),
            ("shop/money.proto".to_owned(), identical.clone()),
        ],
        "{report}"
    );

    // The registered file with its imports is what the folder holds: an online check passes,
    // and a breaking change is found with the registered imports on the old side.
    let online =
        ["--registry", &url, "check", "schemas/orders-value.proto", "--proto-path", "schemas"];
    let output = project.run(&[&online[..], &["--format", "json"]].concat()).await;
    output.expect_code(0);
    let report: Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(report["checks"][0]["against"], "registry version 1 (identical)", "{report}");
    project.write("schemas/orders-value.proto", ORDER_BROKEN);
    let output = project.run(&online).await;
    output.expect_code(1);
    assert!(output.stdout.contains("schemas/orders-value.proto:8:3"), "{}", output.stdout);

    // An unknown import fails before anything is registered.
    project.write("schemas/lost.proto", "syntax = \"proto3\";\nimport \"shop/lost.proto\";\n");
    let lost = project
        .run(&["--registry", &url, "register", "schemas/lost.proto", "--subject", "lost"])
        .await;
    lost.expect_code(2);
    assert!(lost.stderr.contains("import 'shop/lost.proto' not found"), "{}", lost.stderr);
    let reply = registry.http.get("/subjects/lost/versions").await;
    assert_eq!(reply.status, 404, "{}", reply.text);
}

/// `produce --schema` with a file that imports another: the import is registered first (under
/// its path), the file with a reference to it, and `consume` prints the records back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_registers_imports_and_consume_reads_the_records() {
    use crate::cli_support::schemata;
    use crate::kafka::Env;

    let env = Env::start().await;
    let topic = env.topic("proto-imports", 1).await;
    let project = Project::new();
    for (path, text) in LAYOUT {
        project.write(path, text);
    }
    project.write("schemas/orders/order.proto", ORDER_V2);
    let (registry, bootstrap) = (env.registry_url().to_owned(), env.broker.bootstrap.clone());
    let produce = ["--registry", &registry, "produce", "--topic", &topic];
    let kafka = ["--bootstrap-servers", &bootstrap, "--schema", "schemas/orders/order.proto"];
    let line = r#"{"id":"o-1","total":{"units":"250","currency":"USD"},"note":"n"}"#;
    // Without the include folder the import is not found, and nothing is written.
    let missing = schemata(produce.into_iter().chain(kafka)).cwd(project.path()).stdin(line).run();
    let missing = missing.await;
    missing.expect_code(2);
    assert!(missing.stderr.contains("import 'shop/money.proto' not found"), "{}", missing.stderr);
    schemata(produce.into_iter().chain(kafka).chain(["--proto-path", "schemas"]))
        .cwd(project.path())
        .stdin(format!("{line}\n"))
        .run()
        .await
        .expect_code(0);
    let stored = env.registry.http.get(&format!("/subjects/{topic}-value/versions/1")).await;
    assert_eq!(
        stored.body["references"],
        serde_json::json!([{"name": "shop/money.proto", "subject": "shop/money.proto", "version": 1}]),
        "{}",
        stored.text
    );
    let subjects = env.registry.http.get("/subjects").await.body;
    assert!(
        subjects.as_array().is_some_and(|s| s.len() == 3
            && ["shop/currency.proto", "shop/money.proto"]
                .iter()
                .all(|n| s.contains(&(*n).into()))),
        "{subjects}"
    );

    let consume = ["--registry", &registry, "consume", "--topic", &topic, "--from-beginning"];
    let more = ["--bootstrap-servers", &bootstrap, "--max-messages", "1", "--timeout-ms", "15000"];
    let output = schemata(consume.into_iter().chain(more)).run().await;
    output.expect_code(0);
    assert_eq!(output.stdout.trim(), line, "{}", output.stderr);
}

/// Transitive levels compare with every version in the ref's history, each read with its
/// imports as they were at that commit: the Money of the first commit, not today's.
#[tokio::test]
async fn transitive_git_checks_read_imports_at_each_commit() {
    let project = Project::new();
    project.write("schemata.toml", "level = \"BACKWARD_TRANSITIVE\"\n");
    for (path, text) in LAYOUT {
        project.write(path, text);
    }
    project.write("schemas/orders-value.proto", ORDER_V1);
    project.git(&["init", "-q"]).await;
    project.commit_all("v1").await;
    project.write("schemas/shop/money.proto", MONEY_BROKEN);
    project.write("schemas/orders-value.proto", ORDER_V2);
    project.commit_all("v2 with another Money").await;
    // Today: one more field; Money as in the last commit.
    let v3 = ORDER_V2.replace("string note = 4;", "string note = 4;\n  bool gift = 5;");
    project.write("schemas/orders-value.proto", &v3);

    let output = project.run(&["check", "--against-git", "HEAD", "--format", "json"]).await;
    output.expect_code(1);
    let report: Value = serde_json::from_str(&output.stdout).unwrap();
    let findings: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_owned();
            (text("subject"), text("rule"), text("against"))
        })
        .collect();
    assert!(!findings.is_empty(), "{}", output.stdout);
    for (subject, rule, against) in &findings {
        // Against the first commit only (its Money had int64 units); HEAD's Money is today's.
        assert_eq!(subject, "orders-value", "{findings:?}");
        assert!(rule.starts_with("FIELD_"), "{findings:?}");
        assert_ne!(against, "HEAD", "{findings:?}");
    }
    assert!(
        findings.iter().any(|(_, rule, _)| rule == "FIELD_SCALAR_KIND_CHANGED"),
        "{findings:?}"
    );
}
