"""Schema contexts with confluent-kafka's own serializers: AvroSerializer registers a record
under a qualified subject (`:.team:<topic>-value`, through `subject.name.strategy`) in a
registry whose default context already uses id 1 for another schema; AvroDeserializer, with the
same strategy, passes that subject when it fetches the writer schema by id (as Confluent's
clients do), so it reads the team's id 1, not the default context's. `use.latest.version`
finds the latest version of the qualified subject.

Usage: contexts_interop.py URL TOPIC
Prints one JSON object on stdout:
{"framed": "<hex>", "decoded": <value>, "latest_framed": "<hex>", "contexts": [...],
 "subjects": [...], "by_subject": <str>}.
"""

import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

URL, TOPIC = sys.argv[1:3]
DECOY = json.dumps({"type": "record", "name": "Decoy", "fields": [{"name": "x", "type": "long"}]})
TEAM = json.dumps(
    {
        "type": "record",
        "name": "Member",
        "namespace": "team",
        "fields": [{"name": "name", "type": "string"}, {"name": "n", "type": "int"}],
    }
)

client = SchemaRegistryClient({"url": URL})
# Id 1 of the default context is another schema: only the context makes the id unambiguous.
client.register_schema(f"{TOPIC}-value", Schema(DECOY, "AVRO"))


def in_team(ctx, record_name):
    return f":.team:{ctx.topic}-value"


ctx = SerializationContext(TOPIC, MessageField.VALUE)
record = {"name": "ada", "n": 7}
serializer = AvroSerializer(
    client, TEAM, conf={"auto.register.schemas": True, "subject.name.strategy": in_team}
)
framed = serializer(record, ctx)

# A fresh client, so nothing comes from the serializer's cache.
reader_client = SchemaRegistryClient({"url": URL})
deserializer = AvroDeserializer(reader_client, conf={"subject.name.strategy": in_team})
decoded = deserializer(framed, ctx)

latest = AvroSerializer(
    SchemaRegistryClient({"url": URL}),
    TEAM,
    conf={"auto.register.schemas": False, "use.latest.version": True, "subject.name.strategy": in_team},
)
latest_framed = latest(record, ctx)

print(
    json.dumps(
        {
            "framed": framed.hex(),
            "decoded": decoded,
            "latest_framed": latest_framed.hex(),
            "contexts": reader_client.get_contexts(),
            "subjects": reader_client.get_subjects(),
            "by_subject": reader_client.get_schema(1, subject_name=f":.team:{TOPIC}-value").schema_str,
        }
    )
)
