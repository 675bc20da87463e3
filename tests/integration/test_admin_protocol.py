"""Admin APIs at every advertised version, spoken on a raw socket against the real sluiced.

kafka-python, librdkafka and kafkajs only reach the low versions of these APIs (FACTS.md §4.1),
and none of them sends IncrementalAlterConfigs, DescribeCluster or DescribeTopicPartitions. Java
clients use the high versions, so each is exercised here with a small hand-written encoder:
CreateTopics v2-7, DeleteTopics v1-6, CreatePartitions v0-3, DescribeConfigs v1-4,
AlterConfigs v0-2, IncrementalAlterConfigs v0-1, DescribeCluster v0-1, DescribeTopicPartitions v0
and DescribeLogDirs v1-4. Live application of topic configs (segment.bytes, retention.ms) is
checked on disk and through ListOffsets.
"""
import pathlib
import time

import pytest
from conftest import Broker
from kafka_wire import R, Client

# --- request builders and response parsers, per API ----------------------------------------------

def api_versions(c):
    r = c.call(18, 0, False, lambda w: None)
    assert r.i16() == 0
    return {k: (lo, hi) for k, lo, hi in r.arr(lambda r: (r.i16(), r.i16(), r.i16()))}


def create_topics(c, v, topics, validate_only=False):
    """topics: dicts with name, partitions, rf, and optionally assignment {index: [brokers]}, configs."""
    flex = v >= 5

    def topic(w, t):
        w.str(t["name"]).i32(t.get("partitions", -1)).i16(t.get("rf", -1))
        w.arr(sorted(t.get("assignment", {}).items()),
              lambda w, a: w.i32(a[0]).arr(a[1], lambda w, b: w.i32(b)).tags())
        w.arr(sorted(t.get("configs", {}).items()), lambda w, kv: w.str(kv[0]).str(kv[1]).tags())
        w.tags()

    r = c.call(19, v, flex, lambda w: w.arr(topics, topic).i32(30000).bool(validate_only).tags())
    r.i32()  # throttle

    def result(r):
        out = {"name": r.str()}
        if v >= 7:
            out["topic_id"] = r.uuid()
        out["error"] = r.i16()
        out["message"] = r.str()
        if v >= 5:
            out["partitions"] = r.i32()
            out["rf"] = r.i16()
            out["configs"] = {
                c[0]: c for c in (r.arr(lambda r: _creatable_config(r)) or [])}
        r.tags()
        return out

    return r.arr(result)


def _creatable_config(r):
    entry = (r.str(), r.str(), r.bool(), r.i8(), r.bool())  # name, value, read_only, source, sensitive
    r.tags()
    return entry


def delete_topics(c, v, names=(), ids=()):
    flex = v >= 4

    def build(w):
        if v >= 6:
            wanted = [(n, bytes(16)) for n in names] + [(None, i) for i in ids]
            w.arr(wanted, lambda w, t: w.str(t[0]).uuid(t[1]).tags())
        else:
            w.arr(list(names), lambda w, n: w.str(n))
        w.i32(30000).tags()

    r = c.call(20, v, flex, build)
    r.i32()

    def result(r):
        out = {"name": r.str()}
        if v >= 6:
            out["topic_id"] = r.uuid()
        out["error"] = r.i16()
        if v >= 5:
            out["message"] = r.str()
        r.tags()
        return out

    return r.arr(result)


def create_partitions(c, v, topics, validate_only=False):
    """topics: (name, count, assignment or None)"""
    flex = v >= 2

    def topic(w, t):
        w.str(t[0]).i32(t[1])
        w.arr(t[2], lambda w, brokers: w.arr(brokers, lambda w, b: w.i32(b)).tags())
        w.tags()

    r = c.call(37, v, flex, lambda w: w.arr(topics, topic).i32(30000).bool(validate_only).tags())
    r.i32()

    def result(r):
        out = (r.str(), r.i16(), r.str())
        r.tags()
        return out

    return r.arr(result)


