"""Dynamic broker configs against the real sluiced (embedded mode): AlterConfigs and
IncrementalAlterConfigs on BROKER resources (this broker's id, or "" for the cluster-wide
default) through kafka-configs.sh, kafka-python 2.0.2, confluent-kafka (librdkafka 2.0.2),
kafkajs 2.2.4 and the raw protocol; DescribeConfigs' sources and synonyms as Kafka reports them;
the live effect on partitions (segment rolling), validate_only, and persistence across a restart.

Sources are Kafka's ConfigSource numbers: 1 DYNAMIC_TOPIC_CONFIG, 2 DYNAMIC_BROKER_CONFIG,
3 DYNAMIC_DEFAULT_BROKER_CONFIG, 4 STATIC_BROKER_CONFIG, 5 DEFAULT_CONFIG.
"""
import json
import pathlib
import subprocess

import pytest
from conftest import SOURCE_DIR, Broker, node
from test_admin_protocol import (APPEND, BROKER, DELETE, SET, TOPIC, Client, alter_configs,
                                 create_topics, describe_configs, incremental_alter_configs)

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource
from kafka import KafkaProducer
from kafka.admin import ConfigResource as KConfigResource
from kafka.admin import ConfigResourceType, KafkaAdminClient

BIN = SOURCE_DIR / "bin"
DYNAMIC_TOPIC, DYNAMIC_BROKER, DYNAMIC_DEFAULT, STATIC, DEFAULT = 1, 2, 3, 4, 5
MIB = 1024 * 1024
SEGMENT_DEFAULT = ("log.segment.bytes", "1073741824", DEFAULT)
RETENTION_DEFAULT = ("log.retention.hours", "168", DEFAULT)
CLEANUP_DEFAULT = ("log.cleanup.policy", "delete", DEFAULT)


def configs_tool(broker, *args):
    return subprocess.run([str(BIN / "kafka-configs.sh"), "--bootstrap-server", broker.bootstrap, *args],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def dyn(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("dynamic-configs")).start()
    yield b
    assert b.stop() == 0, b.log_text()


@pytest.fixture
def raw(dyn):
    """A raw-protocol client; afterwards both dynamic layers are cleared (AlterConfigs replaces the
    whole set), so every test starts from the static configuration."""
    c = Client(dyn.port)
    yield c
    assert alter_configs(c, 0, [(BROKER, "1", {}), (BROKER, "", {})]) == [
        (0, None, BROKER, "1"), (0, None, BROKER, "")]
    c.close()


def broker_entries(c, name, keys=None):
    [(code, message, rtype, rname, entries)] = describe_configs(c, 1, [(BROKER, name, keys)], synonyms=True)
    assert (code, rtype, rname) == (0, BROKER, name), message
    return entries


def topic_entries(c, name, keys=None):
    [(code, message, _, _, entries)] = describe_configs(c, 1, [(TOPIC, name, keys)], synonyms=True)
    assert code == 0, message
    return entries


def shown(entry):
    """value, source and synonyms of a DescribeConfigs entry."""
    return entry["value"], entry["source"], entry["synonyms"]


def make_topic(c, name, configs=None):
    [result] = create_topics(c, 4, [{"name": name, "partitions": 1, "rf": 1, "configs": configs or {}}])
    assert result["error"] == 0, result


def produce(broker, topic, count, size):
    """`count` records of `size` bytes, one batch each (a record larger than batch.size)."""
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=0, acks=1,
                             request_timeout_ms=20000, max_block_ms=20000)
    try:
        futures = [producer.send(topic, key=b"k%d" % i, value=bytes([65 + i % 26]) * size, partition=0)
                   for i in range(count)]
        producer.flush(timeout=30)
        for f in futures:
            f.get(timeout=10)
    finally:
        producer.close(timeout=10)


def segment_files(broker, topic):
    return sorted(pathlib.Path(broker.data_dir, f"{topic}-0").glob("*.log"))


# --- kafka-configs.sh ------------------------------------------------------------------------------

