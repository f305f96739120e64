"""confluent-kafka's SchemaRegistryClient and Avro serdes against a secured schemata registry:
HTTP Basic (basic.auth.user.info), a static bearer token, and https with a custom CA
(ssl.ca.location). Prints one JSON line: the round-tripped record and its schema id, or the error
the client raised (HTTP status and Confluent error code for registry errors).

Usage: security_interop.py URL basic|bearer|none SECRET CA_FILE|- TOPIC
"""

import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

url, scheme, secret, ca, topic = sys.argv[1:6]
conf = {"url": url}
if scheme == "basic":
    conf["basic.auth.user.info"] = secret
elif scheme == "bearer":
    conf["bearer.auth.credentials.source"] = "STATIC_TOKEN"
    conf["bearer.auth.token"] = secret
    conf["bearer.auth.logical.cluster"] = "lsrc-schemata"
if ca != "-":
    conf["ssl.ca.location"] = ca

schema = '{"type":"record","name":"Secured","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}'
out = {}
try:
    client = SchemaRegistryClient(conf)
    ctx = SerializationContext(topic, MessageField.VALUE)
    data = AvroSerializer(client, schema)({"id": 7}, ctx)
    out["schema_id"] = int.from_bytes(data[1:5], "big")
    out["record"] = AvroDeserializer(client)(data, ctx)
except SchemaRegistryError as error:
    out["error"] = {"status": error.http_status_code, "code": error.error_code}
except Exception as error:  # TLS and connection failures come from requests/httpx
    out["error"] = {"other": type(error).__name__, "message": str(error)}
print(json.dumps(out))