def describe_configs(c, v, resources, synonyms=False, docs=False):
    """resources: (type, name, keys or None); returns [(error, message, type, name, {config: dict})]."""
    flex = v >= 4

    def build(w):
        w.arr(resources, lambda w, res: w.i8(res[0]).str(res[1]).arr(res[2], lambda w, k: w.str(k)).tags())
        w.bool(synonyms)
        if v >= 3:
            w.bool(docs)
        w.tags()

    r = c.call(32, v, flex, build)
    r.i32()

    def config(r):
        e = {"name": r.str(), "value": r.str(), "read_only": r.bool(), "source": r.i8(),
             "sensitive": r.bool()}

        def synonym(r):
            s = (r.str(), r.str(), r.i8())
            r.tags()
            return s

        e["synonyms"] = r.arr(synonym)
        if v >= 3:
            e["type"] = r.i8()
            e["doc"] = r.str()
        r.tags()
        return e

    def result(r):
        out = (r.i16(), r.str(), r.i8(), r.str(), {e["name"]: e for e in r.arr(config)})
        r.tags()
        return out

    return r.arr(result)


def alter_configs(c, v, resources, validate_only=False):
    """resources: (type, name, {key: value}); returns [(error, message, type, name)]."""
    flex = v >= 2
    r = c.call(33, v, flex, lambda w: w.arr(
        resources, lambda w, res: w.i8(res[0]).str(res[1]).arr(
            sorted(res[2].items()), lambda w, kv: w.str(kv[0]).str(kv[1]).tags()).tags()
    ).bool(validate_only).tags())
    return _alter_response(r)


SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3


def incremental_alter_configs(c, v, resources, validate_only=False):
    """resources: (type, name, [(key, op, value)])."""
    flex = v >= 1
    r = c.call(44, v, flex, lambda w: w.arr(
        resources, lambda w, res: w.i8(res[0]).str(res[1]).arr(
            res[2], lambda w, op: w.str(op[0]).i8(op[1]).str(op[2]).tags()).tags()
    ).bool(validate_only).tags())
    return _alter_response(r)


def _alter_response(r):
    r.i32()

    def result(r):
        out = (r.i16(), r.str(), r.i8(), r.str())
        r.tags()
        return out

    return r.arr(result)


def describe_cluster(c, v, endpoint_type=1, include_ops=False):
    def build(w):
        w.bool(include_ops)
        if v >= 1:
            w.i8(endpoint_type)
        w.tags()

    r = c.call(60, v, True, build)
    out = {"throttle": r.i32(), "error": r.i16(), "message": r.str()}
    if v >= 1:
        out["endpoint_type"] = r.i8()
    out["cluster_id"] = r.str()
    out["controller"] = r.i32()

    def broker(r):
        b = (r.i32(), r.str(), r.i32(), r.str())
        r.tags()
        return b

    out["brokers"] = r.arr(broker)
    out["ops"] = r.i32()
    r.tags()
    return out


def describe_topic_partitions(c, topics, limit=2000, cursor=None):
    def build(w):
        w.arr(topics, lambda w, t: w.str(t).tags()).i32(limit)
        if cursor is None:
            w.i8(-1)
        else:
            w.i8(1).str(cursor[0]).i32(cursor[1]).tags()
        w.tags()

    r = c.call(75, 0, True, build)
    r.i32()

    def partition(r):
        p = {"error": r.i16(), "index": r.i32(), "leader": r.i32(), "epoch": r.i32(),
             "replicas": r.arr(R.i32), "isr": r.arr(R.i32), "elr": r.arr(R.i32),
             "last_elr": r.arr(R.i32), "offline": r.arr(R.i32)}
        r.tags()
        return p

    def topic(r):
        t = {"error": r.i16(), "name": r.str(), "id": r.uuid(), "internal": r.bool(),
             "partitions": r.arr(partition), "ops": r.i32()}
        r.tags()
        return t

    topics_out = r.arr(topic)
    next_cursor = None
    if r.i8() >= 0:
        next_cursor = (r.str(), r.i32())
        r.tags()
    r.tags()
    return topics_out, next_cursor


