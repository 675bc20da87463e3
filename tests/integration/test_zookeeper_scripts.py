"""bin/zookeeper-server-start.sh and zookeeper-server-stop.sh with Debian's Apache ZooKeeper: a
standalone server from a Kafka-format zookeeper.properties (foreground and -daemon), a three-server
ensemble whose myid files the script writes, zkCli.sh against it, and the ensemble keeping its
quorum when one of three servers is killed. The stop script is only ever given a pid or a config
here: without one it stops every ZooKeeper the start script started for this user."""
import os
import re
import subprocess
import time

from conftest import SOURCE_DIR, wait_for_port
from zk_cluster import zk_ensemble  # noqa: F401  (a fixture)
from zk_cluster import (ZK_JVM_ENV, ZooKeeperEnsemble, four_letter_word, free_ports, wait_until,
                        zkcli_result)

BIN = SOURCE_DIR / "bin"


def standalone_config(tmp_path, port, extra=""):
    config = tmp_path / "zookeeper.properties"
    config.write_text(
        f"dataDir={tmp_path / 'zkdata'}\n"
        f"clientPort={port}\n"
        "clientPortAddress=127.0.0.1\n"
        "maxClientCnxns=0\n"
        "admin.enableServer=false\n"
        "4lw.commands.whitelist=srvr\n" + extra)
    return config


