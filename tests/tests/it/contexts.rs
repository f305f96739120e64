//! Schema contexts (Confluent 7.0+) over real HTTP: qualified subjects `:.ctx:name`, one id space
//! per context (the same id names two schemas), `?subject=` selecting the context of an id,
//! `subjectPrefix` listings, the `/contexts/{context}/...` form of every route, `GET` and
//! `DELETE /contexts`, config and mode falling back subject → context → global, references
//! resolved within a context, a restart's replay, and per-subject rules on qualified names.
//! Each step is a one-line case of `registry_api::check` (status, error code or exact body).

use serde_json::{Value, json};

use crate::harness::TestRegistry;
use crate::registry_api::{check, code, schema};

const V1: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#;
const OTHER: &str = r#"{"type":"record","name":"R","fields":[{"name":"x","type":"string"}]}"#;
/// V1 plus a field without a default: not BACKWARD (nor FULL) compatible with V1.
const V_NO_DEFAULT: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"c","type":"string"}]}"#;
const IMPORTED: &str = r#"{"type":"record","name":"Imp","fields":[]}"#;

fn guid(text: &str) -> String {
    schemata_core::Guid::of(text, &[]).to_string()
}

fn by_id(text: &str) -> Value {
    json!({ "schema": text })
}

fn version(subject: &str, version: i64, id: i64, text: &str) -> Value {
    json!({ "subject": subject, "version": version, "id": id, "schema": text })
}

