//! API conformance of the registry, endpoint by endpoint: each test is a script of requests with
//! the exact status and body Confluent answers, run against a fresh registry over real HTTP.

use serde_json::{Value, json};

use crate::harness::{Http, TestRegistry};

/// Runs a script. Each step is `"METHOD /path"`, a request body (`null` for none), the expected
/// status and the expected body. An expected body that is an object with only `error_code`
/// checks the code alone (messages are checked where they matter); any other value must match
/// exactly.
pub(crate) async fn check(http: &Http, steps: &[(&str, Value, u16, Value)]) {
    for (request, body, status, expected) in steps {
        let (method, path) = request.split_once(' ').expect("METHOD /path");
        let bytes = (!body.is_null()).then(|| serde_json::to_vec(body).unwrap());
        let content_type = bytes.as_ref().map(|_| schemata_core::api::CONTENT_TYPE);
        let reply = http.send(method, path, content_type, bytes).await;
        assert_eq!(reply.status, *status, "{request}: {}", reply.text);
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
            let mut body = reply.body.clone();
            check_guids(&mut body, expected, request);
            assert_eq!(&body, expected, "{request}: {}", reply.text);
        }
    }
}

/// Every schema body carries its GUID: where the script does not spell one out, the GUID must be
/// the one core's recipe gives for the body's own text and references (or, in a registration's
/// answer that has no text, a well-formed GUID); it is then removed so the rest compares exactly.
pub(crate) fn check_guids(body: &mut Value, expected: &Value, request: &str) {
    match (body, expected) {
        (Value::Array(items), Value::Array(expected)) => {
            for (item, expected) in items.iter_mut().zip(expected) {
                check_guids(item, expected, request);
            }
        }
        (Value::Object(fields), Value::Object(expected)) if !expected.contains_key("guid") => {
            let Some(guid) = fields.remove("guid") else { return };
            let guid: schemata_core::Guid =
                guid.as_str().and_then(|g| g.parse().ok()).unwrap_or_else(|| {
                    panic!("{request}: guid {guid} is not a GUID");
                });
            // A formatted answer's GUID is the stored schema's, not its text's.
            if let Some(text) = fields.get("schema").and_then(Value::as_str)
                && !request.contains("format=")
            {
                let references: Vec<schemata_core::SchemaReference> =
                    serde_json::from_value::<Vec<schemata_core::api::SchemaReference>>(
                        fields.get("references").cloned().unwrap_or(json!([])),
                    )
                    .unwrap()
                    .iter()
                    .map(schemata_core::SchemaReference::from)
                    .collect();
                assert_eq!(guid, schemata_core::Guid::of(text, &references), "{request}");
            }
        }
        _ => {}
    }
}

pub(crate) fn code(code: i64) -> Value {
    json!({ "error_code": code })
}

pub(crate) fn schema(text: &str) -> Value {
    json!({ "schema": text })
}

