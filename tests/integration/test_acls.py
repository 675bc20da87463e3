"""Authorization (ACLs) on one sluiced with kafka.security.authorizer.AclAuthorizer and the embedded
ACL store: kafka-acls.sh manages the ACLs, real clients (confluent-kafka, kafka-python) and raw
requests (kafka_wire) find them enforced with Kafka's error codes.

Every client here is User:ANONYMOUS (PLAINTEXT). The module's broker is first started with
super.users=User:ANONYMOUS so kafka-acls.sh can write the ACLs and seed the topics, then restarted
without it: from then on ANONYMOUS has exactly the ACLs below, what the tests check. The restart also
shows the embedded store keeps ACLs across restarts. Hosts: 127.0.0.1 (every client library) and
127.0.0.2 (raw connections bound to it).
"""
import os
import subprocess

import pytest

from conftest import SOURCE_DIR, Broker
from kafka_wire import Client

BIN = SOURCE_DIR / "bin"
AUTHORIZER = {"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer"}

# Kafka's error codes and AclOperation bits.
TOPIC_AUTHORIZATION_FAILED = 29
GROUP_AUTHORIZATION_FAILED = 30
CLUSTER_AUTHORIZATION_FAILED = 31
TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53
READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE = 3, 4, 5, 6, 7, 8
DESCRIBE_CONFIGS, ALTER_CONFIGS = 10, 11


def bits(*ops):
    return sum(1 << op for op in ops)


def kafka_acls(bootstrap, *args, input=None):
    return subprocess.run([str(BIN / "kafka-acls.sh"), "--bootstrap-server", bootstrap, *args],
                          capture_output=True, text=True, timeout=60, input=input)


def must(p):
    assert p.returncode == 0, f"rc {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p.stdout


# What User:ANONYMOUS may do on the module's broker (kafka-acls.sh arguments, one call each).
ANON = ["--allow-principal", "User:ANONYMOUS"]
MODULE_ACLS = [
    # produce to out-* from 127.0.0.1 only (also what lets an idempotent producer start, KIP-679)
    [*ANON, "--allow-host", "127.0.0.1", "--operation", "Write", "--topic", "out-",
     "--resource-pattern-type", "prefixed"],
    [*ANON, "--operation", "Read", "--topic", "in"],
    [*ANON, "--operation", "DescribeConfigs", "--topic", "in"],
    [*ANON, "--operation", "Read", "--group", "readers"],
    # everyone may read shared-*, but ANONYMOUS not shared-denied: DENY wins
    ["--allow-principal", "User:*", "--operation", "Read", "--topic", "shared-",
     "--resource-pattern-type", "prefixed"],
    ["--deny-principal", "User:ANONYMOUS", "--operation", "Read", "--topic", "shared-denied"],
    # per host
    [*ANON, "--allow-host", "127.0.0.1", "--operation", "Describe", "--topic", "near"],
    [*ANON, "--allow-host", "127.0.0.2", "--operation", "Describe", "--topic", "far"],
    # admin
    [*ANON, "--operation", "Create", "--operation", "Delete", "--topic", "made-",
     "--resource-pattern-type", "prefixed"],
    [*ANON, "--operation", "Describe", "--cluster"],
    # transactions: the --producer convenience for one transactional id (127.0.0.1 only, as above)
    [*ANON, "--allow-host", "127.0.0.1", "--producer", "--topic", "out-txn", "--transactional-id",
     "tx-ok"],
]
TOPICS = ["out-1", "out-txn", "in", "secret", "shared-ok", "shared-denied", "near", "far",
          "made-keep"]


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("acls")
    b = Broker(workdir, overrides={**AUTHORIZER, "super.users": "User:ANONYMOUS"}).start()
    try:
        from kafka.admin import KafkaAdminClient, NewTopic
        admin = KafkaAdminClient(bootstrap_servers=b.bootstrap)
        admin.create_topics([NewTopic(t, 1, 1) for t in TOPICS])
        admin.close()
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": b.bootstrap})
        p.produce("in", b"seeded")
        assert p.flush(30) == 0
        for args in MODULE_ACLS:
            must(kafka_acls(b.bootstrap, "--add", *args))
        assert b.stop() == 0
        text = b.config_path.read_text().replace("super.users=User:ANONYMOUS\n", "")
        b.config_path.write_text(text)
        b.start()
        yield b
    finally:
        code = b.stop()
        if code != 0:
            print(b.log_text())


