"""SSL listeners (issue #13) against the real sluiced with real clients, certificates made by the
test with the `openssl` command line (tls_certs.py):

- a broker with an SSL listener beside its PLAINTEXT one: kcat produces and consumes over TLS
  (enough data that Fetch responses outgrow the copying path's staging buffer), and what it wrote
  reads the same over PLAINTEXT;
- a broker requiring client certificates (ssl.client.auth=required, principal mapping rules):
  librdkafka (confluent-kafka), kafka-python and Kafka's Java clients produce, consume in a group
  and create topics; a client without a certificate, with one from another CA, or with an expired
  one is refused (the Java client with Kafka's SslAuthenticationException); the principal each
  connection gets is the one the rules make (the broker's debug log line for the connection);
- random bytes and a plaintext Kafka request sent to the TLS listener, and a TLS ClientHello sent
  to the PLAINTEXT listener, close only their own connection while a TLS client keeps working;
- key stores as PKCS12 and inline PEM work; bad files, wrong passwords and missing keys stop
  start-up with a message naming the key;
- a renewed certificate set with kafka-configs.sh (listener.name.ssl.ssl.keystore.location) is
  served to new connections without a restart; one that does not load is refused, naming the key.

Run alone: cd tests/integration && SLUICE_BUILD_DIR=... /usr/bin/python3 -m pytest -q
-p no:cacheprovider test_tls.py"""
import contextlib
import os
import re
import socket
import ssl
import struct
import subprocess
import time
import urllib.request

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from clients import java
from conftest import SOURCE_DIR, Broker, free_port, kcat, wait_for, wait_for_port
from tls_certs import Pki

MAPPING_RULES = "RULE:^CN=([a-z]+),OU=eng,.*$/$1/U,DEFAULT"


@contextlib.contextmanager
def environment(**values):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def ssl_broker(workdir, pki, configs=None, debug=False, wait=True):
    """A broker with PLAINTEXT (b.port) and SSL (b.ssl_port) listeners on 127.0.0.1."""
    b = Broker(workdir)
    b.ssl_port = free_port()
    listeners = f"PLAINTEXT://127.0.0.1:{b.port},SSL://127.0.0.1:{b.ssl_port}"
    props = {"listeners": listeners, "advertised.listeners": listeners,
             **pki.broker_ssl_configs(), **(configs or {})}
    with open(b.config_path, "a") as f:  # None removes a key
        f.write("".join(f"{k}={v}\n" for k, v in props.items() if v is not None))
    with environment(SPDLOG_LEVEL="debug" if debug else os.environ.get("SPDLOG_LEVEL", "info")):
        b.start()
    if wait:
        wait_for_port(b.ssl_port, 30, b.proc, b.log_path)
    b.ssl_bootstrap = f"127.0.0.1:{b.ssl_port}"
    return b


def stop(b):
    code = b.stop()
    assert code == 0, f"sluiced did not shut down cleanly (exit {code}):\n{b.log_text()[-3000:]}"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(tmp_path_factory.mktemp("pki"))
    p.bob = p.identity("bob", "/O=Sluice/OU=eng/CN=bob")
    return p


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory, pki):
    """TLS without client certificates (ssl.client.auth=none)."""
    b = ssl_broker(tmp_path_factory.mktemp("tls-broker"), pki)
    yield b
    stop(b)


@pytest.fixture(scope="module")
def mtls_broker(tmp_path_factory, pki):
    """Client certificates required, principal mapping rules set; logs each TLS connection."""
    b = ssl_broker(tmp_path_factory.mktemp("mtls-broker"), pki,
                   {"ssl.client.auth": "required", "ssl.principal.mapping.rules": MAPPING_RULES},
                   debug=True)
    yield b
    stop(b)


def librdkafka(pki, identity=None):
    c = {"security.protocol": "SSL", "ssl.ca.location": str(pki.ca.cert)}
    if identity is not None:
        c["ssl.certificate.location"] = str(identity.cert)
        c["ssl.key.location"] = str(identity.key)
    return c


