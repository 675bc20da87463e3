"""Idempotent producers and transactions with the clients people run, against one real sluiced:
Apache Kafka's Java clients and Streams (3.9 and 4.x lines), the newest confluent-kafka from
PyPI, franz-go and @platformatic/kafka (fetched by scripts/install-test-clients.sh).

Each test uses the clients' defaults where the defaults are the exactly-once ones (Java 3.0+,
franz-go: idempotence on), and sets them where they are not (confluent-kafka, sarama,
@platformatic/kafka: off by default).
"""
import struct
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from clients import confluent_latest, franz, java, java_background, platformatic, sarama
from test_real_clients import JAVA_LINES, assert_all_acked, assert_exactly_once, word_lines, write_lines


def bootstrap(broker):
    return f"--bootstrap={broker.bootstrap}"


# --- idempotent producers ------------------------------------------------------------------------


@pytest.mark.parametrize("line", JAVA_LINES)
def test_java_default_producer_100k_records_each_seen_once(broker, line):
    """Kafka 3.0+ producer defaults: enable.idempotence=true, acks=all."""
    count = 100_000
    java("AdminOps", bootstrap(broker), "--create-topic=idem", "--partitions=3", line=line)
    produced = java("Produce", bootstrap(broker), "--topic=idem", f"--count={count}", "linger.ms=5",
                    line=line, timeout=600)
    assert_all_acked(produced, count, f"java {line} default producer")
    for p in produced["partitions"].values():
        assert p["first_offset"] == 0 and p["last_offset"] == p["count"] - 1, produced
    got = java("Consume", bootstrap(broker), "--topic=idem", f"--count={count}", "--timeout-ms=240000",
               "group.id=idem-readers", line=line, timeout=600)
    assert_exactly_once(got, count, f"java {line}")


def test_other_clients_idempotent_producers(broker):
    count = 5000
    produced = franz("produce", bootstrap(broker), "--topic=idem-franz", f"--count={count}")  # franz default
    assert_all_acked(produced, count, "franz-go idempotent")
    # franz-go falls back to plain writes when the broker has no InitProducerId: make sure it did not.
    assert produced["producer_id"] >= 0, produced
    assert_exactly_once(franz("consume", bootstrap(broker), "--topic=idem-franz", f"--count={count}"),
                        count, "franz-go")

    produced = confluent_latest("confluent_latest.py", "produce", bootstrap(broker), "--topic=idem-ck",
                                f"--count={count}", "enable.idempotence=true")
    assert_all_acked(produced, count, "confluent-kafka idempotent")
    assert_exactly_once(confluent_latest("confluent_latest.py", "consume", bootstrap(broker), "--topic=idem-ck",
                                         f"--count={count}"), count, "confluent-kafka")

    produced = sarama("produce", bootstrap(broker), "--topic=idem-sarama", f"--count={count}", "--idempotent=true",
                      "--version=3.9.0")
    assert_all_acked(produced, count, "sarama idempotent")
    assert_exactly_once(sarama("consume", bootstrap(broker), "--topic=idem-sarama", f"--count={count}"),
                        count, "sarama")

    produced = platformatic("produce", bootstrap(broker), "--topic=idem-pk", f"--count={count}", "--idempotent=true")
    assert_all_acked(produced, count, "@platformatic/kafka idempotent")
    assert_exactly_once(platformatic("consume", bootstrap(broker), "--topic=idem-pk", f"--count={count}"),
                        count, "@platformatic/kafka")


# --- transactions ----------------------------------------------------------------------------------


def check_committed_output(consume, broker, topic, txn, count, client):
    """read_committed sees exactly the committed records; read_uncommitted sees the aborted copies too."""
    assert txn["error"] is None, f"{client}: {txn}"
    assert txn["records_committed"] == count and txn["aborted"] >= 1, f"{client}: {txn}"
    committed = consume(topic, count, count, "read_committed")
    assert_exactly_once(committed, count, f"{client} read_committed")
    total = count + txn["records_aborted"]
    everything = consume(topic, total, count, "read_uncommitted")
    assert everything["count"] == total, f"{client} read_uncommitted: {everything}"
    assert everything["duplicates"] == txn["records_aborted"], f"{client} read_uncommitted: {everything}"


def java_consume(broker, line):
    def consume(topic, count, rng, isolation):
        return java("Consume", bootstrap(broker), f"--topic={topic}", f"--count={count}", f"--range={rng}",
                    f"isolation.level={isolation}", line=line)
    return consume


