"""Feature versioning (KIP-584), issue #14: what a broker supports and the cluster has finalized
(ApiVersions' feature fields, /feature in ZooKeeper), UpdateFeatures, `kafka-features.sh` and
Kafka's Admin describeFeatures/updateFeatures. Sluice supports group.version (KIP-848) and
share.version (KIP-932); a new cluster finalizes both at 1, and a level below 1 turns the
protocol off: its heartbeats are answered UNSUPPORTED_VERSION."""
import json
import subprocess

from clients import java
from conftest import SOURCE_DIR, wait_for
from kafka_wire import Client
from zk_cluster import BrokerCluster, zk_ensemble  # noqa: F401 (fixture)


def features_tool(bootstrap, *args):
    return subprocess.run([str(SOURCE_DIR / "bin" / "kafka-features.sh"), "--bootstrap-server",
                           bootstrap, *args], capture_output=True, text=True, timeout=60)


def describe_lines(bootstrap):
    out = features_tool(bootstrap, "describe")
    assert out.returncode == 0, out
    return out.stdout.splitlines()


def share_heartbeat_error(broker):
    """ShareGroupHeartbeat v1 (a join) on a raw connection: its error code and message."""
    c = Client(broker.port)
    try:
        def build(w):
            w.str("feature-gated-group").str("AAAAAAAAAAAAAAAAAAAAAA").i32(0).str(None)
            w.arr(["t"], lambda w, t: w.str(t)).tags()

        r = c.call(76, 1, True, build)
        r.i32()  # throttle
        return r.i16(), r.str()
    finally:
        c.close()


def test_features_are_described_disabled_and_upgraded(broker):
    assert describe_lines(broker.bootstrap) == [
        "Feature: group.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 1\t"
        "FinalizedVersionLevel: 1\tEpoch: 0",
        "Feature: share.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 1\t"
        "FinalizedVersionLevel: 1\tEpoch: 0",
    ]
    got = java("FeaturesAdmin", f"--bootstrap={broker.bootstrap}", line="4.x")
    assert got["finalized"] == {"group.version": 1, "share.version": 1}, got
    assert got["supported"] == {"group.version": [0, 1], "share.version": [0, 1]}, got
    assert got["epoch"] == 0, got
    assert share_heartbeat_error(broker)[0] != 35  # the protocol is on

    out = features_tool(broker.bootstrap, "disable", "--feature", "share.version")
    assert out.returncode == 0 and out.stdout == "share.version was disabled.\n", out
    assert describe_lines(broker.bootstrap)[1].endswith("FinalizedVersionLevel: 0\tEpoch: 1")
    code, message = share_heartbeat_error(broker)
    assert code == 35 and "share.version" in message, (code, message)  # UNSUPPORTED_VERSION

    # A dry run changes nothing; Kafka's refusals, all or nothing.
    out = features_tool(broker.bootstrap, "upgrade", "--feature", "share.version=1", "--dry-run")
    assert out.returncode == 0 and out.stdout == "share.version can be upgraded to 1.\n", out
    assert share_heartbeat_error(broker)[0] == 35
    out = features_tool(broker.bootstrap, "upgrade", "--feature", "share.version=2")
    assert out.returncode == 1, out
    assert out.stdout == ("Could not upgrade share.version to 2. Could not apply finalized feature "
                          "update because the provided versionLevel:2 is lower than the supported "
                          "minVersion:0.\n"), out
    assert out.stderr == "1 out of 1 operation(s) failed.\n", out
    out = features_tool(broker.bootstrap, "upgrade", "--metadata", "3.9")
    assert out.returncode == 1 and "the provided feature is not supported" in out.stdout, out
    out = features_tool(broker.bootstrap, "upgrade", "--feature", "share.version")
    assert out.returncode == 1 and "equals sign not found" in out.stderr, out

    # Java's Admin upgrades it back (UpdateFeatures at the controller).
    got = java("FeaturesAdmin", f"--bootstrap={broker.bootstrap}", "--update=share.version:1",
               line="4.x")
    assert got["finalized"] == {"group.version": 1, "share.version": 1} and got["epoch"] == 2, got
    assert share_heartbeat_error(broker)[0] != 35
    refused = java("FeaturesAdmin", f"--bootstrap={broker.bootstrap}",
                   "--update=group.version:0:safe", "--dry-run", line="3.9")
    assert "error" not in refused and refused["finalized"]["group.version"] == 1, refused

    # The finalized levels survive a restart (the embedded store's state file).
    broker.stop()
    broker.start()
    assert describe_lines(broker.bootstrap)[1].endswith("FinalizedVersionLevel: 1\tEpoch: 2")


def test_a_zookeeper_cluster_keeps_features_in_the_feature_znode(tmp_path, zk_ensemble):  # noqa: F811
    cluster = BrokerCluster(tmp_path, zk_ensemble, count=1).start()
    try:
        data, stat = cluster.zk.get("/feature")
        assert json.loads(data) == {
            "version": 2, "status": 1,
            "features": {"group.version": {"max_version_level": 1},
                         "share.version": {"max_version_level": 1}}}, data
        bootstrap = cluster.bootstrap
        out = features_tool(bootstrap, "downgrade", "--feature", "group.version=0", "--unsafe")
        assert out.returncode == 0, out
        data, stat = cluster.zk.get("/feature")
        assert json.loads(data)["features"] == {"share.version": {"max_version_level": 1}}, data
        assert stat.version == 1
        # The epoch is the znode's version, as Kafka's brokers report it.
        assert describe_lines(bootstrap)[0].endswith("FinalizedVersionLevel: 0\tEpoch: 1")
        # What a Kafka 3.9 controller writes: nothing finalized. Brokers follow the znode.
        cluster.zk.set("/feature", b'{"features":{},"version":2,"status":1}')
        wait_for(lambda: describe_lines(bootstrap)[1].endswith("FinalizedVersionLevel: 0\tEpoch: 2"),
                 timeout=30, what="the broker following /feature")
    finally:
        cluster.close()
