"""Secured listeners (issue #13) with the clients people run, beside test_tls.py's and
test_sasl.py's librdkafka, kafka-python, Java, kafkajs and kcat: franz-go, sarama, @platformatic/kafka,
kafkajs and the newest confluent-kafka from PyPI, each producing and consuming in a group
- over mutual TLS — the client presents a certificate from the test's CA and trusts the broker's —
  on a broker that requires client certificates; a certificate the broker does not trust is refused;
- over SASL_SSL with the mechanisms each client offers (franz-go: both SCRAMs and PLAIN;
  @platformatic/kafka: SCRAM; sarama: PLAIN; kafkajs: SCRAM-SHA-512 and PLAIN; confluent-kafka:
  SCRAM-SHA-256 and PLAIN), and a wrong password is refused; kafkajs over mutual TLS too;
- Java kafka-clients (with a PEM trust store) and kafka-python over SASL_SSL SCRAM;
- over OAUTHBEARER (Kafka's unsecured validator requiring a scope) with franz-go,
  @platformatic/kafka and the newest confluent-kafka, and a token without the scope is refused;
- and Kafka's own scripts (kafka-console-producer/consumer.sh, kafka-topics.sh) given a Java
  client.properties — sasl.jaas.config, a PEM trust store — as a Kafka user has it, including the
  scripts that speak the protocol over a connection of their own (kafka-broker-api-versions,
  kafka-log-dirs, kafka-acls, kafka-configs for SCRAM users, kafka-get-offsets --time -3) over
  SASL_SSL and mutual TLS with PEM, PKCS12 and librdkafka-style key stores.

Run alone: cd tests/integration && SLUICE_BUILD_DIR=... /usr/bin/python3 -m pytest -q
-p no:cacheprovider test_client_security.py"""
import json
import os
import subprocess
import time

import pytest

from clients import confluent_latest, franz, platformatic, sarama
from conftest import SOURCE_DIR, node
from test_sasl import oauth_broker, sasl_bootstrap, unsecured_jwt  # noqa: F401 (a fixture)
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


# ---- SASL_SSL ----------------------------------------------------------------------------------

PLAIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" '
              'password="admin-secret" user_admin="admin-secret" user_alice="alice-plain";')


