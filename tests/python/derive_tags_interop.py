"""Confluent's Python serializer running a field rule on fields a Rust `#[derive(Schema)]` tagged.

The Rust side registered the schema (with `confluent:tags` on its tagged fields) and the type's
metadata; the subject's config supplied a CEL_FIELD rule selecting the tag. This script selects
that version with `use.latest.with.metadata` and serializes one record, so the rule only fires if
the tags and metadata reached the registry and came back intact.

Usage: derive_tags_interop.py URL SUBJECT-TOPIC OWNER
Prints the framed record as hex on stdout.
"""

import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.rules.cel.cel_field_executor import CelFieldExecutor
from confluent_kafka.serialization import MessageField, SerializationContext

URL, TOPIC, OWNER = sys.argv[1], sys.argv[2], sys.argv[3]
CelFieldExecutor.register()

serializer = AvroSerializer(
    SchemaRegistryClient({"url": URL}),
    None,
    conf={"auto.register.schemas": False, "use.latest.with.metadata": {"owner": OWNER}},
)
framed = serializer(
    {"id": 7, "number": "4111 1111 1111 1111", "brand": "visa"},
    SerializationContext(TOPIC, MessageField.VALUE),
)
print(framed.hex())
