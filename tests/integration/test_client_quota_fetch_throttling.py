"""Fetch byte-rate quotas against the real sluiced with librdkafka (Debian confluent-kafka): a
consumer over its client id's consumer_byte_rate gets empty responses with throttle_time_ms and
its connection muted (KIP-219, as Kafka's handleFetchRequest), which holds it at most 10 % over
its quota over a bounded run, while a consumer with another client id is not slowed.
quota.window.num=3, as in the producer test; the throttled consumer then moves in bursts, three
seconds apart, so the rate is taken over its whole run of four such cycles.
"""
import subprocess
import time

import pytest
from conftest import SOURCE_DIR, Broker, wait_for

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

BIN = SOURCE_DIR / "bin"
QUOTA = 200_000  # bytes per second
VALUE = b"x" * 1000
MESSAGES = 4500  # enough for the throttled run (~2.6 MB) and the fast one


def consume_for(broker, client_id, seconds):
    """Consumes from the start as fast as the broker lets for `seconds`; returns the value bytes
    received and the messages."""
    c = Consumer({"bootstrap.servers": broker.bootstrap, "client.id": client_id,
                  "group.id": f"g-{client_id}", "enable.auto.commit": False,
                  "fetch.max.bytes": 32768, "max.partition.fetch.bytes": 16384, "message.max.bytes": 32768,
                  "fetch.wait.max.ms": 100})
    c.assign([TopicPartition("quota-topic", 0, OFFSET_BEGINNING)])
    received, count = 0, 0
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            for m in c.consume(num_messages=500, timeout=0.05):
                if m.error() is None:
                    received += len(m.value())
                    count += 1
    finally:
        c.close()
    return received, count


@pytest.fixture
def quota_broker(tmp_path):
    b = Broker(tmp_path / "fetch-throttle", overrides={"quota.window.num": "3"}).start()
    yield b
    assert b.stop() == 0


def run(*args):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_a_consumer_over_its_quota_is_throttled_and_others_are_not(quota_broker):
    b = quota_broker
    run(BIN / "kafka-topics.sh", "--bootstrap-server", b.bootstrap, "--create", "--topic", "quota-topic",
        "--partitions", "1")
    p = Producer({"bootstrap.servers": b.bootstrap, "client.id": "loader", "linger.ms": 5,
                  "batch.size": 16384})
    for _ in range(MESSAGES):
        p.produce("quota-topic", VALUE)
        p.poll(0)
    assert p.flush(20) == 0
    run(BIN / "kafka-configs.sh", "--bootstrap-server", b.bootstrap, "--alter", "--entity-type", "clients",
        "--entity-name", "slow", "--add-config", f"consumer_byte_rate={QUOTA}")
    wait_for(lambda: f"clients/slow consumer_byte_rate={QUOTA}" in b.log_text(), what="quota applied")

    # With quota.window.num=3 Kafka's rate lets a consumer take a burst of two windows' worth,
    # throttles it until the oldest sample expires, and so on, in cycles of three windows; over a
    # run of whole cycles it is held to its quota. Four cycles (12 s): at two, where a cycle's
    # edge falls weighs enough that a loaded machine (ctest -j2) measured 13 % over.
    run_seconds = 12.0
    slow, count = consume_for(b, "slow", run_seconds)
    assert count < MESSAGES, "ran out of data: the rate measured is not the broker's"
    rate = slow / run_seconds
    print(f"throttled consumer: {rate:.0f} B/s against a quota of {QUOTA}")
    # The bound that matters is the upper one: the quota holds. The lower one only shows the
    # consumer is paced rather than starved; it is loose because the run can end inside a
    # throttle pause, which on a loaded CI machine measured 11 % under the quota.
    assert rate <= 1.1 * QUOTA, f"throttled consumer ran at {rate:.0f} B/s, over its quota {QUOTA}"
    assert rate >= 0.7 * QUOTA, f"throttled consumer ran at {rate:.0f} B/s, far under its quota {QUOTA}"
    fast, _ = consume_for(b, "fast", 1.5)
    assert fast > 3 * QUOTA * 1.5, f"an unthrottled client id took only {fast} B in 1.5 s"
