"""kafka-delegation-tokens.sh against the real sluiced (issue #13): Kafka 3.9's flags, checks and
output for --create, --renew, --expire and --describe over a SASL listener, with the authorizer's
say on tokens for other owners (CREATE_TOKENS on the User resource) and on describing others'
tokens (DESCRIBE_TOKENS on the owner's User resource); a token it made logs a Java client in
(SCRAM, tokenauth="true") as its owner; PLAINTEXT is refused with Kafka's exception.

Principals (PLAIN): admin (a super user), alice, bob, carol.

Run alone: cd tests/integration && SLUICE_BUILD_DIR=... /usr/bin/python3 -m pytest -q
-p no:cacheprovider test_cli_delegation_tokens.py"""
import re
import subprocess

import pytest

from conftest import SOURCE_DIR
from test_sasl import sasl_broker

BIN = SOURCE_DIR / "bin"
PLAIN_USERS = ('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" '
               'password="admin-secret" user_admin="admin-secret" user_alice="alice-secret" '
               'user_bob="bob-secret" user_carol="carol-secret";')
TABLE_HEADER = ("TOKENID         HMAC                           OWNER           REQUESTER       "
                "RENEWERS                  ISSUEDATE       EXPIRYDATE      MAXDATE        ")
DATE = r"\d{4}-\d\d-\d\dT\d\d:\d\d"


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = sasl_broker(tmp_path_factory.mktemp("tokens") / "broker", **{
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_USERS,
        "delegation.token.secret.key": "token-secret",
        "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
        "super.users": "User:admin"}).start()
    b.props = {}
    for user in ("admin", "alice", "bob", "carol"):
        path = b.workdir / f"{user}.properties"
        path.write_text("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
                        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
                        f'required username="{user}" password="{user}-secret";\n')
        b.props[user] = path
    yield b
    assert b.stop() == 0


def tokens(b, user, *args):
    return subprocess.run([str(BIN / "kafka-delegation-tokens.sh"), "--bootstrap-server",
                           f"127.0.0.1:{b.sasl_port}", "--command-config", str(b.props[user]), *args],
                          capture_output=True, text=True, timeout=60)


