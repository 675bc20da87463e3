"""The seed's three-broker ZooKeeper cluster with SASL between brokers (issue #13): every broker
has a PLAINTEXT listener for clients and a SASL one that is the inter-broker listener, so replica
fetchers, the controller channel and link and the transaction marker channel all authenticate
before their first request — over SASL_PLAINTEXT with SCRAM-SHA-512 (the broker's own credential
created with kafka-configs.sh --zookeeper before the brokers start, as Kafka's docs do it), and over
SASL_SSL with PLAIN inside TLS (the test CA's broker certificate, host names verified).

librdkafka (acks=all, no idempotence, one request in flight) writes numbered messages to a topic
with RF 3 and min.insync.replicas=2 while the test SIGKILLs a partition leader twice (each
restarted after a moment); everything acknowledged is read back at its offset. Every broker's SASL
listener served the inter-broker connections (its accepted-connection count) and logged no failed
authentication. A broker whose inter-broker password is wrong never joins the ISR: without working
inter-broker authentication the test cannot pass. A delegation token made on one broker is stored in
ZooKeeper as Kafka stores it and logs in on every broker until it is expired on another.

Run alone: cd tests/integration && SLUICE_BUILD_DIR=... /usr/bin/python3 -m pytest -s -q
-p no:cacheprovider test_cluster_sasl.py"""
import subprocess
import time

import pytest

from conftest import SOURCE_DIR, free_port
from test_cluster_failover import create_topic, read_partition
from tls_certs import Pki
from zk_cluster import (BrokerCluster, NumberedProducer, ZooKeeperEnsemble, connections_accepted,
                        full_isr, wait_until)


PARTITIONS = 3
TOTAL = 12000
RATE = 1200
PLAIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
              'username="broker" password="{password}" user_broker="broker-secret";')
SCRAM_JAAS = ('org.apache.kafka.common.security.scram.ScramLoginModule required '
              'username="broker" password="{password}";')