def describe_log_dirs(c, v, topics=None):
    flex = v >= 2
    r = c.call(35, v, flex, lambda w: w.arr(
        topics, lambda w, t: w.str(t[0]).arr(t[1], lambda w, p: w.i32(p)).tags()).tags())
    r.i32()
    top_error = r.i16() if v >= 3 else 0

    def partition(r):
        p = (r.i32(), r.i64(), r.i64(), r.bool())
        r.tags()
        return p

    def topic(r):
        t = (r.str(), r.arr(partition))
        r.tags()
        return t

    def result(r):
        out = {"error": r.i16(), "dir": r.str(), "topics": {n: ps for n, ps in r.arr(topic)}}
        if v >= 4:
            out["total"], out["usable"] = r.i64(), r.i64()
        r.tags()
        return out

    return top_error, r.arr(result)


TOPIC, BROKER, BROKER_LOGGER = 2, 4, 8

# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("admin-protocol"),
               overrides={"num.partitions": "2", "log.retention.check.interval.ms": "200"}).start()
    yield b
    assert b.stop() == 0, b.log_text()


@pytest.fixture
def client(shared_broker):
    c = Client(shared_broker.port)
    yield c
    c.close()


def topic_names(c):
    topics, _ = describe_topic_partitions(c, [])
    return {t["name"] for t in topics}


# --- tests ----------------------------------------------------------------------------------------

def test_api_versions_advertise_the_admin_ranges(client):
    versions = api_versions(client)
    assert versions[19] == (0, 7)  # CreateTopics
    assert versions[20] == (0, 6)  # DeleteTopics
    assert versions[32] == (0, 4)  # DescribeConfigs
    assert versions[33] == (0, 2)  # AlterConfigs
    assert versions[35] == (0, 5)  # DescribeLogDirs (v5: Kafka 4.x, IsCordoned)
    assert versions[37] == (0, 3)  # CreatePartitions
    assert versions[44] == (0, 1)  # IncrementalAlterConfigs
    assert versions[60] == (0, 2)  # DescribeCluster (v2: Kafka 4.x, IsFenced)
    assert versions[75] == (0, 0)  # DescribeTopicPartitions


@pytest.mark.parametrize("v", range(2, 8))
def test_create_topics_every_version(client, v):
    name = f"created-v{v}"
    [res] = create_topics(client, v, [{"name": name, "partitions": 3, "rf": 1,
                                        "configs": {"retention.ms": "123456"}}])
    assert (res["name"], res["error"]) == (name, 0), res
    if v >= 5:
        assert (res["partitions"], res["rf"]) == (3, 1)
        assert res["configs"]["retention.ms"][1:4] == ("123456", False, 1)  # DYNAMIC_TOPIC_CONFIG
        assert res["configs"]["cleanup.policy"][1:4] == ("delete", False, 5)  # DEFAULT_CONFIG
    topics, _ = describe_topic_partitions(client, [name])
    assert len(topics[0]["partitions"]) == 3
    if v >= 7:
        assert res["topic_id"] == topics[0]["id"] and res["topic_id"] != bytes(16)

    [again] = create_topics(client, v, [{"name": name, "partitions": 1, "rf": 1}])
    assert again["error"] == 36 and again["message"] == f"Topic '{name}' already exists."
    if v >= 5:
        assert (again["partitions"], again["rf"], again["configs"]) == (-1, -1, {})


