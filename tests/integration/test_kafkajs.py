"""kafkajs 2.2.4 against the real broker (issue #4), through js/producer_consumer.js: its
producer (no compression and gzip, the only codec kafkajs has without plugins; acks -1 and 1;
keys, null keys, null, empty and binary values, headers) and its group consumer (kafkajs has no
group-less consumer) reading everything back byte for byte; what kafkajs wrote read by librdkafka
and what librdkafka wrote read by kafkajs; admin fetchTopicOffsets and
fetchTopicOffsetsByTimestamp; and seeking forward and back."""
import base64
import json
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import kcat, node

PARTITIONS = 3


@pytest.fixture
def broker3(broker_factory):
    """A broker whose auto-created topics have three partitions; it must shut down cleanly."""
    b = broker_factory("kafkajs", overrides={"num.partitions": str(PARTITIONS)}).start()
    yield b
    code = b.stop()
    if code != 0:
        print(b.log_text()[-20000:])
    assert code == 0, f"sluiced did not shut down cleanly (exit {code})"


def message(i, base_ts):
    """Message i exactly as js/producer_consumer.js builds it: (key, value, headers, timestamp)."""
    if i % 97 == 5:
        value = None
    elif i % 50 == 7:
        value = b""
    else:
        value = bytes((i * 31 + j * 7) & 0xFF for j in range(i % 64 + 1))
    key = None if i % 10 == 3 else b"key-%d" % i
    headers = [] if i % 5 == 0 else [("idx", b"%d" % i),
                                     ("bin", bytes([i & 0xFF, 0, 0xFF, (i >> 8) & 0xFF]))]
    return key, value, headers, base_ts + i


def js(*args, timeout=120):
    return json.loads(node("producer_consumer.js", *map(str, args), timeout=timeout))


def unb64(s):
    return None if s is None else base64.b64decode(s)


def js_produce(broker, topic, count, codec, acks, base_ts, first=0):
    offsets = js("produce", broker.bootstrap, topic, first, count, PARTITIONS, codec, acks,
                 base_ts)["offsets"]
    # Message i went to partition i % 3 and, in each partition, offsets follow the send order.
    assert [(i, p) for i, p, _ in offsets] == \
        [(i, i % PARTITIONS) for i in range(first, first + count)]
    per_partition = {}
    for i, p, o in offsets:
        per_partition.setdefault(p, []).append(o)
    for p, offs in per_partition.items():
        assert offs == list(range(offs[0], offs[0] + len(offs))), f"partition {p} offsets not dense"
    return {i: (p, o) for i, p, o in offsets}


def js_consume(broker, topic, group, count):
    got = js("consume", broker.bootstrap, topic, group, count)["messages"]
    return [(p, o, unb64(k), unb64(v), [(hk, unb64(hv)) for hk, hv in h], ts)
            for p, o, k, v, h, ts in got]


def confluent_read(broker, topic, count):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused-assign-only",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    got = []
    deadline = time.monotonic() + 30
    while len(got) < count and time.monotonic() < deadline:
        m = consumer.poll(0.5)
        if m is None or m.error():
            continue
        got.append((m.partition(), m.offset(), m.key(), m.value(), m.headers() or [],
                    m.timestamp()[1]))
    consumer.close()
    return got


def expected_rows(placed, base_ts):
    rows = {}
    for i, (p, o) in placed.items():
        key, value, headers, ts = message(i, base_ts)
        rows[(p, o)] = (key, value, headers, ts)
    return rows