@pytest.fixture(scope="module")
def sasl_ssl(tmp_path_factory, pki):
    """SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) on b.ssl_port, PLAINTEXT beside it."""
    b = ssl_broker(tmp_path_factory.mktemp("sasl-ssl"), pki, {
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SSL:SASL_SSL",
        "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
        "listener.name.ssl.plain.sasl.jaas.config": PLAIN_JAAS})
    p = subprocess.run([str(SOURCE_DIR / "bin" / "kafka-configs.sh"), "--bootstrap-server", b.bootstrap,
                        "--alter", "--entity-type", "users", "--entity-name", "alice", "--add-config",
                        "SCRAM-SHA-256=[password=alice-scram],SCRAM-SHA-512=[password=alice-scram]"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    yield b
    stop(b)


def sasl_flags(b, pki, mechanism, password):
    user_password = "alice-plain" if mechanism == "PLAIN" else "alice-scram"
    return [f"--bootstrap={b.ssl_bootstrap}", f"--tls-ca={pki.ca.cert}", f"--sasl-mechanism={mechanism}",
            "--sasl-user=alice", f"--sasl-password={password or user_password}"]


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
def test_franz_go_over_sasl_ssl(sasl_ssl, pki, mechanism):
    flags = sasl_flags(sasl_ssl, pki, mechanism, None)
    topic = f"franz-{mechanism.lower()}"
    produced = franz("produce", *flags, f"--topic={topic}", "--count=1000")
    assert_all_acked(produced, 1000, f"franz-go {mechanism}")
    consumed = franz("consume", *flags, f"--topic={topic}", "--count=1000", f"--group={topic}")
    assert_exactly_once(consumed, 1000, f"franz-go {mechanism}")
    # franz-go retries a refused login until its deadline; the broker's log says why it refused.
    failures_before = sasl_ssl.log_text().count("Failed authentication with")
    refused = franz("produce", *sasl_flags(sasl_ssl, pki, mechanism, "wrong"), f"--topic={topic}",
                    "--count=1", "--timeout-ms=5000", check=False)
    assert refused["acked"] == 0, refused
    assert sasl_ssl.log_text().count("Failed authentication with") > failures_before


def test_sarama_over_sasl_ssl_plain(sasl_ssl, pki):
    flags = sasl_flags(sasl_ssl, pki, "PLAIN", None)
    produced = sarama("produce", *flags, "--topic=sarama-sasl", "--count=500", "--acks=leader")
    assert_all_acked(produced, 500, "sarama PLAIN")
    consumed = sarama("consume", *flags, "--topic=sarama-sasl", "--count=500", "--group=sarama-sasl")
    assert_exactly_once(consumed, 500, "sarama PLAIN")


def test_platformatic_kafka_over_sasl_ssl_scram(sasl_ssl, pki):
    flags = sasl_flags(sasl_ssl, pki, "SCRAM-SHA-256", None)
    produced = platformatic("produce", *flags, "--topic=platformatic-sasl", "--count=500", "--acks=leader")
    assert_all_acked(produced, 500, "@platformatic/kafka SCRAM")
    consumed = platformatic("consume", *flags, "--topic=platformatic-sasl", "--count=500",
                            "--group=platformatic-sasl")
    assert_exactly_once(consumed, 500, "@platformatic/kafka SCRAM")


def test_kafka_scripts_take_a_java_client_properties_file(sasl_ssl, pki, tmp_path):
    props = tmp_path / "alice.properties"
    props.write_text(
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
        '    username="alice" password="alice-scram";\n'
        "ssl.truststore.type=PEM\n"
        f"ssl.truststore.location={pki.ca.cert}\n")
    bin_dir = SOURCE_DIR / "bin"

    def script(name, *args, stdin=None):
        return subprocess.run([str(bin_dir / f"{name}.sh"), "--bootstrap-server", sasl_ssl.ssl_bootstrap,
                               *args], input=stdin, capture_output=True, text=True, timeout=120)

    p = script("kafka-topics", "--command-config", str(props), "--create", "--topic", "scripted")
    assert p.returncode == 0, p.stdout + p.stderr
    p = script("kafka-console-producer", "--producer.config", str(props), "--topic", "scripted",
               stdin="one\ntwo\n")
    assert p.returncode == 0, p.stdout + p.stderr
    p = script("kafka-console-consumer", "--consumer.config", str(props), "--topic", "scripted",
               "--from-beginning", "--max-messages", "2", "--timeout-ms", "30000")
    assert p.stdout.split() == ["one", "two"], p.stdout + p.stderr
    wrong = tmp_path / "wrong.properties"
    wrong.write_text(props.read_text().replace("alice-scram", "nope"))
    p = script("kafka-topics", "--command-config", str(wrong), "--list")
    assert p.returncode != 0 and "uthentication" in p.stdout + p.stderr, p.stdout + p.stderr


def script(name, bootstrap, *args, env=None):
    return subprocess.run([str(SOURCE_DIR / "bin" / f"{name}.sh"), "--bootstrap-server", bootstrap, *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env} if env else None)


def assert_versions_listed(p, port):
    """kafka-broker-api-versions' line for the broker on `port`, reached over the raw-protocol
    connection the script opens beside its librdkafka handle."""
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert f"127.0.0.1:{port} (id: 1 rack: null) -> (" in p.stdout, out
    assert "Produce(0):" in p.stdout and "ERROR" not in out, out


def test_raw_protocol_scripts_over_sasl_ssl(sasl_ssl, pki, tmp_path):
    """The scripts whose requests librdkafka cannot send (ApiVersions listings, topic ids, SCRAM
    credentials, ListOffsets for the max timestamp, DescribeLogDirs, ACLs) go over a connection
    of their own: --command-config secures it with the same TLS and SASL as the script's
    librdkafka handle."""
    props = tmp_path / "alice.properties"
    props.write_text(
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism=SCRAM-SHA-256\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="alice" password="alice-scram";\n'
        "ssl.truststore.type=PEM\n"
        f"ssl.truststore.location={pki.ca.cert}\n")
    boot, config = sasl_ssl.ssl_bootstrap, ["--command-config", str(props)]
    assert_versions_listed(script("kafka-broker-api-versions", boot, *config), sasl_ssl.ssl_port)

    p = script("kafka-topics", boot, *config, "--create", "--topic", "raw-secured")
    assert p.returncode == 0, p.stdout + p.stderr
    p = script("kafka-topics", boot, *config, "--describe", "--topic", "raw-secured")
    assert p.returncode == 0 and "TopicId: " in p.stdout, p.stdout + p.stderr

    p = script("kafka-configs", boot, *config, "--describe", "--entity-type", "users",
               "--entity-name", "alice")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "SCRAM-SHA-256=iterations=4096" in p.stdout, p.stdout

    p = subprocess.run([str(SOURCE_DIR / "bin" / "kafka-console-producer.sh"), "--bootstrap-server", boot,
                        "--producer.config", str(props), "--topic", "raw-secured"],
                       input="one\n", capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    p = script("kafka-get-offsets", boot, *config, "--topic", "raw-secured", "--time", "-3")
    assert p.returncode == 0 and p.stdout.strip() == "raw-secured:0:0", p.stdout + p.stderr

    p = script("kafka-log-dirs", boot, *config, "--describe", "--topic-list", "raw-secured")
    assert p.returncode == 0 and '"partition":"raw-secured-0"' in p.stdout, p.stdout + p.stderr

    # kafka-acls talks only over its own connection: a wrong password is refused there.
    wrong = tmp_path / "wrong.properties"
    wrong.write_text(props.read_text().replace("alice-scram", "nope"))
    p = script("kafka-acls", boot, "--command-config", str(wrong), "--list")
    assert p.returncode != 0 and "uthentication" in p.stdout + p.stderr, p.stdout + p.stderr


@pytest.mark.parametrize("keystore", ["pem", "pkcs12", "librdkafka"])
def test_raw_protocol_scripts_over_mutual_tls(mtls, pki, tmp_path, keystore):
    """The same over mutual TLS, with the client's key store as Java (PEM or PKCS12) or
    librdkafka (two PEM files) settings name it."""
    lines = ["security.protocol=SSL"]
    if keystore == "pem":
        lines += ["ssl.truststore.type=PEM", f"ssl.truststore.location={pki.ca.cert}",
                  "ssl.keystore.type=PEM", f"ssl.keystore.location={pki.client.bundle}"]
    elif keystore == "pkcs12":
        lines += ["ssl.truststore.type=PEM", f"ssl.truststore.location={pki.ca.cert}",
                  "ssl.keystore.type=PKCS12", "ssl.keystore.password=secret",
                  f"ssl.keystore.location={pki.pkcs12(pki.client, 'secret')}"]
    else:
        lines += [f"ssl.ca.location={pki.ca.cert}", f"ssl.certificate.location={pki.client.cert}",
                  f"ssl.key.location={pki.client.key}"]
    props = tmp_path / "client.properties"
    props.write_text("\n".join(lines) + "\n")
    # Debian's librdkafka 2.0.2 leaks ~1 KiB of OpenSSL objects once when rd_kafka_new loads a
    # PKCS#12 key store; under the CI's AddressSanitizer that fails the exit code. The leak is
    # librdkafka's (no Sluice frame allocates it) and its frames are stripped, so no LSan
    # suppression can name it: leak checking is off for this one run of the tool.
    env = {"ASAN_OPTIONS": "detect_leaks=0"} if keystore == "pkcs12" else None
    p = script("kafka-broker-api-versions", mtls.ssl_bootstrap, "--command-config", str(props), env=env)
    assert_versions_listed(p, mtls.ssl_port)


def kafkajs_round_trip(bootstrap, topic, count, security):
    """kafkajs (js/producer_consumer.js) produces `count` messages and its group consumer reads
    them back, on a listener secured as `security` says (KAFKAJS_SECURITY there)."""
    env = {"KAFKAJS_SECURITY": json.dumps(security)}
    produced = json.loads(node("producer_consumer.js", "produce", bootstrap, topic, "0", str(count), "1",
                               "none", "-1", str(int(time.time() * 1000)), env=env))
    assert len(produced["offsets"]) == count, produced
    consumed = json.loads(node("producer_consumer.js", "consume", bootstrap, topic, f"{topic}-group",
                               str(count), env=env))
    offsets = sorted(m[1] for m in consumed["messages"])
    assert offsets == list(range(count)), f"kafkajs read {len(offsets)} of {count}"


def test_kafkajs_over_mutual_tls(mtls, pki):
    kafkajs_round_trip(mtls.ssl_bootstrap, "kafkajs-tls", 500,
                       {"ca": str(pki.ca.cert), "cert": str(pki.client.cert), "key": str(pki.client.key)})


@pytest.mark.parametrize("mechanism", ["scram-sha-512", "plain"])
def test_kafkajs_over_sasl_ssl(sasl_ssl, pki, mechanism):
    password = "alice-plain" if mechanism == "plain" else "alice-scram"
    kafkajs_round_trip(sasl_ssl.ssl_bootstrap, f"kafkajs-{mechanism}", 500,
                       {"ca": str(pki.ca.cert),
                        "sasl": {"mechanism": mechanism, "username": "alice", "password": password}})


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "PLAIN"])
def test_confluent_kafka_newest_over_sasl_ssl(sasl_ssl, pki, mechanism):
    password = "alice-plain" if mechanism == "PLAIN" else "alice-scram"
    settings = ["security.protocol=SASL_SSL", f"ssl.ca.location={pki.ca.cert}",
                f"sasl.mechanism={mechanism}", "sasl.username=alice", f"sasl.password={password}"]
    topic = f"ck-sasl-{mechanism.lower()}"
    produced = confluent_latest("confluent_latest.py", "produce", f"--bootstrap={sasl_ssl.ssl_bootstrap}",
                                f"--topic={topic}", "--count=1000", *settings)
    assert_all_acked(produced, 1000, f"confluent-kafka {mechanism}")
    consumed = confluent_latest("confluent_latest.py", "consume", f"--bootstrap={sasl_ssl.ssl_bootstrap}",
                                f"--topic={topic}", "--count=1000", f"group.id={topic}", *settings)
    assert_exactly_once(consumed, 1000, f"confluent-kafka {mechanism}")


def oauth_token(scope):
    now = int(time.time())
    return unsecured_jwt({"sub": "alice", "scope": scope, "iat": now, "exp": now + 3600})


def test_franz_go_over_oauthbearer(oauth_broker):  # noqa: F811 (the fixture)
    flags = [f"--bootstrap={sasl_bootstrap(oauth_broker)}", "--sasl-mechanism=OAUTHBEARER"]
    good = f"--sasl-password={oauth_token(['kafka'])}"
    produced = franz("produce", *flags, good, "--topic=franz-oauth", "--count=500")
    assert_all_acked(produced, 500, "franz-go OAUTHBEARER")
    consumed = franz("consume", *flags, good, "--topic=franz-oauth", "--count=500", "--group=franz-oauth")
    assert_exactly_once(consumed, 500, "franz-go OAUTHBEARER")
    # A token without the scope the broker requires is refused.
    refused = franz("produce", *flags, f"--sasl-password={oauth_token(['other'])}", "--topic=franz-oauth",
                    "--count=1", "--timeout-ms=5000", check=False)
    assert refused["acked"] == 0, refused


def test_platformatic_kafka_over_oauthbearer(oauth_broker):  # noqa: F811 (the fixture)
    flags = [f"--bootstrap={sasl_bootstrap(oauth_broker)}", "--sasl-mechanism=OAUTHBEARER",
             f"--sasl-password={oauth_token(['kafka'])}"]
    produced = platformatic("produce", *flags, "--topic=platformatic-oauth", "--count=500", "--acks=leader")
    assert_all_acked(produced, 500, "@platformatic/kafka OAUTHBEARER")
    consumed = platformatic("consume", *flags, "--topic=platformatic-oauth", "--count=500",
                            "--group=platformatic-oauth")
    assert_exactly_once(consumed, 500, "@platformatic/kafka OAUTHBEARER")


def test_confluent_kafka_newest_over_oauthbearer(oauth_broker):  # noqa: F811 (the fixture)
    settings = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=OAUTHBEARER",
                "enable.sasl.oauthbearer.unsecure.jwt=true",
                "sasl.oauthbearer.config=principal=alice scope=kafka"]
    bootstrap = f"--bootstrap={sasl_bootstrap(oauth_broker)}"
    produced = confluent_latest("confluent_latest.py", "produce", bootstrap, "--topic=ck-oauth",
                                "--count=1000", *settings)
    assert_all_acked(produced, 1000, "confluent-kafka OAUTHBEARER")
    consumed = confluent_latest("confluent_latest.py", "consume", bootstrap, "--topic=ck-oauth",
                                "--count=1000", "group.id=ck-oauth", *settings)
    assert_exactly_once(consumed, 1000, "confluent-kafka OAUTHBEARER")


