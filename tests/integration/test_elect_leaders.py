"""ElectLeaders through kafka-leader-election.sh: on one broker every partition already has its
preferred leader, so a named partition reports that no election was needed and unknown ones an
error; asking for all partitions elects nothing."""
import os
import subprocess

from conftest import SOURCE_DIR, kcat


def tool(*args):
    env = dict(os.environ)
    return subprocess.run([str(SOURCE_DIR / "bin" / "kafka-leader-election.sh"), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_preferred_election_is_not_needed_on_one_broker(broker):
    kcat("-b", broker.bootstrap, "-P", "-t", "elect", input=b"x\n")
    p = tool("--bootstrap-server", broker.bootstrap, "--election-type", "preferred",
             "--topic", "elect", "--partition", "0")
    assert p.returncode == 0, p.stderr
    assert "Valid replica already elected for partitions elect-0" in p.stdout
    p = tool("--bootstrap-server", broker.bootstrap, "--election-type", "preferred",
             "--all-topic-partitions")
    assert p.returncode == 0, p.stderr
    assert "Successfully completed" not in p.stdout


def test_election_for_a_missing_partition_fails(broker):
    kcat("-b", broker.bootstrap, "-P", "-t", "elect2", input=b"x\n")
    p = tool("--bootstrap-server", broker.bootstrap, "--election-type", "preferred",
             "--topic", "elect2", "--partition", "7")
    assert p.returncode != 0 or "elect2-7" in p.stdout + p.stderr
    assert "elect2-7" in p.stdout + p.stderr
