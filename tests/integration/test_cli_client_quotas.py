"""kafka-configs.sh --entity-type users|clients over --bootstrap-server against a real broker:
quotas set, described with Kafka's ConfigCommand lines, changed and removed; other keys refused."""
import subprocess

from conftest import SOURCE_DIR

BIN = SOURCE_DIR / "bin"


def configs(broker, *args):
    return subprocess.run([str(BIN / "kafka-configs.sh"), "--bootstrap-server", broker.bootstrap, *args],
                          capture_output=True, text=True, timeout=60)


def test_client_and_user_quotas_round_trip(broker):
    p = configs(broker, "--alter", "--entity-type", "clients", "--entity-name", "app",
                "--add-config", "producer_byte_rate=1024,consumer_byte_rate=2048")
    assert (p.returncode, p.stdout) == (0, "Completed updating config for client app.\n"), p.stderr
    p = configs(broker, "--alter", "--entity-type", "users", "--entity-default",
                "--add-config", "request_percentage=25.5")
    assert (p.returncode, p.stdout) == (0, "Completed updating default config for users in the cluster.\n"), p.stderr
    p = configs(broker, "--alter", "--entity-type", "users", "--entity-name", "alice",
                "--entity-type", "clients", "--entity-name", "app", "--add-config", "producer_byte_rate=10000000")
    assert p.returncode == 0, p.stderr

    p = configs(broker, "--describe", "--entity-type", "clients", "--entity-name", "app")
    assert (p.returncode, p.stdout) == (
        0, "Quota configs for client-id 'app' are consumer_byte_rate=2048.0, producer_byte_rate=1024.0\n"), p.stderr
    p = configs(broker, "--describe", "--entity-type", "users", "--entity-default")
    assert p.stdout == "Quota configs for the default user-principal are request_percentage=25.5\n"
    p = configs(broker, "--describe", "--entity-type", "users", "--entity-type", "clients")
    assert p.stdout == ("Quota configs for user-principal 'alice', client-id 'app' are "
                        "producer_byte_rate=1.0E7\n"), p.stdout
    p = configs(broker, "--describe", "--entity-type", "clients")
    assert p.stdout.splitlines() == [
        "Quota configs for client-id 'app' are consumer_byte_rate=2048.0, producer_byte_rate=1024.0"]

    p = configs(broker, "--alter", "--client", "app", "--delete-config", "producer_byte_rate")
    assert p.returncode == 0, p.stderr
    p = configs(broker, "--describe", "--client", "app")
    assert p.stdout == "Quota configs for client-id 'app' are consumer_byte_rate=2048.0\n"


def test_non_quota_keys_and_bad_values_are_refused(broker):
    p = configs(broker, "--alter", "--entity-type", "clients", "--entity-name", "x",
                "--add-config", "retention.ms=5")
    assert p.returncode != 0
    assert "Only quota configs can be added for 'clients' using --bootstrap-server" in p.stderr
    p = configs(broker, "--alter", "--entity-type", "clients", "--entity-name", "x",
                "--add-config", "producer_byte_rate=1.5")
    assert p.returncode != 0 and "must be a LONG value" in p.stderr
    p = configs(broker, "--alter", "--entity-type", "clients", "--add-config", "producer_byte_rate=1")
    assert p.returncode != 0 and "entity-name or default entity" in p.stderr


def test_a_users_quotas_and_scram_credentials_in_one_command(broker):
    """As Kafka's ConfigCommand: one --alter of a user may carry both; the quotas go by
    AlterClientQuotas, the credentials by AlterUserScramCredentials, and one line reports it."""
    p = configs(broker, "--alter", "--entity-type", "users", "--entity-name", "carol", "--add-config",
                "SCRAM-SHA-256=[iterations=4096,password=carol-secret],producer_byte_rate=4096")
    assert (p.returncode, p.stdout) == (0, "Completed updating config for user carol.\n"), p.stderr
    p = configs(broker, "--describe", "--entity-type", "users", "--entity-name", "carol")
    assert p.stdout.splitlines() == [
        "Quota configs for user-principal 'carol' are producer_byte_rate=4096.0",
        "SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-256=iterations=4096"], p.stdout
    p = configs(broker, "--alter", "--user", "carol", "--delete-config", "SCRAM-SHA-256,producer_byte_rate")
    assert (p.returncode, p.stdout) == (0, "Completed updating config for user carol.\n"), p.stderr
    p = configs(broker, "--describe", "--entity-type", "users", "--entity-name", "carol")
    assert "producer_byte_rate" not in p.stdout and "SCRAM-SHA-256=" not in p.stdout, p.stdout
