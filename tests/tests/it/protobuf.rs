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
        // Editions are not parsed (protox 0.10): refused, as the README says.
        ("edition = \"2023\";\nmessage M {\n  string s = 1;\n}\n", "line 1 column 1"),
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

mod serde {
    //! The typed Protobuf serializer and deserializer against a real registry: imports
    //! registered as references under their import paths, message indexes in the frame, and the
    //! checks of a deserializer that has the registry.

    use std::sync::LazyLock;

    use base64::Engine as _;
    use prost_reflect::{DescriptorPool, MessageDescriptor, ReflectMessage};
    use schemata::{ProtobufDeserializer, ProtobufSerializer, RegistryClient, SerializerConfig};
    use schemata_core::SchemaType;
    use schemata_core::protobuf::ProtobufSchema;
    use schemata_core::schema::ResolvedReference;
    use serde_json::json;

    use crate::harness::TestRegistry;

    const ITEM: &str = "syntax = \"proto3\";\npackage shop;\nmessage Item {\n  string sku = 1;\n  int64 cents = 2;\n}\n";
    const ORDERS: &str = "syntax = \"proto3\";\npackage shop;\nimport \"shop/item.proto\";\nimport \"google/protobuf/timestamp.proto\";\nmessage Header {\n  string source = 1;\n}\nenum Status {\n  STATUS_UNSPECIFIED = 0;\n  PLACED = 1;\n  SHIPPED = 2;\n}\nmessage Order {\n  string id = 1;\n  repeated Item items = 2;\n  google.protobuf.Timestamp at = 3;\n  oneof payment {\n    string card = 4;\n    int64 voucher = 5;\n  }\n  map<string, int64> counts = 6;\n  Status status = 7;\n}\n";

    fn item_reference() -> ResolvedReference {
        ResolvedReference {
            name: "shop/item.proto".to_owned(),
            schema_type: SchemaType::Protobuf,
            text: ITEM.to_owned(),
        }
    }

