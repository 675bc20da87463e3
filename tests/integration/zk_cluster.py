"""Cluster fixtures for integration tests: a real Apache ZooKeeper ensemble (Debian's `zookeeper`
package, started through Sluice's own bin/zookeeper-server-start.sh) and several sluiced brokers in
ZooKeeper mode, all on free 127.0.0.1 ports, with helpers to kill, restart and pause members and to
read ZooKeeper (kazoo in-process, or zkCli.sh as an operator would).

    ensemble = ZooKeeperEnsemble(tmp_path / "zk").start()       # 3 servers, waits for a quorum
    cluster = BrokerCluster(tmp_path / "brokers", ensemble).start()   # brokers 1..3
    cluster.leader("t", 0); cluster.controller_id(); cluster.broker(2).kill()

Nothing here fakes a server or a client.
"""
import collections
import contextlib
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import pytest
from confluent_kafka import Producer

from conftest import SOURCE_DIR, Broker, find_binary, free_port

BIN = SOURCE_DIR / "bin"
ZKCLI = pathlib.Path("/usr/share/zookeeper/bin/zkCli.sh")
CHROOT = "/kafka-broker"

# Small, quick-starting JVMs: three servers and zkCli.sh share two loaded cores with the brokers.
ZK_JVM_ENV = {
    "KAFKA_HEAP_OPTS": "-Xmx128M -Xms16M",
    "KAFKA_JVM_PERFORMANCE_OPTS": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k "
                                  "-Djava.awt.headless=true",
}


def free_ports(count):
    """`count` distinct free loopback ports (all held open while choosing, so none repeats)."""
    held = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            held.append(s)
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def four_letter_word(port, word, timeout=2.0):
    """ZooKeeper's four-letter-word command (whitelisted in the generated configs); '' if down."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(word.encode())
            chunks = []
            while True:
                data = s.recv(4096)
                if not data:
                    break
                chunks.append(data)
            return b"".join(chunks).decode(errors="replace")
    except OSError:
        return ""


def wait_until(predicate, timeout, what, interval=0.1):
    """Polls until predicate() returns a truthy value, which is returned; fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout}s")
        time.sleep(interval)


class ZooKeeperServer:
    """One ensemble member: its properties file, data dir (myid written by the start script) and
    the java process, run in the foreground through bin/zookeeper-server-start.sh (which exec's
    java, so the Popen is the server itself: kill/SIGSTOP reach ZooKeeper directly)."""

    def __init__(self, workdir, myid, client_port, peer_port, election_port, servers_text,
                 tick_ms):
        self.myid = myid
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.client_port = client_port
        self.peer_port = peer_port
        self.election_port = election_port
        self.data_dir = self.workdir / "data"
        self.log_path = self.workdir / "zookeeper.out"
        self.config_path = self.workdir / f"zk{myid}.properties"
        self.config_path.write_text(
            f"dataDir={self.data_dir}\n"
            f"clientPort={client_port}\n"
            "clientPortAddress=127.0.0.1\n"
            "maxClientCnxns=0\n"
            "admin.enableServer=false\n"
            f"tickTime={tick_ms}\n"
            "initLimit=10\n"
            "syncLimit=5\n"
            "4lw.commands.whitelist=srvr,ruok,stat\n"
            + servers_text)
        self.proc = None

    @property
    def address(self):
        return f"127.0.0.1:{self.client_port}"

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(BIN / "zookeeper-server-start.sh"), str(self.config_path)],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env={**os.environ, **ZK_JVM_ENV})
        log.close()
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def mode(self):
        """'leader', 'follower', 'standalone', or None when not serving (down or no quorum)."""
        m = re.search(r"^Mode: (\w+)", four_letter_word(self.client_port, "srvr"), re.M)
        return m.group(1) if m else None

    def kill(self):
        if self.running():
            self.proc.kill()
            self.proc.wait()

    def stop(self, timeout=30):
        """SIGTERM through bin/zookeeper-server-stop.sh <pid>; returns the script's exit code."""
        if not self.running():
            return None
        code = subprocess.run([str(BIN / "zookeeper-server-stop.sh"), str(self.proc.pid)],
                              capture_output=True).returncode
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        return code

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class ZooKeeperEnsemble:
    """`size` ZooKeeper servers forming one ensemble on loopback (server.N=127.0.0.1:peer:election;
    127.0.0.1:client in every config, so the start script finds each member's myid itself)."""

    def __init__(self, workdir, size=3, tick_ms=1000):
        self.workdir = pathlib.Path(workdir)
        ports = free_ports(3 * size)
        servers_text = "".join(
            f"server.{i + 1}=127.0.0.1:{ports[3 * i + 1]}:{ports[3 * i + 2]};"
            f"127.0.0.1:{ports[3 * i]}\n" for i in range(size))
        self.servers = [
            ZooKeeperServer(self.workdir / f"zk{i + 1}", i + 1, ports[3 * i], ports[3 * i + 1],
                            ports[3 * i + 2], servers_text, tick_ms)
            for i in range(size)]
        self._clients = []

    def connect_string(self, chroot=""):
        return ",".join(s.address for s in self.servers) + chroot

    def server(self, myid):
        return self.servers[myid - 1]

    def start(self, timeout=90):
        for s in self.servers:
            s.start()
        self.wait_for_quorum(timeout)
        return self

    def wait_for_quorum(self, timeout=60, servers=None):
        """Waits until every given (default: every running) server serves as leader or follower."""
        def ready():
            members = servers or [s for s in self.servers if s.running()]
            for s in members:
                if not s.running():
                    raise RuntimeError(f"ZooKeeper {s.myid} exited:\n{s.log_text()[-3000:]}")
            modes = [s.mode() for s in members]
            return all(m in ("leader", "follower") for m in modes) and "leader" in modes
        wait_until(ready, timeout, "ZooKeeper quorum", interval=0.25)

    def leader(self):
        return next((s for s in self.servers if s.mode() == "leader"), None)

    def close(self):
        for c in self._clients:
            with contextlib.suppress(Exception):
                c.stop()
                c.close()
        self._clients.clear()
        for s in self.servers:
            s.kill()

    # ---- reading ZooKeeper ----

    def client(self, chroot=CHROOT, timeout=30):
        """A connected kazoo client (closed with the ensemble), rooted at `chroot`."""
        try:
            from kazoo.client import KazooClient
        except ImportError:  # pragma: no cover - install-deps.sh installs python3-kazoo
            pytest.fail("python3-kazoo is not installed; run scripts/install-deps.sh")
        retry = {"max_tries": -1, "delay": 0.2, "max_delay": 1}
        if chroot:  # kazoo wants its chroot to exist already (brokers create theirs themselves)
            root = KazooClient(hosts=self.connect_string(), timeout=10, connection_retry=retry)
            root.start(timeout=timeout)
            try:
                root.ensure_path(chroot)
            finally:
                root.stop()
                root.close()
        c = KazooClient(hosts=self.connect_string(chroot), timeout=10, connection_retry=retry)
        c.start(timeout=timeout)
        self._clients.append(c)
        return c

    def zkcli(self, *command, timeout=60, server=None):
        """Runs Debian's zkCli.sh against the ensemble (or one server) like an operator; returns
        its stdout. zkCli's own chatter (connecting, WATCHER::, WatchedEvent) stays in it."""
        target = server.address if server else self.connect_string()
        p = subprocess.run([str(ZKCLI), "-server", target, *command], capture_output=True,
                           text=True, timeout=timeout, env={**os.environ, **ZK_JVM_ENV,
                                                            "CLIENT_JVMFLAGS": "-Xmx64M"})
        return p.stdout + p.stderr


