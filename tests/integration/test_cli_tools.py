"""Kafka's admin and inspection scripts against a real broker: get-offsets, delete-records,
dump-log on the broker's own segment files, broker-api-versions, the perf tests (their output
parsed the way Kafka's is), and topics --list/--describe of topics the broker created."""
import json
import os
import re
import subprocess

from conftest import SOURCE_DIR

BIN = SOURCE_DIR / "bin"


def tool(name, *args, input=None, timeout=120):
    return subprocess.run([str(BIN / f"{name}.sh"), *args], input=input, capture_output=True,
                          text=True, timeout=timeout)


def produce(broker, topic, lines):
    p = tool("kafka-console-producer", "--bootstrap-server", broker.bootstrap, "--topic", topic,
             "--timeout", "0", input="".join(line + "\n" for line in lines))
    assert p.returncode == 0, p.stderr


def test_get_offsets(broker):
    produce(broker, "offsets", [f"m{i}" for i in range(5)])
    p = tool("kafka-get-offsets", "--bootstrap-server", broker.bootstrap, "--topic", "offsets")
    assert (p.returncode, p.stdout) == (0, "offsets:0:5\n"), p.stderr
    p = tool("kafka-get-offsets", "--bootstrap-server", broker.bootstrap, "--topic", "offsets",
             "--time", "-2", "--partitions", "0")
    assert (p.returncode, p.stdout) == (0, "offsets:0:0\n"), p.stderr
    p = tool("kafka-get-offsets", "--bootstrap-server", broker.bootstrap,
             "--topic-partitions", "offs.*:0", "--time", "earliest", "--exclude-internal-topics")
    assert (p.returncode, p.stdout) == (0, "offsets:0:0\n"), p.stderr
    p = tool("kafka-get-offsets", "--bootstrap-server", broker.bootstrap, "--topic", "offsets",
             "--time", "max-timestamp")
    assert p.returncode == 0, p.stderr
    assert re.fullmatch(r"offsets:0:[0-4]\n", p.stdout)
    p = tool("kafka-get-offsets", "--bootstrap-server", broker.bootstrap, "--topic", "nothing.*")
    assert p.returncode == 1
    assert p.stderr == "Error occurred: Could not match any topic-partitions with the specified filters\n"


def test_delete_records(broker, tmp_path):
    produce(broker, "trim", [f"m{i}" for i in range(4)])
    plan = tmp_path / "offsets.json"
    plan.write_text(json.dumps({"partitions": [{"topic": "trim", "partition": 0, "offset": 2}],
                                "version": 1}))
    p = tool("kafka-delete-records", "--bootstrap-server", broker.bootstrap,
             "--offset-json-file", str(plan))
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("Executing records delete operation\n"
                        "Records delete operation completed:\n"
                        "partition: trim-0\tlow_watermark: 2\n")
    p = tool("kafka-get-offsets", "--bootstrap-server", broker.bootstrap, "--topic", "trim",
             "--time", "-2")
    assert p.stdout == "trim:0:2\n"


def test_dump_log_reads_the_brokers_segment(broker):
    produce(broker, "dumped", ["alpha", "beta"])
    segment = broker.data_dir / "dumped-0" / "00000000000000000000.log"
    assert segment.exists()
    p = tool("kafka-dump-log", "--files", str(segment), "--print-data-log")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == f"Dumping {segment}"
    assert lines[1] == "Log starting offset: 0"
    batches = [l for l in lines if l.startswith("baseOffset:")]
    records = [l for l in lines if l.startswith("| offset:")]
    assert batches and all("magic: 2" in b and "isvalid: true" in b for b in batches)
    assert [re.search(r"payload: (\S+)$", r).group(1) for r in records] == ["alpha", "beta"]
    assert re.match(r"\| offset: 0 CreateTime: \d+ keySize: -1 valueSize: 5 sequence: -1 "
                    r"headerKeys: \[\] payload: alpha$", records[0])
    p = tool("kafka-dump-log", "--files", str(segment), "--deep-iteration",
             "--skip-record-metadata", "--max-bytes", "100000")
    assert p.returncode == 0
    p = tool("kafka-dump-log")
    assert p.returncode == 1 and "Option" in p.stderr


