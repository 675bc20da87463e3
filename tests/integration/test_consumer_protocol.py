"""KIP-848's consumer group protocol (issue #14) with the clients that speak it: Java 4.x
consumers and the newest librdkafka (PyPI confluent-kafka) with group.protocol=consumer.

The broker assigns partitions itself (the uniform assignor unless a member asks for range);
members join with ConsumerGroupHeartbeat, give partitions up before others get them, and commit
with their member epoch. Checked here, with each client: one member reads everything; two members
split the partitions and together read each record once; when one leaves the other takes every
partition over; committed offsets resume a later member."""
import json
import subprocess
import sys
import threading
import time

import pytest

from clients import confluent_latest_code, java
from conftest import SOURCE_DIR, wait_for

TOPIC_PARTITIONS = 4


def create_topic(broker, name, partitions=TOPIC_PARTITIONS):
    java("AdminOps", f"--bootstrap={broker.bootstrap}", f"--create-topic={name}",
         f"--partitions={partitions}", line="4.x")


def produce(broker, topic, count):
    produced = java("Produce", f"--bootstrap={broker.bootstrap}", f"--topic={topic}",
                    f"--count={count}", "linger.ms=5", line="4.x")
    assert produced["acked"] == count, produced
    return produced


def test_a_java_consumer_on_the_consumer_protocol_reads_every_record(broker):
    create_topic(broker, "kip848-one")
    produce(broker, "kip848-one", 2000)
    got = java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=kip848-one", "--count=2000",
               "group.id=kip848-one-group", "group.protocol=consumer", "--timeout-ms=60000",
               line="4.x")
    assert not got["timed_out"], got
    assert got["unique"] == 2000 and got["missing_count"] == 0, got
    assert sorted(got["partitions"]) == [str(p) for p in range(TOPIC_PARTITIONS)]


def test_two_java_members_split_the_partitions_and_one_takes_over_when_the_other_leaves(broker):
    create_topic(broker, "kip848-pair")
    got = java("GroupMembers", f"--bootstrap={broker.bootstrap}", "--topic=kip848-pair",
               "--group=kip848-pair-group", f"--partitions={TOPIC_PARTITIONS}", "--count=2000",
               "group.protocol=consumer", line="4.x", timeout=300)
    assert got["errors"] == [], got
    assert got["split"], got
    assert len(got["assigned_a"]) == len(got["assigned_b"]) == TOPIC_PARTITIONS // 2, got
    assert got["values"] == list(range(2000)), "each record once between the two members"
    assert got["taken_over"], got
    assert got["after_leave"] == list(range(2000, 2500)), got


def test_java_consumers_resume_from_the_offsets_a_consumer_protocol_member_committed(broker):
    create_topic(broker, "kip848-resume")
    produce(broker, "kip848-resume", 1000)
    group = ("group.id=kip848-resume-group", "group.protocol=consumer")
    first = java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=kip848-resume",
                 "--count=1000", *group, line="4.x")
    assert first["unique"] == 1000 and first["missing_count"] == 0, first
    # Auto-commit committed on close (OffsetCommit v9 with the member's epoch): the next member
    # of the group starts where the first stopped and sees only the new records.
    java("Produce", f"--bootstrap={broker.bootstrap}", "--topic=kip848-resume", "--count=300",
         "--first=1000", line="4.x")
    second = java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=kip848-resume",
                  "--count=300", "--first=1000", *group, line="4.x")
    assert second["unique"] == 300 and second["missing_count"] == 0, second
    assert second["unexpected"] == [] and second["duplicates"] == 0, second


