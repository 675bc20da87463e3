"""The modern `sluice` CLI against a real broker: tables and --format json, produce and consume
with format strings and start positions, perf runs, SLUICE_BROKERS and -X settings."""
import json
import os
import re
import subprocess

from conftest import SOURCE_DIR

SLUICE = SOURCE_DIR / "bin" / "sluice"


def sluice(broker, *args, input=None, env=None, timeout=120):
    environment = {**os.environ, "SLUICE_BROKERS": broker.bootstrap, **(env or {})}
    return subprocess.run([str(SLUICE), *args], input=input, capture_output=True, text=True,
                          timeout=timeout, env=environment)


def ok(p):
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_cluster_info(broker):
    out = ok(sluice(broker, "cluster", "info"))
    assert "BROKERS" in out and re.search(r"^1\s+127\.0\.0\.1\s+%d\s+yes$" % broker.port, out, re.M)
    doc = json.loads(ok(sluice(broker, "cluster", "info", "--format", "json")))
    assert doc["brokers"] == [{"id": 1, "host": "127.0.0.1", "port": broker.port, "controller": True}]
    assert doc["controller_id"] == 1


def test_produce_and_consume(broker):
    ok(sluice(broker, "produce", "events", "one", "two", "-k", "k1", "-H", "h=1", "--sync"))
    ok(sluice(broker, "-b", broker.bootstrap, "produce", "events", "-f", "%k:%v", "-z", "lz4",
              "--acks", "1", input="k2:three\nk3:four\n"))
    out = ok(sluice(broker, "consume", "events", "-n", "4", "-f", "%p/%o %k=%v [%h]\\n"))
    assert out == "0/0 k1=one [h=1]\n0/1 k1=two [h=1]\n0/2 k2=three []\n0/3 k3=four []\n"
    out = ok(sluice(broker, "consume", "events", "--from", "-1", "-n", "1"))
    assert out == "four\n"
    out = ok(sluice(broker, "consume", "events", "--from", "2", "-n", "1", "-p", "0"))
    assert out == "three\n"
    lines = ok(sluice(broker, "consume", "events", "-n", "2", "--format", "json")).splitlines()
    first = json.loads(lines[0])
    assert (first["topic"], first["offset"], first["key"], first["value"]) == ("events", 0, "k1", "one")
    assert first["headers"] == {"h": "1"}
    out = ok(sluice(broker, "consume", "events", "--from", "end", "--idle-timeout", "500"))
    assert out == ""


def test_topic_list_and_describe(broker):
    ok(sluice(broker, "produce", "listed", "x"))
    out = ok(sluice(broker, "topic", "list"))
    assert re.search(r"^listed\s+1\s+1$", out, re.M)
    topics = json.loads(ok(sluice(broker, "topic", "list", "--format", "json", "--internal")))
    assert {"name": "listed", "partitions": 1, "replicas": 1, "internal": False} in topics
    out = ok(sluice(broker, "topic", "describe", "listed", "--all-configs"))
    assert "NAME        listed" in out and re.search(r"^0\s+1\s+1\s+1$", out, re.M)
    doc = json.loads(ok(sluice(broker, "topic", "describe", "listed", "--format", "json")))
    assert doc[0]["partitions"] == [{"partition": 0, "leader": 1, "replicas": [1], "isr": [1]}]
    p = sluice(broker, "topic", "describe", "nope")
    assert p.returncode == 1 and p.stderr == "sluice: topic 'nope' does not exist\n"


def test_perf_runs(broker):
    doc = json.loads(ok(sluice(broker, "perf", "produce", "bench", "-n", "2000", "-s", "64",
                               "--format", "json")))
    assert doc["records"] == 2000 and doc["errors"] == 0 and doc["p50_ms"] <= doc["p999_ms"]
    out = ok(sluice(broker, "perf", "produce", "bench", "-n", "500", "-r", "1000"))
    assert re.match(r"500 records sent, [\d.]+ records/sec", out)
    out = ok(sluice(broker, "perf", "consume", "bench", "-n", "2500"))
    assert out.splitlines()[0].startswith("start.time, end.time")
    assert int(out.splitlines()[1].split(", ")[4]) == 2500


def test_settings_config_file_and_completion(broker, tmp_path):
    config = tmp_path / "client.properties"
    config.write_text(f"bootstrap.servers={broker.bootstrap}\nclient.id=from-file\n")
    out = ok(sluice(broker, "--config", str(config), "-X", "socket.timeout.ms=10000",
                    "--timeout", "10s", "topic", "list", env={"SLUICE_BROKERS": ""}))
    assert out.startswith("NAME")
    script = ok(sluice(broker, "completion", "bash"))
    assert "complete -F _sluice sluice" in script
    # The script completes in bash.
    probe = subprocess.run(["bash", "-c", script + '\nCOMP_WORDS=(sluice topic cr); COMP_CWORD=2; '
                            '_sluice; echo "${COMPREPLY[@]}"'],
                           capture_output=True, text=True)
    assert probe.stdout.strip() == "create"
