"""Produce byte-rate quotas against the real sluiced with librdkafka (Debian confluent-kafka): a
producer over its client id's producer_byte_rate is throttled (throttle_time_ms in the response,
its connection muted, KIP-219) to within 10 % of the quota over a bounded run, while a producer
with another client id is not slowed. Benchmark-style: the rate is measured after a warm-up
second, over three seconds; quota.window.num=3 so the measured rate follows the last few seconds (Kafka's 11 would let a
short run burst ten seconds' worth first).
"""
import subprocess
import time

import pytest
from conftest import SOURCE_DIR, Broker, wait_for

from confluent_kafka import Producer

BIN = SOURCE_DIR / "bin"
QUOTA = 200_000  # bytes per second
VALUE = b"x" * 1000


def produce_for(broker, client_id, warmup, measured):
    """Produces as fast as the broker lets; returns value bytes per second delivered after warmup."""
    p = Producer({"bootstrap.servers": broker.bootstrap, "client.id": client_id,
                  "batch.size": 16384, "linger.ms": 5, "acks": 1})
    delivered = []
    start = time.monotonic()

    def on_delivery(err, msg):
        if err is None:
            delivered.append((time.monotonic(), len(msg.value())))

    end = start + warmup + measured
    while time.monotonic() < end:
        try:
            p.produce("quota-topic", VALUE, on_delivery=on_delivery)
        except BufferError:
            p.poll(0.01)
            continue
        p.poll(0)
    p.purge(in_queue=True, in_flight=False)
    p.flush(10)
    # Bytes delivered between the first delivery after the warm-up and the last one before the
    # end, over the time between them: whole batches only, so the rate is not skewed by where a
    # batch falls against the interval's edges.
    window = [(t, n) for t, n in delivered if start + warmup <= t < end]
    assert window, "nothing delivered after the warm-up"
    first, last = window[0][0], window[-1][0]
    if last - first < measured / 2:  # a few large bursts (an unthrottled client): plain count
        return sum(n for _, n in window) / measured
    return sum(n for t, n in window if t > first) / (last - first)


@pytest.fixture
def quota_broker(tmp_path):
    b = Broker(tmp_path / "throttle", overrides={"quota.window.num": "3"}).start()
    yield b
    assert b.stop() == 0


def test_a_producer_over_its_quota_is_throttled_and_others_are_not(quota_broker):
    b = quota_broker
    created = subprocess.run([str(BIN / "kafka-topics.sh"), "--bootstrap-server", b.bootstrap, "--create",
                              "--topic", "quota-topic", "--partitions", "1"], capture_output=True, text=True)
    assert created.returncode == 0, created.stderr
    set_quota = subprocess.run([str(BIN / "kafka-configs.sh"), "--bootstrap-server", b.bootstrap, "--alter",
                                "--entity-type", "clients", "--entity-name", "slow",
                                "--add-config", f"producer_byte_rate={QUOTA}"], capture_output=True, text=True)
    assert set_quota.returncode == 0, set_quota.stderr
    wait_for(lambda: f"clients/slow producer_byte_rate={QUOTA}" in b.log_text(), what="quota applied")

    slow = produce_for(b, "slow", warmup=3.0, measured=4.0)
    print(f"throttled producer: {slow:.0f} B/s against a quota of {QUOTA}")
    assert abs(slow - QUOTA) <= 0.1 * QUOTA, f"throttled producer ran at {slow:.0f} B/s, quota {QUOTA}"
    fast = produce_for(b, "fast", warmup=0.2, measured=1.0)
    assert fast > 3 * QUOTA, f"an unthrottled client id ran at only {fast:.0f} B/s"
