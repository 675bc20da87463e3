"""The newest confluent-kafka from PyPI (pinned in requirements-confluent.txt), run inside its own
virtualenv by tests/integration/clients.py confluent_latest("confluent_latest.py", mode, ...).
Debian's python3-confluent-kafka, which the other tests import directly, is a different (older)
build; this one brings its own newer librdkafka in the wheel.

    produce --bootstrap=H:P --topic=T --count=N [--first=0] [--partition=P] [--value-size=S]
            [key=value ...]                           producer properties, e.g. enable.idempotence=true
    consume --bootstrap=H:P --topic=T --count=N [--first=0] [--range=N] [--drain-ms=1000]
            [--values] [key=value ...]                e.g. group.id=G isolation.level=read_committed
    txn     --bootstrap=H:P --output=T --transactional-id=ID --count=N [--batch=10]
            [--abort-every=2] [--first=0] [--input=T --group=G] [key=value ...]

Records follow the Java Produce pattern (key k-<i>, value v-<i>); every mode prints one JSON
object with the same field names as the Java programs in ../java/src. --timeout-ms (default
120000) bounds each run: past it the result so far is printed with "timed_out": true, exit 3.
Exit 2: a client error, 64: bad usage.
"""
import json
import os
import sys
import threading
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

_printed = threading.Lock()
_done = False


def emit(result):
    global _done
    with _printed:
        if _done:
            return
        _done = True
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


def parse(argv):
    opts, props = {}, {}
    for a in argv:
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            opts[name] = value if eq else "true"
        elif "=" in a and not a.startswith("="):
            k, _, v = a.partition("=")
            props[k] = v
        else:
            sys.stderr.write(f"confluent_latest.py: argument {a!r} is neither --option[=value] nor key=value\n")
            sys.exit(64)
    return opts, props


def need(opts, name):
    if name not in opts:
        sys.stderr.write(f"confluent_latest.py: --{name}=... is required\n")
        sys.exit(64)
    return opts[name]


def _version(v):
    # (string, int) up to 2.15; 2.16 made version() a plain string.
    return v[0] if isinstance(v, tuple) else str(v)


def base(program):
    return {"client": "confluent-kafka", "client_version": _version(confluent_kafka.version()),
            "librdkafka_version": _version(confluent_kafka.libversion()), "program": program}


def deadline(opts, partial):
    ms = int(opts.get("timeout-ms", 120000))

    def fire():
        r = partial()
        r.update(timed_out=True, timeout_ms=ms)
        emit(r)
        os._exit(3)

    t = threading.Timer(ms / 1000, fire)
    t.daemon = True
    t.start()


def role(props, name, others):
    """Properties without a role prefix plus name.* with the prefix off (as the Java TxnLoop)."""
    out = {k: v for k, v in props.items() if not any(k.startswith(o + ".") for o in (name, *others))}
    out.update({k[len(name) + 1:]: v for k, v in props.items() if k.startswith(name + ".")})
    return out


def produce(opts, props):
    topic, count = need(opts, "topic"), int(need(opts, "count"))
    first = int(opts.get("first", 0))
    partition = int(opts.get("partition", -1))
    size = int(opts.get("value-size", 0))
    st = {"sent": 0, "acked": 0, "error_count": 0, "errors": [], "partitions": {}}
    lock = threading.Lock()
    started = time.monotonic()

    def report():
        with lock:
            return {**base("produce"), **json.loads(json.dumps(st)),
                    "elapsed_ms": int((time.monotonic() - started) * 1000)}

    deadline(opts, report)

    def fail(text):
        st["error_count"] += 1
        if len(st["errors"]) < 10 and text not in st["errors"]:
            st["errors"].append(text)

    def delivered(err, msg):
        with lock:
            if err is not None:
                fail(str(err))
                return
            st["acked"] += 1
            p = st["partitions"].setdefault(str(msg.partition()), {"count": 0, "first_offset": msg.offset(),
                                                                   "last_offset": msg.offset()})
            p["count"] += 1
            p["first_offset"] = min(p["first_offset"], msg.offset())
            p["last_offset"] = max(p["last_offset"], msg.offset())

    conf = {"client.id": "sluice-confluent-latest-produce", **props, "bootstrap.servers": need(opts, "bootstrap")}
    producer = Producer(conf)
    try:
        for i in range(first, first + count):
            value = f"v-{i}".ljust(size, ".")
            kwargs = {"partition": partition} if partition >= 0 else {}
            while True:
                try:
                    producer.produce(topic, key=f"k-{i}", value=value, on_delivery=delivered, **kwargs)
                    break
                except BufferError:
                    producer.poll(0.1)
            with lock:
                st["sent"] += 1
            producer.poll(0)
        left = producer.flush(60)
        if left:
            with lock:
                fail(f"{left} records still undelivered after flush(60)")
    except KafkaException as e:
        with lock:
            fail(str(e))
    r = report()
    emit(r)
    return 0 if r["error_count"] == 0 and r["acked"] == count else 2


