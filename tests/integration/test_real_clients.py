"""The Kafka clients people run, fetched from their registries at pinned versions by
scripts/install-test-clients.sh, against the real broker: Apache Kafka's Java clients (3.9 and 4.x
lines) with the AdminClient, the newest confluent-kafka from PyPI, franz-go and sarama (Go), and
@platformatic/kafka (npm). Each client produces records and a consumer of the same client reads
each exactly once.

The broker does not yet grant producer ids (InitProducerId), so every producer here is
non-idempotent: Java 3.0+ defaults to enable.idempotence=true and would fail on INIT_PRODUCER_ID,
franz-go defaults to idempotent writes too. pending_exactly_once_clients.py holds the tests that
use the clients' defaults, idempotence and transactions, for when the broker has them.
"""
import collections

import pytest
from confluent_kafka import Producer

from clients import confluent_latest, franz, java, platformatic, sarama

JAVA_LINES = ["3.9", "4.x"]
# What a producer of today's broker passes: no InitProducerId, so no idempotence.
JAVA_NON_IDEMPOTENT = ("enable.idempotence=false", "acks=1")


def assert_exactly_once(consumed, count, client):
    """A consumer result (Java Consume's fields, which every client's program prints) saw records
    0..count-1 once each."""
    assert not consumed.get("timed_out"), f"{client}: timed out after {consumed['count']} of {count}: {consumed}"
    assert consumed["count"] == count, f"{client}: {consumed}"
    assert consumed["unique"] == count and consumed["duplicates"] == 0, f"{client}: {consumed}"
    assert consumed["missing_count"] == 0 and consumed["unexpected_count"] == 0, f"{client}: {consumed}"
    assert consumed["key_mismatches"] == 0, f"{client}: {consumed}"


def assert_all_acked(produced, count, client):
    assert produced["error_count"] == 0 and not produced["errors"], f"{client}: {produced}"
    assert produced["acked"] == count, f"{client}: {produced}"


def word_lines(n=400):
    """Free-text input for the word count, and the counts it must come to."""
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    lines = [" ".join(words[(i + j) % len(words)] for j in range(i % 4 + 1)) for i in range(n)]
    return lines, collections.Counter(w for text in lines for w in text.split())


def write_lines(broker, topic, lines):
    """Writes free text, which the programs' v-<i> pattern is not, with Debian's confluent-kafka."""
    p = Producer({"bootstrap.servers": broker.bootstrap})
    for i, text in enumerate(lines):
        p.produce(topic, key=str(i), value=text)
    assert p.flush(30) == 0


@pytest.mark.parametrize("line", JAVA_LINES)
def test_java_admin_client_creates_and_describes_a_topic(broker, line):
    r = java("AdminOps", f"--bootstrap={broker.bootstrap}", "--create-topic=java-admin", "--partitions=3",
             "--replication-factor=1", "--describe-topic=java-admin", "--describe-cluster", "--list-topics",
             line=line)
    assert r["kafka_version"].startswith("3.9." if line == "3.9" else "4."), r
    assert r["created"] == "java-admin"
    topic = r["topic"]
    assert topic["name"] == "java-admin" and topic["internal"] is False
    assert [p["partition"] for p in topic["partitions"]] == [0, 1, 2]
    assert all(p["leader"] == 1 and p["replicas"] == [1] and p["isr"] == [1] for p in topic["partitions"]), topic
    cluster = r["cluster"]
    assert cluster["controller"] == 1
    assert cluster["nodes"] == [{"id": 1, "host": "127.0.0.1", "port": broker.port}]
    assert cluster["cluster_id"]
    assert "java-admin" in r["topics"]

    # A second create of the same name is refused, and the program says why.
    again = java("AdminOps", f"--bootstrap={broker.bootstrap}", "--create-topic=java-admin", line=line, check=False)
    assert again["exit_code"] == 2 and "TopicExistsException" in again["error"], again