def kcat_ssl(pki, identity=None):
    return [a for k, v in librdkafka(pki, identity).items() for a in ("-X", f"{k}={v}")]


def java_ssl(pki, identity=None):
    props = ["security.protocol=SSL", "ssl.truststore.type=PEM",
             f"ssl.truststore.location={pki.ca.cert}"]
    if identity is not None:
        props += ["ssl.keystore.type=PEM", f"ssl.keystore.location={identity.bundle}"]
    return props


def metric(b, series):
    text = urllib.request.urlopen(f"http://127.0.0.1:{b.metrics_port}/metrics", timeout=5).read()
    for line in text.decode().splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


def closed_reason(reason):
    return f'sluice_network_connections_closed_total{{reason="{reason}"}}'


# ---- one-way TLS, PLAINTEXT beside it --------------------------------------------------------


def test_kcat_over_ssl_reads_what_plaintext_reads(tls_broker, pki):
    lines = [f"{i:06d}-" + "x" * 1000 for i in range(3000)]  # ~3 MB: many staging rounds
    kcat("-b", tls_broker.ssl_bootstrap, *kcat_ssl(pki), "-P", "-t", "tls-kcat",
         input=("\n".join(lines) + "\n").encode())
    over_tls = kcat("-b", tls_broker.ssl_bootstrap, *kcat_ssl(pki), "-C", "-t", "tls-kcat",
                    "-e", "-q").stdout.decode().splitlines()
    plain = kcat("-b", tls_broker.bootstrap, "-C", "-t", "tls-kcat", "-e", "-q").stdout.decode()
    assert over_tls == lines
    assert plain.splitlines() == lines
    # The TLS reads were copied through TLS, never sent with sendfile (the PLAINTEXT read was).
    assert metric(tls_broker, "sluice_network_sendfile_bytes_total") < 2 * 3000 * 1008


def test_a_client_that_does_not_trust_the_broker_gives_up(tls_broker, pki):
    p = kcat("-b", tls_broker.ssl_bootstrap, "-X", "security.protocol=SSL",
             "-X", f"ssl.ca.location={pki.other_ca.cert}", "-L", "-m", "5", check=False)
    assert p.returncode != 0
    assert b"certificate verify failed" in p.stderr


# ---- mutual TLS ------------------------------------------------------------------------------


