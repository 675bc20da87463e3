"""The seed's command sequence on one broker, command for command: create a topic to act as the
queue, describe it, delete a wrongly created topic (with its note), run a producer and type a
message and another, and see them arrive at a consumer reading from the beginning. Outputs and
exit codes are compared with Kafka's."""
import re
import subprocess
import time

from conftest import SOURCE_DIR

BIN = SOURCE_DIR / "bin"


def tool(name, *args, input=None, timeout=60):
    return subprocess.run([str(BIN / f"{name}.sh"), *args], input=input, capture_output=True,
                          text=True, timeout=timeout)


def topics(broker, *args):
    return tool("kafka-topics", "--bootstrap-server", broker.bootstrap, *args)


def wait_listed(broker, name, present, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = topics(broker, "--list").stdout.splitlines()
        if (name in listed) == present:
            return True
        time.sleep(0.2)
    return False


def test_seed_walkthrough(broker):
    # Create the topic that acts as the queue.
    p = topics(broker, "--create", "--replication-factor", "1", "--partitions", "1",
               "--topic", "queue")
    assert (p.returncode, p.stdout, p.stderr) == (0, "Created topic queue.\n", "")

    # Creating it again is Kafka's error, exit 1; --if-not-exists makes it a no-op.
    p = topics(broker, "--create", "--replication-factor", "1", "--partitions", "1",
               "--topic", "queue")
    assert (p.returncode, p.stdout) == (
        1, "Error while executing topic command : Topic 'queue' already exists.\n")
    p = topics(broker, "--create", "--if-not-exists", "--partitions", "1", "--topic", "queue")
    assert (p.returncode, p.stdout) == (0, "")

    # Describe it: Kafka's layout.
    p = topics(broker, "--describe", "--topic", "queue")
    assert p.returncode == 0, p.stdout
    head, partition = p.stdout.splitlines()
    assert re.fullmatch(r"Topic: queue(\tTopicId: [A-Za-z0-9_-]{22})?\tPartitionCount: 1\t"
                        r"ReplicationFactor: 1\tConfigs: [^\t]*", head), head
    assert partition == "\tTopic: queue\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1"

    # A wrongly created topic is deleted, with Kafka's note.
    assert topics(broker, "--create", "--partitions", "1", "--topic", "queu").returncode == 0
    p = topics(broker, "--delete", "--topic", "queu")
    assert (p.returncode, p.stdout) == (
        0, "Topic queu is marked for deletion.\n"
           "Note: This will have no impact if delete.topic.enable is not set to true.\n")
    assert wait_listed(broker, "queu", present=False)
    assert topics(broker, "--list").stdout.splitlines().count("queue") == 1

    # The producer: type a message, and another.
    p = tool("kafka-console-producer", "--broker-list", broker.bootstrap, "--topic", "queue",
             input="This is a message\nThis is another message\n")
    assert (p.returncode, p.stdout) == (0, ""), p.stderr

    # The consumer: the messages have arrived.
    p = tool("kafka-console-consumer", "--bootstrap-server", broker.bootstrap, "--topic", "queue",
             "--from-beginning", "--max-messages", "2")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "This is a message\nThis is another message\n"
    assert p.stderr == "Processed a total of 2 messages\n"


def test_create_options_alter_and_delete(broker):
    p = topics(broker, "--create", "--topic", "configured", "--partitions", "2",
               "--replication-factor", "1", "--config", "cleanup.policy=compact",
               "--config", "retention.ms=86400000")
    assert (p.returncode, p.stdout) == (0, "Created topic configured.\n")
    p = topics(broker, "--describe", "--topic", "configured")
    head = p.stdout.splitlines()[0]
    configs = head.split("\tConfigs: ")[1].split(",")
    assert "cleanup.policy=compact" in configs and "retention.ms=86400000" in configs
    assert len(p.stdout.splitlines()) == 3

    p = topics(broker, "--describe", "--topics-with-overrides")
    assert p.returncode == 0 and p.stdout.startswith("Topic: configured")

    p = topics(broker, "--alter", "--topic", "configured", "--partitions", "3")
    assert (p.returncode, p.stdout) == (0, "")
    assert "PartitionCount: 3" in topics(broker, "--describe", "--topic", "configured").stdout

    p = topics(broker, "--create", "--topic", "assigned", "--replica-assignment", "1,1")
    assert (p.returncode, p.stdout) == (0, "Created topic assigned.\n")
    assert "PartitionCount: 2" in topics(broker, "--describe", "--topic", "assigned").stdout

    p = topics(broker, "--create", "--topic", "with.dot_underscore", "--partitions", "1")
    assert p.returncode == 0
    assert p.stdout.startswith("WARNING: Due to limitations in metric names, topics with a period")

    p = topics(broker, "--create", "--topic", "toomany", "--replication-factor", "3")
    assert p.returncode == 1
    assert p.stdout.startswith("Error while executing topic command : ")

    p = topics(broker, "--delete", "--topic", "does-not-exist")
    assert (p.returncode, p.stdout) == (
        1, "Error while executing topic command : Topic 'does-not-exist' does not exist as expected\n")
    p = topics(broker, "--delete", "--topic", "does-not-exist", "--if-exists")
    assert (p.returncode, p.stdout) == (0, "")
    p = topics(broker, "--alter", "--topic", "does-not-exist", "--partitions", "2", "--if-exists")
    assert (p.returncode, p.stdout) == (0, "")