    /// The descriptors prost-reflect-build would generate, compiled here from the same text.
    static POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
        ProtobufSchema::parse(ORDERS, &[item_reference()]).unwrap().pool().clone()
    });

    #[derive(Clone, PartialEq, prost::Message)]
    struct Item {
        #[prost(string, tag = "1")]
        sku: String,
        #[prost(int64, tag = "2")]
        cents: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct Timestamp {
        #[prost(int64, tag = "1")]
        seconds: i64,
        #[prost(int32, tag = "2")]
        nanos: i32,
    }

    #[derive(Clone, PartialEq, prost::Oneof)]
    enum Payment {
        #[prost(string, tag = "4")]
        Card(String),
        #[prost(int64, tag = "5")]
        Voucher(i64),
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, prost::Enumeration)]
    #[repr(i32)]
    enum Status {
        Unspecified = 0,
        Placed = 1,
        Shipped = 2,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct Order {
        #[prost(string, tag = "1")]
        id: String,
        #[prost(message, repeated, tag = "2")]
        items: Vec<Item>,
        #[prost(message, optional, tag = "3")]
        at: Option<Timestamp>,
        #[prost(oneof = "Payment", tags = "4, 5")]
        payment: Option<Payment>,
        #[prost(map = "string, int64", tag = "6")]
        counts: std::collections::HashMap<String, i64>,
        #[prost(enumeration = "Status", tag = "7")]
        status: i32,
    }

    impl ReflectMessage for Order {
        fn descriptor(&self) -> MessageDescriptor {
            POOL.get_message_by_name("shop.Order").unwrap()
        }
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct Header {
        #[prost(string, tag = "1")]
        source: String,
    }

    impl ReflectMessage for Header {
        fn descriptor(&self) -> MessageDescriptor {
            POOL.get_message_by_name("shop.Header").unwrap()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn typed_protobuf_serde_registers_imports_and_round_trips() {
        let r = TestRegistry::start().await;
        let client = RegistryClient::new(r.http.base.clone()).unwrap();
        let serializer =
            ProtobufSerializer::<Order>::new(client.clone(), SerializerConfig::default()).unwrap();
        let order = Order {
            id: "o-1".to_owned(),
            items: vec![Item { sku: "a".to_owned(), cents: 250 }],
            at: Some(Timestamp { seconds: 1_700_000_000, nanos: 5 }),
            payment: Some(Payment::Voucher(7)),
            counts: [("a".to_owned(), 3), ("b".to_owned(), -4)].into(),
            status: Status::Shipped as i32,
        };
        let bytes = serializer.serialize("orders", false, &order).await.unwrap();
        // Header, then the index array [1] (Order is the second message): count 1, index 1,
        // both zig-zag varints.
        assert_eq!(bytes[0], 0);
        assert_eq!(&bytes[5..7], &[2, 2]);
        assert_eq!(&bytes[7..], prost::Message::encode_to_vec(&order).as_slice());

        // The import was registered under its path and is referenced by it.
        assert_eq!(r.http.get("/subjects").await.body, json!(["orders-value", "shop/item.proto"]));
        let stored = r.http.get("/subjects/orders-value/versions/1").await.body;
        assert_eq!(stored["schemaType"], "PROTOBUF");
        assert_eq!(
            stored["references"],
            json!([{"name": "shop/item.proto", "subject": "shop/item.proto", "version": 1}])
        );
        assert_eq!(stored["schema"], serializer.schema_text());

        // Any tool reads it without the type, with the writer's schema, in the proto3 JSON
        // mapping (a Timestamp as RFC 3339 text, as Python's `MessageToDict` prints it below).
        let dynamic = schemata::DynamicDeserializer::new(client.clone());
        assert_eq!(
            dynamic.decode(&bytes).await.unwrap(),
            json!({"id": "o-1", "items": [{"sku": "a", "cents": "250"}],
                   "at": "2023-11-14T22:13:20.000000005Z", "voucher": "7",
                   "counts": {"a": "3", "b": "-4"}, "status": "SHIPPED"})
        );

        let plain = ProtobufDeserializer::<Order>::new();
        assert_eq!(plain.deserialize("orders", &bytes).await.unwrap(), order);
        let checked = ProtobufDeserializer::<Order>::with_registry(client.clone());
        assert_eq!(checked.deserialize("orders", &bytes).await.unwrap(), order);

        // The first message is framed with the single byte 0x00.
        let headers =
            ProtobufSerializer::<Header>::new(client.clone(), SerializerConfig::default()).unwrap();
        let header = Header { source: "test".to_owned() };
        let header_bytes = headers.serialize("orders", false, &header).await.unwrap();
        assert_eq!(header_bytes[5], 0);
        assert_eq!(&header_bytes[6..], prost::Message::encode_to_vec(&header).as_slice());
        // A deserializer with the registry refuses a record of another message type.
        let err = checked.deserialize("orders", &header_bytes).await.unwrap_err();
        assert!(err.to_string().contains("shop.Header"), "{err}");
        // Garbage after a valid header is a typed error, not a panic.
        let mut broken = bytes[..7].to_vec();
        broken.extend_from_slice(&[0x0a, 0xff]);
        assert!(matches!(
            plain.deserialize("orders", &broken).await,
            Err(schemata::Error::Protobuf(_))
        ));

        // confluent-kafka reads our record (fetching the writer schema and its reference as
        // base64 descriptors) and writes it back, registering base64 descriptors with us.
        let descriptor = |text: &str, references: &[ResolvedReference]| {
            let schema = ProtobufSchema::parse(text, references).unwrap();
            base64::engine::general_purpose::STANDARD.encode(schema.descriptor_bytes())
        };
        let item = descriptor(ITEM, &[]);
        let orders = descriptor(ORDERS, &[item_reference()]);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let base = r.http.base.clone();
        let out = tokio::task::spawn_blocking(move || {
            crate::python::run(
                "protobuf_interop.py",
                &[&base, "orders", &hex, "orders-py", &item, &orders],
                std::time::Duration::from_secs(120),
            )
        })
        .await
        .unwrap();
        assert_eq!(out.code, Some(0), "stdout: {}\nstderr: {}", out.stdout, out.stderr);
        let answer: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
        assert_eq!(answer["decoded"]["id"], "o-1");
        assert_eq!(answer["decoded"]["items"], json!([{"sku": "a", "cents": "250"}]));
        assert_eq!(answer["decoded"]["voucher"], "7");
        assert_eq!(answer["decoded"]["at"], "2023-11-14T22:13:20.000000005Z");
        // A map and an enum too, in both directions (the record Python writes back is compared
        // whole below).
        assert_eq!(answer["decoded"]["counts"], json!({"a": "3", "b": "-4"}));
        assert_eq!(answer["decoded"]["status"], "SHIPPED");
        let encoded = answer["encoded"].as_str().unwrap();
        let python_bytes: Vec<u8> = (0..encoded.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&encoded[i..i + 2], 16).unwrap())
            .collect();
        // Python frames the same message indexes, and we read its record back.
        assert_eq!(&python_bytes[5..7], &[2, 2]);
        assert_eq!(checked.deserialize("orders-py", &python_bytes).await.unwrap(), order);
        let stored = r.http.get("/subjects/orders-py-value/versions/1").await.body;
        assert_eq!(stored["references"][0]["name"], "shop/item.proto", "{stored}");
    }

    fn sample_order() -> Order {
        Order {
            id: "o-9".to_owned(),
            items: vec![Item { sku: "z".to_owned(), cents: -1 }],
            at: Some(Timestamp { seconds: 86_400, nanos: 0 }),
            payment: Some(Payment::Card("visa".to_owned())),
            counts: [("x".to_owned(), 1)].into(),
            status: Status::Placed as i32,
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Confluent 8's framings for Protobuf, both ways with confluent-kafka: 0x01, the schema's
    /// GUID and the message indexes in front of the message (`guid`), or those in the
    /// `__value_schema_id` header and the message unframed (`header`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn protobuf_guid_and_header_framing_interoperate_with_python() {
        use schemata::{SchemaIdFraming, split_protobuf_frame};

        let r = TestRegistry::start().await;
        let client = RegistryClient::new(r.http.base.clone()).unwrap();
        let checked = ProtobufDeserializer::<Order>::with_registry(client.clone());
        let plain = ProtobufDeserializer::<Order>::new();
        let order = sample_order();
        let message = prost::Message::encode_to_vec(&order);
        let descriptor = |text: &str, references: &[ResolvedReference]| {
            let schema = ProtobufSchema::parse(text, references).unwrap();
            base64::engine::general_purpose::STANDARD.encode(schema.descriptor_bytes())
        };
        let item = descriptor(ITEM, &[]);
        let orders = descriptor(ORDERS, &[item_reference()]);
        for (framing, mode) in
            [(SchemaIdFraming::Guid, "guid"), (SchemaIdFraming::Header, "header")]
        {
            let config = SerializerConfig { framing, ..SerializerConfig::default() };
            let serializer = ProtobufSerializer::<Order>::new(client.clone(), config).unwrap();
            assert_eq!(serializer.framing(), framing);
            let topic = format!("orders-{mode}");
            let bytes = serializer.serialize(&topic, false, &order).await.unwrap();
            let id = r.http.get(&format!("/subjects/{topic}-value/versions/1")).await.body["id"]
                .as_u64()
                .unwrap();
            let guid = client.guid_by_id(schemata::SchemaId(id as u32)).await.unwrap();
            // 0x01, the GUID, the indexes [1] of Order, then the message.
            assert_eq!((bytes[0], &bytes[1..17]), (1, &guid.as_bytes()[..]), "{mode}");
            assert_eq!((&bytes[17..19], &bytes[19..]), (&[2u8, 2][..], &message[..]), "{mode}");
            let (frame, payload) = split_protobuf_frame(&bytes).unwrap();
            assert_eq!((frame, payload), (&bytes[..19], &message[..]), "{mode}");
            // Ours reads both placements, with and without the registry.
            assert_eq!(checked.deserialize(&topic, &bytes).await.unwrap(), order, "{mode}");
            let moved = checked.deserialize_with_header(&topic, Some(frame), payload).await;
            assert_eq!(moved.unwrap(), order, "{mode}");
            assert_eq!(
                plain.deserialize_with_header(&topic, Some(frame), payload).await.unwrap(),
                order
            );

            let (payload_hex, header_hex) = match framing {
                SchemaIdFraming::Header => (hex(payload), hex(frame)),
                _ => (hex(&bytes), "-".to_owned()),
            };
            let base = r.http.base.clone();
            let (item, orders) = (item.clone(), orders.clone());
            let out = tokio::task::spawn_blocking(move || {
                crate::python::run(
                    "protobuf_guid_interop.py",
                    &[&base, &topic, mode, &payload_hex, &header_hex, &item, &orders],
                    std::time::Duration::from_secs(120),
                )
            })
            .await
            .unwrap();
            assert_eq!(out.code, Some(0), "{mode}\nstdout: {}\nstderr: {}", out.stdout, out.stderr);
            let answer: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
            assert_eq!(
                answer["decoded"],
                json!({"id": "o-9", "items": [{"sku": "z", "cents": "-1"}],
                       "at": "1970-01-02T00:00:00Z", "card": "visa", "counts": {"x": "1"},
                       "status": "PLACED"}),
                "{mode}"
            );
            let python = unhex(answer["payload"].as_str().unwrap());
            let headers = answer["headers"].as_array().unwrap();
            let topic = format!("orders-{mode}");
            match framing {
                SchemaIdFraming::Header => {
                    // Python put the GUID and the indexes in the header, the message unframed.
                    assert_eq!(headers.len(), 1, "{answer}");
                    assert_eq!(headers[0][0], "__value_schema_id");
                    let header = unhex(headers[0][1].as_str().unwrap());
                    assert_eq!((header[0], &header[17..]), (1, &[2u8, 2][..]), "{answer}");
                    assert_eq!(python, message);
                    let back =
                        checked.deserialize_with_header(&topic, Some(&header), &python).await;
                    assert_eq!(back.unwrap(), order);
                }
                _ => {
                    assert!(headers.is_empty(), "{answer}");
                    assert_eq!((python[0], &python[17..19]), (1, &[2u8, 2][..]), "{answer}");
                    assert_eq!(checked.deserialize(&topic, &python).await.unwrap(), order);
                }
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn protobuf_records_through_kafka() {
        use schemata::kafka::{Bytes, UndecodablePolicy};

        use crate::kafka::{Env, recv};

        let env = Env::start().await;
        let topic = env.topic("proto", 1).await;
        let serializer =
            ProtobufSerializer::<Order>::new(env.client.clone(), SerializerConfig::default())
                .unwrap();
        let producer = env.producer(Bytes, serializer);
        let orders: Vec<Order> = (0..3)
            .map(|i| Order {
                id: format!("o-{i}"),
                items: vec![Item { sku: format!("s{i}"), cents: i }],
                at: None,
                payment: (i % 2 == 0).then(|| Payment::Card(format!("c{i}"))),
                counts: Default::default(),
                status: Status::Placed as i32,
            })
            .collect();
        for order in &orders {
            producer.send(&topic, Some(&b"k".to_vec()), Some(order), &[]).await.unwrap();
        }
        // A record of another message type in the middle is skipped by the policy.
        let headers =
            ProtobufSerializer::<Header>::new(env.client.clone(), SerializerConfig::default())
                .unwrap();
        let wrong = headers.serialize(&topic, false, &Header { source: "x".to_owned() }).await;
        let raw = env.producer(Bytes, Bytes);
        raw.send(&topic, None, Some(&wrong.unwrap()), &[]).await.unwrap();
        producer.send(&topic, None, Some(&orders[0]), &[]).await.unwrap();

        let consumer = env.consumer(
            &crate::broker::unique("g"),
            UndecodablePolicy::Skip,
            Bytes,
            ProtobufDeserializer::<Order>::with_registry(env.client.clone()),
        );
        consumer.assign(&topic, &[0]).unwrap();
        for order in orders.iter().chain([&orders[0]]) {
            let record = recv(&consumer).await;
            assert_eq!(record.value.as_ref(), Some(order));
        }

        // Header framing through the typed producer: the GUID and the message indexes go into
        // `__value_schema_id`, the message unframed, and the typed consumer reads it.
        let framing = schemata::SchemaIdFraming::Header;
        let config = SerializerConfig { framing, ..SerializerConfig::default() };
        let header_topic = env.topic("proto-header", 1).await;
        let serializer = ProtobufSerializer::<Order>::new(env.client.clone(), config).unwrap();
        let producer = env.producer(Bytes, serializer);
        producer.send(&header_topic, None, Some(&orders[1]), &[]).await.unwrap();
        let raw =
            env.consumer(&crate::broker::unique("raw"), UndecodablePolicy::Fail, Bytes, Bytes);
        raw.assign(&header_topic, &[0]).unwrap();
        let record = recv(&raw).await;
        let header = record.headers.iter().find(|h| h.key == schemata::VALUE_SCHEMA_ID_HEADER);
        let header = header.and_then(|h| h.value.clone()).expect("a schema-id header");
        assert_eq!((header[0], header.len(), &header[17..]), (1, 19, &[2u8, 2][..]));
        assert_eq!(record.value, Some(prost::Message::encode_to_vec(&orders[1])));
        let typed = env.consumer(
            &crate::broker::unique("typed"),
            UndecodablePolicy::Fail,
            Bytes,
            ProtobufDeserializer::<Order>::with_registry(env.client.clone()),
        );
        typed.assign(&header_topic, &[0]).unwrap();
        assert_eq!(recv(&typed).await.value.as_ref(), Some(&orders[1]));
        // `schemata consume` reads the schema from the header too.
        let (registry, bootstrap) = (env.registry_url(), env.broker.bootstrap.as_str());
        let consume = ["--registry", registry, "consume", "--topic", &header_topic];
        let more = ["--bootstrap-servers", bootstrap, "--from-beginning", "--max-messages", "1"];
        let limit = ["--timeout-ms", "15000"];
        let output =
            crate::cli_support::schemata(consume.into_iter().chain(more).chain(limit)).run().await;
        output.expect_code(0);
        let printed: serde_json::Value = serde_json::from_str(output.stdout.trim()).unwrap();
        assert_eq!(
            printed,
            json!({"id": "o-1", "items": [{"sku": "s1", "cents": "1"}], "status": "PLACED"})
        );
    }
}

mod console {
    //! `schemata produce` and `schemata consume` with a `.proto` schema through the broker: JSON
    //! lines in the proto3 JSON mapping written as the message `--message` names, framed with
    //! its indexes; Python's confluent-kafka reads them and writes records the console prints.

    use serde_json::{Value, json};

    use crate::cli_support::schemata;
    use crate::kafka::Env;

    /// `Reading` is the second message, so its records carry the index array `[1]`.
    const READING_PROTO: &str = r#"syntax = "proto3";
package console;

import "google/protobuf/timestamp.proto";

message Batch {
  repeated Reading readings = 1;
}

message Reading {
  enum Unit {
    UNIT_UNSPECIFIED = 0;
    CELSIUS = 1;
    KELVIN = 2;
  }
  message Tag {
    string name = 1;
  }
  string sensor = 1;
  double value = 2;
  Unit unit = 3;
  map<string, int64> counts = 4;
  google.protobuf.Timestamp at = 5;
  oneof source {
    string device = 6;
    int32 line = 7;
  }
  repeated Tag tags = 8;
}
"#;

    /// Each case: the line typed (key TAB JSON) and the JSON printed back (canonical proto3
    /// JSON: 64-bit integers as strings, defaults omitted).
    fn lines() -> Vec<(&'static str, Value)> {
        vec![
            (
                r#"k1	{"sensor":"a","value":1.5,"unit":"CELSIUS","counts":{"y":"4","x":3,"q":5,"m":1,"b":2,"a":7,"z":8,"c":9},"at":"2026-12-06T04:00:00Z","device":"d1","tags":[{"name":"t"}]}"#,
                json!({"sensor": "a", "value": 1.5, "unit": "CELSIUS",
                       "counts": {"a": "7", "b": "2", "c": "9", "m": "1", "q": "5", "x": "3",
                                  "y": "4", "z": "8"},
                       "at": "2026-12-06T04:00:00Z",
                       "device": "d1", "tags": [{"name": "t"}]}),
            ),
            // Proto field names are read too; an enum by number; a oneof's other branch.
            (
                r#"k2	{"sensor":"b","unit":2,"line":7,"at":"2026-12-06T04:00:00.250Z"}"#,
                json!({"sensor": "b", "unit": "KELVIN", "line": 7,
                       "at": "2026-12-06T04:00:00.250Z"}),
            ),
            // Every field at its default: an empty message.
            ("k3	{}", json!({})),
        ]
    }

    fn parse_lines(stdout: &str) -> Vec<(String, Value)> {
        stdout
            .lines()
            .map(|line| {
                let (key, value) = line.split_once('\t').expect("KEY<TAB>VALUE");
                (key.to_owned(), serde_json::from_str(value).expect("JSON"))
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn protobuf_console_produce_consume_and_python() {
        let env = Env::start().await;
        let topic = env.topic("proto-console", 1).await;
        let python_topic = env.topic("proto-console-py", 1).await;
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("reading.proto");
        std::fs::write(&schema, READING_PROTO).unwrap();
        let schema = schema.to_str().unwrap();
        let (registry, bootstrap) = (env.registry_url().to_owned(), env.broker.bootstrap.clone());
        let cases = lines();
        let input: String = cases.iter().map(|(line, _)| format!("{line}\n")).collect();

        let produce = ["--registry", &registry, "produce", "--topic", &topic];
        let more = ["--bootstrap-servers", &bootstrap, "--schema", schema, "--message", "Reading"];
        schemata(produce.into_iter().chain(more).chain(["--key-separator", "\t"]))
            .stdin(input)
            .run()
            .await
            .expect_code(0);
        // The file was registered as written; every record names `Reading` by indexes [1].
        let stored = env.registry.http.get(&format!("/subjects/{topic}-value/versions/1")).await;
        assert_eq!(stored.body["schemaType"], "PROTOBUF", "{}", stored.text);

        let consume = |topic: String, count: usize| {
            let count = count.to_string();
            let args = ["--registry", &registry, "consume", "--topic", &topic];
            let more = ["--bootstrap-servers", &bootstrap, "--from-beginning", "--print-key"];
            let limits = ["--max-messages", &count, "--timeout-ms", "15000"];
            schemata(args.into_iter().chain(more).chain(limits))
        };
        let output = consume(topic.clone(), cases.len()).run().await;
        output.expect_code(0);
        let printed = parse_lines(&output.stdout);
        // A map prints in key order, whatever order it was written or hashed in.
        let counts =
            r#""counts":{"a":"7","b":"2","c":"9","m":"1","q":"5","x":"3","y":"4","z":"8"}"#;
        assert!(output.stdout.contains(counts), "{}", output.stdout);
        let expected: Vec<(String, Value)> = cases
            .iter()
            .enumerate()
            .map(|(i, (_, value))| (format!("k{}", i + 1), value.clone()))
            .collect();
        assert_eq!(printed, expected);

        // confluent-kafka reads the console's records and writes its own for the console.
        let written = json!([
            {"sensor": "py", "value": 20.25, "unit": "KELVIN", "counts": {"z": "-9"},
             "at": "2026-12-06T05:00:00.000000001Z", "line": 3,
             "tags": [{"name": "p"}, {"name": "q"}]},
            {"sensor": "py2", "device": ""},
        ]);
        let args: Vec<String> = vec![
            bootstrap.clone(),
            registry.clone(),
            topic.clone(),
            cases.len().to_string(),
            "console.Reading".to_owned(),
            python_topic.clone(),
            written.to_string(),
        ];
        let out = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            crate::python::run(
                "protobuf_console_interop.py",
                &args,
                std::time::Duration::from_secs(120),
            )
        })
        .await
        .unwrap();
        assert_eq!(out.code, Some(0), "stdout: {}\nstderr: {}", out.stdout, out.stderr);
        let answer: Value = serde_json::from_str(out.stdout.trim()).unwrap();
        let decoded: Vec<Value> = cases.iter().map(|(_, value)| value.clone()).collect();
        assert_eq!(answer["decoded"], json!(decoded), "Python reads what the console wrote");

        let output = consume(python_topic, 2).run().await;
        output.expect_code(0);
        let printed: Vec<Value> = parse_lines(&output.stdout).into_iter().map(|(_, v)| v).collect();
        // A oneof member set to its default is still set: it is printed.
        assert_eq!(printed, written.as_array().unwrap().clone());
    }

    /// Bad input to a Protobuf produce: a sentence and exit 2 before anything is written, or at
    /// the line that does not fit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn protobuf_console_bad_input() {
        let env = Env::start().await;
        let topic = env.topic("proto-console-bad", 1).await;
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("reading.proto");
        std::fs::write(&schema, READING_PROTO).unwrap();
        let schema = schema.to_str().unwrap().to_owned();
        let (registry, bootstrap) = (env.registry_url().to_owned(), env.broker.bootstrap.clone());
        let cases: [(&[&str], &str, &str); 5] = [
            (&["--message", "Nope"], "{}", "declares no such message"),
            (&["--message", "console.Batch"], r#"{"readings":[{"sensr":"a"}]}"#, "line 1"),
            (&[], r#"{"readings":"x"}"#, "line 1"),
            (&["--message", "Reading"], r#"{"counts":{"x":"not a number"}}"#, "line 1"),
            (&["--message", "Reading"], r#"{"at":"yesterday"}"#, "line 1"),
        ];
        for (extra, line, expected) in cases {
            let args = ["--registry", &registry, "produce", "--topic", &topic];
            let more = ["--bootstrap-servers", &bootstrap, "--schema", &schema];
            let output = schemata(args.into_iter().chain(more).chain(extra.iter().copied()))
                .stdin(format!("{line}\n"))
                .run()
                .await;
            output.expect_code(2);
            assert!(output.stderr.contains(expected), "{extra:?} {line}: {}", output.stderr);
            assert!(!output.stderr.contains("panicked"), "{}", output.stderr);
        }
        // Nothing reached the topic.
        let args = ["--registry", &registry, "consume", "--topic", &topic];
        let more = ["--bootstrap-servers", &bootstrap, "--from-beginning", "--timeout-ms", "3000"];
        let output = schemata(args.into_iter().chain(more)).run().await;
        output.expect_code(0);
        assert_eq!(output.stdout, "");
    }
}

mod cli_diff {
    //! `schemata diff` on `.proto` files: every change (Confluent's kinds, reserved numbers
    //! included) with its verdict, located at the line of the element in B, or in A for what
    //! was removed.

    use crate::cli_check::Project;

    const A: &str = "syntax = \"proto3\";
package shop;

message Order {
  string id = 1;
  int32 qty = 2;
  string note = 3;
  Status status = 4;
  reserved 9 to 11;
}

enum Status {
  UNKNOWN = 0;
  OPEN = 1;
  CLOSED = 2;
}

message Gone {
  int32 x = 1;
}
";

    const B: &str = "syntax = \"proto3\";
package shop;

message Order {
  string id = 1;
  int64 qty = 2;
  reserved 3;
  Status status = 4;
  repeated string tags = 5;
  reserved 9;
}

enum Status {
  UNKNOWN = 0;
  OPEN = 1;
}
";

    #[tokio::test]
    async fn protobuf_diff_lists_every_change_located() {
        let project = Project::new();
        project.write("a.proto", A).write("b.proto", B);
        let output = project.run(&["diff", "a.proto", "b.proto"]).await;
        output.expect_code(0);
        let expected = [
            ("a.proto:18:1", "MESSAGE_REMOVED [breaking]", "#/Gone"),
            ("a.proto:7:3", "FIELD_REMOVED [compatible]", "#/Order/3"),
            ("b.proto:9:3", "FIELD_ADDED [compatible]", "#/Order/5"),
            ("b.proto:4:1", "RESERVED_FIELD_NUMBER_REMOVED [compatible]", "#/Order"),
            ("a.proto:15:3", "ENUM_CONST_REMOVED [compatible]", "#/Status/2"),
            ("a.proto:15:3", "ENUM_CONST_REMOVED_NOT_RESERVED [compatible]", "#/Status/2"),
        ];
        let lines: Vec<&str> = output.stdout.lines().collect();
        assert_eq!(lines[..2], ["--- a.proto", "+++ b.proto"], "{}", output.stdout);
        for (i, (at, kind, path)) in expected.iter().enumerate() {
            let (line, path_line) = (lines[2 + 2 * i], lines[3 + 2 * i]);
            assert!(line.starts_with(&format!("{at}: {kind}: ")), "{i}: {line}\n{}", output.stdout);
            assert_eq!(path_line, format!("    at {path}"), "{}", output.stdout);
        }
        let rest = &lines[2 + 2 * expected.len()..];
        assert_eq!(
            rest,
            [
                "BACKWARD (B reads data written with A): 1 incompatibility",
                "FORWARD (A reads data written with B): compatible",
            ]
        );

        // The JSON form has the same list, with lines, sides and verdicts.
        let output = project.run(&["diff", "--format", "json", "a.proto", "b.proto"]).await;
        output.expect_code(0);
        let report: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
        let changes = report["changes"].as_array().unwrap();
        assert_eq!(changes.len(), expected.len());
        for (change, (at, kind, path)) in changes.iter().zip(expected) {
            let (file, position) = at.split_once(':').unwrap();
            let (line, column) = position.split_once(':').unwrap();
            let (kind, verdict) = kind.split_once(' ').unwrap();
            assert_eq!(change["kind"], kind);
            assert_eq!(change["pointer"], path);
            assert_eq!(change["in"], file);
            assert_eq!(change["line"], line.parse::<u64>().unwrap());
            assert_eq!(change["column"], column.parse::<u64>().unwrap());
            assert_eq!(change["compatible"], verdict == "[compatible]");
        }
        assert_eq!(report["backward"]["findings"][0]["rule"], "MESSAGE_REMOVED");
    }
}

/// The web UI's diff page lists the Protobuf changes `schemata diff` prints, each linked to the
/// line of its element (in the old version for what was removed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_ui_diff_lists_changes_at_their_lines() {
    let r = TestRegistry::start().await;
    let http = &r.http;
    let v1 = "syntax = \"proto3\";\nmessage M {\n  string a = 1;\n  int32 n = 2;\n}\n";
    let v2 =
        "syntax = \"proto3\";\nmessage M {\n  string a = 1;\n  reserved 2;\n  bool b = 3;\n}\n";
    assert_eq!(register(http, "ui-proto", proto(v1)).await.0, 200);
    assert_eq!(register(http, "ui-proto", proto(v2)).await.0, 200);
    let page = http.get("/ui/subjects/ui-proto/diff?a=1&b=2").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    for needle in [
        "<span class=\"compatible\">compatible</span> <code class=\"rule\">FIELD_REMOVED</code>",
        "<a href=\"#aL4\">v1 line 4</a> <code>#/M/2</code>",
        "<code class=\"rule\">FIELD_ADDED</code>",
        "<a href=\"#bL5\">v2 line 5</a> <code>#/M/3</code>",
    ] {
        assert!(html.contains(needle), "{needle}\n{html}");
    }
    assert!(!html.contains("FIELD_REMOVED_NOT_RESERVED"), "2 is reserved: {html}");
}