def test_broker_api_versions(broker):
    p = tool("kafka-broker-api-versions", "--bootstrap-server", broker.bootstrap)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{broker.bootstrap} (id: 1 rack: null) -> (\n\t")
    assert re.search(r"\tApiVersions\(18\): 0 to \d+ \[usable: \d+\]", p.stdout)
    assert re.search(r"\tProduce\(0\): \d+ to \d+ \[usable: \d+\]", p.stdout)
    assert p.stdout.endswith("\n)\n")


def test_topics_list_and_describe_existing_topics(broker):
    produce(broker, "described", ["x"])
    p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--list")
    assert p.returncode == 0 and "described" in p.stdout.splitlines()
    p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--describe",
             "--topic", "described")
    assert p.returncode == 0, p.stdout
    head, part = p.stdout.splitlines()
    assert re.match(r"Topic: described(\tTopicId: [A-Za-z0-9_-]{22})?\tPartitionCount: 1\t"
                    r"ReplicationFactor: 1\tConfigs: .*$", head)
    assert part == "\tTopic: described\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1"
    p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--describe",
             "--topic", "missing")
    assert (p.returncode, p.stdout) == (
        1, "Error while executing topic command : Topic 'missing' does not exist as expected\n")
    p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--describe",
             "--topic", "missing", "--if-exists")
    assert (p.returncode, p.stdout) == (0, "")
    p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--describe",
             "--under-replicated-partitions")
    assert (p.returncode, p.stdout) == (0, "")
    p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--list",
             "--exclude-internal", "--topic", "desc.*")
    assert (p.returncode, p.stdout) == (0, "described\n")


PRODUCER_TOTAL = re.compile(
    r"^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th\.$")
PRODUCER_WINDOW = re.compile(
    r"^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency\.$")


def test_producer_and_consumer_perf_tests(broker, tmp_path):
    p = tool("kafka-producer-perf-test", "--topic", "perf", "--num-records", "3000",
             "--record-size", "100", "--throughput", "-1",
             "--producer-props", f"bootstrap.servers={broker.bootstrap}", "acks=1",
             "--print-metrics")
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stdout.splitlines() if l]
    totals = [m for m in map(PRODUCER_TOTAL.match, lines) if m]
    assert len(totals) == 1
    assert int(totals[0].group(1)) == 3000
    assert all(PRODUCER_WINDOW.match(l) or PRODUCER_TOTAL.match(l) for l in lines
               if "records sent" in l)
    assert "Metric Name" in p.stdout

    payloads = tmp_path / "payloads.txt"
    payloads.write_text("one,two,three")
    config = tmp_path / "producer.properties"
    config.write_text(f"bootstrap.servers={broker.bootstrap}\n")
    p = tool("kafka-producer-perf-test", "--topic", "perf2", "--num-records", "50",
             "--payload-file", str(payloads), "--payload-delimiter", ",", "--throughput", "500",
             "--producer.config", str(config))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"Reading payloads from: {payloads}\nNumber of messages read: 3\n")
    assert PRODUCER_TOTAL.match(p.stdout.splitlines()[-1])
    p = tool("kafka-producer-perf-test", "--topic", "perf3", "--num-records", "10",
             "--payload-monotonic", "--throughput", "-1", "--producer-props",
             f"bootstrap.servers={broker.bootstrap}")
    assert p.returncode == 0, p.stderr

    p = tool("kafka-consumer-perf-test", "--bootstrap-server", broker.bootstrap,
             "--topic", "perf", "--messages", "3000", "--timeout", "20000", "--print-metrics",
             "--fetch-size", "1048576", "--socket-buffer-size", "1048576",
             "--reporting-interval", "1000", "--date-format", "yyyy-MM-dd HH:mm:ss:SSS")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == ("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, "
                        "nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
    fields = [f.strip() for f in lines[1].split(",")]
    assert len(fields) == 10
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}$", fields[0])
    assert int(fields[4]) == 3000
    assert abs(float(fields[2]) - 3000 * 100 / (1024 * 1024)) < 0.001

    p = tool("kafka-consumer-perf-test", "--broker-list", broker.bootstrap, "--topic", "perf",
             "--messages", "100", "--hide-header", "--show-detailed-stats", "--from-latest",
             "--timeout", "1500")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("WARNING: Exiting before consuming the expected number of messages")


