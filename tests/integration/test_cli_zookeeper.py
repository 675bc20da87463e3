"""kafka-topics.sh --zookeeper host:port[,...]/chroot, Kafka's legacy path, against a real 3-server
ZooKeeper ensemble: the tool writes and reads the znodes Kafka's tool did (assignment in
/brokers/topics/<t> computed from the brokers registered in /brokers/ids, overrides in
/config/topics/<t>, deletion markers in /admin/delete_topics) with Kafka's messages and exit codes.

Most tests need no broker: they register brokers in ZooKeeper the way a broker does (an ephemeral
/brokers/ids/<id> with Kafka's JSON) and write a partition's state as a controller would, then
check what the tool wrote and printed. The last test runs the same commands against real sluiced
brokers in ZooKeeper mode (skipped until the broker side of #7 is built)."""
import json
import re
import subprocess
import time

import pytest

from conftest import SOURCE_DIR
from zk_cluster import (CHROOT, BrokerCluster, free_ports, wait_until,
                        zk_ensemble)  # noqa: F401  (zk_ensemble is a fixture)

BIN = SOURCE_DIR / "bin"


def topics(*args, timeout=90):
    return subprocess.run([str(BIN / "kafka-topics.sh"), *args], capture_output=True, text=True,
                          timeout=timeout)


def register_broker(zk, broker_id, rack=None):
    """What a broker writes at start-up (FACTS.md §3), as an ephemeral node of this session."""
    zk.ensure_path("/brokers/ids")
    payload = {"version": 5, "host": "127.0.0.1", "port": 9090 + broker_id,
               "endpoints": [f"PLAINTEXT://127.0.0.1:{9090 + broker_id}"],
               "listener_security_protocol_map": {"PLAINTEXT": "PLAINTEXT"},
               "jmx_port": -1, "timestamp": str(int(time.time() * 1000)), "features": {}}
    if rack:
        payload["rack"] = rack
    zk.create(f"/brokers/ids/{broker_id}", json.dumps(payload).encode(), ephemeral=True)


@pytest.fixture
def zk_brokers(zk_ensemble):
    """The ensemble with brokers 1, 2, 3 registered under /kafka-broker (no broker processes)."""
    zk = zk_ensemble.client(CHROOT)
    for i in (1, 2, 3):
        register_broker(zk, i)
    return zk_ensemble, zk, zk_ensemble.connect_string(CHROOT)


def assignment(zk, topic):
    data, _ = zk.get(f"/brokers/topics/{topic}")
    return json.loads(data)


def test_create_writes_kafkas_znodes(zk_brokers):
    _, zk, connect = zk_brokers
    p = topics("--create", "--zookeeper", connect, "--replication-factor", "2", "--partitions", "6",
               "--topic", "orders", "--config", "retention.ms=86400000",
               "--config", "cleanup.policy=compact")
    assert (p.returncode, p.stdout, p.stderr) == (0, "Created topic orders.\n", "")

    a = assignment(zk, "orders")
    assert a["version"] == 3 and a["adding_replicas"] == {} and a["removing_replicas"] == {}
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", a["topic_id"]), a
    assert sorted(a["partitions"], key=int) == [str(i) for i in range(6)]
    for replicas in a["partitions"].values():
        assert len(replicas) == 2 and len(set(replicas)) == 2 and set(replicas) <= {1, 2, 3}
    # Round-robin: preferred leaders spread evenly over the three brokers.
    leaders = [a["partitions"][str(i)][0] for i in range(6)]
    assert sorted(leaders) == [1, 1, 2, 2, 3, 3]
    data, _ = zk.get("/config/topics/orders")
    assert json.loads(data) == {"version": 1, "config": {"retention.ms": "86400000",
                                                          "cleanup.policy": "compact"}}

    # Kafka's errors, exit 1; --if-not-exists makes an existing topic a no-op.
    p = topics("--create", "--zookeeper", connect, "--replication-factor", "2", "--partitions",
               "1", "--topic", "orders")
    assert (p.returncode, p.stdout) == (
        1, "Error while executing topic command : Topic 'orders' already exists.\n")
    p = topics("--create", "--zookeeper", connect, "--replication-factor", "2", "--partitions",
               "1", "--topic", "orders", "--if-not-exists")
    assert (p.returncode, p.stdout) == (0, "")
    p = topics("--create", "--zookeeper", connect, "--replication-factor", "4", "--partitions",
               "1", "--topic", "too-many")
    assert p.returncode == 1
    assert p.stdout.startswith("Error while executing topic command : Replication factor: 4 "
                               "larger than available brokers: 3"), p.stdout
    p = topics("--create", "--zookeeper", connect, "--replication-factor", "1", "--partitions",
               "1", "--topic", "bad-config", "--config", "no.such.config=1")
    assert (p.returncode, p.stdout) == (
        1, "Error while executing topic command : Unknown topic config name: no.such.config\n")
    p = topics("--create", "--zookeeper", connect, "--replication-factor", "1", "--partitions",
               "1", "--topic", "bad-value", "--config", "retention.ms=soon")
    assert p.returncode == 1 and "retention.ms" in p.stdout, p.stdout
    # Without --partitions/--replication-factor the ZooKeeper path has no defaults to use.
    p = topics("--create", "--zookeeper", connect, "--topic", "no-counts")
    assert p.returncode == 1 and "--partitions" in p.stdout + p.stderr
    assert not zk.exists("/brokers/topics/too-many") and not zk.exists("/brokers/topics/bad-config")
    assert not zk.exists("/config/topics/bad-config")