def test_create_topics_errors(client):
    v = 7
    results = create_topics(client, v, [
        {"name": "dup", "partitions": 1, "rf": 1},
        {"name": "dup", "partitions": 1, "rf": 1},
        {"name": "zero-partitions", "partitions": 0, "rf": 1},
        {"name": "rf-three", "partitions": 1, "rf": 3},
        {"name": "bad-config", "partitions": 1, "rf": 1, "configs": {"retention.ms": "soon"}},
        {"name": "unknown-config", "partitions": 1, "rf": 1, "configs": {"no.such.key": "1"}},
        {"name": "bad name!", "partitions": 1, "rf": 1},
        {"name": "__consumer_offsets", "partitions": 1, "rf": 1},
        {"name": "both", "partitions": 2, "rf": 1, "assignment": {0: [1]}},
        {"name": "bad-assignment", "assignment": {0: [1], 2: [1]}},
        {"name": "null-config", "partitions": 1, "rf": 1, "configs": {"retention.ms": None}},
    ])
    errors = [(r["name"], r["error"]) for r in results]
    assert errors == [("dup", 42), ("dup", 42), ("zero-partitions", 37), ("rf-three", 38),
                      ("bad-config", 40), ("unknown-config", 40), ("bad name!", 17),
                      ("__consumer_offsets", 42), ("both", 42), ("bad-assignment", 39),
                      ("null-config", 40)]
    assert results[0]["message"] == "Found multiple entries for this topic."
    assert "retention.ms" in results[4]["message"] and "soon" in results[4]["message"]
    assert results[5]["message"] == "Unknown topic config name: no.such.key"
    assert not {"dup", "zero-partitions", "rf-three", "bad-config"} & topic_names(client)


def test_create_topics_defaults_assignment_and_validate_only(client):
    results = create_topics(client, 7, [
        {"name": "defaults"},  # -1/-1: num.partitions=2 of this broker
        {"name": "assigned", "assignment": {0: [1], 1: [1], 2: [1]}},
    ])
    assert [(r["error"], r["partitions"], r["rf"]) for r in results] == [(0, 2, 1), (0, 3, 1)]

    [checked] = create_topics(client, 7, [{"name": "only-checked", "partitions": 4, "rf": 1}],
                              validate_only=True)
    assert (checked["error"], checked["partitions"], checked["topic_id"]) == (0, 4, bytes(16))
    assert "only-checked" not in topic_names(client)


@pytest.mark.parametrize("v", range(1, 7))
def test_delete_topics_every_version(client, v):
    name = f"doomed-v{v}"
    assert create_topics(client, 4, [{"name": name, "partitions": 1, "rf": 1}])[0]["error"] == 0
    [res] = delete_topics(client, v, names=[name])
    assert (res["name"], res["error"]) == (name, 0)
    assert name not in topic_names(client)
    [missing] = delete_topics(client, v, names=[name])
    assert missing["error"] == 3  # UNKNOWN_TOPIC_OR_PARTITION


def test_delete_topics_by_id_and_protected_topics(client):
    [created] = create_topics(client, 7, [{"name": "by-id", "partitions": 1, "rf": 1}])
    [res] = delete_topics(client, 6, ids=[created["topic_id"]])
    assert (res["name"], res["topic_id"], res["error"]) == ("by-id", created["topic_id"], 0)
    assert "by-id" not in topic_names(client)
    [unknown] = delete_topics(client, 6, ids=[b"\x01" * 16])
    assert unknown["error"] == 100  # UNKNOWN_TOPIC_ID

    [internal] = delete_topics(client, 6, names=["__consumer_offsets"])
    assert internal["error"] == 29 and "cannot be deleted" in internal["message"]


def test_delete_topics_disabled(broker_factory):
    b = broker_factory(overrides={"delete.topic.enable": "false"}).start()
    c = Client(b.port)
    try:
        assert create_topics(c, 4, [{"name": "kept", "partitions": 1, "rf": 1}])[0]["error"] == 0
        for v in range(1, 7):
            [res] = delete_topics(c, v, names=["kept"])
            assert res["error"] == (42 if v < 3 else 73), (v, res)  # INVALID_REQUEST, then DISABLED
        assert "kept" in topic_names(c)
    finally:
        c.close()
        assert b.stop() == 0


