"""Exactly-once on the seed's cluster: three ZooKeeper servers, three sluiced brokers.

- test_idempotent_producer_through_leader_kills_and_a_pause: librdkafka with
  enable.idempotence=true (acks=all, five requests in flight, retries) writes numbered messages to
  3 partitions (RF 3, min.insync.replicas=2) while the test SIGKILLs partition leaders and
  SIGSTOPs one broker past its ZooKeeper session. Reading back, every partition holds its numbers
  exactly once, in order, with no gap: without idempotence those retries would duplicate.
- test_transactions_through_coordinator_and_leader_kills: a transactional producer commits and
  aborts alternately while the broker hosting its transaction coordinator is SIGKILLed (and later
  a partition leader). A read_committed consumer sees every record of every committed transaction
  exactly once and nothing of an aborted one; a transaction whose commit could not be confirmed
  is all there or all absent.
- test_streams_exactly_once_v2_counts_exactly_when_its_coordinator_dies: a Kafka Streams word
  count (Kafka 4.x clients, exactly_once_v2, RF 3) keeps running while the broker hosting its
  transaction coordinator is SIGKILLed and restarted; its committed counts come out exact.
"""
import signal
import subprocess
import threading
import time

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import SOURCE_DIR
from test_exactly_once_clients import run_word_count_through
from zk_cluster import BrokerCluster, ZooKeeperEnsemble, wait_until


SESSION_TIMEOUT_MS = 6000
PARTITIONS = 3


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("eos")
    ensemble = ZooKeeperEnsemble(workdir / "zk").start()
    c = BrokerCluster(workdir / "brokers", ensemble, overrides={
        "zookeeper.session.timeout.ms": str(SESSION_TIMEOUT_MS),
        "replica.lag.time.max.ms": "8000",
        "transaction.state.log.num.partitions": "6",
        "offsets.topic.num.partitions": "6",
    })
    try:
        c.start()
        yield c
    finally:
        print(c.logs())
        c.close()
        ensemble.close()


def create_topic(cluster, name, partitions=PARTITIONS):
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    futures = admin.create_topics([NewTopic(name, partitions, 3,
                                            config={"min.insync.replicas": "2"})],
                                  operation_timeout=30, request_timeout=60)
    futures[name].result(90)
    for p in range(partitions):
        cluster.wait_for_isr(name, p, 3, timeout=90)


def full_isr(cluster, topic, partitions=PARTITIONS):
    for p in range(partitions):
        cluster.wait_for_isr(topic, p, 3, timeout=90)


def kill_and_restart(cluster, broker_id, note):
    cluster.broker(broker_id).kill()
    note(f"SIGKILL broker {broker_id}")
    time.sleep(3)  # the cluster runs without it for a while
    cluster.restart(broker_id)
    note(f"broker {broker_id} restarted")


def read_all(bootstrap, topic, isolation, partitions=PARTITIONS, timeout=120):
    """{partition: [values]} up to the end each partition has for `isolation`."""
    out = {}
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"verify-{isolation}",
                         "enable.auto.commit": False, "isolation.level": isolation,
                         "enable.partition.eof": True})
    try:
        for p in range(partitions):
            tp = TopicPartition(topic, p, 0)
            _, high = consumer.get_watermark_offsets(tp, timeout=30)
            consumer.assign([tp])
            values, done = [], high == 0
            deadline = time.monotonic() + timeout
            while not done and time.monotonic() < deadline:
                for m in consumer.consume(10000, timeout=1.0):
                    if m.error():
                        done = m.error().code() == -191  # _PARTITION_EOF
                        continue
                    values.append(m.value().decode())
            assert done, f"{topic}-{p}: not read to its end"
            out[p] = values
    finally:
        consumer.close()
    return out


# -------------------------------------------------------------------------------------------------

class IdempotentProducer(threading.Thread):
    def __init__(self, bootstrap, topic, total, rate):
        super().__init__(daemon=True)
        self.topic, self.total, self.rate = topic, total, rate
        self.config = {"bootstrap.servers": bootstrap, "enable.idempotence": True,
                       "acks": "all", "linger.ms": 5, "message.timeout.ms": 240000,
                       "request.timeout.ms": 10000, "retry.backoff.ms": 100,
                       "topic.metadata.refresh.interval.ms": 2000}
        self.acked, self.failed, self.produced = {}, [], 0
        self.done, self.exception = threading.Event(), None

    def delivered(self, err, msg):
        if err is None:
            self.acked[int(msg.value())] = (msg.partition(), msg.offset())
        else:
            self.failed.append((int(msg.value()), err.str()))

    def run(self):
        try:
            producer = Producer(self.config)
            start = time.monotonic()
            for i in range(self.total):
                ahead = start + i / self.rate - time.monotonic()
                if ahead > 0:
                    producer.poll(ahead)
                while True:
                    try:
                        producer.produce(self.topic, value=str(i).encode(),
                                         partition=i % PARTITIONS, on_delivery=self.delivered)
                        break
                    except BufferError:
                        producer.poll(0.1)
                self.produced = i + 1
            if producer.flush(300):
                self.exception = AssertionError("messages never reported")
        except Exception as e:  # reported by the test thread
            self.exception = e
        finally:
            self.done.set()