def test_create_with_replica_assignment_and_collisions(zk_brokers):
    _, zk, connect = zk_brokers
    p = topics("--create", "--zookeeper", connect, "--topic", "manual",
               "--replica-assignment", "3:1,1:2,2:3")
    assert (p.returncode, p.stdout) == (0, "Created topic manual.\n"), p.stderr
    assert assignment(zk, "manual")["partitions"] == {"0": [3, 1], "1": [1, 2], "2": [2, 3]}

    p = topics("--create", "--zookeeper", connect, "--replication-factor", "1", "--partitions",
               "1", "--topic", "metrics.daily")
    assert p.returncode == 0 and p.stdout.startswith("WARNING: Due to limitations in metric names")
    p = topics("--create", "--zookeeper", connect, "--replication-factor", "1", "--partitions",
               "1", "--topic", "metrics_daily")
    assert p.returncode == 1
    assert p.stdout.endswith("Error while executing topic command : Topic 'metrics_daily' "
                             "collides with existing topics: metrics.daily\n"), p.stdout
    p = topics("--create", "--zookeeper", connect, "--replication-factor", "1", "--partitions",
               "1", "--topic", "bad name")
    assert p.returncode == 1 and "illegal" in p.stdout, p.stdout


def test_list_describe_alter_delete(zk_brokers):
    ensemble, zk, connect = zk_brokers
    for name in ("beta", "alpha"):
        p = topics("--create", "--zookeeper", connect, "--replication-factor", "3",
                   "--partitions", "2", "--topic", name, "--config", "min.insync.replicas=2")
        assert p.returncode == 0, p.stdout + p.stderr
    p = topics("--list", "--zookeeper", connect)
    assert (p.returncode, p.stdout) == (0, "alpha\nbeta\n")

    # Before a controller acted there is no partition state: no leader, empty ISR.
    p = topics("--describe", "--zookeeper", connect, "--topic", "alpha")
    assert p.returncode == 0, p.stdout + p.stderr
    head, *parts = p.stdout.splitlines()
    topic_id = assignment(zk, "alpha")["topic_id"]
    assert head == (f"Topic: alpha\tTopicId: {topic_id}\tPartitionCount: 2\tReplicationFactor: 3"
                    "\tConfigs: min.insync.replicas=2")
    replicas = assignment(zk, "alpha")["partitions"]
    assert parts == [f"\tTopic: alpha\tPartition: {i}\tLeader: none\tReplicas: "
                     f"{','.join(map(str, replicas[str(i)]))}\tIsr: " for i in range(2)]

    # A controller's state znode: leader and ISR shown as Kafka shows them.
    for i in range(2):
        r = replicas[str(i)]
        zk.create(f"/brokers/topics/alpha/partitions/{i}/state", json.dumps(
            {"controller_epoch": 1, "leader": r[0], "version": 1, "leader_epoch": 0,
             "isr": r[:2]}).encode(), makepath=True)
    p = topics("--describe", "--zookeeper", connect, "--topic", "alpha")
    _, *parts = p.stdout.splitlines()
    assert parts[0] == (f"\tTopic: alpha\tPartition: 0\tLeader: {replicas['0'][0]}\tReplicas: "
                        f"{','.join(map(str, replicas['0']))}\tIsr: "
                        f"{','.join(map(str, replicas['0'][:2]))}")
    p = topics("--describe", "--zookeeper", connect, "--under-replicated-partitions")
    assert p.stdout.count("Topic: alpha\tPartition:") == 2
    # Broker 1 goes away: the partitions it leads are reported unavailable.
    zk2 = ensemble.client(CHROOT)
    zk.delete("/brokers/ids/1")
    p = topics("--describe", "--zookeeper", connect, "--unavailable-partitions")
    led_by_1 = [i for i in range(2) if replicas[str(i)][0] == 1]
    assert p.stdout.count("Leader: 1\t") == len(led_by_1), p.stdout
    register_broker(zk2, 1)

    # More partitions: the old ones keep their replicas, the new ones get the topic's RF.
    p = topics("--alter", "--zookeeper", connect, "--topic", "alpha", "--partitions", "5")
    assert (p.returncode, p.stdout) == (
        0, "WARNING: If partitions are increased for a topic that has a key, the partition logic "
           "or ordering of the messages will be affected\nAdding partitions succeeded!\n"), p.stderr
    grown = assignment(zk, "alpha")
    assert grown["topic_id"] == topic_id
    assert {k: v for k, v in grown["partitions"].items() if int(k) < 2} == replicas
    assert sorted(grown["partitions"], key=int) == ["0", "1", "2", "3", "4"]
    assert all(sorted(v) == [1, 2, 3] for v in grown["partitions"].values())
    p = topics("--alter", "--zookeeper", connect, "--topic", "alpha", "--partitions", "3")
    assert p.returncode == 1 and p.stdout.endswith(
        "The number of partitions for a topic can only be increased. Topic alpha currently has 5 "
        "partitions, 3 would not be an increase.\n"), p.stdout
    p = topics("--alter", "--zookeeper", connect, "--topic", "beta", "--partitions", "3",
               "--replica-assignment", "1:2:3,2:3:1,3:1:2")
    assert p.returncode == 0, p.stdout
    assert assignment(zk, "beta")["partitions"]["2"] == [3, 1, 2]
    p = topics("--alter", "--zookeeper", connect, "--topic", "beta", "--partitions", "4",
               "--replica-assignment", "1:2:3,2:3:1,3:1:2,7:1:2")
    assert p.returncode == 1 and p.stdout.endswith(
        "Unknown broker(s) in replica assignment: 7.\n"), p.stdout
    assert len(assignment(zk, "beta")["partitions"]) == 3

    # Delete: the marker the controller acts on, Kafka's note, and the list says so meanwhile.
    p = topics("--delete", "--zookeeper", connect, "--topic", "beta")
    assert (p.returncode, p.stdout) == (
        0, "Topic beta is marked for deletion.\n"
           "Note: This will have no impact if delete.topic.enable is not set to true.\n")
    assert zk.exists("/admin/delete_topics/beta")
    p = topics("--list", "--zookeeper", connect)
    assert p.stdout == "alpha\nbeta - marked for deletion\n"
    p = topics("--describe", "--zookeeper", connect, "--topic", "beta")
    assert "MarkedForDeletion: true" in p.stdout.splitlines()[0]
    p = topics("--delete", "--zookeeper", connect, "--topic", "nope")
    assert (p.returncode, p.stdout) == (
        1, "Error while executing topic command : Topic 'nope' does not exist as expected\n")
    p = topics("--delete", "--zookeeper", connect, "--topic", "nope", "--if-exists")
    assert (p.returncode, p.stdout) == (0, "")


