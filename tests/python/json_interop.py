"""JSON Schema byte interop of schemata's JSON serde with confluent-kafka: its JSONDeserializer
reads a record framed by schemata's JsonSerializer (fetching the writer schema by id from our
registry and validating the payload against it), then its JSONSerializer frames the decoded value
again with the subject's registered schema, for schemata to decode.

Usage: json_interop.py URL TOPIC HEX
Prints one JSON object on stdout: {"decoded": <value>, "encoded": "<hex>", "schema_id": N}.
"""

import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

URL, TOPIC, HEX = sys.argv[1:4]
client = SchemaRegistryClient({"url": URL})
context = SerializationContext(TOPIC, MessageField.VALUE)
decoded = JSONDeserializer(None, schema_registry_client=client)(bytes.fromhex(HEX), context)
registered = client.get_latest_version(f"{TOPIC}-value")
# Auto-registering the same text must find the existing id (the registry de-duplicates).
serializer = JSONSerializer(registered.schema.schema_str, client)
encoded = serializer(decoded, context)
print(json.dumps({"decoded": decoded, "encoded": encoded.hex(), "schema_id": registered.schema_id}))
