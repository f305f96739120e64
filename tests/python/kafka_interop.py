"""Interop of schemata's Kafka producer and consumer with confluent-kafka through a real broker.

  produce BOOTSTRAP REGISTRY AVRO_TOPIC JSON_TOPIC AVRO_SCHEMA JSON_SCHEMA VALUES [FRAMING]
      Produces VALUES (JSON: {"avro": [...], "json": [...]}) with confluent-kafka's Producer,
      AvroSerializer and JSONSerializer (auto-registering the schemas), string keys "k0", "k1"...
      FRAMING "header" writes the schema GUID in the __value_schema_id header and the value
      unframed (header_schema_id_serializer); the default is the classic id prefix.
      Avro values arrive in the JSON form schemata prints (uuid and decimal as text, timestamps
      as epoch counts) and are turned into the Python types fastavro writes (UUID, Decimal,
      datetime), so the logical types go through fastavro's own encoders.
  consume BOOTSTRAP REGISTRY AVRO_TOPIC JSON_TOPIC COUNT
      Reads COUNT records from partition 0 of each topic with AvroDeserializer and
      JSONDeserializer (given each record's headers, so header-framed records decode) and prints
      {"avro": [...], "json": [...], "keys": [...], "id_headers": {...}}, the Avro values turned
      back into the JSON form above, id_headers the hex of each record's __value_schema_id
      header per topic ("" when it has none).
  A JSON_TOPIC of "-" skips the JSON side (the typed Avro fixture has none).
"""

import datetime
import decimal
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient, header_schema_id_serializer
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
DEADLINE_S = 60


def to_fastavro(order):
    """The Order fixture in the Python types fastavro expects for its logical types."""
    out = dict(order)
    out["id"] = uuid.UUID(order["id"])
    out["created_at"] = EPOCH + datetime.timedelta(milliseconds=order["created_at"])
    out["amount"] = decimal.Decimal(order["amount"])
    out["lines"] = [dict(line, unit_price=decimal.Decimal(line["unit_price"])) for line in order["lines"]]
    if order["shipped_at"] is not None:
        out["shipped_at"] = EPOCH + datetime.timedelta(microseconds=order["shipped_at"])
    return out


def millis(moment):
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def micros(moment):
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_fastavro(order):
    """Back to the JSON form; fails loudly if a logical type did not come back as its type."""
    out = dict(order)
    assert isinstance(order["id"], uuid.UUID), order["id"]
    out["id"] = str(order["id"])
    assert isinstance(order["created_at"], datetime.datetime), order["created_at"]
    out["created_at"] = millis(order["created_at"])
    assert isinstance(order["amount"], decimal.Decimal), order["amount"]
    out["amount"] = str(order["amount"])
    out["lines"] = [dict(line, unit_price=str(line["unit_price"])) for line in order["lines"]]
    if order["shipped_at"] is not None:
        out["shipped_at"] = micros(order["shipped_at"])
    return out


def produce(bootstrap, registry, avro_topic, json_topic, avro_schema, json_schema, values, framing):
    client = SchemaRegistryClient({"url": registry})
    conf = {"auto.register.schemas": True}
    if framing == "header":
        conf["schema.id.serializer"] = header_schema_id_serializer
    avro = AvroSerializer(client, avro_schema, conf=conf)
    js = JSONSerializer(json_schema, client, conf=conf)
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 30000, "acks": "all"})
    errors = []

    def delivered(err, _msg):
        if err is not None:
            errors.append(str(err))

    for topic, serialize, items in [
        (avro_topic, avro, [to_fastavro(v) for v in values["avro"]]),
        (json_topic, js, values["json"]),
    ]:
        for i, value in enumerate(items):
            headers = [("origin", b"python")]
            context = SerializationContext(topic, MessageField.VALUE, headers)
            producer.produce(topic, key=f"k{i}".encode(), value=serialize(value, context),
                             headers=headers, on_delivery=delivered)
    remaining = producer.flush(DEADLINE_S)
    if remaining or errors:
        raise SystemExit(f"produce failed: {remaining} undelivered, errors {errors}")
    print(json.dumps({"produced": len(values["avro"]) + len(values["json"])}))


def read(bootstrap, topic, count, deserialize):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"py-{topic}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition(topic, 0, 0)])
    values, keys, id_headers = [], [], []
    deadline = time.monotonic() + DEADLINE_S
    while len(values) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(values)} of {count} records from {topic}")
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            raise SystemExit(f"consume {topic}: {message.error()}")
        headers = message.headers() or []
        context = SerializationContext(topic, MessageField.VALUE, headers)
        values.append(deserialize(message.value(), context))
        keys.append(message.key().decode())
        id_headers.append(dict(headers).get("__value_schema_id", b"").hex())
    consumer.close()
    return values, keys, id_headers


def consume(bootstrap, registry, avro_topic, json_topic, count):
    client = SchemaRegistryClient({"url": registry})
    avro, keys, avro_ids = read(bootstrap, avro_topic, count, AvroDeserializer(client))
    js, json_ids = [], []
    if json_topic != "-":
        js, _, json_ids = read(bootstrap, json_topic, count,
                               JSONDeserializer(None, schema_registry_client=client))
    print(json.dumps({"avro": [from_fastavro(v) for v in avro], "json": js, "keys": keys,
                      "id_headers": {"avro": avro_ids, "json": json_ids}}))


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "produce":
        bootstrap, registry, avro_topic, json_topic, avro_schema, json_schema, values = args[:7]
        framing = args[7] if len(args) > 7 else "prefix"
        produce(bootstrap, registry, avro_topic, json_topic, avro_schema, json_schema, json.loads(values),
                framing)
    elif mode == "consume":
        bootstrap, registry, avro_topic, json_topic, count = args
        consume(bootstrap, registry, avro_topic, json_topic, int(count))
    else:
        raise SystemExit(f"unknown mode {mode}")
