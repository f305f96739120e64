//! `schemata diff A B`: typed JSON Schema changes, Avro findings in both directions, files and
//! registered versions, with exit code, stdout and stderr compared to snapshot files.

use crate::cli_check::{
    ORDER_PROTO_V1, ORDER_PROTO_V2, Project, USER_V1, USER_V2_BREAKING, USER_V2_COMPATIBLE,
    closed_url, snapshot, test_data,
};
use serde_json::json;

use crate::harness::TestRegistry;

#[tokio::test]
async fn file_diffs_in_both_formats() {
    let project = Project::new();
    project.write("v1.avsc", USER_V1);
    project.write("v2.avsc", USER_V2_BREAKING);
    project.write("v2-ok.avsc", USER_V2_COMPATIBLE);
    let json = test_data().join("breaking/schemas/clickstream-json-value");
    std::fs::copy(json.join("v1.json"), project.path().join("v1.json")).unwrap();
    std::fs::copy(json.join("v2.json"), project.path().join("v2.json")).unwrap();
    project.write("v1.proto", ORDER_PROTO_V1);
    project.write("v2.proto", ORDER_PROTO_V2);
    #[rustfmt::skip]
    let cases: &[(&str, &[&str])] = &[
        ("avro-breaking", &["v1.avsc", "v2.avsc"]),
        ("avro-compatible", &["v1.avsc", "v2-ok.avsc"]),
        ("avro-same", &["v1.avsc", "v1.avsc"]),
        ("json-schema", &["v1.json", "v2.json"]),
        ("json-schema-lenient", &["v1.json", "v2.json", "--json-policy", "lenient"]),
        ("json-schema-same", &["v2.json", "v2.json"]),
        ("protobuf", &["v1.proto", "v2.proto"]),
        ("protobuf-same", &["v1.proto", "v1.proto"]),
    ];
    for (name, args) in cases {
        for format in ["text", "json"] {
            let mut argv = vec!["diff", "--format", format];
            argv.extend_from_slice(args);
            let output = project.run(&argv).await;
            assert_eq!(output.code, Some(0), "{name}: {output:?}");
            snapshot(&format!("diff-{name}.{format}"), &output, &[]);
        }
    }
}

#[tokio::test]
async fn registered_versions_diff_by_subject_and_version() {
    let registry = TestRegistry::start().await;
    let url = registry.http.url("");
    registry.http.register_ok("users-value", USER_V1).await;
    registry.http.register_ok("users-value", USER_V2_COMPATIBLE).await;
    let project = Project::new();
    project.write("users.avsc", USER_V2_BREAKING);
    let replace = [(url.as_str(), "$REGISTRY")];
    for (name, args) in [
        ("registry-versions", ["users-value:1", "users-value:latest"]),
        ("registry-and-file", ["users-value:2", "users.avsc"]),
        ("registry-unknown-subject", ["users-value:1", "orders-value:1"]),
        ("registry-unknown-version", ["users-value:1", "users-value:9"]),
    ] {
        let output = project.run(&["diff", "--registry", &url, args[0], args[1]]).await;
        snapshot(&format!("diff-{name}.text"), &output, &replace);
    }
}

/// Registered versions with data contracts: the diff lists what changed in their metadata and
/// rules, in both formats.
#[tokio::test]
async fn registered_versions_show_contract_changes() {
    let registry = TestRegistry::start().await;
    let url = registry.http.url("");
    let rule = |name: &str, expr: &str| json!({"name": name, "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": expr});
    let versions = [
        json!({
            "schema": USER_V1,
            "metadata": {"properties": {"owner": "team-a"}, "tags": {"User.name": ["PII"]}},
            "ruleSet": {"domainRules": [rule("named", "size(message.name) > 0")]},
        }),
        json!({
            "schema": USER_V2_COMPATIBLE,
            "metadata": {"properties": {"owner": "team-b", "tier": "gold"}, "sensitive": ["tier"]},
            "ruleSet": {"domainRules": [rule("named", "size(message.name) > 1")],
                        "migrationRules": [{"name": "up", "mode": "UPGRADE", "type": "JSONATA", "expr": "$"}]},
        }),
    ];
    for body in versions {
        let reply = registry.http.post("/subjects/people-value/versions", body).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let project = Project::new();
    let replace = [(url.as_str(), "$REGISTRY")];
    for format in ["text", "json"] {
        let output = project
            .run(&[
                "diff",
                "--format",
                format,
                "--registry",
                &url,
                "people-value:1",
                "people-value:2",
            ])
            .await;
        assert_eq!(output.code, Some(0), "{output:?}");
        snapshot(&format!("diff-registry-contracts.{format}"), &output, &replace);
    }
}

#[tokio::test]
async fn bad_operands_exit_2() {
    let project = Project::new();
    project.write("v1.avsc", USER_V1);
    project.write("v1.json", r#"{"type": "string"}"#);
    project.write("bad.avsc", r#"{"type": "record"}"#);
    let unreachable = closed_url();
    #[rustfmt::skip]
    let cases: &[(&str, &[&str])] = &[
        ("missing-file", &["diff", "v1.avsc", "v9.avsc"]),
        ("invalid-schema", &["diff", "v1.avsc", "bad.avsc"]),
        ("mixed-types", &["diff", "v1.avsc", "v1.json"]),
        ("version-without-registry", &["diff", "v1.avsc", "users-value:1"]),
        ("bad-version", &["diff", "v1.avsc", "users-value:first", "--registry", &unreachable]),
        ("unreachable-registry", &["diff", "v1.avsc", "users-value:1", "--registry", &unreachable]),
        ("one-operand", &["diff", "v1.avsc"]),
    ];
    for (name, args) in cases {
        let output = project.run(args).await;
        assert_eq!(output.code, Some(2), "{name}: {output:?}");
        snapshot(&format!("diff-bad-{name}.text"), &output, &[(&unreachable, "$REGISTRY")]);
    }
}