@pytest.mark.parametrize("v", range(0, 4))
def test_create_partitions_every_version(client, v):
    name = f"grown-v{v}"
    assert create_topics(client, 4, [{"name": name, "partitions": 1, "rf": 1}])[0]["error"] == 0
    assert create_partitions(client, v, [(name, 3, None)]) == [(name, 0, None)]
    topics, _ = describe_topic_partitions(client, [name])
    assert [p["index"] for p in topics[0]["partitions"]] == [0, 1, 2]

    assert create_partitions(client, v, [(name, 5, [[1], [1]])]) == [(name, 0, None)]
    [(_, code, message)] = create_partitions(client, v, [(name, 5, None)])
    assert (code, message) == (37, "Topic already has 5 partitions.")
    [(_, code, message)] = create_partitions(client, v, [(name, 2, None)])
    assert (code, message) == (37, "Topic currently has 5 partitions, which is higher than the requested 2.")


def test_create_partitions_errors_and_validate_only(client):
    assert create_topics(client, 4, [{"name": "cp", "partitions": 1, "rf": 1}])[0]["error"] == 0
    assert create_partitions(client, 3, [("cp", 4, None)], validate_only=True) == [("cp", 0, None)]
    topics, _ = describe_topic_partitions(client, ["cp"])
    assert len(topics[0]["partitions"]) == 1
    results = create_partitions(client, 3, [("cp", 3, [[1]]), ("nope", 2, None), ("d", 2, None),
                                            ("d", 3, None), ("cp", 2, [[7]])])
    by_name = {}
    for name, code, message in results:
        by_name.setdefault(name, []).append((code, message))
    assert by_name["nope"] == [(3, "The topic 'nope' does not exist.")]
    assert by_name["d"] == [(42, "Duplicate topic in request.")]
    assert by_name["cp"] == [(42, "Duplicate topic in request.")]
    [(_, code, message)] = create_partitions(client, 3, [("cp", 3, [[1]])])
    assert code == 39 and message == "Increasing the number of partitions by 2 but 1 assignments provided."
    [(_, code, _)] = create_partitions(client, 3, [("cp", 2, [[7]])])
    assert code == 39  # unknown broker


@pytest.mark.parametrize("v", range(1, 5))
def test_describe_configs_every_version(client, shared_broker, v):
    name = f"described-v{v}"
    assert create_topics(client, 4, [{"name": name, "partitions": 1, "rf": 1,
                                      "configs": {"cleanup.policy": "compact"}}])[0]["error"] == 0
    [topic, broker, logger] = describe_configs(
        client, v, [(TOPIC, name, None), (BROKER, "1", ["num.partitions", "log.dirs"]),
                    (BROKER_LOGGER, "1", None)], synonyms=True, docs=True)
    error, _, rtype, rname, configs = topic
    assert (error, rtype, rname) == (0, TOPIC, name)
    assert configs["cleanup.policy"]["value"] == "compact" and configs["cleanup.policy"]["source"] == 1
    assert configs["cleanup.policy"]["synonyms"][0] == ("cleanup.policy", "compact", 1)
    assert configs["segment.bytes"]["value"] == "1073741824"
    assert configs["segment.bytes"]["source"] == 5  # DEFAULT_CONFIG
    assert configs["min.insync.replicas"]["value"] == "1"
    assert not configs["retention.ms"]["read_only"]
    if v >= 3:
        assert configs["segment.bytes"]["type"] == 3  # INT
        assert configs["cleanup.policy"]["type"] == 7  # LIST
        assert configs["retention.ms"]["doc"]

    error, _, _, _, configs = broker
    assert error == 0 and set(configs) == {"num.partitions", "log.dirs"}
    assert configs["num.partitions"]["value"] == "2"
    assert configs["num.partitions"]["source"] == 4  # STATIC_BROKER_CONFIG
    assert configs["num.partitions"]["synonyms"] == [("num.partitions", "2", 4), ("num.partitions", "1", 5)]
    assert configs["log.dirs"]["value"] == str(shared_broker.data_dir)
    assert configs["log.dirs"]["read_only"]

    error, _, _, _, configs = logger
    assert error == 0 and configs["root"]["value"] in ("INFO", "DEBUG", "TRACE", "WARN")
    assert configs["root"]["source"] == 6