def test_kafka_configs_cluster_default_and_broker(dyn, raw):
    p = configs_tool(dyn, "--alter", "--entity-type", "brokers", "--entity-default",
                     "--add-config", "log.retention.ms=3600000")
    assert (p.returncode, p.stdout, p.stderr) == (
        0, "Completed updating default config for brokers in the cluster.\n", "")
    p = configs_tool(dyn, "--describe", "--entity-type", "brokers", "--entity-default")
    assert (p.returncode, p.stdout) == (0, (
        "Default configs for brokers in the cluster are:\n"
        "  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:"
        "log.retention.ms=3600000, DEFAULT_CONFIG:log.retention.hours=168}\n")), p.stderr

    p = configs_tool(dyn, "--alter", "--entity-type", "brokers", "--entity-name", "1",
                     "--add-config", "log.segment.bytes=1048576")
    assert (p.returncode, p.stdout, p.stderr) == (0, "Completed updating config for broker 1.\n", "")
    # Without --all: only this broker's own dynamic configs, not the cluster default.
    p = configs_tool(dyn, "--describe", "--entity-type", "brokers", "--entity-name", "1")
    assert (p.returncode, p.stdout) == (0, (
        "Dynamic configs for broker 1 are:\n"
        "  log.segment.bytes=1048576 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:"
        "log.segment.bytes=1048576, DEFAULT_CONFIG:log.segment.bytes=1073741824}\n")), p.stderr

    p = configs_tool(dyn, "--describe", "--entity-type", "brokers", "--entity-name", "1", "--all")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "All configs for broker 1 are:"
    assert ("  log.segment.bytes=1048576 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:"
            "log.segment.bytes=1048576, DEFAULT_CONFIG:log.segment.bytes=1073741824}") in lines
    assert ("  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:"
            "log.retention.ms=3600000, DEFAULT_CONFIG:log.retention.hours=168}") in lines
    assert f"  log.dirs={dyn.data_dir} sensitive=false synonyms={{STATIC_BROKER_CONFIG:log.dirs={dyn.data_dir}}}" in lines
    assert "  log.retention.bytes=-1 sensitive=false synonyms={DEFAULT_CONFIG:log.retention.bytes=-1}" in lines

    # A second key on the broker keeps the first (the tool sends the whole set with AlterConfigs).
    p = configs_tool(dyn, "--alter", "--broker", "1", "--add-config", "log.roll.ms=7200000")
    assert (p.returncode, p.stderr) == (0, "")
    entries = broker_entries(raw, "1", ["log.segment.bytes", "log.roll.ms"])
    assert shown(entries["log.segment.bytes"]) == ("1048576", DYNAMIC_BROKER, [
        ("log.segment.bytes", "1048576", DYNAMIC_BROKER), SEGMENT_DEFAULT])
    assert shown(entries["log.roll.ms"]) == ("7200000", DYNAMIC_BROKER, [
        ("log.roll.ms", "7200000", DYNAMIC_BROKER), ("log.roll.hours", "168", DEFAULT)])

    p = configs_tool(dyn, "--alter", "--entity-type", "brokers", "--entity-name", "1",
                     "--delete-config", "log.segment.bytes,log.roll.ms")
    assert (p.returncode, p.stdout, p.stderr) == (0, "Completed updating config for broker 1.\n", "")
    p = configs_tool(dyn, "--describe", "--entity-type", "brokers", "--entity-name", "1")
    assert (p.returncode, p.stdout) == (0, "Dynamic configs for broker 1 are:\n")
    p = configs_tool(dyn, "--alter", "--entity-type", "brokers", "--entity-default",
                     "--delete-config", "log.retention.ms")
    assert (p.returncode, p.stdout, p.stderr) == (
        0, "Completed updating default config for brokers in the cluster.\n", "")
    p = configs_tool(dyn, "--describe", "--entity-type", "brokers", "--entity-default")
    assert (p.returncode, p.stdout) == (0, "Default configs for brokers in the cluster are:\n")
    p = configs_tool(dyn, "--alter", "--broker", "1", "--delete-config", "log.segment.bytes")
    assert (p.returncode, p.stderr) == (1, "Invalid config(s): log.segment.bytes\n")
    assert broker_entries(raw, "") == {}


