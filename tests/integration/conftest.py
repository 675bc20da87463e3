"""Shared fixtures for integration tests: start the real sluiced on loopback with a fresh data dir.

Every test talks to a real broker process over 127.0.0.1 with real clients (kcat, kafka-python,
confluent-kafka, kafkajs). Nothing here fakes the broker or a client.
"""
import os
import pathlib
import signal
import socket
import subprocess
import time

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("SLUICE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


def find_binary(name, subdir):
    candidates = []
    if os.environ.get("SLUICE_BUILD_DIR"):
        candidates.append(pathlib.Path(os.environ["SLUICE_BUILD_DIR"]) / subdir / name)
    for build in ("debug", "release"):
        candidates.append(SOURCE_DIR / "build" / build / subdir / name)
    for c in candidates:
        if c.exists():
            return c
    raise FileNotFoundError(f"{name} not built; looked in {[str(c) for c in candidates]}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout=30, what="condition"):
    """Polls `condition` every 20 ms until it returns something true, which is returned;
    TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError(f"{what}: not within {timeout}s")


def wait_for_port(port, timeout, proc=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            text = log.read_text() if log and log.exists() else ""
            raise RuntimeError(f"sluiced exited with {proc.returncode} before listening:\n{text}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class Broker:
    """One sluiced process with its own data dir, listening on a free loopback port."""

    def __init__(self, workdir, broker_id=1, overrides=None):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.metrics_port = free_port()
        self.data_dir = self.workdir / "data"
        self.log_path = self.workdir / "sluiced.log"
        self.config_path = self.workdir / "server.properties"
        props = {
            "broker.id": str(broker_id),
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": str(self.data_dir),
            "metrics.listener": f"http://127.0.0.1:{self.metrics_port}",
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "share.coordinator.state.topic.num.partitions": "4",
            "group.initial.rebalance.delay.ms": "0",
        }
        props.update(overrides or {})
        self.config_path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        self.proc = None
        self.binary = find_binary("sluiced", "src/server")

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self, timeout=30):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(self.binary), str(self.config_path)], stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        wait_for_port(self.port, timeout, self.proc, self.log_path)
        return self

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "broker").start()
    yield b
    code = b.stop()
    if code != 0:
        print(b.log_text())
    assert code == 0, f"sluiced did not shut down cleanly (exit {code})"


@pytest.fixture
def broker_factory(tmp_path):
    """Brokers a test starts itself (e.g. to restart or pass overrides)."""
    started = []

    def make(name="broker", **kwargs):
        b = Broker(tmp_path / name, **kwargs)
        started.append(b)
        return b

    yield make
    for b in started:
        b.kill()


def kcat(*args, input=None, timeout=60, check=True):
    proc = subprocess.run(["kcat", *args], input=input, capture_output=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"kcat {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode()}")
    return proc


JS_DIR = SOURCE_DIR / "tests" / "integration" / "js"


def node(script, *args, timeout=120, env=None):
    """Runs tests/integration/js/<script> with node; returns stdout (raises with stderr on failure)."""
    proc = subprocess.run(["node", str(JS_DIR / script), *args], capture_output=True, timeout=timeout,
                          cwd=JS_DIR, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise AssertionError(f"node {script} failed ({proc.returncode}):\n{proc.stdout.decode()}\n{proc.stderr.decode()}")
    return proc.stdout.decode()
