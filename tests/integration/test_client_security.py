"""Secured listeners (issue #13) with the clients people run, beside test_tls.py's librdkafka,
kafka-python, Java and kcat: franz-go, sarama, @platformatic/kafka and the newest confluent-kafka
from PyPI, each producing and consuming in a group over mutual TLS — the client presents a
certificate from the test's CA and trusts the broker's — on a broker that requires client
certificates. A client whose certificate the broker does not trust is refused.

Run alone: cd tests/integration && SLUICE_BUILD_DIR=... /usr/bin/python3 -m pytest -q
-p no:cacheprovider test_client_security.py"""
import pytest

from clients import confluent_latest, franz, platformatic, sarama
from test_real_clients import assert_all_acked, assert_exactly_once
from test_tls import closed_reason, metric, ssl_broker, stop
from tls_certs import Pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def mtls(tmp_path_factory, pki):
    b = ssl_broker(tmp_path_factory.mktemp("mtls"), pki, {"ssl.client.auth": "required"})
    yield b
    stop(b)


def tls_flags(pki, identity):
    return [f"--tls-ca={pki.ca.cert}", f"--tls-cert={identity.cert}", f"--tls-key={identity.key}"]


def test_franz_go_over_mutual_tls(mtls, pki):
    flags = [f"--bootstrap={mtls.ssl_bootstrap}", *tls_flags(pki, pki.client)]
    admin = franz("admin", *flags, "--create-topic=franz-tls", "--partitions=2", "--describe-cluster")
    assert admin["cluster"]["nodes"][0]["port"] == mtls.ssl_port, admin
    produced = franz("produce", *flags, "--topic=franz-tls", "--count=2000")
    assert_all_acked(produced, 2000, "franz-go over TLS")
    consumed = franz("consume", *flags, "--topic=franz-tls", "--count=2000", "--group=franz-tls")
    assert_exactly_once(consumed, 2000, "franz-go over TLS")


def test_sarama_over_mutual_tls(mtls, pki):
    flags = [f"--bootstrap={mtls.ssl_bootstrap}", *tls_flags(pki, pki.client)]
    produced = sarama("produce", *flags, "--topic=sarama-tls", "--count=1000", "--acks=leader")
    assert_all_acked(produced, 1000, "sarama over TLS")
    consumed = sarama("consume", *flags, "--topic=sarama-tls", "--count=1000", "--group=sarama-tls")
    assert_exactly_once(consumed, 1000, "sarama over TLS")


def test_platformatic_kafka_over_mutual_tls(mtls, pki):
    flags = [f"--bootstrap={mtls.ssl_bootstrap}", *tls_flags(pki, pki.client)]
    produced = platformatic("produce", *flags, "--topic=platformatic-tls", "--count=1000", "--acks=leader")
    assert_all_acked(produced, 1000, "@platformatic/kafka over TLS")
    consumed = platformatic("consume", *flags, "--topic=platformatic-tls", "--count=1000",
                            "--group=platformatic-tls")
    assert_exactly_once(consumed, 1000, "@platformatic/kafka over TLS")


def test_confluent_kafka_newest_over_mutual_tls(mtls, pki):
    settings = ["security.protocol=SSL", f"ssl.ca.location={pki.ca.cert}",
                f"ssl.certificate.location={pki.client.cert}", f"ssl.key.location={pki.client.key}"]
    produced = confluent_latest("confluent_latest.py", "produce", f"--bootstrap={mtls.ssl_bootstrap}",
                                "--topic=ck-tls", "--count=2000", *settings)
    assert_all_acked(produced, 2000, "confluent-kafka over TLS")
    consumed = confluent_latest("confluent_latest.py", "consume", f"--bootstrap={mtls.ssl_bootstrap}",
                                "--topic=ck-tls", "--count=2000", "group.id=ck-tls", *settings)
    assert_exactly_once(consumed, 2000, "confluent-kafka over TLS")


def test_a_certificate_from_another_ca_is_refused(mtls, pki):
    """The same client and flags as above but for the certificate: the handshake fails."""
    failed_before = metric(mtls, closed_reason("tls_handshake_failed"))
    flags = [f"--bootstrap={mtls.ssl_bootstrap}", *tls_flags(pki, pki.stranger), "--timeout-ms=8000"]
    refused = franz("produce", *flags, "--topic=franz-tls", "--count=1", check=False)
    assert refused["acked"] == 0, refused
    assert refused.get("timed_out") or refused.get("errors") or refused.get("error"), refused
    assert metric(mtls, closed_reason("tls_handshake_failed")) > failed_before