def zkcli_result(output):
    """The answer line of a zkCli.sh command: the last line that is not its connection chatter."""
    lines = [l for l in output.splitlines()
             if l.strip() and not l.startswith(("Connecting to", "WATCHER::", "WatchedEvent",
                                                "SLF4J", "Welcome to ZooKeeper", "JLine"))]
    return lines[-1] if lines else ""


# ---------------------------------------------------------------------------------------------
# Brokers


class BrokerCluster:
    """Brokers 1..n (conftest.Broker processes) sharing one ZooKeeper chroot."""

    def __init__(self, workdir, ensemble, count=3, chroot=CHROOT, overrides=None):
        self.ensemble = ensemble
        self.chroot = chroot
        base = {
            "zookeeper.connect": ensemble.connect_string(chroot),
            "zookeeper.session.timeout.ms": "6000",
            "zookeeper.connection.timeout.ms": "30000",
            "offsets.topic.replication.factor": str(min(3, count)),
            "transaction.state.log.replication.factor": str(min(3, count)),
            "transaction.state.log.min.isr": str(min(2, count)),
            "share.coordinator.state.topic.replication.factor": str(min(3, count)),
            "share.coordinator.state.topic.min.isr": str(min(2, count)),
            "replica.lag.time.max.ms": "10000",
        }
        base.update(overrides or {})
        self.brokers = []
        for i in range(1, count + 1):
            b = Broker(pathlib.Path(workdir) / f"broker{i}", broker_id=i, overrides=base)
            b.broker_id = i
            self.brokers.append(b)
        self._zk = None

    @property
    def zk(self):
        if self._zk is None:
            self._zk = self.ensemble.client(self.chroot)
        return self._zk

    @property
    def bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers)

    def broker(self, broker_id):
        return self.brokers[broker_id - 1]

    def start(self, timeout=60):
        for b in self.brokers:
            b.start(timeout)
        self.wait_registered([b.broker_id for b in self.brokers], timeout)
        return self

    def restart(self, broker_id, timeout=60):
        b = self.broker(broker_id)
        b.start(timeout)
        wait_until(lambda: broker_id in self.registered_ids(), timeout,
                   f"broker {broker_id} registered in ZooKeeper")

    def close(self):
        for b in self.brokers:
            if b.proc is not None and b.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    b.proc.send_signal(signal.SIGCONT)
            b.kill()

    def logs(self):
        return "\n".join(f"===== broker {b.broker_id} =====\n{b.log_text()[-6000:]}"
                         for b in self.brokers)

    # ---- cluster state, read from ZooKeeper ----

    def registered_ids(self):
        if not self.zk.exists("/brokers/ids"):
            return []
        return sorted(int(i) for i in self.zk.get_children("/brokers/ids"))

    def wait_registered(self, ids, timeout=60):
        wait_until(lambda: all(i in self.registered_ids() for i in ids), timeout,
                   f"brokers {ids} registered under {self.chroot}/brokers/ids")

    def controller_id(self):
        """The broker id in /controller, or None when there is no controller."""
        try:
            data, _ = self.zk.get("/controller")
        except Exception:  # kazoo's NoNodeError and connection trouble alike
            return None
        return json.loads(data)["brokerid"]

    def controller_epoch(self):
        try:
            data, _ = self.zk.get("/controller_epoch")
        except Exception:
            return None
        return int(data)

    def partition_state(self, topic, partition):
        """/brokers/topics/<t>/partitions/<p>/state as a dict (leader, leader_epoch, isr, ...)."""
        try:
            data, stat = self.zk.get(f"/brokers/topics/{topic}/partitions/{partition}/state")
        except Exception:
            return None
        state = json.loads(data)
        state["zk_version"] = stat.version
        return state

    def leader(self, topic, partition):
        s = self.partition_state(topic, partition)
        return s["leader"] if s and s["leader"] >= 0 else None

    def wait_for_isr(self, topic, partition, isr_size, timeout=60):
        return wait_until(
            lambda: (s := self.partition_state(topic, partition)) and s["leader"] >= 0
            and len(s["isr"]) >= isr_size and s,
            timeout, f"{topic}-{partition}: a leader and an ISR of {isr_size}", interval=0.2)

    def topics(self):
        return sorted(self.zk.get_children("/brokers/topics")) if self.zk.exists(
            "/brokers/topics") else []