def sasl_cluster(workdir, protocol, mechanism, pki=None, wrong_password_on=None):
    ensemble = ZooKeeperEnsemble(workdir / "zk").start()
    cluster = BrokerCluster(workdir / "brokers", ensemble, overrides={
        "zookeeper.session.timeout.ms": "6000", "replica.lag.time.max.ms": "8000",
        "delegation.token.secret.key": "cluster-secret"})
    if mechanism.startswith("SCRAM"):
        p = subprocess.run([str(SOURCE_DIR / "bin" / "kafka-configs.sh"), "--zookeeper",
                            ensemble.connect_string(cluster.chroot), "--alter", "--entity-type",
                            "users", "--entity-name", "broker", "--add-config",
                            f"{mechanism}=[iterations=4096,password=broker-secret]"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
    jaas = PLAIN_JAAS if mechanism == "PLAIN" else SCRAM_JAAS
    for b in cluster.brokers:
        b.sasl_port = free_port()
        listeners = f"PLAINTEXT://127.0.0.1:{b.port},{protocol}://127.0.0.1:{b.sasl_port}"
        password = "wrong" if b.broker_id == wrong_password_on else "broker-secret"
        props = {"listeners": listeners, "advertised.listeners": listeners,
                 "inter.broker.listener.name": protocol,
                 "sasl.enabled.mechanisms": mechanism,
                 "sasl.mechanism.inter.broker.protocol": mechanism,
                 f"listener.name.{protocol.lower()}.{mechanism.lower()}.sasl.jaas.config":
                     jaas.format(password=password)}
        if pki:
            props.update(pki.broker_ssl_configs())
        with open(b.config_path, "a") as f:
            f.write("".join(f"{k}={v}\n" for k, v in props.items()))
    try:
        cluster.start()
    except Exception:
        print(cluster.logs())
        cluster.close()
        ensemble.close()
        raise
    return ensemble, cluster


@pytest.mark.parametrize("protocol,mechanism", [("SASL_PLAINTEXT", "SCRAM-SHA-512"),
                                                ("SASL_SSL", "PLAIN")])
def test_replication_and_fail_over_with_sasl_between_brokers(tmp_path, protocol, mechanism):
    pki = Pki(tmp_path / "pki") if protocol == "SASL_SSL" else None
    ensemble, cluster = sasl_cluster(tmp_path, protocol, mechanism, pki)
    topic = "sasl-numbered"
    try:
        create_topic(cluster, topic, PARTITIONS, 3, {"min.insync.replicas": "2"})
        full_isr(cluster, topic, PARTITIONS)
        wait_until(lambda: all(connections_accepted(b, protocol) > 0 for b in cluster.brokers), 30,
                   f"every broker served inter-broker connections on its {protocol} listener")

        producer = NumberedProducer(cluster.bootstrap, topic, TOTAL, RATE, PARTITIONS)
        producer.start()
        wait_until(lambda: len(producer.acked) >= 2000 or producer.done.is_set(), 60,
                   "the producer under way")
        for round_ in range(2):
            partition = round_ % PARTITIONS
            leader = cluster.leader(topic, partition)
            cluster.broker(leader).kill()
            wait_until(lambda: cluster.leader(topic, partition) not in (None, leader), 60,
                       f"{topic}-{partition} gets a new leader after broker {leader} died")
            time.sleep(1)
            cluster.restart(leader)
            full_isr(cluster, topic, PARTITIONS)  # the restarted broker authenticates and catches up
        assert producer.done.wait(400), "producer did not finish"
        if producer.exception:
            raise producer.exception

        consumed = {}
        for p in range(PARTITIONS):
            records, high = read_partition(cluster.bootstrap, topic, p)
            assert [o for o, _ in records] == list(range(high)), f"{topic}-{p}: offsets not dense"
            consumed[p] = records
        lost = [(seq, p, offset) for seq, (p, offset) in producer.acked.items()
                if offset >= len(consumed[p]) or consumed[p][offset][1] != seq]
        assert not lost, f"{len(lost)} acknowledged messages lost, e.g. {lost[:10]}"
        assert not producer.failed, producer.failed[:10]
        assert len(producer.acked) == TOTAL
        for b in cluster.brokers:
            assert "Failed authentication" not in b.log_text(), b.broker_id
        if mechanism.startswith("SCRAM"):
            tokens_across_brokers(cluster, mechanism)
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.close()
        ensemble.close()


def tokens_across_brokers(cluster, mechanism):
    """A delegation token made on broker 1 is kept in ZooKeeper as Kafka keeps it and logs in on
    every broker (each follows /delegation_token); expired on broker 2, it stops working on 3."""
    import base64
    import json
    import socket
    from test_sasl import Scram, authenticate, create_token, handshake, renew_or_expire

    def login(b, user, password, tokenauth=False):
        s = socket.create_connection(("127.0.0.1", b.sasl_port), timeout=10)
        handshake(s, mechanism)
        c = Scram(mechanism, user, password)
        first = c.first()
        if tokenauth:
            first += b",tokenauth=true"
            c.bare += ",tokenauth=true"
        error, message, server_first, _ = authenticate(s, first)
        if error == 0:
            error, message, _, _ = authenticate(s, c.final(server_first), correlation=3)
        return s, error

    s, error = login(cluster.broker(1), "broker", "broker-secret")
    assert error == 0
    made = create_token(s)
    assert made["error"] == 0, made
    data, _ = cluster.zk.get(f"/delegation_token/tokens/{made['token_id']}")
    assert json.loads(data)["owner"] == "User%3Abroker"
    assert cluster.zk.get_children("/delegation_token/token_changes")
    password = base64.b64encode(made["hmac"]).decode()
    for b in cluster.brokers:
        wait_until(lambda: login(b, made["token_id"], password, tokenauth=True)[1] == 0, 30,
                   f"the token logs in on broker {b.broker_id}")
    s2, _ = login(cluster.broker(2), "broker", "broker-secret")
    assert renew_or_expire(s2, 40, made["hmac"], -1)[0] == 0
    wait_until(lambda: login(cluster.broker(3), made["token_id"], password, tokenauth=True)[1] == 58,
               30, "the expired token refused on broker 3")


def test_a_broker_with_a_wrong_inter_broker_password_stays_out(tmp_path):
    ensemble, cluster = sasl_cluster(tmp_path, "SASL_PLAINTEXT", "SCRAM-SHA-256",
                                     wrong_password_on=3)
    try:
        create_topic(cluster, "sasl-wrong", PARTITIONS, 3, {})

        def isr(p):
            state = cluster.partition_state("sasl-wrong", p)
            return state["isr"] if state else []
        # Broker 3 cannot fetch from the partitions brokers 1 and 2 lead (they refuse it), so it
        # drops out of their ISRs; brokers 1 and 2 replicate between themselves.
        wait_until(lambda: any(3 not in isr(p) and len(isr(p)) == 2 for p in range(PARTITIONS))
                   and any("Failed authentication" in cluster.broker(i).log_text() for i in (1, 2)),
                   60, "broker 3 refused by the others")
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.close()
        ensemble.close()