def test_idempotent_producer_through_leader_kills_and_a_pause(cluster):
    topic = "idempotent"
    create_topic(cluster, topic)
    total = 30_000
    producer = IdempotentProducer(cluster.bootstrap, topic, total, rate=1000)
    producer.start()
    events, t0 = [], time.monotonic()

    def note(text):
        events.append(f"{time.monotonic() - t0:6.1f}s {text} (acked {len(producer.acked)})")

    wait_until(lambda: len(producer.acked) >= 2000 or producer.done.is_set(), 60, "producing")
    for round_ in range(3):
        leader = cluster.leader(topic, round_ % PARTITIONS)
        kill_and_restart(cluster, leader, note)
        full_isr(cluster, topic)
        note("ISRs full")
    victim = cluster.leader(topic, 0)
    cluster.broker(victim).proc.send_signal(signal.SIGSTOP)
    note(f"SIGSTOP broker {victim}")
    try:
        wait_until(lambda: victim not in cluster.registered_ids(), SESSION_TIMEOUT_MS / 1000 + 20,
                   "the paused broker's session expired")
        wait_until(lambda: cluster.leader(topic, 0) not in (None, victim), 30, "a new leader")
    finally:
        cluster.broker(victim).proc.send_signal(signal.SIGCONT)
    note(f"SIGCONT broker {victim}")
    full_isr(cluster, topic)
    assert producer.done.wait(400), "producer did not finish"
    print("\n".join(events))
    if producer.exception:
        raise producer.exception
    assert not producer.failed, producer.failed[:5]

    consumed = read_all(cluster.bootstrap, topic, "read_uncommitted")
    for p in range(PARTITIONS):
        got = [int(v) for v in consumed[p]]
        expected = list(range(p, total, PARTITIONS))
        duplicates = len(got) - len(set(got))
        assert duplicates == 0, f"{topic}-{p}: {duplicates} duplicates"
        assert got == expected, f"{topic}-{p}: not exactly its numbers in order"
    for seq, (p, offset) in producer.acked.items():
        # librdkafka acknowledges a batch whose response was lost without its offset (None) once a
        # later batch of the producer succeeds: it was written, and must be there exactly once.
        if offset is not None:
            assert consumed[p][offset] == str(seq), f"{seq} acknowledged at {p}/{offset}"


# -------------------------------------------------------------------------------------------------

class TransactionalProducer(threading.Thread):
    """Transactions of `size` records spread over the partitions, committed and aborted
    alternately; recovers from what the transactional API reports as it is meant to."""

    def __init__(self, bootstrap, topic, transactions, size):
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.transactions, self.size = bootstrap, topic, transactions, size
        self.committed, self.aborted, self.uncertain = [], [], []
        self.recreated = 0
        self.done, self.exception = threading.Event(), None

    def new_producer(self):
        p = Producer({"bootstrap.servers": self.bootstrap, "transactional.id": "eos-cluster",
                      "transaction.timeout.ms": 60000, "message.timeout.ms": 60000,
                      "request.timeout.ms": 10000, "topic.metadata.refresh.interval.ms": 2000})
        deadline = time.monotonic() + 120
        while True:
            try:
                p.init_transactions(30)
                return p
            except KafkaException as e:
                if not e.args[0].retriable() or time.monotonic() > deadline:
                    raise

    def run(self):
        try:
            producer = self.new_producer()
            n = 0
            while n < self.transactions:
                commit = n % 2 == 0
                try:
                    producer.begin_transaction()
                    for i in range(self.size):
                        producer.produce(self.topic, value=f"t{n}-{i}".encode(),
                                         partition=i % PARTITIONS)
                    if commit:
                        self.finish(producer.commit_transaction, n)
                        self.committed.append(n)
                    else:
                        producer.flush(60)  # in the log, so the abort has something to hide
                        self.finish(producer.abort_transaction, n)
                        self.aborted.append(n)
                except KafkaException as e:
                    err = e.args[0]
                    if err.txn_requires_abort():
                        self.finish(producer.abort_transaction, n)
                        self.aborted.append(n)
                    else:  # fatal (fenced) or out of retries: the outcome is not known
                        self.uncertain.append(n)
                        self.recreated += 1
                        producer = self.new_producer()
                n += 1
        except Exception as e:  # reported by the test thread
            self.exception = e
        finally:
            self.done.set()

    @staticmethod
    def finish(call, n):
        """commit_transaction/abort_transaction, retried while the error is retriable."""
        deadline = time.monotonic() + 120
        while True:
            try:
                return call(30)
            except KafkaException as e:
                if not e.args[0].retriable() or time.monotonic() > deadline:
                    raise


