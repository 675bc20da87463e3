"""Old clients (issue #14): Produce v0-2 with legacy message sets (magic 0 and 1) is up-converted to
v2 batches, Fetch v0-3 is answered with down-converted message sets, ListOffsets v0 answers its
offsets array; what old versions write a modern client reads, and the other way round."""
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from clients import sarama
from kafka_wire import (Client, fetch_legacy, legacy_gzip_wrapper, legacy_message, list_offsets_v0,
                        parse_legacy, produce_legacy)
from test_real_clients import assert_all_acked, assert_exactly_once

UNSUPPORTED_VERSION = 35
CORRUPT_MESSAGE = 2


def create_topics(broker, *names, config=None):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    futures = admin.create_topics([NewTopic(n, 1, 1, config=config or {}) for n in names])
    for f in futures.values():
        f.result(timeout=30)


def consume_all(broker, topic, count):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "legacy-reader",
                        "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    seen = []
    deadline = time.monotonic() + 30
    while len(seen) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            seen.append(msg)
    consumer.close()
    return seen


def test_old_produce_versions_are_read_by_a_modern_consumer(broker):
    create_topics(broker, "legacy-in")
    c = Client(broker.port)
    # Produce v0 and v1: magic 0 (no timestamps); v2: magic 1 plain and gzip-wrapped.
    assert produce_legacy(c, 0, "legacy-in", 0, legacy_message(0, 0, b"k0", b"v0")) == (0, 0)
    assert produce_legacy(c, 1, "legacy-in", 0,
                          legacy_gzip_wrapper(0, [(b"k1", b"v1"), (None, b"v2")])) == (0, 1)
    assert produce_legacy(c, 2, "legacy-in", 0,
                          legacy_message(0, 1, b"k3", b"v3", 1_700_000_000_003)) == (0, 3)
    assert produce_legacy(c, 2, "legacy-in", 0, legacy_gzip_wrapper(
        1, [(b"k4", b"v4"), (b"k5", None)], 1_700_000_000_004)) == (0, 4)
    # A broken message is refused, and the connection keeps working.
    bad = bytearray(legacy_message(0, 1, b"k", b"v", 5))
    bad[-1] ^= 0xFF
    assert produce_legacy(c, 2, "legacy-in", 0, bytes(bad))[0] == CORRUPT_MESSAGE
    c.close()

    seen = consume_all(broker, "legacy-in", 6)
    assert [(m.offset(), m.key(), m.value()) for m in seen] == [
        (0, b"k0", b"v0"), (1, b"k1", b"v1"), (2, None, b"v2"), (3, b"k3", b"v3"),
        (4, b"k4", b"v4"), (5, b"k5", None)]
    # Magic 0 has no timestamp: NO_TIMESTAMP in the v2 batch; magic 1 keeps the producer's.
    assert [m.timestamp()[1] for m in seen] == [-1, -1, -1, 1_700_000_000_003,
                                                1_700_000_000_004, 1_700_000_000_004]


@pytest.mark.parametrize("codec", ["none", "gzip"])
def test_old_fetch_versions_read_a_modern_producer(broker, codec):
    topic = f"legacy-out-{codec}"
    create_topics(broker, topic)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "compression.type": codec,
                         "linger.ms": 5})
    for i in range(50):
        producer.produce(topic, key=b"%d" % i, value=b"value-%d" % i, headers={"h": b"x"},
                         timestamp=1_700_000_000_000 + i)
    assert producer.flush(30) == 0

    c = Client(broker.port)
    for version in (0, 1, 2, 3):
        records, offset = [], 10
        while offset < 50:
            error, hw, data = fetch_legacy(c, version, topic, 0, offset, max_bytes=600)
            assert error == 0 and hw == 50
            got = [r for r in parse_legacy(data) if r[0] >= offset]
            assert got, f"Fetch v{version} made no progress at {offset}"
            records += got
            offset = got[-1][0] + 1
        assert [r[0] for r in records] == list(range(10, 50)), f"Fetch v{version}"
        expected_magic = 0 if version <= 1 else 1
        assert {r[1] for r in records} == {expected_magic}
        assert records[0][3:] == (b"10", b"value-10")
        assert records[0][2] == (None if version <= 1 else 1_700_000_000_010)
    c.close()