def test_kafka_configs_refusals(dyn, raw):
    for entity in (["--entity-name", "1"], ["--entity-default"]):
        p = configs_tool(dyn, "--alter", "--entity-type", "brokers", *entity,
                         "--add-config", "log.dirs=/tmp/elsewhere")
        assert (p.returncode, p.stdout, p.stderr) == (
            1, "", "Cannot update these configs dynamically: log.dirs\n"), entity
        p = configs_tool(dyn, "--alter", "--entity-type", "brokers", *entity,
                         "--add-config", "log.segment.bytes=tiny")
        assert (p.returncode, p.stdout, p.stderr) == (
            1, "", "invalid value 'tiny' for log.segment.bytes: not a number of type INT\n"), entity
        p = configs_tool(dyn, "--alter", "--entity-type", "brokers", *entity,
                         "--add-config", "log.cleanup.policy=recycle")
        assert (p.returncode, p.stderr) == (
            1, "invalid value 'recycle' for log.cleanup.policy: 'recycle' is not one of [compact, delete]\n"), entity
    p = configs_tool(dyn, "--alter", "--entity-type", "brokers", "--entity-name", "1",
                     "--add-config", "log.segment.bytes=10")  # below the minimum of 14
    assert (p.returncode, p.stderr) == (1, "invalid value '10' for log.segment.bytes: must be at least 14\n")
    p = configs_tool(dyn, "--alter", "--entity-type", "brokers", "--entity-name", "1",
                     "--add-config", "log.retention.ms=60000,num.io.threads=4")
    assert (p.returncode, p.stderr) == (1, "Cannot update these configs dynamically: num.io.threads\n")
    # Nothing of the refused requests was stored, not even their valid keys.
    assert {k: e["source"] for k, e in broker_entries(raw, "1").items() if e["source"] in (2, 3)} == {}
    assert broker_entries(raw, "") == {}


def test_kafka_configs_default_shadowed_by_the_broker(dyn, raw):
    """--entity-default lists and deletes the cluster-wide default even when this broker has its
    own value for the same key (Kafka's tool reads the "" resource).

    Fails with the tool of dfbcde9: cli/config_alter.cc entity_configs() describes broker <first
    id> instead of "" (librdkafka 2.0.2 crashes on "") and keeps the entries whose *source* is
    DYNAMIC_DEFAULT_BROKER_CONFIG; a key the broker also sets itself has source
    DYNAMIC_BROKER_CONFIG, so the default is missing from --describe and --delete-config of it
    fails with "Invalid config(s)". The default is still in the entry's synonyms."""
    assert incremental_alter_configs(raw, 1, [(BROKER, "", [("log.retention.ms", SET, "3600000")]),
                                              (BROKER, "1", [("log.retention.ms", SET, "7200000")])]) == [
        (0, None, BROKER, ""), (0, None, BROKER, "1")]
    p = configs_tool(dyn, "--describe", "--entity-type", "brokers", "--entity-name", "1")
    assert (p.returncode, p.stdout) == (0, (
        "Dynamic configs for broker 1 are:\n"
        "  log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=7200000, "
        "DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, DEFAULT_CONFIG:log.retention.hours=168}\n"))
    p = configs_tool(dyn, "--describe", "--entity-type", "brokers", "--entity-default")
    assert (p.returncode, p.stdout) == (0, (
        "Default configs for brokers in the cluster are:\n"
        "  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:"
        "log.retention.ms=3600000, DEFAULT_CONFIG:log.retention.hours=168}\n"))
    p = configs_tool(dyn, "--alter", "--entity-type", "brokers", "--entity-default",
                     "--delete-config", "log.retention.ms")
    assert (p.returncode, p.stdout, p.stderr) == (
        0, "Completed updating default config for brokers in the cluster.\n", "")
    assert broker_entries(raw, "") == {}


# --- the live effect on partitions -------------------------------------------------------------------

