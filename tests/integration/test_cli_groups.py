"""kafka-consumer-groups.sh and `sluice group` against a real broker: a console consumer in a group
commits its offsets, then the group is listed, described (offsets and lag, members, state),
its offsets reset with each scenario, its offsets deleted, and the group deleted."""
import json
import os
import re
import subprocess

from conftest import SOURCE_DIR

BIN = SOURCE_DIR / "bin"


def tool(name, *args, input=None, timeout=60):
    return subprocess.run([str(BIN / f"{name}.sh"), *args], input=input, capture_output=True,
                          text=True, timeout=timeout)


def groups(broker, *args):
    return tool("kafka-consumer-groups", "--bootstrap-server", broker.bootstrap, *args)


def prepare(broker, topic, group, produced=5, consumed=3):
    p = tool("kafka-console-producer", "--bootstrap-server", broker.bootstrap, "--topic", topic,
             input="".join(f"m{i}\n" for i in range(produced)))
    assert p.returncode == 0, p.stderr
    p = tool("kafka-console-consumer", "--bootstrap-server", broker.bootstrap, "--topic", topic,
             "--group", group, "--from-beginning", "--max-messages", str(consumed))
    assert p.returncode == 0, p.stderr
    assert p.stdout == "".join(f"m{i}\n" for i in range(consumed))


def offsets_rows(stdout):
    lines = stdout.strip("\n").splitlines()
    assert lines[0].split() == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET",
                                "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"]
    return [l.split() for l in lines[1:]]


def test_list_describe_and_delete(broker):
    prepare(broker, "g-topic", "g1")
    p = groups(broker, "--list")
    assert p.returncode == 0 and "g1" in p.stdout.splitlines()
    p = groups(broker, "--list", "--state")
    assert re.search(r"^g1\s+Empty\s*$", p.stdout, re.M)
    p = groups(broker, "--list", "--state", "empty")
    assert re.search(r"^g1\s+Empty\s*$", p.stdout, re.M)
    p = groups(broker, "--list", "--type", "--state")
    assert re.search(r"^GROUP\s+TYPE\s+STATE\s*$", p.stdout, re.M), p.stdout
    assert re.search(r"^g1\s+Classic\s+Empty\s*$", p.stdout, re.M), p.stdout
    p = groups(broker, "--list", "--type", "consumer")
    assert p.returncode == 0 and "g1" not in p.stdout, p.stdout
    p = groups(broker, "--list", "--type", "queue")
    assert p.returncode != 0 and "Invalid types list 'queue'" in p.stdout + p.stderr

    p = groups(broker, "--describe", "--group", "g1")
    assert p.returncode == 0
    assert p.stderr == "\nConsumer group 'g1' has no active members.\n"
    assert p.stdout.startswith("\n")
    assert offsets_rows(p.stdout) == [["g1", "g-topic", "0", "3", "5", "2", "-", "-", "-"]]

    p = groups(broker, "--describe", "--group", "g1", "--state")
    lines = p.stdout.strip("\n").splitlines()
    assert lines[0].split()[:2] == ["GROUP", "COORDINATOR"]
    assert lines[1].split()[0] == "g1" and lines[1].split()[-2:] == ["Empty", "0"]
    p = groups(broker, "--describe", "--all-groups", "--members", "--verbose")
    assert p.returncode == 0

    p = groups(broker, "--describe", "--group", "nobody")
    assert "\nError: Consumer group 'nobody' does not exist.\n" in p.stdout

    p = groups(broker, "--delete", "--group", "g1")
    assert (p.returncode, p.stdout) == (0, "Deletion of requested consumer groups ('g1') was successful.\n")
    assert "g1" not in groups(broker, "--list").stdout.splitlines()