def acls(b, *args):
    p = subprocess.run([str(BIN / "kafka-acls.sh"), "--bootstrap-server", f"127.0.0.1:{b.sasl_port}",
                        "--command-config", str(b.props["admin"]), *args],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr


def table_rows(stdout):
    """The token rows after Kafka's header: each a list of its eight columns."""
    lines = [line for line in stdout.split("\n") if line.strip()]
    at = next(i for i, line in enumerate(lines) if line.startswith("TOKENID"))
    assert lines[at] == TABLE_HEADER, repr(lines[at])
    return [line.split() for line in lines[at + 1:]]


def create(b, user, *args):
    p = tokens(b, user, "--create", "--max-life-time-period", "-1", *args)
    assert p.returncode == 0, p.stdout + p.stderr
    token_id = re.search(r"Created delegation token with tokenId : (\S+)", p.stdout).group(1)
    [row] = table_rows(p.stdout)
    assert row[0] == token_id
    return row


def ids(p):
    assert p.returncode == 0, p.stdout + p.stderr
    return sorted(row[0] for row in table_rows(p.stdout))


def test_create_describe_renew_expire_as_kafka(broker):
    p = tokens(broker, "alice", "--create", "--max-life-time-period", "-1",
               "--renewer-principal", "User:bob")
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.startswith("Calling create token operation with renewers :[User:bob] , "
                               "max-life-time-period :-1\nCreated delegation token with tokenId : ")
    [row] = table_rows(p.stdout)
    token_id, hmac, owner, requester, renewers, issued, expires, max_date = row
    assert (owner, requester, renewers) == ("User:alice", "User:alice", "[User:bob]")
    assert all(re.fullmatch(DATE, d) for d in (issued, expires, max_date)), row

    # alice owns it and bob renews it: both see it with no --owner-principal (Kafka 3.9's tool
    # would list nothing here: it sends an empty owner list); carol sees nothing.
    described = tokens(broker, "alice", "--describe")
    assert described.stdout.startswith("Calling describe token operation for current user.\n"
                                       "Total number of tokens : 1\n"), described.stdout
    assert ids(described) == [token_id]
    assert table_rows(described.stdout)[0][1] == hmac
    assert ids(tokens(broker, "bob", "--describe")) == [token_id]
    assert ids(tokens(broker, "carol", "--describe")) == []
    p = tokens(broker, "alice", "--describe", "--owner-principal", "User:bob")
    assert p.stdout.startswith("Calling describe token operation for owners: [User:bob]\n")
    assert ids(p) == [token_id]  # bob renews it
    # DESCRIBE_TOKENS on User:alice lets carol see alice's tokens.
    acls(broker, "--add", "--allow-principal", "User:carol", "--operation", "DescribeTokens",
         "--user-principal", "User:alice")
    assert ids(tokens(broker, "carol", "--describe")) == [token_id]

    # Only the owner and the renewers renew or expire it.
    p = tokens(broker, "carol", "--renew", "--hmac", hmac, "--renew-time-period", "1000")
    assert p.returncode == 1
    assert p.stderr.strip() == ("org.apache.kafka.common.errors.DelegationTokenOwnerMismatchException: "
                                "Specified Principal is not valid Owner/Renewer.")
    p = tokens(broker, "bob", "--renew", "--hmac", hmac, "--renew-time-period", "-1")
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.fullmatch(f"Calling renew token operation with hmac :{re.escape(hmac)} , "
                        f"renew-time-period :-1\nCompleted renew operation. New expiry date : {DATE}",
                        p.stdout), p.stdout
    p = tokens(broker, "alice", "--expire", "--hmac", hmac, "--expiry-time-period", "-1")
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.startswith(f"Calling expire token operation with hmac :{hmac} , "
                               "expire-time-period :-1\nCompleted expire operation. New expiry date : ")
    assert token_id not in ids(tokens(broker, "alice", "--describe"))
    p = tokens(broker, "alice", "--renew", "--hmac", hmac, "--renew-time-period", "-1")
    assert p.returncode == 1 and "DelegationTokenNotFoundException" in p.stderr, p.stderr


def test_a_token_for_another_owner_needs_create_tokens(broker):
    p = tokens(broker, "alice", "--create", "--max-life-time-period", "-1",
               "--owner-principal", "User:carol")
    assert p.returncode == 1
    assert p.stderr.strip() == ("org.apache.kafka.common.errors.DelegationTokenAuthorizationException: "
                                "Delegation Token authorization failed.")
    acls(broker, "--add", "--allow-principal", "User:alice", "--operation", "CreateTokens",
         "--user-principal", "User:carol")
    row = create(broker, "alice", "--owner-principal", "User:carol")
    assert row[2:4] == ["User:carol", "User:alice"]
    # carol owns it, so carol sees it; the super user sees every token.
    assert row[0] in ids(tokens(broker, "carol", "--describe"))
    assert row[0] in ids(tokens(broker, "admin", "--describe"))


def test_a_token_logs_a_java_client_in_as_its_owner(broker):
    from clients import java
    token_id, hmac = create(broker, "alice")[:2]
    acls(broker, "--add", "--allow-principal", "User:alice", "--operation", "All", "--topic",
         "token-topic")
    for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
        out = java("Produce", f"--bootstrap=127.0.0.1:{broker.sasl_port}", "--topic=token-topic",
                   "--count=20", "security.protocol=SASL_PLAINTEXT", f"sasl.mechanism={mechanism}",
                   "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule "
                   f'required username="{token_id}" password="{hmac}" tokenauth="true";')
        assert out["acked"] == 20, out


def test_refusals_and_usage_as_kafka(broker, tmp_path):
    plaintext = tmp_path / "plain.properties"
    plaintext.write_text("security.protocol=PLAINTEXT\n")
    p = subprocess.run([str(BIN / "kafka-delegation-tokens.sh"), "--bootstrap-server", broker.bootstrap,
                        "--command-config", str(plaintext), "--describe"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert p.stderr.strip() == (
        "org.apache.kafka.common.errors.UnsupportedByAuthenticationException: Delegation Token "
        "requests are not allowed on PLAINTEXT/1-way SSL channels and on delegation token "
        "authenticated channels.")

    p = tokens(broker, "alice", "--create", "--describe")
    assert p.returncode == 1 and p.stderr.startswith(
        "Command must include exactly one action: --create, --renew, --expire or --describe"), p.stderr
    p = tokens(broker, "alice", "--create")
    assert p.returncode == 1 and p.stderr.startswith(
        'Missing required argument "[max-life-time-period]"'), p.stderr
    p = tokens(broker, "alice", "--renew", "--hmac", "x", "--renew-time-period", "1",
               "--owner-principal", "User:bob")
    assert p.returncode == 1 and p.stderr.startswith(
        'Option "[renew]" can\'t be used with option "[owner-principal]"'), p.stderr
    p = tokens(broker, "alice", "--describe", "--owner-principal", "bob")
    assert p.returncode == 1
    assert p.stderr.strip() == "expected a string in format principalType:principalName but got bob"