def test_list_offsets_v0_and_down_conversion_disabled(broker):
    create_topics(broker, "legacy-lo")
    create_topics(broker, "legacy-off", config={"message.downconversion.enable": "false"})
    c = Client(broker.port)
    now = int(time.time() * 1000)  # old timestamps would roll a segment per append (log.roll.ms)
    for topic in ("legacy-lo", "legacy-off"):
        for i in range(3):
            assert produce_legacy(c, 2, topic, 0, legacy_message(0, 1, None, b"x", now + i))[0] == 0
    assert list_offsets_v0(c, "legacy-lo", 0, -1, 5) == (0, [3])
    assert list_offsets_v0(c, "legacy-lo", 0, -2, 5) == (0, [0])
    assert list_offsets_v0(c, "legacy-lo", 0, -1, 0) == (0, [])
    error, _, data = fetch_legacy(c, 2, "legacy-off", 0, 0)
    assert error == UNSUPPORTED_VERSION and data == b""
    error, _, data = fetch_legacy(c, 2, "legacy-lo", 0, 0)
    assert error == 0 and len(parse_legacy(data)) == 3
    c.close()


@pytest.mark.parametrize("version", ["0.10.2.0", "0.9.0.0"])
def test_sarama_with_an_old_protocol_version(broker, version):
    topic = "sarama-" + version.replace(".", "-")
    create_topics(broker, topic)
    produced = sarama("produce", f"--bootstrap={broker.bootstrap}", f"--topic={topic}",
                      "--count=500", "--acks=leader", f"--version={version}")
    assert_all_acked(produced, 500, f"sarama {version}")
    consumed = sarama("consume", f"--bootstrap={broker.bootstrap}", f"--topic={topic}",
                      "--count=500", f"--version={version}")
    assert_exactly_once(consumed, 500, f"sarama {version}")
    assert len(consume_all(broker, topic, 500)) == 500


def test_oldest_admin_versions(broker):
    c = Client(broker.port)
    # CreateTopics v0: topics[name, partitions, replication, assignments, configs], timeout.
    r = c.call(19, 0, False, lambda w: w.arr(["legacy-admin"], lambda w, t: w.str(t).i32(2).i16(1)
                                             .arr([], None).arr([], None)).i32(10000))
    assert r.arr(lambda r: (r.str(), r.i16())) == [("legacy-admin", 0)]
    # DescribeLogDirs v0 (all topics): the new topic's two partitions are there.
    r = c.call(35, 0, False, lambda w: w.i32(-1))
    r.i32()
    dirs = r.arr(lambda r: (r.i16(), r.str(), r.arr(lambda r: (r.str(), r.arr(
        lambda r: (r.i32(), r.i64(), r.i64(), r.bool()))))))
    assert any(t == "legacy-admin" and len(parts) == 2 for _, _, topics in dirs for t, parts in topics)
    # DeleteTopics v0: names, timeout.
    r = c.call(20, 0, False, lambda w: w.arr(["legacy-admin"], lambda w, t: w.str(t)).i32(10000))
    assert r.arr(lambda r: (r.str(), r.i16())) == [("legacy-admin", 0)]
    c.close()


def test_librdkafka_without_api_versions_speaks_the_0_9_protocol(broker):
    """librdkafka told not to ask ApiVersions (api.version.request=false) and to assume a 0.9.0
    broker: it produces magic-0 message sets with Produce v1, fetches with Fetch v1 and runs a
    classic group on v0 requests. Every record comes back, keys and values byte-exact, and a
    modern consumer reads the same records."""
    create_topics(broker, "legacy-rdk")
    old = {"bootstrap.servers": broker.bootstrap, "api.version.request": False,
           "broker.version.fallback": "0.9.0"}
    producer = Producer(old)
    for i in range(200):
        producer.produce("legacy-rdk", key=f"k-{i}".encode(), value=f"v-{i}".encode())
    assert producer.flush(30) == 0
    consumer = Consumer({**old, "group.id": "legacy-rdk-group", "auto.offset.reset": "earliest"})
    consumer.subscribe(["legacy-rdk"])
    seen = []
    deadline = time.monotonic() + 60
    while len(seen) < 200 and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            seen.append((msg.key(), msg.value()))
    consumer.close()
    assert sorted(seen) == sorted((f"k-{i}".encode(), f"v-{i}".encode()) for i in range(200))
    modern = consume_all(broker, "legacy-rdk", 200)
    assert [(m.key(), m.value()) for m in modern] == [(f"k-{i}".encode(), f"v-{i}".encode())
                                                    for i in range(200)]