def test_confluent_kafka_produces_consumes_in_a_group_and_creates_topics(mtls_broker, pki):
    config = {"bootstrap.servers": mtls_broker.ssl_bootstrap, **librdkafka(pki, pki.client)}
    admin = AdminClient(config)
    admin.create_topics([NewTopic("mtls-ck", 3, 1)])["mtls-ck"].result(30)
    producer = Producer(config)
    for i in range(1000):
        producer.produce("mtls-ck", key=f"k-{i}".encode(), value=f"v-{i}".encode())
    assert producer.flush(30) == 0
    consumer = Consumer({**config, "group.id": "mtls-group", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe(["mtls-ck"])
    seen = set()
    deadline = time.monotonic() + 60
    while len(seen) < 1000 and time.monotonic() < deadline:
        m = consumer.poll(1.0)
        if m is not None and m.error() is None:
            seen.add(m.value().decode())
    consumer.commit(asynchronous=False)
    committed = consumer.committed([TopicPartition("mtls-ck", p) for p in range(3)], timeout=30)
    consumer.close()
    assert seen == {f"v-{i}" for i in range(1000)}
    assert sum(tp.offset for tp in committed) == 1000


def test_kafka_python_produces_and_consumes_in_a_group(mtls_broker, pki):
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic as PyNewTopic
    ssl_args = dict(bootstrap_servers=mtls_broker.ssl_bootstrap, security_protocol="SSL",
                    ssl_cafile=str(pki.ca.cert), ssl_certfile=str(pki.client.cert),
                    ssl_keyfile=str(pki.client.key))
    admin = KafkaAdminClient(**ssl_args)
    admin.create_topics([PyNewTopic("mtls-py", 2, 1)])
    admin.close()
    producer = KafkaProducer(**ssl_args)
    for i in range(200):
        producer.send("mtls-py", key=f"k-{i}".encode(), value=f"v-{i}".encode())
    producer.flush(30)
    producer.close()
    consumer = KafkaConsumer("mtls-py", group_id="mtls-py-group", auto_offset_reset="earliest",
                             consumer_timeout_ms=20000, **ssl_args)
    seen = set()
    for m in consumer:
        seen.add(m.value.decode())
        if len(seen) == 200:
            break
    consumer.commit()
    consumer.close()
    assert seen == {f"v-{i}" for i in range(200)}


def test_java_clients_produce_consume_in_a_group_and_administer(mtls_broker, pki):
    props = java_ssl(pki, pki.client)
    admin = java("AdminOps", f"--bootstrap={mtls_broker.ssl_bootstrap}",
                 "--create-topic=mtls-java", "--partitions=2", "--describe-cluster", *props)
    assert admin["created"] == "mtls-java"
    assert admin["cluster"]["nodes"][0]["port"] == mtls_broker.ssl_port
    produced = java("Produce", f"--bootstrap={mtls_broker.ssl_bootstrap}", "--topic=mtls-java",
                    "--count=2000", *props)
    assert produced["acked"] == 2000, produced
    consumed = java("Consume", f"--bootstrap={mtls_broker.ssl_bootstrap}", "--topic=mtls-java",
                    "--count=2000", "group.id=mtls-java-group", *props)
    assert consumed["unique"] == 2000 and consumed["missing_count"] == 0, consumed


def test_clients_without_a_valid_certificate_are_refused(mtls_broker, pki):
    before = metric(mtls_broker, closed_reason("tls_handshake_failed"))
    for identity in (None, pki.stranger, pki.expired):
        p = kcat("-b", mtls_broker.ssl_bootstrap, *kcat_ssl(pki, identity), "-L", "-m", "5",
                 check=False)
        assert p.returncode != 0, identity
    log = wait_for(lambda: (t := mtls_broker.log_text()).count("TLS handshake failed") >= 3 and t,
                   what="three refused handshakes logged")
    assert "peer did not return a certificate" in log
    assert "certificate has expired" in log
    assert "unable to get local issuer certificate" in log
    java_client = java("AdminOps", f"--bootstrap={mtls_broker.ssl_bootstrap}", "--list-topics",
                       "--timeout-ms=30000", *java_ssl(pki), check=False)
    assert java_client["exit_code"] != 0
    assert "SslAuthenticationException" in java_client["error"], java_client
    assert wait_for(lambda: metric(mtls_broker, closed_reason("tls_handshake_failed")) >= before + 4,
                    what="refusals counted")
    # A client with a good certificate is still served.
    assert kcat("-b", mtls_broker.ssl_bootstrap, *kcat_ssl(pki, pki.client), "-L").returncode == 0


def test_the_principal_is_what_the_mapping_rules_make(mtls_broker, pki):
    for identity in (pki.client, pki.bob, pki.broker):
        kcat("-b", mtls_broker.ssl_bootstrap, *kcat_ssl(pki, identity), "-L")
    principals = lambda: set(re.findall(r"on listener SSL: TLSv1\.[23] \S+, principal (.*)$",
                                        mtls_broker.log_text(), re.M))
    expected = {"User:ALICE", "User:BOB", "User:O=Sluice,CN=localhost"}
    assert expected <= wait_for(lambda: (p := principals()) >= expected and p,
                                what="principals logged")


# ---- bad input -------------------------------------------------------------------------------


def api_versions_request(correlation):
    body = struct.pack(">hhih", 18, 0, correlation, 3) + b"raw"
    return struct.pack(">i", len(body)) + body


def read_frame(sock):
    def exact(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data
    return exact(struct.unpack(">i", exact(4))[0])


def closed_by_peer(sock, timeout=10):
    """The peer closes the connection within `timeout`. What it sends first (OpenSSL answers
    some random bytes with an alert record before it closes) is read and ignored."""
    sock.settimeout(timeout)
    try:
        for _ in range(64):
            if sock.recv(4096) == b"":
                return True
        return False
    except (ConnectionResetError, ssl.SSLError):
        return True
    except socket.timeout:
        return False


def test_bad_bytes_close_only_their_connection(tls_broker, pki):
    context = ssl.create_default_context(cafile=str(pki.ca.cert))
    good = context.wrap_socket(socket.create_connection(("127.0.0.1", tls_broker.ssl_port), 10),
                               server_hostname="localhost")
    good.sendall(api_versions_request(1))
    assert struct.unpack(">i", read_frame(good)[:4])[0] == 1
    failed = metric(tls_broker, closed_reason("tls_handshake_failed"))
    oversize = metric(tls_broker, closed_reason("oversize_request"))

    noise = socket.create_connection(("127.0.0.1", tls_broker.ssl_port), 10)
    noise.sendall(os.urandom(4096))
    assert closed_by_peer(noise)
    plaintext = socket.create_connection(("127.0.0.1", tls_broker.ssl_port), 10)
    plaintext.sendall(api_versions_request(2))
    assert closed_by_peer(plaintext)
    hello = socket.create_connection(("127.0.0.1", tls_broker.port), 10)
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        context.wrap_socket(hello, server_hostname="localhost")  # a ClientHello to PLAINTEXT
    assert wait_for(lambda: metric(tls_broker, closed_reason("tls_handshake_failed")) >= failed + 2,
                    what="TLS listener closed both")
    assert wait_for(lambda: metric(tls_broker, closed_reason("oversize_request")) >= oversize + 1,
                    what="PLAINTEXT listener refused the ClientHello")

    good.sendall(api_versions_request(3))
    assert struct.unpack(">i", read_frame(good)[:4])[0] == 3
    good.close()
    assert kcat("-b", tls_broker.bootstrap, "-L").returncode == 0


# ---- key store formats and start-up errors ----------------------------------------------------


def pem_escaped(path):
    """A PEM file as one server.properties value (newlines as \\n escapes)."""
    return path.read_text().strip().replace("\n", "\\n")


def test_pkcs12_and_inline_pem_key_stores(tmp_path, pki):
    p12 = pki.pkcs12(pki.broker, "s3cret")
    pkcs12 = ssl_broker(tmp_path / "pkcs12", pki, {
        "ssl.keystore.type": "PKCS12", "ssl.keystore.location": str(p12),
        "ssl.keystore.password": "s3cret"})
    inline = ssl_broker(tmp_path / "inline", pki, {
        "ssl.keystore.location": None, "ssl.keystore.type": "PEM",
        "ssl.keystore.key": pem_escaped(pki.broker.key),
        "ssl.keystore.certificate.chain": pem_escaped(pki.broker.cert),
        "ssl.truststore.location": None,
        "ssl.truststore.certificates": pem_escaped(pki.ca.cert)})
    try:
        for b in (pkcs12, inline):
            assert kcat("-b", b.ssl_bootstrap, *kcat_ssl(pki), "-L").returncode == 0
    finally:
        stop(pkcs12)
        stop(inline)


def test_bad_stores_stop_start_up_naming_the_key(tmp_path, pki):
    p12 = pki.pkcs12(pki.broker, "right", name="wrong-password")
    encrypted = tmp_path / "encrypted.pem"
    from tls_certs import openssl
    openssl("pkcs8", "-topk8", "-in", str(pki.broker.key), "-out", str(encrypted), "-passout",
            "pass:k3y", "-v2", "aes-256-cbc")
    encrypted.write_text(encrypted.read_text() + pki.broker.cert.read_text())
    cases = [
        ({"ssl.keystore.location": "/nonexistent/broker.pem"},
         "ssl.keystore.location=/nonexistent/broker.pem: cannot read the file"),
        ({"ssl.keystore.type": "PKCS12", "ssl.keystore.location": str(p12),
          "ssl.keystore.password": "wrong"},
         f"ssl.keystore.location={p12}: ssl.keystore.password is wrong"),
        ({"ssl.keystore.location": None},
         "ssl.keystore.location: a TLS listener needs a key and certificate"),
        ({"ssl.keystore.location": str(encrypted)}, "the private key is encrypted; set ssl.key.password"),
        ({"ssl.keystore.location": str(encrypted), "ssl.key.password": "nope"},
         "cannot decrypt the private key with ssl.key.password"),
        ({"listener.name.ssl.ssl.truststore.location": str(pki.ca.key)},
         f"listener.name.ssl.ssl.truststore.location={pki.ca.key}: no certificate"),
        ({"ssl.client.auth": "sometimes"}, "invalid value 'sometimes' for ssl.client.auth"),
    ]
    for i, (configs, message) in enumerate(cases):
        with pytest.raises(RuntimeError) as failed:
            ssl_broker(tmp_path / f"bad{i}", pki, configs, wait=False)
        assert message in str(failed.value), (configs, str(failed.value)[-2000:])


# ---- certificate renewal without a restart ---------------------------------------------------


def served_subject(port):
    """The subject of the certificate the listener on `port` presents now (a new connection)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            der = tls.getpeercert(binary_form=True)
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"],
                          input=der, capture_output=True, check=True).stdout.decode()
    return text.strip()


def test_a_renewed_certificate_is_served_after_alter_configs(tmp_path, pki):
    renewed = pki.identity("broker-renewed", "/CN=localhost/O=Sluice Renewed",
                           san="IP:127.0.0.1,DNS:localhost")
    b = ssl_broker(tmp_path / "broker", pki)
    try:
        assert "Renewed" not in served_subject(b.ssl_port)
        kcat("-b", b.ssl_bootstrap, *kcat_ssl(pki), "-P", "-t", "renewal", input=b"before\n")

        def alter(value):
            return subprocess.run(
                [str(SOURCE_DIR / "bin" / "kafka-configs.sh"), "--bootstrap-server", b.bootstrap,
                 "--entity-type", "brokers", "--entity-name", "1", "--alter", "--add-config",
                 f"listener.name.ssl.ssl.keystore.location={value}"],
                capture_output=True, text=True, timeout=60)

        # A store that does not load is refused, naming the key; the old certificate stays.
        missing = alter(tmp_path / "no-such-keystore.pem")
        assert missing.returncode != 0
        assert "listener.name.ssl.ssl.keystore.location" in missing.stdout + missing.stderr
        assert "Renewed" not in served_subject(b.ssl_port)

        done = alter(renewed.bundle)
        assert done.returncode == 0, done.stdout + done.stderr
        wait_for(lambda: "Renewed" in served_subject(b.ssl_port), what="the renewed certificate")
        # Clients that trust the CA go on working, over a connection with the new certificate.
        kcat("-b", b.ssl_bootstrap, *kcat_ssl(pki), "-P", "-t", "renewal", input=b"after\n")
        got = kcat("-b", b.ssl_bootstrap, *kcat_ssl(pki), "-C", "-t", "renewal", "-e", "-q")
        assert got.stdout.decode().split() == ["before", "after"]
    finally:
        stop(b)


def test_a_key_store_with_a_new_password_is_served_after_alter_configs(tmp_path, pki):
    """A renewed PKCS12 key store with a password of its own, given with kafka-configs.sh: the
    password is stored encrypted under password.encoder.secret in Kafka's form (never in the
    clear), the new certificate is served at once and again after a restart. Without the secret,
    or at the cluster-default level, such a change is refused with Kafka's message."""
    renewed = pki.identity("broker-rekeyed", "/CN=localhost/O=Sluice Rekeyed",
                           san="IP:127.0.0.1,DNS:localhost")
    old_store = pki.pkcs12(pki.broker, "Zq7-old", name="broker-old-store")
    new_store = pki.pkcs12(renewed, "Zq7-new", name="broker-new-store")
    pkcs12 = {"ssl.keystore.type": "PKCS12", "ssl.keystore.location": str(old_store),
              "ssl.keystore.password": "Zq7-old"}

    def alter(b, *entity, configs):
        return subprocess.run(
            [str(SOURCE_DIR / "bin" / "kafka-configs.sh"), "--bootstrap-server", b.bootstrap,
             "--entity-type", "brokers", *entity, "--alter", "--add-config", configs],
            capture_output=True, text=True, timeout=60)

    b = ssl_broker(tmp_path / "broker", pki, {**pkcs12, "password.encoder.secret": "encoder-secret"})
    try:
        assert "Rekeyed" not in served_subject(b.ssl_port)
        wrong = alter(b, "--entity-name", "1", configs=f"listener.name.ssl.ssl.keystore.location={new_store},"
                      "listener.name.ssl.ssl.keystore.password=not-it")
        assert wrong.returncode != 0, wrong.stdout
        assert "Rekeyed" not in served_subject(b.ssl_port)
        default = alter(b, "--entity-default", configs="listener.name.ssl.ssl.keystore.password=Zq7-new")
        assert default.returncode != 0
        assert "Password config can be defined only at broker level" in default.stdout + default.stderr

        done = alter(b, "--entity-name", "1", configs=f"listener.name.ssl.ssl.keystore.location={new_store},"
                     "listener.name.ssl.ssl.keystore.password=Zq7-new")
        assert done.returncode == 0, done.stdout + done.stderr
        wait_for(lambda: "Rekeyed" in served_subject(b.ssl_port), what="the re-keyed certificate")
        stored = b"".join(p.read_bytes() for p in b.data_dir.rglob("*") if p.is_file())
        assert b"Zq7-new" not in stored and b"not-it" not in stored
        assert b"encryptedPassword:" in stored and b"cipherAlgorithm:AES/CBC/PKCS5Padding" in stored
        assert "Zq7-new" not in b.log_text()

        b.stop()
        b.start()
        wait_for_port(b.ssl_port, 30, b.proc, b.log_path)
        assert "Rekeyed" in served_subject(b.ssl_port)
    finally:
        stop(b)

    plain = ssl_broker(tmp_path / "no-secret", pki, pkcs12)
    try:
        refused = alter(plain, "--entity-name", "1", configs="listener.name.ssl.ssl.keystore.password=Zq7-new")
        assert refused.returncode != 0
        assert "Password encoder secret not configured" in refused.stdout + refused.stderr
    finally:
        stop(plain)


def handshake_with(port, pki, min_version=None, max_version=None, ciphers=None):
    """A TLS handshake as a Python client trusting the test CA: (protocol, cipher) or None."""
    context = ssl.create_default_context(cafile=str(pki.ca.cert))
    if min_version:
        context.minimum_version = min_version
    if max_version:
        context.maximum_version = max_version
    if ciphers:
        context.set_ciphers(ciphers)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                return tls.version(), tls.cipher()[0]
    except (ssl.SSLError, ConnectionResetError):
        return None


def test_enabled_protocols_and_cipher_suites_bound_what_clients_negotiate(tmp_path, pki):
    """ssl.enabled.protocols and ssl.cipher.suites (IANA names, as Kafka takes them) on the
    listener: a client limited to what they leave out cannot connect, one within them gets
    exactly that, and librdkafka works within them."""
    tls13 = ssl_broker(tmp_path / "tls13", pki, {"ssl.enabled.protocols": "TLSv1.3"})
    try:
        assert handshake_with(tls13.ssl_port, pki, max_version=ssl.TLSVersion.TLSv1_2) is None
        assert handshake_with(tls13.ssl_port, pki)[0] == "TLSv1.3"
    finally:
        stop(tls13)
    one_suite = ssl_broker(tmp_path / "one-suite", pki, {
        "ssl.enabled.protocols": "TLSv1.2",
        "ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"})
    try:
        assert handshake_with(one_suite.ssl_port, pki, max_version=ssl.TLSVersion.TLSv1_2,
                              ciphers="ECDHE-ECDSA-AES128-GCM-SHA256") is None
        assert handshake_with(one_suite.ssl_port, pki) == ("TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384")
        kcat("-b", one_suite.ssl_bootstrap, *kcat_ssl(pki), "-P", "-t", "suites", input=b"x\n")
        got = kcat("-b", one_suite.ssl_bootstrap, *kcat_ssl(pki), "-C", "-t", "suites", "-e", "-q")
        assert got.stdout.decode().split() == ["x"]
    finally:
        stop(one_suite)
