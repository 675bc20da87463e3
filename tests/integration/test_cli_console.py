"""The console producer and consumer scripts against a real broker: the seed's producer command
(--broker-list), the consumer's --from-beginning/--max-messages and "Processed a total of N
messages", and every producer/consumer flag of issue #6 at least once."""
import os
import pathlib
import subprocess

from conftest import SOURCE_DIR

BIN = SOURCE_DIR / "bin"


def tool(name, *args, input=None, timeout=60, env=None):
    """Runs bin/<name>.sh; returns the CompletedProcess with text output."""
    return subprocess.run([str(BIN / f"{name}.sh"), *args], input=input, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def produce(broker, topic, lines, *flags):
    p = tool("kafka-console-producer", "--bootstrap-server", broker.bootstrap, "--topic", topic,
             *flags, input="".join(line + "\n" for line in lines))
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""  # no '>' prompt when stdin is not a terminal
    return p


def consume(broker, topic, count, *flags):
    p = tool("kafka-console-consumer", "--bootstrap-server", broker.bootstrap, "--topic", topic,
             "--from-beginning", "--max-messages", str(count), *flags)
    assert p.returncode == 0, p.stderr
    assert p.stderr.endswith(f"Processed a total of {count} messages\n"), p.stderr
    return p.stdout


def test_seed_producer_and_consumer_commands(broker):
    # The seed types two messages into the producer, then reads them back from the beginning.
    p = tool("kafka-console-producer", "--broker-list", broker.bootstrap, "--topic", "seed-topic",
             input="first message\nsecond message\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    out = consume(broker, "seed-topic", 2)
    assert out == "first message\nsecond message\n"


def test_producer_reader_properties_and_client_settings(broker, tmp_path):
    config = tmp_path / "producer.properties"
    config.write_text("client.id=from-file\nlinger.ms=0\n")
    produce(broker, "keyed", ["user1:hello", "user2:world"],
            "--property", "parse.key=true", "--property", "key.separator=:",
            "--producer-property", "acks=all", "--producer.config", str(config),
            "--compression-codec", "gzip", "--request-required-acks", "-1", "--sync")
    out = consume(broker, "keyed", 2, "--property", "print.key=true",
                  "--property", "key.separator=|")
    assert out == "user1|hello\nuser2|world\n"


def test_producer_headers_and_null_marker(broker):
    produce(broker, "headed", ["h1:v1,h2:v2\tk\tpayload", "h:NULL\tNULL\tNULL"],
            "--property", "parse.headers=true", "--property", "parse.key=true",
            "--property", "null.marker=NULL", "--compression-codec")
    out = consume(broker, "headed", 2, "--property", "print.headers=true",
                  "--property", "print.key=true", "--property", "null.literal=<null>")
    assert out == "h1:v1,h2:v2\tk\tpayload\nh:<null>\t<null>\t<null>\n"


def test_producer_rejects_a_line_without_key_separator(broker):
    p = tool("kafka-console-producer", "--bootstrap-server", broker.bootstrap, "--topic", "bad",
             "--property", "parse.key=true", input="no-separator-here\n")
    assert p.returncode == 1
    assert "No key separator found on line number 1: 'no-separator-here'" in p.stderr


def test_consumer_print_properties(broker):
    produce(broker, "printed", ["a", "b", "c"])
    out = consume(broker, "printed", 3, "--property", "print.timestamp=true",
                  "--property", "print.partition=true", "--property", "print.offset=true",
                  "--property", "print.value=true")
    lines = out.splitlines()
    assert len(lines) == 3
    for offset, (line, value) in enumerate(zip(lines, "abc")):
        ts, partition, off, v = line.split("\t")
        assert ts.startswith("CreateTime:") and int(ts.split(":")[1]) > 0
        assert partition == "Partition:0"
        assert off == f"Offset:{offset}"
        assert v == value


def test_consumer_partition_offset_and_timeout(broker):
    produce(broker, "positions", ["zero", "one", "two"])
    p = tool("kafka-console-consumer", "--bootstrap-server", broker.bootstrap,
             "--topic", "positions", "--partition", "0", "--offset", "1", "--max-messages", "2")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "one\ntwo\n"
    # No new messages: --timeout-ms ends the consumer with Kafka's summary line.
    p = tool("kafka-console-consumer", "--bootstrap-server", broker.bootstrap,
             "--topic", "positions", "--timeout-ms", "1000")
    assert p.returncode == 0
    assert p.stdout == ""
    assert p.stderr.endswith("Processed a total of 0 messages\n")
    assert "terminating consumer process" in p.stderr


def test_consumer_include_isolation_and_settings(broker, tmp_path):
    produce(broker, "inc-a", ["from-a"])
    produce(broker, "inc-b", ["from-b"])
    config = tmp_path / "consumer.properties"
    config.write_text("client.id=from-file\n")
    p = tool("kafka-console-consumer", "--bootstrap-server", broker.bootstrap,
             "--include", "inc-.*", "--from-beginning", "--max-messages", "2",
             "--isolation-level", "read_committed", "--consumer-property", "fetch.wait.max.ms=50",
             "--consumer.config", str(config))
    assert p.returncode == 0, p.stderr
    assert sorted(p.stdout.splitlines()) == ["from-a", "from-b"]


def test_console_usage_errors(broker):
    p = tool("kafka-console-consumer", "--bootstrap-server", broker.bootstrap)
    assert p.returncode == 1
    assert p.stderr.startswith("Exactly one of --include/--topic is required. \n")
    p = tool("kafka-console-consumer", "--bootstrap-server", broker.bootstrap, "--topic", "t",
             "--offset", "3")
    assert p.returncode == 1
    assert p.stderr.startswith("The partition is required when offset is specified.\n")
    p = tool("kafka-console-producer", "--bootstrap-server", broker.bootstrap)
    assert p.returncode == 1
    assert p.stderr.startswith('Missing required argument "[topic]"\n')
    assert "Option                                   Description" in p.stderr


def test_producer_prompts_only_on_a_terminal(broker):
    import pty
    import select
    import time
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(BIN / "kafka-console-producer.sh"), "--bootstrap-server",
                             broker.bootstrap, "--topic", "prompted"],
                            stdin=follower, stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    seen = b""

    def read_until(marker, timeout=20):
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(leader, 1024)
                except OSError:
                    break
        return marker in seen

    try:
        assert read_until(b">")
        os.write(leader, b"typed on a terminal\n")
        assert read_until(b"typed on a terminal\r\n>")  # echoed, then the next prompt
        os.write(leader, b"\x04")  # Ctrl-D: end of input
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    assert consume(broker, "prompted", 1) == "typed on a terminal\n"


def java_partition(key, partitions):
    """The partition Kafka's Java producer picks for a key: murmur2 (Utils.murmur2), positive."""
    data = key.encode()
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    for i in range(0, len(data) - len(data) % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = data[len(data) - len(data) % 4:]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return (h & 0x7FFFFFFF) % partitions


def test_keyed_records_land_where_the_java_producer_puts_them(broker):
    p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--create", "--topic",
             "by-key", "--partitions", "5")
    assert p.returncode == 0, p.stderr
    keys = [f"key-{i}" for i in range(40)]
    produce(broker, "by-key", [f"{k}:v" for k in keys], "--property", "parse.key=true",
            "--property", "key.separator=:")
    out = consume(broker, "by-key", 40, "--property", "print.key=true",
                  "--property", "print.partition=true")
    seen = {}
    for line in out.splitlines():
        partition, key = line.split("\t")[:2]
        seen[key] = int(partition.removeprefix("Partition:"))
    assert seen == {k: java_partition(k, 5) for k in keys}
