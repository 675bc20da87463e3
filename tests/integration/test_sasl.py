"""SASL on a SASL_PLAINTEXT listener beside a PLAINTEXT one (issue #13): PLAIN users from the
listener's JAAS config, SCRAM-SHA-256/512 users created with kafka-configs.sh, real clients
(librdkafka through kcat and confluent-kafka, kafka-python, the Java clients, kafkajs), Kafka's
errors for a wrong password and an unknown user, and hostile or out-of-order input on a raw socket:
requests before authentication, an oversized token, malformed SCRAM messages, a wrong nonce —
each closes its own connection and nothing else. Re-authentication (KIP-368) with a short
connections.max.reauth.ms. OAUTHBEARER with Kafka's default unsecured-JWS validator (a required
scope; librdkafka, kafka-python, the Java clients and kafkajs making their own unsecured tokens) and
Kafka's error JSON on the wire."""
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import subprocess
import time

import pytest

from conftest import SOURCE_DIR, Broker, free_port, kcat
from kafka_wire import R, W
from zk_cluster import wait_until

BIN = SOURCE_DIR / "bin"
PLAIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" '
              'password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";')
BAD_PLAIN = "Authentication failed: Invalid username or password"


def bad_scram(mechanism):
    return ("Authentication failed during authentication due to invalid credentials with SASL "
            f"mechanism {mechanism}")


def tool(name, *args, timeout=120):
    p = subprocess.run([str(BIN / f"{name}.sh"), *args], capture_output=True, text=True,
                       timeout=timeout)
    return p


def sasl_broker(workdir, **extra):
    """A broker with PLAINTEXT on b.port and SASL_PLAINTEXT (PLAIN and SCRAM) on b.sasl_port."""
    b = Broker(workdir)
    b.sasl_port = free_port()
    overrides = {
        "listeners": f"PLAINTEXT://127.0.0.1:{b.port},SASL_PLAINTEXT://127.0.0.1:{b.sasl_port}",
        "advertised.listeners":
            f"PLAINTEXT://127.0.0.1:{b.port},SASL_PLAINTEXT://127.0.0.1:{b.sasl_port}",
        "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
        **extra,
    }
    # Later lines win in a properties file.
    with open(b.config_path, "a") as f:
        f.write("".join(f"{k}={v}\n" for k, v in overrides.items()))
    return b


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = sasl_broker(tmp_path_factory.mktemp("sasl") / "broker").start()
    p = tool("kafka-configs", "--bootstrap-server", b.bootstrap, "--entity-type", "users",
             "--entity-name", "alice", "--alter", "--add-config",
             "SCRAM-SHA-256=[iterations=8192,password=alice-scram],SCRAM-SHA-512=[password=alice-scram]")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "Completed updating config for user alice."
    yield b
    code = b.stop()
    if code != 0:
        print(b.log_text())
    assert code == 0


def sasl_bootstrap(b):
    return f"127.0.0.1:{b.sasl_port}"


def kcat_sasl(b, mechanism, user, password, *args, **kw):
    return kcat("-b", sasl_bootstrap(b), "-X", "security.protocol=SASL_PLAINTEXT",
                "-X", f"sasl.mechanism={mechanism}", "-X", f"sasl.username={user}",
                "-X", f"sasl.password={password}", *args, **kw)


CREDS = [("PLAIN", "alice", "alice-secret"), ("SCRAM-SHA-256", "alice", "alice-scram"),
         ("SCRAM-SHA-512", "alice", "alice-scram")]


# ---- real clients ----

@pytest.mark.parametrize("mechanism,user,password", CREDS)
def test_kcat_produces_and_consumes(broker, mechanism, user, password):
    topic = f"kcat-{mechanism.lower()}"
    kcat_sasl(broker, mechanism, user, password, "-P", "-t", topic, input=b"a\nb\nc\n")
    out = kcat_sasl(broker, mechanism, user, password, "-C", "-t", topic, "-o", "beginning",
                    "-e", "-q").stdout.decode().split()
    assert out == ["a", "b", "c"]


@pytest.mark.parametrize("mechanism,user,password,message", [
    ("PLAIN", "alice", "wrong", BAD_PLAIN),
    ("PLAIN", "mallory", "alice-secret", BAD_PLAIN),
    ("SCRAM-SHA-256", "alice", "wrong", bad_scram("SCRAM-SHA-256")),
    ("SCRAM-SHA-512", "mallory", "x", bad_scram("SCRAM-SHA-512")),
])
def test_wrong_password_and_unknown_user_are_refused(broker, mechanism, user, password, message):
    p = kcat_sasl(broker, mechanism, user, password, "-L", "-m", "3", check=False, timeout=30)
    assert p.returncode != 0
    assert message in p.stderr.decode()


@pytest.mark.parametrize("mechanism,user,password", CREDS)
def test_kafka_python_produces_consumes_in_a_group(broker, mechanism, user, password):
    from kafka import KafkaConsumer, KafkaProducer
    topic = f"kpy-{mechanism.lower()}"
    common = dict(bootstrap_servers=sasl_bootstrap(broker), security_protocol="SASL_PLAINTEXT",
                  sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=password)
    producer = KafkaProducer(**common)
    for i in range(20):
        producer.send(topic, f"v-{i}".encode())
    producer.flush(timeout=30)
    producer.close()
    consumer = KafkaConsumer(topic, group_id=f"g-{mechanism}", auto_offset_reset="earliest",
                             consumer_timeout_ms=10000, **common)
    seen = []
    for m in consumer:
        seen.append(m.value.decode())
        if len(seen) == 20:
            break
    consumer.commit()
    consumer.close()
    assert sorted(seen, key=lambda v: int(v[2:])) == [f"v-{i}" for i in range(20)]