def test_reset_offsets_scenarios(broker, tmp_path):
    prepare(broker, "r-topic", "r1")
    base = ["--reset-offsets", "--group", "r1", "--topic", "r-topic"]

    def plan(*args):
        p = groups(broker, *base, *args)
        assert p.returncode == 0, p.stdout + p.stderr
        lines = p.stdout.strip("\n").splitlines()
        assert lines[0].split() == ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"]
        return [l.split() for l in lines[1:]]

    assert plan("--to-earliest", "--dry-run") == [["r1", "r-topic", "0", "0"]]
    assert plan("--to-latest", "--dry-run") == [["r1", "r-topic", "0", "5"]]
    assert plan("--shift-by", "-2", "--dry-run") == [["r1", "r-topic", "0", "1"]]
    assert plan("--to-offset", "99", "--dry-run") == [["r1", "r-topic", "0", "5"]]  # clamped
    assert plan("--to-current", "--dry-run") == [["r1", "r-topic", "0", "3"]]
    assert plan("--to-datetime", "2000-01-01T00:00:00.000", "--dry-run") == [["r1", "r-topic", "0", "0"]]
    assert plan("--by-duration", "PT1H", "--dry-run") == [["r1", "r-topic", "0", "0"]]
    p = groups(broker, *base, "--to-offset", "1", "--dry-run", "--export")
    assert p.stdout == "r-topic,0,1\n\n"
    # Without --execute or --dry-run: a warning and a dry run.
    p = groups(broker, *base, "--to-earliest")
    assert p.stderr.startswith("WARN: No action will be performed as the --execute option is missing.")

    assert plan("--to-offset", "1", "--execute") == [["r1", "r-topic", "0", "1"]]
    rows = offsets_rows(groups(broker, "--describe", "--group", "r1").stdout)
    assert rows[0][3:6] == ["1", "5", "4"]

    csv = tmp_path / "plan.csv"
    csv.write_text("r-topic,0,2\n")
    p = groups(broker, "--reset-offsets", "--group", "r1", "--from-file", str(csv), "--execute")
    assert p.returncode == 0, p.stdout
    p = groups(broker, "--reset-offsets", "--group", "r1", "--all-topics", "--to-latest", "--execute")
    assert p.returncode == 0
    assert offsets_rows(groups(broker, "--describe", "--group", "r1").stdout)[0][3:6] == ["5", "5", "0"]

    p = groups(broker, "--delete-offsets", "--group", "r1", "--topic", "r-topic")
    assert p.returncode == 0
    assert p.stdout.startswith("Request succeed for deleting offsets with topic r-topic group r1\n")
    assert re.search(r"^r-topic\s+0\s+Successful", p.stdout, re.M)


def test_group_usage_errors(broker):
    p = groups(broker, "--describe")
    assert p.returncode == 1
    assert p.stderr.startswith("Option [describe] takes one of these options: [group], [all-groups]\n")
    p = groups(broker, "--reset-offsets", "--group", "x", "--to-earliest", "--to-latest")
    assert p.returncode == 1 and "can't be used with option" in p.stderr
    p = groups(broker)
    assert p.returncode == 1 and p.stderr.startswith("Command must include exactly one action")
    p = groups(broker, "--list", "--group", "g")
    assert p.returncode == 1
    assert p.stderr.startswith('Option "[group]" can\'t be used with option "[list]"')


def test_sluice_group_commands(broker):
    prepare(broker, "s-topic", "s1", produced=4, consumed=4)
    env = {**os.environ, "SLUICE_BROKERS": broker.bootstrap}

    def sluice(*args):
        return subprocess.run([str(BIN / "sluice"), *args], capture_output=True, text=True,
                              env=env, timeout=60)

    listed = json.loads(sluice("group", "list", "--format", "json").stdout)
    assert {"group": "s1", "state": "Empty"} in listed
    doc = json.loads(sluice("group", "describe", "s1", "--format", "json").stdout)
    assert doc[0]["partitions"][0]["current_offset"] == 4 and doc[0]["total_lag"] == 0
    p = sluice("group", "reset", "s1", "--to", "earliest", "--execute")
    assert p.returncode == 0, p.stderr
    out = sluice("consume", "s-topic", "-g", "s1", "-n", "4").stdout
    assert out == "m0\nm1\nm2\nm3\n"
    p = sluice("group", "delete", "s1")
    assert p.returncode == 0 and re.search(r"^s1\s+deleted$", p.stdout, re.M)