@pytest.mark.parametrize("line", JAVA_LINES)
def test_java_producer_and_consumers_see_each_record_once(broker, line):
    count = 5000
    java("AdminOps", f"--bootstrap={broker.bootstrap}", "--create-topic=java-pc", "--partitions=3", line=line)
    produced = java("Produce", f"--bootstrap={broker.bootstrap}", "--topic=java-pc", f"--count={count}",
                    *JAVA_NON_IDEMPOTENT, "linger.ms=5", "compression.type=lz4", line=line)
    assert_all_acked(produced, count, f"java {line}")
    parts = produced["partitions"]
    assert sorted(parts) == ["0", "1", "2"], produced
    # Offsets in each partition are dense from 0: nothing lost or doubled on the way in.
    for p in parts.values():
        assert p["first_offset"] == 0 and p["last_offset"] == p["count"] - 1, produced
    assert sum(p["count"] for p in parts.values()) == count

    # Assigned (no group) and as a group member: each record once, on the partition it was written to.
    assigned = java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=java-pc", f"--count={count}", line=line)
    assert_exactly_once(assigned, count, f"java {line} assign")
    assert assigned["partitions"] == {k: v["count"] for k, v in parts.items()}
    grouped = java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=java-pc", f"--count={count}",
                   "group.id=java-pc-group", "isolation.level=read_committed", line=line)
    assert_exactly_once(grouped, count, f"java {line} group")
    assert grouped["digest"] == assigned["digest"]


def test_java_lines_read_each_others_records(broker):
    """3.9 writes, 4.x reads, then the other way round, on one topic."""
    first = java("Produce", f"--bootstrap={broker.bootstrap}", "--topic=java-cross", "--count=1000",
                 *JAVA_NON_IDEMPOTENT, line="3.9")
    assert_all_acked(first, 1000, "java 3.9")
    second = java("Produce", f"--bootstrap={broker.bootstrap}", "--topic=java-cross", "--first=1000",
                  "--count=1000", *JAVA_NON_IDEMPOTENT, line="4.x")
    assert_all_acked(second, 1000, "java 4.x")
    for line in JAVA_LINES:
        got = java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=java-cross", "--count=2000",
                   f"group.id=cross-{line}", line=line)
        assert_exactly_once(got, 2000, f"java {line}")


def test_java_producer_with_explicit_partition_and_sync_sends(broker):
    java("AdminOps", f"--bootstrap={broker.bootstrap}", "--create-topic=java-sync", "--partitions=2", line="4.x")
    produced = java("Produce", f"--bootstrap={broker.bootstrap}", "--topic=java-sync", "--count=50",
                    "--partition=1", "--sync", "--offsets", *JAVA_NON_IDEMPOTENT, line="4.x")
    assert_all_acked(produced, 50, "java 4.x")
    assert produced["offsets"] == [[i, 1, i] for i in range(50)]
    got = java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=java-sync", "--count=50", "--values",
               line="4.x")
    assert got["values"] == [f"v-{i}" for i in range(50)]
    assert got["partitions"] == {"1": 50}


@pytest.mark.parametrize("line", JAVA_LINES)
def test_kafka_streams_word_count_at_least_once(broker, line, tmp_path):
    """Kafka Streams with its internal topics (a repartition topic, a changelog) created through
    the broker; its producers non-idempotent, as Streams' at_least_once allows."""
    lines, expected = word_lines()
    write_lines(broker, "wc-in", lines)
    app = f"wc-{line.replace('.', '')}"
    run = java("StreamsWordCount", f"--bootstrap={broker.bootstrap}", "--input=wc-in", "--output=wc-out",
               f"--application-id={app}", f"--expect-records={len(lines)}",
               f"--expect-words={sum(expected.values())}", f"--state-dir={tmp_path / 'streams'}",
               "processing.guarantee=at_least_once", "producer.enable.idempotence=false", line=line)
    assert run["records"] == len(lines) and run["words"] == sum(expected.values()), run
    assert run["error"] is None and run["state"] == "NOT_RUNNING", run
    counts = java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=wc-out", f"--count={len(expected)}",
                  "--drain-ms=2000", "--value-format=long", "--last-by-key", line=line)
    assert counts["last_by_key"] == dict(expected), counts
    topics = java("AdminOps", f"--bootstrap={broker.bootstrap}", "--list-topics", line=line)["topics"]
    assert {f"{app}-words-repartition", f"{app}-counts-changelog"} <= set(topics), topics