def test_a_classic_group_upgrades_for_a_consumer_protocol_member_and_downgrades_after_it(broker):
    # Online migration (KIP-848): a classic Java consumer owns every partition; a consumer-protocol
    # member joining turns the group into a consumer group in which the classic member rejoins
    # and hands half over; when the consumer-protocol member leaves, the group is classic again
    # and the classic member takes everything back. Nothing is read twice or missed meanwhile.
    create_topic(broker, "kip848-mixed")
    got = java("GroupMembers", f"--bootstrap={broker.bootstrap}", "--topic=kip848-mixed",
               "--group=kip848-mixed-group", f"--partitions={TOPIC_PARTITIONS}", "--count=2000",
               "--staggered", "a.group.protocol=classic", "b.group.protocol=consumer",
               line="4.x", timeout=300)
    assert got["errors"] == [], got
    assert got["a_alone"], got
    assert got["split"], got
    assert len(got["assigned_a"]) == len(got["assigned_b"]) == TOPIC_PARTITIONS // 2, got
    assert got["values"] == list(range(2000)), "each record once between the two members"
    assert got["taken_over"], got
    assert got["after_leave"] == list(range(2000, 2500)), got
    # The group went back to the classic protocol (and is empty now that both left).
    tool = SOURCE_DIR / "bin" / "kafka-consumer-groups.sh"
    listed = subprocess.run([str(tool), "--bootstrap-server", broker.bootstrap, "--list", "--type"],
                            capture_output=True, text=True, timeout=60)
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert ["kip848-mixed-group", "Classic"] in rows, listed.stdout
    log = broker.log_text()
    assert "group kip848-mixed-group: classic group of 1 members becomes a consumer group" in log
    assert "group kip848-mixed-group: consumer group becomes a classic group" in log


# Two librdkafka members of one group in one process, polled in turn: they split the partitions,
# read each record once between them, one leaves and the other takes all partitions over, and a
# third member later starts from the committed offsets. Prints one JSON summary.
LIBRDKAFKA_GROUP = r'''
import json, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, group, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = {"errors": []}

def consumer(name):
    assigned = set()
    def on_assign(c, tps):
        assigned.update(tp.partition for tp in tps)
    def on_revoke(c, tps):
        assigned.difference_update(tp.partition for tp in tps)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "group.protocol": "consumer",
                  "auto.offset.reset": "earliest", "client.id": name,
                  "error_cb": lambda e: out["errors"].append(str(e))})
    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    return c, assigned

def poll_until(members, done, seconds, seen):
    deadline = time.time() + seconds
    while time.time() < deadline:
        for name, (c, _) in members.items():
            m = c.poll(0.05)
            if m is not None and not m.error():
                seen.setdefault(name, []).append((m.partition(), m.offset(), m.value().decode()))
        if done():
            return True
    return False

def commit(c):
    try:
        c.commit(asynchronous=False)
    except Exception as e:  # nothing new to commit (auto-commit got there first)
        if "_NO_OFFSET" not in repr(e):
            raise

def produce(first, count):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(first, first + count):
        p.produce(topic, key=f"k-{i}", value=f"v-{i}")
    p.flush(30)

members = {"a": consumer("a"), "b": consumer("b")}
split = lambda: (all(a for _, a in members.values()) and
                 set().union(*(a for _, a in members.values())) == set(range(partitions)) and
                 not (members["a"][1] & members["b"][1]))
seen = {}
t0 = time.time()
out["split"] = poll_until(members, split, 45, seen)
out["split_seconds"] = round(time.time() - t0, 1)
out["assigned_a"], out["assigned_b"] = sorted(members["a"][1]), sorted(members["b"][1])
produce(0, 2000)
count = lambda: sum(len(v) for v in seen.values())
out["read_all"] = poll_until(members, lambda: count() >= 2000, 45, seen)
out["read"] = {k: len(v) for k, v in seen.items()}
out["values"] = sorted(int(v[2][2:]) for vs in seen.values() for v in vs)
out["partitions_read"] = {k: sorted({p for p, _, _ in v}) for k, v in seen.items()}
for c, _ in members.values():
    commit(c)
members["b"][0].close()
del members["b"]
t0 = time.time()
out["taken_over"] = poll_until(members, lambda: members["a"][1] == set(range(partitions)), 45, {})
out["take_over_seconds"] = round(time.time() - t0, 1)
produce(2000, 500)
later = {}
poll_until(members, lambda: sum(len(v) for v in later.values()) >= 500, 45, later)
out["after_leave"] = sorted(int(v[2][2:]) for vs in later.values() for v in vs)
commit(members["a"][0])
members["a"][0].close()
# A new member starts at the committed offsets: nothing old comes back.
members = {"c": consumer("c")}
poll_until(members, lambda: members["c"][1] == set(range(partitions)), 45, {})
again = {}
produce(2500, 10)
poll_until(members, lambda: sum(len(v) for v in again.values()) >= 10, 30, again)
out["resumed"] = sorted(int(v[2][2:]) for vs in again.values() for v in vs)
members["c"][0].close()
print(json.dumps(out))
'''