def test_e2e_latency(broker):
    """kafka-e2e-latency.sh, Kafka's EndToEndLatency: each record sent (acks=all) and read back
    before the next; progress every 1000th, then the average and percentiles. The topic did not
    exist: the tool says so and creates it with one partition."""
    p = tool("kafka-e2e-latency", broker.bootstrap, "latency", "1001", "all", "64")
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == ('Topic "latency" does not exist. Will create topic with 1 partition(s) and '
                        'replication factor = 1'), lines
    assert re.fullmatch(r"0\t\d+(\.\d+)?", lines[1]) and re.fullmatch(r"1000\t\d+(\.\d+)?", lines[2]), lines
    assert re.fullmatch(r"Avg latency: \d+\.\d{4} ms", lines[3]), lines
    assert re.fullmatch(r"Percentiles: 50th = \d+, 99th = \d+, 99\.9th = \d+", lines[4]), lines
    p = tool("kafka-get-offsets", "--bootstrap-server", broker.bootstrap, "--topic", "latency")
    assert p.stdout == "latency:0:1001\n", p.stdout + p.stderr
    # Again, on the existing topic: nothing to create, the records go after the others.
    p = tool("kafka-e2e-latency", broker.bootstrap, "latency", "10", "1", "8")
    assert p.returncode == 0 and "does not exist" not in p.stdout, p.stdout + p.stderr
    p = tool("kafka-e2e-latency", broker.bootstrap, "latency", "10", "0", "8")
    assert (p.returncode, p.stderr) == (
        1, "Latency testing requires synchronous acknowledgement. Please use 1 or all\n")


def events(stdout):
    return [json.loads(line) for line in stdout.splitlines()]


def test_verifiable_producer_and_consumer(broker):
    """kafka-verifiable-producer.sh and kafka-verifiable-consumer.sh, the JSON-speaking clients
    Kafka's system tests drive: every record the producer reports acked is read back by the
    consumer in a group, which reports its assignment, its batches and its commits."""
    p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--create", "--topic",
             "verifiable", "--partitions", "3")
    assert p.returncode == 0, p.stderr
    p = tool("kafka-verifiable-producer", "--bootstrap-server", broker.bootstrap, "--topic",
             "verifiable", "--max-messages", "300", "--repeating-keys", "7", "--value-prefix", "5",
             "--throughput", "2000")
    assert p.returncode == 0, p.stderr
    produced = events(p.stdout)
    assert produced[0]["name"] == "startup_complete"
    assert list(produced[0]) == ["timestamp", "name"]
    sent = [e for e in produced if e["name"] == "producer_send_success"]
    assert len(sent) == 300 and not [e for e in produced if e["name"] == "producer_send_error"]
    assert sorted(e["value"] for e in sent) == sorted(f"5.{i}" for i in range(300))
    assert {e["key"] for e in sent} == {str(k) for k in range(7)}
    # Java's partitioner (murmur2): one key, one partition.
    by_key = {}
    for e in sent:
        by_key.setdefault(e["key"], set()).add(e["partition"])
    assert all(len(parts) == 1 for parts in by_key.values()), by_key
    assert [e["name"] for e in produced[-2:]] == ["shutdown_complete", "tool_data"]
    assert produced[-1]["sent"] == produced[-1]["acked"] == 300
    assert produced[-1]["target_throughput"] == 2000

    p = tool("kafka-verifiable-consumer", "--bootstrap-server", broker.bootstrap, "--topic",
             "verifiable", "--group-id", "verifiable-group", "--max-messages", "300", "--verbose",
             timeout=180)
    assert p.returncode == 0, p.stderr
    consumed = events(p.stdout)
    names = [e["name"] for e in consumed]
    assert names[0] == "startup_complete" and names[-1] == "shutdown_complete", names
    assigned = [e for e in consumed if e["name"] == "partitions_assigned"]
    assert sorted(x["partition"] for x in assigned[0]["partitions"]) == [0, 1, 2]
    records = [e for e in consumed if e["name"] == "record_data"]
    assert sorted(r["value"] for r in records) == sorted(f"5.{i}" for i in range(300))
    batches = [e for e in consumed if e["name"] == "records_consumed"]
    assert sum(p["count"] for b in batches for p in b["partitions"]) == 300
    commits = [e for e in consumed if e["name"] == "offsets_committed"]
    assert commits and all(c["success"] for c in commits)
    last = {}
    for c in commits:
        for o in c["offsets"]:
            last[o["partition"]] = o["offset"]
    ends = {}
    for e in sent:
        ends[e["partition"]] = max(ends.get(e["partition"], 0), e["offset"] + 1)
    assert last == ends, "the commits reach every partition's end"
    assert "partitions_revoked" in names[names.index(batches[-1]["name"]):]


