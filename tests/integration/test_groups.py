"""Consumer groups against the real broker with real clients (issue #5): a mixed group of
kafka-python, confluent-kafka and kafkajs members sharing a 6-partition topic while the leader
leaves and another member joins; a librdkafka group on the cooperative-sticky protocol; a
SIGKILLed member's partitions moving to the others within the session timeout; a member frozen
between processing and committing being fenced; committed offsets surviving a broker restart;
static members restarting without a rebalance; and the admin group APIs of the three clients.

Every group member is its own process (this file run as a script for the Python clients,
js/group_consumer.js for kafkajs) printing what it observes as JSON lines: "assigned" (its
partitions after a rebalance), "revoked", "lost", "batch" (the records it processed and whether
the commit after them succeeded), "done" and "closed". Members commit synchronously after each
batch with auto-commit off, so a record may be delivered twice only when the commit after it
failed; check_deliveries() holds every run to that.

The members use the "range" assignor: kafka-python and librdkafka ship it, and kafkajs (which
ships only its own "RoundRobinAssigner", a protocol no other client speaks) gets it from
js/group_consumer.js.
"""
import collections
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

PARTITIONS = 6
PYTHON = "/usr/bin/python3"


# ------------------------------------------------------------------------------------------------
# The worker: one group member, run as `python3 test_groups.py worker <kind> ...`.

def run_worker(kind, bootstrap, group, topic, options):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))

    def emit(event):
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    session = options.get("session_timeout", 10000)
    if kind == "kafka-python":
        from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
        from kafka.consumer.subscription_state import ConsumerRebalanceListener
        from kafka.coordinator.assignors.range import RangePartitionAssignor

        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                 client_id=options.get("client_id", "sluice-kafka-python"),
                                 enable_auto_commit=False, auto_offset_reset="earliest",
                                 partition_assignment_strategy=[RangePartitionAssignor],
                                 session_timeout_ms=session, heartbeat_interval_ms=1000,
                                 max_poll_interval_ms=30000, max_poll_records=100,
                                 fetch_max_wait_ms=200)

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                emit({"ev": "revoked", "parts": sorted(tp.partition for tp in revoked)})

            def on_partitions_assigned(self, assigned):
                emit({"ev": "assigned", "parts": sorted(tp.partition for tp in assigned)})

        consumer.subscribe([topic], listener=Listener())

        def poll():
            return [(tp.partition, m.offset, m.value.decode())
                    for tp, msgs in consumer.poll(timeout_ms=200).items() for m in msgs]

        def commit(offsets):
            consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(o, "")
                             for p, o in offsets.items()})
    elif kind == "confluent":
        from confluent_kafka import Consumer, KafkaError, TopicPartition

        config = {"bootstrap.servers": bootstrap, "group.id": group,
                  "client.id": options.get("client_id", "sluice-confluent"),
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "partition.assignment.strategy": options.get("assignor", "range"),
                  "session.timeout.ms": session,
                  "heartbeat.interval.ms": 1000, "max.poll.interval.ms": 30000,
                  "fetch.wait.max.ms": 200}
        if options.get("instance_id"):
            config["group.instance.id"] = options["instance_id"]
        if options.get("debug"):
            config["debug"] = options["debug"]
        consumer = Consumer(config)
        owned = set()
        cooperative = options.get("assignor") == "cooperative-sticky"

        def on_assign(c, ps):
            # Eager protocols hand over the whole assignment, cooperative ones what is added.
            if cooperative:
                owned.update(p.partition for p in ps)
            else:
                owned.clear()
                owned.update(p.partition for p in ps)
            emit({"ev": "assigned", "parts": sorted(owned)})

        def on_revoke(c, ps):
            if cooperative:
                owned.difference_update(p.partition for p in ps)
                emit({"ev": "assigned", "parts": sorted(owned)})
            else:
                owned.clear()
                emit({"ev": "revoked", "parts": sorted(p.partition for p in ps)})

        def on_lost(c, ps):
            emit({"ev": "lost", "parts": sorted(p.partition for p in ps)})
            on_revoke(c, ps)

        consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)

        def messages():
            # consumer.consume() is librdkafka's batch API, which in 2.0.2 can skip offsets when
            # a partition is paused or resumed, as a cooperative rebalance does (fixed in 2.1.0):
            # take one message at a time.
            first = consumer.poll(0.2)
            batch = [] if first is None else [first]
            while first is not None and len(batch) < 100:
                m = consumer.poll(0)
                if m is None:
                    break
                batch.append(m)
            return batch

        def poll():
            out = []
            for m in messages():
                if m.error():
                    if m.error().code() != KafkaError._PARTITION_EOF:
                        emit({"ev": "error", "error": str(m.error())})
                    continue
                out.append((m.partition(), m.offset(), m.value().decode()))
            return out

        def commit(offsets):
            result = consumer.commit(
                offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()],
                asynchronous=False)
            failed = [str(tp.error) for tp in result if tp.error]
            if failed:
                raise RuntimeError(",".join(failed))
    else:
        raise SystemExit(f"unknown worker kind {kind}")

    remaining = options.get("stop_after")
    freeze_at = options.get("freeze_at_batch")
    batches = 0
    committed = {}
    deadline = time.monotonic() + options.get("max_seconds", 110)
    while not stop and time.monotonic() < deadline:
        recs = poll()
        if not recs:
            continue
        if remaining is not None:
            recs = recs[:remaining]
            remaining -= len(recs)
        upto = {}
        for p, o, _ in recs:
            upto[p] = o + 1
        batches += 1
        if batches == freeze_at:
            # Stop dead between processing and committing, until the test sends SIGCONT.
            emit({"ev": "freezing"})
            os.kill(os.getpid(), signal.SIGSTOP)
        try:
            commit(upto)
            committed.update(upto)
            result = "ok"
        except Exception as e:  # the commit's failure is what the test looks at
            result = f"{type(e).__name__}: {e}"
        emit({"ev": "batch", "recs": recs, "commit": result})
        if remaining is not None and remaining <= 0:
            emit({"ev": "done", "committed": committed})
            break
    consumer.close()
    emit({"ev": "closed"})