def test_librdkafka_members_split_hand_over_and_resume(broker):
    create_topic(broker, "kip848-rdk")
    got = confluent_latest_code(LIBRDKAFKA_GROUP, broker.bootstrap, "kip848-rdk",
                                "kip848-rdk-group", str(TOPIC_PARTITIONS), timeout=300)
    assert got["split"], got
    assert len(got["assigned_a"]) == len(got["assigned_b"]) == TOPIC_PARTITIONS // 2, got
    assert got["read_all"] and got["values"] == list(range(2000)), "each record once between them"
    assert set(got["partitions_read"]["a"]).isdisjoint(got["partitions_read"]["b"]), got
    assert got["taken_over"], got
    assert got["after_leave"] == list(range(2000, 2500)), got
    assert got["resumed"] == list(range(2500, 2510)), got


# One librdkafka member subscribed by a regular expression (the broker resolves it, KIP-848's
# SubscribedTopicRegex): it gets the matching topic, and a matching topic created while it runs.
LIBRDKAFKA_REGEX = r'''
import json, sys, time
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, group = sys.argv[1], sys.argv[2]
assigned = set()
def on_assign(c, tps):
    assigned.update((tp.topic, tp.partition) for tp in tps)
def on_revoke(c, tps):
    assigned.difference_update((tp.topic, tp.partition) for tp in tps)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "group.protocol": "consumer",
              "auto.offset.reset": "earliest", "topic.metadata.refresh.interval.ms": 1000})
c.subscribe(["^kip848-re-.*"], on_assign=on_assign, on_revoke=on_revoke)
def poll_until(done, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        c.poll(0.1)
        if done():
            return True
    return False
out = {"first": poll_until(lambda: {t for t, _ in assigned} == {"kip848-re-a"}, 45)}
out["topics_first"] = sorted({t for t, _ in assigned})
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic("kip848-re-b", 2, 1)])["kip848-re-b"].result(30)
out["later"] = poll_until(lambda: {t for t, _ in assigned} == {"kip848-re-a", "kip848-re-b"}, 60)
out["topics_later"] = sorted({t for t, _ in assigned})
c.close()
print(json.dumps(out))
'''


def test_a_regular_expression_subscription_picks_up_a_topic_created_later(broker):
    create_topic(broker, "kip848-re-a", 2)
    create_topic(broker, "kip848-other", 2)
    got = confluent_latest_code(LIBRDKAFKA_REGEX, broker.bootstrap, "kip848-re-group", timeout=300)
    assert got["first"], got
    assert got["later"], got


def test_kafka_consumer_groups_shows_a_consumer_protocol_group(broker):
    create_topic(broker, "kip848-cli")
    produce(broker, "kip848-cli", 100)
    java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=kip848-cli", "--count=100",
         "group.id=kip848-cli-group", "group.protocol=consumer", line="4.x")
    tool = SOURCE_DIR / "bin" / "kafka-consumer-groups.sh"
    listed = subprocess.run([str(tool), "--bootstrap-server", broker.bootstrap, "--list"],
                            capture_output=True, text=True, timeout=60)
    assert "kip848-cli-group" in listed.stdout.split(), listed
    described = subprocess.run([str(tool), "--bootstrap-server", broker.bootstrap, "--describe",
                                "--group", "kip848-cli-group"],
                               capture_output=True, text=True, timeout=60)
    assert described.returncode == 0, described
    rows = [line.split() for line in described.stdout.splitlines() if "kip848-cli " in line + " "]
    # Every partition with its committed offset (the member left, so the group is empty).
    assert sorted(int(r[2]) for r in rows) == list(range(TOPIC_PARTITIONS)), described.stdout
    assert sum(int(r[3]) for r in rows) == 100, described.stdout
    state = subprocess.run([str(tool), "--bootstrap-server", broker.bootstrap, "--describe",
                            "--group", "kip848-cli-group", "--state"],
                           capture_output=True, text=True, timeout=60)
    assert state.returncode == 0 and "Empty" in state.stdout, state
