"""kafka-transactions.sh, `sluice txn` and --isolation-level against a real broker.

Transactions are real: Debian's confluent-kafka (librdkafka) commits one and leaves one open
(produced and flushed, never committed). A hanging transaction — open on a partition but unknown
to any coordinator — is written with a raw Produce of a transactional batch whose producer never
went through AddPartitionsToTxn (the broker accepts it, as Kafka's brokers before KIP-890 do),
timestamped 20 minutes ago so that find-hanging's default 15-minute window sees it.

Kafka's tables are checked byte for byte: each expected table is rendered here the way Kafka's
ToolsUtils.prettyPrintTable does (cells padded to the column width, each followed by a tab).
"""
import json
import os
import subprocess
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from conftest import SOURCE_DIR, Broker
from kafka_wire import Client, record_batch

BIN = SOURCE_DIR / "bin"

LIST_HEADERS = ["TransactionalId", "Coordinator", "ProducerId", "TransactionState"]
DESCRIBE_HEADERS = ["CoordinatorId", "TransactionalId", "ProducerId", "ProducerEpoch",
                    "TransactionState", "TransactionTimeoutMs", "CurrentTransactionStartTimeMs",
                    "TransactionDurationMs", "TopicPartitions"]
PRODUCER_HEADERS = ["ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence",
                    "LastTimestamp", "CurrentTransactionStartOffset"]
HANGING_HEADERS = ["Topic", "Partition", "ProducerId", "ProducerEpoch", "CoordinatorEpoch",
                   "StartOffset", "LastTimestamp", "Duration(min)"]


# --- running the tools ------------------------------------------------------------------------------


def run(script, *args, timeout=60):
    return subprocess.run([str(BIN / script), *args], capture_output=True, text=True,
                          timeout=timeout)


def txn_tool(broker, *args):
    return run("kafka-transactions.sh", "--bootstrap-server", broker.bootstrap, *args)


def ok(p):
    assert p.returncode == 0, f"exit {p.returncode}: {p.stderr}"
    return p.stdout


def sluice(broker, *args):
    env = {**os.environ, "SLUICE_BROKERS": broker.bootstrap}
    return subprocess.run([str(BIN / "sluice"), *args], capture_output=True, text=True,
                          timeout=60, env=env)


def kafka_table(headers, rows):
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    return "".join("".join(c.ljust(w) + "\t" for c, w in zip(line, widths)) + "\n"
                   for line in [headers] + rows)


def parse_table(text):
    """Kafka's table back into cells: a header and rows of stripped strings."""
    lines = [line.split("\t") for line in text.splitlines()]
    assert all(cells[-1] == "" for cells in lines), repr(text)  # every cell ends with a tab
    cells = [[c.rstrip(" ") for c in line[:-1]] for line in lines]
    return cells[0], cells[1:]


