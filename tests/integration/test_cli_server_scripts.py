"""kafka-server-start.sh and kafka-server-stop.sh with sluiced: foreground and -daemon starts
(--override included), the pid file and output under LOG_DIR, and a stop by pid. The stop script
is only ever given a pid here: without one it stops every sluiced of the user, as Kafka's does."""
import os
import signal
import subprocess
import time

from conftest import SOURCE_DIR, free_port, wait_for_port

BIN = SOURCE_DIR / "bin"


def write_config(tmp_path, port):
    config = tmp_path / "server.properties"
    config.write_text(
        "broker.id=1\n"
        f"listeners=PLAINTEXT://127.0.0.1:{port}\n"
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n"
        f"log.dirs={tmp_path / 'data-unused'}\n"
        f"metrics.listener=http://127.0.0.1:{free_port()}\n"
        "num.partitions=1\n")
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


def test_foreground_start_runs_sluiced_in_place(tmp_path):
    port = free_port()
    config = write_config(tmp_path, port)
    log = open(tmp_path / "out.log", "wb")
    proc = subprocess.Popen([str(BIN / "kafka-server-start.sh"), str(config),
                             "--override", f"log.dirs={tmp_path / 'data'}"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, 30, proc, tmp_path / "out.log")
        assert (tmp_path / "data").is_dir()  # the override won over the file
        p = subprocess.run([str(BIN / "kafka-server-stop.sh"), str(proc.pid)], capture_output=True)
        assert p.returncode == 0
        assert proc.wait(30) == 0  # the script exec'd sluiced, which stops cleanly on SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()


def test_daemon_start_writes_pid_and_output_then_stops(tmp_path):
    port = free_port()
    config = write_config(tmp_path, port)
    logs = tmp_path / "logs"
    env = {**os.environ, "LOG_DIR": str(logs)}
    p = subprocess.run([str(BIN / "kafka-server-start.sh"), "-daemon", str(config),
                        "--override", f"log.dirs={tmp_path / 'data'}"],
                       capture_output=True, text=True, env=env, timeout=30)
    assert p.returncode == 0, p.stderr
    pid_file = logs / "sluiced-server.pid"
    pid = int(pid_file.read_text())
    try:
        wait_for_port(port, 30)
        assert (logs / "sluiced-server.out").exists()
        # A second start with the same config refuses while the first runs.
        again = subprocess.run([str(BIN / "kafka-server-start.sh"), "-daemon", str(config)],
                               capture_output=True, text=True, env=env, timeout=30)
        assert again.returncode == 1 and "already running" in again.stderr
        stop = subprocess.run([str(BIN / "kafka-server-stop.sh"), str(pid)], capture_output=True)
        assert stop.returncode == 0
        assert wait_gone(pid)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_stop_with_another_role_stops_nothing():
    p = subprocess.run([str(BIN / "kafka-server-stop.sh"), "--process-role", "controller"],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stdout == "No kafka server with role controller to stop\n"