def test_segment_bytes_applies_to_live_partitions(dyn, raw):
    make_topic(raw, "dyn-seg")
    make_topic(raw, "dyn-own", {"segment.bytes": str(100 * MIB)})
    p = configs_tool(dyn, "--alter", "--entity-type", "brokers", "--entity-name", "1",
                     "--add-config", "log.segment.bytes=1048576")
    assert (p.returncode, p.stderr) == (0, "")

    entries = topic_entries(raw, "dyn-seg", ["segment.bytes"])
    assert shown(entries["segment.bytes"]) == ("1048576", DYNAMIC_BROKER, [
        ("log.segment.bytes", "1048576", DYNAMIC_BROKER), SEGMENT_DEFAULT])
    entries = topic_entries(raw, "dyn-own", ["segment.bytes"])
    assert shown(entries["segment.bytes"]) == (str(100 * MIB), DYNAMIC_TOPIC, [
        ("segment.bytes", str(100 * MIB), DYNAMIC_TOPIC),
        ("log.segment.bytes", "1048576", DYNAMIC_BROKER), SEGMENT_DEFAULT])
    # The topic has no overrides of its own: kafka-configs lists none, and --all shows the default.
    p = configs_tool(dyn, "--describe", "--topic", "dyn-seg")
    assert (p.returncode, p.stdout) == (0, "Dynamic configs for topic dyn-seg are:\n")
    p = configs_tool(dyn, "--describe", "--topic", "dyn-seg", "--all")
    assert ("  segment.bytes=1048576 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.segment.bytes="
            "1048576, DEFAULT_CONFIG:log.segment.bytes=1073741824}") in p.stdout.splitlines(), p.stdout

    # 32 batches of 100 KiB: ten fit in a 1 MiB segment, so four segments; the topic with its own
    # segment.bytes keeps one.
    produce(dyn, "dyn-seg", 32, 100 * 1024)
    produce(dyn, "dyn-own", 32, 100 * 1024)
    segments = segment_files(dyn, "dyn-seg")
    assert len(segments) == 4, segments
    assert all(s.stat().st_size <= MIB for s in segments[:-1]), [s.stat().st_size for s in segments]
    assert len(segment_files(dyn, "dyn-own")) == 1


def test_cluster_default_topic_configs(dyn, raw):
    make_topic(raw, "dyn-default")
    keys = ["cleanup.policy", "retention.ms", "min.insync.replicas"]
    entries = topic_entries(raw, "dyn-default", keys)
    assert shown(entries["cleanup.policy"]) == ("delete", DEFAULT, [CLEANUP_DEFAULT])
    assert shown(entries["retention.ms"]) == ("604800000", DEFAULT, [])

    p = configs_tool(dyn, "--alter", "--entity-type", "brokers", "--entity-default", "--add-config",
                     "log.cleanup.policy=compact,log.retention.ms=3600000,min.insync.replicas=1")
    assert (p.returncode, p.stderr) == (0, "")
    entries = topic_entries(raw, "dyn-default", keys)
    assert shown(entries["cleanup.policy"]) == ("compact", DYNAMIC_DEFAULT, [
        ("log.cleanup.policy", "compact", DYNAMIC_DEFAULT), CLEANUP_DEFAULT])
    assert shown(entries["retention.ms"]) == ("3600000", DYNAMIC_DEFAULT, [
        ("log.retention.ms", "3600000", DYNAMIC_DEFAULT), RETENTION_DEFAULT])
    assert shown(entries["min.insync.replicas"]) == ("1", DYNAMIC_DEFAULT, [
        ("min.insync.replicas", "1", DYNAMIC_DEFAULT), ("min.insync.replicas", "1", DEFAULT)])

    # This broker's own value wins over the cluster default, and both are in the synonyms.
    [(code, _, _, _)] = incremental_alter_configs(raw, 1, [(BROKER, "1", [("log.retention.ms", SET, "7200000")])])
    assert code == 0
    entries = topic_entries(raw, "dyn-default", ["retention.ms"])
    assert shown(entries["retention.ms"]) == ("7200000", DYNAMIC_BROKER, [
        ("log.retention.ms", "7200000", DYNAMIC_BROKER), ("log.retention.ms", "3600000", DYNAMIC_DEFAULT),
        RETENTION_DEFAULT])
    # The cluster-default resource never shows a broker's own layer.
    entries = broker_entries(raw, "")
    assert sorted(entries) == ["log.cleanup.policy", "log.retention.ms", "min.insync.replicas"]
    assert shown(entries["log.retention.ms"]) == ("3600000", DYNAMIC_DEFAULT, [
        ("log.retention.ms", "3600000", DYNAMIC_DEFAULT), RETENTION_DEFAULT])
    assert all(not e["read_only"] for e in entries.values())

    # IncrementalAlterConfigs APPEND on a list key of the default resource starts from its value.
    [(code, message, _, _)] = incremental_alter_configs(raw, 1, [(BROKER, "", [("log.cleanup.policy", APPEND, "delete")])])
    assert (code, message) == (0, None)
    assert topic_entries(raw, "dyn-default", ["cleanup.policy"])["cleanup.policy"]["value"] == "compact,delete"
    [(code, _, _, _)] = incremental_alter_configs(raw, 1, [(BROKER, "", [("log.cleanup.policy", DELETE, None)])])
    assert code == 0
    assert shown(topic_entries(raw, "dyn-default", ["cleanup.policy"])["cleanup.policy"]) == (
        "delete", DEFAULT, [CLEANUP_DEFAULT])


