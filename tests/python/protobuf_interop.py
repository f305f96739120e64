"""Protobuf interop of schemata's Protobuf serde and registry with confluent-kafka: its
ProtobufDeserializer reads a record framed by schemata's ProtobufSerializer (fetching the writer
schema and its reference from our registry as base64 descriptors, format=serialized), then its
ProtobufSerializer writes the decoded message to another topic, registering its file and the
imported one as base64 descriptors with our registry, for schemata to decode.

The message holds a nested message from an import (a reference), a oneof, a map, an enum and a
Timestamp. The message classes are built at run time from the descriptors schemata compiled
(passed in base64), as protoc-generated modules would define them.

Usage: protobuf_interop.py URL TOPIC HEX OUT_TOPIC ITEM_DESCRIPTOR ORDERS_DESCRIPTOR
Prints one JSON object on stdout: {"decoded": <message as JSON>, "encoded": "<hex>"}.
"""

import base64
import json
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf import timestamp_pb2  # noqa: F401 (puts timestamp.proto in the default pool)

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

URL, TOPIC, HEX, OUT_TOPIC, ITEM, ORDERS = sys.argv[1:7]
pool = descriptor_pool.Default()
for name, encoded in (("shop/item.proto", ITEM), ("shop/orders.proto", ORDERS)):
    proto = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(encoded))
    proto.name = name
    pool.Add(proto)
Order = message_factory.GetMessageClass(pool.FindMessageTypeByName("shop.Order"))

client = SchemaRegistryClient({"url": URL})
decoded = ProtobufDeserializer(Order, {}, client)(bytes.fromhex(HEX), SerializationContext(TOPIC, MessageField.VALUE))
serializer = ProtobufSerializer(Order, client, {"use.deprecated.format": False})
encoded = serializer(decoded, SerializationContext(OUT_TOPIC, MessageField.VALUE))
print(json.dumps({"decoded": json_format.MessageToDict(decoded), "encoded": encoded.hex()}))
