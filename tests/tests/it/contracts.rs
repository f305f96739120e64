//! Data contracts over real HTTP: metadata and rule sets stored with a version and returned by
//! every read, their part in a schema's identity, inheritance from the previous version, the
//! config's defaults and overrides, compatibility groups, `GET /subjects/{s}/metadata`, and rule
//! sets refused with Confluent's 42210 and nothing written.

use std::time::Duration;

use schemata_core::wire::{self, SchemaRef};
use serde_json::{Value, json};

use crate::cli_support::schemata;
use crate::harness::{Http, TestRegistry};
use crate::python;
use crate::readme_tour::{blocks, readme};

/// Removes the `guid` members of schema bodies (and of lists of them): the scripts check what a
/// contract changes; GUIDs have their own test (`the_guid_covers_the_contract`).
fn without_guids(mut body: Value) -> Value {
    match &mut body {
        Value::Object(map) => {
            map.remove("guid");
        }
        Value::Array(items) => items.iter_mut().for_each(|item| {
            if let Value::Object(map) = item {
                map.remove("guid");
            }
        }),
        _ => {}
    }
    body
}

/// Runs a script: `"METHOD /path"`, request body (`null`: none), expected status, expected body.
/// An expected body with only `error_code` checks the code (and that a message is there); any
/// other expected body must match exactly (GUIDs aside).
async fn check(http: &Http, steps: &[(&str, Value, u16, Value)]) {
    for (request, body, status, expected) in steps {
        let (method, path) = request.split_once(' ').expect("METHOD /path");
        let bytes = (!body.is_null()).then(|| serde_json::to_vec(body).unwrap());
        let content_type = bytes.as_ref().map(|_| schemata_core::api::CONTENT_TYPE);
        let mut reply = http.send(method, path, content_type, bytes).await;
        reply.body = without_guids(reply.body);
        assert_eq!(reply.status, *status, "{request} {body}: {}", reply.text);
        let code_only =
            expected.as_object().is_some_and(|o| o.len() == 1 && o.contains_key("error_code"));
        if code_only {
            assert_eq!(
                reply.body["error_code"], expected["error_code"],
                "{request}: {}",
                reply.text
            );
            assert!(reply.body["message"].is_string(), "{request}: no message in {}", reply.text);
        } else {
            assert_eq!(&reply.body, expected, "{request} {body}: {}", reply.text);
        }
    }
}

fn code(code: i64) -> Value {
    json!({ "error_code": code })
}

const V1: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#;
/// Nothing in common with V1: incompatible with it both ways.
const OTHER: &str = r#"{"type":"record","name":"R","fields":[{"name":"x","type":"string"}]}"#;

fn props(pairs: &[(&str, &str)]) -> Value {
    let map: serde_json::Map<String, Value> =
        pairs.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    json!({ "properties": map })
}

/// A CEL condition rule as a client sends it (kind and mode given, no `disabled`).
fn cel(name: &str, expr: &str) -> Value {
    json!({"name": name, "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": expr})
}

/// The same rule as the registry answers it: Confluent writes `disabled` always.
fn cel_stored(name: &str, expr: &str) -> Value {
    json!({"name": name, "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": expr, "disabled": false})
}

fn register(schema: &str, metadata: Value, rule_set: Value) -> Value {
    let mut body = json!({ "schema": schema });
    if !metadata.is_null() {
        body["metadata"] = metadata;
    }
    if !rule_set.is_null() {
        body["ruleSet"] = rule_set;
    }
    body
}