# --- the clients' admin APIs ---------------------------------------------------------------------------

def test_kafka_python_broker_resource(dyn, raw):
    admin = KafkaAdminClient(bootstrap_servers=dyn.bootstrap, request_timeout_ms=20000)
    try:
        response = admin.alter_configs([KConfigResource(ConfigResourceType.BROKER, "1",
                                                        configs={"log.retention.bytes": "1073741824"})])
        assert response.resources == [(0, None, BROKER, "1")]
        [response] = admin.describe_configs([KConfigResource(ConfigResourceType.BROKER, "1")],
                                            include_synonyms=True)
        [(code, _, _, name, entries)] = response.resources
        assert (code, name) == (0, "1")
        configs = {e[0]: e for e in entries}  # name, value, read_only, source, sensitive, synonyms
        assert configs["log.retention.bytes"][1:] == ("1073741824", False, DYNAMIC_BROKER, False, [
            ("log.retention.bytes", "1073741824", DYNAMIC_BROKER), ("log.retention.bytes", "-1", DEFAULT)])
        assert configs["log.dirs"][1:4] == (str(dyn.data_dir), True, STATIC)

        # The cluster default ("" — kafka-python sends AlterConfigs to any broker).
        response = admin.alter_configs([KConfigResource(ConfigResourceType.BROKER, "",
                                                        configs={"message.max.bytes": "2000000"})])
        assert response.resources == [(0, None, BROKER, "")]
        assert shown(broker_entries(raw, "", ["message.max.bytes"])["message.max.bytes"]) == (
            "2000000", DYNAMIC_DEFAULT, [("message.max.bytes", "2000000", DYNAMIC_DEFAULT),
                                         ("message.max.bytes", "1048588", DEFAULT)])

        response = admin.alter_configs([KConfigResource(ConfigResourceType.BROKER, "1",
                                                        configs={"log.dirs": "/tmp/x", "log.retention.bytes": "1"})])
        assert response.resources == [(42, "Cannot update these configs dynamically: log.dirs", BROKER, "1")]
        response = admin.alter_configs([KConfigResource(ConfigResourceType.BROKER, "1",
                                                        configs={"log.retention.bytes": "lots"})])
        assert response.resources == [
            (42, "invalid value 'lots' for log.retention.bytes: not a number of type LONG", BROKER, "1")]
        response = admin.alter_configs([KConfigResource(ConfigResourceType.BROKER, "1",
                                                        configs={"log.cleaner.threads": "2"})])
        assert response.resources[0][0] == 42
        assert response.resources[0][1].startswith("Unknown broker configs: log.cleaner.threads")
        # The refused requests left the stored set alone.
        assert broker_entries(raw, "1", ["log.retention.bytes"])["log.retention.bytes"]["value"] == "1073741824"
    finally:
        admin.close()


