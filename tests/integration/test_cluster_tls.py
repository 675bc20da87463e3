"""The seed's three-broker ZooKeeper cluster with SSL between brokers (issue #13): every broker
has a PLAINTEXT listener for clients and an SSL one that requires client certificates, and
inter.broker.listener.name=SSL, so replica fetchers, the controller channel and link, and the
transaction marker channel all run mutual TLS with the brokers' own certificates (checked against
the test CA, host names verified: ssl.endpoint.identification.algorithm=https).

- A topic with RF 3 and min.insync.replicas=2 reaches a full ISR over TLS; librdkafka (acks=all,
  no idempotence, one request in flight) writes numbered messages while the test SIGKILLs a
  partition leader three times (each restarted a few seconds later); everything acknowledged is
  read back at the offset it was acknowledged with, nothing acknowledged is lost, and every
  broker's SSL listener did serve the inter-broker connections (its accepted-connection count).
- The controller's LeaderAndIsr and UpdateMetadata reach every broker over TLS: a new controller
  (the old one SIGKILLed) moves leaders and the topic stays writable.

Run alone: cd tests/integration && SLUICE_BUILD_DIR=... /usr/bin/python3 -m pytest -s -q
-p no:cacheprovider test_cluster_tls.py"""
import time

import pytest
from confluent_kafka import Producer

from conftest import free_port
from test_cluster_failover import create_topic, read_partition
from tls_certs import Pki
from zk_cluster import (BrokerCluster, NumberedProducer, ZooKeeperEnsemble, connections_accepted,
                        full_isr, wait_until)


SESSION_TIMEOUT_MS = 6000
PARTITIONS = 3
TOTAL = 30000
RATE = 1200


def tls_cluster(workdir, pki):
    ensemble = ZooKeeperEnsemble(workdir / "zk").start()
    cluster = BrokerCluster(workdir / "brokers", ensemble, overrides={
        "zookeeper.session.timeout.ms": str(SESSION_TIMEOUT_MS),
        "replica.lag.time.max.ms": "8000"})
    for b in cluster.brokers:
        b.ssl_port = free_port()
        listeners = f"PLAINTEXT://127.0.0.1:{b.port},SSL://127.0.0.1:{b.ssl_port}"
        props = {"listeners": listeners, "advertised.listeners": listeners,
                 "inter.broker.listener.name": "SSL",
                 **pki.broker_ssl_configs(client_auth="required")}
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


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path / "pki")


def test_replication_and_fail_over_with_ssl_between_brokers(tmp_path, pki):
    ensemble, cluster = tls_cluster(tmp_path, pki)
    topic = "tls-numbered"
    try:
        create_topic(cluster, topic, PARTITIONS, 3, {"min.insync.replicas": "2"})
        full_isr(cluster, topic, PARTITIONS)
        # Followers fetch from leaders over the SSL listener (and the controller talks to every
        # broker there), so each broker has accepted TLS connections from the others.
        wait_until(lambda: all(connections_accepted(b, "SSL") > 0 for b in cluster.brokers), 30,
                   "every broker served inter-broker connections on its SSL listener")

        producer = NumberedProducer(cluster.bootstrap, topic, TOTAL, RATE, PARTITIONS)
        producer.start()
        wait_until(lambda: len(producer.acked) >= 3000 or producer.done.is_set(), 60,
                   "the producer under way")
        for round_ in range(3):
            partition = round_ % PARTITIONS
            leader = cluster.leader(topic, partition)
            cluster.broker(leader).kill()
            wait_until(lambda: cluster.leader(topic, partition) not in (None, leader), 60,
                       f"{topic}-{partition} gets a new leader after broker {leader} died")
            time.sleep(2)
            cluster.restart(leader)
            full_isr(cluster, topic, PARTITIONS)
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
        print(f"acknowledged {len(producer.acked)} of {TOTAL}, failed {len(producer.failed)}")
        assert not lost, f"{len(lost)} acknowledged messages lost, e.g. {lost[:10]}"
        assert not producer.failed, producer.failed[:10]
        assert len(producer.acked) == TOTAL
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.close()
        ensemble.close()


def test_a_new_controller_reaches_every_broker_over_ssl(tmp_path, pki):
    ensemble, cluster = tls_cluster(tmp_path, pki)
    topic = "tls-controller"
    try:
        create_topic(cluster, topic, PARTITIONS, 3, {"min.insync.replicas": "2"})
        full_isr(cluster, topic, PARTITIONS)
        old = cluster.controller_id()
        epoch = cluster.controller_epoch()
        led_by_old = [p for p in range(PARTITIONS) if cluster.leader(topic, p) == old]
        cluster.broker(old).kill()
        wait_until(lambda: cluster.controller_id() not in (None, old)
                   and cluster.controller_epoch() > epoch, SESSION_TIMEOUT_MS / 1000 + 30,
                   "another broker becomes controller")
        for p in led_by_old:
            wait_until(lambda: cluster.leader(topic, p) not in (None, old), 60,
                       f"{topic}-{p} moves away from the dead controller")
        survivors = ",".join(b.bootstrap for b in cluster.brokers if b.broker_id != old)
        producer = Producer({"bootstrap.servers": survivors, "acks": "all"})
        delivered = []
        for i in range(300):
            producer.produce(topic, value=str(i).encode(), partition=i % PARTITIONS,
                             on_delivery=lambda err, msg: delivered.append(err))
        assert producer.flush(60) == 0
        assert delivered.count(None) == 300, [e for e in delivered if e is not None][:5]
        cluster.restart(old)
        full_isr(cluster, topic, PARTITIONS)  # the restarted broker catches up over TLS
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.close()
        ensemble.close()
