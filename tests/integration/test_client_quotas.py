"""DescribeClientQuotas and AlterClientQuotas (v0 and v1) against the real sluiced over the raw
protocol: user, client-id and user+client-id entities with defaults, filters (exact, default,
any, strict), Kafka's validation errors, validate_only, and a restart keeping what was set
(the embedded store's state file).
"""
import struct

import pytest
from conftest import Broker
from kafka_wire import Client

INVALID_REQUEST = 42


def _f64(w, v):
    w.b += struct.pack(">d", v)


def alter(c, v, entries, validate_only=False):
    """entries: [(entity [(type, name)], ops [(key, value or None to remove)])]."""
    flex = v >= 1

    def entity(w, e):
        w.str(e[0]).str(e[1]).tags()

    def op(w, o):
        w.str(o[0])
        _f64(w, 0.0 if o[1] is None else o[1])
        w.bool(o[1] is None).tags()

    def entry(w, e):
        w.arr(e[0], entity).arr(e[1], op).tags()

    r = c.call(49, v, flex, lambda w: w.arr(entries, entry).bool(validate_only).tags())
    r.i32()

    def result(r):
        code, message = r.i16(), r.str()
        ent = r.arr(lambda r: (r.str(), r.str(), r.tags())[:2])
        r.tags()
        return code, message, ent
    return r.arr(result)


def describe(c, v, components, strict=False):
    """components: [(type, match_type, match)]; returns (error, message, {entity: {key: value}})."""
    flex = v >= 1

    def component(w, x):
        w.str(x[0]).i8(x[1]).str(x[2]).tags()

    r = c.call(48, v, flex, lambda w: w.arr(components, component).bool(strict).tags())
    r.i32()
    code, message = r.i16(), r.str()

    def entry(r):
        ent = tuple(r.arr(lambda r: (r.str(), r.str(), r.tags())[:2]))
        values = dict(r.arr(lambda r: (r.str(), r._take(">d"), r.tags())[:2]))
        r.tags()
        return ent, values
    entries = r.arr(entry)
    return code, message, None if entries is None else dict(entries)


@pytest.fixture
def quota_broker(tmp_path):
    b = Broker(tmp_path / "quotas").start()
    yield b
    assert b.stop() == 0


@pytest.mark.parametrize("v", [0, 1])
def test_alter_then_describe_every_entity_kind(quota_broker, v):
    c = Client(quota_broker.port)
    results = alter(c, v, [
        ([("client-id", "app")], [("producer_byte_rate", 1024), ("consumer_byte_rate", 2048)]),
        ([("user", "alice")], [("request_percentage", 50)]),
        ([("user", "alice"), ("client-id", None)], [("producer_byte_rate", 10)]),
        ([("user", None)], [("controller_mutation_rate", 5)]),
    ])
    assert [r[0] for r in results] == [0, 0, 0, 0], results
    assert results[2][2] == [("user", "alice"), ("client-id", None)]

    code, _, all_ = describe(c, v, [])
    assert code == 0
    assert all_ == {
        (("client-id", "app"),): {"producer_byte_rate": 1024.0, "consumer_byte_rate": 2048.0},
        (("user", "alice"),): {"request_percentage": 50.0},
        (("user", "alice"), ("client-id", None)): {"producer_byte_rate": 10.0},
        (("user", None),): {"controller_mutation_rate": 5.0},
    }
    # Exact, default and any matches; strict leaves out entities with other types.
    assert set(describe(c, v, [("user", 0, "alice")])[2]) == {
        (("user", "alice"),), (("user", "alice"), ("client-id", None))}
    assert set(describe(c, v, [("user", 0, "alice")], strict=True)[2]) == {(("user", "alice"),)}
    assert set(describe(c, v, [("user", 1, None)])[2]) == {(("user", None),)}
    assert set(describe(c, v, [("client-id", 2, None)], strict=True)[2]) == {(("client-id", "app"),)}

    # Removing a key; removing the last one drops the entity from the description.
    assert alter(c, v, [([("client-id", "app")], [("producer_byte_rate", None)])])[0][0] == 0
    assert describe(c, v, [("client-id", 0, "app")])[2] == {
        (("client-id", "app"),): {"consumer_byte_rate": 2048.0}}
    c.close()


def test_bad_requests_are_refused_as_kafka_refuses_them(quota_broker):
    c = Client(quota_broker.port)
    bad = alter(c, 1, [
        ([("user", "a")], [("bogus_key", 1)]),
        ([("user", "a")], [("producer_byte_rate", 1.5)]),
        ([("user", "a"), ("user", "b")], [("producer_byte_rate", 1)]),
        ([], [("producer_byte_rate", 1)]),
        ([("client-id", "ok")], [("producer_byte_rate", 7)]),
    ])
    assert [r[0] for r in bad] == [INVALID_REQUEST] * 4 + [0]
    assert "bogus_key" in bad[0][1]
    code, message, entries = describe(c, 1, [("user", 0, "a"), ("user", 0, "b")])
    assert code == INVALID_REQUEST and entries is None and "Duplicate" in message
    # validate_only writes nothing.
    assert alter(c, 1, [([("client-id", "dry")], [("producer_byte_rate", 1)])], True)[0][0] == 0
    assert describe(c, 1, [("client-id", 0, "dry")])[2] == {}
    c.close()


def test_quotas_survive_a_restart(tmp_path):
    b = Broker(tmp_path / "restart").start()
    c = Client(b.port)
    assert alter(c, 1, [([("user", "u1")], [("consumer_byte_rate", 4096)])])[0][0] == 0
    c.close()
    assert b.stop() == 0
    b.start()
    try:
        c = Client(b.port)
        assert describe(c, 1, [])[2] == {(("user", "u1"),): {"consumer_byte_rate": 4096.0}}
        c.close()
    finally:
        assert b.stop() == 0
