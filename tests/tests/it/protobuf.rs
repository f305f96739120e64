//! Protobuf in the registry over real HTTP: registration of `.proto` text and of base64
//! descriptors, imports resolved through references, lookup and de-duplication, compatibility
//! verdicts with Confluent's rule ids (409 on register), and located 42201 errors.

use serde_json::{Value, json};

use crate::harness::{Http, TestRegistry};

const ITEM: &str = "syntax = \"proto3\";\npackage shop;\n\nmessage Item {\n  string sku = 1;\n  int64 cents = 2;\n}\n";
const ORDER: &str = "syntax = \"proto3\";\npackage shop;\n\nimport \"shop/item.proto\";\nimport \"google/protobuf/timestamp.proto\";\n\nmessage Order {\n  string id = 1;\n  repeated Item items = 2;\n  google.protobuf.Timestamp at = 3;\n}\n";

async fn register(http: &Http, subject: &str, body: Value) -> (u16, Value) {
    let reply = http.post(&format!("/subjects/{subject}/versions"), body).await;
    (reply.status, reply.body)
}

fn proto(text: &str) -> Value {
    json!({ "schema": text, "schemaType": "PROTOBUF" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_registration_lookup_and_references() {
    let r = TestRegistry::start().await;
    let http = &r.http;
    assert_eq!(http.get("/schemas/types").await.body, json!(["AVRO", "JSON", "PROTOBUF"]));

    let (status, body) = register(http, "item", proto(ITEM)).await;
    assert_eq!(status, 200, "{body}");
    let item_id = body["id"].as_i64().unwrap();

    // The import path is the reference name.
    let order = json!({
        "schema": ORDER, "schemaType": "PROTOBUF",
        "references": [{"name": "shop/item.proto", "subject": "item", "version": 1}],
    });
    let (status, body) = register(http, "order-value", order.clone()).await;
    assert_eq!(status, 200, "{body}");
    let order_id = body["id"].as_i64().unwrap();
    assert_ne!(order_id, item_id);

    let stored = http.get(&format!("/schemas/ids/{order_id}")).await;
    assert_eq!(stored.body["schemaType"], "PROTOBUF", "{}", stored.text);
    assert_eq!(stored.body["schema"], ORDER);
    assert_eq!(stored.body["references"][0]["name"], "shop/item.proto");
    let referenced_by = http.get("/subjects/item/versions/1/referencedby").await;
    assert_eq!(referenced_by.body, json!([order_id]));

    // Lookup and re-registration find the same id; so does another spelling under normalize.
    let found = http.post("/subjects/order-value", order.clone()).await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.body["id"], order_id);
    assert_eq!(found.body["version"], 1);
    assert_eq!(register(http, "order-value", order).await.1["id"], order_id);
    let respelled = ORDER.replace("repeated Item items", "repeated .shop.Item   items");
    let respelled = json!({
        "schema": respelled, "schemaType": "PROTOBUF",
        "references": [{"name": "shop/item.proto", "subject": "item", "version": 1}],
    });
    let normalized = http.post("/subjects/order-value?normalize=true", respelled).await;
    assert_eq!(normalized.status, 200, "{}", normalized.text);
    assert_eq!(normalized.body["id"], order_id);

    // Without its reference the import is unknown: 42201, located.
    let (status, body) = register(http, "order-value", proto(ORDER)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error_code"], 42201);
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("shop/item.proto") && message.contains("line 4"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_bad_text_is_refused_with_a_located_message() {
    let r = TestRegistry::start().await;
    let cases = [
        ("syntax = \"proto3\";\nmessage M {\n  string s = 1\n}\n", "line 4 column 1"),
        ("syntax = \"proto3\";\nmessage M {\n  Missing m = 1;\n}\n", "line 3 column 3"),
        ("syntax = \"proto3\";\nmessage M { required int32 a = 1; }\n", "line 2"),
        ("syntax = \"proto3\";\nimport \"nowhere.proto\";\n", "nowhere.proto"),
        ("", "mpty"),
    ];
    for (text, needle) in cases {
        let (status, body) = register(&r.http, "bad", proto(text)).await;
        assert_eq!((status, &body["error_code"]), (422, &json!(42201)), "{text}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(needle), "{text}: {message} lacks {needle}");
    }
    assert_eq!(r.http.get("/subjects").await.body, json!([]), "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_compatibility_follows_confluent_rules() {
    let r = TestRegistry::start().await;
    let http = &r.http;
    let v1 = "syntax = \"proto3\";\nmessage M {\n  string a = 1;\n  int32 n = 2;\n}\n";
    // Compatible under BACKWARD: a field added, int32 widened to int64 (same varint group).
    let v2 =
        "syntax = \"proto3\";\nmessage M {\n  string a = 1;\n  int64 n = 2;\n  bool b = 3;\n}\n";
    // Incompatible: string -> int32 leaves the length-delimited group.
    let bad =
        "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  int64 n = 2;\n  bool b = 3;\n}\n";
    assert_eq!(register(http, "m", proto(v1)).await.0, 200);
    assert_eq!(register(http, "m", proto(v2)).await.0, 200);

    let check =
        http.post("/compatibility/subjects/m/versions/latest?verbose=true", proto(bad)).await;
    assert_eq!(check.body["is_compatible"], false, "{}", check.text);
    let messages = check.body["messages"].to_string();
    assert!(
        messages.contains("FIELD_SCALAR_KIND_CHANGED") && messages.contains("#/M/1"),
        "{messages}"
    );
    let (status, body) = register(http, "m", proto(bad)).await;
    assert_eq!((status, &body["error_code"]), (409, &json!(40901)), "{body}");

    // Removing the message is incompatible; the verdict holds at every level that checks.
    let removed = "syntax = \"proto3\";\nmessage Other {\n  string a = 1;\n}\n";
    let check =
        http.post("/compatibility/subjects/m/versions/latest?verbose=true", proto(removed)).await;
    assert!(check.body["messages"].to_string().contains("MESSAGE_REMOVED"), "{}", check.text);

    // Transitive levels check every version: v3 goes back to int32 widths but changes field 2 to
    // sint64, compatible with nothing before it; with v1 only under the transitive level.
    let v3 =
        "syntax = \"proto3\";\nmessage M {\n  string a = 1;\n  sint64 n = 2;\n  bool b = 3;\n}\n";
    assert_eq!(
        http.put("/config/m", json!({"compatibility": "FORWARD_TRANSITIVE"})).await.status,
        200
    );
    let check = http.post("/compatibility/subjects/m/versions?verbose=true", proto(v3)).await;
    assert_eq!(check.body["is_compatible"], false, "{}", check.text);
    assert_eq!(http.put("/config/m", json!({"compatibility": "NONE"})).await.status, 200);
    assert_eq!(register(http, "m", proto(v3)).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_base64_descriptors_register() {
    let r = TestRegistry::start().await;
    let http = &r.http;
    let text = "syntax = \"proto3\";\npackage p;\n\nmessage M {\n  string s = 1;\n  map<string, int64> counts = 2;\n}\n";
    let parsed = schemata_core::protobuf::ProtobufSchema::parse(text, &[]).unwrap();
    let (status, body) = register(http, "d", proto(&parsed.serialized())).await;
    assert_eq!(status, 200, "{body}");
    let id = body["id"].as_i64().unwrap();

    // `format=serialized` answers a descriptor, whichever form was registered; other types
    // answer as stored.
    let other = text.replace("counts = 2;", "counts = 2;\n  bool b = 3;");
    let other_parsed = schemata_core::protobuf::ProtobufSchema::parse(&other, &[]).unwrap();
    let (status, body) = register(http, "t", proto(&other)).await;
    assert_eq!(status, 200, "{body}");
    let text_id = body["id"].as_i64().unwrap();
    for path in [
        format!("/schemas/ids/{text_id}?format=serialized"),
        "/subjects/t/versions/1?format=serialized".to_owned(),
    ] {
        let reply = http.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        let sent = reply.body["schema"].as_str().unwrap();
        let again = schemata_core::protobuf::ProtobufSchema::parse(sent, &[]).unwrap();
        assert_eq!(again.normalized(), other_parsed.normalized(), "{path}");
        assert_eq!(reply.body["schemaType"], "PROTOBUF");
    }
    assert_eq!(http.get(&format!("/schemas/ids/{text_id}")).await.body["schema"], other.as_str());
    let avro = http.register_ok("a", "\"string\"").await;
    let reply = http.get(&format!("/schemas/ids/{avro}?format=serialized")).await;
    assert_eq!(reply.body["schema"], "\"string\"");
    // The stored text is the descriptor as sent; its normalized form equals the text's, so
    // registering the `.proto` text with normalize finds the same schema.
    let (status, body) = register(http, "d?normalize=true", proto(text)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], id);
}