def test_describe_configs_errors(client):
    results = describe_configs(client, 4, [(TOPIC, "no-such-topic", None), (BROKER, "7", None),
                                           (BROKER, "", None), (BROKER, "x", None),
                                           (TOPIC, "bad/name", None), (BROKER_LOGGER, "", None)])
    assert [(r[0], r[3]) for r in results] == [(3, "no-such-topic"), (42, "7"), (0, ""), (42, "x"),
                                               (17, "bad/name"), (42, "")]
    assert results[1][1] == "Unexpected broker id, expected 1 or empty string, but received 7"
    assert results[2][4] == {}  # no dynamic cluster-wide broker configs
    # An unknown resource type fails the whole request, as in Kafka.
    results = describe_configs(client, 4, [(TOPIC, "described-v1", None), (99, "x", None)])
    assert [r[0] for r in results] == [42, 42]


@pytest.mark.parametrize("v", range(0, 3))
def test_alter_configs_replaces_overrides(client, v):
    name = f"altered-v{v}"
    assert create_topics(client, 4, [{"name": name, "partitions": 1, "rf": 1,
                                      "configs": {"retention.ms": "1000", "segment.ms": "5000"}}])[0]["error"] == 0
    assert alter_configs(client, v, [(TOPIC, name, {"retention.bytes": "1048576"})]) == [(0, None, TOPIC, name)]
    [(_, _, _, _, configs)] = describe_configs(client, 1, [(TOPIC, name, None)])
    assert configs["retention.bytes"]["value"] == "1048576" and configs["retention.bytes"]["source"] == 1
    # The legacy API replaces the whole set: the earlier overrides are gone.
    assert configs["retention.ms"]["value"] == "604800000" and configs["retention.ms"]["source"] == 5
    assert configs["segment.ms"]["source"] != 1

    [(code, _, _, _)] = alter_configs(client, v, [(TOPIC, name, {"retention.bytes": "1"})], validate_only=True)
    assert code == 0
    [(_, _, _, _, configs)] = describe_configs(client, 1, [(TOPIC, name, ["retention.bytes"])])
    assert configs["retention.bytes"]["value"] == "1048576"

    results = alter_configs(client, v, [(TOPIC, name, {"retention.bytes": "lots"}),
                                        (TOPIC, "missing", {"retention.ms": "1"}),
                                        (BROKER, "1", {"log.dirs": "/tmp/x"}),
                                        (BROKER, "", {"log.retention.bytes": "lots"}),
                                        (BROKER_LOGGER, "1", {"root": "DEBUG"})])
    assert [r[0] for r in results] == [40, 3, 42, 42, 42]
    assert results[1][1] == "The topic 'missing' does not exist."
    assert results[2][1] == "Cannot update these configs dynamically: log.dirs"
    assert results[3][1] == "invalid value 'lots' for log.retention.bytes: not a number of type LONG"
    results = alter_configs(client, v, [(TOPIC, name, {}), (TOPIC, name, {"retention.ms": "1"})])
    assert [(r[0], r[1]) for r in results] == [(42, "Each resource must appear at most once.")] * 2


