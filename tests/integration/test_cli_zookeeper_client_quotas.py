"""kafka-configs --zookeeper --entity-type users|clients (Kafka 2.x's ConfigCommand path for client
quotas): the quota keys in Kafka's znodes, other keys of a user's znode kept, a /config/changes
notice per change, Kafka's output, unknown keys and bad numbers refused."""
import json
import subprocess

from conftest import SOURCE_DIR
from zk_cluster import CHROOT, zk_ensemble  # noqa: F401  (zk_ensemble is a fixture)

BIN = SOURCE_DIR / "bin"


def configs(*args, timeout=90):
    return subprocess.run([str(BIN / "kafka-configs.sh"), *args], capture_output=True, text=True,
                          timeout=timeout)


def change_notices(zk):
    if not zk.exists("/config/changes"):
        return []
    return [json.loads(zk.get(f"/config/changes/{c}")[0])["entity_path"]
            for c in sorted(zk.get_children("/config/changes"))]


def znode(zk, path):
    return json.loads(zk.get(path)[0])


def test_client_quotas_through_zookeeper(zk_ensemble):
    zk = zk_ensemble.client(CHROOT)
    connect = zk_ensemble.connect_string(CHROOT)
    # A user with SCRAM credentials already: a quota change keeps them.
    zk.ensure_path("/config/users")
    zk.create("/config/users/alice", json.dumps(
        {"version": 1, "config": {"SCRAM-SHA-256": "salt=x,stored_key=y"}}).encode())

    p = configs("--zookeeper", connect, "--alter", "--entity-type", "clients", "--entity-name", "app",
                "--add-config", "producer_byte_rate=1024,consumer_byte_rate=2048")
    assert (p.returncode, p.stdout, p.stderr) == (
        0, "Completed updating config for entity: client-id 'app'.\n", "")
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "users", "--entity-name", "alice",
                "--add-config", "request_percentage=50")
    assert (p.returncode, p.stdout) == (0, "Completed updating config for entity: user-principal 'alice'.\n")
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "clients", "--entity-name", "app",
                "--entity-type", "users", "--entity-default",
                "--add-config", "controller_mutation_rate=5")
    assert (p.returncode, p.stdout) == (
        0, "Completed updating config for entity: default user-principal, client-id 'app'.\n"), p.stderr

    assert znode(zk, "/config/clients/app") == {
        "version": 1, "config": {"producer_byte_rate": "1024", "consumer_byte_rate": "2048"}}
    assert znode(zk, "/config/users/alice") == {
        "version": 1, "config": {"SCRAM-SHA-256": "salt=x,stored_key=y", "request_percentage": "50"}}
    assert znode(zk, "/config/users/<default>/clients/app")["config"] == {"controller_mutation_rate": "5"}
    assert change_notices(zk) == ["clients/app", "users/alice", "users/<default>/clients/app"]

    p = configs("--zookeeper", connect, "--describe", "--entity-type", "clients", "--entity-name", "app")
    assert p.stdout == "Configs for client-id 'app' are consumer_byte_rate=2048,producer_byte_rate=1024\n"
    p = configs("--zookeeper", connect, "--describe", "--entity-type", "users")
    assert p.stdout == ("Configs for default user-principal are \n"
                        "Configs for user-principal 'alice' are request_percentage=50\n"), p.stdout + p.stderr

    p = configs("--zookeeper", connect, "--alter", "--entity-type", "clients", "--entity-name", "app",
                "--delete-config", "producer_byte_rate")
    assert p.returncode == 0, p.stderr
    assert znode(zk, "/config/clients/app")["config"] == {"consumer_byte_rate": "2048"}

    # Refusals: nothing written, exit 1.
    before = len(change_notices(zk))
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "clients", "--entity-name", "app",
                "--add-config", "retention.ms=1")
    assert (p.returncode, p.stderr) == (1, "Unknown Dynamic Config key: retention.ms\n")
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "clients", "--entity-name", "app",
                "--add-config", "producer_byte_rate=1.5")
    assert p.returncode == 1 and "producer_byte_rate" in p.stderr
    assert len(change_notices(zk)) == before

    # IP entities (KIP-612): /config/ips/<ip>, connection_creation_rate only.
    p = configs("--zookeeper", connect, "--alter", "--entity-type", "ips", "--entity-name", "10.0.0.7",
                "--add-config", "connection_creation_rate=5")
    assert (p.returncode, p.stdout) == (0, "Completed updating config for entity: ip '10.0.0.7'.\n"), p.stderr
    assert znode(zk, "/config/ips/10.0.0.7")["config"] == {"connection_creation_rate": "5"}
    assert change_notices(zk)[-1] == "ips/10.0.0.7"
    p = configs("--zookeeper", connect, "--describe", "--entity-type", "ips")
    assert p.stdout == "Configs for ip '10.0.0.7' are connection_creation_rate=5\n", p.stdout + p.stderr
    p = configs("--zookeeper", connect, "--alter", "--ip", "10.0.0.7", "--add-config", "producer_byte_rate=1")
    assert (p.returncode, p.stderr) == (1, "Unknown Dynamic Config key: producer_byte_rate\n")