def test_confluent_kafka_newest_produces_and_consumes(broker):
    count = 5000
    produced = confluent_latest("confluent_latest.py", "produce", f"--bootstrap={broker.bootstrap}",
                                "--topic=ck-latest", f"--count={count}", "linger.ms=5", "compression.type=zstd")
    # The wheel's own client and librdkafka, not Debian's python3-confluent-kafka (1.x/2.0).
    major, minor = (int(x) for x in produced["client_version"].split(".")[:2])
    assert (major, minor) >= (2, 16), produced
    assert_all_acked(produced, count, "confluent-kafka")
    assert produced["partitions"]["0"] == {"count": count, "first_offset": 0, "last_offset": count - 1}

    grouped = confluent_latest("confluent_latest.py", "consume", f"--bootstrap={broker.bootstrap}",
                               "--topic=ck-latest", f"--count={count}", "group.id=ck-latest-group")
    assert_exactly_once(grouped, count, "confluent-kafka group")
    assigned = confluent_latest("confluent_latest.py", "consume", f"--bootstrap={broker.bootstrap}",
                                "--topic=ck-latest", f"--count={count}", "isolation.level=read_committed")
    assert_exactly_once(assigned, count, "confluent-kafka assign")


def test_franz_go_produces_and_consumes(broker):
    count = 5000
    admin = franz("admin", f"--bootstrap={broker.bootstrap}", "--create-topic=franz", "--partitions=3",
                  "--describe-topic=franz", "--describe-cluster")
    assert [p["partition"] for p in admin["topic"]["partitions"]] == [0, 1, 2]
    assert admin["cluster"]["nodes"] == [{"id": 1, "host": "127.0.0.1", "port": broker.port}]
    produced = franz("produce", f"--bootstrap={broker.bootstrap}", "--topic=franz", f"--count={count}",
                     "--idempotent=false", "--acks=leader")
    assert_all_acked(produced, count, "franz-go")
    assert produced["producer_id"] == -1, produced  # not idempotent
    assert sum(p["count"] for p in produced["partitions"].values()) == count
    for p in produced["partitions"].values():
        assert p["first_offset"] == 0 and p["last_offset"] == p["count"] - 1, produced

    grouped = franz("consume", f"--bootstrap={broker.bootstrap}", "--topic=franz", f"--count={count}",
                    "--group=franz-group")
    assert_exactly_once(grouped, count, "franz-go group")
    direct = franz("consume", f"--bootstrap={broker.bootstrap}", "--topic=franz", f"--count={count}",
                   "--isolation=read_committed")
    assert_exactly_once(direct, count, "franz-go direct")
    assert direct["digest"] == grouped["digest"]


def test_sarama_produces_and_consumes(broker):
    count = 3000
    produced = sarama("produce", f"--bootstrap={broker.bootstrap}", "--topic=sarama", f"--count={count}",
                      "--acks=leader")
    assert_all_acked(produced, count, "sarama")
    grouped = sarama("consume", f"--bootstrap={broker.bootstrap}", "--topic=sarama", f"--count={count}",
                     "--group=sarama-group")
    assert_exactly_once(grouped, count, "sarama group")
    assert not grouped.get("error"), grouped
    direct = sarama("consume", f"--bootstrap={broker.bootstrap}", "--topic=sarama", f"--count={count}")
    assert_exactly_once(direct, count, "sarama partition consumers")


def test_platformatic_kafka_produces_and_consumes(broker):
    count = 3000
    produced = platformatic("produce", f"--bootstrap={broker.bootstrap}", "--topic=platformatic",
                            f"--count={count}", "--acks=leader")
    assert_all_acked(produced, count, "@platformatic/kafka")
    grouped = platformatic("consume", f"--bootstrap={broker.bootstrap}", "--topic=platformatic",
                           f"--count={count}", "--group=platformatic-group")
    assert_exactly_once(grouped, count, "@platformatic/kafka")
    assert not grouped["error"], grouped


def test_clients_read_each_others_records(broker):
    """franz-go writes; Java 4.x, confluent-kafka, sarama and @platformatic/kafka each read it all."""
    count = 2000
    produced = franz("produce", f"--bootstrap={broker.bootstrap}", "--topic=mixed", f"--count={count}",
                     "--idempotent=false", "--acks=all")
    assert_all_acked(produced, count, "franz-go")
    assert_exactly_once(java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=mixed", f"--count={count}",
                             "group.id=mixed-java", line="4.x"), count, "java 4.x")
    assert_exactly_once(confluent_latest("confluent_latest.py", "consume", f"--bootstrap={broker.bootstrap}",
                                         "--topic=mixed", f"--count={count}"), count, "confluent-kafka")
    assert_exactly_once(sarama("consume", f"--bootstrap={broker.bootstrap}", "--topic=mixed", f"--count={count}"),
                        count, "sarama")
    assert_exactly_once(platformatic("consume", f"--bootstrap={broker.bootstrap}", "--topic=mixed",
                                     f"--count={count}"), count, "@platformatic/kafka")