class Tally:
    """Checks records against the produce pattern, like the Java Consume."""

    def __init__(self, first, rng, keep_values):
        self.first, self.range, self.keep_values = first, rng, keep_values
        self.count = self.duplicates = self.key_mismatches = self.unexpected_count = 0
        self.seen, self.unexpected, self.partitions, self.values = set(), [], {}, []

    def add(self, partition, key, value):
        self.count += 1
        self.partitions[str(partition)] = self.partitions.get(str(partition), 0) + 1
        text = value.decode(errors="replace") if value is not None else None
        if self.keep_values:
            self.values.append(text)
        i = -1
        if text and text.startswith("v-") and text[2:].isdigit():
            i = int(text[2:])
        if not self.first <= i < self.first + self.range:
            self.unexpected_count += 1
            if len(self.unexpected) < 10:
                self.unexpected.append(text)
            return
        if i in self.seen:
            self.duplicates += 1
        self.seen.add(i)
        if key is not None and key.decode(errors="replace") != f"k-{i}":
            self.key_mismatches += 1

    def report(self):
        missing = [i for i in range(self.first, self.first + self.range) if i not in self.seen][:20]
        r = {"count": self.count, "unique": len(self.seen), "duplicates": self.duplicates,
             "missing_count": self.range - len(self.seen), "missing": missing,
             "unexpected_count": self.unexpected_count, "unexpected": self.unexpected,
             "key_mismatches": self.key_mismatches, "partitions": dict(self.partitions)}
        if self.keep_values:
            r["values"] = list(self.values)
        return r


def consume(opts, props):
    topic, count = need(opts, "topic"), int(need(opts, "count"))
    tally = Tally(int(opts.get("first", 0)), int(opts.get("range", count)), opts.get("values") == "true")
    lock = threading.Lock()

    def report():
        with lock:
            return {**base("consume"), **tally.report()}

    deadline(opts, report)
    grouped = "group.id" in props
    conf = {"client.id": "sluice-confluent-latest-consume", "auto.offset.reset": "earliest",
            "group.id": props.get("group.id", f"sluice-confluent-latest-{os.getpid()}"),
            "enable.auto.commit": grouped, **props, "bootstrap.servers": need(opts, "bootstrap")}
    consumer = Consumer(conf)
    errors = []
    stop_at = time.monotonic() + int(opts.get("consume-timeout-ms", 60000)) / 1000
    drain_until = None
    try:
        if grouped:
            consumer.subscribe([topic])
        else:
            md = consumer.list_topics(topic, timeout=30)
            parts = md.topics[topic].partitions if topic in md.topics else {}
            consumer.assign([TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in parts])
        while True:
            now = time.monotonic()
            if now >= stop_at or (drain_until is not None and now >= drain_until):
                break
            for m in consumer.consume(num_messages=500, timeout=0.2):
                if m.error():
                    if m.error().code() != confluent_kafka.KafkaError._PARTITION_EOF and len(errors) < 10:
                        errors.append(str(m.error()))
                    continue
                with lock:
                    tally.add(m.partition(), m.key(), m.value())
            with lock:
                n = tally.count
            if drain_until is None and n >= count:
                drain_until = time.monotonic() + int(opts.get("drain-ms", 1000)) / 1000
    finally:
        consumer.close()
    r = report()
    r.update(timed_out=r["count"] < count, fetch_errors=errors)
    emit(r)
    return 0