fn version(subject: &str, version: i64, id: i64, metadata: Value, rule_set: Value) -> Value {
    let mut body = json!({ "subject": subject, "version": version, "id": id });
    if !metadata.is_null() {
        body["metadata"] = metadata;
    }
    if !rule_set.is_null() {
        body["ruleSet"] = rule_set;
    }
    body["schema"] = json!(V1);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contracts_are_stored_returned_and_part_of_identity() {
    let r = TestRegistry::start().await;
    let owner_a = props(&[("owner", "a")]);
    let owner_b = props(&[("owner", "b")]);
    let rules = json!({ "domainRules": [cel("positive", "message.a > 0")] });
    let rules_stored = json!({ "domainRules": [cel_stored("positive", "message.a > 0")] });
    #[rustfmt::skip]
    check(&r, &[
        ("POST /subjects/c/versions", register(V1, owner_a.clone(), rules.clone()), 200, json!({"id": 1, "version": 1})),
        ("GET /subjects/c/versions/1", Value::Null, 200, version("c", 1, 1, owner_a.clone(), rules_stored.clone())),
        ("GET /schemas/ids/1", Value::Null, 200, json!({"schema": V1, "metadata": owner_a, "ruleSet": rules_stored})),
        // The identical contract again: idempotent.
        ("POST /subjects/c/versions", register(V1, owner_a.clone(), rules.clone()), 200, json!({"id": 1, "version": 1})),
        // No contract of its own: it inherits version 1's, so it is version 1 again.
        ("POST /subjects/c/versions", register(V1, Value::Null, Value::Null), 200, json!({"id": 1, "version": 1})),
        // The same text with other metadata is another schema: a new id and version, which
        // keeps the inherited rules.
        ("POST /subjects/c/versions", register(V1, owner_b.clone(), Value::Null), 200, json!({"id": 2, "version": 2})),
        ("GET /subjects/c/versions/latest", Value::Null, 200, version("c", 2, 2, owner_b.clone(), rules_stored.clone())),
        // Lookup: as sent first, then as a registration would inherit it (from the latest).
        ("POST /subjects/c", register(V1, owner_a.clone(), rules.clone()), 200, version("c", 1, 1, owner_a.clone(), rules_stored.clone())),
        ("POST /subjects/c", register(V1, Value::Null, Value::Null), 200, version("c", 2, 2, owner_b.clone(), rules_stored.clone())),
        ("POST /subjects/c", register(V1, props(&[("owner", "zzz")]), Value::Null), 404, code(40403)),
        // use.latest.with.metadata: the latest version with every pair asked for.
        ("GET /subjects/c/metadata?key=owner&value=a", Value::Null, 200, version("c", 1, 1, owner_a.clone(), rules_stored.clone())),
        ("GET /subjects/c/metadata?key=owner&value=b&deleted=false", Value::Null, 200, version("c", 2, 2, owner_b.clone(), rules_stored.clone())),
        ("GET /subjects/c/metadata?key=owner&value=zzz", Value::Null, 404, code(40403)),
        // Unpaired keys or values are dropped, as Confluent: no pair asks for nothing, and the
        // latest version with metadata answers; a key given twice keeps its last value.
        ("GET /subjects/c/metadata?key=owner", Value::Null, 200, version("c", 2, 2, owner_b.clone(), rules_stored.clone())),
        ("GET /subjects/c/metadata?key=owner&value=b&value=a", Value::Null, 200, version("c", 2, 2, owner_b.clone(), rules_stored.clone())),
        ("GET /subjects/c/metadata?key=owner&value=b&key=owner&value=a", Value::Null, 200, version("c", 1, 1, owner_a.clone(), rules_stored.clone())),
        ("GET /subjects/nope/metadata?key=owner&value=a", Value::Null, 404, code(40401)),
        // Soft-deleted versions count only with deleted=true.
        ("DELETE /subjects/c/versions/1", Value::Null, 200, json!(1)),
        ("GET /subjects/c/metadata?key=owner&value=a", Value::Null, 404, code(40403)),
        ("GET /subjects/c/metadata?key=owner&value=a&deleted=true", Value::Null, 200, version("c", 1, 1, owner_a.clone(), rules_stored.clone())),
        ("GET /schemas?subjectPrefix=c", Value::Null, 200, json!([version("c", 2, 2, owner_b, rules_stored)])),
    ]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_rule_sets_are_refused_with_nothing_written() {
    let r = TestRegistry::start().await;
    r.register_ok("v", V1).await;
    let rule = |rule: Value| register(V1, Value::Null, json!({ "domainRules": [rule] }));
    let refused = |message: &str| json!({"error_code": 42210, "message": message});
    #[rustfmt::skip]
    check(&r, &[
        ("POST /subjects/v/versions", rule(json!({"kind": "CONDITION", "type": "CEL"})), 422, refused("Missing rule name")),
        ("POST /subjects/v/versions", rule(json!({"name": "", "type": "CEL"})), 422, refused("Empty rule name")),
        ("POST /subjects/v/versions", rule(json!({"name": "1st", "type": "CEL"})), 422, refused("Illegal initial character in rule name: 1st")),
        ("POST /subjects/v/versions", rule(json!({"name": "a.b", "type": "CEL"})), 422, refused("Illegal character in rule name: a.b")),
        ("POST /subjects/v/versions", rule(json!({"name": "a"})), 422, refused("Missing rule type")),
        ("POST /subjects/v/versions", rule(json!({"name": "a", "type": "CEL", "mode": "UPGRADE"})), 422, refused("Domain rules can only be WRITE, READ, WRITEREAD")),
        ("POST /subjects/v/versions", rule(json!({"name": "a", "type": "CEL", "kind": "NOPE"})), 422, code(42210)),
        ("POST /subjects/v/versions", register(V1, Value::Null, json!({"migrationRules": [{"name": "m", "type": "JSONATA", "mode": "WRITE"}]})), 422, refused("Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN")),
        ("POST /subjects/v/versions", register(V1, Value::Null, json!({"domainRules": [cel("d", "true"), cel("d", "false")]})), 422, refused("Found rule with duplicate name 'd'")),
        ("PUT /config/v", json!({"defaultRuleSet": {"domainRules": [{"name": "x"}]}}), 422, refused("Missing rule type")),
        ("PUT /config/v", json!({"overrideRuleSet": {"encodingRules": [{"name": "x", "type": "ENCRYPT", "mode": "UPDOWN"}]}}), 422, refused("Encoding rules can only be WRITE, READ, WRITEREAD")),
        // Nothing was written by any of them.
        ("GET /subjects/v/versions", Value::Null, 200, json!([1])),
        ("GET /config/v", Value::Null, 404, code(40408)),
        ("GET /subjects/v/versions/1", Value::Null, 200, json!({"subject": "v", "version": 1, "id": 1, "schema": V1})),
    ]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compatibility_groups_check_only_within_a_major_version() {
    let r = TestRegistry::start().await;
    let major = |m: &str| props(&[("major", m)]);
    let compat = |schema: &str, metadata: Value| register(schema, metadata, Value::Null);
    #[rustfmt::skip]
    check(&r, &[
        ("PUT /config/g", json!({"compatibility": "BACKWARD", "compatibilityGroup": "major"}), 200, json!({"compatibility": "BACKWARD", "compatibilityGroup": "major"})),
        ("GET /config/g", Value::Null, 200, json!({"compatibilityLevel": "BACKWARD", "compatibilityGroup": "major"})),
        ("POST /subjects/g/versions", register(V1, major("1"), Value::Null), 200, json!({"id": 1, "version": 1})),
        // A breaking change inside major 1 is refused ...
        ("POST /subjects/g/versions", register(OTHER, major("1"), Value::Null), 409, code(40901)),
        ("POST /compatibility/subjects/g/versions", compat(OTHER, major("1")), 200, json!({"is_compatible": false})),
        // ... and accepted as major 2, which starts a group of its own.
        ("POST /compatibility/subjects/g/versions", compat(OTHER, major("2")), 200, json!({"is_compatible": true})),
        // Asked with contractChanges, the answer also says how the contract would change from
        // the latest version (or the one named); never in `messages`.
        ("POST /compatibility/subjects/g/versions?contractChanges=true&verbose=true", compat(OTHER, major("2")), 200,
            json!({"is_compatible": true, "messages": [], "contract_changes": [{"kind": "PROPERTY_CHANGED", "path": "/metadata/properties/major", "message": "property major changed from \"1\" to \"2\""}]})),
        ("POST /compatibility/subjects/g/versions/1?contractChanges=true", register(V1, Value::Null, json!({"domainRules": [cel("a", "true")]})), 200,
            json!({"is_compatible": true, "contract_changes": [{"kind": "RULE_ADDED", "path": "/ruleSet/domainRules/a", "message": "domain rule a (CONDITION WRITE CEL) added"}]})),
        ("POST /compatibility/subjects/g/versions?contractChanges=true", compat(V1, major("1")), 200, json!({"is_compatible": true, "contract_changes": []})),
        ("POST /compatibility/subjects/new/versions?contractChanges=true", compat(V1, major("1")), 200,
            json!({"is_compatible": true, "contract_changes": [{"kind": "PROPERTY_ADDED", "path": "/metadata/properties/major", "message": "property major = \"1\" added"}]})),
        ("POST /subjects/g/versions", register(OTHER, major("2"), Value::Null), 200, json!({"id": 2, "version": 2})),
        // Without metadata of its own, V1 inherits major 2 from the latest version, so it is
        // checked against OTHER (and breaks it).
        ("POST /subjects/g/versions", register(V1, Value::Null, Value::Null), 409, code(40901)),
        // Back in major 1, V1 is the same contract as version 1: already registered.
        ("POST /subjects/g/versions", register(V1, major("1"), Value::Null), 200, json!({"id": 1, "version": 1})),
    ]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_defaults_and_overrides_merge_in_confluent_order() {
    let r = TestRegistry::start().await;
    let config = json!({
        "defaultMetadata": props(&[("owner", "platform"), ("tier", "bronze")]),
        "overrideMetadata": props(&[("tier", "gold")]),
        "defaultRuleSet": {"domainRules": [cel("d", "true"), cel("shared", "default")]},
        "overrideRuleSet": {"domainRules": [cel("shared", "override")]},
    });
    // The echo and the read give rules as stored (with `disabled`).
    let mut echo = config.clone();
    echo["defaultRuleSet"] =
        json!({"domainRules": [cel_stored("d", "true"), cel_stored("shared", "default")]});
    echo["overrideRuleSet"] = json!({"domainRules": [cel_stored("shared", "override")]});
    let mut config_read = echo.clone();
    config_read["compatibilityLevel"] = json!("BACKWARD");
    let merged_rules = json!({"domainRules": [cel_stored("d", "true"), cel_stored("mine", "x"), cel_stored("shared", "override")]});
    #[rustfmt::skip]
    check(&r, &[
        ("PUT /config/m", config, 200, echo),
        ("GET /config/m", Value::Null, 200, config_read),
        // override ⊕ (request ⊕ default): owner from the request, tier from the override; rules
        // by name, the override's `shared` last.
        ("POST /subjects/m/versions", register(V1, props(&[("owner", "team")]), json!({"domainRules": [cel("mine", "x")]})), 200, json!({"id": 1, "version": 1})),
        ("GET /subjects/m/versions/1", Value::Null, 200, version("m", 1, 1, props(&[("owner", "team"), ("tier", "gold")]), merged_rules.clone())),
        // The global config applies to subjects without their own.
        ("PUT /config", json!({"defaultMetadata": props(&[("owner", "global")])}), 200, json!({"defaultMetadata": props(&[("owner", "global")])})),
        ("POST /subjects/n/versions", register(V1, Value::Null, Value::Null), 200, json!({"id": 2, "version": 1})),
        ("GET /subjects/n/versions/1", Value::Null, 200, version("n", 1, 2, props(&[("owner", "global")]), Value::Null)),
    ]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_only_updates_and_confluent_version() {
    let r = TestRegistry::start().await;
    #[rustfmt::skip]
    check(&r, &[
        ("POST /subjects/u/versions", register(V1, Value::Null, Value::Null), 200, json!({"id": 1, "version": 1})),
        // An empty schema with a contract takes the latest version's text (Confluent's idiom).
        ("POST /subjects/u/versions", json!({"schema": "", "metadata": props(&[("owner", "x"), ("confluent:version", "0")])}), 200, json!({"id": 2, "version": 2})),
        // `confluent:version`, once present, follows the version number.
        ("GET /subjects/u/versions/2", Value::Null, 200, version("u", 2, 2, props(&[("confluent:version", "2"), ("owner", "x")]), Value::Null)),
        ("POST /subjects/u/versions", json!({"schema": "", "metadata": props(&[("owner", "y"), ("confluent:version", "2")])}), 200, json!({"id": 3, "version": 3})),
        ("GET /subjects/u/versions/3", Value::Null, 200, version("u", 3, 3, props(&[("confluent:version", "3"), ("owner", "y")]), Value::Null)),
        // Without a contract, an empty schema is still refused.
        ("POST /subjects/u/versions", json!({"schema": ""}), 422, code(42201)),
        ("POST /subjects/fresh/versions", json!({"schema": "", "metadata": props(&[("a", "b")])}), 422, code(42201)),
    ]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contracts_survive_a_restart_and_keep_their_identity() {
    let r = TestRegistry::start().await;
    let owner = props(&[("owner", "a")]);
    let rules = json!({"migrationRules": [{"name": "up", "kind": "TRANSFORM", "mode": "UPGRADE", "type": "JSONATA", "expr": "$"}]});
    let rules_stored = json!({"migrationRules": [{"name": "up", "kind": "TRANSFORM", "mode": "UPGRADE", "type": "JSONATA", "expr": "$", "disabled": false}]});
    check(
        &r,
        &[(
            "POST /subjects/d/versions",
            register(V1, owner.clone(), rules.clone()),
            200,
            json!({"id": 1, "version": 1}),
        )],
    )
    .await;
    let r = r.restart().await;
    #[rustfmt::skip]
    check(&r, &[
        ("GET /subjects/d/versions/1", Value::Null, 200, version("d", 1, 1, owner.clone(), rules_stored.clone())),
        // The dedup index is rebuilt from the log with the contract in the hash.
        ("POST /subjects/d/versions", register(V1, owner.clone(), rules.clone()), 200, json!({"id": 1, "version": 1})),
        ("POST /subjects/e/versions", register(V1, owner.clone(), rules), 200, json!({"id": 1, "version": 1})),
        ("POST /subjects/e/versions", register(V1, props(&[("owner", "b")]), Value::Null), 200, json!({"id": 2, "version": 2})),
        // In IMPORT mode the contract is taken as sent: no inheritance.
        ("PUT /mode/i", json!({"mode": "IMPORT"}), 200, json!({"mode": "IMPORT"})),
        ("POST /subjects/i/versions", json!({"schema": V1, "id": 10, "version": 1, "metadata": owner}), 200, json!({"id": 10, "version": 1})),
        ("POST /subjects/i/versions", json!({"schema": V1, "id": 11, "version": 2}), 200, json!({"id": 11, "version": 2})),
        ("GET /schemas/ids/11", Value::Null, 200, json!({"schema": V1})),
    ]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guid_covers_the_contract() {
    let r = TestRegistry::start().await;
    let plain = r.post("/subjects/g/versions", register(V1, Value::Null, Value::Null)).await;
    let owned =
        r.post("/subjects/g/versions", register(V1, props(&[("o", "1")]), Value::Null)).await;
    let ruled = r
        .post(
            "/subjects/g/versions",
            register(V1, Value::Null, json!({"domainRules": [cel("c", "true")]})),
        )
        .await;
    assert_eq!((plain.status, owned.status, ruled.status), (200, 200, 200));
    let mut guids = Vec::new();
    for id in 1..=3 {
        let by_id = r.get(&format!("/schemas/ids/{id}")).await;
        let guid = by_id.body["guid"].as_str().expect("a guid").to_owned();
        // The GUID finds the same schema, contract included.
        let by_guid = r.get(&format!("/schemas/guids/{guid}")).await;
        assert_eq!(by_guid.body["metadata"], by_id.body["metadata"], "{}", by_guid.text);
        assert_eq!(by_guid.body["ruleSet"], by_id.body["ruleSet"], "{}", by_guid.text);
        guids.push(guid);
    }
    guids.sort();
    guids.dedup();
    assert_eq!(guids.len(), 3, "one GUID per contract: {guids:?}");
}

/// The real Python client end to end: it registers metadata and rules, and its own serializer and
/// deserializer run the rules it gets back from us (tests/python/contracts_interop.py checks each
/// step): a CEL condition refuses a record, a CEL_FIELD transform rewrites a field, JSONata
/// migrations translate between two major versions chosen with `use.latest.with.metadata`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_client_runs_the_rules_we_store() {
    let registry = TestRegistry::start().await;
    let base = registry.http.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        python::run("contracts_interop.py", &[&base, "py"], Duration::from_secs(120))
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_str(output.stdout.trim()).unwrap_or_else(|e| {
        panic!("contracts script printed no report ({e}):\n{}\n{}", output.stdout, output.stderr)
    });
    assert_eq!(report["failures"], json!([]), "stderr:\n{}", output.stderr);
    assert_eq!(output.code, Some(0), "stderr:\n{}", output.stderr);
    assert!(report["checks"].as_u64().unwrap_or(0) >= 19, "{report}");

    // What Python framed (after its transform ran) decodes with our wire decoder to our id.
    let facts = &report["facts"];
    let hex = facts["payment_framed_hex"].as_str().unwrap();
    let framed: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let frame = wire::decode(&framed).expect("python's frame decodes");
    let id = facts["payment_id"].as_u64().unwrap();
    assert_eq!(frame.schema, SchemaRef::Id(schemata_core::SchemaId(id as u32)));
    // Python registered the contract; we hold it as Confluent's names spell it.
    let version = registry.get("/subjects/py-payments-value/versions/1").await;
    assert_eq!(
        version.body["metadata"],
        json!({"properties": {"owner": "payments"}, "sensitive": ["owner"]})
    );
    let rules = &version.body["ruleSet"]["domainRules"];
    assert_eq!(rules[0]["name"], "positive", "{}", version.text);
    assert_eq!(rules[1]["type"], "CEL_FIELD", "{}", version.text);
    let v2 = registry.get("/subjects/py-invoices-value/versions/2").await;
    let migrations = &v2.body["ruleSet"]["migrationRules"];
    assert_eq!(
        (migrations[0]["mode"].as_str(), migrations[1]["mode"].as_str()),
        (Some("UPGRADE"), Some("DOWNGRADE"))
    );
}

/// `schemata export` then `import` into an empty registry keeps every version's contract: the
/// second export is byte for byte the first, and the versions read the same on both sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_import_keep_contracts_byte_for_byte() {
    let source = TestRegistry::start().await;
    let rules = json!({
        "migrationRules": [{"name": "up", "mode": "UPGRADE", "type": "JSONATA", "expr": "$"}],
        "domainRules": [cel("positive", "message.a > 0")],
    });
    let tagged =
        json!({"tags": {"R.a": ["PII"]}, "properties": {"major": "1"}, "sensitive": ["k"]});
    #[rustfmt::skip]
    check(&source, &[
        ("POST /subjects/x/versions", register(V1, tagged.clone(), rules), 200, json!({"id": 1, "version": 1})),
        ("POST /subjects/x/versions", register(V1, props(&[("major", "2")]), Value::Null), 200, json!({"id": 2, "version": 2})),
        ("POST /subjects/y/versions", register(V1, Value::Null, Value::Null), 200, json!({"id": 3, "version": 1})),
        ("DELETE /subjects/x/versions/1", Value::Null, 200, json!(1)),
    ]).await;
    // Configs with data-contract fields, set after the versions (as import writes them).
    let configs = [
        (
            "/config/x",
            json!({
                "compatibilityGroup": "major",
                "defaultMetadata": {"properties": {"owner": "team-a"}},
                "overrideRuleSet": {"domainRules": [cel("checked", "message.a > 0")]},
                "validateFields": true,
            }),
        ),
        (
            "/config",
            json!({"compatibility": "FULL", "defaultRuleSet": {"domainRules": [cel("any", "true")]}}),
        ),
    ];
    for (path, body) in &configs {
        let bytes = serde_json::to_vec(body).unwrap();
        let reply =
            source.send("PUT", path, Some(schemata_core::api::CONTENT_TYPE), Some(bytes)).await;
        assert_eq!(reply.status, 200, "PUT {path}: {}", reply.text);
    }
    let first = schemata(["export", "--registry", &source.base]).run().await;
    first.expect_code(0);
    assert!(first.stdout.contains(r#""metadata":{"tags":{"R.a":["PII"]},"properties":{"major":"1"},"sensitive":["k"]},"ruleSet":{"migrationRules":"#), "{}", first.stdout);

    let target = TestRegistry::start().await;
    let imported =
        schemata(["import", "--registry", &target.base]).stdin(first.stdout.clone()).run().await;
    imported.expect_code(0);
    let second = schemata(["export", "--registry", &target.base]).run().await;
    second.expect_code(0);
    assert_eq!(second.stdout, first.stdout);
    let x_config = target.get("/config/x").await;
    assert_eq!(x_config.body["compatibilityGroup"], "major", "{}", x_config.text);
    assert_eq!(x_config.body["validateFields"], true, "{}", x_config.text);
    for path in [
        "/config",
        "/config/x",
        "/subjects/x/versions/1?deleted=true",
        "/subjects/x/versions/2",
        "/subjects/y/versions/1",
        "/schemas/ids/1",
        "/schemas/ids/2",
        "/schemas/ids/3",
    ] {
        let (a, b) = (source.get(path).await, target.get(path).await);
        assert_eq!((a.status, &a.text), (b.status, &b.text), "{path}");
    }
    // A second import finds everything there, contracts included: nothing to write.
    let again = schemata(["import", "--registry", &target.base]).stdin(first.stdout).run().await;
    again.expect_code(0);
    assert!(again.stdout.contains("nothing to import"), "{}", again.stdout);
}

/// The README's "Data contracts" section, run as written against a fresh registry: each shell
/// block in order, and every one-line JSON answer it shows (`# {...}`) was printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_data_contracts_section_runs_as_written() {
    let r = TestRegistry::start().await;
    let address = r.base.trim_start_matches("http://").to_owned();
    let steps = blocks(&readme(), "Data contracts", "sh");
    assert!(!steps.is_empty(), "the README has a Data contracts section with shell steps");
    let script =
        format!("set -euo pipefail\n{}", steps.join("\n")).replace("localhost:8081", &address);
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("bash").arg("-c").arg(&script).kill_on_drop(true).output(),
    )
    .await
    .expect("the section's commands finish")
    .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let mut shown = 0;
    for line in steps.iter().flat_map(|step| step.lines()) {
        if let Some(answer) = line.strip_prefix("# {")
            && serde_json::from_str::<Value>(&format!("{{{answer}")).is_ok()
        {
            assert!(stdout.contains(&format!("{{{answer}")), "{{{answer}\n{stdout}");
            shown += 1;
        }
    }
    assert!(shown >= 2, "the section shows registry answers");
    // What the section registered is what it says.
    let version = r.get("/subjects/payments-value/metadata?key=owner&value=payments").await;
    assert_eq!(
        version.body["ruleSet"]["domainRules"][0]["expr"], "message.amount > 0",
        "{}",
        version.text
    );
}

/// A value with the fields of both major versions below: encoded by field name into whichever
/// version the serializer picks.
#[derive(Debug, Clone, PartialEq, schemata::Schema, serde::Serialize, serde::Deserialize)]
#[schemata(namespace = "com.acme.it", name = "R")]
struct Both {
    a: i32,
    x: String,
}

/// The Rust client: versions carry their contract, `latest_with_metadata` selects a major
/// version by its properties, and a serializer configured with `use_latest_with_metadata`
/// writes with that version's id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_client_reads_contracts_and_writes_with_latest_with_metadata() {
    use std::collections::BTreeMap;

    use schemata::{
        AvroDeserializer, AvroSerializer, ReadOptions, RegistryClient, SerializerConfig,
        VersionSpec,
    };

    let r = TestRegistry::start().await;
    let rules = json!({"domainRules": [cel("positive", "message.a > 0")]});
    #[rustfmt::skip]
    check(&r, &[
        ("PUT /config/rs-value", json!({"compatibilityGroup": "major"}), 200, json!({"compatibilityGroup": "major"})),
        ("POST /subjects/rs-value/versions", register(V1, props(&[("major", "1")]), rules), 200, json!({"id": 1, "version": 1})),
        ("POST /subjects/rs-value/versions", register(OTHER, props(&[("major", "2")]), Value::Null), 200, json!({"id": 2, "version": 2})),
    ]).await;
    let client = RegistryClient::new(r.base.clone()).unwrap();
    let major = |m: &str| BTreeMap::from([("major".to_owned(), m.to_owned())]);

    let one = client.latest_with_metadata("rs-value", &major("1"), ReadOptions::default()).await;
    let one = one.unwrap();
    assert_eq!((one.version.0, one.id.0), (1, 1));
    assert_eq!(one.metadata.as_ref().unwrap().properties, major("1"));
    let rule = &one.rule_set.as_ref().unwrap().domain_rules[0];
    assert_eq!(
        (rule.name.as_deref(), rule.expr.as_deref()),
        (Some("positive"), Some("message.a > 0"))
    );
    // The latest version carries its own contract (inherited rules included).
    let latest = client.version("rs-value", VersionSpec::Latest, ReadOptions::default()).await;
    let latest = latest.unwrap();
    assert_eq!(latest.metadata.unwrap().properties, major("2"));
    assert_eq!(latest.rule_set.unwrap().domain_rules[0].name.as_deref(), Some("positive"));
    let missing =
        client.latest_with_metadata("rs-value", &major("9"), ReadOptions::default()).await;
    assert_eq!(missing.unwrap_err().error_code(), Some(40403));

    // Migration rules between the two majors, as a reader of the other major would run them.
    let migrations = json!({"migrationRules": [
        {"name": "up", "mode": "UPGRADE", "type": "JSONATA", "expr": "$"},
        {"name": "down", "mode": "DOWNGRADE", "type": "JSONATA", "expr": "$"},
    ]});
    let three = r
        .post(
            "/subjects/rs-value/versions",
            register(OTHER, props(&[("major", "2"), ("rev", "b")]), migrations),
        )
        .await;
    assert_eq!(three.status, 200, "{}", three.text);
    let names = |found: Vec<(schemata::Version, schemata::Rule)>| -> Vec<String> {
        found
            .into_iter()
            .map(|(v, rule)| format!("{v}:{}", rule.name.unwrap_or_default()))
            .collect()
    };
    let (v1, v3) = (schemata::Version(1), schemata::Version(3));
    assert_eq!(names(client.migration_rules("rs-value", v1, v3).await.unwrap()), ["3:up"]);
    assert_eq!(names(client.migration_rules("rs-value", v3, v1).await.unwrap()), ["3:down"]);
    assert!(client.migration_rules("rs-value", v3, v3).await.unwrap().is_empty());

    let mut records = Vec::new();
    for (wanted, id) in [("1", 1u32), ("2", 3)] {
        let config = SerializerConfig {
            auto_register: false,
            use_latest_with_metadata: Some(major(wanted)),
            ..SerializerConfig::default()
        };
        let writer = AvroSerializer::<Both>::new(client.clone(), config).unwrap();
        let bytes = writer.serialize("rs", false, &Both { a: 5, x: "y".into() }).await.unwrap();
        assert_eq!(u32::from_be_bytes(bytes[1..5].try_into().unwrap()), id, "major {wanted}");
        records.push(bytes);
    }

    // A consumer of one major version asks which migrations a record of the other needs.
    let migrations = async |record: &[u8], reader: &str| {
        client.record_migrations("rs-value", None, record, &major(reader)).await.map(names)
    };
    assert_eq!(migrations(&records[0], "2").await.unwrap(), ["3:up"]);
    assert_eq!(migrations(&records[1], "1").await.unwrap(), ["3:down"]);
    assert!(migrations(&records[0], "1").await.unwrap().is_empty());
    assert_eq!(migrations(&records[0], "9").await.unwrap_err().error_code(), Some(40403));
    let elsewhere = client.record_migrations("other-value", None, &records[0], &major("1")).await;
    assert_eq!(
        elsewhere.unwrap_err().to_string(),
        "schema 1 is not a version of subject 'other-value'"
    );

    // A deserializer lists them for the subject it names: `<topic>-value` by default, a fixed
    // subject, or none with a record-name strategy (an error that says what to do).
    let reader = AvroDeserializer::<Both>::new(client.clone()).unwrap();
    let listed = reader.migrations("rs", None, &records[0], &major("2")).await.map(names);
    assert_eq!(listed.unwrap(), ["3:up"]);
    let fixed = AvroDeserializer::<Both>::new(client.clone()).unwrap().subject("rs-value");
    let listed = fixed.migrations("elsewhere", None, &records[1], &major("1")).await.map(names);
    assert_eq!(listed.unwrap(), ["3:down"]);
    let by_record = AvroDeserializer::<Both>::new(client.clone())
        .unwrap()
        .subject_name_strategy(schemata::SubjectNameStrategy::RecordName);
    let refused = by_record.migrations("rs", None, &records[0], &major("2")).await;
    assert!(refused.unwrap_err().to_string().contains("give the deserializer its subject"));
}

/// `validateFields`: reserved field names (`confluent:reserved`) may not be dropped from the
/// contract nor used by a top-level field, as Confluent checks them; without it they are data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_fields_checks_reserved_fields() {
    let r = TestRegistry::start().await;
    let reserve = |fields: &str| props(&[("confluent:reserved", fields)]);
    #[rustfmt::skip]
    check(&r, &[
        ("PUT /config/r", json!({"compatibility": "NONE", "validateFields": true}), 200, json!({"compatibility": "NONE", "validateFields": true})),
        ("GET /config/r", Value::Null, 200, json!({"compatibilityLevel": "NONE", "validateFields": true})),
        ("POST /subjects/r/versions", register(V1, reserve("x"), Value::Null), 200, json!({"id": 1, "version": 1})),
        // OTHER's field `x` is reserved (inherited from version 1): refused even at NONE.
        ("POST /subjects/r/versions", register(OTHER, Value::Null, Value::Null), 409, code(40901)),
        // Dropping the reservation is refused too.
        ("POST /subjects/r/versions", register(OTHER, props(&[("owner", "o")]), Value::Null), 409, code(40901)),
        ("POST /subjects/r/versions", register(OTHER, reserve("x, y"), Value::Null), 409, code(40901)),
        ("POST /subjects/r/versions", register(V1, reserve("x, y"), Value::Null), 200, json!({"id": 2, "version": 2})),
        // Without validateFields, reserved names are plain metadata.
        ("PUT /config/s", json!({"compatibility": "NONE"}), 200, json!({"compatibility": "NONE"})),
        ("POST /subjects/s/versions", register(V1, reserve("a"), Value::Null), 200, json!({"id": 3, "version": 1})),
    ]).await;
    let conflict = r.post("/subjects/r/versions", register(OTHER, Value::Null, Value::Null)).await;
    assert!(
        conflict
            .text
            .contains("The new schema has field that conflicts with the reserved field x."),
        "{}",
        conflict.text
    );
    let dropped =
        r.post("/subjects/r/versions", register(V1, props(&[("owner", "o")]), Value::Null)).await;
    assert!(
        dropped.text.contains("The new schema has reserved field y removed from its metadata which is present in the old schema's metadata."),
        "{}",
        dropped.text
    );
}

/// `#[derive(Schema)]` contract attributes end to end: a Rust serializer registers the type's
/// metadata and its inline field tags; the subject's config adds a CEL_FIELD rule on the `PII`
/// tag; Confluent's Python serializer selects the version by the derived metadata and masks the
/// tagged field (and only it), which our deserializer reads back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_metadata_and_tags_drive_confluent_field_rules() {
    use schemata::{
        AvroDeserializer, AvroSerializer, JsonSerializer, RegistryClient, Schema, SerializerConfig,
    };

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, Schema)]
    #[schemata(namespace = "com.acme.cards", metadata(owner = "cards", major = "1"))]
    struct Card {
        id: i64,
        #[schemata(tags("PII"))]
        number: String,
        brand: String,
    }

    let r = TestRegistry::start().await;
    let mask = json!({"name": "mask", "kind": "TRANSFORM", "mode": "WRITE", "type": "CEL_FIELD",
                      "tags": ["PII"], "expr": "typeName == 'STRING' ; 'XXXX'"});
    let config = json!({"defaultRuleSet": {"domainRules": [mask]}});
    let put = r.put("/config/cards-value", config).await;
    assert_eq!(put.status, 200, "{}", put.text);

    let client = RegistryClient::new(r.base.clone()).unwrap();
    let card = Card { id: 7, number: "4111 1111 1111 1111".into(), brand: "visa".into() };
    let writer = AvroSerializer::<Card>::new(client.clone(), SerializerConfig::default()).unwrap();
    let ours = writer.serialize("cards", false, &card).await.unwrap();
    // A second serializer (a restarted producer) finds the same version: the contract is
    // registered identically, not as a new version each time.
    let fresh = RegistryClient::new(r.base.clone()).unwrap();
    let again = AvroSerializer::<Card>::new(fresh, SerializerConfig::default()).unwrap();
    assert_eq!(again.serialize("cards", false, &card).await.unwrap(), ours);
    let versions = r.get("/subjects/cards-value/versions").await;
    assert_eq!(versions.body, json!([1]), "{}", versions.text);

    let v1 = r.get("/subjects/cards-value/versions/1").await;
    let properties = &v1.body["metadata"]["properties"];
    assert_eq!((&properties["owner"], &properties["major"]), (&json!("cards"), &json!("1")));
    assert_eq!(v1.body["ruleSet"]["domainRules"][0]["name"], "mask", "{}", v1.text);
    let schema: Value = serde_json::from_str(v1.body["schema"].as_str().unwrap()).unwrap();
    assert_eq!(schema["fields"][1]["confluent:tags"], json!(["PII"]), "{}", v1.text);

    let base = r.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        python::run("derive_tags_interop.py", &[&base, "cards", "cards"], Duration::from_secs(60))
    })
    .await
    .unwrap();
    assert_eq!(output.code, Some(0), "stdout:\n{}\nstderr:\n{}", output.stdout, output.stderr);
    let hex = output.stdout.trim();
    let framed: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(framed[..5], ours[..5], "python wrote with the version the derive registered");
    let reader = AvroDeserializer::<Card>::new(client.clone()).unwrap();
    let read = reader.deserialize("cards", &framed).await.unwrap();
    assert_eq!(read, Card { id: 7, number: "XXXX".into(), brand: "visa".into() });

    // The JSON serializer registers the same metadata, and the tags inside the JSON Schema.
    let json = JsonSerializer::<Card>::new(client, SerializerConfig::default()).unwrap();
    json.serialize("cards-json", false, &card).await.unwrap();
    let v1 = r.get("/subjects/cards-json-value/versions/1").await;
    assert_eq!(v1.body["metadata"]["properties"]["owner"], "cards", "{}", v1.text);
    let schema: Value = serde_json::from_str(v1.body["schema"].as_str().unwrap()).unwrap();
    assert_eq!(schema["properties"]["number"]["confluent:tags"], json!(["PII"]));
}

/// Migration rules of a record in a context: the record's id is looked up in the subject's
/// context (`?subject=`), where it names another schema than the default context's same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_migrations_find_the_id_in_the_subjects_context() {
    use std::collections::BTreeMap;

    let r = TestRegistry::start().await;
    let migrations = json!({"migrationRules": [{"name": "up", "mode": "UPGRADE", "type": "JSONATA", "expr": "$"}]});
    #[rustfmt::skip]
    check(&r, &[
        // Id 1 of the default context is another schema of another subject.
        ("POST /subjects/plain-value/versions", register(OTHER, Value::Null, Value::Null), 200, json!({"id": 1, "version": 1})),
        ("PUT /config/:.team:m-value", json!({"compatibilityGroup": "major"}), 200, json!({"compatibilityGroup": "major"})),
        ("POST /subjects/:.team:m-value/versions", register(V1, props(&[("major", "1")]), Value::Null), 200, json!({"id": 1, "version": 1})),
        ("POST /subjects/:.team:m-value/versions", register(OTHER, props(&[("major", "2")]), migrations), 200, json!({"id": 2, "version": 2})),
    ]).await;
    let client = schemata::RegistryClient::new(r.base.clone()).unwrap();
    let major2 = BTreeMap::from([("major".to_owned(), "2".to_owned())]);
    let record = [0u8, 0, 0, 0, 1, 10];
    let found = client.record_migrations(":.team:m-value", None, &record, &major2).await.unwrap();
    let found: Vec<_> = found.into_iter().map(|(v, rule)| (v.0, rule.name)).collect();
    assert_eq!(found, [(2, Some("up".to_owned()))]);
}
