"""Every API version Sluice advertises is served (issue #14): a loop over ApiVersions' ranges sends
each API a minimal valid request built from Kafka's own message schemas
(src/protocol/schemas, merged as the codec generator merges them) and requires an answer that decodes completely under the
response schema, instead of a closed connection. Then the oldest versions real clients use:
ControlledShutdown v0 (request header v0, no client id), Metadata v0 (empty topics = all), a
classic group's v0 round (JoinGroup v0 uses the session timeout for the rebalance), OffsetCommit
and OffsetFetch v0, and kafka-python pinned to api_version (0, 9), (0, 10) and (0, 10, 1)
producing, consuming in a group and committing offsets."""
import struct
import sys
import time
from pathlib import Path

import pytest

from kafka_wire import Client, R, W, record_batch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "codegen"))
from merge import merge_message, normalise  # noqa: E402
from schema import load_json  # noqa: E402

SCHEMAS = ROOT / "src" / "protocol" / "schemas"
KAFKA_39 = SCHEMAS / "kafka-3.9" / "messages"


# --- a schema-driven codec: minimal requests, complete decoding of responses ---------------------


def renamed_in_44(spec):
    """4.4's file for the same API when it was renamed (ListClientMetricsResources became
    ListConfigResources): matched by type and api key, as the codec generator matches them."""
    for path in (SCHEMAS / "kafka-4.4" / "messages").glob("*.json"):
        other = load_json(path)
        if (other.get("type"), other.get("apiKey")) == (spec.get("type"), spec.get("apiKey")):
            return path
    return None


def load_schema(name):
    """The message as the codec generator sees it: Kafka 3.9's schema merged with 4.4's."""
    spec = None
    for generation in ("kafka-3.9", "kafka-4.4"):
        path = SCHEMAS / generation / "messages" / f"{name}.json"
        if not path.exists() and spec is not None:
            path = renamed_in_44(spec) or path
        if not path.exists():
            continue
        if spec is None:
            spec = normalise(load_json(path))
        else:
            request = name[:-len("Response")] + "Request" if name.endswith("Response") else name
            unstable = load_json(SCHEMAS / "kafka-3.9" / "messages" / f"{request}.json").get(
                "latestVersionUnstable", False)
            spec = merge_message(spec, load_json(path), unstable)
    return spec


def in_versions(spec, v):
    if spec is None or spec == "none":
        return False
    if isinstance(spec, set):
        return v in spec
    if spec.endswith("+"):
        return v >= int(spec[:-1])
    lo, _, hi = spec.partition("-")
    return int(lo) <= v <= int(hi or lo)


def schemas_by_key():
    out = {}
    for path in KAFKA_39.glob("*Request.json"):
        req = load_schema(path.stem)
        resp = load_schema(path.stem[:-len("Request")] + "Response")
        out[req["apiKey"]] = (req, resp, load_json(path))
    # APIs Kafka 3.9 did not define at all (KIP-932's offset APIs, ...): 4.4's schema alone.
    for path in (SCHEMAS / "kafka-4.4" / "messages").glob("*Request.json"):
        req = load_schema(path.stem)
        if req["apiKey"] not in out:
            out[req["apiKey"]] = (req, load_schema(path.stem[:-len("Request")] + "Response"), None)
    return out


PRIMITIVE = {"int8": ">b", "int16": ">h", "uint16": ">H", "int32": ">i", "uint32": ">I",
             "int64": ">q", "float64": ">d"}

# Values a minimal request needs to be answered promptly (the rest take the schema's default).
OVERRIDES = {
    (0, "Acks"): 1,  # acks=0 produce has no response
    (18, "ClientSoftwareName"): "sluice-test",
    (18, "ClientSoftwareVersion"): "1.0",
    # A DescribeAcls filter of UNKNOWN types is invalid (Kafka closes the connection too): ANY.
    (29, "ResourceTypeFilter"): 1, (29, "PatternTypeFilter"): 1, (29, "Operation"): 1,
    (29, "PermissionType"): 1,
}


def common_structs(schema):
    return {s["name"]: s["fields"] for s in schema.get("commonStructs", [])}


def default_of(field):
    t, d = field["type"], field.get("default")
    if t in PRIMITIVE:
        if d is None:
            return 0
        return int(d, 16) if isinstance(d, str) and d.startswith("0x") else (
            float(d) if t == "float64" else int(d))
    if t == "bool":
        return d in (True, "true")
    if t == "string":
        return d if isinstance(d, str) and d != "null" else ""
    return None