# ---- raw requests ----

def metadata(port, topics=None, source=None):
    """Metadata v8 asking for authorized operations: ({topic: (error, ops)}, cluster ops)."""
    c = Client(port, source=source)
    try:
        r = c.call(3, 8, False, lambda w: w.arr(topics, lambda w, t: w.str(t))
                   .bool(False).bool(True).bool(True))
        r.i32()
        r.arr(lambda r: (r.i32(), r.str(), r.i32(), r.str()))
        r.str()
        r.i32()

        def topic(r):
            error, name, _internal = r.i16(), r.str(), r.bool()
            r.arr(lambda r: (r.i16(), r.i32(), r.i32(), r.i32(), r.arr(R_i32), r.arr(R_i32),
                             r.arr(R_i32)))
            return name, (error, r.i32())
        described = dict(r.arr(topic))
        return described, r.i32()
    finally:
        c.close()


def R_i32(r):
    return r.i32()


def init_producer_id(port, transactional_id, source=None):
    """InitProducerId v1: the error code."""
    c = Client(port, source=source)
    try:
        r = c.call(22, 1, False, lambda w: w.str(transactional_id).i32(60000))
        r.i32()
        return r.i16()
    finally:
        c.close()


def describe_group_ops(port, group):
    """DescribeGroups v3 with authorized operations: (error, ops)."""
    c = Client(port)
    try:
        r = c.call(15, 3, False, lambda w: w.arr([group], lambda w, g: w.str(g)).bool(True))
        r.i32()

        def one(r):
            error, _id, _state, _ptype, _pdata = r.i16(), r.str(), r.str(), r.str(), r.str()
            r.arr(lambda r: (r.str(), r.str(), r.str(), r.records(), r.records()))
            return error, r.i32()
        return r.arr(one)[0]
    finally:
        c.close()


def describe_cluster_ops(port):
    c = Client(port)
    try:
        r = c.call(60, 0, True, lambda w: w.bool(True).tags())
        r.i32(), r.i16(), r.str(), r.str(), r.i32()

        def broker(r):
            r.i32(), r.str(), r.i32(), r.str()
            r.tags()
        r.arr(broker)
        return r.i32()
    finally:
        c.close()


# ---- clients ----

def produce(bootstrap, topic, extra=None):
    """One message with confluent-kafka: the delivery error code (0 when delivered)."""
    from confluent_kafka import Producer
    errors = []
    p = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 20000, **(extra or {})})
    p.produce(topic, b"m", on_delivery=lambda err, msg: errors.append(err))
    p.flush(30)
    assert len(errors) == 1
    return 0 if errors[0] is None else errors[0].code()


def consume_first(bootstrap, topic, group):
    """Subscribes with confluent-kafka: the first message's value, or the first error's code."""
    from confluent_kafka import Consumer, KafkaError
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    try:
        c.subscribe([topic])
        for _ in range(60):
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                return m.error().code()
            c.commit(message=m, asynchronous=False)
            return m.value()
        raise AssertionError(f"nothing from {topic} in group {group}")
    finally:
        c.close()


# ---- tests ----

def test_without_an_authorizer_the_acl_apis_are_disabled(broker):
    p = kafka_acls(broker.bootstrap, "--list")
    assert p.returncode == 1
    assert p.stdout == ("Error while executing ACL command: org.apache.kafka.common.errors."
                        "SecurityDisabledException: No Authorizer is configured on the broker\n")
    assert produce(broker.bootstrap, "anything") == 0  # and everything else is allowed