@pytest.mark.parametrize("codec,acks", [("none", -1), ("none", 1), ("gzip", -1), ("gzip", 1)])
def test_kafkajs_produces_and_its_group_consumer_reads_back_byte_exact(broker3, codec, acks):
    topic, count = f"js-{codec}-{'all' if acks == -1 else acks}", 3000
    base_ts = int(time.time() * 1000) - 3_600_000
    placed = js_produce(broker3, topic, count, codec, acks, base_ts)
    assert sorted(placed.values()) == sorted((p, o) for p in range(PARTITIONS)
                                             for o in range(count // PARTITIONS))
    want = expected_rows(placed, base_ts)

    got = js_consume(broker3, topic, f"g-{topic}", count)
    assert len(got) == count
    assert len({(p, o) for p, o, *_ in got}) == count, "a message delivered twice"
    for p, o, key, value, headers, ts in got:
        assert (key, value, headers, ts) == want[(p, o)], f"message at {p}/{o}"
    # Per partition the group consumer reads in offset order.
    for p in range(PARTITIONS):
        offs = [o for pp, o, *_ in got if pp == p]
        assert offs == sorted(offs)

    # librdkafka reads the same bytes (what kafkajs wrote is what the broker stored).
    other = confluent_read(broker3, topic, count)
    assert len(other) == count
    for p, o, key, value, headers, ts in other:
        assert (key, value, headers, ts) == want[(p, o)], f"message at {p}/{o} (librdkafka)"


@pytest.mark.parametrize("codec", ["none", "gzip"])
def test_kafkajs_reads_what_librdkafka_produced(broker3, codec):
    topic, count = f"rd-{codec}", 2000
    base_ts = int(time.time() * 1000) - 3_600_000
    producer = Producer({"bootstrap.servers": broker3.bootstrap, "compression.type": codec,
                         "linger.ms": 5, "acks": "all"})
    placed, errors = {}, []

    def on_delivery(i):
        return lambda err, msg: errors.append(err) if err else placed.__setitem__(
            i, (msg.partition(), msg.offset()))

    for i in range(count):
        key, value, headers, ts = message(i, base_ts)
        producer.produce(topic, key=key, value=value, headers=headers or None,
                         partition=i % PARTITIONS, timestamp=ts, on_delivery=on_delivery(i))
        producer.poll(0)
    assert producer.flush(30) == 0
    assert not errors and len(placed) == count
    want = expected_rows(placed, base_ts)
    got = js_consume(broker3, topic, f"g-{topic}", count)
    assert len({(p, o) for p, o, *_ in got}) == count
    for p, o, key, value, headers, ts in got:
        assert (key, value, headers, ts) == want[(p, o)], f"message at {p}/{o}"


def test_kafkajs_admin_topic_offsets_and_by_timestamp(broker3):
    topic, count = "js-offsets", 30
    base_ts = int(time.time() * 1000) - 3_600_000
    placed = js_produce(broker3, topic, count, "none", -1, base_ts)
    # Message i has timestamp base+i and sits in partition i % 3 at offset i // 3.
    assert placed == {i: (i % PARTITIONS, i // PARTITIONS) for i in range(count)}
    probe = [base_ts + 13, base_ts + 12, base_ts, base_ts - 1000, base_ts + 10_000]
    seen = js("offsets", broker3.bootstrap, topic, *probe)
    by_partition = lambda rows, field: {r["partition"]: int(r[field]) for r in rows}
    assert by_partition(seen["before"], "high") == {0: 10, 1: 10, 2: 10}
    assert by_partition(seen["before"], "low") == {0: 0, 1: 0, 2: 0}
    assert by_partition(seen["after"], "low") == {0: 5, 1: 0, 2: 0}
    assert by_partition(seen["after"], "high") == {0: 10, 1: 10, 2: 10}

    def first_at_or_after(p, ts):
        later = [i // PARTITIONS for i in range(count) if i % PARTITIONS == p and base_ts + i >= ts]
        return min(later) if later else 10  # kafkajs answers the high watermark when none is

    for ts in probe:
        got = by_partition(seen["byTimestamp"][str(ts)], "offset")
        want = {p: first_at_or_after(p, ts) for p in range(PARTITIONS)}
        # Partition 0 starts at 5 now: earlier timestamps find its first remaining record.
        want[0] = max(want[0], 5)
        assert got == want, f"timestamp base+{ts - base_ts}"


def test_kafkajs_seek_forward_and_back(broker3):
    topic = "js-seek"
    base_ts = int(time.time() * 1000) - 3_600_000
    js_produce(broker3, topic, 600, "gzip", 1, base_ts)  # 200 per partition
    seen = js("seek", broker3.bootstrap, topic, "g-seek", 1, 150, 20, 30)
    assert seen["end"] == 200
    assert seen["beforeSeek"] == 1
    assert seen["afterForward"] == list(range(150, 200))
    assert seen["afterBack"] == list(range(20, 50))


# --- idempotence and transactions -------------------------------------------------------------------

def txn(*args, timeout=240):
    return json.loads(node("transactions.js", *map(str, args), timeout=timeout))


def test_kafkajs_idempotent_producer_writes_each_message_once(broker3):
    assert txn("idempotent", broker3.bootstrap, "js-idem", 2000) == {"acked": 2000}
    got = txn("read", broker3.bootstrap, "js-idem", "js-idem-reader", "read_uncommitted", 2000)
    assert sorted(int(v) for v in got["values"]) == list(range(2000))


def test_kafkajs_consume_transform_produce_commits_and_aborts(broker3):
    kcat("-b", broker3.bootstrap, "-P", "-t", "js-in", "-p", "0",
         input=b"".join(b"%d\n" % i for i in range(200)))
    out = txn("ctp", broker3.bootstrap, "js-in", "js-out", "js-ctp", 200, 40)
    assert out["aborted"] >= 1 and len(out["committed"]) == 200
    committed = txn("read", broker3.bootstrap, "js-out", "js-out-rc", "read_committed", 200)
    assert sorted(committed["values"]) == sorted(out["committed"])
    everything = txn("read", broker3.bootstrap, "js-out", "js-out-ru", "read_uncommitted", 240)
    assert len(everything["values"]) > len(committed["values"])  # the aborted copies are in the log
