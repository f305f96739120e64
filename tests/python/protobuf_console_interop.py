"""Protobuf interop of `schemata produce` and `schemata consume` with confluent-kafka through the
broker: its ProtobufDeserializer reads the records the console producer wrote, then its
ProtobufSerializer writes records for the console consumer to print. The schema exercises maps,
enums, oneofs, a nested message and the well-known Timestamp.

The message class is built at run time from the writer schema our registry answers as a base64
descriptor (format=serialized), as a protoc-generated module would define it.

Usage: protobuf_console_interop.py BOOTSTRAP REGISTRY TOPIC COUNT MESSAGE OUT_TOPIC VALUES
  Reads COUNT records from partition 0 of TOPIC as MESSAGE (its full name), then writes VALUES
  (a JSON array of documents in the proto3 JSON mapping) as MESSAGE to OUT_TOPIC.
Prints one JSON object on stdout: {"decoded": [<message as JSON>...], "produced": N}.
"""

import base64
import json
import sys
import time

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf import timestamp_pb2  # noqa: F401 (puts timestamp.proto in the default pool)

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

DEADLINE_S = 60

BOOTSTRAP, REGISTRY, TOPIC, COUNT, MESSAGE, OUT_TOPIC, VALUES = sys.argv[1:8]
client = SchemaRegistryClient({"url": REGISTRY})

# The writer schema, as the registry serializes it, defines the class.
latest = client.get_latest_version(f"{TOPIC}-value")
encoded = client.get_schema(latest.schema_id, fmt="serialized").schema_str
proto = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(encoded))
pool = descriptor_pool.Default()
pool.Add(proto)
Message = message_factory.GetMessageClass(pool.FindMessageTypeByName(MESSAGE))

consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"py-{TOPIC}",
                     "enable.auto.commit": False, "auto.offset.reset": "earliest"})
consumer.assign([TopicPartition(TOPIC, 0, 0)])
deserialize = ProtobufDeserializer(Message, {"use.deprecated.format": False}, client)
decoded = []
deadline = time.monotonic() + DEADLINE_S
while len(decoded) < int(COUNT):
    if time.monotonic() > deadline:
        raise SystemExit(f"only {len(decoded)} of {COUNT} records from {TOPIC}")
    record = consumer.poll(0.5)
    if record is None:
        continue
    if record.error():
        raise SystemExit(f"consume {TOPIC}: {record.error()}")
    value = deserialize(record.value(), SerializationContext(TOPIC, MessageField.VALUE))
    decoded.append(json_format.MessageToDict(value))
consumer.close()

serialize = ProtobufSerializer(Message, client, {"use.deprecated.format": False})
producer = Producer({"bootstrap.servers": BOOTSTRAP, "message.timeout.ms": 30000, "acks": "all"})
errors = []


def delivered(err, _msg):
    if err is not None:
        errors.append(str(err))


values = json.loads(VALUES)
for i, document in enumerate(values):
    message = json_format.ParseDict(document, Message())
    context = SerializationContext(OUT_TOPIC, MessageField.VALUE)
    producer.produce(OUT_TOPIC, key=f"p{i}".encode(), value=serialize(message, context),
                     on_delivery=delivered)
remaining = producer.flush(DEADLINE_S)
if remaining or errors:
    raise SystemExit(f"produce failed: {remaining} undelivered, errors {errors}")
print(json.dumps({"decoded": decoded, "produced": len(values)}))