/// V1 in the default context is id 1; OTHER is id 1 of `.team` and V1 id 2 there: each context
/// counts its own ids, and a schema is deduplicated within its context only.
async fn two_contexts() -> TestRegistry {
    let r = TestRegistry::start().await;
    check(
        &r,
        &[
            ("POST /subjects/a/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            (
                "POST /subjects/:.team:a/versions",
                schema(OTHER),
                200,
                json!({"id": 1, "version": 1}),
            ),
            (
                "POST /contexts/.team/subjects/b/versions",
                schema(V1),
                200,
                json!({"id": 2, "version": 1}),
            ),
            // Registering again finds the same id in the same context.
            ("POST /subjects/:.team:b/versions", schema(V1), 200, json!({"id": 2, "version": 1})),
            ("POST /subjects/:.:c/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
        ],
    )
    .await;
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_id_names_a_schema_per_context() {
    let r = two_contexts().await;
    let guid_v1 = guid(V1);
    check(
        &r,
        &[
            ("GET /contexts", Value::Null, 200, json!([".", ".team"])),
            ("GET /contexts?offset=1", Value::Null, 200, json!([".team"])),
            ("GET /schemas/ids/1", Value::Null, 200, by_id(V1)),
            ("GET /schemas/ids/1?subject=:.team:a", Value::Null, 200, by_id(OTHER)),
            ("GET /schemas/ids/1?subject=%3A.team%3A", Value::Null, 200, by_id(OTHER)),
            ("GET /contexts/.team/schemas/ids/1", Value::Null, 200, by_id(OTHER)),
            (
                "GET /contexts/team/schemas/ids/1/schema",
                Value::Null,
                200,
                serde_json::from_str(OTHER).unwrap(),
            ),
            ("GET /schemas/ids/2", Value::Null, 404, code(40403)),
            // An unqualified subject that holds the id in another context finds it there.
            ("GET /schemas/ids/2?subject=b", Value::Null, 200, by_id(V1)),
            // A qualified subject finds only its own ids.
            ("GET /schemas/ids/2?subject=:.team:a", Value::Null, 404, code(40403)),
            ("GET /schemas/ids/1?subject=:.nowhere:", Value::Null, 404, code(40403)),
            ("GET /schemas/ids/1/subjects", Value::Null, 200, json!(["a", "c"])),
            ("GET /schemas/ids/1/subjects?subject=:.team:", Value::Null, 200, json!([":.team:a"])),
            (
                "GET /contexts/.team/schemas/ids/2/versions",
                Value::Null,
                200,
                json!([{"subject": ":.team:b", "version": 1}]),
            ),
            (
                "GET /subjects/:.team:a/versions/1",
                Value::Null,
                200,
                version(":.team:a", 1, 1, OTHER),
            ),
            (
                "GET /contexts/.team/subjects/a/versions/1",
                Value::Null,
                200,
                version(":.team:a", 1, 1, OTHER),
            ),
            ("GET /subjects/:.:a/versions/latest", Value::Null, 200, version("a", 1, 1, V1)),
            ("GET /subjects/:.team:nope/versions", Value::Null, 404, code(40401)),
            // A subject without a context that only a context holds is found there, as
            // Confluent's `getUsingContexts` and lookup find it (clients resolving references).
            ("GET /subjects/b/versions/1", Value::Null, 200, version(":.team:b", 1, 2, V1)),
            (
                "GET /subjects/b/versions/latest/schema",
                Value::Null,
                200,
                serde_json::from_str(V1).unwrap(),
            ),
            ("POST /subjects/b", schema(V1), 200, version(":.team:b", 1, 2, V1)),
            ("GET /subjects/b/versions/2", Value::Null, 404, code(40401)),
            ("GET /subjects/a/versions/2", Value::Null, 404, code(40402)),
            ("POST /subjects/:.team:b", schema(V1), 200, version(":.team:b", 1, 2, V1)),
            ("POST /contexts/.team/subjects/a", schema(V1), 404, code(40403)),
            (
                &format!("GET /schemas/guids/{guid_v1}/ids"),
                Value::Null,
                200,
                json!([{"context": ".", "id": 1}, {"context": ".team", "id": 2}]),
            ),
            (&format!("GET /schemas/guids/{guid_v1}"), Value::Null, 200, by_id(V1)),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_follow_the_prefix_and_its_context() {
    let r = two_contexts().await;
    check(
        &r,
        &[
            // Without a prefix, every context (Confluent's `:*:` default); with one, its context.
            ("GET /subjects", Value::Null, 200, json!([":.team:a", ":.team:b", "a", "c"])),
            (
                "GET /subjects?subjectPrefix=:*:",
                Value::Null,
                200,
                json!([":.team:a", ":.team:b", "a", "c"]),
            ),
            ("GET /subjects?subjectPrefix=", Value::Null, 200, json!(["a", "c"])),
            (
                "GET /subjects?subjectPrefix=:.team:",
                Value::Null,
                200,
                json!([":.team:a", ":.team:b"]),
            ),
            ("GET /subjects?subjectPrefix=:.team:b", Value::Null, 200, json!([":.team:b"])),
            ("GET /subjects?subjectPrefix=:*:b", Value::Null, 200, json!([":.team:b"])),
            ("GET /subjects?subjectPrefix=a", Value::Null, 200, json!(["a"])),
            ("GET /contexts/.team/subjects", Value::Null, 200, json!([":.team:a", ":.team:b"])),
            ("GET /contexts/.team/subjects?subjectPrefix=b", Value::Null, 200, json!([":.team:b"])),
            ("GET /contexts/:.:/subjects", Value::Null, 200, json!(["a", "c"])),
            // `/schemas` lists the default context unless asked for others, as Confluent.
            (
                "GET /schemas",
                Value::Null,
                200,
                json!([version("a", 1, 1, V1), version("c", 1, 1, V1)]),
            ),
            (
                "GET /contexts/.team/schemas",
                Value::Null,
                200,
                json!([version(":.team:a", 1, 1, OTHER), version(":.team:b", 1, 2, V1)]),
            ),
            (
                "GET /schemas?subjectPrefix=:*:&latestOnly=true&limit=1",
                Value::Null,
                200,
                json!([version(":.team:a", 1, 1, OTHER)]),
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_and_mode_fall_back_to_the_context_then_global() {
    let r = TestRegistry::start().await;
    check(
        &r,
        &[
            (
                "PUT /config",
                json!({"compatibility": "FULL"}),
                200,
                json!({"compatibility": "FULL"}),
            ),
            (
                "PUT /contexts/.team/config",
                json!({"compatibility": "NONE"}),
                200,
                json!({"compatibility": "NONE"}),
            ),
            ("GET /config/:.team:", Value::Null, 200, json!({"compatibilityLevel": "NONE"})),
            ("GET /contexts/.team/config", Value::Null, 200, json!({"compatibilityLevel": "NONE"})),
            ("GET /config/:.team:s", Value::Null, 404, code(40408)),
            (
                "GET /config/:.team:s?defaultToGlobal=true",
                Value::Null,
                200,
                json!({"compatibilityLevel": "NONE"}),
            ),
            (
                "GET /config/s?defaultToGlobal=true",
                Value::Null,
                200,
                json!({"compatibilityLevel": "FULL"}),
            ),
            // NONE in `.team` lets a breaking change through; FULL in the default context does not.
            ("POST /subjects/:.team:s/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            (
                "POST /subjects/:.team:s/versions",
                schema(V_NO_DEFAULT),
                200,
                json!({"id": 2, "version": 2}),
            ),
            ("POST /subjects/s/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            ("POST /subjects/s/versions", schema(V_NO_DEFAULT), 409, code(40901)),
            // A subject's own config wins over its context's.
            (
                "PUT /contexts/.team/config/own",
                json!({"compatibility": "FULL"}),
                200,
                json!({"compatibility": "FULL"}),
            ),
            ("GET /config/:.team:own", Value::Null, 200, json!({"compatibilityLevel": "FULL"})),
            ("POST /subjects/:.team:own/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            ("POST /subjects/:.team:own/versions", schema(V_NO_DEFAULT), 409, code(40901)),
            // The context's mode applies to its subjects only.
            ("PUT /mode/:.team:", json!({"mode": "READONLY"}), 200, json!({"mode": "READONLY"})),
            ("GET /contexts/.team/mode", Value::Null, 200, json!({"mode": "READONLY"})),
            (
                "GET /mode/:.team:x?defaultToGlobal=true",
                Value::Null,
                200,
                json!({"mode": "READONLY"}),
            ),
            ("POST /subjects/:.team:x/versions", schema(OTHER), 422, code(42205)),
            ("POST /subjects/x/versions", schema(OTHER), 200, json!({"id": 2, "version": 1})),
            ("DELETE /contexts/.team/mode", Value::Null, 200, json!({"mode": "READONLY"})),
            (
                "POST /subjects/:.team:x/versions",
                schema(OTHER),
                200,
                json!({"id": 3, "version": 1}),
            ),
            // A context is no subject to register under.
            ("POST /subjects/:.team:/versions", schema(V1), 422, code(42208)),
            ("POST /subjects/:.__GLOBAL:x/versions", schema(V1), 422, code(42208)),
            // IMPORT for a context: refused while its subjects have versions, unless forced;
            // then explicit ids land in the context's id space only.
            ("PUT /mode/:.team:", json!({"mode": "IMPORT"}), 422, code(42205)),
            (
                "PUT /mode/:.team:?force=true",
                json!({"mode": "IMPORT"}),
                200,
                json!({"mode": "IMPORT"}),
            ),
            (
                "POST /subjects/:.team:imp/versions",
                json!({"schema": IMPORTED, "id": 50, "version": 1}),
                200,
                json!({"id": 50, "version": 1}),
            ),
            ("GET /schemas/ids/50?subject=:.team:", Value::Null, 200, by_id(IMPORTED)),
            ("GET /schemas/ids/50", Value::Null, 404, code(40403)),
            ("POST /subjects/y/versions", schema(IMPORTED), 200, json!({"id": 3, "version": 1})),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_is_deleted_only_when_empty() {
    let r = TestRegistry::start().await;
    check(
        &r,
        &[
            // `.` itself is a dot segment URLs drop; `:.:` names the default context too.
            ("DELETE /contexts/:.:", Value::Null, 422, code(42205)),
            ("DELETE /contexts/.nope", Value::Null, 404, code(404)),
            ("DELETE /contexts/a:b", Value::Null, 400, code(400)),
            ("GET /contexts/a:b/subjects", Value::Null, 400, code(400)),
            ("POST /subjects/:.gone:s/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            ("GET /contexts", Value::Null, 200, json!([".", ".gone"])),
            ("DELETE /contexts/.gone", Value::Null, 422, code(42205)),
            ("DELETE /contexts/.gone/subjects/s", Value::Null, 200, json!([1])),
            // Soft-deleted versions still hold the context.
            ("DELETE /contexts/gone", Value::Null, 422, code(42205)),
            ("DELETE /subjects/:.gone:s?permanent=true", Value::Null, 200, json!([1])),
            ("DELETE /contexts/gone", Value::Null, 204, Value::Null),
            ("GET /contexts", Value::Null, 200, json!(["."])),
            ("DELETE /contexts/.gone", Value::Null, 404, code(404)),
            // The context comes back with its next schema; its ids go on after the last one.
            (
                "POST /subjects/:.gone:t/versions",
                schema(OTHER),
                200,
                json!({"id": 2, "version": 1}),
            ),
            ("GET /contexts", Value::Null, 200, json!([".", ".gone"])),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_resolve_within_their_context() {
    let r = TestRegistry::start().await;
    let leaf = r#"{"type":"record","name":"Leaf","fields":[{"name":"v","type":"int"}]}"#;
    let root = r#"{"type":"record","name":"Root","fields":[{"name":"leaf","type":"Leaf"}]}"#;
    let with_ref = |subject: &str| json!({"schema": root, "references": [{"name": "Leaf", "subject": subject, "version": 1}]});
    check(
        &r,
        &[
            (
                "POST /subjects/:.team:leaf/versions",
                schema(leaf),
                200,
                json!({"id": 1, "version": 1}),
            ),
            // `leaf` from a schema of `.team` is `:.team:leaf`.
            (
                "POST /subjects/:.team:root/versions",
                with_ref("leaf"),
                200,
                json!({"id": 2, "version": 1}),
            ),
            ("GET /subjects/:.team:leaf/versions/1/referencedby", Value::Null, 200, json!([2])),
            (
                "GET /contexts/.team/subjects/leaf/versions/1/referencedby",
                Value::Null,
                200,
                json!([2]),
            ),
            ("DELETE /subjects/:.team:leaf/versions/1", Value::Null, 422, code(42206)),
            // From the default context, `leaf` is the default context's: there is none.
            ("POST /subjects/root/versions", with_ref("leaf"), 422, code(42201)),
            (
                "POST /subjects/root/versions",
                with_ref(":.team:leaf"),
                200,
                json!({"id": 1, "version": 1}),
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contexts_survive_a_restart() {
    let r = two_contexts().await;
    check(
        &r,
        &[(
            "PUT /config/:.team:",
            json!({"compatibility": "NONE"}),
            200,
            json!({"compatibility": "NONE"}),
        )],
    )
    .await;
    let r = r.restart().await;
    check(
        &r,
        &[
            ("GET /contexts", Value::Null, 200, json!([".", ".team"])),
            ("GET /schemas/ids/1?subject=:.team:", Value::Null, 200, by_id(OTHER)),
            ("GET /config/:.team:", Value::Null, 200, json!({"compatibilityLevel": "NONE"})),
            // Id allocation goes on per context after the replay.
            (
                "POST /subjects/:.team:d/versions",
                schema(V_NO_DEFAULT),
                200,
                json!({"id": 3, "version": 1}),
            ),
            (
                "POST /subjects/d/versions",
                schema(V_NO_DEFAULT),
                200,
                json!({"id": 2, "version": 1}),
            ),
        ],
    )
    .await;
}

/// Sends `method path` as `user` (password `{user}-pw`) and answers (status, body).
async fn as_user(
    r: &TestRegistry,
    user: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request =
        r.client.request(method, r.url(path)).basic_auth(user, Some(format!("{user}-pw")));
    if let Some(body) = body {
        request = request
            .header("content-type", schemata_core::api::CONTENT_TYPE)
            .body(serde_json::to_vec(&body).unwrap());
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Per-subject rules name the qualified subject: a reader of `:.team:*` reads the team's
/// subjects and ids through either URL form, and nothing of the default context, however the
/// subject is spelled (`:.:a` is `a`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_apply_to_qualified_subjects() {
    let dir = tempfile::tempdir().unwrap();
    let mut users = String::new();
    for (name, roles) in [("ada", "[\"admin\"]"), ("tess", "[]")] {
        let hash = schemata_registry::hash_password(&format!("{name}-pw")).unwrap();
        users.push_str(&format!("[users.{name}]\npassword_hash = '{hash}'\nroles = {roles}\n"));
    }
    std::fs::write(dir.path().join("users.toml"), users).unwrap();
    let rules =
        "[[allow]]\nprincipals = [\"tess\"]\noperations = [\"read\"]\nsubjects = [\":.team:*\"]\n";
    std::fs::write(dir.path().join("rules.toml"), rules).unwrap();
    let settings = schemata_registry::AuthSettings {
        users_file: Some(dir.path().join("users.toml")),
        rules_file: Some(dir.path().join("rules.toml")),
        ..schemata_registry::AuthSettings::default()
    };
    let r = TestRegistry::start_with(|c: &mut schemata_registry::Config| c.auth = settings).await;
    for (subject, text) in [("a", V1), (":.team:a", OTHER)] {
        let path = format!("/subjects/{subject}/versions");
        let (status, _) = as_user(&r, "ada", "POST", &path, Some(schema(text))).await;
        assert_eq!(status, 200, "{subject}");
    }
    let cases: &[(&str, &str, u16)] = &[
        ("GET", "/contexts/.team/subjects/a/versions/1", 200),
        ("GET", "/subjects/:.team:a/versions/1", 200),
        ("GET", "/subjects/a/versions/1", 403),
        ("GET", "/subjects/:.:a/versions/1", 403),
        ("GET", "/schemas/ids/1?subject=:.team:", 200),
        ("GET", "/contexts/.team/schemas/ids/1", 200),
        ("GET", "/schemas/ids/1", 403),
        ("GET", "/contexts", 200),
        ("DELETE", "/contexts/.team", 403),
        ("POST", "/subjects/:.team:new/versions", 403),
    ];
    for &(method, path, expected) in cases {
        let body = (method == "POST").then(|| schema(V1));
        let (status, reply) = as_user(&r, "tess", method, path, body).await;
        assert_eq!(status, expected, "{method} {path}: {reply}");
    }
    let (_, listed) = as_user(&r, "tess", "GET", "/subjects", None).await;
    assert_eq!(listed, json!([":.team:a"]));
}

/// `schemata export` reads every context (one `/schemas` listing per context, as Confluent
/// lists them) and `schemata import` restores each context's ids, configs and subjects: the
/// second export is the first, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_import_carry_contexts() {
    use crate::cli_support::schemata;
    let source = two_contexts().await;
    let config = json!({"compatibility": "NONE"});
    check(&source, &[("PUT /config/:.team:", config.clone(), 200, config)]).await;
    let exported = schemata(["export", "--registry", &source.base]).run().await;
    exported.expect_code(0);
    assert!(
        exported
            .stdout
            .contains(r#"{"keytype":"SCHEMA","subject":":.team:b","version":1,"magic":1}"#),
        "{}",
        exported.stdout
    );
    let target = TestRegistry::start().await;
    let imported = schemata(["import", "--registry", &target.base])
        .stdin(exported.stdout.as_str())
        .run()
        .await;
    imported.expect_code(0);
    let again = schemata(["export", "--registry", &target.base]).run().await;
    again.expect_code(0);
    assert_eq!(again.stdout, exported.stdout);
    for path in [
        "/contexts",
        "/subjects",
        "/schemas/ids/1",
        "/schemas/ids/1?subject=:.team:",
        "/schemas/ids/2?subject=:.team:b",
        "/config/:.team:",
    ] {
        let (a, b) = (source.get(path).await, target.get(path).await);
        assert_eq!((a.status, a.text), (b.status, b.text), "{path}");
    }
}

/// confluent-kafka's AvroSerializer and AvroDeserializer through a qualified subject: the
/// deserializer names the subject when it fetches the writer schema, so id 1 of `.team` is read
/// although id 1 of the default context is another schema (`tests/python/contexts_interop.py`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_serializers_use_a_context() {
    let r = TestRegistry::start().await;
    let args = vec![r.base.clone(), "members".to_owned()];
    let report = crate::python::report("contexts_interop.py", args).await;
    assert_eq!(report["decoded"], json!({"name": "ada", "n": 7}));
    // Magic byte 0, id 1: the team's first id, framed as Confluent frames it.
    let framed = report["framed"].as_str().unwrap();
    assert!(framed.starts_with("0000000001"), "{framed}");
    assert_eq!(report["latest_framed"], report["framed"]);
    assert_eq!(report["contexts"], json!([".", ".team"]));
    assert_eq!(report["subjects"], json!([":.team:members-value", "members-value"]));
    assert!(report["by_subject"].as_str().unwrap().contains("Member"), "{report}");
    let ours = r.get("/schemas/ids/1?subject=:.team:members-value").await;
    assert!(ours.body["schema"].as_str().unwrap().contains("Member"), "{}", ours.text);
    let default = r.get("/schemas/ids/1").await;
    assert!(default.body["schema"].as_str().unwrap().contains("Decoy"), "{}", default.text);
}

/// `schemata --context` and `RegistryClientBuilder::context`: every command works inside the
/// context (registration, listings, reads by id, export of that context's subjects), and the
/// client's deserializer reads the context's ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_and_the_client_work_in_a_context() {
    use crate::cli_support::schemata;
    let r = TestRegistry::start().await;
    // Id 1 of the default context is another schema than the team's id 1.
    check(&r, &[("POST /subjects/x/versions", schema(V1), 200, json!({"id": 1, "version": 1}))])
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other.avsc");
    std::fs::write(&file, OTHER).unwrap();
    let file = file.display().to_string();
    let registered = schemata([
        "register",
        &file,
        "--subject",
        "orders-value",
        "--context",
        "team",
        "--registry",
        &r.base,
    ])
    .run()
    .await;
    registered.expect_code(0);
    check(
        &r,
        &[
            ("GET /subjects", Value::Null, 200, json!([":.team:orders-value", "x"])),
            ("GET /schemas/ids/1?subject=:.team:orders-value", Value::Null, 200, by_id(OTHER)),
        ],
    )
    .await;
    let listed = schemata(["subjects", "--context", ".team", "--registry", &r.base]).run().await;
    listed.expect_code(0);
    assert_eq!(listed.stdout.trim(), ":.team:orders-value");
    let shown =
        schemata(["get", "--id", "1", "--context", ":.team:", "--registry", &r.base]).run().await;
    shown.expect_code(0);
    assert!(shown.stdout.contains("\"x\""), "{}", shown.stdout);
    let plain = schemata(["get", "--id", "1", "--registry", &r.base]).run().await;
    plain.expect_code(0);
    assert!(plain.stdout.contains("\"a\""), "{}", plain.stdout);
    let refused = schemata(["subjects", "--context", "a:b", "--registry", &r.base]).run().await;
    refused.expect_code(2);
    assert!(refused.stderr.contains("colon"), "{}", refused.stderr);

    // The library: a client in `.team` decodes the team's id 1 (a frame alone cannot say).
    let client =
        schemata::RegistryClient::builder().url(r.base.clone()).context("team").build().unwrap();
    assert_eq!(client.context(), ".team");
    let deserializer = schemata::DynamicDeserializer::new(client);
    let frame = [0u8, 0, 0, 0, 1, 2, b'x'];
    assert_eq!(deserializer.decode(&frame).await.unwrap(), json!({"x": "x"}));
    let default =
        schemata::DynamicDeserializer::new(schemata::RegistryClient::new(r.base.clone()).unwrap());
    assert_eq!(default.decode(&[0u8, 0, 0, 0, 1, 14]).await.unwrap(), json!({"a": 7}));
}

/// Produces `records` (raw key, raw value) to partition 0 of `topic`, one acknowledged send
/// at a time, as a Confluent registry wrote them.
async fn produce_raw(bootstrap: &str, topic: &str, records: &[(&str, Option<&str>)]) {
    use schemata::kafka::rdkafka::ClientConfig;
    use schemata::kafka::rdkafka::producer::{FutureProducer, FutureRecord};
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("message.timeout.ms", "10000")
        .create()
        .expect("producer");
    for (n, (key, value)) in records.iter().enumerate() {
        let mut record = FutureRecord::<str, str>::to(topic).partition(0).key(*key);
        if let Some(value) = value {
            record = record.payload(*value);
        }
        let delivered = producer.send(record, std::time::Duration::from_secs(10)).await;
        assert!(delivered.is_ok(), "record {n}: {delivered:?}");
    }
}

/// The keys (and whether the value is null) of the topic's data records, NOOPs left out, once
/// at least `want` are there.
fn topic_keys(bootstrap: &str, topic: &str, want: usize) -> Vec<(String, bool)> {
    use schemata::kafka::rdkafka::consumer::{BaseConsumer, Consumer as _};
    use schemata::kafka::rdkafka::message::Message as _;
    use schemata::kafka::rdkafka::{ClientConfig, Offset, TopicPartitionList};
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", crate::broker::unique("contexts-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut partitions = TopicPartitionList::new();
    partitions.add_partition_offset(topic, 0, Offset::Beginning).expect("partition");
    consumer.assign(&partitions).expect("assign");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut keys = Vec::new();
    while keys.len() < want {
        assert!(std::time::Instant::now() < deadline, "read {keys:?}, wanted {want}");
        if let Some(message) = consumer.poll(std::time::Duration::from_millis(100)) {
            let message = message.expect("record");
            let key = String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned();
            if !key.contains("\"NOOP\"") {
                keys.push((key, message.payload().is_none()));
            }
        }
    }
    keys
}

/// A `_schemas` topic with contexts as Confluent writes it (its `CONTEXT` records, qualified
/// subjects in keys and values, a context's config under `:.ctx:`) is taken over by the Kafka
/// backend; what we then write there is Confluent's bytes: a new context's record before its
/// first schema, a context's tombstone when it is deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confluent_topic_with_contexts_is_taken_over() {
    let broker = crate::broker::Broker::start();
    let topic = crate::broker::unique("_schemas-contexts");
    broker.create_topic(&topic, 1).await;
    let text = |s: &str| s.replace('"', "\\\"");
    let (v1, other) = (text(V1), text(OTHER));
    let a =
        format!(r#"{{"subject":"a-value","version":1,"id":1,"schema":"{v1}","deleted":false}}"#);
    let c = format!(
        r#"{{"subject":":.team:c-value","version":1,"id":1,"schema":"{other}","deleted":false}}"#
    );
    let fixture: Vec<(&str, Option<&str>)> = vec![
        (r#"{"keytype":"SCHEMA","subject":"a-value","version":1,"magic":1}"#, Some(&a)),
        (
            r#"{"keytype":"CONTEXT","tenant":"default","context":".team","magic":0}"#,
            Some(r#"{"tenant":"default","context":".team"}"#),
        ),
        (r#"{"keytype":"SCHEMA","subject":":.team:c-value","version":1,"magic":1}"#, Some(&c)),
        (
            r#"{"keytype":"CONFIG","subject":":.team:","magic":0}"#,
            Some(r#"{"subject":":.team:","compatibilityLevel":"NONE"}"#),
        ),
        (
            r#"{"keytype":"CONTEXT","tenant":"default","context":".empty","magic":0}"#,
            Some(r#"{"tenant":"default","context":".empty"}"#),
        ),
    ];
    produce_raw(&broker.bootstrap, &topic, &fixture).await;
    let taken = TestRegistry::start_with(|config| {
        crate::harness::use_kafka(config, &broker);
        config.kafka.topic = topic.clone();
        config.kafka.skip_topic_check = true;
    })
    .await;
    check(
        &taken,
        &[
            ("GET /contexts", Value::Null, 200, json!([".", ".empty", ".team"])),
            ("GET /subjects", Value::Null, 200, json!([":.team:c-value", "a-value"])),
            ("GET /schemas/ids/1", Value::Null, 200, by_id(V1)),
            ("GET /schemas/ids/1?subject=:.team:c-value", Value::Null, 200, by_id(OTHER)),
            ("GET /config/:.team:", Value::Null, 200, json!({"compatibilityLevel": "NONE"})),
            (
                "POST /subjects/:.team:d-value/versions",
                schema(V1),
                200,
                json!({"id": 2, "version": 1}),
            ),
            ("POST /subjects/:.new:x/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            ("DELETE /contexts/.empty", Value::Null, 204, Value::Null),
            ("GET /contexts", Value::Null, 200, json!([".", ".new", ".team"])),
        ],
    )
    .await;
    let written = topic_keys(&broker.bootstrap, &topic, fixture.len() + 4).split_off(fixture.len());
    assert_eq!(
        written,
        [
            (
                r#"{"keytype":"SCHEMA","subject":":.team:d-value","version":1,"magic":1}"#
                    .to_owned(),
                false
            ),
            (
                r#"{"keytype":"CONTEXT","tenant":"default","context":".new","magic":0}"#.to_owned(),
                false
            ),
            (r#"{"keytype":"SCHEMA","subject":":.new:x","version":1,"magic":1}"#.to_owned(), false),
            (
                r#"{"keytype":"CONTEXT","tenant":"default","context":".empty","magic":0}"#
                    .to_owned(),
                true
            ),
        ]
    );
}
