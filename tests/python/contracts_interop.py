"""Data contracts through the real confluent-kafka client against a schemata registry: metadata
and rules registered with its SchemaRegistryClient, then enforced by its own AvroSerializer and
AvroDeserializer (CEL conditions and field transforms, JSONata migrations between two major
versions), which only work when the registry keeps and returns the whole contract.

Usage: contracts_interop.py URL PREFIX
Prints one JSON object on stdout: {"checks": N, "failures": [...], "facts": {...}}; exits 1 when
any check failed.
"""

import json
import sys

from confluent_kafka.schema_registry import (
    Metadata,
    MetadataProperties,
    Rule,
    RuleKind,
    RuleMode,
    RuleSet,
    Schema,
    SchemaRegistryClient,
    ServerConfig,
)
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.rules.cel.cel_executor import CelExecutor
from confluent_kafka.schema_registry.rules.cel.cel_field_executor import CelFieldExecutor
from confluent_kafka.schema_registry.rules.jsonata.jsonata_executor import JsonataExecutor
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext, SerializationError

URL, PREFIX = sys.argv[1], sys.argv[2]
checks = 0
failures = []
facts = {}

CelExecutor.register()
CelFieldExecutor.register()
JsonataExecutor.register()


def expect(what, got, want):
    global checks
    checks += 1
    if got != want:
        failures.append({"check": what, "got": repr(got), "want": repr(want)})


def expect_raises(what, call, error_type, text):
    global checks
    checks += 1
    try:
        result = call()
    except error_type as err:
        # Python's serializer wraps the rule's error: the reason is the cause.
        said = f"{err!r} {err.__cause__!r}"
        if text not in said:
            failures.append({"check": what, "got": said, "want": text})
        return
    failures.append({"check": what, "got": repr(result), "want": f"{error_type.__name__}"})


def fresh():
    """A client without caches, so that every call below really reaches the server."""
    return SchemaRegistryClient({"url": URL})


def record(*fields):
    return json.dumps({"type": "record", "name": "Payment", "namespace": "com.acme", "fields": list(fields)})


def rule(name, kind, mode, rule_type, expr, tags=None, on_failure=None):
    return Rule(name, None, kind, mode, rule_type, tags, None, expr, None, on_failure, False)


def metadata(**properties):
    return Metadata(None, MetadataProperties(properties), None)


# --- Domain rules: a CEL condition and a CEL field transform, run by Python's serializer. ---

subject = f"{PREFIX}-payments-value"
topic = f"{PREFIX}-payments"
ctx = SerializationContext(topic, MessageField.VALUE)
PAYMENT = record(
    {"name": "id", "type": "string"},
    {"name": "amount", "type": "long"},
    {"name": "note", "type": "string", "confluent:tags": ["PII"]},
)
rules = RuleSet(
    None,
    [
        rule("positive", RuleKind.CONDITION, RuleMode.WRITE, "CEL", "message.amount > 0", on_failure="ERROR"),
        rule("redact", RuleKind.TRANSFORM, RuleMode.WRITE, "CEL_FIELD", "name == 'note' ; 'redacted'"),
    ],
)
# (No metadata tags: Python's client cannot hash a Metadata with tags, so it fails to cache one.)
owned = Metadata(None, MetadataProperties({"owner": "payments"}), ["owner"])
client = fresh()
registered = client.register_schema_full_response(subject, Schema(PAYMENT, "AVRO", [], owned, rules))
facts["payment_id"] = registered.schema_id

# The registry hands the contract back, as Python's client parses it.
latest = fresh().get_latest_with_metadata(subject, {"owner": "payments"})
expect("latest with metadata: version", latest.version, 1)
expect("latest with metadata: owner", latest.schema.metadata.properties.properties, {"owner": "payments"})
expect("latest with metadata: sensitive", latest.schema.metadata.sensitive, ["owner"])
expect("latest with metadata: rule names", [r.name for r in latest.schema.rule_set.domain_rules], ["positive", "redact"])
expect("latest with metadata: rule kind", latest.schema.rule_set.domain_rules[0].kind, RuleKind.CONDITION)
by_id = fresh().get_schema(registered.schema_id)
expect("by id: the rules", [r.expr for r in by_id.rule_set.domain_rules], ["message.amount > 0", "name == 'note' ; 'redacted'"])

