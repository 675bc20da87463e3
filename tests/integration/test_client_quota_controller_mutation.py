"""controller_mutation_rate (KIP-599) against the real sluiced over the raw wire: CreateTopics
beyond a client's rate of partition mutations is answered THROTTLING_QUOTA_EXCEEDED with a
throttle time in v6+ (strict), while v5 (permissive) creates everything and only throttles;
another client id is not limited.
"""
import subprocess

import pytest
from conftest import SOURCE_DIR, Broker, wait_for
from kafka_wire import Client

BIN = SOURCE_DIR / "bin"
THROTTLING_QUOTA_EXCEEDED = 89


def create_topics(c, v, topics):
    """topics: (name, partitions); returns (throttle_time_ms, {name: error code})."""
    flex = v >= 5

    def topic(w, t):
        w.str(t[0]).i32(t[1]).i16(-1).arr([], None).arr([], None).tags()

    r = c.call(19, v, flex, lambda w: w.arr(topics, topic).i32(30000).bool(False).tags())
    throttle = r.i32()

    def result(r):
        name = r.str()
        if v >= 7:
            r.uuid()
        error = r.i16()
        r.str()
        if v >= 5:
            r.i32(), r.i16()
            r.arr(lambda r: (r.str(), r.str(), r.bool(), r.i8(), r.bool(), r.tags()))
        r.tags()
        return name, error

    return throttle, dict(r.arr(result))


@pytest.fixture
def quota_broker(tmp_path):
    b = Broker(tmp_path / "mutation-quota", overrides={"quota.window.num": "3"}).start()
    yield b
    assert b.stop() == 0


def set_rate(b, client_id, rate):
    r = subprocess.run([str(BIN / "kafka-configs.sh"), "--bootstrap-server", b.bootstrap, "--alter",
                        "--entity-type", "clients", "--entity-name", client_id,
                        "--add-config", f"controller_mutation_rate={rate}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    wait_for(lambda: f"clients/{client_id} controller_mutation_rate={rate}" in b.log_text(),
             what="quota applied")


def test_create_topics_beyond_the_rate_is_refused_or_throttled(quota_broker):
    b = quota_broker
    # 2 partitions a second over 3 one-second windows: a burst of 6 partitions.
    set_rate(b, "mutator", 2)
    c = Client(b.port, client_id="mutator")
    throttle, errors = create_topics(c, 6, [("a", 6), ("b", 4), ("c", 1)])
    # a empties the bucket, b may still go (it is not below zero yet) and takes it to -4, c is
    # refused and told to wait the two seconds -4 takes to refill.
    assert errors == {"a": 0, "b": 0, "c": THROTTLING_QUOTA_EXCEEDED}
    assert 1500 <= throttle <= 2000, throttle
    c.close()

    # Another client id is not limited.
    other = Client(b.port, client_id="other")
    assert create_topics(other, 6, [("d", 20)]) == (0, {"d": 0})
    other.close()

    # v5 does not know THROTTLING_QUOTA_EXCEEDED: everything is created, the client throttled.
    set_rate(b, "old", 2)
    old = Client(b.port, client_id="old")
    throttle, errors = create_topics(old, 5, [("e", 6), ("f", 4), ("g", 2)])
    assert errors == {"e": 0, "f": 0, "g": 0}
    assert 2500 <= throttle <= 3000, throttle
    old.close()