def test_kafka_acls_adds_lists_and_removes_with_kafkas_text(broker_factory):
    b = broker_factory(overrides={**AUTHORIZER, "super.users": "User:ANONYMOUS"}).start()
    out = must(kafka_acls(b.bootstrap, "--add", "--allow-principal", "User:alice", "--consumer",
                          "--topic", "orders", "--group", "billing"))
    assert out == (
        "Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, "
        "patternType=LITERAL)`: \n"
        " \t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)\n"
        "\t(principal=User:alice, host=*, operation=DESCRIBE, permissionType=ALLOW) \n\n"
        "Adding ACLs for resource `ResourcePattern(resourceType=GROUP, name=billing, "
        "patternType=LITERAL)`: \n"
        " \t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW) \n\n")
    must(kafka_acls(b.bootstrap, "--add", "--deny-principal", "User:bob", "--deny-host",
                    "127.0.0.2", "--operation", "Write", "--topic", "ord",
                    "--resource-pattern-type", "prefixed"))
    # MATCH: every pattern that applies to the name (the literal one and the prefix)
    out = must(kafka_acls(b.bootstrap, "--list", "--topic", "orders", "--resource-pattern-type",
                          "match"))
    assert "name=orders, patternType=LITERAL" in out and "name=ord, patternType=PREFIXED" in out
    assert "(principal=User:bob, host=127.0.0.2, operation=WRITE, permissionType=DENY)" in out
    out = must(kafka_acls(b.bootstrap, "--list", "--principal", "User:bob"))
    assert out.startswith("ACLs for principal `User:bob`\n") and "alice" not in out

    # Kafka's Admin client sees the same bindings.
    from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, KafkaAdminClient,
                             ResourcePatternFilter, ResourceType, ACLResourcePatternType)
    admin = KafkaAdminClient(bootstrap_servers=b.bootstrap)
    try:
        acls, error = admin.describe_acls(ACLFilter(
            principal=None, host="*", operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(ResourceType.ANY, None,
                                                   ACLResourcePatternType.ANY)))
        assert error.errno == 0
        assert sorted((a.principal, a.resource_pattern.resource_name) for a in acls) == [
            ("User:alice", "billing"), ("User:alice", "orders"), ("User:alice", "orders")]
    finally:
        admin.close()

    # --remove asks first ("n" keeps them; Kafka prints a filter as ResourcePattern too); --force
    # does not ask.
    p = kafka_acls(b.bootstrap, "--remove", "--topic", "orders", input="n\n")
    assert p.stdout.startswith("Are you sure you want to delete all ACLs for resource filter "
                               "`ResourcePattern(resourceType=TOPIC, name=orders, "
                               "patternType=LITERAL)`? (y/n)")
    assert "name=orders" in must(kafka_acls(b.bootstrap, "--list", "--topic", "orders"))
    must(kafka_acls(b.bootstrap, "--remove", "--force", "--topic", "orders"))
    must(kafka_acls(b.bootstrap, "--remove", "--force", "--deny-principal", "User:bob",
                    "--deny-host", "127.0.0.2", "--operation", "Write", "--topic", "ord",
                    "--resource-pattern-type", "prefixed"))
    out = must(kafka_acls(b.bootstrap, "--list"))
    assert "orders" not in out and "ord," not in out and "name=billing" in out
    assert b.stop() == 0


def test_acl_apis_need_describe_and_alter_on_the_cluster(secured):
    out = must(kafka_acls(secured.bootstrap, "--list", "--topic", "in"))  # DESCRIBE on the cluster
    assert "(principal=User:ANONYMOUS, host=*, operation=READ, permissionType=ALLOW)" in out
    for args in (["--add", *ANON, "--operation", "All", "--cluster"],
                 ["--remove", "--force", "--topic", "in"]):
        p = kafka_acls(secured.bootstrap, *args)
        assert p.returncode == 1
        assert ("ClusterAuthorizationException: Cluster authorization failed." in p.stdout), p.stdout


