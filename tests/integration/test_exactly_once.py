"""Idempotent producers and transactions against the real sluiced, on one broker.

Real clients (Debian's librdkafka through confluent-kafka) run whole transactions; the raw-socket
codec (kafka_wire) sends what clients never send on purpose: retried duplicates, sequence gaps,
stale epochs, control batches, transactional requests for ids that do not exist. Every refusal is
checked for Kafka's error code and for nothing having been appended.
"""
import signal
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from conftest import Broker, kcat
from kafka_wire import Client, end_txn_marker, record_batch

NONE, OUT_OF_ORDER, INVALID_RECORD, INVALID_EPOCH, INVALID_TXN_STATE = 0, 45, 87, 47, 48
INVALID_PID_MAPPING, TXN_ID_AUTH_FAILED, NOT_ENOUGH_REPLICAS = 49, 53, 19

FAST_TXN = {
    "transaction.state.log.num.partitions": "4",
    "transaction.abort.timed.out.transaction.cleanup.interval.ms": "500",
}


def wait_until(condition, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --- raw requests ---------------------------------------------------------------------------------

def init_producer_id(c, transactional_id=None, timeout_ms=60000):
    """InitProducerId v4 -> (error, producer id, epoch)."""
    r = c.call(22, 4, True, lambda w: w.str(transactional_id).i32(timeout_ms).i64(-1).i16(-1).tags())
    r.i32()
    return r.i16(), r.i64(), r.i16()


def produce(c, topic, partition, batch, transactional_id=None, acks=-1):
    """Produce v8 -> (error, base offset, error message)."""
    def build(w):
        w.str(transactional_id).i16(acks).i32(10000)
        w.arr([topic], lambda w, t: w.str(t).arr([partition], lambda w, p: w.i32(p).records(batch)))
    r = c.call(0, 8, False, build)
    parts = r.arr(lambda r: (r.str(), r.arr(lambda r: (
        r.i32(), r.i16(), r.i64(), r.i64(), r.i64(),
        r.arr(lambda r: (r.i32(), r.str())), r.str()))))
    _, [(_, error, base, _, _, _, message)] = parts[0]
    return error, base, message


def find_transaction_coordinator(c, transactional_id):
    r = c.call(10, 1, False, lambda w: w.str(transactional_id).i8(1))
    r.i32()
    error, _ = r.i16(), r.str()
    return error, r.i32()


def init_transactional(c, transactional_id, timeout_ms=60000):
    """FindCoordinator (which creates __transaction_state) until it answers, then InitProducerId
    until the coordinator has loaded: -> (producer id, epoch)."""
    wait_until(lambda: find_transaction_coordinator(c, transactional_id)[0] == NONE,
               what="a transaction coordinator")
    result = []
    wait_until(lambda: result.append(init_producer_id(c, transactional_id, timeout_ms)) or
               result[-1][0] == NONE, what="InitProducerId")
    return result[-1][1:]


def add_partitions(c, transactional_id, pid, epoch, topic, partitions):
    """AddPartitionsToTxn v3 -> {partition: error}."""
    def build(w):
        w.str(transactional_id).i64(pid).i16(epoch)
        w.arr([topic], lambda w, t: w.str(t).arr(partitions, lambda w, p: w.i32(p)).tags())
        w.tags()
    r = c.call(24, 3, True, build)
    r.i32()
    results = r.arr(lambda r: (r.str(), r.arr(lambda r: (r.i32(), r.i16(), r.tags())[:2]), r.tags()))
    return dict(results[0][1])


def end_txn(c, transactional_id, pid, epoch, commit):
    r = c.call(26, 3, True, lambda w: w.str(transactional_id).i64(pid).i16(epoch).bool(commit).tags())
    r.i32()
    return r.i16()


def list_offset(c, topic, partition, read_committed):
    """ListOffsets v2, latest -> offset (the LSO under read_committed)."""
    def build(w):
        w.i32(-1).i8(1 if read_committed else 0)
        w.arr([topic], lambda w, t: w.str(t).arr([partition], lambda w, p: w.i32(p).i64(-1)))
    r = c.call(2, 2, False, build)
    r.i32()
    topics = r.arr(lambda r: (r.str(), r.arr(lambda r: (r.i32(), r.i16(), r.i64(), r.i64()))))
    _, error, _, offset = topics[0][1][0]
    assert error == 0
    return offset


def values(broker, topic, isolation="read_uncommitted"):
    out = kcat("-b", broker.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
               "-X", f"isolation.level={isolation}", "-f", "%s\n").stdout
    return out.decode().split()


def create_topic(broker, topic, partitions=1):
    kcat("-b", broker.bootstrap, "-L", "-t", topic)  # auto-creates
    c = Client(broker.port)
    wait_until(lambda: list_offset(c, topic, partitions - 1, False) >= 0, what=f"{topic} to exist")
    c.close()


def batch_of(values_, pid, epoch, seq, transactional=False):
    return record_batch([(None, v.encode()) for v in values_], pid, epoch, seq, transactional)


@pytest.fixture
def txn_broker(tmp_path):
    b = Broker(tmp_path / "broker", overrides=FAST_TXN).start()
    yield b
    code = b.stop()
    assert code == 0, b.log_text()


# --- the idempotent producer ----------------------------------------------------------------------

def test_a_retried_batch_is_answered_with_its_original_offset_and_written_once(broker):
    create_topic(broker, "idem")
    c = Client(broker.port)
    error, pid, epoch = init_producer_id(c)
    assert (error, epoch) == (NONE, 0) and pid >= 0
    first = batch_of(["a", "b", "c"], pid, 0, 0)
    assert produce(c, "idem", 0, first)[:2] == (NONE, 0)
    assert produce(c, "idem", 0, batch_of(["d", "e"], pid, 0, 3))[:2] == (NONE, 3)
    # The retry of either batch (e.g. after a lost response) gets its original offset back.
    assert produce(c, "idem", 0, first)[:2] == (NONE, 0)
    assert produce(c, "idem", 0, batch_of(["d", "e"], pid, 0, 3))[:2] == (NONE, 3)
    assert values(broker, "idem") == ["a", "b", "c", "d", "e"]
    # Another producer's id is its own sequence space.
    _, other, _ = init_producer_id(c)
    assert other != pid
    assert produce(c, "idem", 0, batch_of(["x"], other, 0, 0))[:2] == (NONE, 5)


def test_sequence_gaps_and_stale_epochs_are_refused_and_nothing_is_written(broker):
    create_topic(broker, "seq")
    c = Client(broker.port)
    _, pid, _ = init_producer_id(c)
    assert produce(c, "seq", 0, batch_of(["a"], pid, 0, 0))[0] == NONE
    error, _, message = produce(c, "seq", 0, batch_of(["future"], pid, 0, 7))
    assert error == OUT_OF_ORDER and "7" in message
    # A new epoch starts at sequence 0 (KIP-360: the producer bumped its own epoch) ...
    assert produce(c, "seq", 0, batch_of(["b"], pid, 1, 3))[0] == OUT_OF_ORDER
    assert produce(c, "seq", 0, batch_of(["b"], pid, 1, 0))[0] == NONE
    # ... and the old epoch is fenced from then on.
    assert produce(c, "seq", 0, batch_of(["stale"], pid, 0, 1))[0] == INVALID_EPOCH
    assert values(broker, "seq") == ["a", "b"]
    # Another client on another connection was never disturbed.
    kcat("-b", broker.bootstrap, "-P", "-t", "seq", input=b"plain\n")
    assert values(broker, "seq") == ["a", "b", "plain"]


def test_librdkafka_idempotent_producer_writes_each_record_once(broker):
    p = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                  "linger.ms": 5})
    errors = []
    for i in range(5000):
        p.produce("idem-lib", value=b"%d" % i, on_delivery=lambda e, m: e and errors.append(e))
    assert p.flush(30) == 0 and not errors
    got = values(broker, "idem-lib")
    assert sorted(map(int, got)) == list(range(5000))


