"""Request-time quotas (request_percentage, Kafka's ClientRequestQuotaManager) against the real
sluiced over the raw wire: a client id that spends more than its share of a request thread gets
responses with throttle_time_ms (at most one quota window) and its connection muted that long,
while another client id is never throttled; ApiVersions is exempt, as in Kafka.
"""
import subprocess
import time

import pytest
from conftest import SOURCE_DIR, Broker, wait_for
from kafka_wire import Client

BIN = SOURCE_DIR / "bin"


def metadata_throttle(c):
    """Metadata v4 for every topic; returns the response's throttle_time_ms."""
    return c.call(3, 4, False, lambda w: w.i32(-1).bool(False)).i32()


def api_versions_ok(c):
    return c.call(18, 0, False, lambda w: None).i16() == 0


@pytest.fixture
def quota_broker(tmp_path):
    b = Broker(tmp_path / "request-quota", overrides={"quota.window.num": "3"}).start()
    yield b
    assert b.stop() == 0


def test_a_client_over_its_request_time_is_throttled_and_others_are_not(quota_broker):
    b = quota_broker
    # 0.1 % of a thread: 1 ms of handler time per second, which a few hundred requests exceed.
    r = subprocess.run([str(BIN / "kafka-configs.sh"), "--bootstrap-server", b.bootstrap, "--alter",
                        "--entity-type", "clients", "--entity-name", "busy",
                        "--add-config", "request_percentage=0.1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    wait_for(lambda: "clients/busy request_percentage=0.1" in b.log_text(), what="quota applied")

    busy = Client(b.port, client_id="busy")
    throttle = 0
    for _ in range(5000):
        throttle = metadata_throttle(busy)
        if throttle > 0:
            break
    assert 0 < throttle <= 1000, f"never throttled within 5000 requests (last {throttle})"
    # The connection is muted for the throttle time: the next request waits for it.
    started = time.monotonic()
    assert api_versions_ok(busy)
    assert time.monotonic() - started >= 0.5 * throttle / 1000
    busy.close()

    other = Client(b.port, client_id="other")
    for _ in range(1000):
        assert metadata_throttle(other) == 0
    other.close()


def test_a_fetch_over_its_request_time_is_answered_empty(quota_broker):
    """As Kafka's handleFetchRequest: a Fetch whose request time puts its client over
    request_percentage gets no records, only the throttle time (the records are not charged to
    its byte rate either); under the quota the same Fetch returns the records."""
    from confluent_kafka import Producer
    b = quota_broker
    p = Producer({"bootstrap.servers": b.bootstrap})
    for i in range(10):
        p.produce("fetched", f"m{i}".encode())
    assert p.flush(20) == 0
    r = subprocess.run([str(BIN / "kafka-configs.sh"), "--bootstrap-server", b.bootstrap, "--alter",
                        "--entity-type", "clients", "--entity-name", "busy-fetch",
                        "--add-config", "request_percentage=0.1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    wait_for(lambda: "clients/busy-fetch request_percentage=0.1" in b.log_text(), what="quota applied")

    def fetch(c):
        """Fetch v4 of fetched-0 from offset 0: (throttle_time_ms, record bytes per partition)."""
        def build(w):
            w.i32(-1).i32(0).i32(0).i32(1 << 20).i8(0).arr(
                ["fetched"], lambda w, t: w.str(t).arr([0], lambda w, p: w.i32(p).i64(0).i32(1 << 20)))
        resp = c.call(1, 4, False, build)
        throttle = resp.i32()
        topics = resp.arr(lambda r: (r.str(), r.arr(lambda r: (
            r.i32(), r.i16(), r.i64(), r.i64(),
            r.arr(lambda r: (r.i64(), r.i64())), r.records()))))
        return throttle, [len(part[5] or b"") for _, parts in topics for part in parts]

    busy = Client(b.port, client_id="busy-fetch")
    throttle, sizes = fetch(busy)
    assert throttle == 0 and sizes and sizes[0] > 0, (throttle, sizes)
    for _ in range(5000):
        throttle, sizes = fetch(busy)
        if throttle > 0:
            break
    assert 0 < throttle <= 1000, f"never throttled within 5000 fetches (last {throttle})"
    assert sizes == [], f"a throttled fetch carried records: {sizes}"
    busy.close()
