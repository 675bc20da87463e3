"""kafka-log-dirs.sh and kafka-leader-election.sh against a real broker: the log directories in
Kafka's JSON, and the leader election tool's arguments and answers."""
import json
import subprocess

from conftest import SOURCE_DIR

BIN = SOURCE_DIR / "bin"


def tool(name, *args, timeout=60):
    return subprocess.run([str(BIN / f"{name}.sh"), *args], capture_output=True, text=True,
                          timeout=timeout)


def test_log_dirs(broker):
    p = subprocess.run([str(BIN / "kafka-console-producer.sh"), "--bootstrap-server",
                        broker.bootstrap, "--topic", "dirs"], input="a\nb\n", text=True,
                       capture_output=True)
    assert p.returncode == 0, p.stderr
    p = tool("kafka-log-dirs", "--bootstrap-server", broker.bootstrap, "--describe")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "Querying brokers for log directories information"
    assert lines[1] == "Received log directory information from brokers 1"
    doc = json.loads(lines[2])
    assert list(doc) == ["brokers", "version"] and doc["version"] == 1
    (entry,) = doc["brokers"]
    assert entry["broker"] == 1
    (log_dir,) = entry["logDirs"]
    assert list(log_dir) == ["partitions", "error", "logDir"]
    assert log_dir["error"] is None and log_dir["logDir"] == str(broker.data_dir)
    part = next(p for p in log_dir["partitions"] if p["partition"] == "dirs-0")
    assert list(part) == ["partition", "size", "offsetLag", "isFuture"]
    assert part["size"] > 0 and part["offsetLag"] == 0 and part["isFuture"] is False

    p = tool("kafka-log-dirs", "--bootstrap-server", broker.bootstrap, "--describe",
             "--topic-list", "no-such-topic", "--broker-list", "1")
    assert p.returncode == 0
    assert json.loads(p.stdout.splitlines()[2])["brokers"][0]["logDirs"][0]["partitions"] == []
    p = tool("kafka-log-dirs", "--bootstrap-server", broker.bootstrap, "--describe",
             "--broker-list", "7")
    assert (p.returncode, p.stderr) == (1, "ERROR: The given brokers do not exist from "
                                           "--broker-list: 7. Current existent brokers: 1\n")


def test_leader_election_arguments(broker):
    p = tool("kafka-leader-election", "--bootstrap-server", broker.bootstrap)
    assert (p.returncode, p.stderr) == (1, "Missing required option(s): election-type\n")
    p = tool("kafka-leader-election", "--bootstrap-server", broker.bootstrap,
             "--election-type", "preferred")
    assert p.returncode == 1
    assert p.stderr == ("One and only one of the following options is required: topic, "
                        "all-topic-partitions, path-to-json-file\n")
    p = tool("kafka-leader-election", "--bootstrap-server", broker.bootstrap,
             "--election-type", "preferred", "--topic", "t")
    assert (p.returncode, p.stderr) == (1, "Missing required option(s): partition\n")
    p = tool("kafka-leader-election", "--bootstrap-server", broker.bootstrap,
             "--election-type", "sideways", "--all-topic-partitions")
    assert p.returncode == 1 and "Cannot parse argument 'sideways'" in p.stderr


def test_a_replica_moves_between_log_dirs(broker_factory, tmp_path):
    """AlterReplicaLogDirs through kafka-reassign-partitions.sh's log_dirs: the partition's folder
    moves to the other dir with every record (consumed afterwards), DescribeLogDirs
    (kafka-log-dirs.sh) shows it there, and --verify reports the replica's move done. A dir not
    in log.dirs is refused with Kafka's LogDirNotFoundException."""
    second = tmp_path / "second-dir"
    b = broker_factory("two-dirs")
    b.config_path.write_text(b.config_path.read_text().replace(
        f"log.dirs={b.data_dir}", f"log.dirs={b.data_dir},{second}"))
    b.start()
    p = subprocess.run([str(BIN / "kafka-topics.sh"), "--bootstrap-server", b.bootstrap,
                        "--create", "--topic", "moving", "--partitions", "1"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    lines = "".join(f"m-{i}\n" for i in range(500))
    p = subprocess.run([str(BIN / "kafka-console-producer.sh"), "--bootstrap-server", b.bootstrap,
                        "--topic", "moving"], input=lines, text=True, capture_output=True)
    assert p.returncode == 0, p.stderr
    home = next(d for d in (b.data_dir, second) if (d / "moving-0").exists())
    other = second if home == b.data_dir else b.data_dir

    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": "moving", "partition": 0, "replicas": [1], "log_dirs": [str(other)]}]}))
    p = tool("kafka-reassign-partitions", "--bootstrap-server", b.bootstrap, "--execute",
             "--reassignment-json-file", str(plan))
    assert p.returncode == 0, p.stdout + p.stderr
    assert (other / "moving-0").exists() and not (home / "moving-0").exists()
    p = tool("kafka-reassign-partitions", "--bootstrap-server", b.bootstrap, "--verify",
             "--reassignment-json-file", str(plan))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Reassignment of replica moving-0-1 completed successfully." in p.stdout, p.stdout

    p = tool("kafka-log-dirs", "--bootstrap-server", b.bootstrap, "--describe",
             "--topic-list", "moving")
    doc = json.loads(p.stdout.splitlines()[2])
    where = {d["logDir"]: [x["partition"] for x in d["partitions"]]
             for d in doc["brokers"][0]["logDirs"]}
    assert where[str(other)] == ["moving-0"] and where[str(home)] == [], where

    p = subprocess.run([str(BIN / "kafka-console-consumer.sh"), "--bootstrap-server", b.bootstrap,
                        "--topic", "moving", "--from-beginning", "--max-messages", "500",
                        "--timeout-ms", "30000"], capture_output=True, text=True, timeout=90)
    assert p.stdout.splitlines() == [f"m-{i}" for i in range(500)], p.stderr

    plan.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": "moving", "partition": 0, "replicas": [1], "log_dirs": ["/no/such/dir"]}]}))
    p = tool("kafka-reassign-partitions", "--bootstrap-server", b.bootstrap, "--execute",
             "--reassignment-json-file", str(plan))
    assert p.returncode == 1 and "LogDirNotFoundException" in p.stdout + p.stderr, p.stdout