def test_producer_state_survives_a_kill_and_recognises_the_retry(broker_factory):
    b = broker_factory(overrides={"log.segment.bytes": "2000"}).start()
    create_topic(b, "durable")
    c = Client(b.port)
    _, pid, _ = init_producer_id(c)
    seq = 0
    for i in range(30):  # several segments: rolls write producer snapshots
        assert produce(c, "durable", 0, batch_of([f"v{i}"] * 4, pid, 0, seq))[0] == NONE
        seq += 4
    last = batch_of(["last"], pid, 0, seq)
    assert produce(c, "durable", 0, last)[:2] == (NONE, 120)
    c.close()
    b.proc.send_signal(signal.SIGKILL)
    b.proc.wait()
    b.start()
    c = Client(b.port)
    # The retry after the crash is still a duplicate: the state came back from snapshot + log.
    assert produce(c, "durable", 0, last)[:2] == (NONE, 120)
    assert produce(c, "durable", 0, batch_of(["next"], pid, 0, seq + 2))[0] == OUT_OF_ORDER
    assert produce(c, "durable", 0, batch_of(["next"], pid, 0, seq + 1))[:2] == (NONE, 121)
    snapshots = list((b.data_dir / "durable-0").glob("*.snapshot"))
    assert snapshots, "rolls should have written producer snapshots"
    assert b.stop() == 0


