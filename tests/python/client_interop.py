"""Byte interop of schemata's typed serde with confluent-kafka: decodes a record framed by
schemata with AvroDeserializer, then frames the decoded value again with AvroSerializer (the same
schema, registered under the same subject) for schemata to decode.

Usage: client_interop.py URL TOPIC SCHEMA_JSON HEX
Prints one JSON object on stdout: {"decoded": <value>, "encoded": "<hex>"}.
"""

import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

URL, TOPIC, SCHEMA, HEX = sys.argv[1:5]
client = SchemaRegistryClient({"url": URL})
context = SerializationContext(TOPIC, MessageField.VALUE)
decoded = AvroDeserializer(client)(bytes.fromhex(HEX), context)
serializer = AvroSerializer(client, SCHEMA, conf={"auto.register.schemas": True})
encoded = serializer(decoded, context)
print(json.dumps({"decoded": decoded, "encoded": encoded.hex()}))
