"""Partition reassignment on the 3-broker ZooKeeper cluster (issue #14): AlterPartitionReassignments
and ListPartitionReassignments through Kafka's Java Admin, as Kafka 3.9's ZooKeeper controller runs
them — the full replica set recorded in the topic znode (version 3, adding/removing), the new
replica catching up, the move completing once the target is in sync, removed replicas deleted.
A move that cannot complete (its new replica frozen) is listed, cancelled back to the origin, and
a move under way survives the controller's death: the next controller resumes it. No acknowledged
record is lost and the moved replicas hold every record. A move under replication throttles
(KIP-73, set with kafka-configs.sh) stays behind until they are lifted. kafka-reassign-partitions.sh
generates, executes (with --throttle), lists, verifies and cancels moves with Kafka's lines.

On the same cluster: AllocateProducerIds (KIP-730), which the controller answers with producer-id
blocks from /latest_producer_id_block after checking the sender's broker epoch."""
import json
import signal
import subprocess
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from clients import java
from conftest import SOURCE_DIR, wait_for
from kafka_wire import Client
from zk_cluster import BrokerCluster, ZooKeeperEnsemble


RECORDS = 400


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("reassign")
    ensemble = ZooKeeperEnsemble(workdir / "zk").start()
    # A frozen broker stays registered for 30 s: long enough to start a move to it.
    c = BrokerCluster(workdir / "brokers", ensemble,
                      overrides={"zookeeper.session.timeout.ms": "30000"})
    try:
        c.start()
        yield c
    finally:
        c.close()
        ensemble.close()


def create(cluster, topic, replicas):
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    for f in admin.create_topics([NewTopic(topic, 1, replica_assignment=[replicas])]).values():
        f.result(60)
    cluster.wait_for_isr(topic, 0, len(replicas))
    p = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all", "linger.ms": 5})
    for i in range(RECORDS):
        p.produce(topic, value=f"{topic}-{i}".encode(), partition=0)
    assert p.flush(60) == 0


def assignment(cluster, topic):
    data, _ = cluster.zk.get(f"/brokers/topics/{topic}")
    return json.loads(data)


def admin(cluster, *args, avoid=None):
    """The Java Admin; `avoid`: a frozen broker, which it must not wait on for long (its
    registration expires after the session timeout)."""
    bootstrap = ",".join(b.bootstrap for b in cluster.brokers if b.broker_id != avoid)
    r = java("AdminOps", f"--bootstrap={bootstrap}", *args,
             *(["request.timeout.ms=3000"] if avoid else []))
    assert "error" not in r, r
    return r


def read_all(cluster, topic):
    c = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": f"read-{topic}",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, 0, 0)])
    values = []
    try:
        def all_read():
            for m in c.consume(100, 1.0):
                assert not m.error(), m.error()
                values.append(m.value().decode())
            return len(values) >= RECORDS

        wait_for(all_read, timeout=60, what=f"{RECORDS} records of {topic}")
    finally:
        c.close()
    return values


def moved(cluster, topic, replicas):
    """The move to `replicas` is complete: znode, state and ISR say so."""
    a = assignment(cluster, topic)
    s = cluster.partition_state(topic, 0)
    return (a["partitions"]["0"] == replicas and not a["adding_replicas"]
            and not a["removing_replicas"] and s and sorted(s["isr"]) == sorted(replicas)
            and s["leader"] in replicas)


def test_a_partition_moves_to_new_brokers_with_every_record(cluster):
    create(cluster, "moving", [1, 2])
    r = admin(cluster, "--reassign=moving:0:2,3")
    assert r["reassigned"] == {"moving-0": "ok"}, r
    wait_for(lambda: moved(cluster, "moving", [2, 3]), timeout=60, what="moving-0 on [2, 3]")
    assert admin(cluster, "--list-reassignments")["reassignments"] == {}
    # The removed replica's log is deleted; the added one holds everything.
    wait_for(lambda: not (cluster.broker(1).data_dir / "moving-0").exists(), timeout=30,
             what="broker 1 deleted moving-0")
    d = admin(cluster, "--describe-topic=moving")["topic"]["partitions"][0]
    assert d["replicas"] == [2, 3] and sorted(d["isr"]) == [2, 3], d
    assert read_all(cluster, "moving") == [f"moving-{i}" for i in range(RECORDS)]

    refused = admin(cluster, "--reassign=moving:0:2,2;moving:7:1")["reassigned"]
    assert "InvalidReplicaAssignmentException: Duplicate replica ids" in refused["moving-0"], refused
    assert "UnknownTopicOrPartitionException" in refused["moving-7"], refused
    refused = admin(cluster, "--reassign=moving:0:cancel")["reassigned"]
    assert "NoReassignmentInProgressException" in refused["moving-0"], refused