def test_kafka_python_wrong_password(broker):
    from kafka import KafkaProducer
    from kafka.errors import KafkaError
    with pytest.raises(KafkaError):
        KafkaProducer(bootstrap_servers=sasl_bootstrap(broker), security_protocol="SASL_PLAINTEXT",
                      sasl_mechanism="SCRAM-SHA-256", sasl_plain_username="alice",
                      sasl_plain_password="wrong", api_version_auto_timeout_ms=5000)


@pytest.mark.parametrize("mechanism,user,password", CREDS)
def test_confluent_kafka_group_and_admin(broker, mechanism, user, password):
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    conf = {"bootstrap.servers": sasl_bootstrap(broker), "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": mechanism, "sasl.username": user, "sasl.password": password}
    topic = f"ck-{mechanism.lower()}"
    admin = AdminClient(conf)
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    assert topic in admin.list_topics(timeout=30).topics
    producer = Producer(conf)
    for i in range(30):
        producer.produce(topic, key=f"k-{i}", value=f"v-{i}")
    assert producer.flush(30) == 0
    consumer = Consumer({**conf, "group.id": f"ck-{mechanism}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    seen = set()
    deadline = time.monotonic() + 60
    while len(seen) < 30 and time.monotonic() < deadline:
        m = consumer.poll(1.0)
        if m is not None and not m.error():
            seen.add(m.value().decode())
    consumer.commit(asynchronous=False)
    consumer.close()
    assert seen == {f"v-{i}" for i in range(30)}


@pytest.mark.parametrize("mechanism,user,password", CREDS)
def test_java_clients(broker, mechanism, user, password):
    from clients import java
    module = ("org.apache.kafka.common.security.plain.PlainLoginModule" if mechanism == "PLAIN"
              else "org.apache.kafka.common.security.scram.ScramLoginModule")
    sasl = ["security.protocol=SASL_PLAINTEXT", f"sasl.mechanism={mechanism}",
            f'sasl.jaas.config={module} required username="{user}" password="{password}";']
    topic = f"java-{mechanism.lower()}"
    out = java("Produce", f"--bootstrap={sasl_bootstrap(broker)}", f"--topic={topic}",
               "--count=200", *sasl)
    assert out["acked"] == 200, out
    out = java("Consume", f"--bootstrap={sasl_bootstrap(broker)}", f"--topic={topic}",
               "--count=200", f"group.id=java-{mechanism}", *sasl)
    assert out["unique"] == 200 and out["missing_count"] == 0, out
    out = java("AdminOps", f"--bootstrap={sasl_bootstrap(broker)}", "--op=describe-cluster", *sasl)
    assert out, out


def test_java_wrong_password_is_refused(broker):
    from clients import java
    out = java("Produce", f"--bootstrap={sasl_bootstrap(broker)}", "--topic=java-bad", "--count=1",
               "--timeout-ms=20000", "security.protocol=SASL_PLAINTEXT",
               "sasl.mechanism=SCRAM-SHA-256", "max.block.ms=10000",
               'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required '
               'username="alice" password="nope";', check=False)
    assert out["exit_code"] != 0
    assert bad_scram("SCRAM-SHA-256") in json.dumps(out)


def test_kafkajs(broker):
    from conftest import node
    out = json.loads(node("sasl.js", sasl_bootstrap(broker)))
    assert out["plain"] == {"produced": 5, "consumed": 5}, out
    assert out["scram256"] == {"produced": 5, "consumed": 5}, out
    assert out["scram512"] == {"produced": 5, "consumed": 5}, out
    assert BAD_PLAIN in out["wrong_plain"], out
    assert bad_scram("SCRAM-SHA-256") in out["wrong_scram"], out


def test_user_credentials_change_at_once(broker):
    """A new user logs in right after kafka-configs, a changed password at once replaces the old
    one, and a deleted credential stops working — no restart."""
    def login(user, password, mechanism="SCRAM-SHA-256"):
        return kcat_sasl(broker, mechanism, user, password, "-L", "-m", "5", check=False,
                         timeout=30).returncode == 0

    def configs(*args):
        p = tool("kafka-configs", "--bootstrap-server", broker.bootstrap, "--entity-type", "users",
                 *args)
        assert p.returncode == 0, p.stderr
        return p.stdout

    assert not login("bob", "bob-1")
    configs("--entity-name", "bob", "--alter", "--add-config", "SCRAM-SHA-256=[password=bob-1]")
    assert login("bob", "bob-1")
    configs("--entity-name", "bob", "--alter", "--add-config",
            "SCRAM-SHA-256=[iterations=4096,password=bob-2]")
    assert login("bob", "bob-2") and not login("bob", "bob-1")
    out = configs("--describe")
    assert "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096" in out
    assert "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-256=iterations=4096" in out
    configs("--entity-name", "bob", "--alter", "--delete-config", "SCRAM-SHA-256")
    assert not login("bob", "bob-2")
    out = configs("--entity-name", "bob", "--describe")
    assert ("Error retrieving SCRAM credential configs for user-principal 'bob': "
            "ResourceNotFoundException: Attempt to describe a user credential that does not exist: bob") in out
    p = tool("kafka-configs", "--bootstrap-server", broker.bootstrap, "--entity-type", "users",
             "--entity-name", "bob", "--alter", "--add-config", "SCRAM-SHA-256=[iterations=100,password=x]")
    assert p.returncode != 0
    assert "Iterations 100 is less than the minimum 4096 required for SCRAM-SHA-256" in p.stderr


def test_credentials_survive_a_restart(tmp_path):
    b = sasl_broker(tmp_path / "b").start()
    try:
        p = tool("kafka-configs", "--bootstrap-server", b.bootstrap, "--entity-type", "users",
                 "--entity-name", "carol", "--alter", "--add-config", "SCRAM-SHA-512=[password=c]")
        assert p.returncode == 0, p.stderr
        assert b.stop() == 0
        doc = json.loads((b.data_dir / "sluice-metadata.json").read_text())
        stored = doc["user_configs"]["carol"]["SCRAM-SHA-512"]
        assert stored.startswith("salt=") and stored.endswith(",iterations=4096")
        b.start()
        kcat_sasl(b, "SCRAM-SHA-512", "carol", "c", "-L", "-m", "10")
    finally:
        b.stop()


# ---- the protocol on a raw socket ----

def frame(api_key, version, correlation, body=b"", flex=False):
    header = struct.pack(">hhi", api_key, version, correlation) + struct.pack(">h", 3) + b"raw"
    if flex:
        header += b"\x00"
    data = header + body
    return struct.pack(">i", len(data)) + data


def recv_exact(sock, n):
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("closed")
        out += chunk
    return bytes(out)


def read_frame(sock):
    return recv_exact(sock, struct.unpack(">i", recv_exact(sock, 4))[0])


def closed_by_peer(sock, timeout=10):
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(4096)
            if data == b"":
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def connect(b):
    return socket.create_connection(("127.0.0.1", b.sasl_port), timeout=10)


def handshake(sock, mechanism, version=1, correlation=1):
    sock.sendall(frame(17, version, correlation, W(False).str(mechanism).b))
    r = R(read_frame(sock), False)
    assert r.i32() == correlation
    error = r.i16()
    mechanisms = r.arr(lambda x: x.str())
    return error, mechanisms


def authenticate(sock, token, version=1, correlation=2):
    """SaslAuthenticate v0/1; returns (error, message, auth bytes, session lifetime)."""
    sock.sendall(frame(36, version, correlation, W(False).records(token).b))
    r = R(read_frame(sock), False)
    assert r.i32() == correlation
    error, message, data = r.i16(), r.str(), r.records()
    lifetime = r.i64() if version >= 1 else None
    return error, message, data, lifetime


def metadata_ok(sock, correlation=9):
    sock.sendall(frame(3, 1, correlation, W(False).i32(-1).b))
    r = R(read_frame(sock), False)
    return r.i32() == correlation


def healthy(b):
    return kcat_sasl(b, "PLAIN", "alice", "alice-secret", "-L", "-m", "10").returncode == 0


class Scram:
    """The client side of SCRAM, written from RFC 5802 (independent of the broker's code)."""

    def __init__(self, mechanism, user, password, nonce="clientnonce123"):
        self.alg = "sha256" if mechanism.endswith("256") else "sha512"
        self.user, self.password, self.nonce = user, password, nonce

    def first(self):
        self.bare = f"n={self.user},r={self.nonce}"
        return b"n,," + self.bare.encode()

    def final(self, server_first, nonce=None, proof=None):
        fields = dict(f.split("=", 1) for f in server_first.decode().split(","))
        salt, iterations = base64.b64decode(fields["s"]), int(fields["i"])
        salted = hashlib.pbkdf2_hmac(self.alg, self.password.encode(), salt, iterations)
        without_proof = f"c=biws,r={nonce or fields['r']}"
        auth = f"{self.bare},{server_first.decode()},{without_proof}".encode()
        client_key = hmac.new(salted, b"Client Key", self.alg).digest()
        stored = hashlib.new(self.alg, client_key).digest()
        signature = hmac.new(stored, auth, self.alg).digest()
        computed = bytes(a ^ b for a, b in zip(client_key, signature))
        self.server_key = hmac.new(salted, b"Server Key", self.alg).digest()
        self.auth = auth
        return f"{without_proof},p={base64.b64encode(proof or computed).decode()}".encode()

    def check_server_final(self, data):
        expected = hmac.new(self.server_key, self.auth, self.alg).digest()
        return data.decode() == "v=" + base64.b64encode(expected).decode()


def test_scram_exchange_and_lifetime_on_the_wire(broker):
    s = connect(broker)
    assert handshake(s, "SCRAM-SHA-512") == (0, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
    c = Scram("SCRAM-SHA-512", "alice", "alice-scram")
    error, _, server_first, lifetime = authenticate(s, c.first())
    assert error == 0 and lifetime == 0
    assert server_first.decode().startswith("r=clientnonce123")
    error, message, server_final, lifetime = authenticate(s, c.final(server_first), correlation=3)
    assert error == 0, message
    assert c.check_server_final(server_final)
    assert lifetime == 0  # connections.max.reauth.ms = 0: no re-authentication
    assert metadata_ok(s)
    s.close()


def test_v0_handshake_then_raw_tokens(broker):
    """Kafka's pre-KIP-152 framing: after SaslHandshake v0 the tokens are bare size-prefixed frames."""
    s = connect(broker)
    assert handshake(s, "SCRAM-SHA-256", version=0)[0] == 0
    c = Scram("SCRAM-SHA-256", "alice", "alice-scram")
    token = c.first()
    s.sendall(struct.pack(">i", len(token)) + token)
    server_first = read_frame(s)
    token = c.final(server_first)
    s.sendall(struct.pack(">i", len(token)) + token)
    assert c.check_server_final(read_frame(s))
    assert metadata_ok(s)
    s.close()

    s = connect(broker)
    assert handshake(s, "PLAIN", version=0)[0] == 0
    token = b"\0alice\0alice-secret"
    s.sendall(struct.pack(">i", len(token)) + token)
    assert read_frame(s) == b""  # PLAIN answers an empty token
    assert metadata_ok(s)
    s.close()

    s = connect(broker)  # a wrong password in raw framing: no error frame exists, the connection closes
    assert handshake(s, "PLAIN", version=0)[0] == 0
    token = b"\0alice\0nope"
    s.sendall(struct.pack(">i", len(token)) + token)
    assert closed_by_peer(s)


def test_requests_before_authentication_close_the_connection(broker):
    for api_key, version, body in [(3, 1, W(False).i32(-1).b),  # Metadata
                                   (0, 3, b""),                  # Produce (any bytes)
                                   (36, 1, W(False).records(b"\0alice\0alice-secret").b)]:
        s = connect(broker)
        s.sendall(frame(api_key, version, 1, body))
        assert closed_by_peer(s), api_key
    # ApiVersions is served once, then only the handshake.
    s = connect(broker)
    s.sendall(frame(18, 0, 1))
    assert R(read_frame(s), False).i32() == 1
    s.sendall(frame(18, 0, 2))
    assert closed_by_peer(s)
    # A second handshake after a successful one is not a re-authentication (no session lifetime).
    s = connect(broker)
    assert handshake(s, "PLAIN")[0] == 0
    assert authenticate(s, b"\0alice\0alice-secret")[0] == 0
    assert handshake(s, "PLAIN", correlation=3)[0] == 34  # ILLEGAL_SASL_STATE
    assert authenticate(s, b"x", correlation=4)[:2] == (
        34, "SaslAuthenticate request received after successful authentication")
    s.close()
    assert healthy(broker)


def test_unsupported_mechanism(broker):
    s = connect(broker)
    error, mechanisms = handshake(s, "GSSAPI")
    assert error == 33 and mechanisms == ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
    assert closed_by_peer(s)


def test_failed_authentication_answers_then_closes(broker):
    s = connect(broker)
    handshake(s, "PLAIN")
    assert authenticate(s, b"\0alice\0wrong")[:2] == (58, BAD_PLAIN)
    assert closed_by_peer(s)
    s = connect(broker)
    handshake(s, "PLAIN")
    assert authenticate(s, b"no-nul-here", version=0)[:2] == (
        58, "Invalid SASL/PLAIN response: expected 3 tokens, got 1")
    assert closed_by_peer(s)


def test_oversized_token_closes_the_connection(broker):
    s = connect(broker)
    handshake(s, "PLAIN")
    # 524288 is sasl.server.max.receive.size: a larger frame is refused before it is read.
    s.sendall(struct.pack(">i", 524288 + 1) + b"\0" * 1024)
    assert closed_by_peer(s)
    s = connect(broker)  # before any handshake too
    s.sendall(struct.pack(">i", 600000) + b"\0" * 16)
    assert closed_by_peer(s)
    assert healthy(broker)


@pytest.mark.parametrize("first", [b"y,,n=alice,r=abc", b"n,,n=alice", b"", b"\xff\xfe",
                                   b"n,,n=al=ice,r=abc", b"n,,n=alice,r=abc,tokenauth=true"])
def test_malformed_scram_first_message(broker, first):
    s = connect(broker)
    handshake(s, "SCRAM-SHA-256")
    error, message, _, _ = authenticate(s, first)
    assert (error, message) == (58, bad_scram("SCRAM-SHA-256"))
    assert closed_by_peer(s)


def test_wrong_nonce_and_malformed_final_message(broker):
    for mutate in ("nonce", "garbage", "short-proof", "bad-proof"):
        s = connect(broker)
        handshake(s, "SCRAM-SHA-256")
        c = Scram("SCRAM-SHA-256", "alice", "alice-scram")
        _, _, server_first, _ = authenticate(s, c.first())
        if mutate == "nonce":
            token = c.final(server_first, nonce="clientnonce123-not-the-servers")
        elif mutate == "garbage":
            token = b"c=biws,p=!!"
        elif mutate == "short-proof":
            token = c.final(server_first, proof=b"abc")
        else:
            token = c.final(server_first, proof=b"\0" * 32)
        s.sendall(frame(36, 1, 3, W(False).records(token).b))
        if mutate == "short-proof":  # Kafka fails outside the SASL error path: no answer
            assert closed_by_peer(s)
            continue
        r = R(read_frame(s), False)
        assert r.i32() == 3
        assert (r.i16(), r.str()) == (58, bad_scram("SCRAM-SHA-256")), mutate
        assert closed_by_peer(s)
    assert healthy(broker)


# ---- re-authentication (KIP-368) ----

# Produces and consumes for three session lifetimes; prints {"sent", "missing"}.
REAUTH_CLIENT = """
import json, sys, time
from confluent_kafka import Consumer, Producer
bootstrap, lifetime_ms = sys.argv[1], int(sys.argv[2])
conf = {"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "PLAIN", "sasl.username": "alice", "sasl.password": "alice-secret"}
producer = Producer(conf)
consumer = Consumer({**conf, "group.id": "reauth", "auto.offset.reset": "earliest"})
consumer.subscribe(["reauth"])
sent, seen = 0, set()
end = time.monotonic() + 3 * lifetime_ms / 1000 + 2
while (time.monotonic() < end or len(seen) < sent) and time.monotonic() < end + 30:
    if time.monotonic() < end:
        producer.produce("reauth", value=str(sent).encode())
        sent += 1
        producer.flush(10)
    m = consumer.poll(0.2)
    if m is not None and not m.error():
        seen.add(int(m.value()))
consumer.close()
print(json.dumps({"sent": sent, "missing": len(set(range(sent)) - seen)}))
"""

def test_reauthentication(tmp_path):
    lifetime_ms = 3000
    b = sasl_broker(tmp_path / "reauth",
                    **{"listener.name.sasl_plaintext.connections.max.reauth.ms": str(lifetime_ms)}).start()
    try:
        # The broker announces the lifetime, closes a connection that outlives it and lets one that
        # re-authenticates in time go on.
        late = connect(b)
        handshake(late, "PLAIN")
        started = time.monotonic()
        assert authenticate(late, b"\0alice\0alice-secret")[3] == lifetime_ms
        on_time = connect(b)
        handshake(on_time, "PLAIN")
        assert authenticate(on_time, b"\0alice\0alice-secret")[3] == lifetime_ms
        assert metadata_ok(late) and metadata_ok(on_time)
        # Half a lifetime later, on_time re-authenticates (a new handshake on the authenticated
        # connection), so its session outlives late's by half a lifetime.
        wait_until(lambda: metadata_ok(on_time) and time.monotonic() >= started + lifetime_ms / 2000,
                   30, "half a session lifetime", interval=0.2)
        assert handshake(on_time, "PLAIN", correlation=20)[0] == 0
        assert authenticate(on_time, b"\0alice\0alice-secret", correlation=21)[3] == lifetime_ms
        # A second re-authentication within a second is not one (Kafka's one-second minimum):
        # the handshake is answered as an ordinary request and the session goes on.
        assert handshake(on_time, "PLAIN", correlation=22)[0] == 34  # ILLEGAL_SASL_STATE
        assert metadata_ok(on_time, correlation=23)
        # Another principal may not take the connection over.
        other = connect(b)
        handshake(other, "PLAIN")
        authenticate(other, b"\0alice\0alice-secret")
        handshake(other, "PLAIN", correlation=30)
        assert authenticate(other, b"\0admin\0admin-secret", correlation=31)[:2] == (
            58, "Cannot change principals during re-authentication from User.alice: User.admin")
        assert closed_by_peer(other)
        # Wait for the first session to expire: poll with Metadata until the broker closes it.
        closed_after = None

        def late_closed():
            nonlocal closed_after
            try:
                metadata_ok(late, correlation=40)
                return False
            except (ConnectionError, OSError):
                closed_after = time.monotonic() - started
                return True
        wait_until(late_closed, 30, "the expired session to be closed", interval=0.2)
        assert closed_after >= lifetime_ms / 1000 - 0.5
        # on_time re-authenticated half a lifetime after `started`: still good.
        assert metadata_ok(on_time, correlation=41)

        # The newest librdkafka (PyPI's confluent-kafka; Debian's 2.0.2 predates its KIP-368
        # support) re-authenticates by itself and keeps working across several lifetimes without
        # the broker having to close an expired session of its own.
        assert b.log_text().count("expired SASL session") == 1
        from clients import confluent_latest_code
        out = confluent_latest_code(REAUTH_CLIENT, f"127.0.0.1:{b.sasl_port}", str(lifetime_ms))
        assert out["missing"] == 0 and out["sent"] > 10, out
        assert b.log_text().count("expired SASL session") == 1
        assert b.stop() == 0
    finally:
        b.kill()


# ---- OAUTHBEARER (Kafka's default unsecured-JWS validator) ----

OAUTH_JAAS = ('org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required '
              'unsecuredValidatorRequiredScope="kafka" unsecuredValidatorAllowableClockSkewMs="2000";')
INSUFFICIENT_SCOPE = '{"status":"insufficient_scope", "scope":"[kafka]"}'


@pytest.fixture(scope="module")
def oauth_broker(tmp_path_factory):
    b = sasl_broker(tmp_path_factory.mktemp("oauth") / "broker", **{
        "sasl.enabled.mechanisms": "OAUTHBEARER",
        "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config": OAUTH_JAAS}).start()
    yield b
    assert b.stop() == 0


def unsecured_jwt(claims, header=None):
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{part(header or {'alg': 'none'})}.{part(claims)}."


def oauth_first(token):
    return f"n,,\x01auth=Bearer {token}\x01\x01".encode()


def kcat_oauth(b, config, *args, **kw):
    return kcat("-b", sasl_bootstrap(b), "-X", "security.protocol=SASL_PLAINTEXT",
                "-X", "sasl.mechanism=OAUTHBEARER", "-X", "enable.sasl.oauthbearer.unsecure.jwt=true",
                "-X", f"sasl.oauthbearer.config={config}", *args, **kw)


def test_oauthbearer_real_clients(oauth_broker):
    b = oauth_broker
    # librdkafka makes its own unsecured token.
    kcat_oauth(b, "principal=alice scope=kafka", "-P", "-t", "oauth", input=b"a\nb\n")
    out = kcat_oauth(b, "principal=alice scope=kafka", "-C", "-t", "oauth", "-o", "beginning",
                     "-e", "-q").stdout.decode().split()
    assert out == ["a", "b"]
    p = kcat_oauth(b, "principal=alice", "-L", "-m", "3", check=False, timeout=30)
    assert p.returncode != 0 and INSUFFICIENT_SCOPE in p.stderr.decode()

    # kafka-python: a v0 handshake with raw tokens, the token from a provider.
    from kafka import KafkaProducer

    class Provider:
        def token(self):
            now = time.time()
            return unsecured_jwt({"sub": "alice", "scope": "kafka", "iat": now, "exp": now + 600})
    producer = KafkaProducer(bootstrap_servers=sasl_bootstrap(b), security_protocol="SASL_PLAINTEXT",
                             sasl_mechanism="OAUTHBEARER", sasl_oauth_token_provider=Provider())
    producer.send("oauth", b"c").get(timeout=30)
    producer.close()

    # Java: OAuthBearerLoginModule's own unsecured login.
    from clients import java
    jaas = ('org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required '
            'unsecuredLoginStringClaim_sub="alice" unsecuredLoginListClaim_scope=",kafka";')
    sasl = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=OAUTHBEARER", f"sasl.jaas.config={jaas}"]
    out = java("Produce", f"--bootstrap={sasl_bootstrap(b)}", "--topic=java-oauth", "--count=50", *sasl)
    assert out["acked"] == 50, out
    out = java("Consume", f"--bootstrap={sasl_bootstrap(b)}", "--topic=java-oauth", "--count=50",
               "group.id=java-oauth", *sasl)
    assert out["unique"] == 50 and out["missing_count"] == 0, out

    from conftest import node
    out = json.loads(node("sasl.js", "--oauthbearer", sasl_bootstrap(b)))
    assert out["oauth"] == {"produced": 5, "consumed": 5}, out
    # kafkajs takes the error JSON for success and sends its next request, which closes the
    # connection (a Kafka broker does the same).
    assert out["wrong_scope"] != "no error", out


def test_oauthbearer_on_the_wire(oauth_broker):
    b = oauth_broker
    now = time.time()
    # A good token: the session lasts until the token expires (connections.max.reauth.ms is 0).
    s = connect(b)
    assert handshake(s, "OAUTHBEARER") == (0, ["OAUTHBEARER"])
    token = unsecured_jwt({"sub": "alice", "scope": ["kafka", "x"], "iat": now, "exp": now + 60})
    error, message, data, lifetime = authenticate(s, oauth_first(token))
    assert (error, message, data) == (0, "", b""), message
    assert 55_000 < lifetime <= 60_000
    assert metadata_ok(s)
    s.close()
    # Refused tokens: the error JSON as a server token, then the client's ^A fails the exchange
    # with it, as Kafka's OAuthBearerSaslServer does.
    for claims, header in [({"sub": "alice", "scope": "kafka", "exp": now - 10}, None),  # expired
                           ({"sub": "alice", "scope": "kafka", "exp": now + 60}, {"alg": "HS256"}),
                           ({"scope": "kafka", "exp": now + 60}, None)]:  # no sub
        s = connect(b)
        handshake(s, "OAUTHBEARER")
        error, _, data, _ = authenticate(s, oauth_first(unsecured_jwt(claims, header)))
        assert (error, data) == (0, b'{"status":"invalid_token"}'), claims
        assert authenticate(s, b"\x01", correlation=3)[:2] == (58, '{"status":"invalid_token"}')
        assert closed_by_peer(s)
    # The broker's log says why each was refused (the client only gets the status).
    refusals = [line for line in b.log_text().splitlines() if "SASL/OAUTHBEARER token refused" in line]
    assert len(refusals) >= 3 and all("no reason given" not in r for r in refusals[-3:]), refusals
    # A malformed client first message: Kafka's generic message.
    s = connect(b)
    handshake(s, "OAUTHBEARER")
    assert authenticate(s, b"n,,auth=Bearer x")[:2] == (
        58, "Authentication failed during authentication due to invalid credentials with SASL "
            "mechanism OAUTHBEARER")
    assert closed_by_peer(s)
    # An authorization id other than the token's subject.
    s = connect(b)
    handshake(s, "OAUTHBEARER")
    token = unsecured_jwt({"sub": "alice", "scope": "kafka", "exp": now + 60})
    assert authenticate(s, f"n,a=bob,\x01auth=Bearer {token}\x01\x01".encode())[:2] == (
        58, "Authentication failed: Client requested an authorization id (bob) that is different "
            "from the token's principal name (alice)")
    assert closed_by_peer(s)


def test_oauthbearer_jwks_file_validator(tmp_path):
    """Kafka's OAuthBearerValidatorCallbackHandler with a file:// key set: RS256 tokens signed with
    a key made here are accepted (librdkafka through an oauth_cb, and on the wire); unsigned,
    forged and wrong-audience ones get {"status":"invalid_token"}."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    def uint(n):
        return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
                                          "n": uint(numbers.n), "e": uint(numbers.e)}]}))

    def signed(claims, signer=key):
        text = (b64(json.dumps({"alg": "RS256", "kid": "k1"}).encode()) + "." +
                b64(json.dumps(claims).encode()))
        return text + "." + b64(signer.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256()))

    handler = "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler"
    b = sasl_broker(tmp_path / "b", **{
        "sasl.enabled.mechanisms": "OAUTHBEARER",
        "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class": handler,
        "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config":
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
        "sasl.oauthbearer.jwks.endpoint.url": f"file://{jwks}",
        "sasl.oauthbearer.expected.audience": "kafka"}).start()
    try:
        now = time.time()
        good = {"sub": "alice", "aud": "kafka", "iat": int(now), "exp": int(now) + 600}
        from confluent_kafka import Producer
        producer = Producer({"bootstrap.servers": sasl_bootstrap(b),
                             "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "OAUTHBEARER",
                             "oauth_cb": lambda _config: (signed(good), now + 600)})
        producer.produce("jwks", b"signed")
        assert producer.flush(30) == 0

        s = connect(b)
        handshake(s, "OAUTHBEARER")
        error, _, data, lifetime = authenticate(s, oauth_first(signed(good)))
        assert (error, data) == (0, b"") and 590_000 < lifetime <= 600_000
        s.close()
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for token in [signed(good, other_key), signed({**good, "aud": "other"}),
                      unsecured_jwt(good)]:
            s = connect(b)
            handshake(s, "OAUTHBEARER")
            assert authenticate(s, oauth_first(token))[:3] == (0, "", b'{"status":"invalid_token"}')
            assert authenticate(s, b"\x01", correlation=3)[:2] == (58, '{"status":"invalid_token"}')
            assert closed_by_peer(s)
        assert b.stop() == 0
    finally:
        b.kill()
    # A key set that cannot be read stops the broker at start-up, naming the key.
    bad = sasl_broker(tmp_path / "bad", **{
        "sasl.enabled.mechanisms": "OAUTHBEARER",
        "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class": handler,
        "sasl.oauthbearer.jwks.endpoint.url": f"file://{tmp_path}/missing.json"})
    p = subprocess.run([str(bad.binary), str(bad.config_path)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode != 0
    assert "sasl.oauthbearer.jwks.endpoint.url" in p.stdout + p.stderr


@pytest.mark.parametrize("overrides,key", [
    ({"sasl.enabled.mechanisms": "GSSAPI"}, "sasl.enabled.mechanisms"),
    ({"listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN,DIGEST-MD5"},
     "listener.name.sasl_plaintext.sasl.enabled.mechanisms"),
    ({"listener.name.sasl_plaintext.plain.sasl.jaas.config": "com.example.Login required;"},
     "listener.name.sasl_plaintext.plain.sasl.jaas.config"),
    ({"listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS.rstrip(";")},
     "listener.name.sasl_plaintext.plain.sasl.jaas.config"),
    ({"inter.broker.listener.name": "SASL_PLAINTEXT", "sasl.mechanism.inter.broker.protocol": "GSSAPI"},
     "sasl.mechanism.inter.broker.protocol"),
    ({"inter.broker.listener.name": "SASL_PLAINTEXT", "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-256"},
     "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config"),
    ({"listener.name.sasl_plaintext.connections.max.reauth.ms": "soon"},
     "listener.name.sasl_plaintext.connections.max.reauth.ms"),
])
def test_config_mistakes_stop_the_broker_naming_the_key(tmp_path, overrides, key):
    b = sasl_broker(tmp_path / "b", **overrides)
    p = subprocess.run([str(b.binary), str(b.config_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert key + ":" in p.stdout + p.stderr, p.stdout + p.stderr
    assert "alice-secret" not in p.stdout + p.stderr  # a JAAS value is never echoed


# ---- delegation tokens ----

def token_request(sock, api_key, version, body, correlation):
    sock.sendall(frame(api_key, version, correlation, body))
    r = R(read_frame(sock), False)
    assert r.i32() == correlation
    return r


def create_token(sock, renewers=(), max_lifetime_ms=-1, correlation=10):
    body = W(False).arr(list(renewers), lambda w, p: w.str("User").str(p)).i64(max_lifetime_ms).b
    r = token_request(sock, 38, 1, body, correlation)
    out = {"error": r.i16(), "owner": f"{r.str()}:{r.str()}", "issue": r.i64(), "expiry": r.i64(),
           "max": r.i64(), "token_id": r.str(), "hmac": r.records()}
    return out


def renew_or_expire(sock, api_key, hmac_bytes, period_ms, correlation=11):
    r = token_request(sock, api_key, 1, W(False).records(hmac_bytes).i64(period_ms).b, correlation)
    return r.i16(), r.i64()


def describe_tokens(sock, owners=None, correlation=12):
    owners_fn = (lambda w, p: w.str("User").str(p))
    r = token_request(sock, 41, 1, W(False).arr(owners, owners_fn).b, correlation)
    error = r.i16()
    tokens = r.arr(lambda x: {"owner": f"{x.str()}:{x.str()}", "issue": x.i64(), "expiry": x.i64(),
                              "max": x.i64(), "token_id": x.str(), "hmac": x.records(),
                              "renewers": x.arr(lambda y: f"{y.str()}:{y.str()}")})
    return error, tokens


def plain_login(b, user, password):
    s = connect(b)
    assert handshake(s, "PLAIN")[0] == 0
    assert authenticate(s, f"\0{user}\0{password}".encode())[0] == 0
    return s


def test_delegation_tokens(tmp_path):
    """Kafka's token life cycle over the wire (Create/Describe/Renew/Expire), SCRAM logins with
    tokenauth=true as the token's owner, Kafka's refusals, and tokens kept across a restart."""
    b = sasl_broker(tmp_path / "tokens", **{"delegation.token.secret.key": "s3cret",
                                            "delegation.token.max.lifetime.ms": "3600000",
                                            "delegation.token.expiry.check.interval.ms": "300"}).start()
    try:
        alice = plain_login(b, "alice", "alice-secret")
        made = create_token(alice, renewers=["admin"])
        assert made["error"] == 0 and made["owner"] == "User:alice", made
        assert made["max"] - made["issue"] == 3600000
        assert made["hmac"] == hmac.new(b"s3cret", made["token_id"].encode(), "sha512").digest()

        # A SCRAM login with the token: the user name is the token id, the password the HMAC's
        # Base64, and the principal the owner's. Such a connection may not ask for tokens.
        for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
            s = connect(b)
            handshake(s, mechanism)
            c = Scram(mechanism, made["token_id"], base64.b64encode(made["hmac"]).decode())
            first = c.first() + b",tokenauth=true"
            c.bare += ",tokenauth=true"  # the extension is part of client-first-message-bare
            _, _, server_first, _ = authenticate(s, first)
            error, message, server_final, lifetime = authenticate(s, c.final(server_first),
                                                                  correlation=3)
            assert error == 0, message
            assert c.check_server_final(server_final)
            assert 0 < lifetime <= made["expiry"] - made["issue"]  # the session ends with the token
            assert create_token(s, correlation=4)["error"] == 64  # REQUEST_NOT_ALLOWED
            s.close()

        error, tokens = describe_tokens(alice)
        assert error == 0 and [t["token_id"] for t in tokens] == [made["token_id"]]
        assert tokens[0]["renewers"] == ["User:admin"] and tokens[0]["hmac"] == made["hmac"]
        assert describe_tokens(alice, owners=[], correlation=13) == (0, [])

        admin = plain_login(b, "admin", "admin-secret")
        error, expiry = renew_or_expire(admin, 39, made["hmac"], 60000)
        assert error == 0 and expiry <= int(time.time() * 1000) + 60000
        assert renew_or_expire(admin, 39, b"not-a-token", 60000, correlation=14)[0] == 62  # NOT_FOUND
        other = create_token(admin, correlation=15)  # admin's own token: alice may not renew it
        assert renew_or_expire(alice, 39, other["hmac"], 1000, correlation=16) == (63, -1)  # OWNER_MISMATCH

        # PLAINTEXT connections may not ask for tokens at all.
        plain = socket.create_connection(("127.0.0.1", b.port), timeout=10)
        assert create_token(plain)["error"] == 64
        plain.close()

        # Kept across a restart.
        assert b.stop() == 0
        doc = json.loads((b.data_dir / "sluice-metadata.json").read_text())
        stored = json.loads(doc["delegation_tokens"][made["token_id"]])
        assert stored["owner"] == "User%3Aalice" and stored["version"] == 3
        b.start()
        alice = plain_login(b, "alice", "alice-secret")
        assert [t["token_id"] for t in describe_tokens(alice, owners=["alice"])[1]] == [made["token_id"]]
        # Expired at once: the token stops working.
        assert renew_or_expire(alice, 40, made["hmac"], -1, correlation=17)[0] == 0
        s = connect(b)
        handshake(s, "SCRAM-SHA-256")
        c = Scram("SCRAM-SHA-256", made["token_id"], base64.b64encode(made["hmac"]).decode())
        assert authenticate(s, c.first() + b",tokenauth=true")[:2] == (58, bad_scram("SCRAM-SHA-256"))
        # A token past its max lifetime leaves the store at the next expiry check.
        short = create_token(alice, max_lifetime_ms=500, correlation=18)
        assert short["error"] == 0
        wait_until(lambda: describe_tokens(alice, owners=["alice"], correlation=19)[1] == [], 30,
                   "the short-lived token removed", interval=0.2)
        assert b.stop() == 0
        kept = json.loads((b.data_dir / "sluice-metadata.json").read_text())["delegation_tokens"]
        assert list(kept) == [other["token_id"]]  # admin's token lives on
    finally:
        b.kill()


def test_delegation_tokens_are_off_without_a_secret(broker):
    s = plain_login(broker, "alice", "alice-secret")
    assert create_token(s)["error"] == 61  # DELEGATION_TOKEN_AUTH_DISABLED
    assert describe_tokens(s, correlation=13)[0] == 61


def test_java_delegation_tokens(tmp_path):
    """Kafka's Java AdminClient creates, describes and expires a token (CreateDelegationToken v3,
    flexible versions), and the Java producer logs in with it (ScramLoginModule tokenauth)."""
    from clients import java
    b = sasl_broker(tmp_path / "java-tokens", **{"delegation.token.secret.key": "s3cret"}).start()
    try:
        plain = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
                 'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule '
                 'required username="alice" password="alice-secret";']
        out = java("AdminOps", f"--bootstrap={sasl_bootstrap(b)}", "--create-token",
                   "--describe-tokens", *plain)
        token = out["token"]
        assert token["owner"] == "User:alice" and out["tokens"] == [token], out
        scram = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=SCRAM-SHA-512",
                 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule '
                 f'required username="{token["token_id"]}" password="{token["hmac"]}" '
                 'tokenauth="true";']
        out = java("Produce", f"--bootstrap={sasl_bootstrap(b)}", "--topic=java-token",
                   "--count=20", *scram)
        assert out["acked"] == 20, out
        # A token-authenticated client may not create tokens (DELEGATION_TOKEN_REQUEST_NOT_ALLOWED).
        out = java("AdminOps", f"--bootstrap={sasl_bootstrap(b)}", "--create-token", *scram,
                   check=False)
        assert "UnsupportedByAuthenticationException" in out["error"], out
        out = java("AdminOps", f"--bootstrap={sasl_bootstrap(b)}", "--create-token",
                   "--expire-token", *plain)
        assert out["expired"] > 0, out
        assert b.stop() == 0
    finally:
        b.kill()