@pytest.fixture
def zk_ensemble(tmp_path):
    ensemble = ZooKeeperEnsemble(tmp_path / "zk").start()
    yield ensemble
    ensemble.close()


class NumberedProducer(threading.Thread):
    """Produces 0..total-1 (message i to partition i % partitions) at `rate` per second, acks=all
    without idempotence, one request in flight, and records every delivery report with the time
    it arrived: the load the cluster tests kill brokers under."""

    def __init__(self, bootstrap, topic, total, rate, partitions=3):
        super().__init__(daemon=True)
        self.topic, self.total, self.rate, self.partitions = topic, total, rate, partitions
        self.config = {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": False,
            "max.in.flight.requests.per.connection": 1,  # order within a partition on retries
            "linger.ms": 5,
            "message.timeout.ms": 240000,
            "request.timeout.ms": 10000,
            "retry.backoff.ms": 100,
            "topic.metadata.refresh.interval.ms": 2000,
        }
        self.acked = {}  # seq -> (partition, offset)
        self.ack_times = collections.defaultdict(list)  # partition -> [monotonic]
        self.errors = collections.Counter()
        self.failed = []
        self.produced = 0
        self.done = threading.Event()
        self.exception = None

    def delivered(self, err, msg):
        if err is None:
            self.acked[int(msg.value())] = (msg.partition(), msg.offset())
            self.ack_times[msg.partition()].append(time.monotonic())
        else:
            self.errors[err.name()] += 1
            self.failed.append(int(msg.value()))

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
                        producer.produce(self.topic, value=str(i).encode(), partition=i % self.partitions,
                                         on_delivery=self.delivered)
                        break
                    except BufferError:
                        producer.poll(0.1)
                self.produced = i + 1
                producer.poll(0)
            remaining = producer.flush(300)
            if remaining:
                self.exception = AssertionError(f"{remaining} messages never reported")
        except Exception as e:  # reported by the test thread
            self.exception = e
        finally:
            self.done.set()

    def longest_gap(self):
        """The longest time between consecutive acknowledgements of one partition, and which."""
        best = (0.0, None)
        for p, times in self.ack_times.items():
            for a, b in zip(times, times[1:]):
                if b - a > best[0]:
                    best = (b - a, p)
        return best


def full_isr(cluster, topic, partitions=3, replicas=3, timeout=90):
    """Waits until every partition of `topic` has `replicas` in its ISR."""
    for p in range(partitions):
        cluster.wait_for_isr(topic, p, replicas, timeout=timeout)


def connections_accepted(broker, listener):
    """The broker's count of connections accepted on `listener` (its metrics endpoint)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{broker.metrics_port}/metrics",
                                  timeout=5).read().decode()
    prefix = f'sluice_network_connections_accepted_total{{listener="{listener}"}} '
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    return 0.0
