"""Restarts: every message acknowledged with acks=1 survives a SIGTERM (clean shutdown) and a
SIGKILL in the middle of production, at the offsets it was acknowledged with."""
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition


def produce_until_stopped(bootstrap, topic, stop, acked):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "1", "linger.ms": 2,
                         "message.timeout.ms": 5000, "retries": 0})

    def on_delivery(err, msg):
        if err is None:
            acked[int(msg.value())] = msg.offset()

    i = 0
    while not stop.is_set() and i < 200_000:
        try:
            producer.produce(topic, value=b"%d" % i, on_delivery=on_delivery)
            i += 1
        except BufferError:
            producer.poll(0.01)
        producer.poll(0)
    producer.flush(10)


def read_all(bootstrap, topic, expected):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    got = {}
    deadline = time.monotonic() + 60
    while len(got) < expected and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        got[int(msg.value())] = msg.offset()
    consumer.close()
    return got


def run_restart(broker_factory, how):
    b = broker_factory(f"restart-{how}").start()
    stop = threading.Event()
    acked = {}
    t = threading.Thread(target=produce_until_stopped, args=(b.bootstrap, "durable", stop, acked))
    t.start()
    time.sleep(2.0)
    if how == "kill":
        b.kill()
    else:
        assert b.stop() == 0
    stop.set()
    t.join(30)
    snapshot = dict(acked)
    assert len(snapshot) > 100, "the producer should have been acknowledged before the stop"
    b.start()
    got = read_all(b.bootstrap, "durable", len(snapshot))
    missing = [k for k in snapshot if k not in got]
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {missing[:5]}"
    moved = [k for k, off in snapshot.items() if got[k] != off]
    assert not moved, f"offsets changed for {moved[:5]}"
    offsets = sorted(got.values())
    assert offsets == list(range(offsets[0], offsets[0] + len(offsets))), "offsets are not dense"
    assert b.stop() == 0


def test_sigterm_keeps_every_acknowledged_message(broker_factory):
    run_restart(broker_factory, "term")


def test_sigkill_keeps_every_acknowledged_message(broker_factory):
    run_restart(broker_factory, "kill")