def encode_fields(w, fields, v, api_key, structs):
    for f in fields:
        if not in_versions(f["versions"], v) or f.get("taggedVersions"):
            continue
        t = f["type"]
        value = OVERRIDES.get((api_key, f["name"]))
        if t.startswith("[]"):
            w.arr([], lambda w, x: None)
        elif t in PRIMITIVE:
            w.b += struct.pack(PRIMITIVE[t], value if value is not None else default_of(f))
        elif t == "bool":
            w.bool(default_of(f))
        elif t == "string":
            w.str(value if value is not None else default_of(f))
        elif t in ("bytes", "records"):
            nullable = in_versions(f.get("nullableVersions"), v)
            w.records(None if nullable and t == "records" else b"")
        elif t == "uuid":
            w.uuid(bytes(16))
        elif in_versions(f.get("nullableVersions"), v):  # a nullable struct: null
            w.i8(-1)
        else:  # a struct
            encode_fields(w, f.get("fields") or structs[t], v, api_key, structs)
            w.tags()
    return w


def decode_fields(r, fields, v, structs):
    out = {}
    for f in fields:
        if not in_versions(f["versions"], v) or f.get("taggedVersions"):
            continue
        out[f["name"]] = decode_value(r, f["type"], f, v, structs)
    r.tags()
    return out


def decode_value(r, t, f, v, structs):
    if t.startswith("[]"):
        return r.arr(lambda r: decode_value(r, t[2:], f, v, structs))
    if t in PRIMITIVE:
        return r._take(PRIMITIVE[t])
    if t == "bool":
        return r.bool()
    if t == "string":
        return r.str()
    if t in ("bytes", "records"):
        return r.records()
    if t == "uuid":
        return r.uuid()
    if in_versions(f.get("nullableVersions"), v) and r.i8() < 0:
        return None
    return decode_fields(r, f.get("fields") or structs[t], v, structs)


def call_raw(client, api_key, version, body, header_version, response_flex):
    """One request; returns the response body bytes (the socket raises if the broker closes)."""
    client.correlation += 1
    header = struct.pack(">hhi", api_key, version, client.correlation)
    if header_version >= 1:
        header += struct.pack(">h", 4) + b"test"
    if header_version >= 2:
        header += b"\x00"
    frame = header + body
    client.sock.sendall(struct.pack(">i", len(frame)) + frame)
    size = struct.unpack(">i", client._read(4))[0]
    r = R(client._read(size), response_flex)
    assert r.i32() == client.correlation
    r.tags()
    return r


def advertised(port):
    c = Client(port)
    r = c.call(18, 0, False, lambda w: None)
    assert r.i16() == 0
    ranges = r.arr(lambda r: (r.i16(), r.i16(), r.i16()))
    c.close()
    return {key: (lo, hi) for key, lo, hi in ranges}


def send_minimal(port, api_key, version, req, resp):
    flex = in_versions(req.get("flexibleVersions"), version)
    header_version = 0 if (api_key, version) == (7, 0) else (2 if flex else 1)
    response_flex = flex and api_key != 18
    body = encode_fields(W(flex), req["fields"], version, api_key, common_structs(req))
    if flex:
        body.tags()
    c = Client(port)
    try:
        r = call_raw(c, api_key, version, bytes(body.b), header_version, response_flex)
        r.flex = flex
        decoded = decode_fields(r, resp["fields"], version, common_structs(resp))
        assert r.p == len(r.d), f"{req['name']} v{version}: {len(r.d) - r.p} bytes left undecoded"
        return decoded
    finally:
        c.close()


