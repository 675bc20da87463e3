"""KIP-714 client telemetry, issue #14: client-metrics subscriptions (kafka-client-metrics.sh,
ConfigResource type 16), GetTelemetrySubscriptions and PushTelemetry from Kafka's Java 4.x
client with its default settings, and the pushed metrics on the broker's /metrics — which Kafka
itself leaves to a metrics-reporter plugin."""
import re
import subprocess
import urllib.request

from clients import java
from conftest import SOURCE_DIR, wait_for


def tool(broker, *args):
    return subprocess.run([str(SOURCE_DIR / "bin" / "kafka-client-metrics.sh"),
                           "--bootstrap-server", broker.bootstrap, *args],
                          capture_output=True, text=True, timeout=60)


def pushed(broker):
    """The sluice_client_metric samples on /metrics: (labels dict, value)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{broker.metrics_port}/metrics",
                                  timeout=5).read().decode()
    out = []
    for line in text.splitlines():
        m = re.match(r'sluice_client_metric\{(.*)\} (\S+)$', line)
        if m:
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1)))
            out.append((labels, float(m.group(2))))
    return out


def test_subscribed_java_clients_push_their_metrics_to_the_broker(broker):
    out = tool(broker, "--alter", "--name", "consumers", "--metrics", "org.apache.kafka.consumer.",
               "--interval", "1000", "--match", "client_id=telemetry-app.*")
    assert out.returncode == 0 and out.stdout == "Altered client metrics config for consumers.\n", out
    assert tool(broker, "--list").stdout == "consumers\n"
    out = tool(broker, "--describe", "--name", "consumers")
    assert out.stdout.splitlines() == [
        "Client metrics configs for consumers are:",
        "  interval.ms=1000",
        "  match=client_id=telemetry-app.*",
        "  metrics=org.apache.kafka.consumer.",
    ], out
    # Kafka's checks of a subscription.
    out = tool(broker, "--alter", "--name", "bad", "--interval", "5")
    assert out.returncode == 1 and "interval must be between 100 and 3600000" in out.stdout, out
    out = tool(broker, "--alter", "--name", "bad", "--match", "flavour=x")
    assert out.returncode == 1 and "Illegal client matching pattern: flavour=x" in out.stdout, out

    java("Produce", f"--bootstrap={broker.bootstrap}", "--topic=telemetry", "--count=20",
         line="4.x")
    # Java's consumer with its default settings (enable.metrics.push=true) asks for its
    # subscription and pushes every second while it reads; a client the selector does not match
    # is given nothing to push.
    for client_id, drain in (("telemetry-app-1", 4000), ("other-app", 1500)):
        got = java("Consume", f"--bootstrap={broker.bootstrap}", "--topic=telemetry",
                   "--count=20", f"--drain-ms={drain}", f"client.id={client_id}", line="4.x")
        assert got["count"] == 20, got

    def consumer_metrics():
        samples = [(labels, v) for labels, v in pushed(broker)
                   if labels.get("client_id") == "telemetry-app-1"]
        return samples or None

    samples = wait_for(consumer_metrics, timeout=60, what="the consumer's pushed metrics")
    names = {labels["name"] for labels, _ in samples}
    assert all(n.startswith("org.apache.kafka.consumer.") for n in names), names
    assert "org.apache.kafka.consumer.time.between.poll.max" in names, names
    assert {labels["client_software_name"] for labels, _ in samples} == {"apache-kafka-java"}
    assert len({labels["client_instance_id"] for labels, _ in samples}) == 1
    assert not [s for s in pushed(broker) if s[0].get("client_id") == "other-app"]

    out = tool(broker, "--delete", "--name", "consumers")
    assert out.stdout == "Deleted client metrics config for consumers.\n", out
    assert tool(broker, "--list").stdout == "\n"
    out = tool(broker, "--describe", "--name", "consumers")
    assert "The client metric resource consumers doesn't exist" in out.stdout, out


def test_kafka_configs_manages_client_metrics_resources(broker):
    def configs(*args):
        return subprocess.run([str(SOURCE_DIR / "bin" / "kafka-configs.sh"), "--bootstrap-server",
                               broker.bootstrap, "--entity-type", "client-metrics", *args],
                              capture_output=True, text=True, timeout=60)

    out = configs("--entity-name", "sub", "--alter", "--add-config",
                  "metrics=[org.apache.kafka.consumer.,org.apache.kafka.producer.],interval.ms=2000")
    assert out.returncode == 0 and out.stdout == "Completed updating config for client-metric sub.\n", out
    out = configs("--entity-name", "sub", "--describe")
    assert out.stdout.splitlines() == [
        "Dynamic configs for client-metric sub are:",
        "  interval.ms=2000 sensitive=false synonyms={DYNAMIC_CLIENT_METRICS_CONFIG:interval.ms=2000}",
        "  metrics=org.apache.kafka.consumer.,org.apache.kafka.producer. sensitive=false "
        "synonyms={DYNAMIC_CLIENT_METRICS_CONFIG:metrics=org.apache.kafka.consumer.,"
        "org.apache.kafka.producer.}",
    ], out
    out = configs("--entity-name", "sub", "--alter", "--delete-config", "interval.ms")
    assert out.returncode == 0, out
    assert "interval.ms" not in configs("--describe").stdout
    assert tool(broker, "--list").stdout == "sub\n"
    out = configs("--entity-name", "sub", "--alter", "--add-config", "colour=blue")
    assert out.returncode == 1 and "Unknown client metrics configuration: colour" in out.stderr, out