def wait_gone(pid, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_shipped_config_is_kafkas():
    text = (SOURCE_DIR / "config" / "zookeeper.properties").read_text()
    keys = dict(l.split("=", 1) for l in text.splitlines() if l and not l.startswith("#"))
    assert keys == {"dataDir": "/tmp/zookeeper", "clientPort": "2181", "maxClientCnxns": "0",
                    "admin.enableServer": "false"}


def test_usage_and_missing_config(tmp_path):
    p = subprocess.run([str(BIN / "zookeeper-server-start.sh")], capture_output=True, text=True)
    assert p.returncode == 1 and "USAGE:" in p.stdout and "-daemon" in p.stdout
    p = subprocess.run([str(BIN / "zookeeper-server-start.sh"), str(tmp_path / "nope.properties")],
                       capture_output=True, text=True)
    assert p.returncode == 1 and "cannot read" in p.stderr


def test_ensemble_member_without_a_known_myid_is_refused(tmp_path):
    config = standalone_config(tmp_path, 2181, "server.1=127.0.0.1:1:2\nserver.2=127.0.0.1:3:4\n")
    p = subprocess.run([str(BIN / "zookeeper-server-start.sh"), str(config)], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 1 and "myid" in p.stderr, p.stderr
    # myid=N in the config decides it; the file is written before ZooKeeper starts.
    config.write_text(config.read_text() + "myid=7\n")
    p = subprocess.run([str(BIN / "zookeeper-server-start.sh"), str(config)], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 1 and "no server.7 line" in p.stderr, p.stderr
    assert not (tmp_path / "zkdata" / "myid").exists()


def test_foreground_standalone_serves_zkcli_and_stops_by_pid(tmp_path):
    (port,) = free_ports(1)
    config = standalone_config(tmp_path, port)
    log = open(tmp_path / "out.log", "wb")
    proc = subprocess.Popen([str(BIN / "zookeeper-server-start.sh"), str(config)], stdout=log,
                            stderr=subprocess.STDOUT, env={**os.environ, **ZK_JVM_ENV})
    try:
        wait_for_port(port, 60)
        wait_until(lambda: "Mode: standalone" in four_letter_word(port, "srvr"), 30,
                   "standalone ZooKeeper serving")
        out = subprocess.run(["/usr/share/zookeeper/bin/zkCli.sh", "-server", f"127.0.0.1:{port}",
                              "create", "/sluice-test", "hello"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=60).stdout
        assert "Created /sluice-test" in out, out
        out = subprocess.run(["/usr/share/zookeeper/bin/zkCli.sh", "-server", f"127.0.0.1:{port}",
                              "ls", "/"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=60).stdout
        assert zkcli_result(out) == "[sluice-test, zookeeper]", out
        assert (tmp_path / "zkdata" / "version-2").is_dir()  # our dataDir, not Debian's
        # The log went through log4j to the console (the script adds the slf4j binding).
        assert "binding to port" in (tmp_path / "out.log").read_text()
        stop = subprocess.run([str(BIN / "zookeeper-server-stop.sh"), str(proc.pid)],
                              capture_output=True, text=True)
        assert stop.returncode == 0
        proc.wait(30)  # the script exec'd java: the pid was ZooKeeper's
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_daemon_writes_pid_and_output_and_stops_by_config(tmp_path):
    (port,) = free_ports(1)
    config = standalone_config(tmp_path, port)
    logs = tmp_path / "logs"
    env = {**os.environ, **ZK_JVM_ENV, "LOG_DIR": str(logs)}
    p = subprocess.run([str(BIN / "zookeeper-server-start.sh"), "-daemon", str(config)],
                       capture_output=True, text=True, env=env, timeout=30)
    assert p.returncode == 0, p.stderr
    pid = int((logs / "zookeeper-zookeeper.pid").read_text())
    try:
        wait_for_port(port, 60)
        assert (logs / "zookeeper-zookeeper.out").exists()
        again = subprocess.run([str(BIN / "zookeeper-server-start.sh"), "-daemon", str(config)],
                               capture_output=True, text=True, env=env, timeout=30)
        assert again.returncode == 1 and "already running" in again.stderr
        # A config nobody started with selects nothing.
        other = tmp_path / "other.properties"
        other.write_text("dataDir=/nonexistent\n")
        none = subprocess.run([str(BIN / "zookeeper-server-stop.sh"), str(other)],
                              capture_output=True, text=True)
        assert none.returncode == 1 and none.stdout.strip() == "No zookeeper server to stop"
        stop = subprocess.run([str(BIN / "zookeeper-server-stop.sh"), str(config)],
                              capture_output=True, text=True)
        assert stop.returncode == 0, stop.stdout + stop.stderr
        assert wait_gone(pid)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def test_three_server_ensemble_writes_myids_and_survives_one_loss(tmp_path):
    ensemble = ZooKeeperEnsemble(tmp_path / "zk")
    try:
        ensemble.start()
        for s in ensemble.servers:
            assert (s.data_dir / "myid").read_text().strip() == str(s.myid)
        modes = sorted(s.mode() for s in ensemble.servers)
        assert modes == ["follower", "follower", "leader"]
        out = ensemble.zkcli("create", "/sluice-ensemble", "v1")
        assert "Created /sluice-ensemble" in out, out
        assert zkcli_result(ensemble.zkcli("ls", "/")) == "[sluice-ensemble, zookeeper]"

        # Kill the leader: the other two elect a new one and keep the data.
        old_leader = ensemble.leader()
        old_leader.kill()
        survivors = [s for s in ensemble.servers if s is not old_leader]
        ensemble.wait_for_quorum(60, servers=survivors)
        for s in survivors:
            assert zkcli_result(ensemble.zkcli("get", "/sluice-ensemble", server=s)) == "v1"
        out = ensemble.zkcli("set", "/sluice-ensemble", "v2", server=survivors[0])
        assert zkcli_result(ensemble.zkcli("get", "/sluice-ensemble", server=survivors[1])) == "v2"

        # The killed server comes back as a follower and catches up.
        old_leader.start()
        ensemble.wait_for_quorum(60)
        assert old_leader.mode() == "follower"
        assert zkcli_result(ensemble.zkcli("get", "/sluice-ensemble", server=old_leader)) == "v2"

        # Two of three gone: no quorum, so the last one stops serving.
        survivors[0].kill()
        survivors[1].kill()
        wait_until(lambda: old_leader.mode() is None, 30, "lone server stops serving")
    finally:
        ensemble.close()


def test_kazoo_reads_through_a_chroot(zk_ensemble):
    zk = zk_ensemble.client("/kafka-broker-test")
    zk.ensure_path("/brokers/ids")
    zk.create("/brokers/ids/1", b'{"version":5}', ephemeral=True)
    assert zkcli_result(zk_ensemble.zkcli("ls", "/kafka-broker-test/brokers/ids")) == "[1]"


def properties(path):
    return dict(l.split("=", 1) for l in path.read_text().splitlines()
                if l.strip() and not l.startswith("#"))


def test_shipped_seed_cluster_configs_form_an_ensemble(tmp_path):
    """config/cluster/zk{1,2,3}.properties, with their ports and dataDir moved to free ones, form
    an ensemble through the start script; server{1,2,3}.properties carry the seed's keys."""
    shipped = SOURCE_DIR / "config" / "cluster"
    zk = [properties(shipped / f"zk{i}.properties") for i in (1, 2, 3)]
    assert [c["clientPort"] for c in zk] == ["2181", "2182", "2183"]
    assert len({c["dataDir"] for c in zk}) == 3
    servers = {k: v for k, v in zk[0].items() if k.startswith("server.")}
    assert all({k: v for k, v in c.items() if k.startswith("server.")} == servers for c in zk)
    for i in (1, 2, 3):
        broker = properties(shipped / f"server{i}.properties")
        assert broker["broker.id"] == str(i)
        assert broker["listeners"] == f"PLAINTEXT://:{9091 + i}"
        assert broker["log.dirs"] == f"./kdata{i}"
        assert broker["zookeeper.connect"] == \
            "localhost:2181,localhost:2182,localhost:2183/kafka-broker"

    ports = free_ports(9)
    moved = {str(old): str(new) for old, new in zip(
        (2181, 2182, 2183, 2888, 2889, 2890, 3888, 3889, 3890), ports)}
    configs = []
    for i in (1, 2, 3):
        text = (shipped / f"zk{i}.properties").read_text()
        text = re.sub(r"\b(" + "|".join(moved) + r")\b", lambda m: moved[m.group(1)], text)
        text = text.replace(f"/tmp/zookeeper/zk{i}", str(tmp_path / f"zk{i}"))
        text = text.replace("localhost", "127.0.0.1") + "4lw.commands.whitelist=srvr\n"
        text = text.replace(f"clientPort={ports[i - 1]}",
                            f"clientPort={ports[i - 1]}\nclientPortAddress=127.0.0.1")
        text = re.sub(r";(\d+)$", r";127.0.0.1:\1", text, flags=re.M)
        config = tmp_path / f"zk{i}.properties"
        config.write_text(text)
        configs.append(config)
    logs = tmp_path / "logs"
    env = {**os.environ, **ZK_JVM_ENV, "LOG_DIR": str(logs)}
    pids = []
    try:
        for config in configs:
            p = subprocess.run([str(BIN / "zookeeper-server-start.sh"), "-daemon", str(config)],
                               capture_output=True, text=True, env=env, timeout=30)
            assert p.returncode == 0, p.stderr
            pids.append(int((logs / f"zookeeper-{config.stem}.pid").read_text()))
        for i in (1, 2, 3):
            assert (tmp_path / f"zk{i}" / "myid").read_text().strip() == str(i)

        def modes():
            return sorted(re.search(r"Mode: (\w+)", four_letter_word(port, "srvr")).group(1)
                          if "Mode:" in four_letter_word(port, "srvr") else "down"
                          for port in ports[:3])
        wait_until(lambda: modes() == ["follower", "follower", "leader"], 90, "ensemble formed",
                   interval=0.5)
        for config in configs:
            assert subprocess.run([str(BIN / "zookeeper-server-stop.sh"), str(config)],
                                  capture_output=True).returncode == 0
        for pid in pids:
            assert wait_gone(pid)
    finally:
        for pid in pids:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