def test_every_advertised_version_of_every_api_answers(broker):
    schemas = schemas_by_key()
    ranges = advertised(broker.port)
    assert len(ranges) >= 45
    answered, failed = [], []
    for key, (lo, hi) in sorted(ranges.items()):
        req, resp, req_39 = schemas[key]
        kafka_lo, _, kafka_hi = (req_39 or req)["validVersions"].partition("-")
        if req_39 and req_39.get("latestVersionUnstable") and not kafka_hi:
            # 3.9 only had an unstable early-access version (KIP-932's share-group APIs), which
            # a 3.9 broker does not advertise: the floor is that of the schema we hold.
            kafka_lo = req["validVersions"].partition("-")[0]
        # Kafka 3.9's floor is served; the ceiling is at least as high as the schema we hold.
        assert lo == int(kafka_lo), f"{req['name']}: advertised v{lo}, Kafka 3.9 serves from v{kafka_lo}"
        assert hi >= int(kafka_hi or kafka_lo)
        for version in range(lo, hi + 1):
            try:
                send_minimal(broker.port, key, version, req, resp)
            except (ConnectionError, struct.error, IndexError, AssertionError) as e:
                failed.append(f"{req['name']} v{version}: {e!r}")
                continue
            answered.append((key, version))
    assert not failed, "not answered:\n" + "\n".join(failed)
    assert (7, 0) in answered and (4, 0) in answered and (0, 0) in answered


# --- the oldest versions, by what they answer -----------------------------------------------------


def test_controlled_shutdown_v0_reads_header_v0(broker):
    req, resp, _ = schemas_by_key()[7]
    answer = send_minimal(broker.port, 7, 0, req, resp)
    NOT_CONTROLLER = 41  # a standalone broker has no controller
    assert answer["ErrorCode"] == NOT_CONTROLLER
    assert answer["RemainingPartitions"] == []


def test_leader_and_isr_v0_takes_flat_partition_states(broker):
    c = Client(broker.port)

    def build(w):
        w.i32(0).i32(1)  # controller id, epoch
        w.arr([("t", 0)], lambda w, p: (
            w.str(p[0]).i32(p[1]).i32(1).i32(0).i32(1).arr([0], lambda w, x: w.i32(x))
            .i32(0).arr([0], lambda w, x: w.i32(x))))
        w.arr([], lambda w, x: None)  # live leaders

    r = c.call(4, 0, False, build)
    STALE_CONTROLLER_EPOCH = 11  # no controller in a standalone broker
    assert r.i16() == STALE_CONTROLLER_EPOCH
    c.close()


def test_metadata_v0_with_no_topics_lists_every_topic(broker):
    c = Client(broker.port)
    for name in ("old-meta-a", "old-meta-b"):
        r = c.call(19, 0, False, lambda w, n=name: (
            w.arr([n], lambda w, t: w.str(t).i32(1).i16(1).arr([], None).arr([], None)).i32(10000)))
        assert r.arr(lambda r: (r.str(), r.i16())) == [(name, 0)]
    r = c.call(3, 0, False, lambda w: w.arr([], None))
    brokers = r.arr(lambda r: (r.i32(), r.str(), r.i32()))
    assert len(brokers) == 1 and brokers[0][2] == broker.port
    topics = r.arr(lambda r: (r.i16(), r.str(), r.arr(lambda r: (
        r.i16(), r.i32(), r.i32(), r.arr(R.i32), r.arr(R.i32)))))
    names = {t[1] for t in topics}
    assert {"old-meta-a", "old-meta-b"} <= names
    c.close()