def txn(opts, props):
    output, tid = need(opts, "output"), need(opts, "transactional-id")
    count = int(need(opts, "count"))
    batch = int(opts.get("batch", 10))
    abort_every = int(opts.get("abort-every", 2))
    first = int(opts.get("first", 0))
    source = opts.get("input")
    if abort_every == 1 or (source and "group" not in opts):
        sys.stderr.write("confluent_latest.py txn: --abort-every is 0 or >= 2, and --input needs --group\n")
        return 64
    c = {"transactions": 0, "committed": 0, "aborted": 0, "records_committed": 0, "records_aborted": 0,
         "error": None}
    deadline(opts, lambda: {**base("txn"), **dict(c)})

    def aborts():
        c["transactions"] += 1
        return abort_every > 0 and c["transactions"] % abort_every == 0

    def ended(abort, n):
        c["aborted" if abort else "committed"] += 1
        c["records_aborted" if abort else "records_committed"] += n

    bootstrap = need(opts, "bootstrap")
    producer = Producer({"client.id": "sluice-confluent-latest-txn", **role(props, "producer", ["consumer"]),
                         "bootstrap.servers": bootstrap, "transactional.id": tid})
    consumer = None
    try:
        producer.init_transactions(60)
        if not source:
            nxt = first
            while nxt < first + count:
                end = min(nxt + batch, first + count)
                abort = aborts()
                producer.begin_transaction()
                for i in range(nxt, end):
                    producer.produce(output, key=f"k-{i}", value=f"v-{i}")
                if abort:
                    producer.flush(60)  # in the log first: the broker must hide them, not the client
                    producer.abort_transaction(60)
                else:
                    producer.commit_transaction(60)
                ended(abort, end - nxt)
                if not abort:  # an aborted transaction's records go again in the next one
                    nxt = end
        else:
            consumer = Consumer({"client.id": "sluice-confluent-latest-txn-consumer",
                                 "auto.offset.reset": "earliest", **role(props, "consumer", ["producer"]),
                                 "bootstrap.servers": bootstrap, "group.id": opts["group"],
                                 "enable.auto.commit": False, "isolation.level": "read_committed"})
            consumer.subscribe([source])
            done = 0
            while done < count:
                msgs = [m for m in consumer.consume(num_messages=min(batch, count - done), timeout=1.0)
                        if not m.error()]
                if not msgs:
                    continue
                abort = aborts()
                producer.begin_transaction()
                for m in msgs:
                    producer.produce(output, key=m.key(), value=m.value())
                upto = {}
                for m in msgs:
                    upto[(m.topic(), m.partition())] = max(upto.get((m.topic(), m.partition()), 0), m.offset() + 1)
                producer.send_offsets_to_transaction([TopicPartition(t, p, o) for (t, p), o in upto.items()],
                                                     consumer.consumer_group_metadata(), 60)
                if abort:
                    producer.flush(60)  # in the log first: the broker must hide them, not the client
                    producer.abort_transaction(60)
                    # Read again from the first record of the aborted transaction.
                    rewind = {}
                    for m in msgs:
                        key = (m.topic(), m.partition())
                        rewind[key] = min(rewind.get(key, m.offset()), m.offset())
                    for (t, p), o in rewind.items():
                        consumer.seek(TopicPartition(t, p, o))
                else:
                    producer.commit_transaction(60)
                    done += len(msgs)
                ended(abort, len(msgs))
    except KafkaException as e:
        c["error"] = str(e)
    finally:
        if consumer is not None:
            consumer.close()
        try:
            producer.flush(10)
        except KafkaException:
            pass  # a producer in a fatal state raises here too: the first error is in c["error"]
    emit({**base("txn"), **c})
    return 2 if c["error"] else 0


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("produce", "consume", "txn"):
        sys.stderr.write("usage: confluent_latest.py produce|consume|txn --bootstrap=H:P ...\n")
        return 64
    opts, props = parse(sys.argv[2:])
    return {"produce": produce, "consume": consume, "txn": txn}[sys.argv[1]](opts, props)


if __name__ == "__main__":
    sys.exit(main())
