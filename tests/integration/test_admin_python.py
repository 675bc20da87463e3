"""Admin clients of kafka-python 2.0.2 (KafkaAdminClient) and confluent-kafka 1.7 (librdkafka)
against the real sluiced: create/delete topics with their error cases, describe and alter
configs, create partitions. Each client negotiates its own versions (FACTS.md §4.1): kafka-python
CreateTopics v3, DeleteTopics v3, DescribeConfigs v2, AlterConfigs v1, CreatePartitions v1;
librdkafka CreateTopics v4, DeleteTopics v1, DescribeConfigs v1, AlterConfigs v0,
CreatePartitions v0. Neither client of these releases has IncrementalAlterConfigs or
DescribeLogDirs; test_admin_protocol.py covers those on the wire.
"""
import pytest
from conftest import Broker

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
import kafka.errors as kerrors
import kafka.protocol.admin as kadmin
from kafka.admin import ConfigResource as KConfigResource
from kafka.admin import ConfigResourceType, KafkaAdminClient, NewPartitions as KNewPartitions
from kafka.admin import NewTopic as KNewTopic

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (AdminClient, ConfigResource, ConfigSource, NewPartitions,
                                   NewTopic)


@pytest.fixture(scope="module")
def shared_broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("admin-python"), overrides={"num.partitions": "3"}).start()
    yield b
    assert b.stop() == 0, b.log_text()


@pytest.fixture(scope="module")
def kp(shared_broker):
    admin = KafkaAdminClient(bootstrap_servers=shared_broker.bootstrap, request_timeout_ms=20000)
    yield admin
    admin.close()


@pytest.fixture(scope="module")
def ck(shared_broker):
    return AdminClient({"bootstrap.servers": shared_broker.bootstrap})


def kp_partitions(kp, topic):
    [meta] = kp.describe_topics([topic])
    assert meta["error_code"] == 0, meta
    return sorted(p["partition"] for p in meta["partitions"])


def ck_partitions(ck, topic):
    md = ck.list_topics(topic=topic, timeout=10)
    t = md.topics[topic]
    assert t.error is None, t.error
    return sorted(t.partitions)


def ck_result(futures, key):
    return futures[key].result(timeout=20)


def ck_error(futures, key):
    with pytest.raises(KafkaException) as e:
        futures[key].result(timeout=20)
    return e.value.args[0]


# --- kafka-python ---------------------------------------------------------------------------------

def test_kafka_python_negotiates_the_admin_versions(kp):
    assert kp._matching_api_version(kadmin.CreateTopicsRequest) == 3
    assert kp._matching_api_version(kadmin.DeleteTopicsRequest) == 3
    assert kp._matching_api_version(kadmin.DescribeConfigsRequest) == 2
    assert kp._matching_api_version(kadmin.AlterConfigsRequest) == 1
    assert kp._matching_api_version(kadmin.CreatePartitionsRequest) == 1


def test_kafka_python_create_and_delete_topics(kp):
    response = kp.create_topics([KNewTopic("kp-created", 4, 1, topic_configs={"retention.ms": "60000"}),
                                 KNewTopic("kp-assigned", -1, -1, replica_assignments={0: [1], 1: [1]})])
    assert sorted((name, code) for name, code, _ in response.topic_errors) == [
        ("kp-assigned", 0), ("kp-created", 0)]
    assert kp_partitions(kp, "kp-created") == [0, 1, 2, 3]
    assert kp_partitions(kp, "kp-assigned") == [0, 1]
    assert "kp-created" in kp.list_topics()

    with pytest.raises(kerrors.TopicAlreadyExistsError):
        kp.create_topics([KNewTopic("kp-created", 1, 1)])
    with pytest.raises(kerrors.InvalidReplicationFactorError):
        kp.create_topics([KNewTopic("kp-rf", 1, 2)])
    with pytest.raises(kerrors.InvalidPartitionsError):
        kp.create_topics([KNewTopic("kp-zero", 0, 1)])
    with pytest.raises(kerrors.InvalidConfigurationError):
        kp.create_topics([KNewTopic("kp-badcfg", 1, 1, topic_configs={"cleanup.policy": "shred"})])
    with pytest.raises(kerrors.InvalidTopicError):
        kp.create_topics([KNewTopic("kp bad", 1, 1)])
    response = kp.create_topics([KNewTopic("kp-validated", 2, 1)], validate_only=True)
    assert response.topic_errors[0][1] == 0
    assert "kp-validated" not in kp.list_topics()

    response = kp.delete_topics(["kp-created", "kp-assigned"])
    assert sorted(response.topic_error_codes) == [("kp-assigned", 0), ("kp-created", 0)]
    assert not {"kp-created", "kp-assigned"} & set(kp.list_topics())
    with pytest.raises(kerrors.UnknownTopicOrPartitionError):
        kp.delete_topics(["kp-created"])


