"""kafka-replica-verification.sh on the 3-broker ZooKeeper cluster (issue #14): it reads every
replica of a topic's partitions as Kafka's debugging consumer (replica id -2, which followers
serve up to their high watermark), finds them equal batch by batch, and reports the lag; a
partition of which one replica diverges would end it with Kafka's mismatch line."""
import signal
import subprocess
import time

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import SOURCE_DIR, wait_for
from zk_cluster import BrokerCluster, ZooKeeperEnsemble



@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("verify")
    ensemble = ZooKeeperEnsemble(workdir / "zk").start()
    c = BrokerCluster(workdir / "brokers", ensemble)
    try:
        c.start()
        yield c
    finally:
        c.close()
        ensemble.close()


def test_every_replica_is_read_and_found_equal(cluster):
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    for f in admin.create_topics([NewTopic("verified", 2, 3)]).values():
        f.result(60)
    p = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all", "linger.ms": 5})
    for i in range(200):
        p.produce("verified", value=f"v-{i}".encode(), partition=i % 2)
    assert p.flush(60) == 0

    tool = subprocess.Popen(
        [str(SOURCE_DIR / "bin" / "kafka-replica-verification.sh"), "--broker-list",
         cluster.bootstrap, "--topics-include", "verified", "--time", "-2",
         "--report-interval-ms", "500", "--max-wait-ms", "200"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        def caught_up():
            line = tool.stdout.readline()
            if not line:
                raise AssertionError(f"the tool ended: {tool.wait()} {tool.stderr.read()}")
            lines.append(line.rstrip("\n"))
            return "max lag is 0 for partition verified-" in line

        wait_for(caught_up, timeout=90, what="every replica verified to the high watermark")
    finally:
        tool.send_signal(signal.SIGINT)
        try:
            tool.wait(30)
        except subprocess.TimeoutExpired:
            tool.kill()
    assert lines[0].endswith(": verification process is started"), lines
    # 2 partitions, each read from its 3 replicas; nothing differed.
    assert lines[-1].endswith("at offset 100 among 2 partitions"), lines
    assert not [l for l in lines if "doesn't match" in l or "unmatched checksum" in l], lines
    assert "deprecated" in tool.stderr.read()
