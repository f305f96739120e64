"""GUID interop of schemata's typed serde with confluent-kafka 2.16 (Confluent 8 framings): decodes
a record schemata framed with the schema GUID (magic byte 1) with AvroDeserializer, then writes
the decoded value again with AvroSerializer's header_schema_id_serializer (the GUID in the
`__value_schema_id` header, the payload unframed) for schemata to decode.

Usage: guid_interop.py URL TOPIC SCHEMA_JSON HEX
Prints one JSON object on stdout:
{"decoded": <value>, "header_name": "...", "header": "<hex>", "payload": "<hex>"}.
"""

import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient, header_schema_id_serializer
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

URL, TOPIC, SCHEMA, HEX = sys.argv[1:5]
client = SchemaRegistryClient({"url": URL})
decoded = AvroDeserializer(client)(bytes.fromhex(HEX), SerializationContext(TOPIC, MessageField.VALUE))
serializer = AvroSerializer(
    client,
    SCHEMA,
    conf={"auto.register.schemas": True, "schema.id.serializer": header_schema_id_serializer},
)
headers = []
payload = serializer(decoded, SerializationContext(TOPIC, MessageField.VALUE, headers))
[(name, value)] = headers
print(json.dumps({"decoded": decoded, "header_name": name, "header": value.hex(), "payload": payload.hex()}))