def configs(*args, timeout=90):
    return subprocess.run([str(BIN / "kafka-configs.sh"), *args], capture_output=True, text=True,
                          timeout=timeout)


def change_notices(zk):
    if not zk.exists("/config/changes"):
        return []
    return [json.loads(zk.get(f"/config/changes/{c}")[0])["entity_path"]
            for c in sorted(zk.get_children("/config/changes"))]


def test_kafka_configs_through_zookeeper(zk_brokers):
    """kafka-configs --zookeeper (Kafka 2.x's ConfigCommand path): topic and broker configs in their
    znodes, a /config/changes notice per change, Kafka's output; values checked as a broker would."""
    _, zk, connect = zk_brokers
    p = topics("--create", "--zookeeper", connect, "--replication-factor", "1", "--partitions", "1",
               "--topic", "configured", "--config", "retention.ms=1000")
    assert p.returncode == 0, p.stderr
    before = len(change_notices(zk))

    p = configs("--zookeeper", connect, "--describe", "--entity-type", "topics",
                "--entity-name", "configured")
    assert (p.returncode, p.stdout) == (0, "Configs for topic 'configured' are retention.ms=1000\n")
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "topics", "--entity-name",
                "configured", "--add-config", "cleanup.policy=compact,segment.bytes=1048576",
                "--delete-config", "retention.ms")
    assert (p.returncode, p.stdout, p.stderr) == (
        0, "Completed updating config for entity: topic 'configured'.\n", "")
    data, _ = zk.get("/config/topics/configured")
    assert json.loads(data) == {"version": 1, "config": {"cleanup.policy": "compact",
                                                          "segment.bytes": "1048576"}}
    assert change_notices(zk)[before:] == ["topics/configured"]
    p = configs("--zookeeper", connect, "--describe", "--topic", "configured")
    assert p.stdout == ("Configs for topic 'configured' are cleanup.policy=compact,"
                        "segment.bytes=1048576\n")

    # Kafka's refusals: nothing written, exit 1.
    p = configs("--zookeeper", connect, "--alter", "--topic", "configured", "--delete-config",
                "not.set")
    assert (p.returncode, p.stderr) == (1, "Invalid config(s): not.set\n")
    p = configs("--zookeeper", connect, "--alter", "--topic", "configured", "--add-config",
                "segment.bytes=tiny")
    assert p.returncode == 1 and "segment.bytes" in p.stderr
    p = configs("--zookeeper", connect, "--alter", "--topic", "absent", "--add-config",
                "retention.ms=1")
    assert (p.returncode, p.stderr) == (1, "Topic 'absent' does not exist.\n")
    assert change_notices(zk)[before:] == ["topics/configured"]

    # Brokers: the cluster-wide default and one broker, as the brokers read them.
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "brokers", "--entity-default",
                "--add-config", "log.retention.ms=3600000")
    assert (p.returncode, p.stdout) == (
        0, "Completed updating config for entity: default brokers.\n"), p.stderr
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "brokers", "--entity-name", "2",
                "--add-config", "min.insync.replicas=2")
    assert (p.returncode, p.stdout) == (0, "Completed updating config for entity: brokers '2'.\n")
    data, _ = zk.get("/config/brokers/<default>")
    assert json.loads(data) == {"version": 1, "config": {"log.retention.ms": "3600000"}}
    data, _ = zk.get("/config/brokers/2")
    assert json.loads(data) == {"version": 1, "config": {"min.insync.replicas": "2"}}
    assert change_notices(zk)[before:] == ["topics/configured", "brokers/<default>", "brokers/2"]
    p = configs("--zookeeper", connect, "--describe", "--entity-type", "brokers")
    assert p.stdout == ("Configs for default brokers are log.retention.ms=3600000\n"
                        "Configs for brokers '2' are min.insync.replicas=2\n")
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "brokers", "--entity-name", "2",
                "--add-config", "log.dirs=/elsewhere")
    assert (p.returncode, p.stderr) == (1, "Cannot update these configs dynamically: log.dirs\n")
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "broker-loggers",
                "--entity-name", "2", "--add-config", "root=DEBUG")
    assert (p.returncode, p.stderr) == (
        1, "--entity-type broker-loggers is only supported with --bootstrap-server\n")


