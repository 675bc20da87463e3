"""kafka-python 2.0.2 and confluent-kafka (librdkafka) against the real broker: produce, consume in
assign/seek mode, ListOffsets by timestamp and earliest/latest."""
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition as CTopicPartition
from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def test_kafka_python_produce_and_consume_with_seek(broker):
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks=1, linger_ms=5)
    futures = [producer.send("kp", key=b"k%d" % i, value=b"v%d" % i, headers=[("h", b"%d" % i)])
               for i in range(500)]
    producer.flush()
    offsets = [f.get(timeout=10).offset for f in futures]
    assert offsets == list(range(500))
    producer.close()

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, consumer_timeout_ms=3000)
    tp = TopicPartition("kp", 0)
    consumer.assign([tp])
    consumer.seek(tp, 250)
    got = list(consumer)
    assert [m.offset for m in got] == list(range(250, 500))
    assert got[0].key == b"k250" and got[0].value == b"v250"
    assert got[-1].headers == [("h", b"499")]
    assert consumer.end_offsets([tp])[tp] == 500
    assert consumer.beginning_offsets([tp])[tp] == 0
    consumer.close()


def test_kafka_python_offsets_for_times(broker):
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    base = int(time.time() * 1000) - 100_000
    for i in range(10):
        producer.send("times", value=b"m%d" % i, timestamp_ms=base + i * 1000).get(timeout=10)
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap)
    tp = TopicPartition("times", 0)
    found = consumer.offsets_for_times({tp: base + 4500})[tp]
    assert found.offset == 5
    assert found.timestamp == base + 5000
    assert consumer.offsets_for_times({tp: base + 999_999})[tp] is None
    consumer.close()


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_confluent_kafka_produce_and_assign_consume(broker, codec):
    topic = f"ck-{codec}"
    producer = Producer({"bootstrap.servers": broker.bootstrap, "compression.type": codec,
                         "linger.ms": 5, "acks": "all"})
    delivered = []
    for i in range(2000):
        producer.produce(topic, key=b"%d" % i, value=b"payload-%d" % i,
                         headers={"n": b"%d" % i},
                         on_delivery=lambda err, msg: delivered.append((err, msg.offset())))
    assert producer.flush(30) == 0
    assert all(err is None for err, _ in delivered)
    assert sorted(o for _, o in delivered) == list(range(2000))

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused-assign-only",
                         "enable.auto.commit": False})
    consumer.assign([CTopicPartition(topic, 0, 100)])
    seen = []
    deadline = time.monotonic() + 30
    while len(seen) < 1900 and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        seen.append(msg)
    assert [m.offset() for m in seen] == list(range(100, 2000))
    assert seen[0].value() == b"payload-100"
    assert seen[0].headers() == [("n", b"100")]
    low, high = consumer.get_watermark_offsets(CTopicPartition(topic, 0), timeout=10)
    assert (low, high) == (0, 2000)
    ts = seen[10].timestamp()[1]
    found = consumer.offsets_for_times([CTopicPartition(topic, 0, ts)], timeout=10)[0]
    assert 0 <= found.offset <= 110
    consumer.close()