def test_a_stalled_move_is_listed_and_cancelled(cluster):
    controller = cluster.controller_id()
    frozen = next(b for b in (1, 2, 3) if b != controller)
    origin = [b for b in (1, 2, 3) if b != frozen]
    create(cluster, "stalled", origin)
    cluster.broker(frozen).proc.send_signal(signal.SIGSTOP)
    try:
        r = admin(cluster, f"--reassign=stalled:0:{origin[0]},{frozen}", "--list-reassignments",
                  avoid=frozen)
        assert r["reassigned"] == {"stalled-0": "ok"}, r
        assert r["reassignments"] == {"stalled-0": {
            "replicas": [origin[0], frozen, origin[1]], "adding": [frozen],
            "removing": [origin[1]]}}, r
        a = assignment(cluster, "stalled")
        assert a["adding_replicas"] == {"0": [frozen]} and a["removing_replicas"] == {
            "0": [origin[1]]}, a
        r = admin(cluster, "--reassign=stalled:0:cancel", "--list-reassignments", avoid=frozen)
        assert r["reassigned"] == {"stalled-0": "ok"} and r["reassignments"] == {}, r
        assert moved(cluster, "stalled", origin)
        r = admin(cluster, "--reassign=stalled:0:cancel", avoid=frozen)
        assert "NoReassignmentInProgressException" in r["reassigned"]["stalled-0"], r
    finally:
        cluster.broker(frozen).proc.send_signal(signal.SIGCONT)
    # Once it runs again the frozen broker is told to delete the replica it had begun.
    wait_for(lambda: not (cluster.broker(frozen).data_dir / "stalled-0").exists(), timeout=60,
             what=f"broker {frozen} deleted stalled-0")
    assert read_all(cluster, "stalled") == [f"stalled-{i}" for i in range(RECORDS)]