def test_chroot_is_created_and_kept_apart(zk_ensemble):
    zk_root = zk_ensemble.client("")
    other = zk_ensemble.connect_string("/other-cluster")
    p = topics("--list", "--zookeeper", other)
    assert (p.returncode, p.stdout) == (0, "\n") or (p.returncode, p.stdout) == (0, ""), p
    zk = zk_ensemble.client("/other-cluster")
    register_broker(zk, 7)
    p = topics("--create", "--zookeeper", other, "--replication-factor", "1", "--partitions", "1",
               "--topic", "apart")
    assert p.returncode == 0, p.stdout + p.stderr
    assert zk_root.exists("/other-cluster/brokers/topics/apart")
    assert not zk_root.exists("/brokers/topics/apart")
    assert json.loads(zk.get("/brokers/topics/apart")[0])["partitions"] == {"0": [7]}


def test_unreachable_zookeeper_is_one_line(tmp_path):
    (port,) = free_ports(1)
    start = time.monotonic()
    p = topics("--list", "--zookeeper", f"127.0.0.1:{port}/kafka-broker", timeout=120)
    elapsed = time.monotonic() - start
    assert p.returncode == 1
    assert p.stdout == ("Error while executing topic command : Could not reach ZooKeeper at "
                        f"127.0.0.1:{port}/kafka-broker within 30 s\n"), p.stdout
    assert elapsed < 45