@pytest.mark.parametrize("line", JAVA_LINES)
def test_java_transactions_commit_and_abort_in_turn(broker, line):
    count = 1000
    txn = java("TxnLoop", bootstrap(broker), "--output=txn-out", "--transactional-id=java-gen",
               f"--count={count}", "--batch=50", "--abort-every=2", line=line)
    assert txn["committed"] == count // 50 and txn["aborted"] == count // 50 - 1, txn
    check_committed_output(java_consume(broker, line), broker, "txn-out", txn, count, f"java {line}")


@pytest.mark.parametrize("line", JAVA_LINES)
def test_java_consume_transform_produce_with_send_offsets(broker, line):
    count = 600
    produced = java("Produce", bootstrap(broker), "--topic=ctp-in", f"--count={count}", line=line)
    assert_all_acked(produced, count, f"java {line}")
    txn = java("TxnLoop", bootstrap(broker), "--input=ctp-in", "--group=ctp", "--output=ctp-out",
               "--transactional-id=java-ctp", f"--count={count}", "--batch=40", "--abort-every=3", line=line)
    check_committed_output(java_consume(broker, line), broker, "ctp-out", txn, count, f"java {line}")

    # The group's offsets moved only with committed transactions: a second loop finds nothing left.
    more = java("TxnLoop", bootstrap(broker), "--input=ctp-in", "--group=ctp", "--output=ctp-out",
                "--transactional-id=java-ctp", "--count=1", "--timeout-ms=15000", line=line, check=False)
    assert more["exit_code"] == 3 and more["records_committed"] == 0, more


@pytest.mark.parametrize("line", JAVA_LINES)
def test_streams_exactly_once_v2_word_count(broker, line, tmp_path):
    lines, expected = word_lines()
    write_lines(broker, "wc-in", lines)
    run = java("StreamsWordCount", bootstrap(broker), "--input=wc-in", "--output=wc-out",
               f"--application-id=wc-{line.replace('.', '')}", f"--expect-records={len(lines)}",
               f"--expect-words={sum(expected.values())}", f"--state-dir={tmp_path / 'streams'}",
               "processing.guarantee=exactly_once_v2", line=line)
    assert run["records"] == len(lines) and run["error"] is None, run
    counts = java("Consume", bootstrap(broker), "--topic=wc-out", f"--count={len(expected)}", "--drain-ms=3000",
                  "--value-format=long", "--last-by-key", "isolation.level=read_committed", line=line)
    assert counts["last_by_key"] == dict(expected), counts


def test_confluent_kafka_transactions(broker):
    count = 500

    def consume(topic, n, rng, isolation):
        return confluent_latest("confluent_latest.py", "consume", bootstrap(broker), f"--topic={topic}",
                                f"--count={n}", f"--range={rng}", f"isolation.level={isolation}")

    txn = confluent_latest("confluent_latest.py", "txn", bootstrap(broker), "--output=ck-txn",
                           "--transactional-id=ck-gen", f"--count={count}", "--batch=25")
    check_committed_output(consume, broker, "ck-txn", txn, count, "confluent-kafka")

    confluent_latest("confluent_latest.py", "produce", bootstrap(broker), "--topic=ck-ctp-in", f"--count={count}",
                     "enable.idempotence=true")
    txn = confluent_latest("confluent_latest.py", "txn", bootstrap(broker), "--input=ck-ctp-in", "--group=ck-ctp",
                           "--output=ck-ctp-out", "--transactional-id=ck-ctp", f"--count={count}", "--batch=25")
    check_committed_output(consume, broker, "ck-ctp-out", txn, count, "confluent-kafka send_offsets_to_transaction")


def test_franz_go_transactions(broker):
    count = 500

    def consume(topic, n, rng, isolation):
        return franz("consume", bootstrap(broker), f"--topic={topic}", f"--count={n}", f"--range={rng}",
                     f"--isolation={isolation}")

    txn = franz("txn", bootstrap(broker), "--output=franz-txn", "--transactional-id=franz-gen", f"--count={count}",
                "--batch=25")
    check_committed_output(consume, broker, "franz-txn", txn, count, "franz-go")

    franz("produce", bootstrap(broker), "--topic=franz-ctp-in", f"--count={count}")
    txn = franz("txn", bootstrap(broker), "--input=franz-ctp-in", "--group=franz-ctp", "--output=franz-ctp-out",
                "--transactional-id=franz-ctp", f"--count={count}", "--batch=25")
    check_committed_output(consume, broker, "franz-ctp-out", txn, count, "franz-go GroupTransactSession")