def configs(cluster, *args):
    r = subprocess.run([str(SOURCE_DIR / "bin" / "kafka-configs.sh"), "--bootstrap-server",
                        cluster.bootstrap, *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def log_bytes(broker, topic):
    return sum(f.stat().st_size for f in (broker.data_dir / f"{topic}-0").glob("*.log"))


def test_a_throttled_move_waits_for_its_throttle(cluster):
    create(cluster, "throttled", [1, 2])
    p = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all", "linger.ms": 5})
    for i in range(4000):
        p.produce("throttled", value=bytes(1024), partition=0)
    assert p.flush(60) == 0
    total = log_bytes(cluster.broker(1), "throttled")
    for b in (1, 2, 3):
        configs(cluster, "--entity-type", "brokers", "--entity-name", str(b), "--alter",
                "--add-config",
                "leader.replication.throttled.rate=10000,follower.replication.throttled.rate=10000")
    configs(cluster, "--entity-type", "topics", "--entity-name", "throttled", "--alter",
            "--add-config",
            "leader.replication.throttled.replicas=[0:1,0:2],follower.replication.throttled.replicas=0:3")
    r = admin(cluster, "--reassign=throttled:0:2,3")
    assert r["reassigned"] == {"throttled-0": "ok"}, r
    wait_for(lambda: log_bytes(cluster.broker(3), "throttled") > 0, timeout=30,
             what="broker 3 began copying throttled-0")
    # Unthrottled, 4 MiB cross loopback well within a second; at 10 kB/s (a burst of at most one
    # fetch, then the rate over the quota windows) the copy stays far behind for many seconds.
    time.sleep(3)
    assert log_bytes(cluster.broker(3), "throttled") < total / 2
    assert "throttled-0" in admin(cluster, "--list-reassignments")["reassignments"]
    for b in (1, 2, 3):
        configs(cluster, "--entity-type", "brokers", "--entity-name", str(b), "--alter",
                "--delete-config", "leader.replication.throttled.rate,follower.replication.throttled.rate")
    wait_for(lambda: moved(cluster, "throttled", [2, 3]), timeout=60,
             what="throttled-0 on [2, 3] once the throttles are lifted")


def reassign_tool(cluster, *args, tmp_path=None, plan=None):
    if plan is not None:
        (tmp_path / "plan.json").write_text(json.dumps(plan))
        args = (*args, "--reassignment-json-file", str(tmp_path / "plan.json"))
    r = subprocess.run([str(SOURCE_DIR / "bin" / "kafka-reassign-partitions.sh"),
                        "--bootstrap-server", cluster.bootstrap, *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_kafka_reassign_partitions_moves_throttles_verifies_and_cancels(cluster, tmp_path):
    create(cluster, "tooled", [1, 2])
    p = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all", "linger.ms": 5})
    for i in range(4000):
        p.produce("tooled", value=bytes(1024), partition=0)
    assert p.flush(60) == 0
    (tmp_path / "topics.json").write_text(json.dumps({"version": 1, "topics": [{"topic": "tooled"}]}))
    out = reassign_tool(cluster, "--generate", "--topics-to-move-json-file",
                        str(tmp_path / "topics.json"), "--broker-list", "1,2,3").splitlines()
    assert out[0] == "Current partition replica assignment", out
    assert json.loads(out[1])["partitions"] == [
        {"topic": "tooled", "partition": 0, "replicas": [1, 2], "log_dirs": ["any", "any"]}], out
    assert out[3] == "Proposed partition reassignment configuration", out
    assert len(json.loads(out[4])["partitions"][0]["replicas"]) == 2, out

    move = {"version": 1, "partitions": [{"topic": "tooled", "partition": 0, "replicas": [2, 3]}]}
    out = reassign_tool(cluster, "--execute", "--throttle", "10000", tmp_path=tmp_path, plan=move)
    assert "The inter-broker throttle limit was set to 10000 B/s" in out, out
    assert "Successfully started partition reassignment for tooled-0" in out, out
    topic_config = json.loads(cluster.zk.get("/config/topics/tooled")[0])["config"]
    assert topic_config["leader.replication.throttled.replicas"] == "0:1,0:2", topic_config
    assert topic_config["follower.replication.throttled.replicas"] == "0:3", topic_config
    out = reassign_tool(cluster, "--list")
    assert "tooled-0: replicas: 2,3,1. adding: 3. removing: 1." in out, out
    out = reassign_tool(cluster, "--verify", tmp_path=tmp_path, plan=move)
    assert "Reassignment of partition tooled-0 is still in progress." in out, out
    assert "Clearing" not in out, out  # throttles stay while anything moves

    out = reassign_tool(cluster, "--cancel", tmp_path=tmp_path, plan=move)
    assert "Successfully cancelled partition reassignment for: tooled-0" in out, out
    # Back on the origin; its order is not kept, as with Kafka (the full set lists the target
    # first, and only the adding/removing lists are recorded).
    assert moved(cluster, "tooled", [2, 1]), assignment(cluster, "tooled")
    topic_config = json.loads(cluster.zk.get("/config/topics/tooled")[0])["config"]
    assert "leader.replication.throttled.replicas" not in topic_config, topic_config

    # Unthrottled, the same move completes; --verify then says so and clears the throttles.
    reassign_tool(cluster, "--execute", tmp_path=tmp_path, plan=move)
    wait_for(lambda: moved(cluster, "tooled", [2, 3]), timeout=60, what="tooled-0 on [2, 3]")
    out = reassign_tool(cluster, "--verify", tmp_path=tmp_path, plan=move)
    assert "Reassignment of partition tooled-0 is completed." in out, out
    assert "Clearing broker-level throttles on brokers 1,2,3" in out, out
    assert "No partition reassignments found." in reassign_tool(cluster, "--list")


def test_the_next_controller_resumes_a_move_under_way(cluster):
    controller = cluster.controller_id()
    frozen = next(b for b in (1, 2, 3) if b != controller)
    other = next(b for b in (1, 2, 3) if b not in (controller, frozen))
    create(cluster, "resumed", [controller, other])
    cluster.broker(frozen).proc.send_signal(signal.SIGSTOP)
    try:
        r = admin(cluster, f"--reassign=resumed:0:{other},{frozen}", avoid=frozen)
        assert r["reassigned"] == {"resumed-0": "ok"}, r
        assert assignment(cluster, "resumed")["adding_replicas"] == {"0": [frozen]}
        # Stopped (its successor is elected at once): only the next controller can finish.
        cluster.broker(controller).stop()
        wait_for(lambda: cluster.controller_id() == other, timeout=60,
                 what=f"broker {other} is the controller")
    finally:
        cluster.broker(frozen).proc.send_signal(signal.SIGCONT)
    wait_for(lambda: moved(cluster, "resumed", [other, frozen]), timeout=90,
             what=f"resumed-0 on [{other}, {frozen}] under the new controller")
    assert read_all(cluster, "resumed") == [f"resumed-{i}" for i in range(RECORDS)]
    cluster.restart(controller)


def allocate_producer_ids(port, broker_id, broker_epoch):
    c = Client(port)
    try:
        r = c.call(67, 0, True, lambda w: w.i32(broker_id).i64(broker_epoch).tags())
        return {"throttle": r.i32(), "error": r.i16(), "start": r.i64(), "len": r.i32()}
    finally:
        c.close()


def test_the_controller_allocates_producer_id_blocks(cluster):
    controller = cluster.controller_id()
    follower = next(b for b in (1, 2, 3) if b != controller)
    _, stat = cluster.zk.get(f"/brokers/ids/{follower}")
    epoch = stat.czxid  # a broker's epoch is its registration's czxid, as in Kafka
    port = cluster.broker(controller).port
    first = allocate_producer_ids(port, follower, epoch)
    assert first["error"] == 0 and first["len"] == 1000, first
    second = allocate_producer_ids(port, follower, -1)
    assert second["error"] == 0 and second["start"] == first["start"] + 1000, second
    block = json.loads(cluster.zk.get("/latest_producer_id_block")[0])
    assert (int(block["block_start"]), int(block["block_end"]), block["broker"]) == (
        second["start"], second["start"] + 999, follower), block
    assert allocate_producer_ids(port, follower, epoch + 1)["error"] == 77  # STALE_BROKER_EPOCH
    assert allocate_producer_ids(port, 42, -1)["error"] == 102  # BROKER_ID_NOT_REGISTERED
    assert allocate_producer_ids(cluster.broker(follower).port, follower, epoch)["error"] == 41
