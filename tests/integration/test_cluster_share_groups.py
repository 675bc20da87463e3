"""KIP-932 share groups on the seed's cluster (three ZooKeeper servers, three sluiced brokers):
the share coordinator's state in __share_group_state (RF 3, min.insync.replicas 2) outlives the
broker that kept it.

A Java 4.x KafkaShareConsumer accepts a-0..a-99 and closes; b-0..b-99 are produced while nobody
reads. Then the broker leading the share partition's __share_group_state partition (its share
coordinator) is SIGKILLed — another replica becomes the coordinator and loads the state — and
after it is back, the broker leading the data partition is SIGKILLed too, so a new leader loads
the share partition from the coordinator (over ReadShareGroupState when that is another broker).
A new member then gets exactly b-0..b-99: nothing accepted comes back and nothing produced while
nobody read is skipped.
"""
import json

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from test_cluster_exactly_once import java_hash
from test_share_groups import Member, probe_until_delivered
from conftest import wait_for
from zk_cluster import BrokerCluster, ZooKeeperEnsemble, wait_until


STATE_PARTITIONS = 3
GROUP = "share-failover-group"
TOPIC = "share-failover"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("share")
    ensemble = ZooKeeperEnsemble(workdir / "zk").start()
    c = BrokerCluster(workdir / "brokers", ensemble, overrides={
        "zookeeper.session.timeout.ms": "6000",
        "offsets.topic.num.partitions": "3",
        "share.coordinator.state.topic.num.partitions": str(STATE_PARTITIONS),
    })
    try:
        c.start()
        yield c
    finally:
        print(c.logs())
        c.close()
        ensemble.close()


def send(cluster, values):
    p = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all",
                  "enable.idempotence": True, "message.timeout.ms": 60000})
    for v in values:
        p.produce(TOPIC, value=v.encode(), partition=0)
    assert p.flush(90) == 0


def kill_and_restart(cluster, broker_id, topic, partition):
    cluster.broker(broker_id).kill()
    wait_until(lambda: cluster.leader(topic, partition) not in (None, broker_id), 60,
               f"a new leader of {topic}-{partition}")
    cluster.restart(broker_id)
    cluster.wait_for_isr(topic, partition, 3, timeout=90)


def test_share_state_outlives_its_coordinator_and_the_partition_leader(cluster, tmp_path):
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    admin.create_topics([NewTopic(TOPIC, 1, 3, config={"min.insync.replicas": "2"})],
                        operation_timeout=30)[TOPIC].result(90)
    cluster.wait_for_isr(TOPIC, 0, 3, timeout=90)

    first = Member(cluster, tmp_path, "first", GROUP, TOPIC)
    producer = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all"})
    probe_until_delivered(producer, TOPIC, [first])
    send(cluster, [f"a-{i}" for i in range(100)])
    wait_for(lambda: sum(e["v"].startswith("a-") for e in first.events()) == 100, timeout=90,
             what="the first member receiving a-0..a-99")
    stopped = first.stop()
    assert stopped["acknowledge_errors"] == 0, stopped
    send(cluster, [f"b-{i}" for i in range(100)])

    # The share coordinator of (group, topic, 0): Kafka's partitioning of __share_group_state.
    topic_id = json.loads(cluster.zk.get(f"/brokers/topics/{TOPIC}")[0])["topic_id"]
    state_partition = java_hash(f"{GROUP}:{topic_id}:0") % STATE_PARTITIONS
    coordinator = cluster.leader("__share_group_state", state_partition)
    assert coordinator is not None
    cluster.wait_for_isr("__share_group_state", state_partition, 3, timeout=90)
    kill_and_restart(cluster, coordinator, "__share_group_state", state_partition)
    kill_and_restart(cluster, cluster.leader(TOPIC, 0), TOPIC, 0)

    second = Member(cluster, tmp_path, "second", GROUP, TOPIC)
    wait_for(lambda: sum(e["v"].startswith("b-") for e in second.events()) >= 100, timeout=120,
             what="the second member receiving b-0..b-99 after the failovers")
    second.stop()
    got = second.events()
    assert not [e for e in got if e["v"].startswith("a-")], "accepted records came back"
    assert sorted(e["v"] for e in got if e["v"].startswith("b-")) == sorted(
        f"b-{i}" for i in range(100))