def test_kafka_python_recreated_topic_starts_empty(kp, shared_broker):
    kp.create_topics([KNewTopic("kp-again", 2, 1)])
    produce(shared_broker, "kp-again", 1, 3)
    assert end_offsets(shared_broker, "kp-again", [0, 1]) == [0, 3]
    kp.delete_topics(["kp-again"])
    assert not (shared_broker.data_dir / "kp-again-1").exists()
    kp.create_topics([KNewTopic("kp-again", 2, 1)])
    assert end_offsets(shared_broker, "kp-again", [0, 1]) == [0, 0]


def test_kafka_python_describe_and_alter_configs(kp, shared_broker):
    kp.create_topics([KNewTopic("kp-configs", 1, 1, topic_configs={"cleanup.policy": "compact"})])
    [response] = kp.describe_configs([KConfigResource(ConfigResourceType.TOPIC, "kp-configs")],
                                     include_synonyms=True)
    [(code, _, rtype, name, entries)] = response.resources
    assert (code, rtype, name) == (0, 2, "kp-configs")
    configs = {e[0]: e for e in entries}  # name, value, read_only, source, sensitive, synonyms
    assert configs["cleanup.policy"][1:4] == ("compact", False, 1)
    assert configs["retention.ms"][1] == "604800000" and configs["retention.ms"][3] == 5
    assert configs["cleanup.policy"][5][0] == ("cleanup.policy", "compact", 1)

    [response] = kp.describe_configs([KConfigResource(ConfigResourceType.BROKER, "1")])
    [(code, _, _, name, entries)] = response.resources
    configs = {e[0]: e for e in entries}
    assert code == 0 and name == "1"
    assert configs["num.partitions"][1] == "3" and configs["num.partitions"][3] == 4
    assert configs["broker.id"][1] == "1" and configs["broker.id"][2] is True  # read-only

    response = kp.alter_configs([KConfigResource(ConfigResourceType.TOPIC, "kp-configs",
                                                 configs={"retention.ms": "3600000"})])
    assert response.resources == [(0, None, 2, "kp-configs")]
    [response] = kp.describe_configs([KConfigResource(ConfigResourceType.TOPIC, "kp-configs",
                                                      configs={"retention.ms": None, "cleanup.policy": None})])
    configs = {e[0]: e for e in response.resources[0][4]}
    assert set(configs) == {"retention.ms", "cleanup.policy"}
    assert configs["retention.ms"][1] == "3600000"
    assert configs["cleanup.policy"][1] == "delete"  # AlterConfigs replaced the whole set

    response = kp.alter_configs([KConfigResource(ConfigResourceType.TOPIC, "kp-configs",
                                                 configs={"retention.ms": "never"})])
    assert response.resources[0][0] == 40  # INVALID_CONFIG
    response = kp.alter_configs([KConfigResource(ConfigResourceType.BROKER, "1",
                                                 configs={"num.partitions": "7"})])
    assert response.resources[0][0] == 42  # INVALID_REQUEST: static broker config
    [response] = kp.describe_configs([KConfigResource(ConfigResourceType.TOPIC, "kp-missing")])
    assert response.resources[0][0] == 3


def end_offsets(broker, topic, partitions):
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap)
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        return [consumer.end_offsets(tps)[tp] for tp in tps]
    finally:
        consumer.close()


def produce(broker, topic, partition, count):
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    try:
        for i in range(count):
            producer.send(topic, value=b"v%d" % i, partition=partition).get(timeout=20)
    finally:
        producer.close()


def test_kafka_python_create_partitions(kp, shared_broker):
    kp.create_topics([KNewTopic("kp-grow", 1, 1)])
    response = kp.create_partitions({"kp-grow": KNewPartitions(3)})
    assert response.topic_errors == [("kp-grow", 0, None)]
    assert kp_partitions(kp, "kp-grow") == [0, 1, 2]
    produce(shared_broker, "kp-grow", 2, 4)  # the new partitions take records at once
    assert end_offsets(shared_broker, "kp-grow", [0, 1, 2]) == [0, 0, 4]
    kp.create_partitions({"kp-grow": KNewPartitions(5)}, validate_only=True)
    assert kp_partitions(kp, "kp-grow") == [0, 1, 2]
    with pytest.raises(kerrors.InvalidPartitionsError):
        kp.create_partitions({"kp-grow": KNewPartitions(2)})
    with pytest.raises(kerrors.UnknownTopicOrPartitionError):
        kp.create_partitions({"kp-nothing": KNewPartitions(2)})


