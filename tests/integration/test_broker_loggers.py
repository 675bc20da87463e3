"""Log levels at runtime (KIP-412): IncrementalAlterConfigs on a BROKER_LOGGER resource, through
the protocol and through kafka-configs.sh --entity-type broker-loggers, against the real sluiced.
The broker's log file shows the level really changed."""
import subprocess
import time

import pytest
from conftest import SOURCE_DIR, Broker
from test_admin_protocol import Client, describe_configs, incremental_alter_configs

BROKER_LOGGER = 8
SET, DELETE, APPEND = 0, 1, 2


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("broker-loggers")).start()
    yield b
    assert b.stop() == 0, b.log_text()


@pytest.fixture
def client(broker):
    c = Client(broker.port)
    yield c
    c.close()


def configs(broker, *args):
    return subprocess.run([str(SOURCE_DIR / "bin" / "kafka-configs.sh"), "--bootstrap-server",
                           broker.bootstrap, *args], capture_output=True, text=True, timeout=60)


def wait_for(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def root_level(client):
    [(code, _, _, _, entries)] = describe_configs(client, 4, [(BROKER_LOGGER, "1", None)])
    assert code == 0
    return entries["root"]["value"]


def test_protocol_changes_the_root_level_and_refuses_the_rest(client, broker):
    assert root_level(client) == "INFO"
    assert "[debug]" not in broker.log_text()
    assert incremental_alter_configs(client, 1, [(BROKER_LOGGER, "1", [("root", SET, "debug")])]) \
        == [(0, None, BROKER_LOGGER, "1")]
    assert root_level(client) == "DEBUG"
    # Debug lines now appear: a closed connection is logged at debug level.
    other = Client(broker.port)
    assert root_level(other) == "DEBUG"
    other.close()
    assert wait_for(lambda: "[debug] connection" in broker.log_text())

    # validate_only checks and changes nothing.
    [(code, _, _, _)] = incremental_alter_configs(
        client, 1, [(BROKER_LOGGER, "1", [("root", SET, "TRACE")])], validate_only=True)
    assert code == 0 and root_level(client) == "DEBUG"

    results = incremental_alter_configs(client, 1, [
        (BROKER_LOGGER, "1", [("root", SET, "LOUD")]),
    ])
    assert results[0][0] == 40  # INVALID_CONFIG
    assert results[0][1].endswith("Cannot set the log level of root to LOUD as it is not a "
                                  "supported log level. Valid log levels are OFF, FATAL, ERROR, "
                                  "WARN, INFO, DEBUG, TRACE, ALL")
    results = incremental_alter_configs(client, 1, [(BROKER_LOGGER, "1", [("kafka.server", SET, "INFO")])])
    assert results[0][0] == 40 and results[0][1].endswith("Logger kafka.server does not exist!")
    results = incremental_alter_configs(client, 1, [(BROKER_LOGGER, "1", [("root", DELETE, None)])])
    assert results == [(42, "Removing the log level of the root logger is not allowed",
                        BROKER_LOGGER, "1")]
    results = incremental_alter_configs(client, 1, [(BROKER_LOGGER, "1", [("root", APPEND, "INFO")])])
    assert results == [(42, "APPEND operation is not allowed for the BROKER_LOGGER resource",
                        BROKER_LOGGER, "1")]
    results = incremental_alter_configs(client, 1, [(BROKER_LOGGER, "2", [("root", SET, "INFO")]),
                                                    (BROKER_LOGGER, "", [("root", SET, "INFO")])])
    assert [r[0] for r in results] == [42, 42]
    assert root_level(client) == "DEBUG"  # nothing above changed it

    assert incremental_alter_configs(client, 1, [(BROKER_LOGGER, "1", [("root", SET, "INFO")])])[0][0] == 0
    assert root_level(client) == "INFO"
    debug_lines = broker.log_text().count("[debug]")
    other = Client(broker.port)
    assert root_level(other) == "INFO"
    other.close()
    time.sleep(0.5)
    assert broker.log_text().count("[debug]") == debug_lines


def test_kafka_configs_broker_loggers(broker):
    p = configs(broker, "--describe", "--entity-type", "broker-loggers", "--entity-name", "1")
    assert (p.returncode, p.stdout) == (
        0, "Dynamic configs for broker-logger 1 are:\n  root=INFO sensitive=false synonyms={}\n"), p.stderr
    p = configs(broker, "--alter", "--broker-logger", "1", "--add-config", "root=WARN")
    assert (p.returncode, p.stdout) == (0, "Completed updating config for broker-logger 1.\n"), p.stderr
    p = configs(broker, "--describe", "--broker-logger", "1")
    assert p.stdout.endswith("  root=WARN sensitive=false synonyms={}\n")
    p = configs(broker, "--alter", "--broker-logger", "1", "--add-config", "root=LOUD")
    assert p.returncode == 1 and "not a supported log level" in p.stderr
    p = configs(broker, "--alter", "--broker-logger", "1", "--delete-config", "root")
    assert (p.returncode, p.stderr) == (1, "Removing the log level of the root logger is not allowed\n")
    p = configs(broker, "--alter", "--entity-type", "broker-loggers", "--entity-default",
                "--add-config", "root=INFO")
    assert (p.returncode, p.stderr) == (1, "Default entity name is not allowed for broker-loggers\n")
    p = configs(broker, "--alter", "--broker-logger", "1", "--add-config", "root=INFO")
    assert p.returncode == 0