serializer = AvroSerializer(
    fresh(), None, conf={"auto.register.schemas": False, "use.latest.with.metadata": {"owner": "payments"}}
)
deserializer = AvroDeserializer(fresh())
framed = serializer({"id": "p1", "amount": 250, "note": "card 4111"}, ctx)
expect("framed with the registered id", int.from_bytes(framed[1:5], "big"), registered.schema_id)
decoded = deserializer(framed, ctx)
expect("the transform rewrote the tagged field", decoded, {"id": "p1", "amount": 250, "note": "redacted"})
facts["payment_framed_hex"] = framed.hex()
expect_raises(
    "a failing condition refuses the record",
    lambda: serializer({"id": "p2", "amount": -5, "note": "x"}, ctx),
    SerializationError,
    "Rule expr failed: message.amount > 0",
)

# --- Migration rules between two major versions (JSONata), run by Python's deserializer. ---

major = "application.major.version"
msubject = f"{PREFIX}-invoices-value"
mtopic = f"{PREFIX}-invoices"
mctx = SerializationContext(mtopic, MessageField.VALUE)
# Compatibility is checked only between versions of one major version (set through Python's client).
group = fresh().set_config(msubject, ServerConfig(compatibility_group=major))
expect("the config names the group", group.get("compatibilityGroup"), major)
expect("the group is stored", fresh().get_config(msubject).compatibility_group, major)
V1 = record({"name": "id", "type": "string"}, {"name": "amount", "type": "long"})
V2 = record({"name": "id", "type": "string"}, {"name": "total", "type": "long"})
migrations = RuleSet(
    [
        rule(
            "amount_to_total",
            RuleKind.TRANSFORM,
            RuleMode.UPGRADE,
            "JSONATA",
            "$merge([$sift($, function($v, $k) {$k != 'amount'}), {'total': $.'amount'}])",
        ),
        rule(
            "total_to_amount",
            RuleKind.TRANSFORM,
            RuleMode.DOWNGRADE,
            "JSONATA",
            "$merge([$sift($, function($v, $k) {$k != 'total'}), {'amount': $.'total'}])",
        ),
    ],
    None,
)
mclient = fresh()
v1 = mclient.register_schema_full_response(msubject, Schema(V1, "AVRO", [], metadata(**{major: "1"}), None))
# Renaming a field breaks BACKWARD compatibility: refused within one major version ...
try:
    mclient.register_schema(msubject, Schema(V2, "AVRO", [], metadata(**{major: "1"}), None))
    failures.append({"check": "a breaking change within major 1 is refused", "got": "registered", "want": "409"})
except SchemaRegistryError as err:
    expect("a breaking change within major 1 is refused", (err.http_status_code, err.error_code), (409, 40901))
checks += 1
v2 = mclient.register_schema_full_response(msubject, Schema(V2, "AVRO", [], metadata(**{major: "2"}), migrations))
expect("major 2 is a new version", (v1.version, v2.version), (1, 2))


def serde(major_version):
    conf = {"auto.register.schemas": False, "use.latest.with.metadata": {major: major_version}}
    return (
        AvroSerializer(fresh(), None, conf=conf),
        AvroDeserializer(fresh(), None, conf={"use.latest.with.metadata": {major: major_version}}),
    )


ser1, de1 = serde("1")
ser2, de2 = serde("2")
old = ser1({"id": "i1", "amount": 7}, mctx)
new = ser2({"id": "i2", "total": 9}, mctx)
expect("major 1 writes with version 1's id", int.from_bytes(old[1:5], "big"), v1.schema_id)
expect("major 2 writes with version 2's id", int.from_bytes(new[1:5], "big"), v2.schema_id)
expect("a major-2 reader upgrades major-1 data", de2(old, mctx), {"id": "i1", "total": 7})
expect("a major-1 reader downgrades major-2 data", de1(new, mctx), {"id": "i2", "amount": 9})
expect("same-major reads are untouched", de1(old, mctx), {"id": "i1", "amount": 7})

print(json.dumps({"checks": checks, "failures": failures, "facts": facts}))
sys.exit(1 if failures else 0)