# --- confluent-kafka (librdkafka) -----------------------------------------------------------------

def test_confluent_create_and_delete_topics(ck):
    futures = ck.create_topics([NewTopic("ck-created", num_partitions=2, replication_factor=1,
                                         config={"segment.bytes": "1048576"}),
                                NewTopic("ck-default", num_partitions=-1, replication_factor=-1),
                                NewTopic("ck-assigned", num_partitions=3, replica_assignment=[[1], [1], [1]])])
    for name in ("ck-created", "ck-default", "ck-assigned"):
        assert ck_result(futures, name) is None
    assert ck_partitions(ck, "ck-created") == [0, 1]
    assert ck_partitions(ck, "ck-default") == [0, 1, 2]  # num.partitions=3
    assert ck_partitions(ck, "ck-assigned") == [0, 1, 2]

    futures = ck.create_topics([NewTopic("ck-created", 1, 1), NewTopic("ck-rf", 1, 5),
                                NewTopic("ck-cfg", 1, 1, config={"no.such.config": "1"})])
    assert ck_error(futures, "ck-created").code() == KafkaError.TOPIC_ALREADY_EXISTS
    assert ck_error(futures, "ck-rf").code() == KafkaError.INVALID_REPLICATION_FACTOR
    err = ck_error(futures, "ck-cfg")
    assert err.code() == KafkaError.INVALID_CONFIG and "no.such.config" in err.str()

    futures = ck.create_topics([NewTopic("ck-dry", 1, 1)], validate_only=True)
    assert ck_result(futures, "ck-dry") is None
    assert "ck-dry" not in ck.list_topics(timeout=10).topics

    futures = ck.delete_topics(["ck-created", "ck-default", "ck-assigned"], operation_timeout=20)
    for name in ("ck-created", "ck-default", "ck-assigned"):
        assert ck_result(futures, name) is None
    assert not {"ck-created", "ck-default"} & set(ck.list_topics(timeout=10).topics)
    futures = ck.delete_topics(["ck-created"], operation_timeout=20)
    assert ck_error(futures, "ck-created").code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_confluent_describe_and_alter_configs(ck):
    assert ck_result(ck.create_topics([NewTopic("ck-configs", 1, 1, config={"retention.bytes": "999999"})]),
                     "ck-configs") is None
    resource = ConfigResource("topic", "ck-configs")
    configs = ck_result(ck.describe_configs([resource]), resource)
    assert configs["retention.bytes"].value == "999999"
    assert configs["retention.bytes"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert configs["cleanup.policy"].value == "delete"
    assert configs["cleanup.policy"].source == ConfigSource.DEFAULT_CONFIG.value
    assert not configs["retention.bytes"].is_read_only

    broker = ConfigResource("broker", "1")
    configs = ck_result(ck.describe_configs([broker]), broker)
    assert configs["num.partitions"].value == "3"
    assert configs["num.partitions"].source == ConfigSource.STATIC_BROKER_CONFIG.value

    altered = ConfigResource("topic", "ck-configs", set_config={"max.message.bytes": "2000000"})
    assert ck_result(ck.alter_configs([altered]), altered) is None
    configs = ck_result(ck.describe_configs([resource]), resource)
    assert configs["max.message.bytes"].value == "2000000"
    assert configs["retention.bytes"].value == "-1"  # replaced: back to the default

    bad = ConfigResource("topic", "ck-configs", set_config={"max.message.bytes": "big"})
    assert ck_error(ck.alter_configs([bad]), bad).code() == KafkaError.INVALID_CONFIG
    missing = ConfigResource("topic", "ck-missing")
    assert ck_error(ck.describe_configs([missing]), missing).code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_confluent_create_partitions(ck):
    assert ck_result(ck.create_topics([NewTopic("ck-grow", 1, 1)]), "ck-grow") is None
    assert ck_result(ck.create_partitions([NewPartitions("ck-grow", 4)]), "ck-grow") is None
    assert ck_partitions(ck, "ck-grow") == [0, 1, 2, 3]
    err = ck_error(ck.create_partitions([NewPartitions("ck-grow", 4)]), "ck-grow")
    assert err.code() == KafkaError.INVALID_PARTITIONS and "already has 4 partitions" in err.str()
    futures = ck.create_partitions([NewPartitions("ck-grow", 6, replica_assignment=[[1], [1]])],
                                   validate_only=True)
    assert ck_result(futures, "ck-grow") is None
    assert ck_partitions(ck, "ck-grow") == [0, 1, 2, 3]

