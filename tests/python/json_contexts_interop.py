"""JSON Schema and contexts with confluent-kafka's own JSONSerializer: the default context's
`<TOPIC>-value` holds id 1 (a schema requiring `region`); the serializer, with a custom
`subject.name.strategy`, registers a schema requiring `team` under `:.team:<TOPIC>-value`, id 1
of `.team`, and writes one document framed with that id, and one with the schema's GUID in the
`__value_schema_id` header (the document unframed), for schemata's JSON deserializer to read.

Usage: json_contexts_interop.py URL TOPIC
Prints one JSON object on stdout:
{"framed": "<hex>", "header_name": "...", "header": "<hex>", "payload": "<hex>"}.
"""

import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient, header_schema_id_serializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

URL, TOPIC = sys.argv[1:3]


def requiring(field):
    return json.dumps(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, field: {"type": "string"}},
            "required": ["id", field],
        }
    )


client = SchemaRegistryClient({"url": URL})
client.register_schema(f"{TOPIC}-value", Schema(requiring("region"), "JSON"))


def in_team(ctx, record_name):
    return f":.team:{ctx.topic}-value"


document = {"id": 7, "team": "eu"}
conf = {"auto.register.schemas": True, "subject.name.strategy": in_team}
framed = JSONSerializer(requiring("team"), client, conf=conf)(
    document, SerializationContext(TOPIC, MessageField.VALUE)
)
headers = []
in_header = dict(conf, **{"schema.id.serializer": header_schema_id_serializer})
payload = JSONSerializer(requiring("team"), SchemaRegistryClient({"url": URL}), conf=in_header)(
    document, SerializationContext(TOPIC, MessageField.VALUE, headers)
)
[(name, value)] = headers
print(json.dumps({"framed": framed.hex(), "header_name": name, "header": value.hex(), "payload": payload.hex()}))
