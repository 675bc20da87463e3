"""The seed's walkthrough on its own cluster, literally through the scripts in bin/: three ZooKeeper
servers (bin/zookeeper-server-start.sh), three brokers started with bin/kafka-server-start.sh
-daemon from copies of config/server.properties changed in the seed's keys only (broker.id,
listeners, log.dirs kdata1-3, zookeeper.connect with the /kafka-broker chroot), a topic created
through ZooKeeper with --replication-factor 3 --partitions 1, described with a leader and an ISR
of three, messages produced to all three brokers and consumed --from-beginning, zkCli.sh listing
the brokers as [1, 2, 3] (registrations carrying the advertised endpoint), and the topic deleted:
gone from every broker and from ZooKeeper.

Tests pin 127.0.0.1 (the seed's `PLAINTEXT://:9092` binds every interface) and free ports.
Skipped while sluiced refuses zookeeper.connect (the broker side of #7 not built yet)."""
import json
import os
import re
import signal
import subprocess

import pytest

from conftest import SOURCE_DIR
from zk_cluster import (CHROOT, ZooKeeperEnsemble, free_ports, wait_until,
                        zkcli_result)

BIN = SOURCE_DIR / "bin"



def tool(name, *args, input=None, timeout=90, env=None):
    return subprocess.run([str(BIN / f"{name}.sh"), *args], input=input, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def seed_server_properties(broker_id, port, metrics_port, kdata, zookeeper_connect):
    """config/server.properties with the seed's four keys changed (plus what tests pin: the
    advertised address, the metrics port)."""
    changed = {
        "broker.id": str(broker_id),
        "listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "log.dirs": str(kdata),
        "zookeeper.connect": zookeeper_connect,
        "metrics.listener": f"http://127.0.0.1:{metrics_port}",
    }
    lines = []
    for line in (SOURCE_DIR / "config" / "server.properties").read_text().splitlines():
        key = line.split("=", 1)[0].strip()
        if not line.startswith("#") and "=" in line and key in changed:
            line = f"{key}={changed.pop(key)}"
        lines.append(line)
    lines += [f"{k}={v}" for k, v in changed.items()]
    return "\n".join(lines) + "\n"


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.fixture
def seed_cluster(tmp_path):
    ensemble = ZooKeeperEnsemble(tmp_path / "zk").start()
    zookeeper_connect = ensemble.connect_string(CHROOT)
    ports = free_ports(6)
    logs = tmp_path / "logs"
    env = {"LOG_DIR": str(logs)}
    pids = []
    brokers = []
    try:
        for i in (1, 2, 3):
            config = tmp_path / f"server{i}.properties"
            config.write_text(seed_server_properties(i, ports[i - 1], ports[i + 2],
                                                     tmp_path / f"kdata{i}", zookeeper_connect))
            p = tool("kafka-server-start", "-daemon", str(config), env=env)
            assert p.returncode == 0, p.stderr
            pids.append(int((logs / f"sluiced-server{i}.pid").read_text()))
            brokers.append(f"127.0.0.1:{ports[i - 1]}")
        yield {"ensemble": ensemble, "zookeeper": zookeeper_connect, "brokers": brokers,
               "pids": pids, "logs": logs, "dir": tmp_path}
        # The seed's brokers stop on SIGTERM through kafka-server-stop.sh.
        for pid in pids:
            assert tool("kafka-server-stop", str(pid)).returncode == 0
        for pid in pids:
            assert wait_until(lambda: not alive(pid), 60, f"sluiced {pid} stopped")
    finally:
        for pid in pids:
            if alive(pid):
                for f in sorted(logs.glob("sluiced-*.out")):
                    print(f"===== {f.name} =====\n{f.read_text(errors='replace')[-5000:]}")
                os.kill(pid, signal.SIGKILL)
        ensemble.close()


def broker_ids_in_zookeeper(ensemble):
    return zkcli_result(ensemble.zkcli("ls", f"{CHROOT}/brokers/ids"))


def test_seed_walkthrough_on_three_brokers(seed_cluster):
    ensemble, zookeeper, brokers = (seed_cluster[k] for k in ("ensemble", "zookeeper", "brokers"))

    # The operator's check: every broker registered in ZooKeeper under the chroot.
    wait_until(lambda: broker_ids_in_zookeeper(ensemble) == "[1, 2, 3]", 90,
               "zkCli.sh ls /kafka-broker/brokers/ids shows [1, 2, 3]", interval=1)

    # What the brokers wrote is Kafka's layout: registrations with the advertised endpoint (the
    # listener serves clients and the other brokers alike), one controller, the cluster id.
    zk = ensemble.client(CHROOT)
    for i, address in enumerate(brokers, start=1):
        host, port = address.split(":")
        reg = json.loads(zk.get(f"/brokers/ids/{i}")[0])
        assert reg["endpoints"] == [f"PLAINTEXT://{address}"], reg
        assert (reg["host"], reg["port"], reg["version"]) == (host, int(port), 5), reg
        assert reg["listener_security_protocol_map"] == {"PLAINTEXT": "PLAINTEXT"}, reg
    assert json.loads(zk.get("/controller")[0])["brokerid"] in (1, 2, 3)
    assert int(zk.get("/controller_epoch")[0]) >= 1
    cluster_id = json.loads(zk.get("/cluster/id")[0])
    assert cluster_id["version"] == "1" and re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id["id"])

    # Create the queue through ZooKeeper, as the seed did.
    p = tool("kafka-topics", "--create", "--zookeeper", zookeeper, "--replication-factor", "3",
             "--partitions", "1", "--topic", "test")
    assert (p.returncode, p.stdout, p.stderr) == (0, "Created topic test.\n", ""), p

    # Describe: one partition, three replicas, a leader, and (once the controller acted) an ISR
    # of all three. Through ZooKeeper and through every broker alike.
    pattern = re.compile(r"\tTopic: test\tPartition: 0\tLeader: ([123])\tReplicas: "
                         r"([123]),([123]),([123])\tIsr: ([123],[123],[123])$")

    def described(*where):
        p = tool("kafka-topics", "--describe", "--topic", "test", *where)
        lines = p.stdout.splitlines()
        if p.returncode != 0 or len(lines) != 2:
            return None
        m = pattern.fullmatch(lines[1])
        return (lines[0], m) if m else None

    head, m = wait_until(lambda: described("--zookeeper", zookeeper), 60,
                         "describe through ZooKeeper shows a leader and an ISR of 3", interval=0.5)
    assert re.fullmatch(r"Topic: test(\tTopicId: [A-Za-z0-9_-]{22})?\tPartitionCount: 1\t"
                        r"ReplicationFactor: 3\tConfigs: [^\t]*", head), head
    replicas = sorted(m.group(2, 3, 4))
    assert replicas == ["1", "2", "3"]
    assert sorted(m.group(5).split(",")) == ["1", "2", "3"]
    leader = m.group(1)
    for b in brokers:
        _, mb = wait_until(lambda: described("--bootstrap-server", b), 60,
                           f"describe through {b} shows the leader and an ISR of 3", interval=0.5)
        assert mb.group(1) == leader and sorted(mb.group(5).split(",")) == ["1", "2", "3"]

    # The list through ZooKeeper names it.
    p = tool("kafka-topics", "--list", "--zookeeper", zookeeper)
    assert p.returncode == 0 and "test" in p.stdout.splitlines(), p

    # A producer given all three brokers: type a message, and another.
    p = tool("kafka-console-producer", "--broker-list", ",".join(brokers), "--topic", "test",
             input="This is a message\nThis is another message\n")
    assert (p.returncode, p.stdout) == (0, ""), p.stderr

    # A consumer from the beginning has them, whichever broker it bootstraps from.
    for b in brokers:
        p = tool("kafka-console-consumer", "--bootstrap-server", b, "--topic", "test",
                 "--from-beginning", "--max-messages", "2", "--timeout-ms", "60000")
        assert p.returncode == 0, p.stderr
        assert p.stdout == "This is a message\nThis is another message\n"
        assert p.stderr.endswith("Processed a total of 2 messages\n")

    # Every replica holds the two messages in its own kdata folder.
    for i in (1, 2, 3):
        assert (seed_cluster["dir"] / f"kdata{i}" / "test-0").is_dir()

    # Delete it through ZooKeeper, with Kafka's note.
    p = tool("kafka-topics", "--delete", "--zookeeper", zookeeper, "--topic", "test")
    assert (p.returncode, p.stdout) == (
        0, "Topic test is marked for deletion.\n"
           "Note: This will have no impact if delete.topic.enable is not set to true.\n"), p

    # Gone from ZooKeeper (assignment, config, the deletion marker) ...
    wait_until(lambda: not any(zk.exists(path) for path in (
        "/brokers/topics/test", "/config/topics/test", "/admin/delete_topics/test")), 60,
        "topic test gone from ZooKeeper", interval=0.5)
    listed = zkcli_result(ensemble.zkcli("ls", f"{CHROOT}/brokers/topics"))
    assert listed.startswith("[") and "test" not in listed.strip("[]").split(", "), listed
    # ... from every broker's metadata ...
    for b in brokers:
        wait_until(lambda: (p := tool("kafka-topics", "--list", "--bootstrap-server", b)).returncode
                   == 0 and "test" not in p.stdout.splitlines(), 60, f"test gone from {b}")
    # ... and from every broker's disk.
    for i in (1, 2, 3):
        kdata = seed_cluster["dir"] / f"kdata{i}"
        wait_until(lambda: not (kdata / "test-0").exists(), 60, f"test-0 removed from kdata{i}")

    # Still three brokers at the end.
    assert broker_ids_in_zookeeper(ensemble) == "[1, 2, 3]"