def test_confluent_broker_resource(dyn, raw):
    # Only "<id>": librdkafka 2.0.2 crashes on a BROKER resource named "".
    ck = AdminClient({"bootstrap.servers": dyn.bootstrap})
    altered = ConfigResource("broker", "1", set_config={"log.retention.bytes": "2147483648",
                                                        "log.segment.bytes": "2097152"})
    assert ck.alter_configs([altered])[altered].result(timeout=20) is None
    broker = ConfigResource("broker", "1")
    configs = ck.describe_configs([broker])[broker].result(timeout=20)
    entry = configs["log.retention.bytes"]
    assert (entry.value, entry.source, entry.is_read_only) == (
        "2147483648", ConfigSource.DYNAMIC_BROKER_CONFIG.value, False)
    # confluent-kafka keys the synonyms by name: of the two log.retention.bytes layers the dict
    # keeps the last one received, the built-in default.
    assert [(k, s.value, s.source) for k, s in entry.synonyms.items()] == [("log.retention.bytes", "-1", DEFAULT)]
    assert configs["log.segment.bytes"].value == "2097152"
    assert configs["num.partitions"].source == ConfigSource.STATIC_BROKER_CONFIG.value

    # AlterConfigs replaces the whole dynamic set of the resource.
    replaced = ConfigResource("broker", "1", set_config={"log.segment.bytes": "4194304"})
    assert ck.alter_configs([replaced])[replaced].result(timeout=20) is None
    configs = ck.describe_configs([broker])[broker].result(timeout=20)
    assert (configs["log.retention.bytes"].value, configs["log.retention.bytes"].source) == (
        "-1", ConfigSource.DEFAULT_CONFIG.value)
    assert (configs["log.segment.bytes"].value, configs["log.segment.bytes"].source) == (
        "4194304", ConfigSource.DYNAMIC_BROKER_CONFIG.value)

    bad = ConfigResource("broker", "1", set_config={"log.dirs": "/tmp/x"})
    with pytest.raises(KafkaException) as e:
        ck.alter_configs([bad])[bad].result(timeout=20)
    assert e.value.args[0].code() == KafkaError.INVALID_REQUEST
    assert "Cannot update these configs dynamically: log.dirs" in e.value.args[0].str()

    dry = ConfigResource("broker", "1", set_config={"log.segment.bytes": "8388608"})
    assert ck.alter_configs([dry], validate_only=True)[dry].result(timeout=20) is None
    configs = ck.describe_configs([broker])[broker].result(timeout=20)
    assert configs["log.segment.bytes"].value == "4194304"


def test_kafkajs_broker_resource(dyn, raw):
    seen = json.loads(node("dynamic_configs.js", dyn.bootstrap, "1", timeout=60))
    assert seen["altered"] == [[0, BROKER, "1"]]
    assert seen["afterAlter"]["errorCode"] == 0
    after = seen["afterAlter"]["configs"]
    assert after["log.retention.bytes"] == ["3221225472", DYNAMIC_BROKER, False, [
        ["log.retention.bytes", "3221225472", DYNAMIC_BROKER], ["log.retention.bytes", "-1", DEFAULT]]]
    assert after["log.roll.ms"][:2] == [None, DEFAULT]
    assert after["log.dirs"][:3] == [str(dyn.data_dir), STATIC, True]

    after = seen["afterReplace"]["configs"]
    assert after["log.retention.bytes"][:2] == ["-1", DEFAULT]
    assert after["log.roll.ms"] == ["3600000", DYNAMIC_BROKER, False, [
        ["log.roll.ms", "3600000", DYNAMIC_BROKER], ["log.roll.hours", "168", DEFAULT]]]
    assert seen["afterValidateOnly"]["configs"]["log.roll.ms"][:2] == ["3600000", DYNAMIC_BROKER]

    # kafkajs throws its broker-level errors by type, without the broker's message.
    assert seen["readOnly"]["type"] == "INVALID_REQUEST"
    assert seen["badValue"]["type"] == "INVALID_REQUEST"
    assert seen["unknown"]["type"] == "INVALID_REQUEST"
    assert seen["afterErrors"]["configs"]["log.roll.ms"][:2] == ["3600000", DYNAMIC_BROKER]
    # kafkajs 2.2.4 refuses a resource named '' itself, before sending anything.
    assert seen["alterDefault"]["name"] == "KafkaJSNonRetriableError"
    assert seen["alterDefault"]["message"].startswith("Invalid resource name ")
    assert seen["describeDefault"]["name"] == "KafkaJSNonRetriableError"
    assert seen["afterClear"]["configs"]["log.roll.ms"][:2] == [None, DEFAULT]
    assert broker_entries(raw, "") == {}


# --- validate_only -------------------------------------------------------------------------------------