# --- bad transactional input ----------------------------------------------------------------------

def test_clients_cannot_write_control_batches(txn_broker):
    b = txn_broker
    create_topic(b, "ctl")
    c = Client(b.port)
    _, pid, _ = init_producer_id(c)
    # A control batch is transactional: without a transactional id the request is refused whole.
    assert produce(c, "ctl", 0, end_txn_marker(pid, 0, commit=True))[0] == TXN_ID_AUTH_FAILED
    # From a transactional producer whose partition is in its transaction: still not a client's.
    pid, epoch = init_transactional(c, "ctl-tx")
    assert add_partitions(c, "ctl-tx", pid, epoch, "ctl", [0]) == {0: NONE}
    error, _, message = produce(c, "ctl", 0, end_txn_marker(pid, epoch, True), "ctl-tx")
    assert error == INVALID_RECORD, message
    assert list_offset(c, "ctl", 0, False) == 0


def test_transactional_requests_for_ids_and_transactions_that_do_not_exist(txn_broker):
    b = txn_broker
    create_topic(b, "tx-bad")
    c = Client(b.port)
    wait_until(lambda: find_transaction_coordinator(c, "ghost")[0] == NONE, what="coordinator")
    assert add_partitions(c, "ghost", 1234, 0, "tx-bad", [0]) == {0: INVALID_PID_MAPPING}
    assert end_txn(c, "ghost", 1234, 0, True) == INVALID_PID_MAPPING

    pid, epoch = init_transactional(c, "real")
    # EndTxn with no transaction open.
    assert end_txn(c, "real", pid, epoch, True) == INVALID_TXN_STATE
    # A transactional write to a partition never added to the transaction (KIP-890 verification).
    error, _, _ = produce(c, "tx-bad", 0, batch_of(["x"], pid, epoch, 0, True), "real")
    assert error == INVALID_TXN_STATE
    # ... without its transactional id.
    error, _, _ = produce(c, "tx-bad", 0, batch_of(["x"], pid, epoch, 0, True))
    assert error == TXN_ID_AUTH_FAILED
    # ... from a producer id the broker never issued.
    error, _, _ = produce(c, "tx-bad", 0, batch_of(["x"], 987654, 0, 0, True), "real")
    assert error == INVALID_PID_MAPPING
    assert list_offset(c, "tx-bad", 0, False) == 0
    # The proper sequence works, and the old epoch is fenced after a new InitProducerId.
    assert add_partitions(c, "real", pid, epoch, "tx-bad", [0]) == {0: NONE}
    assert produce(c, "tx-bad", 0, batch_of(["in"], pid, epoch, 0, True), "real")[0] == NONE
    assert list_offset(c, "tx-bad", 0, True) == 0  # open: the LSO stays at its first offset
    assert end_txn(c, "real", pid, epoch, True) == NONE
    wait_until(lambda: list_offset(c, "tx-bad", 0, True) == 2, what="the COMMIT marker")
    # The marker can be in the log before the coordinator records COMPLETE_COMMIT; until then
    # InitProducerId answers CONCURRENT_TRANSACTIONS, which clients retry (init_transactional does).
    _, new_epoch = init_transactional(c, "real")
    assert new_epoch == epoch + 1
    assert add_partitions(c, "real", pid, epoch, "tx-bad", [0]) == {0: 90}  # PRODUCER_FENCED
    assert values(b, "tx-bad", "read_committed") == ["in"]


# --- whole transactions with a real client --------------------------------------------------------