def test_a_classic_group_round_and_offsets_at_v0(broker):
    c = Client(broker.port)
    r = c.call(19, 0, False, lambda w: (
        w.arr(["old-grp"], lambda w, t: w.str(t).i32(1).i16(1).arr([], None).arr([], None))
        .i32(10000)))
    assert r.arr(lambda r: (r.str(), r.i16())) == [("old-grp", 0)]
    # FindCoordinator v0: COORDINATOR_NOT_AVAILABLE while __consumer_offsets is being created.
    deadline = time.monotonic() + 30
    while (error := c.call(10, 0, False, lambda w: w.str("g0")).i16()) == 15:
        assert time.monotonic() < deadline, "no group coordinator within 30 s"
        time.sleep(0.1)
    assert error == 0
    # JoinGroup v0: no rebalance timeout (Kafka uses the session timeout for it).
    meta = b"\x00\x00" + struct.pack(">i", 1) + struct.pack(">h", 7) + b"old-grp" + struct.pack(">i", -1)
    r = c.call(11, 0, False, lambda w: w.str("g0").i32(10000).str("").str("consumer").arr(
        [("range", meta)], lambda w, p: w.str(p[0]).records(p[1])))
    error, generation, protocol, leader, member = r.i16(), r.i32(), r.str(), r.str(), r.str()
    members = r.arr(lambda r: (r.str(), r.records()))
    assert (error, generation, protocol) == (0, 1, "range")
    assert leader == member and [m[0] for m in members] == [member]
    r = c.call(14, 0, False, lambda w: w.str("g0").i32(generation).str(member).arr(
        [(member, b"assignment")], lambda w, a: w.str(a[0]).records(a[1])))
    assert (r.i16(), r.records()) == (0, b"assignment")
    r = c.call(12, 0, False, lambda w: w.str("g0").i32(generation).str(member))
    assert r.i16() == 0
    # OffsetCommit v0: no generation or member (a "simple" commit); Kafka kept these in ZooKeeper.
    r = c.call(8, 0, False, lambda w: w.str("simple0").arr(["old-grp"], lambda w, t: w.str(t).arr(
        [0], lambda w, p: w.i32(p).i64(42).str("meta"))))
    assert r.arr(lambda r: (r.str(), r.arr(lambda r: (r.i32(), r.i16())))) == [
        ("old-grp", [(0, 0)])]
    r = c.call(9, 0, False, lambda w: w.str("simple0").arr(["old-grp"], lambda w, t: w.str(t).arr(
        [0], lambda w, p: w.i32(p))))
    assert r.arr(lambda r: (r.str(), r.arr(lambda r: (r.i32(), r.i64(), r.str(), r.i16())))) == [
        ("old-grp", [(0, 42, "meta", 0)])]
    r = c.call(16, 0, False, lambda w: None)
    assert r.i16() == 0 and ("g0", "consumer") in r.arr(lambda r: (r.str(), r.str()))
    r = c.call(15, 0, False, lambda w: w.arr(["g0"], lambda w, g: w.str(g)))
    groups = r.arr(lambda r: (r.i16(), r.str(), r.str(), r.str(), r.str(), r.arr(
        lambda r: (r.str(), r.str(), r.str(), r.records(), r.records()))))
    assert groups[0][:5] == (0, "g0", "Stable", "consumer", "range")
    r = c.call(13, 0, False, lambda w: w.str("g0").str(member))
    assert r.i16() == 0
    c.close()


# --- kafka-python pinned to old protocol versions -------------------------------------------------


@pytest.mark.parametrize("api_version", [(0, 9), (0, 10), (0, 10, 1)])
def test_kafka_python_old_protocol_produces_consumes_and_commits(broker, api_version):
    kafka = pytest.importorskip("kafka")
    tag = "-".join(map(str, api_version))
    topic, group = f"kp-old-{tag}", f"kp-old-group-{tag}"
    admin_client = Client(broker.port)
    r = admin_client.call(19, 0, False, lambda w: (
        w.arr([topic], lambda w, t: w.str(t).i32(2).i16(1).arr([], None).arr([], None)).i32(10000)))
    assert r.arr(lambda r: (r.str(), r.i16())) == [(topic, 0)]
    admin_client.close()

    producer = kafka.KafkaProducer(bootstrap_servers=broker.bootstrap, api_version=api_version,
                                   acks=1)
    for i in range(20):
        producer.send(topic, key=str(i).encode(), value=f"v{i}".encode()).get(timeout=30)
    producer.close()

    consumer = kafka.KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group,
                                   api_version=api_version, auto_offset_reset="earliest",
                                   enable_auto_commit=False, consumer_timeout_ms=20000,
                                   session_timeout_ms=10000)
    seen = []
    for msg in consumer:
        seen.append(msg.value)
        if len(seen) == 20:
            break
    assert sorted(seen) == sorted(f"v{i}".encode() for i in range(20))
    consumer.commit()
    committed = {p: consumer.committed(kafka.TopicPartition(topic, p)) for p in (0, 1)}
    consumer.close()
    assert sum(committed.values()) == 20

    # A new member of the group resumes from the committed offsets: nothing left to read.
    producer = kafka.KafkaProducer(bootstrap_servers=broker.bootstrap, api_version=api_version)
    producer.send(topic, value=b"after").get(timeout=30)
    producer.close()
    consumer = kafka.KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group,
                                   api_version=api_version, auto_offset_reset="earliest",
                                   enable_auto_commit=False, consumer_timeout_ms=20000,
                                   session_timeout_ms=10000)
    rest = []
    for msg in consumer:
        rest.append(msg.value)
        break
    consumer.close()
    assert rest == [b"after"]


# --- the newest versions, by what they answer -----------------------------------------------------


def cluster_id(port):
    c = Client(port)
    r = c.call(3, 2, False, lambda w: w.arr([], None))
    r.arr(lambda r: (r.i32(), r.str(), r.i32(), r.str()))  # brokers
    cid = r.str()
    c.close()
    return cid