def test_metadata_shows_only_topics_the_principal_may_describe(secured):
    listed, cluster_ops = metadata(secured.port)
    # (DELETE on made-* implies DESCRIBE, as READ and WRITE do)
    assert set(listed) == {"in", "made-keep", "near", "out-1", "out-txn", "shared-denied",
                           "shared-ok"}
    assert listed["in"] == (0, bits(READ, DESCRIBE, DESCRIBE_CONFIGS))
    assert listed["out-1"] == (0, bits(WRITE, DESCRIBE))
    assert cluster_ops == bits(DESCRIBE)
    # Named: refused alike whether the topic exists or not, so nothing leaks.
    named, _ = metadata(secured.port, ["secret", "no-such-topic", "in"])
    assert named["secret"][0] == named["no-such-topic"][0] == TOPIC_AUTHORIZATION_FAILED
    assert named["in"][0] == 0
    # Hosts: an ACL for 127.0.0.2 applies to clients from there only.
    from_two, _ = metadata(secured.port, source="127.0.0.2")
    assert set(from_two) == {"far", "in", "made-keep", "shared-denied", "shared-ok"}
    assert describe_cluster_ops(secured.port) == bits(DESCRIBE)


def test_produce_needs_write_on_the_topic(secured):
    assert produce(secured.bootstrap, "out-1") == 0
    assert produce(secured.bootstrap, "in") == TOPIC_AUTHORIZATION_FAILED
    assert produce(secured.bootstrap, "secret") == TOPIC_AUTHORIZATION_FAILED


def test_consume_needs_read_on_topic_and_group(secured):
    assert consume_first(secured.bootstrap, "in", "readers") == b"seeded"
    assert consume_first(secured.bootstrap, "in", "strangers") == GROUP_AUTHORIZATION_FAILED
    assert consume_first(secured.bootstrap, "shared-denied", "readers") == \
        TOPIC_AUTHORIZATION_FAILED
    assert describe_group_ops(secured.port, "readers") == (0, bits(READ, DESCRIBE))
    assert describe_group_ops(secured.port, "strangers")[0] == GROUP_AUTHORIZATION_FAILED


def test_topic_admin_and_configs_need_their_operations(secured):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
    from kafka.errors import TopicAuthorizationFailedError
    admin = KafkaAdminClient(bootstrap_servers=secured.bootstrap)
    try:
        # kafka-python raises for the first failed topic; the message carries the whole response
        with pytest.raises(TopicAuthorizationFailedError) as e:
            admin.create_topics([NewTopic("made-1", 1, 1), NewTopic("other", 1, 1)])
        assert "(topic='made-1', error_code=0" in str(e.value)
        assert "(topic='other', error_code=29, error_message='Authorization failed.')" in \
            str(e.value)
        with pytest.raises(TopicAuthorizationFailedError) as e:
            admin.delete_topics(["made-1", "secret"])
        assert "(topic='made-1', error_code=0)" in str(e.value)
        assert "(topic='secret', error_code=29)" in str(e.value)

        def described(resource):
            (response,) = admin.describe_configs([resource])
            return response.resources[0][0]
        assert described(ConfigResource(ConfigResourceType.TOPIC, "in")) == 0
        assert described(ConfigResource(ConfigResourceType.TOPIC, "secret")) == \
            TOPIC_AUTHORIZATION_FAILED
        assert described(ConfigResource(ConfigResourceType.BROKER, "1")) == \
            CLUSTER_AUTHORIZATION_FAILED
        altered = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "in",
                                                      configs={"retention.ms": "1000"})])
        assert altered.resources[0][0] == TOPIC_AUTHORIZATION_FAILED
    finally:
        admin.close()


def test_idempotent_and_transactional_producers(secured):
    # Idempotence: WRITE on some topic is enough (KIP-679) — from 127.0.0.1, where it is granted.
    assert init_producer_id(secured.port, None) == 0
    assert init_producer_id(secured.port, None, source="127.0.0.2") == \
        CLUSTER_AUTHORIZATION_FAILED
    assert init_producer_id(secured.port, "tx-other") == TRANSACTIONAL_ID_AUTHORIZATION_FAILED

    from confluent_kafka import KafkaException, Producer
    p = Producer({"bootstrap.servers": secured.bootstrap, "transactional.id": "tx-ok"})
    p.init_transactions(30)
    p.begin_transaction()
    p.produce("out-txn", b"in a transaction")
    p.commit_transaction(30)

    refused = Producer({"bootstrap.servers": secured.bootstrap, "transactional.id": "tx-other"})
    with pytest.raises(KafkaException) as e:
        refused.init_transactions(30)
    assert e.value.args[0].code() == TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    del p, refused  # destroyed now, not after the broker stopped