def test_validate_only_stores_nothing(dyn, raw):
    state = dyn.data_dir / "sluice-metadata.json"
    for v in range(0, 3):
        assert alter_configs(raw, v, [(BROKER, "1", {"log.segment.bytes": "2097152"}),
                                      (BROKER, "", {"log.retention.ms": "60000"})], validate_only=True) == [
            (0, None, BROKER, "1"), (0, None, BROKER, "")]
    for v in range(0, 2):
        assert incremental_alter_configs(raw, v, [(BROKER, "1", [("log.segment.bytes", SET, "2097152")]),
                                                  (BROKER, "", [("log.cleanup.policy", APPEND, "compact")])],
                                         validate_only=True) == [(0, None, BROKER, "1"), (0, None, BROKER, "")]
    assert shown(broker_entries(raw, "1", ["log.segment.bytes"])["log.segment.bytes"]) == (
        "1073741824", DEFAULT, [SEGMENT_DEFAULT])
    assert broker_entries(raw, "") == {}
    assert "broker_configs" not in json.loads(state.read_text())

    # validate_only still answers the errors a real change would get.
    [(code, message, _, _)] = alter_configs(raw, 1, [(BROKER, "1", {"log.dirs": "/x"})], validate_only=True)
    assert (code, message) == (42, "Cannot update these configs dynamically: log.dirs")
    [(code, message, _, _)] = incremental_alter_configs(
        raw, 1, [(BROKER, "", [("log.segment.bytes", SET, "big")])], validate_only=True)
    assert (code, message) == (42, "invalid value 'big' for log.segment.bytes: not a number of type INT")

    # The same request without validate_only is stored in the metadata file.
    assert incremental_alter_configs(raw, 1, [(BROKER, "1", [("log.segment.bytes", SET, "2097152")])]) == [
        (0, None, BROKER, "1")]
    assert json.loads(state.read_text())["broker_configs"] == {"1": {"log.segment.bytes": "2097152"}}


# --- persistence -----------------------------------------------------------------------------------------

def test_dynamic_configs_survive_a_restart(broker_factory):
    b = broker_factory("restarted").start()
    c = Client(b.port)
    make_topic(c, "kept")
    assert incremental_alter_configs(c, 1, [(BROKER, "1", [("log.segment.bytes", SET, "1048576")]),
                                            (BROKER, "", [("log.retention.ms", SET, "3600000")])]) == [
        (0, None, BROKER, "1"), (0, None, BROKER, "")]
    c.close()
    assert b.stop() == 0, b.log_text()
    stored = json.loads((b.data_dir / "sluice-metadata.json").read_text())["broker_configs"]
    assert stored == {"1": {"log.segment.bytes": "1048576"}, "<default>": {"log.retention.ms": "3600000"}}

    b.start()
    c = Client(b.port)
    try:
        entries = broker_entries(c, "1", ["log.segment.bytes", "log.retention.ms"])
        assert shown(entries["log.segment.bytes"]) == ("1048576", DYNAMIC_BROKER, [
            ("log.segment.bytes", "1048576", DYNAMIC_BROKER), SEGMENT_DEFAULT])
        assert shown(entries["log.retention.ms"]) == ("3600000", DYNAMIC_DEFAULT, [
            ("log.retention.ms", "3600000", DYNAMIC_DEFAULT), RETENTION_DEFAULT])
        assert sorted(broker_entries(c, "")) == ["log.retention.ms"]
        entries = topic_entries(c, "kept", ["segment.bytes", "retention.ms"])
        assert entries["segment.bytes"]["value"] == "1048576"
        assert entries["retention.ms"]["value"] == "3600000"
    finally:
        c.close()
    assert b.stop() == 0, b.log_text()


def test_dynamic_configs_apply_to_recovered_partitions(broker_factory):
    """After a restart the partitions recovered from disk follow the stored dynamic defaults (and
    their topic's own overrides) from the start, before any other metadata change.

    Fails with the broker of dfbcde9: log_manager opens recovered partitions with the static
    defaults (storage options.defaults), and replica_manager::reconcile() takes them over with
    get_or_create(), which returns the loaded log without set_config(); the right config is only
    set by the next metadata change (e.g. creating any topic)."""
    b = broker_factory("recovered").start()
    c = Client(b.port)
    make_topic(c, "follows-broker")
    make_topic(c, "own-override", {"segment.bytes": "1048576"})
    assert incremental_alter_configs(c, 1, [(BROKER, "1", [("log.segment.bytes", SET, "1048576")])]) == [
        (0, None, BROKER, "1")]
    c.close()
    assert b.stop() == 0, b.log_text()

    b.start()
    # 24 batches of 100 KiB: three 1 MiB segments (10 + 10 + 4 batches) each.
    produce(b, "follows-broker", 24, 100 * 1024)
    produce(b, "own-override", 24, 100 * 1024)
    sizes = {t: [s.stat().st_size for s in segment_files(b, t)] for t in ("follows-broker", "own-override")}
    assert b.stop() == 0, b.log_text()
    assert (len(sizes["follows-broker"]), len(sizes["own-override"])) == (3, 3), sizes