const V1: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#;
/// V1 plus a field with a default: BACKWARD compatible with V1.
const V2: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]}"#;
/// V1 plus a field without a default: not BACKWARD compatible with V1.
const V_NO_DEFAULT: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"c","type":"string"}]}"#;
/// Nothing in common with V1.
const OTHER: &str = r#"{"type":"record","name":"R","fields":[{"name":"x","type":"string"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_types_and_unknown_paths() {
    let r = TestRegistry::start().await;
    check(
        &r,
        &[
            ("GET /", Value::Null, 200, json!({})),
            ("GET /schemas/types", Value::Null, 200, json!(["AVRO", "JSON", "PROTOBUF"])),
            (
                "GET /nope",
                Value::Null,
                404,
                json!({"error_code": 404, "message": "HTTP 404 Not Found"}),
            ),
            (
                "GET /subjects/a/versions/1/nope",
                Value::Null,
                404,
                json!({"error_code": 404, "message": "HTTP 404 Not Found"}),
            ),
            (
                "PATCH /subjects",
                Value::Null,
                405,
                json!({"error_code": 405, "message": "HTTP 405 Method Not Allowed"}),
            ),
            ("DELETE /schemas/ids/1", Value::Null, 405, code(405)),
            (
                "GET /v1/metadata/id",
                Value::Null,
                200,
                json!({"scope": {"path": [], "clusters": {"schema-registry-cluster": "schemata"}}}),
            ),
            (
                "GET /v1/metadata/version",
                Value::Null,
                200,
                json!({"version": env!("CARGO_PKG_VERSION"), "commitId": ""}),
            ),
        ],
    )
    .await;
    let reply = r.get("/subjects").await;
    assert_eq!(reply.content_type.as_deref(), Some(schemata_core::api::CONTENT_TYPE));
    let reply = r.get("/nope").await;
    assert_eq!(reply.content_type.as_deref(), Some(schemata_core::api::CONTENT_TYPE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_read_and_list() {
    let r = TestRegistry::start().await;
    let v1 = json!({"subject": "a", "version": 1, "id": 1, "schema": V1});
    check(
        &r,
        &[
            ("GET /subjects", Value::Null, 200, json!([])),
            ("POST /subjects/a/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            // Same schema again: the existing id and version, no new version.
            ("POST /subjects/a/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            ("GET /subjects/a/versions", Value::Null, 200, json!([1])),
            ("GET /subjects/a/versions/1", Value::Null, 200, v1.clone()),
            ("GET /subjects/a/versions/latest", Value::Null, 200, v1.clone()),
            ("GET /subjects/a/versions/-1", Value::Null, 200, v1.clone()),
            ("GET /subjects/a/versions/1/schema", Value::Null, 200, serde_json::from_str(V1).unwrap()),
            ("GET /schemas/ids/1", Value::Null, 200, json!({"schema": V1})),
            ("GET /schemas/ids/1/schema", Value::Null, 200, serde_json::from_str(V1).unwrap()),
            // The same schema under another subject reuses its id.
            ("POST /subjects/b/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            ("GET /schemas/ids/1/subjects", Value::Null, 200, json!(["a", "b"])),
            ("GET /schemas/ids/1/versions", Value::Null, 200, json!([{"subject": "a", "version": 1}, {"subject": "b", "version": 1}])),
            ("POST /subjects/a/versions", schema(V2), 200, json!({"id": 2, "version": 2})),
            ("GET /subjects/a/versions", Value::Null, 200, json!([1, 2])),
            ("GET /subjects/a/versions?offset=1&limit=1", Value::Null, 200, json!([2])),
            ("GET /subjects", Value::Null, 200, json!(["a", "b"])),
            ("GET /subjects?subjectPrefix=b", Value::Null, 200, json!(["b"])),
            ("GET /subjects?limit=1", Value::Null, 200, json!(["a"])),
            // As Confluent's `normalizeLimit`: a limit that is not positive is the default.
            ("GET /subjects/a/versions?limit=0", Value::Null, 200, json!([1, 2])),
            ("GET /subjects/a/versions?offset=1&limit=-5", Value::Null, 200, json!([2])),
            ("GET /schemas/ids/2?fetchMaxId=true", Value::Null, 200, json!({"schema": V2, "maxId": 2})),
            (
                "GET /schemas",
                Value::Null,
                200,
                json!([v1, {"subject": "a", "version": 2, "id": 2, "schema": V2}, {"subject": "b", "version": 1, "id": 1, "schema": V1}]),
            ),
            (
                "GET /schemas?latestOnly=true&subjectPrefix=a",
                Value::Null,
                200,
                json!([{"subject": "a", "version": 2, "id": 2, "schema": V2}]),
            ),
            ("GET /schemas/ids/3", Value::Null, 404, json!({"error_code": 40403, "message": "Schema 3 not found"})),
            ("GET /schemas/ids/3/subjects", Value::Null, 404, code(40403)),
            ("GET /subjects/a/versions/3", Value::Null, 404, json!({"error_code": 40402, "message": "Version 3 not found."})),
            ("GET /subjects/zz/versions", Value::Null, 404, json!({"error_code": 40401, "message": "Subject 'zz' not found."})),
            ("GET /subjects/zz/versions/1", Value::Null, 404, code(40401)),
            ("GET /subjects/a/versions/0", Value::Null, 422, code(42202)),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_schemas_carry_their_type() {
    let r = TestRegistry::start().await;
    let text = r#"{"type":"object","properties":{"a":{"type":"string"}}}"#;
    check(
        &r,
        &[
            ("POST /subjects/j/versions", json!({"schema": text, "schemaType": "JSON"}), 200, json!({"id": 1, "version": 1})),
            ("GET /schemas/ids/1", Value::Null, 200, json!({"schema": text, "schemaType": "JSON"})),
            ("GET /subjects/j/versions/1", Value::Null, 200, json!({"subject": "j", "version": 1, "id": 1, "schemaType": "JSON", "schema": text})),
            // Confluent compares the type case-insensitively.
            ("POST /subjects/j", json!({"schema": text, "schemaType": "json"}), 200, json!({"subject": "j", "version": 1, "id": 1, "schemaType": "JSON", "schema": text})),
        ],
    )
    .await;
}

/// JSON Schema identity as Confluent decides it: without `normalize`, the canonical string
/// (whitespace does not count; key order and spellings such as `{"type":["string"]}` vs
/// `{"type":"string"}` do), so two spellings are two ids; `normalize=true` stores and finds the
/// normalized form, merging them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_schema_identity_follows_normalize() {
    let r = TestRegistry::start().await;
    let list = r#"{"type":["string"]}"#;
    let plain = r#"{"type":"string"}"#;
    let spaced = "{ \"type\" :\n  \"string\" }";
    let type_first = r#"{"type":"object","required":["x"]}"#;
    let sorted = r#"{"required":["x"],"type":"object"}"#;
    let js = |text: &str| json!({"schema": text, "schemaType": "JSON"});
    let found = |subject: &str, id: i64, text: &str| json!({"subject": subject, "version": 1, "id": id, "schemaType": "JSON", "schema": text});
    check(
        &r,
        &[
            ("POST /subjects/a/versions", js(list), 200, json!({"id": 1, "version": 1})),
            ("POST /subjects/b/versions", js(plain), 200, json!({"id": 2, "version": 1})),
            ("POST /subjects/c/versions", js(spaced), 200, json!({"id": 2, "version": 1})),
            ("POST /subjects/a/versions", js(plain), 200, json!({"id": 2, "version": 2})),
            ("POST /subjects/a", js(list), 200, found("a", 1, list)),
            ("POST /subjects/b", js(list), 404, code(40403)),
            ("POST /subjects/b?normalize=true", js(list), 200, found("b", 2, plain)),
            (
                "POST /subjects/d/versions?normalize=true",
                js(list),
                200,
                json!({"id": 2, "version": 1}),
            ),
            (
                "POST /subjects/e/versions?normalize=true",
                js(type_first),
                200,
                json!({"id": 3, "version": 1}),
            ),
            (
                "GET /schemas/ids/3",
                Value::Null,
                200,
                json!({"schema": sorted, "schemaType": "JSON"}),
            ),
            ("POST /subjects/f/versions", js(sorted), 200, json!({"id": 3, "version": 1})),
            ("POST /subjects/g/versions", js(type_first), 200, json!({"id": 4, "version": 1})),
            ("POST /subjects/e", js(type_first), 404, code(40403)),
            ("POST /subjects/e?normalize=true", js(type_first), 200, found("e", 3, sorted)),
            // A subject configured to normalize registers (and looks up) by the normalized form.
            ("PUT /config/i", json!({"normalize": true}), 200, json!({"normalize": true})),
            ("POST /subjects/i/versions", js(type_first), 200, json!({"id": 3, "version": 1})),
            ("POST /subjects/i", js(type_first), 200, found("i", 3, sorted)),
            (
                "POST /subjects/h/versions",
                js(r#"{"required":["x"], "type":"object"}"#),
                200,
                json!({"id": 3, "version": 1}),
            ),
            // A version stored un-normalized is found by a normalizing lookup of another
            // spelling (Confluent normalizes both sides), and only then.
            ("POST /subjects/j/versions", js(list), 200, json!({"id": 1, "version": 1})),
            ("POST /subjects/j", js(plain), 404, code(40403)),
            ("POST /subjects/j?normalize=true", js(plain), 200, found("j", 1, list)),
            ("POST /subjects/j?normalize=true", js(r#"{"type":"integer"}"#), 404, code(40403)),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_with_and_without_normalize() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    let found = json!({"subject": "a", "version": 1, "id": 1, "schema": V1});
    // The same schema written differently: spacing and key order.
    let respelled =
        r#"{ "name": "R", "type": "record", "fields": [ {"type": "int", "name": "a"} ] }"#;
    check(
        &r,
        &[
            ("POST /subjects/a", schema(V1), 200, found.clone()),
            ("POST /subjects/a?normalize=true", schema(V1), 200, found.clone()),
            ("POST /subjects/a?normalize=true", schema(respelled), 200, found.clone()),
            (
                "POST /subjects/a",
                schema(V2),
                404,
                json!({"error_code": 40403, "message": "Schema not found"}),
            ),
            ("POST /subjects/zz", schema(V1), 404, code(40401)),
            ("POST /subjects/a", schema("{\"type\":"), 422, code(42201)),
        ],
    )
    .await;
    // A respelled registration is the same schema: same id, no new version.
    check(
        &r,
        &[("POST /subjects/a/versions", schema(respelled), 200, json!({"id": 1, "version": 1}))],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incompatible_registration_is_409_listing_every_problem() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    let reply = r.register("a", V_NO_DEFAULT).await;
    assert_eq!((reply.status, reply.error_code()), (409, Some(40901)), "{}", reply.text);
    let message = reply.body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Schema being registered is incompatible with an earlier schema for subject \"a\", details: ["),
        "{message}"
    );
    for part in ["errorType:'", "{oldSchemaVersion: 1}", "{compatibility: 'BACKWARD'}"] {
        assert!(message.contains(part), "{part} missing in {message}");
    }
    check(
        &r,
        &[
            ("GET /subjects/a/versions", Value::Null, 200, json!([1])),
            (
                "POST /compatibility/subjects/a/versions/latest",
                schema(V_NO_DEFAULT),
                200,
                json!({"is_compatible": false}),
            ),
            (
                "POST /compatibility/subjects/a/versions/1",
                schema(V2),
                200,
                json!({"is_compatible": true}),
            ),
            (
                "POST /compatibility/subjects/a/versions",
                schema(V2),
                200,
                json!({"is_compatible": true}),
            ),
            (
                "POST /compatibility/subjects/new/versions",
                schema(V_NO_DEFAULT),
                200,
                json!({"is_compatible": true}),
            ),
            ("POST /compatibility/subjects/a/versions/7", schema(V2), 404, code(40402)),
            ("POST /compatibility/subjects/zz/versions/1", schema(V2), 404, code(40402)),
            (
                "POST /compatibility/subjects/zz/versions/latest",
                schema(V2),
                200,
                json!({"is_compatible": true}),
            ),
            ("POST /compatibility/subjects/a/versions/x", schema(V2), 422, code(42202)),
            ("POST /compatibility/subjects/a/versions/1", schema("nope"), 422, code(42201)),
        ],
    )
    .await;
    let verbose = r
        .post("/compatibility/subjects/a/versions/latest?verbose=true", schema(V_NO_DEFAULT))
        .await;
    assert_eq!(verbose.body["is_compatible"], false, "{}", verbose.text);
    let messages = verbose.body["messages"].as_array().expect("messages");
    assert!(
        messages.iter().any(|m| m.as_str().unwrap().starts_with("{errorType:'")),
        "{messages:?}"
    );
    assert!(messages.contains(&json!("{oldSchemaVersion: 1}")), "{messages:?}");
    assert!(messages.contains(&json!("{compatibility: 'BACKWARD'}")), "{messages:?}");
    // With the level at NONE anything goes.
    check(
        &r,
        &[
            (
                "PUT /config/a",
                json!({"compatibility": "NONE"}),
                200,
                json!({"compatibility": "NONE"}),
            ),
            (
                "POST /subjects/a/versions",
                schema(V_NO_DEFAULT),
                200,
                json!({"id": 2, "version": 2}),
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_an_existing_version_again_skips_the_check() {
    // v1 {a, c} then (at NONE) v2 {a}: under BACKWARD, v1 could not be registered after v2
    // (it lacks a default for c), but as it is already there it answers its id and version.
    let r = TestRegistry::start().await;
    check(
        &r,
        &[
            (
                "POST /subjects/a/versions",
                schema(V_NO_DEFAULT),
                200,
                json!({"id": 1, "version": 1}),
            ),
            (
                "PUT /config/a",
                json!({"compatibility": "NONE"}),
                200,
                json!({"compatibility": "NONE"}),
            ),
            ("POST /subjects/a/versions", schema(V1), 200, json!({"id": 2, "version": 2})),
            ("DELETE /config/a", Value::Null, 200, json!({"compatibilityLevel": "NONE"})),
            // A subject without its own config or mode: nothing to delete is 40401, as Confluent.
            (
                "DELETE /config/a",
                Value::Null,
                404,
                json!({"error_code": 40401, "message": "Subject 'a' not found."}),
            ),
            ("DELETE /mode/a", Value::Null, 404, code(40401)),
            (
                "POST /compatibility/subjects/a/versions/latest",
                schema(V_NO_DEFAULT),
                200,
                json!({"is_compatible": false}),
            ),
            (
                "POST /subjects/a/versions",
                schema(V_NO_DEFAULT),
                200,
                json!({"id": 1, "version": 1}),
            ),
            // The same schema spelled differently in another subject shares the id.
            (
                "POST /subjects/b/versions",
                schema(&V_NO_DEFAULT.replace(',', ", ")),
                200,
                json!({"id": 1, "version": 1}),
            ),
            ("GET /subjects/a/versions", Value::Null, 200, json!([1, 2])),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transitive_levels_check_every_version_and_skip_soft_deleted_ones() {
    // v1 {a}; v2 {x} (registered at NONE); then v3 {x, c=0}: compatible with v2 alone, but as a
    // reader of v1 data it lacks a default for x.
    let v3 = r#"{"type":"record","name":"R","fields":[{"name":"x","type":"string"},{"name":"c","type":"int","default":0}]}"#;
    let r = TestRegistry::start().await;
    check(
        &r,
        &[
            (
                "PUT /config/t",
                json!({"compatibility": "NONE"}),
                200,
                json!({"compatibility": "NONE"}),
            ),
            ("POST /subjects/t/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            ("POST /subjects/t/versions", schema(OTHER), 200, json!({"id": 2, "version": 2})),
            (
                "PUT /config/t",
                json!({"compatibility": "BACKWARD_TRANSITIVE"}),
                200,
                json!({"compatibility": "BACKWARD_TRANSITIVE"}),
            ),
            (
                "POST /compatibility/subjects/t/versions",
                schema(v3),
                200,
                json!({"is_compatible": false}),
            ),
            ("POST /subjects/t/versions", schema(v3), 409, code(40901)),
            (
                "PUT /config/t",
                json!({"compatibility": "BACKWARD"}),
                200,
                json!({"compatibility": "BACKWARD"}),
            ),
            ("POST /subjects/t/versions", schema(v3), 200, json!({"id": 3, "version": 3})),
        ],
    )
    .await;
    // Soft-deleted versions are left out: with v2 and v3 gone, v1 is the only history, and a
    // schema only v2/v3 would refuse passes.
    let with_a = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"d","type":"int","default":1}]}"#;
    check(
        &r,
        &[
            ("DELETE /subjects/t/versions/3", Value::Null, 200, json!(3)),
            ("DELETE /subjects/t/versions/2", Value::Null, 200, json!(2)),
            (
                "PUT /config/t",
                json!({"compatibility": "BACKWARD_TRANSITIVE"}),
                200,
                json!({"compatibility": "BACKWARD_TRANSITIVE"}),
            ),
            // New version = max of all versions, soft-deleted included, + 1.
            ("POST /subjects/t/versions", schema(with_a), 200, json!({"id": 4, "version": 4})),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_global_and_per_subject() {
    let r = TestRegistry::start().await;
    check(
        &r,
        &[
            ("GET /config", Value::Null, 200, json!({"compatibilityLevel": "BACKWARD"})),
            ("PUT /config", json!({"compatibility": "full"}), 200, json!({"compatibility": "FULL"})),
            ("GET /config", Value::Null, 200, json!({"compatibilityLevel": "FULL"})),
            ("PUT /config", json!({"compatibility": "SIDEWAYS"}), 422, json!({"error_code": 42203, "message": "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive"})),
            ("PUT /config", json!({"compatibility": 5}), 422, code(422)),
            ("GET /config/s", Value::Null, 404, json!({"error_code": 40408, "message": "Subject 's' does not have subject-level compatibility configured"})),
            ("GET /config/s?defaultToGlobal=true", Value::Null, 200, json!({"compatibilityLevel": "FULL"})),
            ("PUT /config/s", json!({"compatibility": "NONE"}), 200, json!({"compatibility": "NONE"})),
            ("GET /config/s", Value::Null, 200, json!({"compatibilityLevel": "NONE"})),
            // Confluent 8 names the policy `compatibilityPolicy`; schemata's older `jsonPolicy` is still read.
            ("PUT /config/s", json!({"jsonPolicy": "lenient"}), 200, json!({"compatibilityPolicy": "LENIENT"})),
            ("PUT /config/s", json!({"compatibilityPolicy": "lenient"}), 200, json!({"compatibilityPolicy": "LENIENT"})),
            ("GET /config/s", Value::Null, 200, json!({"compatibilityLevel": "NONE", "compatibilityPolicy": "LENIENT"})),
            ("PUT /config/s", json!({"compatibilityPolicy": "LOOSE"}), 422, code(42203)),
            ("DELETE /config/s", Value::Null, 200, json!({"compatibilityLevel": "NONE", "compatibilityPolicy": "LENIENT"})),
            ("GET /config/s", Value::Null, 404, code(40408)),
            ("DELETE /config/s", Value::Null, 404, code(40401)),
            ("DELETE /config", Value::Null, 200, json!({"compatibilityLevel": "FULL"})),
            ("GET /config", Value::Null, 200, json!({"compatibilityLevel": "BACKWARD"})),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modes_readonly_and_import() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    check(
        &r,
        &[
            ("GET /mode", Value::Null, 200, json!({"mode": "READWRITE"})),
            ("PUT /mode", json!({"mode": "READONLY"}), 200, json!({"mode": "READONLY"})),
            ("POST /subjects/a/versions", schema(V2), 422, code(42205)),
            ("DELETE /subjects/a", Value::Null, 422, code(42205)),
            ("GET /subjects/a/versions", Value::Null, 200, json!([1])),
            ("PUT /mode", json!({"mode": "READWRITE"}), 200, json!({"mode": "READWRITE"})),
            ("PUT /mode", json!({"mode": "SIDEWAYS"}), 422, code(42204)),
            // Explicit ids only in IMPORT mode.
            ("POST /subjects/b/versions", json!({"schema": V2, "id": 100}), 422, code(42205)),
            // An explicit version alone does not need IMPORT; it must be the next one.
            ("POST /subjects/b/versions", json!({"schema": V2, "version": 3}), 422, json!({"error_code": 42201, "message": "Version is not one more than previous version"})),
            ("GET /mode/a", Value::Null, 404, json!({"error_code": 40409, "message": "Subject 'a' does not have subject-level mode configured"})),
            ("GET /mode/a?defaultToGlobal=true", Value::Null, 200, json!({"mode": "READWRITE"})),
            // IMPORT on a subject that has versions needs force.
            ("PUT /mode/a", json!({"mode": "IMPORT"}), 422, code(42205)),
            ("PUT /mode/a?force=true", json!({"mode": "IMPORT"}), 200, json!({"mode": "IMPORT"})),
            ("PUT /mode/b", json!({"mode": "IMPORT"}), 200, json!({"mode": "IMPORT"})),
            ("GET /mode/b", Value::Null, 200, json!({"mode": "IMPORT"})),
            ("POST /subjects/b/versions", schema(V2), 422, json!({"error_code": 42205, "message": "Subject b is not in read-write mode"})),
            ("POST /subjects/b/versions", json!({"schema": V2, "id": 100, "version": 5}), 200, json!({"id": 100, "version": 5})),
            ("GET /schemas/ids/100", Value::Null, 200, json!({"schema": V2})),
            ("GET /subjects/b/versions", Value::Null, 200, json!([5])),
            // Id 1 is V1: importing another schema as id 1 is refused.
            ("POST /subjects/b/versions", json!({"schema": OTHER, "id": 1}), 422, code(42207)),
            // ... and a schema that already has id 1 cannot be imported as another id.
            ("POST /subjects/b/versions", json!({"schema": V1, "id": 7}), 422, json!({"error_code": 42207, "message": "Schema already registered with id 1 instead of input id 7"})),
            ("POST /subjects/b/versions", json!({"schema": V1, "id": 1}), 200, json!({"id": 1, "version": 6})),
            ("DELETE /mode/b", Value::Null, 200, json!({"mode": "IMPORT"})),
            ("GET /mode/b", Value::Null, 404, code(40409)),
            ("DELETE /mode/b", Value::Null, 404, code(40401)),
            // New ids continue after the highest, imported ones included.
            ("POST /subjects/c/versions", schema(OTHER), 200, json!({"id": 101, "version": 1})),
        ],
    )
    .await;
    let global_import = r.put("/mode", json!({"mode": "IMPORT"})).await;
    assert_eq!(global_import.error_code(), Some(42205), "{}", global_import.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soft_then_hard_delete() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    r.register_ok("a", V2).await;
    let deleted_v1 = json!({"subject": "a", "version": 1, "id": 1, "schema": V1});
    check(
        &r,
        &[
            ("DELETE /subjects/a/versions/1?permanent=true", Value::Null, 404, json!({"error_code": 40407, "message": "Subject 'a' Version 1 was not deleted first before being permanently deleted"})),
            ("DELETE /subjects/a/versions/1", Value::Null, 200, json!(1)),
            ("DELETE /subjects/a/versions/1", Value::Null, 404, json!({"error_code": 40406, "message": "Subject 'a' Version 1 was soft deleted.Set permanent=true to delete permanently"})),
            ("GET /subjects/a/versions", Value::Null, 200, json!([2])),
            ("GET /subjects/a/versions?deleted=true", Value::Null, 200, json!([1, 2])),
            ("GET /subjects/a/versions?deletedOnly=true", Value::Null, 200, json!([1])),
            ("GET /subjects/a/versions/1", Value::Null, 404, code(40402)),
            ("GET /subjects/a/versions/1?deleted=true", Value::Null, 200, deleted_v1.clone()),
            // Lookup finds a soft-deleted version only when asked to.
            ("POST /subjects/a", schema(V1), 404, code(40403)),
            ("POST /subjects/a?deleted=true", schema(V1), 200, deleted_v1),
            // A soft-deleted schema keeps its id for registrations elsewhere.
            ("POST /subjects/other/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            ("DELETE /subjects/other", Value::Null, 200, json!([1])),
            ("DELETE /subjects/other?permanent=true", Value::Null, 200, json!([1])),
            // Ids stay readable after a soft delete.
            ("GET /schemas/ids/1", Value::Null, 200, json!({"schema": V1})),
            ("GET /schemas/ids/1/versions", Value::Null, 200, json!([])),
            ("GET /schemas/ids/1/versions?deleted=true", Value::Null, 200, json!([{"subject": "a", "version": 1}])),
            ("DELETE /subjects/a/versions/1?permanent=true", Value::Null, 200, json!(1)),
            ("GET /subjects/a/versions?deleted=true", Value::Null, 200, json!([2])),
            ("DELETE /subjects/a/versions/9", Value::Null, 404, code(40402)),
            ("DELETE /subjects/a/versions/0", Value::Null, 422, code(42202)),
            ("DELETE /subjects/a?permanent=true", Value::Null, 404, json!({"error_code": 40405, "message": "Subject 'a' was not deleted first before being permanently deleted"})),
            ("DELETE /subjects/a", Value::Null, 200, json!([2])),
            ("DELETE /subjects/a", Value::Null, 404, json!({"error_code": 40404, "message": "Subject 'a' was soft deleted.Set permanent=true to delete permanently"})),
            ("GET /subjects", Value::Null, 200, json!([])),
            ("GET /subjects?deleted=true", Value::Null, 200, json!(["a"])),
            ("GET /subjects?deletedOnly=true", Value::Null, 200, json!(["a"])),
            ("GET /subjects/a/versions", Value::Null, 404, code(40401)),
            ("DELETE /subjects/a?permanent=true", Value::Null, 200, json!([2])),
            ("GET /subjects?deleted=true", Value::Null, 200, json!([])),
            ("DELETE /subjects/a", Value::Null, 404, code(40401)),
            ("DELETE /subjects/a?permanent=true", Value::Null, 404, code(40401)),
            ("GET /schemas/ids/2", Value::Null, 404, code(40403)),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_resolve_and_block_deletes() {
    let address = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]}"#;
    let customer = r#"{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"address","type":"com.acme.Address"}]}"#;
    // As Confluent stores it (Java's `Schema.toString()`): the reference relative to the namespace.
    let stored = r#"{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"address","type":"Address"}]}"#;
    // `format=resolved`: the referenced type written in full where it is first used.
    let resolved = r#"{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"street","type":"string"}]}}]}"#;
    let reference = json!([{"name": "com.acme.Address", "subject": "address", "version": 1}]);
    let r = TestRegistry::start().await;
    r.register_ok("address", address).await;
    check(
        &r,
        &[
            ("POST /subjects/customer/versions", json!({"schema": customer, "references": reference}), 200, json!({"id": 2, "version": 1})),
            ("GET /schemas/ids/2", Value::Null, 200, json!({"schema": stored, "references": reference})),
            ("GET /subjects/customer/versions/1", Value::Null, 200, json!({"subject": "customer", "version": 1, "id": 2, "references": reference, "schema": stored})),
            ("POST /subjects/customer", json!({"schema": customer, "references": reference}), 200, json!({"subject": "customer", "version": 1, "id": 2, "references": reference, "schema": stored})),
            ("POST /subjects/customer", json!({"schema": stored, "references": reference}), 200, json!({"subject": "customer", "version": 1, "id": 2, "references": reference, "schema": stored})),
            ("GET /schemas/ids/2?format=resolved", Value::Null, 200, json!({"schema": resolved, "references": reference})),
            ("GET /subjects/customer/versions/1?format=resolved", Value::Null, 200, json!({"subject": "customer", "version": 1, "id": 2, "references": reference, "schema": resolved})),
            // Formats that do not apply to the type, or that do not exist, answer the stored text.
            ("GET /schemas/ids/2?format=serialized", Value::Null, 200, json!({"schema": stored, "references": reference})),
            ("GET /schemas/ids/2?format=nonsense", Value::Null, 200, json!({"schema": stored, "references": reference})),
            ("GET /schemas/ids/1?format=resolved", Value::Null, 200, json!({"schema": address})),
            ("GET /subjects/address/versions/1/referencedby", Value::Null, 200, json!([2])),
            ("GET /subjects/address/versions/latest/referencedby", Value::Null, 200, json!([2])),
            ("DELETE /subjects/address/versions/1", Value::Null, 422, code(42206)),
            ("DELETE /subjects/address", Value::Null, 422, code(42206)),
            // A reference to nothing is an invalid schema.
            ("POST /subjects/c2/versions", json!({"schema": customer, "references": [{"name": "com.acme.Address", "subject": "address", "version": 9}]}), 422, code(42201)),
            ("POST /subjects/c2/versions", json!({"schema": customer}), 422, code(42201)),
            // Once the referrer is gone (soft then hard), the referenced version can go.
            ("DELETE /subjects/customer", Value::Null, 200, json!([1])),
            ("DELETE /subjects/customer?permanent=true", Value::Null, 200, json!([1])),
            ("GET /subjects/address/versions/1/referencedby", Value::Null, 200, json!([])),
            ("DELETE /subjects/address/versions/1", Value::Null, 200, json!(1)),
        ],
    )
    .await;
}

/// A new Avro schema is stored and answered as Confluent stores it, as Avro's Java
/// `Schema.toString()` prints the parsed schema (its `canonicalString`): compact, Java's key
/// order, namespaces only where they change, `{"type":"int"}` as `"int"`. Registering the stored
/// text again finds the same id, and so does the text as first sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avro_text_is_stored_as_java_prints_it() {
    let r = TestRegistry::start().await;
    #[rustfmt::skip]
    let cases = [
        (" { \"type\" : \"int\" } ", r#""int""#),
        ("{\n  \"fields\": [\n    {\"type\": {\"type\": \"long\"}, \"name\": \"id\", \"doc\": \"key\"}\n  ],\n  \"name\": \"com.acme.Order\",\n  \"type\": \"record\"\n}",
         r#"{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long","doc":"key"}]}"#),
        (r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"e","type":{"name":"E","type":"enum","symbols":["P"],"namespace":"x"}},{"name":"f","type":"x.E","default":"P","order":"ascending"}]}"#,
         r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["P"]}},{"name":"f","type":"E","default":"P"}]}"#),
        (r#"{"scale":2,"type":"bytes","logicalType":"decimal","precision":9}"#, r#"{"type":"bytes","scale":2,"logicalType":"decimal","precision":9}"#),
    ];
    for (i, (sent, stored)) in cases.into_iter().enumerate() {
        let subject = format!("java-text-{i}");
        let id = r.register_ok(&subject, sent).await;
        let by_id = r.get(&format!("/schemas/ids/{id}")).await;
        assert_eq!(by_id.body["schema"], stored, "{sent}");
        let version = r.get(&format!("/subjects/{subject}/versions/1/schema")).await;
        assert_eq!(version.text, stored, "{sent}");
        for again in [sent, stored] {
            let found =
                r.post(&format!("/subjects/{subject}/versions"), json!({"schema": again})).await;
            assert_eq!(
                (&found.body["id"], &found.body["version"]),
                (&json!(id), &json!(1)),
                "{again}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_confluent_content_type_is_read_as_json() {
    let r = TestRegistry::start().await;
    let body = serde_json::to_vec(&schema(V1)).unwrap();
    for content_type in [
        Some("application/vnd.schemaregistry.v1+json"),
        Some("application/vnd.schemaregistry+json"),
        Some("application/json"),
        Some("application/octet-stream"),
        None,
    ] {
        let reply = r.send("POST", "/subjects/a/versions", content_type, Some(body.clone())).await;
        let expected = json!({"id": 1, "version": 1});
        let mut body = reply.body.clone();
        check_guids(&mut body, &expected, "POST /subjects/a/versions");
        assert_eq!((reply.status, &body), (200, &expected), "{content_type:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_fields_are_absent_fields_as_for_jackson() {
    let r = TestRegistry::start().await;
    let body = json!({"schema": V1, "schemaType": null, "references": null, "metadata": null, "ruleSet": null});
    check(
        &r,
        &[
            ("POST /subjects/a/versions", body.clone(), 200, json!({"id": 1, "version": 1})),
            (
                "POST /subjects/a",
                body,
                200,
                json!({"subject": "a", "version": 1, "id": 1, "schema": V1}),
            ),
            (
                "PUT /config",
                json!({"compatibility": "FULL", "normalize": null}),
                200,
                json!({"compatibility": "FULL"}),
            ),
            ("POST /subjects/a/versions", json!({"schema": null}), 422, code(42201)),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_health() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    r.get("/subjects").await;
    let live = r.get("/health/live").await;
    let ready = r.get("/health/ready").await;
    assert_eq!((live.status, ready.status), (200, 200));
    let metrics = r.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    for line in [
        r#"schemata_http_requests_total{method="GET",route="/subjects",status="200"} 1"#,
        r#"schemata_http_requests_total{method="POST",route="/subjects/{subject}/versions",status="200"} 1"#,
        "schemata_schemas 1",
        "schemata_subjects 1",
        "schemata_storage_appends_total 1",
    ] {
        assert!(metrics.text.lines().any(|l| l == line), "missing {line} in\n{}", metrics.text);
    }
    assert!(metrics.text.contains("schemata_http_request_duration_seconds_bucket{method=\"GET\",route=\"/subjects\",le=\"+Inf\"} 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_a_restart() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    r.register_ok("a", V2).await;
    check(
        &r,
        &[
            (
                "PUT /config/a",
                json!({"compatibility": "FULL"}),
                200,
                json!({"compatibility": "FULL"}),
            ),
            ("DELETE /subjects/a/versions/1", Value::Null, 200, json!(1)),
        ],
    )
    .await;
    let r = r.restart().await;
    check(
        &r,
        &[
            ("GET /schemas/ids/2", Value::Null, 200, json!({"schema": V2})),
            ("GET /subjects/a/versions", Value::Null, 200, json!([2])),
            ("GET /subjects/a/versions?deleted=true", Value::Null, 200, json!([1, 2])),
            ("GET /config/a", Value::Null, 200, json!({"compatibilityLevel": "FULL"})),
            // Registration after replay dedups against replayed schemas and continues the ids.
            ("POST /subjects/b/versions", schema(V2), 200, json!({"id": 2, "version": 1})),
            ("POST /subjects/b/versions", schema(OTHER), 409, code(40901)),
            ("POST /subjects/c/versions", schema(OTHER), 200, json!({"id": 3, "version": 1})),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subjects_with_reserved_and_unicode_characters() {
    let r = TestRegistry::start().await;
    // Percent-encoded in the path, plain in bodies and lists.
    for (encoded, name) in [
        ("a%2Fb", "a/b"),
        ("topic.with.dots-value", "topic.with.dots-value"),
        ("%C3%BCn%C3%AFcode", "ünïcode"),
        ("sp%20ace", "sp ace"),
        ("q%3Fx%3D1", "q?x=1"),
    ] {
        let reply = r.register(encoded, V1).await;
        let expected = json!({"id": 1, "version": 1});
        let mut body = reply.body.clone();
        check_guids(&mut body, &expected, name);
        assert_eq!((reply.status, &body), (200, &expected), "{name}");
        let version = r.get(&format!("/subjects/{encoded}/versions/1")).await;
        assert_eq!(version.body["subject"], json!(name), "{}", version.text);
    }
    let subjects = r.get("/subjects").await.body;
    assert_eq!(subjects, json!(["a/b", "q?x=1", "sp ace", "topic.with.dots-value", "ünïcode"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_schema_references_and_the_lenient_policy() {
    let address = r#"{"type":"object","properties":{"street":{"type":"string"}}}"#;
    let customer = r#"{"type":"object","properties":{"address":{"$ref":"address.json"}}}"#;
    let reference = json!([{"name": "address.json", "subject": "address", "version": 1}]);
    let open = r#"{"type":"object","properties":{"a":{"type":"string"}}}"#;
    let added = r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}"#;
    let r = TestRegistry::start().await;
    check(
        &r,
        &[
            (
                "POST /subjects/address/versions",
                json!({"schema": address, "schemaType": "JSON"}),
                200,
                json!({"id": 1, "version": 1}),
            ),
            (
                "POST /subjects/customer/versions",
                json!({"schema": customer, "schemaType": "JSON", "references": reference}),
                200,
                json!({"id": 2, "version": 1}),
            ),
            (
                "POST /subjects/c2/versions",
                json!({"schema": customer, "schemaType": "JSON"}),
                422,
                code(42201),
            ),
            ("GET /subjects/address/versions/1/referencedby", Value::Null, 200, json!([2])),
            // A property added to an open content model: refused by STRICT (the default) ...
            (
                "POST /subjects/j/versions",
                json!({"schema": open, "schemaType": "JSON"}),
                200,
                json!({"id": 3, "version": 1}),
            ),
            (
                "POST /subjects/j/versions",
                json!({"schema": added, "schemaType": "JSON"}),
                409,
                code(40901),
            ),
            // ... accepted by LENIENT, set per subject.
            (
                "PUT /config/j",
                json!({"compatibilityPolicy": "LENIENT"}),
                200,
                json!({"compatibilityPolicy": "LENIENT"}),
            ),
            (
                "POST /subjects/j/versions",
                json!({"schema": added, "schemaType": "JSON"}),
                200,
                json!({"id": 4, "version": 2}),
            ),
        ],
    )
    .await;
}

/// Issue 14's walk of every route's error paths against Confluent's resources: which check comes
/// first (version before subject, existence before mode), which names are validated (only where
/// they are written), and what each edge answers. One line per case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_error_paths_answer_as_confluent() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    r.register_ok("a", V2).await;
    let v1 = json!({"subject": "a", "version": 1, "id": 1, "schema": V1});
    let v2 = json!({"subject": "a", "version": 2, "id": 2, "schema": V2});
    let compatible = json!({"is_compatible": true});
    check(
        &r,
        &[
            // Versions: Confluent's `VersionId` trims, ignores case, and takes -1 as latest.
            ("GET /subjects/a/versions/%201%20", Value::Null, 200, v1.clone()),
            ("GET /subjects/a/versions/LATEST", Value::Null, 200, v2.clone()),
            ("GET /subjects/a/versions/-1", Value::Null, 200, v2.clone()),
            ("GET /subjects/a/versions/+1", Value::Null, 200, v1.clone()),
            ("GET /subjects/a/versions/-2", Value::Null, 422, code(42202)),
            ("GET /subjects/a/versions/0", Value::Null, 422, code(42202)),
            ("GET /subjects/a/versions/2147483648", Value::Null, 422, code(42202)),
            ("GET /subjects/a/versions/1.0", Value::Null, 422, code(42202)),
            ("GET /subjects/a/versions/abc/schema", Value::Null, 422, code(42202)),
            ("GET /subjects/a/versions/abc/referencedby", Value::Null, 422, code(42202)),
            // The version is checked before the subject is looked up.
            ("GET /subjects/zz/versions/abc", Value::Null, 422, code(42202)),
            ("DELETE /subjects/zz/versions/abc", Value::Null, 422, code(42202)),
            ("POST /compatibility/subjects/zz/versions/abc", schema(V2), 422, code(42202)),
            ("GET /subjects/zz/versions/3", Value::Null, 404, code(40401)),
            ("GET /subjects/a/versions/3", Value::Null, 404, code(40402)),
            ("GET /subjects/a/versions/3/schema", Value::Null, 404, code(40402)),
            // Names are validated only where they are written (42208); elsewhere such a name
            // is simply not found, as in Confluent.
            ("GET /subjects/a%01b/versions", Value::Null, 404, code(40401)),
            ("GET /subjects/a%01b/versions/1", Value::Null, 404, code(40401)),
            ("POST /subjects/a%01b", schema(V1), 404, code(40401)),
            ("DELETE /subjects/a%01b", Value::Null, 404, code(40401)),
            ("GET /config/a%01b", Value::Null, 404, code(40408)),
            (
                "GET /config/a%01b?defaultToGlobal=true",
                Value::Null,
                200,
                json!({"compatibilityLevel": "BACKWARD"}),
            ),
            (
                "GET /mode/a%01b?defaultToGlobal=true",
                Value::Null,
                200,
                json!({"mode": "READWRITE"}),
            ),
            ("POST /compatibility/subjects/a%01b/versions", schema(V1), 200, compatible.clone()),
            ("POST /subjects/a%01b/versions", schema(V1), 422, code(42208)),
            ("PUT /config/a%01b", json!({"compatibility": "FULL"}), 422, code(42208)),
            ("PUT /mode/a%01b", json!({"mode": "READONLY"}), 422, code(42208)),
            // `__GLOBAL` is where Confluent keeps the global config: no subject's.
            ("PUT /config/__GLOBAL", json!({"compatibility": "FULL"}), 422, code(42208)),
            ("GET /config", Value::Null, 200, json!({"compatibilityLevel": "BACKWARD"})),
            // Ids: what Jersey cannot read as an `Integer` is an unknown path; an integer that
            // names nothing an unknown schema.
            (
                "GET /schemas/ids/2147483647",
                Value::Null,
                404,
                json!({"error_code": 40403, "message": "Schema 2147483647 not found"}),
            ),
            (
                "GET /schemas/ids/2147483648",
                Value::Null,
                404,
                json!({"error_code": 404, "message": "HTTP 404 Not Found"}),
            ),
            ("GET /schemas/ids/2147483648/versions", Value::Null, 404, code(404)),
            ("GET /schemas/ids/-2147483649/subjects", Value::Null, 404, code(404)),
            ("GET /schemas/ids/-5/schema", Value::Null, 404, code(40403)),
            // Compatibility against a version: only the version can be missing (40402, an
            // unknown subject too), and it is looked for before the schema is read.
            (
                "POST /compatibility/subjects/zz/versions/1",
                schema(V2),
                404,
                json!({"error_code": 40402, "message": "Version 1 not found."}),
            ),
            (
                "POST /compatibility/subjects/zz/versions/latest",
                schema(V2),
                200,
                compatible.clone(),
            ),
            ("POST /compatibility/subjects/zz/versions", schema(V2), 200, compatible.clone()),
            ("POST /compatibility/subjects/a/versions/9", schema("nope"), 404, code(40402)),
            ("POST /compatibility/subjects/a/versions/1", schema("nope"), 422, code(42201)),
            ("POST /compatibility/subjects/a/versions", schema("nope"), 422, code(42201)),
            // Settings that do not exist.
            ("DELETE /config/zz", Value::Null, 404, code(40401)),
            ("DELETE /mode/zz", Value::Null, 404, code(40401)),
            ("GET /mode/zz", Value::Null, 404, code(40409)),
            ("PUT /mode", json!({"mode": "readonly"}), 200, json!({"mode": "READONLY"})),
            // In READONLY, what does not exist is not found first; then the mode refuses.
            ("DELETE /subjects/zz", Value::Null, 404, code(40401)),
            ("DELETE /subjects/a/versions/9", Value::Null, 404, code(40402)),
            ("DELETE /subjects/a/versions/2", Value::Null, 422, code(42205)),
            ("DELETE /subjects/a", Value::Null, 422, code(42205)),
            ("POST /subjects/a/versions", schema(V2), 422, code(42205)),
            ("POST /subjects/a/versions", schema("nope"), 422, code(42205)),
            ("PUT /mode", json!({"mode": "READWRITE"}), 200, json!({"mode": "READWRITE"})),
            // A soft-deleted version: still found for `referencedby`, refused for a second
            // soft delete (40406, before the mode is looked at).
            ("DELETE /subjects/a/versions/1", Value::Null, 200, json!(1)),
            ("GET /subjects/a/versions/1/referencedby", Value::Null, 200, json!([])),
            ("GET /subjects/a/versions/9/referencedby", Value::Null, 404, code(40402)),
            ("GET /subjects/zz/versions/1/referencedby", Value::Null, 404, code(40401)),
            ("PUT /mode/a", json!({"mode": "READONLY"}), 200, json!({"mode": "READONLY"})),
            ("DELETE /subjects/a/versions/1", Value::Null, 404, code(40406)),
            ("DELETE /mode/a", Value::Null, 200, json!({"mode": "READONLY"})),
            // A subject whose every version is soft-deleted still exists for deletes: an unknown
            // version is 40402, `latest` and a known version were soft deleted (40406).
            ("DELETE /subjects/a", Value::Null, 200, json!([2])),
            ("DELETE /subjects/a/versions/9", Value::Null, 404, code(40402)),
            ("DELETE /subjects/a/versions/latest", Value::Null, 404, code(40406)),
            ("DELETE /subjects/a/versions/2", Value::Null, 404, code(40406)),
            ("DELETE /subjects/a/versions/latest?permanent=true", Value::Null, 200, json!(2)),
            ("GET /subjects/a/versions?deleted=true", Value::Null, 200, json!([1])),
            ("DELETE /subjects/a/versions/9?permanent=true", Value::Null, 404, code(40402)),
            ("DELETE /subjects/a?permanent=true", Value::Null, 200, json!([1])),
            ("DELETE /subjects/a/versions/1", Value::Null, 404, code(40401)),
            ("DELETE /subjects/a/versions/1?permanent=true", Value::Null, 404, code(40401)),
        ],
    )
    .await;
}

/// With `verbose`, Confluent answers a schema that does not parse as an incompatible answer whose
/// one message is the parse error, on both compatibility routes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_compatibility_reports_an_invalid_schema_as_its_message() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    for path in [
        "/compatibility/subjects/a/versions/1?verbose=true",
        "/compatibility/subjects/a/versions/latest?verbose=true",
        "/compatibility/subjects/a/versions?verbose=true",
        "/compatibility/subjects/zz/versions?verbose=true",
    ] {
        let body = serde_json::to_vec(&schema("{\"type\":")).unwrap();
        let reply = r.send("POST", path, Some(schemata_core::api::CONTENT_TYPE), Some(body)).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert_eq!(reply.body["is_compatible"], json!(false), "{path}: {}", reply.text);
        let messages = reply.body["messages"].as_array().expect("messages");
        assert_eq!(messages.len(), 1, "{path}: {}", reply.text);
        assert!(messages[0].as_str().is_some_and(|m| !m.is_empty()), "{path}: {}", reply.text);
    }
    // A version that does not exist is still 40402, before the schema is read.
    check(
        &r,
        &[(
            "POST /compatibility/subjects/a/versions/7?verbose=true",
            schema("{\"type\":"),
            404,
            code(40402),
        )],
    )
    .await;
}

/// Query parameters Confluent's clients send: accepted everywhere (unknown ones ignored as
/// Jersey does), honoured where they mean something with one context.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_query_parameters_are_accepted() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    r.register_ok("a", V2).await;
    let v2 = json!({"subject": "a", "version": 2, "id": 2, "schema": V2});
    check(
        &r,
        &[
            ("DELETE /subjects/a/versions/1", Value::Null, 200, json!(1)),
            // `deletedAsNegative`: soft-deleted versions listed as their negation.
            (
                "GET /subjects/a/versions?deleted=true&deletedAsNegative=true",
                Value::Null,
                200,
                json!([-1, 2]),
            ),
            ("GET /subjects/a/versions?deletedAsNegative=true", Value::Null, 200, json!([2])),
            (
                "GET /subjects/a/versions?deletedOnly=true&deletedAsNegative=true",
                Value::Null,
                200,
                json!([-1]),
            ),
            (
                "GET /subjects/a/versions?deleted=true&deletedAsNegative=false",
                Value::Null,
                200,
                json!([1, 2]),
            ),
            // `fetchMaxId`: the highest id beside the schema (only when true).
            (
                "GET /schemas/ids/1?fetchMaxId=true",
                Value::Null,
                200,
                json!({"schema": V1, "maxId": 2}),
            ),
            ("GET /schemas/ids/1?fetchMaxId=false", Value::Null, 200, json!({"schema": V1})),
            ("GET /schemas/ids/9?fetchMaxId=true", Value::Null, 404, code(40403)),
            // `referenceFormat` and `findTags`: accepted; with one context a reference's subject
            // is the same qualified or not, and no schema here carries tags to find.
            (
                "GET /schemas/ids/2?referenceFormat=qualified&findTags=PII&subject=a",
                Value::Null,
                200,
                json!({"schema": V2}),
            ),
            (
                "GET /schemas/ids/2?fetchMaxId=false&subject=a&format=&referenceFormat=&findTags=",
                Value::Null,
                200,
                json!({"schema": V2}),
            ),
            (
                "GET /subjects/a/versions/2?referenceFormat=qualified&findTags=PII",
                Value::Null,
                200,
                v2.clone(),
            ),
            ("GET /subjects/a/versions/latest?findTags=PII,PRIVATE", Value::Null, 200, v2),
            (
                "GET /schemas/ids/2/schema?referenceFormat=qualified",
                Value::Null,
                200,
                serde_json::from_str::<Value>(V2).unwrap(),
            ),
        ],
    )
    .await;
}

/// Lookup without `normalize` finds what Confluent's lookup finds: a schema whose parsed form is
/// the registered one (Avro's parser drops a primitive's `name`; Avro's `equals`, which
/// Confluent's `deepEquals` uses, ignores `doc` and `aliases`), and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_matches_what_confluent_matches() {
    let r = TestRegistry::start().await;
    r.register_ok("p", "\"int\"").await;
    r.register_ok("a", V1).await;
    let int = json!({"subject": "p", "version": 1, "id": 1, "schema": "\"int\""});
    let v1 = json!({"subject": "a", "version": 1, "id": 2, "schema": V1});
    let documented = r#"{"type":"record","name":"R","doc":"a record","aliases":["Old"],"fields":[{"name":"a","type":"int","doc":"the a","aliases":["b"]}]}"#;
    let defaulted =
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1}]}"#;
    let ordered =
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"descending"}]}"#;
    let propertied =
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","x-owner":"me"}]}"#;
    let namespaced =
        r#"{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":"int"}]}"#;
    check(
        &r,
        &[
            ("POST /subjects/p", schema(r#"{"type":"int","name":"x"}"#), 200, int.clone()),
            ("POST /subjects/p", schema(r#"{"type":"int"}"#), 200, int.clone()),
            ("POST /subjects/p", schema("\"long\""), 404, code(40403)),
            (
                "POST /subjects/p",
                schema(r#"{"type":"int","logicalType":"date"}"#),
                404,
                code(40403),
            ),
            ("POST /subjects/a", schema(documented), 200, v1.clone()),
            ("POST /subjects/a", schema(defaulted), 404, code(40403)),
            ("POST /subjects/a", schema(ordered), 404, code(40403)),
            ("POST /subjects/a", schema(propertied), 404, code(40403)),
            ("POST /subjects/a", schema(namespaced), 404, code(40403)),
            // Found in another subject only: not this one's.
            ("POST /subjects/p", schema(V1), 404, code(40403)),
            // Registration keys identity on the same reading: no new version or id.
            (
                "POST /subjects/p/versions",
                schema(r#"{"type":"int","name":"x"}"#),
                200,
                json!({"id": 1, "version": 1}),
            ),
        ],
    )
    .await;
}

/// Bodies Confluent refuses before any schema is read: none at all (Jersey's `@NotNull`
/// request: 422 with code 422), a type it has no provider for (42201), settings spelled in
/// any case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_bodies_and_spellings_answer_as_confluent() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    check(
        &r,
        &[
            ("POST /subjects/a/versions", Value::Null, 422, code(422)),
            ("POST /subjects/a", Value::Null, 422, code(422)),
            ("POST /compatibility/subjects/a/versions/1", Value::Null, 422, code(422)),
            ("POST /compatibility/subjects/a/versions", Value::Null, 422, code(422)),
            ("PUT /config", Value::Null, 422, code(422)),
            ("PUT /config/a", Value::Null, 422, code(422)),
            ("PUT /mode", Value::Null, 422, code(422)),
            ("PUT /mode/a", Value::Null, 422, code(422)),
            ("POST /subjects/a/versions", json!({}), 422, code(42201)),
            (
                "POST /subjects/a/versions",
                json!({"schema": V2, "schemaType": "XML"}),
                422,
                code(42201),
            ),
            ("POST /subjects/a", json!({"schema": V1, "schemaType": "XML"}), 422, code(42201)),
            (
                "POST /subjects/a/versions",
                json!({"schema": V2, "schemaType": "avro"}),
                200,
                json!({"id": 2, "version": 2}),
            ),
            (
                "PUT /config/a",
                json!({"compatibility": "full_transitive"}),
                200,
                json!({"compatibility": "FULL_TRANSITIVE"}),
            ),
            ("PUT /mode/a", json!({"mode": "ReadOnly"}), 200, json!({"mode": "READONLY"})),
            ("GET /mode/a", Value::Null, 200, json!({"mode": "READONLY"})),
        ],
    )
    .await;
}

/// Outside IMPORT, Confluent takes an explicit version without an id when it is the next one
/// (soft-deleted versions count), and refuses any other with 42201; the same schema already
/// registered answers its version whatever the request says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_version_outside_import_must_be_the_next() {
    let r = TestRegistry::start().await;
    check(
        &r,
        &[
            ("POST /subjects/v/versions", json!({"schema": V1, "version": 2}), 422, code(42201)),
            (
                "POST /subjects/v/versions",
                json!({"schema": V1, "version": 1}),
                200,
                json!({"id": 1, "version": 1}),
            ),
            (
                "POST /subjects/v/versions",
                json!({"schema": V1, "version": 7}),
                200,
                json!({"id": 1, "version": 1}),
            ),
            ("DELETE /subjects/v/versions/1", Value::Null, 200, json!(1)),
            ("POST /subjects/v/versions", json!({"schema": V2, "version": 1}), 422, code(42201)),
            (
                "POST /subjects/v/versions",
                json!({"schema": V2, "version": 2}),
                200,
                json!({"id": 2, "version": 2}),
            ),
            ("POST /subjects/v/versions", json!({"schema": V2, "id": 2}), 422, code(42205)),
        ],
    )
    .await;
}
