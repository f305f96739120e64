"""Drives the real confluent-kafka SchemaRegistryClient, AvroSerializer and AvroDeserializer
against a schemata registry and checks every answer.

Usage: registry_interop.py URL PREFIX
Prints one JSON object on stdout: {"checks": N, "failures": [...], "facts": {...}}; exits 1 when any
check failed. "facts" carries values (ids, framed bytes) the Rust test cross-checks over HTTP.
"""

import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

URL, PREFIX = sys.argv[1], sys.argv[2]
checks = 0
failures = []
facts = {}


def expect(what, got, want):
    global checks
    checks += 1
    if got != want:
        failures.append({"check": what, "got": repr(got), "want": repr(want)})


def expect_error(what, call, http_status, error_code):
    global checks
    checks += 1
    try:
        result = call()
    except SchemaRegistryError as err:
        if (err.http_status_code, err.error_code) != (http_status, error_code):
            failures.append(
                {
                    "check": what,
                    "got": f"{err.http_status_code}/{err.error_code}: {err.error_message}",
                    "want": f"{http_status}/{error_code}",
                }
            )
        return
    failures.append({"check": what, "got": repr(result), "want": f"error {error_code}"})


def fresh():
    """A client without caches, so that every call below really reaches the server."""
    return SchemaRegistryClient({"url": URL})


def record(*fields):
    return json.dumps(
        {"type": "record", "name": "Order", "namespace": "com.acme", "fields": list(fields)}
    )


V1 = record({"name": "id", "type": "string"})
V2 = record({"name": "id", "type": "string"}, {"name": "amount", "type": "long", "default": 0})
BREAKING = record({"name": "id", "type": "string"}, {"name": "amount", "type": "long"})

subject = f"{PREFIX}-orders-value"
client = fresh()

# Register, idempotent re-register, read back by id, latest, version, lookup.
id1 = client.register_schema(subject, Schema(V1, "AVRO"))
expect("re-register returns the same id", fresh().register_schema(subject, Schema(V1, "AVRO")), id1)
expect("get_schema by id", json.loads(fresh().get_schema(id1).schema_str), json.loads(V1))
latest = fresh().get_latest_version(subject)
expect("latest version", (latest.version, latest.schema_id), (1, id1))
expect("get_version 1", fresh().get_version(subject, 1).schema_id, id1)
looked_up = fresh().lookup_schema(subject, Schema(V1, "AVRO"))
expect("lookup", (looked_up.version, looked_up.schema_id), (1, id1))
expect("lookup normalized", fresh().lookup_schema(subject, Schema(V1, "AVRO"), normalize_schemas=True).schema_id, id1)
expect_error("lookup of an unregistered schema", lambda: fresh().lookup_schema(subject, Schema(V2, "AVRO")), 404, 40403)

# Compatibility: the default level is BACKWARD.
expect("global compatibility", fresh().get_compatibility(), "BACKWARD")
expect("compatible evolution", fresh().test_compatibility(subject, Schema(V2, "AVRO")), True)
expect("breaking evolution", fresh().test_compatibility(subject, Schema(BREAKING, "AVRO")), False)
expect_error("register breaking", lambda: fresh().register_schema(subject, Schema(BREAKING, "AVRO")), 409, 40901)
id2 = fresh().register_schema(subject, Schema(V2, "AVRO"))
expect("new schema gets a new id", id2 != id1, True)
expect("versions", fresh().get_versions(subject), [1, 2])
expect("subjects include ours", subject in fresh().get_subjects(), True)
expect("subjects of id1", fresh().get_subjects_by_schema_id(id1), [subject])
expect("set subject compatibility", fresh().set_compatibility(subject, "FULL"), {"compatibility": "FULL"})
expect("get subject compatibility", fresh().get_compatibility(subject), "FULL")
expect("schema types include AVRO and JSON", {"AVRO", "JSON"} <= set(fresh().get_schema_types()), True)

# The Avro serializer registers (auto.register.schemas) and frames with the id; its deserializer
# fetches the schema by id from us.
topic = f"{PREFIX}-payments"
payment_schema = json.dumps(
    {
        "type": "record",
        "name": "Payment",
        "namespace": "com.acme",
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "amount_cents", "type": "long"},
            {"name": "currency", "type": {"type": "enum", "name": "Currency", "symbols": ["EUR", "USD"]}},
            {"name": "note", "type": ["null", "string"], "default": None},
            {"name": "tags", "type": {"type": "array", "items": "string"}},
        ],
    }
)
value = {"id": "p-1", "amount_cents": 1250, "currency": "EUR", "note": None, "tags": ["a", "b"]}
serializer = AvroSerializer(fresh(), payment_schema)
context = SerializationContext(topic, MessageField.VALUE)
framed = serializer(value, context)
payment_id = fresh().get_latest_version(f"{topic}-value").schema_id
expect("magic byte", framed[0], 0)
expect("framed id is the registered id", int.from_bytes(framed[1:5], "big"), payment_id)
expect("round trip through our registry", AvroDeserializer(fresh())(framed, context), value)
facts["payment_id"] = payment_id
facts["payment_framed_hex"] = framed.hex()

# Deletes: soft, then hard; errors for the wrong order and for unknown things.
expect_error("hard delete before soft", lambda: fresh().delete_version(subject, 2, permanent=True), 404, 40407)
expect("soft delete version", fresh().delete_version(subject, 2), 2)
expect("versions after soft delete", fresh().get_versions(subject), [1])
expect("hard delete version", fresh().delete_version(subject, 2, permanent=True), 2)
expect("soft delete subject", fresh().delete_subject(subject), [1])
expect("subjects exclude soft-deleted", subject in fresh().get_subjects(), False)
expect("hard delete subject", fresh().delete_subject(subject, permanent=True), [1])
expect_error("deleted subject is gone", lambda: fresh().get_versions(subject), 404, 40401)
expect_error("unknown id", lambda: fresh().get_schema(2_000_000_000), 404, 40403)
expect_error("unknown version", lambda: fresh().get_version(f"{topic}-value", 99), 404, 40402)

facts["id1"] = id1
facts["id2"] = id2
print(json.dumps({"checks": checks, "failures": failures, "facts": facts}))
sys.exit(1 if failures else 0)