def test_usage_rules_for_zookeeper(zk_brokers):
    _, _, connect = zk_brokers
    p = topics("--list", "--zookeeper", connect, "--bootstrap-server", "127.0.0.1:1")
    assert p.returncode == 1
    assert "Only one of --bootstrap-server or --zookeeper must be specified" in p.stderr
    p = topics("--alter", "--zookeeper", connect, "--topic", "x", "--config", "retention.ms=1")
    assert p.returncode == 1 and "kafka-configs.sh" in p.stdout


def test_brokers_act_on_what_the_tool_wrote(zk_ensemble, tmp_path):
    cluster = BrokerCluster(tmp_path / "brokers", zk_ensemble).start()
    connect = zk_ensemble.connect_string(CHROOT)
    try:
        p = topics("--create", "--zookeeper", connect, "--replication-factor", "3",
                   "--partitions", "2", "--topic", "zk-made")
        assert p.returncode == 0, p.stdout + p.stderr
        for i in range(2):
            cluster.wait_for_isr("zk-made", i, 3)
        # Every broker serves it, with the controller's leaders and ISR.
        for b in cluster.brokers:
            p = wait_until(lambda: (r := topics("--describe", "--bootstrap-server", b.bootstrap,
                                               "--topic", "zk-made")).returncode == 0
                           and r.stdout.count("Isr: ") == 2 and r, 60, f"zk-made on {b.bootstrap}")
            for i in range(2):
                leader = cluster.leader("zk-made", i)
                assert f"Partition: {i}\tLeader: {leader}\t" in p.stdout, p.stdout
        # kafka-configs --zookeeper: every broker picks the change up from its watches.
        p = configs("--zookeeper", connect, "--alter", "--topic", "zk-made", "--add-config",
                    "retention.ms=7200000")
        assert p.returncode == 0, p.stdout + p.stderr
        p = configs("--zookeeper", connect, "--alter", "--entity-type", "brokers",
                    "--entity-default", "--add-config", "log.segment.bytes=2097152")
        assert p.returncode == 0, p.stdout + p.stderr
        for b in cluster.brokers:
            wait_until(lambda: "retention.ms=7200000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG"
                       in configs("--bootstrap-server", b.bootstrap, "--describe", "--topic",
                                  "zk-made").stdout, 30, f"retention.ms on {b.bootstrap}")
            wait_until(lambda: "log.segment.bytes=2097152 sensitive=false synonyms="
                       "{DYNAMIC_DEFAULT_BROKER_CONFIG" in configs(
                           "--bootstrap-server", b.bootstrap, "--describe", "--entity-type",
                           "brokers", "--entity-default").stdout, 30,
                       f"log.segment.bytes on {b.bootstrap}")
        p = topics("--alter", "--zookeeper", connect, "--topic", "zk-made", "--partitions", "4")
        assert p.returncode == 0, p.stdout
        for i in range(4):
            cluster.wait_for_isr("zk-made", i, 3)
        p = topics("--delete", "--zookeeper", connect, "--topic", "zk-made")
        assert p.returncode == 0
        wait_until(lambda: "zk-made" not in cluster.topics()
                   and not cluster.zk.exists("/admin/delete_topics/zk-made"), 60,
                   "the controller deleted zk-made")
        for b in cluster.brokers:
            wait_until(lambda: "zk-made" not in topics(
                "--list", "--bootstrap-server", b.bootstrap).stdout.splitlines(), 60,
                f"zk-made gone from {b.bootstrap}")
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.close()