@pytest.mark.parametrize("v", range(0, 2))
def test_incremental_alter_configs(client, v):
    name = f"incremental-v{v}"
    assert create_topics(client, 4, [{"name": name, "partitions": 1, "rf": 1,
                                      "configs": {"retention.ms": "1000"}}])[0]["error"] == 0
    ops = [("segment.bytes", SET, "2097152"), ("retention.ms", DELETE, None),
           ("cleanup.policy", APPEND, "compact")]
    assert incremental_alter_configs(client, v, [(TOPIC, name, ops)]) == [(0, None, TOPIC, name)]
    [(_, _, _, _, configs)] = describe_configs(client, 1, [(TOPIC, name, None)])
    assert configs["segment.bytes"]["value"] == "2097152" and configs["segment.bytes"]["source"] == 1
    assert configs["retention.ms"]["source"] == 5
    assert configs["cleanup.policy"]["value"] == "delete,compact"

    assert incremental_alter_configs(client, v, [(TOPIC, name, [("cleanup.policy", SUBTRACT, "delete")])])[0][0] == 0
    [(_, _, _, _, configs)] = describe_configs(client, 1, [(TOPIC, name, ["cleanup.policy"])])
    assert configs["cleanup.policy"]["value"] == "compact"

    results = incremental_alter_configs(client, v, [
        (TOPIC, name, [("retention.ms", APPEND, "5")]),
        (TOPIC, "missing", [("retention.ms", SET, "5")]),
        (BROKER, "1", [("log.retention.ms", SET, "soon")]),
        (BROKER, "2", [("log.retention.ms", SET, "5")]),
        (TOPIC, "other", [("retention.ms", SET, "5"), ("retention.ms", DELETE, None)]),
        (TOPIC, "other", [("retention.ms", 7, "5")]),
    ])
    assert [r[0] for r in results] == [40, 3, 42, 42, 42, 42]
    assert results[0][1] == "Config value append is not allowed for config key: retention.ms"
    assert results[2][1] == "invalid value 'soon' for log.retention.ms: not a number of type LONG"
    assert results[3][1] == "Unexpected broker id, expected 1, but received 2"
    assert results[4][1] == results[5][1] == "Each resource must appear at most once."
    [(code, message, _, _)] = incremental_alter_configs(
        client, v, [(TOPIC, name, [("retention.ms", SET, "5"), ("retention.ms", DELETE, None)])])
    assert (code, message) == (42, "Error due to duplicate config keys")
    [(code, message, _, _)] = incremental_alter_configs(client, v, [(TOPIC, name, [("cleanup.policy", SUBTRACT, "compact")])])
    assert code == 40 and "cleanup.policy" in message  # an empty policy is refused
    [(code, _, _, _)] = incremental_alter_configs(client, v, [(TOPIC, name, [("segment.bytes", SET, "1")])],
                                                  validate_only=True)
    assert code == 40


@pytest.mark.parametrize("v", range(0, 2))
def test_describe_cluster(client, shared_broker, v):
    out = describe_cluster(client, v, include_ops=True)
    assert out["error"] == 0
    assert out["brokers"] == [(1, "127.0.0.1", shared_broker.port, None)]
    assert out["controller"] == 1 and len(out["cluster_id"]) == 22
    assert out["ops"] > 0
    meta = (shared_broker.data_dir / "meta.properties").read_text()
    assert f"cluster.id={out['cluster_id']}" in meta
    if v >= 1:
        assert out["endpoint_type"] == 1
        assert describe_cluster(client, v, endpoint_type=2)["error"] == 114  # MISMATCHED_ENDPOINT_TYPE
        assert describe_cluster(client, v, endpoint_type=9)["error"] == 115  # UNSUPPORTED_ENDPOINT_TYPE


