"""ACLs in ZooKeeper mode: kafka-acls.sh --authorizer-properties zookeeper.connect=... writes Kafka's
znodes (/kafka-acl/<Type>/<name>, /kafka-acl-extended/prefixed/<Type>/<prefix>) and change notices
(/kafka-acl-changes, /kafka-acl-extended-changes) straight to ZooKeeper, and two running sluiced
brokers enforce each change within seconds, as Kafka's brokers follow those notices. Real
ZooKeeper (one server), real brokers, confluent-kafka and raw Metadata requests as User:ANONYMOUS.
"""
import json
import subprocess

from conftest import SOURCE_DIR
from test_acls import AUTHORIZER, TOPIC_AUTHORIZATION_FAILED, metadata, produce
from zk_cluster import CHROOT, BrokerCluster, ZooKeeperEnsemble, wait_until

BIN = SOURCE_DIR / "bin"
DEPRECATION = ("Warning: support for ACL configuration directly through the authorizer is "
               "deprecated and will be removed in a future release. Please use --bootstrap-server "
               "instead to set ACLs through the admin client.\n")


def tool(name, *args):
    return subprocess.run([str(BIN / f"{name}.sh"), *args], capture_output=True, text=True,
                          timeout=90)


def acl_entries(zk, path):
    data, _ = zk.get(path)
    doc = json.loads(data)
    assert doc["version"] == 1
    return sorted((a["principal"], a["permissionType"], a["operation"], a["host"])
                  for a in doc["acls"])


def describe_error(broker, topic):
    return metadata(broker.port, [topic])[0][topic][0]


def test_acls_written_to_zookeeper_reach_every_running_broker(tmp_path):
    ensemble = ZooKeeperEnsemble(tmp_path / "zk", size=1)
    cluster = None
    try:
        ensemble.server(1).start()
        wait_until(lambda: ensemble.server(1).mode() == "standalone", 90, "ZooKeeper serving")
        connect = ensemble.connect_string(CHROOT)
        authorizer = ["--authorizer-properties", f"zookeeper.connect={connect}"]
        # On PLAINTEXT the brokers talk to each other as User:ANONYMOUS too, and inter-broker
        # requests need CLUSTER_ACTION: granted before they start (the tool creates the chroot).
        p = tool("kafka-acls", *authorizer, "--add", "--allow-principal", "User:ANONYMOUS",
                 "--operation", "ClusterAction", "--cluster")
        assert p.returncode == 0, p.stdout + p.stderr
        cluster = BrokerCluster(tmp_path / "brokers", ensemble, count=2,
                                overrides={**AUTHORIZER, "super.users": "User:admin"}).start()
        p = tool("kafka-topics", "--zookeeper", connect, "--create", "--topic", "orders",
                 "--partitions", "2", "--replication-factor", "2")
        assert p.returncode == 0, p.stderr

        # No ACL: ANONYMOUS sees nothing and may not write.
        for b in cluster.brokers:
            assert describe_error(b, "orders") == TOPIC_AUTHORIZATION_FAILED
        assert produce(cluster.bootstrap, "orders") == TOPIC_AUTHORIZATION_FAILED

        p = tool("kafka-acls", *authorizer, "--add", "--allow-principal", "User:ANONYMOUS",
                 "--producer", "--topic", "orders")
        assert p.returncode == 0 and p.stderr == DEPRECATION, p.stdout + p.stderr
        assert p.stdout.startswith("Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, "
                                   "name=orders, patternType=LITERAL)`: \n")
        zk = cluster.zk
        assert acl_entries(zk, "/kafka-acl/Topic/orders") == [
            ("User:ANONYMOUS", "Allow", "Create", "*"), ("User:ANONYMOUS", "Allow", "Describe", "*"),
            ("User:ANONYMOUS", "Allow", "Write", "*")]
        notices = zk.get_children("/kafka-acl-changes")
        assert notices and all(n.startswith("acl_changes_") for n in notices)

        for b in cluster.brokers:
            wait_until(lambda: describe_error(b, "orders") == 0, 15,
                       f"broker {b.broker_id} applies the new ACL", interval=0.2)
        wait_until(lambda: produce(cluster.bootstrap, "orders") == 0, 30, "produce allowed")

        # A prefixed DENY, in the extended layout: DENY wins over the literal ALLOW.
        p = tool("kafka-acls", *authorizer, "--add", "--deny-principal", "User:ANONYMOUS",
                 "--operation", "Write", "--topic", "ord", "--resource-pattern-type", "prefixed")
        assert p.returncode == 0, p.stdout + p.stderr
        assert acl_entries(zk, "/kafka-acl-extended/prefixed/Topic/ord") == [
            ("User:ANONYMOUS", "Deny", "Write", "*")]
        assert zk.get_children("/kafka-acl-extended-changes")
        wait_until(lambda: produce(cluster.bootstrap, "orders") == TOPIC_AUTHORIZATION_FAILED, 30,
                   "produce refused by the prefixed DENY")

        p = tool("kafka-acls", *authorizer, "--list", "--topic", "orders",
                 "--resource-pattern-type", "match")
        assert "name=ord, patternType=PREFIXED" in p.stdout and "name=orders" in p.stdout

        p = tool("kafka-acls", *authorizer, "--remove", "--force", "--topic", "ord",
                 "--resource-pattern-type", "prefixed")
        assert p.returncode == 0, p.stdout + p.stderr
        assert not zk.exists("/kafka-acl-extended/prefixed/Topic/ord")
        wait_until(lambda: produce(cluster.bootstrap, "orders") == 0, 30, "produce allowed again")
    finally:
        if cluster is not None:
            logs = cluster.logs()
            cluster.close()
            print(logs)
        ensemble.close()