def test_commit_and_abort_alternately_read_committed_sees_exactly_the_commits(txn_broker):
    b = txn_broker
    kcat("-b", b.bootstrap, "-P", "-t", "in", input=b"".join(b"%d\n" % i for i in range(60)))
    p = Producer({"bootstrap.servers": b.bootstrap, "transactional.id": "ctp"})
    p.init_transactions(30)
    cons = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "ctp-group",
                     "auto.offset.reset": "earliest", "enable.auto.commit": False,
                     "isolation.level": "read_committed"})
    cons.subscribe(["in"])
    committed, rounds = [], 0
    deadline = time.monotonic() + 60
    while len(committed) < 30 and time.monotonic() < deadline:
        msgs = [m for m in cons.consume(10, 1.0) if not m.error()]
        if not msgs:
            continue
        p.begin_transaction()
        for m in msgs:
            p.produce("out", value=b"out-" + m.value())
        p.flush(10)
        offsets = [TopicPartition(m.topic(), m.partition(), m.offset() + 1) for m in msgs[-1:]]
        p.send_offsets_to_transaction(offsets, cons.consumer_group_metadata(), 10)
        if rounds % 2 == 0:
            p.commit_transaction(30)
            committed += [b"out-" + m.value() for m in msgs]
        else:
            p.abort_transaction(30)
            # The aborted input is read again from the last committed offset.
            cons.seek(TopicPartition(msgs[0].topic(), msgs[0].partition(), msgs[0].offset()))
        rounds += 1
    cons.close()
    assert rounds >= 2, "needs both a commit and an abort"
    got = values(b, "out", "read_committed")
    assert sorted(got) == sorted(x.decode() for x in committed)
    assert len(values(b, "out")) > len(got)  # the aborted records are in the log
    # The group's offset is the last committed transaction's, not an aborted one's.
    g = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "ctp-group"})
    [tp] = g.committed([TopicPartition("in", 0)], 10)
    g.close()
    assert tp.offset == len(committed)


def test_a_transaction_open_at_a_crash_is_aborted_after_its_timeout(broker_factory):
    b = broker_factory(overrides=FAST_TXN).start()
    create_topic(b, "crash")
    kcat("-b", b.bootstrap, "-P", "-t", "crash", input=b"before\n")
    c = Client(b.port)
    pid, epoch = init_transactional(c, "crash-tx", timeout_ms=3000)
    assert add_partitions(c, "crash-tx", pid, epoch, "crash", [0]) == {0: NONE}
    assert produce(c, "crash", 0, batch_of(["open"], pid, epoch, 0, True), "crash-tx")[0] == NONE
    assert list_offset(c, "crash", 0, True) == 1  # held at the open transaction
    c.close()
    b.proc.send_signal(signal.SIGKILL)
    b.proc.wait()
    b.start()
    c = Client(b.port)
    # Recovery rebuilt the open transaction from the log: read_committed still stops before it,
    # until the reloaded coordinator aborts it (its timeout passed) and writes the ABORT marker.
    assert list_offset(c, "crash", 0, True) in (1, 3)
    wait_until(lambda: list_offset(c, "crash", 0, True) == 3, what="the coordinator's abort")
    assert values(b, "crash", "read_committed") == ["before"]
    assert values(b, "crash") == ["before", "open"]
    # The producer was fenced by the abort: its old epoch can no longer write.
    assert add_partitions(c, "crash-tx", pid, epoch, "crash", [0]) == {0: 90}  # PRODUCER_FENCED
    assert b.stop() == 0


def test_init_producer_id_v6_refuses_two_phase_commit_as_kafka_with_it_off(txn_broker):
    """KIP-939's InitProducerId v6 on a broker with two-phase commit off (Kafka's default):
    EnableTwoPCFlag is TRANSACTIONAL_ID_AUTHORIZATION_FAILED, KeepPreparedTxn UNSUPPORTED_VERSION;
    without them v6 answers as v5, with the ongoing-transaction fields at -1."""
    c = Client(txn_broker.port)
    wait_until(lambda: find_transaction_coordinator(c, "two-pc")[0] == NONE, what="coordinator")

    def v6(transactional_id, enable_2pc, keep_prepared):
        r = c.call(22, 6, True, lambda w: w.str(transactional_id).i32(60000).i64(-1).i16(-1)
                   .bool(enable_2pc).bool(keep_prepared).tags())
        r.i32()
        return r.i16(), r.i64(), r.i16(), r.i64(), r.i16()

    assert v6("two-pc", True, False)[0] == TXN_ID_AUTH_FAILED
    assert v6("two-pc", False, True)[0] == 35  # UNSUPPORTED_VERSION
    def plain():
        error, pid, epoch, ongoing_pid, ongoing_epoch = v6("two-pc", False, False)
        return error == NONE and pid >= 0 and (ongoing_pid, ongoing_epoch) == (-1, -1)
    wait_until(plain, what="a v6 InitProducerId without the KIP-939 flags")
    # An idempotent producer (no transactional id) ignores the flags, as Kafka does.
    error, pid, _, _, _ = v6(None, True, True)
    assert error == NONE and pid >= 0
