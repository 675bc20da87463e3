"""kafka-configs.sh and `sluice topic alter-config` against a real broker: describe dynamic and all
configs of topics and brokers, add and delete topic configs, and Kafka's messages."""
import os
import re
import subprocess

from conftest import SOURCE_DIR

BIN = SOURCE_DIR / "bin"


def tool(name, *args, timeout=60):
    return subprocess.run([str(BIN / f"{name}.sh"), *args], capture_output=True, text=True,
                          timeout=timeout)


def configs(broker, *args):
    return tool("kafka-configs", "--bootstrap-server", broker.bootstrap, *args)


def make_topic(broker, name):
    p = tool("kafka-topics", "--bootstrap-server", broker.bootstrap, "--create", "--topic", name,
             "--partitions", "1")
    assert p.returncode == 0, p.stdout


def test_topic_configs(broker):
    make_topic(broker, "cfg")
    p = configs(broker, "--describe", "--entity-type", "topics", "--entity-name", "cfg")
    assert (p.returncode, p.stdout) == (0, "Dynamic configs for topic cfg are:\n")

    p = configs(broker, "--alter", "--entity-type", "topics", "--entity-name", "cfg",
                "--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]")
    assert (p.returncode, p.stdout) == (0, "Completed updating config for topic cfg.\n"), p.stderr
    p = configs(broker, "--describe", "--topic", "cfg")
    lines = p.stdout.splitlines()
    assert lines[0] == "Dynamic configs for topic cfg are:"
    assert any(re.fullmatch(r"  retention\.ms=1000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:"
                            r"retention\.ms=1000.*\}", l) for l in lines[1:]), p.stdout
    assert any(l.startswith("  cleanup.policy=compact,delete ") for l in lines[1:])

    p = configs(broker, "--alter", "--topic", "cfg", "--delete-config", "retention.ms")
    assert (p.returncode, p.stdout) == (0, "Completed updating config for topic cfg.\n")
    p = configs(broker, "--alter", "--topic", "cfg", "--delete-config", "not.set")
    assert (p.returncode, p.stderr) == (1, "Invalid config(s): not.set\n")

    p = configs(broker, "--describe", "--topic", "cfg", "--all")
    assert p.stdout.startswith("All configs for topic cfg are:\n")
    assert "  segment.bytes=" in p.stdout


def test_broker_configs_and_usage(broker, tmp_path):
    p = configs(broker, "--describe", "--entity-type", "brokers", "--entity-name", "1", "--all")
    assert p.returncode == 0 and p.stdout.startswith("All configs for broker 1 are:\n")
    p = configs(broker, "--describe", "--entity-type", "brokers")
    assert p.returncode == 0 and "Dynamic configs for broker 1 are:" in p.stdout
    # Dynamic broker configs: the topic defaults may change (see docs/configuration.md, "update
    # mode"); log.cleaner.threads is not one of Sluice's keys, so the broker refuses the whole set.
    extra = tmp_path / "add.properties"
    extra.write_text("log.cleaner.threads=2\n")
    p = configs(broker, "--alter", "--broker", "1", "--add-config-file", str(extra))
    assert (p.returncode, p.stdout, p.stderr) == (
        1, "", "Unknown broker configs: log.cleaner.threads (see docs/configuration.md for the keys)\n")
    extra.write_text("log.retention.bytes=1073741824\nlog.roll.hours=24\n")
    p = configs(broker, "--alter", "--broker", "1", "--add-config-file", str(extra))
    assert (p.returncode, p.stdout, p.stderr) == (0, "Completed updating config for broker 1.\n", "")
    p = configs(broker, "--describe", "--broker", "1")
    assert (p.returncode, p.stdout) == (0, (
        "Dynamic configs for broker 1 are:\n"
        "  log.retention.bytes=1073741824 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:"
        "log.retention.bytes=1073741824, DEFAULT_CONFIG:log.retention.bytes=-1}\n"
        "  log.roll.hours=24 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.roll.hours=24, "
        "DEFAULT_CONFIG:log.roll.hours=168}\n")), p.stderr
    p = configs(broker, "--describe", "--alter", "--topic", "x")
    assert p.returncode == 1
    p = configs(broker, "--describe")
    assert (p.returncode, p.stderr) == (1, "At least one entity type must be specified\n")
    p = configs(broker, "--alter", "--topic", "cfg")
    assert p.returncode == 1 and p.stderr.startswith("At least one of --add-config")


def test_sluice_topic_alter_config(broker):
    make_topic(broker, "modern-cfg")
    env = {**os.environ, "SLUICE_BROKERS": broker.bootstrap}
    p = subprocess.run([str(BIN / "sluice"), "topic", "alter-config", "modern-cfg", "-s",
                        "retention.ms=5000"], capture_output=True, text=True, env=env)
    assert (p.returncode, p.stdout) == (0, "Updated the configs of topic modern-cfg.\n"), p.stderr
    p = subprocess.run([str(BIN / "sluice"), "topic", "describe", "modern-cfg"],
                       capture_output=True, text=True, env=env)
    assert re.search(r"^retention\.ms\s+5000\s+DYNAMIC_TOPIC_CONFIG$", p.stdout, re.M)