def committed(broker, group):
    p = tool("kafka-consumer-groups", "--bootstrap-server", broker.bootstrap, "--describe",
             "--group", group)
    rows = [line.split() for line in p.stdout.splitlines() if line.startswith(group + " ")]
    return {(r[1], int(r[2])): int(r[3]) for r in rows}


def test_streams_application_reset(broker):
    """kafka-streams-application-reset.sh, Kafka's StreamsResetter: the application's group goes
    back to the start of its input topics and to the end of its intermediate topics, and its
    internal topics are deleted; --dry-run only says so; an active group is refused unless
    --force removes its members."""
    for topic in ("in", "inter", "app-store-changelog", "app-x-repartition", "other-changelog"):
        p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--create", "--topic",
                 topic, "--partitions", "2")
        assert p.returncode == 0, p.stderr
    for topic, count in (("in", "20"), ("inter", "10")):
        p = tool("kafka-verifiable-producer", "--bootstrap-server", broker.bootstrap, "--topic",
                 topic, "--max-messages", count)
        assert p.returncode == 0, p.stderr
    p = tool("kafka-verifiable-consumer", "--bootstrap-server", broker.bootstrap, "--topic", "in",
             "--group-id", "app", "--max-messages", "20", timeout=180)
    assert p.returncode == 0, p.stderr
    before = committed(broker, "app")
    assert sum(before.values()) == 20, before

    reset = ("kafka-streams-application-reset", "--bootstrap-server", broker.bootstrap,
             "--application-id", "app", "--input-topics", "in", "--intermediate-topics", "inter")
    p = tool(*reset, "--dry-run")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == ("----Dry run displays the actions which will be performed when running "
                        "Streams Reset Tool----")
    assert lines[1:5] == ["Reset-offsets for input topics [in]",
                          "Seek-to-end for intermediate topics [inter]",
                          "Following input topics offsets will be reset to (for consumer group app)",
                          "Topic: in Partition: 0 Offset: 0"], lines
    assert "Deleting inferred internal topics [app-store-changelog, app-x-repartition]" in lines
    assert committed(broker, "app") == before, "a dry run changes nothing"

    p = tool(*reset)
    assert p.returncode == 0, p.stderr
    after = committed(broker, "app")
    assert after[("in", 0)] == after[("in", 1)] == 0, after
    ends = tool("kafka-get-offsets", "--bootstrap-server", broker.bootstrap, "--topic", "inter")
    for line in ends.stdout.split():
        topic, partition, end = line.split(":")
        assert after[(topic, int(partition))] == int(end), (after, ends.stdout)
    listed = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--list").stdout.split()
    assert "app-store-changelog" not in listed and "app-x-repartition" not in listed, listed
    assert "other-changelog" in listed and "in" in listed

    p = tool(*reset[:5], "--input-topics", "missing")
    assert p.returncode == 1 and "Following input topics are not found, skipping them" in p.stdout

    # A running member: refused, then removed with --force.
    member = subprocess.Popen([str(BIN / "kafka-verifiable-consumer.sh"), "--bootstrap-server",
                               broker.bootstrap, "--topic", "in", "--group-id", "app"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in member.stdout:
            if '"partitions_assigned"' in line:
                break
        p = tool(*reset[:5])
        assert p.returncode == 1 and "Consumer group 'app' is still active" in p.stderr, p.stderr
        p = tool(*reset[:5], "--force")
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("Force deleting all active members in the group: app\n")
    finally:
        member.terminate()
        member.wait(timeout=60)