def test_api_versions_v5_refuses_a_client_that_meant_another_cluster_or_broker(broker):
    cid = cluster_id(broker.port)
    assert cid

    def ask(cluster, node):
        body = W(True).str("sluice-test").str("1.0").str(cluster).i32(node)
        body.tags()
        c = Client(broker.port)
        try:
            r = call_raw(c, 18, 5, bytes(body.b), 2, False)
            r.flex = True
            return r.i16()
        finally:
            c.close()

    REBOOTSTRAP_REQUIRED = 129
    assert ask(cid, 1) == 0  # the broker the client meant
    assert ask(None, -1) == 0  # a client that does not know yet
    assert ask(cid, 7) == REBOOTSTRAP_REQUIRED  # another broker's address now
    assert ask("another-cluster", 1) == REBOOTSTRAP_REQUIRED


def test_list_offsets_v11_answers_the_tiered_storage_positions_with_no_offset(broker):
    c = Client(broker.port)
    c.call(19, 0, False, lambda w: w.arr(["lo-new"], lambda w, t: (
        w.str(t).i32(1).i16(1).arr([], None).arr([], None))).i32(10000))
    r = c.call(0, 3, False, lambda w: w.str(None).i16(1).i32(10000).arr(["lo-new"], lambda w, t: (
        w.str(t).arr([0], lambda w, p: w.i32(p).records(record_batch([(b"k", b"v")] * 3))))))
    r.arr(lambda r: (r.str(), r.arr(lambda r: (r.i32(), r.i16(), r.i64(), r.i64()))))

    def offset_for(timestamp, version=11):
        r = c.call(2, version, True, lambda w: (
            w.i32(-1).i8(0).arr(["lo-new"], lambda w, t: (
                w.str(t).arr([0], lambda w, p: w.i32(p).i32(-1).i64(timestamp).tags()).tags())),
            w.i32(5000) if version >= 10 else None, w.tags()))
        r.i32()  # throttle
        topics = r.arr(lambda r: (r.str(), r.arr(lambda r: (
            r.i32(), r.i16(), r.i64(), r.i64(), r.i32(), r.tags())), r.tags()))
        _, error, _, offset, _, _ = topics[0][1][0]
        assert error == 0
        return offset

    assert offset_for(-1) == 3  # latest
    assert offset_for(-2) == 0  # earliest
    assert offset_for(-4) == 0  # earliest local
    assert offset_for(-5) == -1  # latest tiered: no tiered storage here
    assert offset_for(-6) == -1  # earliest pending upload: likewise
    assert offset_for(-6, 10) == -1
    c.close()


def test_list_transactions_v2_filters_by_a_transactional_id_pattern(broker):
    c = Client(broker.port)
    for tid in ("orders-1", "orders-2", "billing-1"):
        deadline = time.time() + 60
        while True:  # FindCoordinator creates __transaction_state, as a client's first call does
            r = c.call(10, 1, False, lambda w, t=tid: w.str(t).i8(1))
            r.i32()
            if r.i16() == 0:
                break
            assert time.time() < deadline
            time.sleep(0.2)
        while True:
            r = c.call(22, 1, False, lambda w, t=tid: w.str(t).i32(60000))
            r.i32()
            error = r.i16()
            if error == 0:
                break
            # __transaction_state is being created, or its partition loaded
            assert error in (14, 15, 16, 51) and time.time() < deadline, error
            time.sleep(0.2)

    def listed(pattern):
        r = c.call(66, 2, True, lambda w: (w.arr([], None).arr([], None).i64(-1).str(pattern),
                                           w.tags()))
        r.i32()
        error = r.i16()
        r.arr(R.str)
        states = r.arr(lambda r: (r.str(), r.i64(), r.str(), r.tags()))
        return error, sorted(s[0] for s in states)

    assert listed(None) == (0, ["billing-1", "orders-1", "orders-2"])
    assert listed("orders-.*") == (0, ["orders-1", "orders-2"])
    assert listed("orders") == (0, []), "the whole id must match"
    INVALID_REGULAR_EXPRESSION = 128
    assert listed("orders-(")[0] == INVALID_REGULAR_EXPRESSION
    c.close()