def test_platformatic_kafka_transactions(broker):
    """One aborted transaction per run: @platformatic/kafka 1.35's read_committed filter keeps one
    aborted range per producer id per fetch response, so a response holding two aborted
    transactions of one producer (which Kafka sends too) shows the first one's records. That is
    the client's limit, not the broker's; the other clients here filter every aborted range."""
    count = 300

    def consume(topic, n, rng, isolation):
        return platformatic("consume", bootstrap(broker), f"--topic={topic}", f"--count={n}", f"--range={rng}",
                            f"--isolation={isolation}")

    txn = platformatic("txn", bootstrap(broker), "--output=pk-txn", "--transactional-id=pk-gen", f"--count={count}",
                       "--batch=25", "--abort-every=12")
    check_committed_output(consume, broker, "pk-txn", txn, count, "@platformatic/kafka")

    platformatic("produce", bootstrap(broker), "--topic=pk-ctp-in", f"--count={count}", "--idempotent=true")
    txn = platformatic("txn", bootstrap(broker), "--input=pk-ctp-in", "--group=pk-ctp", "--output=pk-ctp-out",
                       "--transactional-id=pk-ctp", f"--count={count}", "--batch=25", "--abort-every=12")
    check_committed_output(consume, broker, "pk-ctp-out", txn, count, "@platformatic/kafka addOffset")


# --- Kafka Streams through a crash -------------------------------------------------------------------


def committed_word_counts(bootstrap_servers, topic):
    """The word count's read_committed output: the last count of each word (values are longs)."""
    c = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": f"wc-check-{time.monotonic()}",
                  "isolation.level": "read_committed", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "enable.partition.eof": True})
    try:
        md = c.list_topics(topic, timeout=10).topics.get(topic)
        if md is None or md.error is not None:
            return {}
        c.assign([TopicPartition(topic, p, 0) for p in md.partitions])
        counts, eof, deadline = {}, set(), time.monotonic() + 30
        while len(eof) < len(md.partitions) and time.monotonic() < deadline:
            for m in c.consume(1000, 0.5):
                if m.error():
                    if m.error().code() == -191:  # _PARTITION_EOF
                        eof.add(m.partition())
                    continue
                counts[m.key().decode()] = struct.unpack(">q", m.value())[0]
        return counts
    finally:
        c.close()


def run_word_count_through(kill, cluster_bootstrap, tmp_path, line, app_id, extra=()):
    """Streams exactly_once_v2 over input written in two halves, `kill()` in between (once output
    is committed): the committed counts must come out exactly right."""
    lines, expected = word_lines(3000)
    write_lines_to(cluster_bootstrap(), "wck-in", lines[:1500])
    stop = tmp_path / "stop"
    app = java_background("StreamsWordCount", f"--bootstrap={cluster_bootstrap()}", "--input=wck-in",
                          "--output=wck-out", f"--application-id={app_id}", f"--stop-file={stop}",
                          f"--state-dir={tmp_path / 'streams'}", "--timeout-ms=300000",
                          "processing.guarantee=exactly_once_v2", *extra,
                          workdir=tmp_path / "app", line=line)
    last = {}

    def counts_are_exact():
        last.update(counts=committed_word_counts(cluster_bootstrap(), "wck-out"))
        return last["counts"] == dict(expected)

    exact = False
    try:
        wait_for(lambda: committed_word_counts(cluster_bootstrap(), "wck-out"), 180,
                 "the word count's first committed output")
        kill()
        write_lines_to(cluster_bootstrap(), "wck-in", lines[1500:])
        exact = poll(counts_are_exact, 240)
    finally:
        stop.touch()
    run = app.wait(120, check=False)
    assert exact, (f"the committed counts never came out exact: {last.get('counts')} "
                   f"(expected {dict(expected)}); the application: {run}")
    assert run["error"] is None and run["exit_code"] == 0, run
    # Still exact once the application has closed (nothing more was committed on the way out).
    assert committed_word_counts(cluster_bootstrap(), "wck-out") == dict(expected)


def poll(condition, timeout):
    """Whether condition() came true within timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def write_lines_to(bootstrap_servers, topic, lines):
    p = Producer({"bootstrap.servers": bootstrap_servers, "enable.idempotence": True})
    for i, text in enumerate(lines):
        p.produce(topic, key=str(i), value=text)
    assert p.flush(60) == 0


def test_streams_exactly_once_v2_counts_exactly_through_a_broker_kill(broker_factory, tmp_path):
    b = broker_factory(overrides={"transaction.state.log.num.partitions": "4",
                                  "offsets.topic.num.partitions": "4"}).start()

    def kill_and_restart():
        b.kill()  # SIGKILL mid-run: open transactions, unflushed pages, everything
        b.start()

    run_word_count_through(kill_and_restart, lambda: b.bootstrap, tmp_path, "3.9", "wck-single")
