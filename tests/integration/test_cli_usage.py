"""How the tools fail: wrong usage prints the usage and exits non-zero, an unreachable broker is
reported in one line well within the timeout, kafka-configs --zookeeper points to
--bootstrap-server, and the scripts say "run make build" when nothing is built."""
import os
import shutil
import subprocess
import time

import pytest

from conftest import SOURCE_DIR, free_port

BIN = SOURCE_DIR / "bin"
TOOLS = ["kafka-topics", "kafka-console-producer", "kafka-console-consumer",
         "kafka-consumer-groups", "kafka-configs", "kafka-get-offsets", "kafka-delete-records",
         "kafka-leader-election", "kafka-broker-api-versions", "kafka-log-dirs", "kafka-dump-log",
         "kafka-consumer-perf-test"]


def tool(name, *args, input="", timeout=60):
    return subprocess.run([str(BIN / f"{name}.sh"), *args], input=input, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("name", TOOLS)
def test_no_arguments_prints_usage_and_fails(name):
    p = tool(name)
    assert p.returncode == 1
    assert "Option" in p.stderr and "Description" in p.stderr
    assert "--help" in p.stderr


@pytest.mark.parametrize("name", TOOLS)
def test_unknown_option_is_a_usage_error(name):
    p = tool(name, "--no-such-flag")
    assert p.returncode == 1
    assert p.stderr.startswith("no-such-flag is not a recognized option\n")


def test_topics_usage_rules():
    p = tool("kafka-topics", "--bootstrap-server", "127.0.0.1:1", "--create", "--list")
    assert p.returncode == 1
    assert p.stderr.startswith("Command must include exactly one action: --list, --describe, "
                               "--create, --alter or --delete\n")
    p = tool("kafka-topics", "--bootstrap-server", "127.0.0.1:1", "--create")
    assert p.returncode == 1 and p.stderr.startswith('Missing required argument "[topic]"\n')
    p = tool("kafka-topics", "--bootstrap-server", "127.0.0.1:1", "--list", "--partitions", "3")
    assert p.returncode == 1
    assert p.stderr.startswith('Option "[partitions]" can\'t be used with option "[list]"\n')
    p = tool("kafka-topics", "--bootstrap-server", "x:1", "--zookeeper", "y:2", "--list")
    assert (p.returncode, p.stderr) == (
        1, "Only one of --bootstrap-server or --zookeeper must be specified\n")


def test_kafka_configs_takes_one_of_bootstrap_server_and_zookeeper():
    # Both paths work (test_cli_zookeeper.py covers --zookeeper); both at once is Kafka's error.
    p = tool("kafka-configs", "--bootstrap-server", "x:1", "--zookeeper", "y:2", "--describe",
             "--entity-type", "topics", "--entity-name", "t")
    assert (p.returncode, p.stdout, p.stderr) == (
        1, "", "Only one of --bootstrap-server or --zookeeper must be specified\n")


@pytest.mark.parametrize("args", [
    ("kafka-topics", "--bootstrap-server", "{b}", "--list"),
    ("kafka-topics", "--bootstrap-server", "{b}", "--create", "--topic", "t"),
    ("kafka-console-consumer", "--bootstrap-server", "{b}", "--topic", "t"),
    ("kafka-get-offsets", "--bootstrap-server", "{b}", "--topic", "t"),
    ("kafka-broker-api-versions", "--bootstrap-server", "{b}"),
    ("kafka-configs", "--bootstrap-server", "{b}", "--describe", "--topic", "t"),
    ("kafka-consumer-groups", "--bootstrap-server", "{b}", "--list"),
    ("kafka-transactions", "--bootstrap-server", "{b}", "list"),
])
def test_unreachable_broker_is_one_line_not_a_hang(args):
    closed = f"127.0.0.1:{free_port()}"  # nothing listens here
    started = time.monotonic()
    p = tool(args[0], *[a.format(b=closed) for a in args[1:]], timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"took {elapsed:.1f}s"
    text = (p.stdout + p.stderr).strip()
    assert f"Could not reach any broker at {closed}: Connection refused" in text
    assert len(text.splitlines()) <= 2  # the message (consumer: plus its closing count)


def test_producer_with_unreachable_broker():
    closed = f"127.0.0.1:{free_port()}"
    p = tool("kafka-console-producer", "--bootstrap-server", closed, "--topic", "t",
             input="never sent\n", timeout=30)
    assert p.returncode == 1
    assert p.stderr == f"ERROR Could not reach any broker at {closed}: Connection refused\n"


def test_scripts_say_how_to_build(tmp_path):
    # A copy of bin/ in a tree with no build folder.
    shutil.copytree(BIN, tmp_path / "bin")
    env = {k: v for k, v in os.environ.items() if k != "SLUICE_BUILD_DIR"}
    p = subprocess.run([str(tmp_path / "bin" / "kafka-topics.sh"), "--list"], capture_output=True,
                       text=True, env=env)
    assert p.returncode == 1
    assert p.stderr == f"kafka-topics.sh: sluice is not built; run make build in {tmp_path}\n"
    p = subprocess.run([str(tmp_path / "bin" / "kafka-server-start.sh"), str(tmp_path / "x")],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 1
    p = subprocess.run([str(tmp_path / "bin" / "kafka-server-start.sh")], capture_output=True,
                       text=True, env=env)
    assert p.returncode == 1 and p.stdout.startswith("USAGE: ")