def coordinator_broker(cluster, transactional_id):
    """The leader of the id's __transaction_state partition (Kafka's abs(hashCode) % 6)."""
    return cluster.leader("__transaction_state", java_hash(transactional_id) % 6)


def java_hash(s):
    """Java's String.hashCode() of an ASCII string, then Kafka's Utils.abs."""
    h = 0
    for ch in s:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    h = h - (1 << 32) if h >= 1 << 31 else h
    return abs(h) if h != -(1 << 31) else 0


def test_transactions_through_coordinator_and_leader_kills(cluster):
    topic = "transactional"
    create_topic(cluster, topic)
    producer = TransactionalProducer(cluster.bootstrap, topic, transactions=120, size=30)
    producer.start()
    events, t0 = [], time.monotonic()

    def note(text):
        events.append(f"{time.monotonic() - t0:6.1f}s {text} (committed {len(producer.committed)}"
                      f", aborted {len(producer.aborted)})")

    wait_until(lambda: len(producer.committed) >= 10 or producer.done.is_set(), 120,
               "transactions under way")
    if producer.exception:
        raise producer.exception
    coordinator = wait_until(lambda: coordinator_broker(cluster, "eos-cluster"), 30,
                             "the transaction coordinator")
    kill_and_restart(cluster, coordinator, note)
    wait_until(lambda: len(producer.committed) >= 40 or producer.done.is_set(), 180,
               "transactions after the coordinator moved")
    leader = cluster.leader(topic, 1)
    kill_and_restart(cluster, leader, note)
    assert producer.done.wait(400), "transactions did not finish"
    print("\n".join(events))
    print(f"committed {len(producer.committed)}, aborted {len(producer.aborted)}, "
          f"uncertain {producer.uncertain}, producers recreated {producer.recreated}")
    if producer.exception:
        raise producer.exception
    full_isr(cluster, topic)

    committed = read_all(cluster.bootstrap, topic, "read_committed")
    seen = {}
    for p, values in committed.items():
        for v in values:
            txn, i = (int(x) for x in v[1:].split("-"))
            assert i % PARTITIONS == p
            assert (txn, i) not in seen, f"{v} twice"
            seen[(txn, i)] = p
    txns = {}
    for txn, i in seen:
        txns.setdefault(txn, set()).add(i)
    for n in producer.committed:
        assert txns.get(n) == set(range(producer.size)), f"committed transaction {n} incomplete"
    for n in producer.aborted:
        assert n not in txns, f"aborted transaction {n} visible to read_committed"
    for n in producer.uncertain:
        assert n not in txns or txns[n] == set(range(producer.size)), f"transaction {n} partial"
    assert set(txns) <= set(producer.committed) | set(producer.uncertain)
    assert len(producer.committed) >= 40
    everything = read_all(cluster.bootstrap, topic, "read_uncommitted")
    assert sum(map(len, everything.values())) > sum(map(len, committed.values()))


# -------------------------------------------------------------------------------------------------

def streams_transactional_ids(cluster, app_id):
    """The transactional ids of a Streams application (exactly_once_v2: <app>-<uuid>-<thread>),
    from kafka-transactions.sh list."""
    p = subprocess.run([str(SOURCE_DIR / "bin" / "kafka-transactions.sh"), "--bootstrap-server",
                        cluster.bootstrap, "list"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return []
    return [line.split()[0] for line in p.stdout.splitlines()[1:] if line.startswith(app_id)]


def test_streams_exactly_once_v2_counts_exactly_when_its_coordinator_dies(cluster, tmp_path):
    app_id = "wck-cluster"
    killed = []

    def kill_the_coordinator():
        ids = wait_until(lambda: streams_transactional_ids(cluster, app_id), 60,
                         "the application's transactional id")
        coordinator = wait_until(lambda: coordinator_broker(cluster, ids[0]), 30,
                                 "its transaction coordinator")
        cluster.broker(coordinator).kill()
        killed.append(coordinator)
        time.sleep(3)  # the application carries on against the other two brokers meanwhile
        cluster.restart(coordinator)

    run_word_count_through(kill_the_coordinator, lambda: cluster.bootstrap, tmp_path, "4.x", app_id,
                           extra=("replication.factor=3",))
    assert killed, "the coordinator was never killed"
