"""Protobuf interop of schemata's Confluent 8 framings with confluent-kafka 2.16: its
ProtobufDeserializer reads a record schemata wrote in MODE (`guid`: 0x01, the schema GUID and the
message indexes in front of the message; `header`: those in the `__value_schema_id` header, the
message unframed), then its ProtobufSerializer writes the decoded message back in the same mode
(`header`: its header_schema_id_serializer; `guid`: the GUID prefix its SchemaId writes, as a
schema.id.serializer) for schemata to decode.

The message classes are built at run time from the descriptors schemata compiled (base64), as
protoc-generated modules would define them.

Usage: protobuf_guid_interop.py URL TOPIC MODE PAYLOAD_HEX HEADER_HEX ITEM_DESCRIPTOR ORDERS_DESCRIPTOR
(HEADER_HEX is `-` in guid mode.) Prints one JSON object on stdout:
{"decoded": <message as JSON>, "headers": [[name, "<hex>"], ...], "payload": "<hex>"}.
"""

import base64
import json
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf import timestamp_pb2  # noqa: F401 (puts timestamp.proto in the default pool)

from confluent_kafka.schema_registry import SchemaRegistryClient, header_schema_id_serializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

URL, TOPIC, MODE, PAYLOAD, HEADER, ITEM, ORDERS = sys.argv[1:8]
pool = descriptor_pool.Default()
for name, encoded in (("shop/item.proto", ITEM), ("shop/orders.proto", ORDERS)):
    proto = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(encoded))
    proto.name = name
    pool.Add(proto)
Order = message_factory.GetMessageClass(pool.FindMessageTypeByName("shop.Order"))

client = SchemaRegistryClient({"url": URL})
incoming = [] if MODE == "guid" else [("__value_schema_id", bytes.fromhex(HEADER))]
decoded = ProtobufDeserializer(Order, {}, client)(
    bytes.fromhex(PAYLOAD), SerializationContext(TOPIC, MessageField.VALUE, incoming)
)


def guid_prefix_serializer(payload, ctx, schema_id):
    return schema_id.guid_to_bytes() + payload


framing = header_schema_id_serializer if MODE == "header" else guid_prefix_serializer
serializer = ProtobufSerializer(
    Order, client, {"use.deprecated.format": False, "schema.id.serializer": framing}
)
headers = []
payload = serializer(decoded, SerializationContext(TOPIC, MessageField.VALUE, headers))
print(
    json.dumps(
        {
            "decoded": json_format.MessageToDict(decoded),
            "headers": [[name, value.hex()] for name, value in headers],
            "payload": payload.hex(),
        }
    )
)