def test_java_clients_over_sasl_ssl_scram(sasl_ssl, pki):
    from clients import java
    props = ["security.protocol=SASL_SSL", "ssl.truststore.type=PEM",
             f"ssl.truststore.location={pki.ca.cert}", "sasl.mechanism=SCRAM-SHA-512",
             "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
             'username="alice" password="alice-scram";']
    boot = f"--bootstrap={sasl_ssl.ssl_bootstrap}"
    admin = java("AdminOps", boot, "--create-topic=java-sasl-ssl", "--partitions=2", "--describe-cluster", *props)
    assert admin["created"] == "java-sasl-ssl", admin
    produced = java("Produce", boot, "--topic=java-sasl-ssl", "--count=1000", *props)
    assert produced["acked"] == 1000, produced
    consumed = java("Consume", boot, "--topic=java-sasl-ssl", "--count=1000", "group.id=java-sasl-ssl", *props)
    assert consumed["unique"] == 1000 and consumed["missing_count"] == 0, consumed


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # kafka-python's own ssl.PROTOCOL_TLS
def test_kafka_python_over_sasl_ssl_scram(sasl_ssl, pki):
    from kafka import KafkaConsumer, KafkaProducer
    args = dict(bootstrap_servers=sasl_ssl.ssl_bootstrap, security_protocol="SASL_SSL",
                ssl_cafile=str(pki.ca.cert), sasl_mechanism="SCRAM-SHA-256",
                sasl_plain_username="alice", sasl_plain_password="alice-scram")
    producer = KafkaProducer(**args)
    for i in range(200):
        producer.send("py-sasl-ssl", value=f"v-{i}".encode())
    producer.flush(30)
    producer.close()
    consumer = KafkaConsumer("py-sasl-ssl", group_id="py-sasl-ssl", auto_offset_reset="earliest",
                             consumer_timeout_ms=20000, **args)
    seen = set()
    for m in consumer:
        seen.add(m.value.decode())
        if len(seen) == 200:
            break
    consumer.close()
    assert seen == {f"v-{i}" for i in range(200)}