# ------------------------------------------------------------------------------------------------
# The test side.

if __name__ != "__main__":
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient
    from kafka import KafkaAdminClient, TopicPartition as KTopicPartition
    from kafka.errors import KafkaError

    from conftest import JS_DIR, node


class Worker:
    """One group member process and the events it printed, each stamped when read."""

    def __init__(self, tmp_path, name, kind, bootstrap, group, topic, **options):
        self.name, self.kind = name, kind
        if kind == "kafkajs":
            cmd = ["node", str(JS_DIR / "group_consumer.js"), bootstrap, group, topic,
                   json.dumps({"client_id": name, **options})]
        else:
            cmd = [PYTHON, __file__, "worker", kind, bootstrap, group, topic,
                   json.dumps({"client_id": name, **options})]
        self.stderr_path = tmp_path / f"{name}.stderr"
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err,
                                         stdin=subprocess.DEVNULL)
        self.events = []  # (monotonic time, event)
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                event = {"ev": "garbage", "line": line.decode(errors="replace")}
            with self.lock:
                self.events.append((time.monotonic(), event))

    def snapshot(self, since=0.0):
        with self.lock:
            return [e for t, e in self.events if t >= since]

    def assignment(self, since=0.0):
        """Its partitions after the last rebalance it saw since `since` (None: none seen)."""
        current = None
        for e in self.snapshot(since):
            if e["ev"] == "assigned":
                current = e["parts"]
            elif e["ev"] == "revoked":
                current = []
        return current

    def delivered(self):
        return [(p, o, v) for e in self.snapshot() if e["ev"] == "batch" for p, o, v in e["recs"]]

    def first(self, ev):
        return next((e for e in self.snapshot() if e["ev"] == ev), None)

    def terminate(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self.reader.join(5)
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def describe(self):
        err = self.stderr_path.read_text(errors="replace")[-3000:]
        kinds = collections.Counter(e["ev"] for e in self.snapshot())
        return (f"{self.name} ({self.kind}, exit {self.proc.poll()}): events {dict(kinds)}, "
                f"last assignment {self.assignment()}\n{err}")


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(name, kind, bootstrap, group, topic, **options):
        w = Worker(tmp_path, name, kind, bootstrap, group, topic, **options)
        started.append(w)
        return w

    yield start
    for w in started:
        w.kill()


@pytest.fixture
def broker6(broker_factory):
    """A broker whose auto-created topics have six partitions; it must shut down cleanly."""
    b = broker_factory("groups", overrides={"num.partitions": str(PARTITIONS)}).start()
    yield b
    code = b.stop()
    if code != 0:
        print(b.log_text()[-20000:])
    assert code == 0, f"sluiced did not shut down cleanly (exit {code})"


def wait_until(condition, timeout, what, members=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    details = "\n".join(w.describe() for w in members)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{details}")


def balanced(members, since=0.0):
    """The members' current assignments split all partitions between them evenly."""
    parts = [w.assignment(since) for w in members]
    if any(p is None for p in parts):
        return False
    flat = sorted(x for p in parts for x in p)
    sizes = sorted(len(p) for p in parts)
    n = len(members)
    want = sorted([PARTITIONS // n + (1 if i < PARTITIONS % n else 0) for i in range(n)])
    return flat == list(range(PARTITIONS)) and sizes == want


def produce_numbered(bootstrap, topic, first, count, rate=None):
    """Messages first..first+count-1, value str(i), to partition i % 6; every one acknowledged."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"})
    errors = []
    start = time.monotonic()
    for i in range(first, first + count):
        if rate and (i - first) % 100 == 0:
            ahead = start + (i - first) / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        while True:
            try:
                producer.produce(topic, value=b"%d" % i, partition=i % PARTITIONS,
                                 on_delivery=lambda err, msg: err and errors.append(err))
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    assert producer.flush(30) == 0
    assert not errors, errors[:5]


def committed_offsets(bootstrap, group, topic, timeout=15):
    """The group's committed offsets for `topic`, by partition. Retriable errors (a coordinator
    still loading after a restart, __consumer_offsets being created) are retried."""
    deadline = time.monotonic() + timeout
    while True:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            return {tp.partition: om.offset for tp, om in
                    admin.list_consumer_group_offsets(group).items() if tp.topic == topic}
        except KafkaError as e:
            if not e.retriable or time.monotonic() > deadline:
                raise
        finally:
            admin.close()
        time.sleep(0.2)


def group_log_lines(broker, group, pattern):
    return re.findall(rf"group {re.escape(group)}: {pattern}", broker.log_text())


# ------------------------------------------------------------------------------------------------
# a) a mixed group shares a topic while members leave and join

def check_deliveries(members, total):
    """No message lost, every message where it was produced, each member's runs of a partition
    contiguous, no message committed twice (a stale member's commit accepted), and no message
    delivered in an assignment that began after a commit covering it. Returns the number of
    duplicate deliveries and how many of them are in batches whose commit failed."""
    timeline = []  # (time, member, partition, offset, value, commit ok, its assignment's start)
    for w in members:
        last, assigned_at = {}, 0.0
        for t, e in list(w.events):
            if e["ev"] in ("assigned", "revoked"):
                last, assigned_at = {}, t  # a new assignment may start anywhere
            if e["ev"] != "batch":
                continue
            for p, o, v in e["recs"]:
                assert int(v) % PARTITIONS == p, f"{w.name}: message {v} came from partition {p}"
                if p in last:
                    assert o == last[p] + 1, f"{w.name}: partition {p} jumped from {last[p]} to {o}"
                last[p] = o
                timeline.append((t, w.name, p, o, int(v), e["commit"] == "ok", assigned_at))
    timeline.sort()
    values = collections.Counter(d[4] for d in timeline)
    missing = sorted(set(range(total)) - set(values))
    assert not missing, f"{len(missing)} messages never consumed, e.g. {missing[:10]}"
    assert set(values) == set(range(total))
    at = {}
    for _, name, p, o, v, _, _ in timeline:
        assert at.setdefault((p, o), v) == v, f"offset {p}/{o} held {at[(p, o)]} and {v}"
    committed = {}  # value -> (time, member) of the commit that covered it
    for t, name, p, o, v, ok, _ in timeline:
        if ok:
            assert v not in committed, \
                f"message {v} ({p}/{o}) committed by {committed[v][1]} and by {name}"
            committed[v] = (t, name)
    after_failed = 0
    for t, name, p, o, v, ok, assigned_at in timeline:
        if v in committed and committed[v][1] != name:
            assert assigned_at < committed[v][0], (
                f"message {v} ({p}/{o}) delivered to {name} in an assignment that began after "
                f"{committed[v][1]} had committed past it")
        if values[v] > 1 and not ok:
            after_failed += 1
    duplicates = sum(values.values()) - total
    return duplicates, after_failed


def leader_of(broker, group):
    """The client id prefix of the member that sent the group's last assignment."""
    leaders = re.findall(rf"group {re.escape(group)}: assignment for generation \d+ received from "
                         r"leader (\S+) ", broker.log_text())
    return leaders[-1] if leaders else None


def test_mixed_group_shares_partitions_while_members_leave_and_join(broker6, workers):
    topic, group, total = "mixed", "mixed-group", 30_000
    b = broker6
    produce_numbered(b.bootstrap, topic, 0, 6_000)
    members = [workers("kafka-python-1", "kafka-python", b.bootstrap, group, topic),
               workers("confluent-1", "confluent", b.bootstrap, group, topic),
               workers("kafkajs-1", "kafkajs", b.bootstrap, group, topic)]
    wait_until(lambda: balanced(members), 40, "three members with two partitions each", members)
    assert group_log_lines(b, group, r"generation \d+ with 3 members, protocol range")

    producer = threading.Thread(target=produce_numbered,
                                args=(b.bootstrap, topic, 6_000, 24_000, 2_400))
    producer.start()
    seen = lambda ws: len({v for w in ws for _, _, v in w.delivered()})
    wait_until(lambda: seen(members) >= 12_000, 60, "12,000 messages consumed", members)

    # The leader (whichever client it is) leaves cleanly; another member leads and the other
    # two take its partitions.
    first_leader = leader_of(b, group)
    leaver = next(w for w in members if first_leader.startswith(w.name + "-"))
    stayers = [w for w in members if w is not leaver]
    left_at = time.monotonic()
    assert leaver.terminate() == 0, leaver.describe()
    assert leaver.first("closed") is not None
    assert group_log_lines(b, group, rf"member {leaver.name}-\S+ left")
    wait_until(lambda: balanced(stayers, since=left_at), 30, "two members after the leave", members)
    moved_after_leave = time.monotonic() - left_at
    second_leader = leader_of(b, group)
    assert not second_leader.startswith(leaver.name + "-")

    # A new member of the same kind joins while production goes on.
    joined_at = time.monotonic()
    joiner = workers(f"{leaver.kind}-2", leaver.kind, b.bootstrap, group, topic)
    members.append(joiner)
    wait_until(lambda: balanced(stayers + [joiner], since=joined_at), 30,
               "three members after the join", members)
    rebalanced_after_join = time.monotonic() - joined_at
    producer.join(60)
    assert not producer.is_alive()
    wait_until(lambda: seen(members) >= total, 60, "every message consumed", members)
    wait_until(lambda: committed_offsets(b.bootstrap, group, topic) ==
               {p: total // PARTITIONS for p in range(PARTITIONS)}, 15,
               "the group's committed offsets at the end of every partition", members)
    for w in stayers + [joiner]:
        assert w.terminate() == 0, w.describe()

    duplicates, after_failed = check_deliveries(members, total)
    failed_commits = sum(1 for w in members for e in w.snapshot()
                         if e["ev"] == "batch" and e["commit"] != "ok")
    generations = len(group_log_lines(b, group, r"generation \d+ with"))
    print(f"\nmixed group: {total} messages, {duplicates} duplicate deliveries "
          f"({after_failed} in batches whose commit failed; {failed_commits} failed commits), "
          f"{generations} generations; leader {first_leader.rsplit('-', 5)[0]} left, "
          f"{second_leader.rsplit('-', 5)[0]} led next; partitions moved {moved_after_leave:.1f}s "
          f"after the leave, {rebalanced_after_join:.1f}s after the join; consumed per member: "
          + ", ".join(f"{w.name}={len(w.delivered())}" for w in members))
    assert duplicates == after_failed, "a duplicate that no failed commit explains"
    assert all(len(w.delivered()) > 0 for w in members), "every member consumed something"


def test_cooperative_group_moves_only_what_it_must(broker6, workers):
    """librdkafka's cooperative-sticky protocol (KIP-429) rebalances in two rounds and lets
    members keep their partitions across a rebalance: a member leaves and one joins while the
    group consumes. Nothing is lost, and a member only loses its partitions (rather than having
    some revoked) when a commit it sent just before the rebalance completed is refused for its
    old generation: librdkafka treats that as a lost assignment (Kafka refuses such a commit
    the same way)."""
    topic, group, total = "coop", "coop-group", 12_000
    b = broker6
    produce_numbered(b.bootstrap, topic, 0, 3_000)
    members = [workers(f"coop-{i}", "confluent", b.bootstrap, group, topic,
                       assignor="cooperative-sticky") for i in range(3)]
    wait_until(lambda: balanced(members), 40, "three members with two partitions each", members)
    assert group_log_lines(b, group, r"generation \d+ with 3 members, protocol cooperative-sticky")
    producer = threading.Thread(target=produce_numbered,
                                args=(b.bootstrap, topic, 3_000, 9_000, 2_000))
    producer.start()
    wait_until(lambda: len({v for w in members for _, _, v in w.delivered()}) >= 6_000, 30,
               "6,000 messages consumed", members)
    kept = {w.name: set(w.assignment()) for w in members[1:]}
    left_at = time.monotonic()
    assert members[0].terminate() == 0, members[0].describe()
    wait_until(lambda: balanced(members[1:], since=left_at), 30, "two members after the leave",
               members)
    joined_at = time.monotonic()
    joiner = workers("coop-3", "confluent", b.bootstrap, group, topic,
                     assignor="cooperative-sticky")
    members.append(joiner)
    wait_until(lambda: balanced(members[1:]), 30, "three members after the join", members)
    producer.join(60)
    wait_until(lambda: len({v for w in members for _, _, v in w.delivered()}) >= total, 60,
               "every message consumed", members)
    for w in members[1:]:
        assert w.terminate() == 0, w.describe()
    lost = 0
    for w in members:
        events = w.snapshot()
        lost += sum(1 for e in events if e["ev"] == "lost")
        refused = [e["commit"] for e in events if e["ev"] == "batch" and e["commit"] != "ok"]
        if any(e["ev"] == "lost" for e in events):
            assert any("ILLEGAL_GENERATION" in r for r in refused), (w.name, refused)
        else:
            # Nothing lost: the member that stayed kept its partitions through the leave.
            held = [e for t, e in w.events if left_at <= t < joined_at and e["ev"] == "assigned"]
            assert all(kept.get(w.name, set()) <= set(e["parts"]) for e in held), (w.name, held)
    duplicates, after_failed = check_deliveries(members, total)
    print(f"\ncooperative group: {total} messages, {duplicates} duplicate deliveries, "
          f"{lost} assignments lost to a refused commit")
    assert duplicates == after_failed


# ------------------------------------------------------------------------------------------------
# b) a SIGKILLed member's partitions move to the others

@pytest.mark.parametrize("victim", ["kafka-python", "confluent", "kafkajs"])
def test_killed_member_partitions_move_within_session_timeout(broker6, workers, victim):
    topic, group = "failover", "failover-group"
    b = broker6
    produce_numbered(b.bootstrap, topic, 0, 600)
    members = {kind: workers(f"{kind}-fo", kind, b.bootstrap, group, topic, session_timeout=6000)
               for kind in ("kafka-python", "confluent", "kafkajs")}
    everyone = list(members.values())
    wait_until(lambda: balanced(everyone), 40, "three members with two partitions each", everyone)
    wait_until(lambda: len({v for w in everyone for _, _, v in w.delivered()}) >= 600, 30,
               "the first 600 messages consumed", everyone)
    survivors = [w for k, w in members.items() if k != victim]
    lost = members[victim].assignment()

    killed_at = time.monotonic()
    members[victim].kill()
    wait_until(lambda: balanced(survivors, since=killed_at), 20,
               f"the survivors taking {victim}'s partitions {lost}", everyone)
    failover = time.monotonic() - killed_at
    print(f"\n{victim} SIGKILLed: its partitions {lost} moved in {failover:.2f}s "
          "(session.timeout.ms=6000)")
    assert 5.0 < failover < 20.0, failover  # the session timeout, not something sooner, moved them
    assert group_log_lines(b, group, r"member \S+ timed out and is removed")

    # The survivors consume what is produced to every partition now.
    produce_numbered(b.bootstrap, topic, 600, 60)
    wait_until(lambda: set(range(600, 660)) <=
               {int(v) for w in survivors for _, _, v in w.delivered()}, 20,
               "the survivors consuming new messages on all partitions", everyone)
    for w in survivors:
        assert w.terminate() == 0, w.describe()


def test_frozen_member_is_fenced_and_rejoins(broker6, workers):
    """A member that stops dead (SIGSTOP) between processing a batch and committing it, for
    longer than its session timeout, loses its partitions to the other member; when it runs again
    its commit is refused (those partitions are the other's now), the other has processed that
    batch again, and the frozen member rejoins. Nothing is lost."""
    topic, group, total = "frozen", "frozen-group", 9_000
    b = broker6
    produce_numbered(b.bootstrap, topic, 0, 1_500)
    frozen = workers("frozen-kp", "kafka-python", b.bootstrap, group, topic, session_timeout=6000,
                     freeze_at_batch=30)
    other = workers("other-ck", "confluent", b.bootstrap, group, topic, session_timeout=6000)
    members = [frozen, other]
    wait_until(lambda: balanced(members), 40, "two members with three partitions each", members)
    producer = threading.Thread(target=produce_numbered,
                                args=(b.bootstrap, topic, 1_500, 7_500, 1_000))
    producer.start()
    wait_until(lambda: frozen.first("freezing") is not None, 30, "the member freezing", members)
    stopped_at = time.monotonic()
    try:
        wait_until(lambda: balanced([other], since=stopped_at), 20, "the other member taking over",
                   members)
        took_over = time.monotonic() - stopped_at
    finally:
        frozen.proc.send_signal(signal.SIGCONT)
    resumed_at = time.monotonic()
    wait_until(lambda: balanced(members, since=resumed_at), 30, "the frozen member back", members)
    producer.join(60)
    wait_until(lambda: len({v for w in members for _, _, v in w.delivered()}) >= total, 60,
               "every message consumed", members)
    for w in members:
        assert w.terminate() == 0, w.describe()
    duplicates, after_failed = check_deliveries(members, total)
    refused = [e for e in frozen.snapshot() if e["ev"] == "batch" and e["commit"] != "ok"]
    assert len(refused) == 1 and refused[0]["commit"].startswith("CommitFailedError"), refused
    stale = {int(v) for _, _, v in refused[0]["recs"]}
    assert stale <= {int(v) for _, _, v in other.delivered()}, "the other member redid the batch"
    print(f"\nfrozen member: partitions moved {took_over:.1f}s after SIGSTOP, its commit of "
          f"{len(stale)} messages refused, {duplicates} duplicate deliveries")
    assert 5.0 < took_over < 20.0
    assert duplicates == after_failed >= len(stale)
    assert group_log_lines(b, group, r"member frozen-kp-\S+ timed out and is removed")


# ------------------------------------------------------------------------------------------------
# c) committed offsets survive a broker restart

def test_resume_from_committed_offsets_after_broker_restart(broker6, workers):
    topic, total = "resume", 600
    b = broker6
    produce_numbered(b.bootstrap, topic, 0, total)
    kinds = {"kafka-python": 130, "confluent": 250, "kafkajs": 370}
    committed = {}
    for kind, count in kinds.items():
        w = workers(f"{kind}-first", kind, b.bootstrap, f"resume-{kind}", topic, stop_after=count)
        assert w.proc.wait(60) == 0, w.describe()
        w.reader.join(5)
        done = w.first("done")
        assert done is not None, w.describe()
        assert len(w.delivered()) == count
        committed[kind] = {int(p): o for p, o in done["committed"].items()}
        # What it committed is exactly what it processed.
        ends = {}
        for p, o, _ in w.delivered():
            ends[p] = max(ends.get(p, 0), o + 1)
        assert committed[kind] == ends
        assert committed_offsets(b.bootstrap, f"resume-{kind}", topic) == committed[kind]

    assert b.stop() == 0
    b.start()
    for kind in kinds:
        assert committed_offsets(b.bootstrap, f"resume-{kind}", topic) == committed[kind], kind

    resumed = {kind: workers(f"{kind}-resumed", kind, b.bootstrap, f"resume-{kind}", topic)
               for kind in kinds}
    for kind, w in resumed.items():
        want = {(p, o) for p in range(PARTITIONS)
                for o in range(committed[kind].get(p, 0), total // PARTITIONS)}
        wait_until(lambda: len(w.delivered()) >= len(want), 40,
                   f"{kind} resuming with {len(want)} messages", [w])
    time.sleep(1.0)  # nothing more may come
    for kind, w in resumed.items():
        assert w.terminate() == 0, w.describe()
        want = {(p, o) for p in range(PARTITIONS)
                for o in range(committed[kind].get(p, 0), total // PARTITIONS)}
        got = [(p, o) for p, o, _ in w.delivered()]
        assert len(got) == len(set(got)), f"{kind} got duplicates"
        assert set(got) == want, (f"{kind}: committed {committed[kind]}, resumed with "
                                  f"{sorted(set(got) - want)[:5]} extra, "
                                  f"{sorted(want - set(got))[:5]} missing")
        first = {}
        for p, o in got:
            first.setdefault(p, o)
        assert first == {p: committed[kind].get(p, 0) for p in first}, kind


# ------------------------------------------------------------------------------------------------
# d) a static member restarts within its session timeout without a rebalance

def test_static_member_restarts_without_rebalance(broker6, workers):
    topic, group = "static", "static-group"
    b = broker6
    produce_numbered(b.bootstrap, topic, 0, 600)
    opts = dict(session_timeout=30000)
    # A restarted static member keeps the client id its first incarnation joined with (as Kafka's
    # coordinator does), so both incarnations use the instance id as client id.
    a = workers("static-a-1", "confluent", b.bootstrap, group, topic, instance_id="static-a",
                client_id="static-a", **opts)
    c = workers("static-b-1", "confluent", b.bootstrap, group, topic, instance_id="static-b",
                client_id="static-b", **opts)
    wait_until(lambda: balanced([a, c]), 40, "two static members with three partitions each",
               [a, c])
    wait_until(lambda: len({v for w in (a, c) for _, _, v in w.delivered()}) >= 600, 30,
               "the first 600 messages consumed", [a, c])
    produced = 600

    def members_by_instance():
        admin = KafkaAdminClient(bootstrap_servers=b.bootstrap)
        try:
            info = admin.describe_consumer_groups([group])[0]
        finally:
            admin.close()
        assert info.state == "Stable" and info.protocol == "range", info
        return {m.client_id: m.member_id for m in info.members}

    before_ids = members_by_instance()
    assert set(before_ids) == {"static-a", "static-b"}
    assert before_ids["static-a"].startswith("static-a-")

    # Restart each member in turn: one cleanly (a static member does not leave the group on
    # close), one with SIGKILL. One of the two is the group's leader.
    leader = leader_of(b, group)
    live = {"static-a": a, "static-b": c}
    for how, instance, other in (("close", "static-a", "static-b"),
                                 ("kill", "static-b", "static-a")):
        old, stayer = live[instance], live[other]
        generations = len(group_log_lines(b, group, r"generation \d+ with"))
        rebalances = len(group_log_lines(b, group, r"preparing to rebalance"))
        stayer_events = len([e for e in stayer.snapshot() if e["ev"] in ("assigned", "revoked")])
        old_parts = old.assignment()
        if how == "close":
            assert old.terminate() == 0, old.describe()
        else:
            old.kill()
        restarted_at = time.monotonic()
        new = workers(f"{instance}-2", "confluent", b.bootstrap, group, topic,
                      instance_id=instance, client_id=instance, **opts)
        live[instance] = new
        wait_until(lambda: new.assignment() is not None, 20, f"{instance} back", [new, stayer])
        back_in = time.monotonic() - restarted_at
        assert new.assignment() == old_parts
        # It commits with the generation it rejoined: new messages on every partition are
        # consumed and committed by the two members.
        produce_numbered(b.bootstrap, topic, produced, 60)
        produced += 60
        wait_until(lambda: {int(v) for w in (new, stayer) for _, _, v in w.delivered()} >=
                   set(range(produced - 60, produced)), 20, "new messages consumed", [new, stayer])
        assert all(e["commit"] == "ok" for e in new.snapshot() if e["ev"] == "batch"), \
            new.describe()
        wait_until(lambda: committed_offsets(b.bootstrap, group, topic) ==
                   {p: produced // PARTITIONS for p in range(PARTITIONS)}, 10, "commits",
                   [new, stayer])

        assert len(group_log_lines(b, group, r"generation \d+ with")) == generations
        assert len(group_log_lines(b, group, r"preparing to rebalance")) == rebalances
        assert group_log_lines(b, group,
                               rf"static member {instance} rejoins as {instance}-\S+ \(was ")
        assert len([e for e in stayer.snapshot()
                    if e["ev"] in ("assigned", "revoked")]) == stayer_events
        role = "leader" if leader.startswith(instance + "-") else "follower"
        print(f"\nstatic member {instance} ({how}, {role}) back with {old_parts} "
              f"in {back_in:.2f}s, "
              "no rebalance")

    after_ids = members_by_instance()
    assert set(after_ids) == {"static-a", "static-b"}
    for instance in ("static-a", "static-b"):
        assert after_ids[instance] != before_ids[instance]
        assert after_ids[instance].startswith(instance + "-")
    for w in live.values():
        assert w.terminate() == 0, w.describe()


# ------------------------------------------------------------------------------------------------
# e) the admin group APIs report what the groups did

def test_admin_lists_describes_and_deletes_groups(broker6, workers):
    topic = "adm"
    b = broker6
    produce_numbered(b.bootstrap, topic, 0, 60)
    first = workers("adm-kp", "kafka-python", b.bootstrap, "adm-empty", topic, stop_after=25)
    assert first.proc.wait(60) == 0, first.describe()
    first.reader.join(5)
    empty_offsets = {int(p): o for p, o in first.first("done")["committed"].items()}
    live = workers("adm-ck", "confluent", b.bootstrap, "adm-live", topic)
    wait_until(lambda: len(live.delivered()) >= 60, 30, "the live member consuming", [live])
    wait_until(lambda: committed_offsets(b.bootstrap, "adm-live", topic) ==
               {p: 10 for p in range(PARTITIONS)}, 10, "the live member's commits", [live])

    admin = KafkaAdminClient(bootstrap_servers=b.bootstrap)
    try:
        assert sorted(admin.list_consumer_groups()) == [("adm-empty", "consumer"),
                                                        ("adm-live", "consumer")]
        empty, active = admin.describe_consumer_groups(["adm-empty", "adm-live"])
        assert (empty.group, empty.state, empty.protocol_type, empty.protocol, empty.members) == \
            ("adm-empty", "Empty", "consumer", "", [])
        assert (active.group, active.state, active.protocol_type, active.protocol) == \
            ("adm-live", "Stable", "consumer", "range")
        assert len(active.members) == 1
        m = active.members[0]
        assert m.client_id == "adm-ck" and m.client_host == "/127.0.0.1"
        assert m.member_id.startswith("adm-ck-")
        assert list(m.member_metadata.subscription) == [topic]
        assert [(t, sorted(ps)) for t, ps in m.member_assignment.assignment] == \
            [(topic, list(range(PARTITIONS)))]
        assert {tp.partition: om.offset for tp, om in
                admin.list_consumer_group_offsets("adm-empty").items()} == empty_offsets
        got = admin.list_consumer_group_offsets(
            "adm-live", partitions=[KTopicPartition(topic, p) for p in range(PARTITIONS)])
        assert {tp.partition: om.offset for tp, om in got.items()} == \
            {p: 10 for p in range(PARTITIONS)}
    finally:
        admin.close()

    # librdkafka's admin view of the same groups.
    rd_admin = AdminClient({"bootstrap.servers": b.bootstrap})
    listed = {g.id: g for g in rd_admin.list_groups(timeout=10)}
    assert set(listed) == {"adm-empty", "adm-live"}
    assert (listed["adm-empty"].state, listed["adm-empty"].members) == ("Empty", [])
    assert (listed["adm-live"].state, listed["adm-live"].protocol) == ("Stable", "range")
    assert [mm.client_id for mm in listed["adm-live"].members] == ["adm-ck"]

    # kafkajs: list, describe, fetch offsets, delete (the live group cannot be deleted).
    seen = json.loads(node("group_admin.js", b.bootstrap, topic, "adm-empty", "adm-live"))
    assert seen["listed"] == [["adm-empty", "consumer"], ["adm-live", "consumer"]]
    assert seen["described"] == [
        {"groupId": "adm-empty", "state": "Empty", "protocolType": "consumer", "protocol": "",
         "members": []},
        {"groupId": "adm-live", "state": "Stable", "protocolType": "consumer", "protocol": "range",
         "members": [{"clientId": "adm-ck", "clientHost": "/127.0.0.1", "topics": [topic],
                      "assigned": {topic: list(range(PARTITIONS))}}]},
    ]
    assert seen["offsets"]["adm-empty"] == \
        {str(p): empty_offsets.get(p, -1) for p in range(PARTITIONS)}
    assert seen["offsets"]["adm-live"] == {str(p): 10 for p in range(PARTITIONS)}
    assert seen["deleteEmpty"] == [{"groupId": "adm-empty", "errorCode": 0}]
    assert seen["deleteLive"] == ["adm-live:NON_EMPTY_GROUP"]
    assert seen["deleteMissing"] == ["no-such-group:GROUP_ID_NOT_FOUND"]
    assert seen["listedAfter"] == [["adm-live", "consumer"]]

    # Once its member leaves, kafka-python deletes the other group; nothing is left of either.
    assert live.terminate() == 0, live.describe()
    admin = KafkaAdminClient(bootstrap_servers=b.bootstrap)
    try:
        result = admin.delete_consumer_groups(["adm-live"])
        assert [(g, e.__name__) for g, e in result] == [("adm-live", "NoError")]
        assert admin.list_consumer_groups() == []
        assert admin.list_consumer_group_offsets("adm-live") == {}
        assert admin.list_consumer_group_offsets("adm-empty") == {}
    finally:
        admin.close()


if __name__ == "__main__" and len(sys.argv) >= 7 and sys.argv[1] == "worker":
    run_worker(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], json.loads(sys.argv[6]))
