"""kafkajs 2.2.4's admin client against the real sluiced (js/admin.js drives it).

kafkajs sends min(its max, the broker's max) and never checks the broker's min (FACTS.md §4):
CreateTopics v3, DeleteTopics v1, DescribeConfigs v2, AlterConfigs v1, CreatePartitions v1, and
Metadata v6 for fetchTopicMetadata/describeCluster/listTopics.
"""
import json

import pytest
from conftest import node


@pytest.fixture
def scenario(broker_factory):
    b = broker_factory(overrides={"num.partitions": "2"}).start()
    out = node("admin.js", b.bootstrap, timeout=60)
    assert b.stop() == 0, b.log_text()
    return json.loads(out), b


def user_topics(names):
    return [n for n in names if not n.startswith("__")]


def test_kafkajs_admin_scenario(scenario):
    seen, b = scenario
    # createTopics: true when created, false when every topic already existed.
    assert seen["created"] is True
    assert seen["createdAgain"] is False
    assert seen["createBadRf"] == "INVALID_REPLICATION_FACTOR"
    assert seen["createBadConfig"] == "INVALID_CONFIG"
    assert seen["validateOnly"] is True
    assert user_topics(seen["topicsAfterCreate"]) == ["js-a", "js-b"]  # js-dry was only validated
    assert seen["partitionsA"] == [0, 1, 2]

    # describeConfigs v2 with synonyms; sources are Kafka's ConfigSource numbers.
    assert seen["configsA"]["retention.ms"]["value"] == "90000"
    assert seen["configsA"]["retention.ms"]["source"] == 1  # TOPIC_CONFIG
    assert seen["configsA"]["retention.ms"]["synonyms"][0] == ["retention.ms", "90000", 1]
    assert seen["configsA"]["cleanup.policy"]["value"] == "delete"
    assert seen["configsA"]["cleanup.policy"]["source"] == 5  # DEFAULT_CONFIG
    assert seen["configsA"]["cleanup.policy"]["readOnly"] is False
    assert seen["brokerNumPartitions"] == [["num.partitions", "2", 4, True]]
    assert seen["describeMissing"] == "UNKNOWN_TOPIC_OR_PARTITION"

    # alterConfigs replaces the topic's overrides: retention.ms falls back to the default.
    assert seen["configsAfterAlter"]["cleanup.policy"]["value"] == "compact"
    assert seen["configsAfterAlter"]["retention.ms"]["value"] == "604800000"
    assert seen["configsAfterAlter"]["retention.ms"]["source"] == 5
    assert seen["alterInvalid"] == "INVALID_CONFIG"
    assert seen["alterValidateOnly"]["resources"][0]["errorCode"] == 0
    assert seen["configsAfterValidateOnly"]["retention.ms"]["value"] == "604800000"

    assert seen["partitionsB"] == [0, 1, 2, 3]
    assert seen["shrink"] == "INVALID_PARTITIONS"

    assert seen["cluster"]["brokers"] == [{"nodeId": 1, "host": "127.0.0.1", "port": b.port}]
    assert seen["cluster"]["controller"] == 1
    assert len(seen["cluster"]["clusterId"]) == 22

    assert user_topics(seen["topicsAfterDelete"]) == []
    assert seen["deleteMissing"] == "UNKNOWN_TOPIC_OR_PARTITION"