def test_describe_topic_partitions_pages_with_a_cursor(client):
    assert all(r["error"] == 0 for r in create_topics(client, 4, [
        {"name": "page-a", "partitions": 5, "rf": 1}, {"name": "page-b", "partitions": 3, "rf": 1},
        {"name": "page-c", "partitions": 1, "rf": 1}]))
    names = ["page-c", "page-a", "page-b"]
    topics, cursor = describe_topic_partitions(client, names, limit=4)
    assert [(t["name"], [p["index"] for p in t["partitions"]]) for t in topics] == [("page-a", [0, 1, 2, 3])]
    assert cursor == ("page-a", 4)
    topics, cursor = describe_topic_partitions(client, names, limit=4, cursor=cursor)
    assert [(t["name"], [p["index"] for p in t["partitions"]]) for t in topics] == [
        ("page-a", [4]), ("page-b", [0, 1, 2])]
    assert cursor == ("page-c", 0)
    topics, cursor = describe_topic_partitions(client, names, limit=4, cursor=cursor)
    assert [t["name"] for t in topics] == ["page-c"] and cursor is None
    p = topics[0]["partitions"][0]
    assert (p["leader"], p["replicas"], p["isr"], p["elr"], p["offline"]) == (1, [1], [1], [], [])

    topics, _ = describe_topic_partitions(client, ["page-b", "no-such-topic"])
    assert [(t["name"], t["error"]) for t in topics] == [("no-such-topic", 3), ("page-b", 0)]
    topics, _ = describe_topic_partitions(client, ["page-b"], cursor=("page-a", 0))
    assert [t["error"] for t in topics] == [42]  # the cursor must be one of the listed topics


def produce(port, topic, count, size, partition=0):
    from kafka import KafkaProducer
    producer = KafkaProducer(bootstrap_servers=f"127.0.0.1:{port}", linger_ms=0)
    try:
        for i in range(count):
            producer.send(topic, value=bytes([65 + i % 26]) * size, partition=partition)
            producer.flush()  # one batch per record
    finally:
        producer.close()


@pytest.mark.parametrize("v", range(1, 5))
def test_describe_log_dirs(client, shared_broker, v):
    name = f"sized-v{v}"
    assert create_topics(client, 4, [{"name": name, "partitions": 2, "rf": 1}])[0]["error"] == 0
    produce(shared_broker.port, name, 5, 1000)
    error, dirs = describe_log_dirs(client, v)
    assert error == 0 and len(dirs) == 1
    [d] = dirs
    assert d["error"] == 0 and d["dir"] == str(shared_broker.data_dir)
    sizes = {p[0]: p for p in d["topics"][name]}
    assert sizes[0][1] > 5000 and sizes[1][1] == 0
    assert sizes[0][2:] == (0, False)
    if v >= 4:
        assert 0 < d["usable"] <= d["total"]
    _, [only] = describe_log_dirs(client, v, topics=[(name, [1])])
    assert only["topics"] == {name: [(1, 0, 0, False)]}


def earliest_offset(port, topic):
    from kafka import KafkaConsumer, TopicPartition
    consumer = KafkaConsumer(bootstrap_servers=f"127.0.0.1:{port}")
    try:
        tp = TopicPartition(topic, 0)
        return consumer.beginning_offsets([tp])[tp]
    finally:
        consumer.close()


def test_topic_configs_apply_to_live_partitions(client, shared_broker):
    name = "live-config"
    assert create_topics(client, 4, [{"name": name, "partitions": 1, "rf": 1}])[0]["error"] == 0
    [(code, _, _, _)] = incremental_alter_configs(client, 1, [(TOPIC, name, [("segment.bytes", SET, "2048")])])
    assert code == 0
    produce(shared_broker.port, name, 12, 900)
    segments = sorted(pathlib.Path(shared_broker.data_dir, f"{name}-0").glob("*.log"))
    assert len(segments) >= 4, segments  # ~2 batches per 2 KiB segment
    assert earliest_offset(shared_broker.port, name) == 0

    [(code, _, _, _)] = incremental_alter_configs(client, 1, [(TOPIC, name, [("retention.ms", SET, "1")])])
    assert code == 0
    deadline = time.monotonic() + 15
    while earliest_offset(shared_broker.port, name) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert earliest_offset(shared_broker.port, name) >= 8  # every closed segment expired
