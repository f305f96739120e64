//! Confluent 8 features and small API differences, against a fresh registry over real HTTP: schema
//! GUIDs and their routes. Each step is one line of `registry_api::check` (request, body, status,
//! expected answer).

use schemata_core::{Guid, SchemaReference};
use serde_json::{Value, json};

use crate::harness::TestRegistry;
use crate::registry_api::{check, code, schema};

const V1: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#;
const V2: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]}"#;

fn guid(text: &str) -> String {
    Guid::of(text, &[]).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_schema_has_confluents_guid_and_is_found_by_it() {
    let r = TestRegistry::start().await;
    let (g1, g2) = (guid(V1), guid(V2));
    let user = r#"{"type":"record","name":"User","fields":[{"name":"r","type":"R"}]}"#;
    let references = [SchemaReference { name: "R".into(), subject: "a".into(), version: 1 }];
    let g_user = Guid::of(user, &references).to_string();
    let unknown = guid("\"never registered\"");
    check(
        &r,
        &[
            ("POST /subjects/a/versions", schema(V1), 200, json!({"id": 1, "version": 1, "guid": g1})),
            ("POST /subjects/a/versions", schema(V1), 200, json!({"id": 1, "version": 1, "guid": g1})),
            ("POST /subjects/a/versions", schema(V2), 200, json!({"id": 2, "version": 2, "guid": g2})),
            ("POST /subjects/b/versions", schema(V1), 200, json!({"id": 1, "version": 1, "guid": g1})),
            (
                "POST /subjects/u/versions",
                json!({"schema": user, "references": [{"name": "R", "subject": "a", "version": 1}]}),
                200,
                json!({"id": 3, "version": 1, "guid": g_user}),
            ),
            ("GET /schemas/ids/1", Value::Null, 200, json!({"schema": V1, "guid": g1})),
            ("GET /schemas/ids/1?fetchMaxId=true", Value::Null, 200, json!({"schema": V1, "guid": g1, "maxId": 3})),
            ("GET /subjects/a/versions/2", Value::Null, 200, json!({"subject": "a", "version": 2, "id": 2, "schema": V2, "guid": g2})),
            ("POST /subjects/b", schema(V1), 200, json!({"subject": "b", "version": 1, "id": 1, "schema": V1, "guid": g1})),
            (&format!("GET /schemas/guids/{g1}"), Value::Null, 200, json!({"schema": V1, "guid": g1})),
            (&format!("GET /schemas/guids/{}", g1.to_uppercase()), Value::Null, 200, json!({"schema": V1, "guid": g1})),
            (&format!("GET /schemas/guids/{g1}/ids"), Value::Null, 200, json!([{"context": ".", "id": 1}])),
            (&format!("GET /schemas/guids/{g2}/ids"), Value::Null, 200, json!([{"context": ".", "id": 2}])),
            (
                &format!("GET /schemas/guids/{g_user}"),
                Value::Null,
                200,
                json!({"schema": user, "references": [{"name": "R", "subject": "a", "version": 1}], "guid": g_user}),
            ),
            (&format!("GET /schemas/guids/{unknown}"), Value::Null, 404, code(40403)),
            (&format!("GET /schemas/guids/{unknown}/ids"), Value::Null, 404, code(40403)),
            ("GET /schemas/guids/not-a-guid", Value::Null, 404, code(40403)),
            ("GET /schemas/guids/not-a-guid/ids", Value::Null, 404, code(40403)),
            // A soft-deleted version keeps its schema, so the GUID still resolves (as by id).
            ("DELETE /subjects/a/versions/2", Value::Null, 200, json!(2)),
            (&format!("GET /schemas/guids/{g2}/ids"), Value::Null, 200, json!([{"context": ".", "id": 2}])),
            // A hard delete of the last row with the schema forgets its id and its GUID.
            ("DELETE /subjects/a/versions/2?permanent=true", Value::Null, 200, json!(2)),
            (&format!("GET /schemas/guids/{g2}"), Value::Null, 404, code(40403)),
            (&format!("GET /schemas/guids/{g1}/ids"), Value::Null, 200, json!([{"context": ".", "id": 1}])),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guids_survive_a_restart() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    let r = r.restart().await;
    let g1 = guid(V1);
    check(
        &r,
        &[
            (
                &format!("GET /schemas/guids/{g1}/ids"),
                Value::Null,
                200,
                json!([{"context": ".", "id": 1}]),
            ),
            (
                "GET /subjects/a/versions/1",
                Value::Null,
                200,
                json!({"subject": "a", "version": 1, "id": 1, "schema": V1, "guid": g1}),
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailing_slashes_are_accepted_on_every_route() {
    let r = TestRegistry::start().await;
    let g1 = guid(V1);
    check(
        &r,
        &[
            (
                "POST /subjects/a/versions/",
                schema(V1),
                200,
                json!({"id": 1, "version": 1, "guid": g1}),
            ),
            ("GET /subjects/", Value::Null, 200, json!(["a"])),
            ("GET /subjects/a/versions/", Value::Null, 200, json!([1])),
            (
                "GET /subjects/a/versions/1/",
                Value::Null,
                200,
                json!({"subject": "a", "version": 1, "id": 1, "schema": V1}),
            ),
            (
                "GET /subjects/a/versions/latest/schema/",
                Value::Null,
                200,
                serde_json::from_str(V1).unwrap(),
            ),
            (
                "POST /subjects/a/",
                schema(V1),
                200,
                json!({"subject": "a", "version": 1, "id": 1, "schema": V1}),
            ),
            // Java's RestService posts the compatibility check with a trailing slash.
            (
                "POST /compatibility/subjects/a/versions/",
                schema(V2),
                200,
                json!({"is_compatible": true}),
            ),
            (
                "POST /compatibility/subjects/a/versions/latest/?verbose=true",
                schema(V2),
                200,
                json!({"is_compatible": true, "messages": []}),
            ),
            ("GET /config/", Value::Null, 200, json!({"compatibilityLevel": "BACKWARD"})),
            (
                "PUT /config/a/",
                json!({"compatibility": "FULL"}),
                200,
                json!({"compatibility": "FULL"}),
            ),
            ("GET /config/a/", Value::Null, 200, json!({"compatibilityLevel": "FULL"})),
            ("GET /mode/", Value::Null, 200, json!({"mode": "READWRITE"})),
            ("GET /schemas/ids/1/", Value::Null, 200, json!({"schema": V1})),
            (
                "GET /schemas/ids/1/versions/",
                Value::Null,
                200,
                json!([{"subject": "a", "version": 1}]),
            ),
            ("GET /schemas/types/", Value::Null, 200, json!(["AVRO", "JSON", "PROTOBUF"])),
            (
                &format!("GET /schemas/guids/{g1}/ids/"),
                Value::Null,
                200,
                json!([{"context": ".", "id": 1}]),
            ),
            ("GET /", Value::Null, 200, json!({})),
            // One slash only, and unknown paths stay unknown.
            ("GET /subjects//", Value::Null, 404, code(404)),
            ("GET /nope/", Value::Null, 404, code(404)),
            ("DELETE /subjects/a/versions/1/", Value::Null, 200, json!(1)),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_api_differences_match_confluent() {
    let r = TestRegistry::start().await;
    let v3 = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"},{"name":"c","type":"long","default":0}]}"#;
    check(
        &r,
        &[
            ("POST /subjects/a/versions", schema(V1), 200, json!({"id": 1, "version": 1})),
            ("POST /subjects/a/versions", schema(V2), 200, json!({"id": 2, "version": 2})),
            ("POST /subjects/a/versions", schema(v3), 200, json!({"id": 3, "version": 3})),
            ("DELETE /subjects/a/versions/2", Value::Null, 200, json!(2)),
            // deletedAsNegative: soft-deleted versions as their negation, only when listed.
            (
                "GET /subjects/a/versions?deleted=true&deletedAsNegative=true",
                Value::Null,
                200,
                json!([1, -2, 3]),
            ),
            ("GET /subjects/a/versions?deletedAsNegative=true", Value::Null, 200, json!([1, 3])),
            (
                "GET /subjects/a/versions?deletedOnly=true&deletedAsNegative=true",
                Value::Null,
                200,
                json!([-2]),
            ),
            ("GET /subjects/a/versions?deleted=true", Value::Null, 200, json!([1, 2, 3])),
            // Parameters Confluent's clients send that change nothing here are accepted.
            (
                "GET /schemas/ids/1?referenceFormat=qualified&findTags=PII",
                Value::Null,
                200,
                json!({"schema": V1}),
            ),
            (
                "GET /subjects/a/versions/1?referenceFormat=qualified&findTags=PII",
                Value::Null,
                200,
                json!({"subject": "a", "version": 1, "id": 1, "schema": V1}),
            ),
            (
                "GET /schemas/ids/1?fetchMaxId=true&reference_format=qualified",
                Value::Null,
                200,
                json!({"schema": V1, "maxId": 3}),
            ),
            // A subject whose versions are all soft-deleted exists: a named version is 40402.
            ("DELETE /subjects/a", Value::Null, 200, json!([1, 3])),
            ("POST /compatibility/subjects/a/versions/1", schema(V2), 404, code(40402)),
            (
                "POST /compatibility/subjects/a/versions/latest",
                schema(V2),
                200,
                json!({"is_compatible": true}),
            ),
            ("POST /compatibility/subjects/zz/versions/1", schema(V2), 404, code(40402)),
        ],
    )
    .await;
}

/// One negotiation case: request (method, path, `Accept`, `Content-Type`, body) and the expected
/// status, answer type and `error_code` (for errors).
type Negotiation<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    u16,
    &'a str,
    Option<i64>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_negotiation_follows_accept_and_content_type() {
    let r = TestRegistry::start().await;
    r.register_ok("a", V1).await;
    let v1 = "application/vnd.schemaregistry.v1+json";
    let body = serde_json::to_string(&schema(V2)).unwrap();
    let body = Some(body.as_str());
    let cases: &[Negotiation] = &[
        ("GET", "/subjects", None, None, None, 200, v1, None),
        ("GET", "/subjects", Some("*/*"), None, None, 200, v1, None),
        ("GET", "/subjects", Some("application/json"), None, None, 200, "application/json", None),
        (
            "GET",
            "/subjects",
            Some("application/vnd.schemaregistry+json"),
            None,
            None,
            200,
            "application/vnd.schemaregistry+json",
            None,
        ),
        (
            "GET",
            "/subjects",
            Some(
                "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json",
            ),
            None,
            None,
            200,
            v1,
            None,
        ),
        ("GET", "/subjects", Some("text/html, */*;q=0.1"), None, None, 200, v1, None),
        ("GET", "/subjects", Some("text/html"), None, None, 406, v1, Some(406)),
        ("GET", "/schemas/ids/1", Some("application/xml"), None, None, 406, v1, Some(406)),
        (
            "GET",
            "/subjects/a/versions/1/schema",
            Some("application/json"),
            None,
            None,
            200,
            "application/json",
            None,
        ),
        // Errors are answered in the negotiated type too.
        (
            "GET",
            "/subjects/zz/versions",
            Some("application/json"),
            None,
            None,
            404,
            "application/json",
            Some(40401),
        ),
        // An unknown path is 404 whatever the client accepts.
        ("GET", "/nope", Some("text/html"), None, None, 404, v1, Some(404)),
        (
            "POST",
            "/subjects/a/versions",
            None,
            Some("application/json; charset=utf-8"),
            body,
            200,
            v1,
            None,
        ),
        (
            "POST",
            "/subjects/a/versions",
            None,
            Some("application/octet-stream"),
            body,
            200,
            v1,
            None,
        ),
        ("POST", "/subjects/a/versions", None, Some("text/plain"), body, 415, v1, Some(415)),
        (
            "POST",
            "/subjects/a",
            None,
            Some("application/json; charset=iso-8859-1"),
            body,
            415,
            v1,
            Some(415),
        ),
        (
            "PUT",
            "/config",
            None,
            Some("application/x-www-form-urlencoded"),
            Some("compatibility=NONE"),
            415,
            v1,
            Some(415),
        ),
        (
            "POST",
            "/compatibility/subjects/a/versions/latest",
            Some("application/json"),
            Some("application/json"),
            body,
            200,
            "application/json",
            None,
        ),
        // Not the API's own answers: left alone.
        (
            "GET",
            "/metrics",
            Some("text/plain"),
            None,
            None,
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            None,
        ),
    ];
    for &(method, path, accept, content_type, body, status, answer_type, error_code) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = r.http.client.request(method.clone(), r.http.url(path));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let case = format!("{method} {path} accept={accept:?} content-type={content_type:?}");
        assert_eq!(response.status().as_u16(), status, "{case}");
        let got_type =
            response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(got_type.as_deref(), Some(answer_type), "{case}");
        let text = response.text().await.unwrap();
        if let Some(code) = error_code {
            let body: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(body["error_code"], code, "{case}: {text}");
            assert!(body["message"].is_string(), "{case}: {text}");
        }
    }
}