def test_offset_commit_and_fetch_v10_name_topics_by_id(broker):
    c = Client(broker.port)
    r = c.call(19, 7, True, lambda w: (w.arr(["by-id"], lambda w, t: (
        w.str(t).i32(2).i16(1).arr([], None).arr([], None).tags())).i32(10000).bool(False),
        w.tags()))
    r.i32()
    topics = r.arr(lambda r: (r.str(), r.uuid(), r.i16()))
    assert topics[0][2] == 0, topics
    topic_id = topics[0][1]
    missing = bytes(range(1, 17))
    UNKNOWN_TOPIC_ID = 100
    deadline = time.time() + 60
    while True:  # FindCoordinator creates __consumer_offsets, as a client's first call does
        r = c.call(10, 1, False, lambda w: w.str("by-id-group").i8(0))
        r.i32()
        if r.i16() == 0:
            break
        assert time.time() < deadline
        time.sleep(0.2)

    def commit(tid, offset):
        r = c.call(8, 10, True, lambda w: (
            w.str("by-id-group").i32(-1).str("").str(None),
            w.arr([tid], lambda w, t: w.uuid(t).arr([0, 1], lambda w, p: (
                w.i32(p).i64(offset).i32(-1).str("m").tags())).tags()),
            w.tags()))
        r.i32()
        return r.arr(lambda r: (r.uuid(), r.arr(lambda r: (r.i32(), r.i16(), r.tags())), r.tags()))

    while commit(topic_id, 42)[0][1][0][1] in (14, 15, 16):  # the offsets partition is loading
        assert time.time() < deadline
        time.sleep(0.2)
    assert commit(topic_id, 42) == [(topic_id, [(0, 0, None), (1, 0, None)], None)]
    assert commit(missing, 1)[0][1] == [(0, UNKNOWN_TOPIC_ID, None), (1, UNKNOWN_TOPIC_ID, None)]

    def fetch(topics):
        r = c.call(9, 10, True, lambda w: (
            w.arr(["by-id-group"], lambda w, g: (
                w.str(g).str(None).i32(-1),
                w.arr(topics, lambda w, t: w.uuid(t).arr([0], lambda w, p: w.i32(p)).tags()),
                w.tags())),
            w.bool(False).tags()))
        r.i32()
        groups = r.arr(lambda r: (r.str(), r.arr(lambda r: (r.uuid(), r.arr(lambda r: (
            r.i32(), r.i64(), r.i32(), r.str(), r.i16(), r.tags())), r.tags())), r.i16(), r.tags()))
        assert groups[0][2] == 0, groups
        return {t[0]: [(p[0], p[1], p[4]) for p in t[1]] for t in groups[0][1]}

    assert fetch([topic_id]) == {topic_id: [(0, 42, 0)]}
    assert fetch([missing]) == {missing: [(0, -1, UNKNOWN_TOPIC_ID)]}
    everything = fetch(None)  # all of the group's offsets, by topic id
    assert sorted(p[0] for p in everything[topic_id]) == [0, 1]
    c.close()


def test_produce_v13_names_topics_by_id(broker):
    c = Client(broker.port)
    r = c.call(19, 7, True, lambda w: (w.arr(["produce-by-id"], lambda w, t: (
        w.str(t).i32(1).i16(1).arr([], None).arr([], None).tags())).i32(10000).bool(False),
        w.tags()))
    r.i32()
    topic_id = r.arr(lambda r: (r.str(), r.uuid(), r.i16()))[0][1]
    missing = bytes(range(1, 17))

    def produce(tid):
        r = c.call(0, 13, True, lambda w: (
            w.str(None).i16(1).i32(10000),
            w.arr([tid], lambda w, t: w.uuid(t).arr([0], lambda w, p: (
                w.i32(p).records(record_batch([(b"k", b"v")] * 2)).tags())).tags()),
            w.tags()))
        topics = r.arr(lambda r: (r.uuid(), r.arr(lambda r: (
            r.i32(), r.i16(), r.i64(), r.i64(), r.i64(), r.arr(lambda r: (r.i32(), r.str(), r.tags())),
            r.str(), r.tags())), r.tags()))
        return topics[0][0], topics[0][1][0][1], topics[0][1][0][2]

    assert produce(topic_id) == (topic_id, 0, 0)
    assert produce(topic_id) == (topic_id, 0, 2)
    UNKNOWN_TOPIC_ID = 100
    assert produce(missing)[:2] == (missing, UNKNOWN_TOPIC_ID)
    c.close()