def wait_until(probe, what, timeout=30):
    """Calls probe() until it returns something true; returns it, or fails naming `what`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; last: {last!r}")


def now_ms():
    return int(time.time() * 1000)


# --- transactions ---------------------------------------------------------------------------------


def transactional(broker, txn_id):
    p = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": txn_id,
                  "transaction.timeout.ms": 60000, "linger.ms": 0})
    p.init_transactions(30)
    return p


def committed(broker, txn_id, topic, values):
    p = transactional(broker, txn_id)
    p.begin_transaction()
    for v in values:
        p.produce(topic, v.encode(), partition=0)
    p.commit_transaction(30)
    return p


def left_open(broker, txn_id, topic, values):
    """A transaction with records in the log that its producer neither commits nor aborts."""
    p = transactional(broker, txn_id)
    p.begin_transaction()
    for v in values:
        p.produce(topic, v.encode(), partition=0)
    assert p.flush(30) == 0
    return p


def listing(broker):
    header, rows = parse_table(ok(txn_tool(broker, "list")))
    assert header == LIST_HEADERS
    return {r[0]: r for r in rows}


def producers(broker, topic, partition=0):
    header, rows = parse_table(ok(txn_tool(broker, "describe-producers", "--topic", topic,
                                           "--partition", str(partition))))
    assert header == PRODUCER_HEADERS
    return rows


def offsets(broker, topic, *extra):
    out = ok(run("kafka-get-offsets.sh", "--bootstrap-server", broker.bootstrap, "--topic", topic,
                 *extra))
    return int(out.strip().split(":")[2])


def read(broker, topic, count, *extra, idle_ms=20_000):
    """The values sluice consume reads from the start: `count` of them, or fewer when `idle_ms`
    pass without a record (to show that records are hidden, ask for one more than expected)."""
    out = ok(sluice(broker, "consume", topic, "-n", str(count), "--idle-timeout", str(idle_ms),
                    *extra))
    return out.splitlines()


# --- a hanging transaction, written on a raw socket ------------------------------------------------


def write_hanging_transaction(broker, topic, timestamp):
    """An idempotent producer id (InitProducerId without a transactional id) that writes a
    transactional batch no coordinator knows about. Returns (producer id, epoch, offset)."""
    c = Client(broker.port)
    try:
        r = c.call(22, 0, False, lambda w: w.str(None).i32(60000))
        r.i32()
        error, producer_id, epoch = r.i16(), r.i64(), r.i16()
        assert error == 0, f"InitProducerId failed with error {error}"
        batch = record_batch([(None, b"ghost")], producer_id, epoch, 0, transactional=True,
                             timestamp=timestamp)

        def produce(w):
            w.str("ghost").i16(-1).i32(10000)
            w.arr([topic], lambda w, t: w.str(t).arr([0], lambda w, p: w.i32(p).records(batch)))
        r = c.call(0, 3, False, produce)
        [(_, [(_, error, offset)])] = r.arr(lambda r: (r.str(), r.arr(
            lambda r: (r.i32(), r.i16(), r.i64()))))
        assert error == 0, f"the broker refused the transactional batch: error {error}"
        return producer_id, epoch, offset
    finally:
        c.close()


# --- tests ------------------------------------------------------------------------------------------


def test_list_describe_and_producers_show_real_transactions(broker):
    before = now_ms()
    done = committed(broker, "tx-done", "orders", ["a", "b"])
    live = left_open(broker, "tx-live", "orders", ["c", "d"])
    after = now_ms()

    # The commit's markers are written after EndTxn answers: wait for CompleteCommit.
    rows = wait_until(lambda: (lambda r: r if r.get("tx-done", [""] * 4)[3] == "CompleteCommit"
                               else None)(listing(broker)), "tx-done to complete")
    assert set(rows) == {"tx-done", "tx-live"}
    done_pid, live_pid = rows["tx-done"][2], rows["tx-live"][2]
    assert done_pid != live_pid
    expected = [["tx-done", "1", done_pid, "CompleteCommit"], ["tx-live", "1", live_pid, "Ongoing"]]
    out = ok(txn_tool(broker, "list"))
    assert out in (kafka_table(LIST_HEADERS, expected), kafka_table(LIST_HEADERS, expected[::-1]))
    # Only transactions running longer than an hour: none.
    assert ok(txn_tool(broker, "list", "--duration-filter", "3600000")) == \
        kafka_table(LIST_HEADERS, [])

    out = ok(txn_tool(broker, "describe", "--transactional-id", "tx-live"))
    header, (row,) = parse_table(out)
    assert header == DESCRIBE_HEADERS
    assert row[:6] == ["1", "tx-live", live_pid, "0", "Ongoing", "60000"]
    started, duration = int(row[6]), int(row[7])
    assert before <= started <= after
    assert 0 <= duration <= now_ms() - started
    assert row[8] == "orders-0"
    assert out == kafka_table(DESCRIBE_HEADERS, [row])

    # orders-0: tx-done's a, b and its COMMIT marker at 0-2, then tx-live's c, d from offset 3.
    out = ok(txn_tool(broker, "describe-producers", "--topic", "orders", "--partition", "0"))
    header, rows = parse_table(out)
    by_pid = {r[0]: r for r in rows}
    assert set(by_pid) == {done_pid, live_pid}
    assert by_pid[done_pid][:4] == [done_pid, "0", "0", "1"]
    assert by_pid[done_pid][5] == "None"
    assert by_pid[live_pid][:4] == [live_pid, "0", "-1", "1"]
    assert by_pid[live_pid][5] == "3"
    assert before - 1000 <= int(by_pid[live_pid][4]) <= after + 1000
    assert out == kafka_table(PRODUCER_HEADERS, rows)
    # The same partition asked of its leader by id, and of a broker that does not exist.
    assert ok(txn_tool(broker, "describe-producers", "--topic", "orders", "--partition", "0",
                       "--broker-id", "1")) == out
    p = txn_tool(broker, "describe-producers", "--topic", "orders", "--partition", "0",
                 "--broker-id", "7")
    assert p.returncode == 1 and p.stderr.startswith(
        "Failed to describe producers for partition orders-0 on broker 7: ")

    # The sluice views of the same state.
    docs = json.loads(ok(sluice(broker, "txn", "list", "--state", "Ongoing", "--format", "json")))
    assert docs == [{"transactional_id": "tx-live", "coordinator": 1,
                     "producer_id": int(live_pid), "state": "Ongoing"}]
    (doc,) = json.loads(ok(sluice(broker, "txn", "describe", "tx-live", "--format", "json")))
    assert doc["state"] == "Ongoing" and doc["partitions"] == ["orders-0"]
    assert doc["start_time_ms"] == started and doc["timeout_ms"] == 60000
    docs = json.loads(ok(sluice(broker, "txn", "producers", "orders", "--format", "json")))
    assert {(d["producer_id"], d["txn_start_offset"]) for d in docs} == \
        {(int(done_pid), None), (int(live_pid), 3)}
    text = ok(sluice(broker, "txn", "producers", "orders", "-p", "0"))
    assert text.splitlines()[0].split() == ["PARTITION", "PRODUCER-ID", "EPOCH",
                                            "COORDINATOR-EPOCH", "LAST-SEQUENCE",
                                            "LAST-TIMESTAMP", "TXN-START-OFFSET"]
    live.abort_transaction(30)
    done.flush(1)


def test_errors_and_exit_codes(broker):
    p = txn_tool(broker, "describe", "--transactional-id", "nobody")
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr == ("Failed to describe transaction state of transactional-id `nobody`: "
                        "DescribeTransactions request for transactionalId `nobody` failed because "
                        "the ID could not be found. Enable debug logging for additional detail.\n")
    p = txn_tool(broker, "describe-producers", "--topic", "missing", "--partition", "0")
    assert (p.returncode, p.stderr) == (1, "Failed to describe producers for partition missing-0 "
                                           "on leader: This server does not host this "
                                           "topic-partition.. Enable debug logging for "
                                           "additional detail.\n")
    p = txn_tool(broker, "abort", "--topic", "t", "--partition", "0")
    assert (p.returncode, p.stderr) == (1, "The transaction to abort must be identified either "
                                           "with --start-offset (for brokers on 3.0 or above) or "
                                           "with --producer-id, --producer-epoch, and "
                                           "--coordinator-epoch (for older brokers)\n")
    p = txn_tool(broker, "abort", "--topic", "t", "--partition", "0", "--producer-id", "5")
    assert (p.returncode, p.stderr) == (1, "Missing required argument --producer-epoch\n")
    p = txn_tool(broker, "abort", "--topic", "t", "--partition", "0", "--producer-id", "5",
                 "--producer-epoch", "0")
    assert (p.returncode, p.stderr) == (1, "Missing required argument --coordinator-epoch\n")
    p = txn_tool(broker, "find-hanging")
    assert (p.returncode, p.stderr) == (1, "The `find-hanging` command requires either --topic or "
                                           "--broker-id to limit the scope of the search\n")
    p = txn_tool(broker, "find-hanging", "--broker-id", "1", "--partition", "0")
    assert (p.returncode, p.stderr) == (1, "The --partition argument requires --topic to be "
                                           "provided\n")
    p = txn_tool(broker, "find-hanging", "--topic", "missing")
    assert (p.returncode, p.stderr) == (1, "Failed to describe 1 topics: This server does not host "
                                           "this topic-partition.. Enable debug logging for "
                                           "additional detail.\n")
    # argparse4j's usage errors, exit code 1.
    p = run("kafka-transactions.sh", "list")
    assert p.returncode == 1
    assert p.stderr == ("usage: kafka-transactions.sh [-h] [-v] [--command-config FILE]\n"
                        "                             --bootstrap-server host:port COMMAND ...\n"
                        "kafka-transactions.sh: error: argument --bootstrap-server is required\n")
    p = txn_tool(broker, "--command-config", "/nonexistent.properties", "list")
    assert (p.returncode, p.stderr) == (1, "Failed to load admin client properties: "
                                           "/nonexistent.properties (No such file or directory). "
                                           "Enable debug logging for additional detail.\n")
    p = txn_tool(broker, "list", "--no-such-flag")
    assert p.returncode == 1 and p.stderr.endswith(
        "kafka-transactions.sh: error: unrecognized arguments: '--no-such-flag'\n")
    p = run("kafka-transactions.sh", "-h")
    assert p.returncode == 1 and p.stdout.startswith("usage: kafka-transactions.sh [-h]")
    assert "find-hanging         find hanging transactions" in p.stdout
    p = sluice(broker, "txn", "describe", "nobody")
    assert p.returncode == 1 and "could not be found" in p.stderr


def test_isolation_level_hides_an_open_transaction_and_reports_the_lso(broker):
    done = committed(broker, "iso-done", "iso", ["one", "two"])
    live = left_open(broker, "iso-live", "iso", ["three", "four"])
    # Log: one, two, COMMIT (0-2), then the open three, four (3-4): end 5, last stable offset 3.
    wait_until(lambda: offsets(broker, "iso") == 5, "the open records to reach the high watermark")
    assert offsets(broker, "iso", "--isolation-level", "read_uncommitted") == 5
    assert offsets(broker, "iso", "--isolation-level", "read_committed") == 3
    p = run("kafka-get-offsets.sh", "--bootstrap-server", broker.bootstrap, "--topic", "iso",
            "--isolation-level", "snapshot")
    assert p.returncode == 1
    assert p.stderr.startswith("Invalid value snapshot for configuration isolation.level\n")

    assert read(broker, "iso", 4) == ["one", "two", "three", "four"]
    assert read(broker, "iso", 3, "--read-committed", idle_ms=3000) == ["one", "two"]
    assert read(broker, "iso", 3, "--isolation-level", "read_committed", idle_ms=3000) == \
        ["one", "two"]
    p = run("kafka-console-consumer.sh", "--bootstrap-server", broker.bootstrap, "--topic", "iso",
            "--from-beginning", "--isolation-level", "read_committed", "--timeout-ms", "3000")
    assert p.stdout == "one\ntwo\n"

    # A read_committed group that read everything it can (offset 3) has no lag measured against
    # the last stable offset, and the open transaction's records as lag against the log end.
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "iso-readers"})
    c.commit(offsets=[TopicPartition("iso", 0, 3)], asynchronous=False)
    c.close()

    def lag(*extra):
        out = ok(run("kafka-consumer-groups.sh", "--bootstrap-server", broker.bootstrap,
                     "--describe", "--group", "iso-readers", *extra))
        row = next(line.split() for line in out.splitlines() if line.startswith("iso-readers"))
        return row[3:6]  # CURRENT-OFFSET, LOG-END-OFFSET, LAG
    assert lag() == ["3", "5", "2"]
    assert lag("--isolation-level", "read_committed") == ["3", "3", "0"]

    live.commit_transaction(30)
    wait_until(lambda: offsets(broker, "iso", "--isolation-level", "read_committed") == 6,
               "the last stable offset to pass the COMMIT marker")
    assert read(broker, "iso", 4, "--read-committed") == ["one", "two", "three", "four"]
    done.flush(1)


def test_abort_by_start_offset_and_by_producer(broker):
    committed(broker, "ab-done", "ab", ["kept"])
    first = left_open(broker, "ab-first", "ab", ["dropped-1"])
    # kept, COMMIT (0-1), the open dropped-1 at 2.
    rows = producers(broker, "ab")
    (open_row,) = [r for r in rows if r[5] != "None"]
    assert open_row[5] == "2"
    p = txn_tool(broker, "abort", "--topic", "ab", "--partition", "0", "--start-offset", "7")
    assert (p.returncode, p.stderr) == (1, "Could not find any open transactions starting at "
                                           "offset 7 on partition ab-0\n")
    p = txn_tool(broker, "abort", "--topic", "ab", "--partition", "0", "--start-offset", "2")
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    assert all(r[5] == "None" for r in producers(broker, "ab"))
    # The ABORT marker at 3 moves the last stable offset to the end, and read_committed skips
    # the aborted record.
    assert offsets(broker, "ab", "--isolation-level", "read_committed") == 4
    assert read(broker, "ab", 2, "--read-committed", idle_ms=3000) == ["kept"]

    # The older brokers' form: producer id, epoch and coordinator epoch (-1 becomes 0).
    second = left_open(broker, "ab-second", "ab", ["dropped-2"])
    (open_row,) = [r for r in producers(broker, "ab") if r[5] != "None"]
    assert open_row[5] == "4"
    ok(txn_tool(broker, "abort", "--topic", "ab", "--partition", "0", "--producer-id", open_row[0],
                "--producer-epoch", open_row[1], "--coordinator-epoch", open_row[2]))
    assert all(r[5] == "None" for r in producers(broker, "ab"))
    assert read(broker, "ab", 2, "--read-committed", idle_ms=3000) == ["kept"]

    # sluice txn abort, by start offset too.
    third = left_open(broker, "ab-third", "ab", ["dropped-3"])
    out = ok(sluice(broker, "txn", "abort", "ab", "-p", "0", "--start-offset", "6"))
    assert out.startswith("Aborted the transaction of producer ") and out.endswith(
        " at ab-0 offset 6\n")
    assert read(broker, "ab", 2, "--read-committed", idle_ms=3000) == ["kept"]
    del first, second, third


@pytest.fixture
def unverified_broker(tmp_path):
    """A broker that does not verify transactional writes (KIP-890 off), as a broker before
    Kafka 3.6 did: the only way a transaction can be left hanging for find-hanging to find."""
    b = Broker(tmp_path / "unverified",
               overrides={"transaction.partition.verification.enable": "false"}).start()
    yield b
    assert b.stop() == 0, b.log_text()


def test_find_hanging_and_abort_a_hanging_transaction(unverified_broker):
    broker = unverified_broker
    live = left_open(broker, "fh-live", "fh", ["live"])  # known to its coordinator: not hanging
    stamp = now_ms() - 20 * 60_000 - 30_000  # 20.5 minutes ago
    pid, epoch, offset = write_hanging_transaction(broker, "fh", stamp)
    assert offset == 1  # after fh-live's record at 0

    def hanging(*args):
        """find-hanging's output, which must list the ghost transaction and nothing else."""
        before = now_ms()
        out = ok(txn_tool(broker, "find-hanging", *args))
        minutes = {str((before - stamp) // 60_000), str((now_ms() - stamp) // 60_000)}
        _, rows = parse_table(out)
        assert len(rows) == 1 and rows[0][7] in minutes, out  # 20, unless the machine crawls
        expected = [["fh", "0", str(pid), str(epoch), "-1", "1", str(stamp), rows[0][7]]]
        assert out == kafka_table(HANGING_HEADERS, expected)

    hanging("--topic", "fh")
    # With no timeout window fh-live is a candidate too, but its coordinator knows it.
    hanging("--broker-id", "1", "--max-transaction-timeout", "0")
    hanging("--topic", "fh", "--partition", "0")
    # Fewer than 20 minutes old is inside a 30-minute window: nothing.
    assert ok(txn_tool(broker, "find-hanging", "--topic", "fh", "--max-transaction-timeout",
                       "30")) == kafka_table(HANGING_HEADERS, [])
    (doc,) = json.loads(ok(sluice(broker, "txn", "hanging", "--format", "json")))
    assert (doc["topic"], doc["partition"], doc["producer_id"], doc["start_offset"]) == \
        ("fh", 0, pid, 1)
    assert doc["coordinator_epoch"] is None

    # The hanging transaction holds the last stable offset at fh-live's start; aborting both
    # releases it.
    assert offsets(broker, "fh", "--isolation-level", "read_committed") == 0
    ok(txn_tool(broker, "abort", "--topic", "fh", "--partition", "0", "--start-offset", "1"))
    assert ok(txn_tool(broker, "find-hanging", "--topic", "fh")) == kafka_table(HANGING_HEADERS, [])
    live.abort_transaction(30)
    # fh-live's ABORT marker comes after the ghost's (at 2), written once EndTxn has answered.
    wait_until(lambda: offsets(broker, "fh", "--isolation-level", "read_committed") ==
               offsets(broker, "fh") == 4, "the last stable offset to reach the end of the log")
