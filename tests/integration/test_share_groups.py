"""KIP-932 share groups (issue #14) with the client that speaks them: Java 4.x KafkaShareConsumer.

Members of a share group subscribe with ShareGroupHeartbeat (the broker assigns each partition to
one or more members) and read with ShareFetch: the partition leader hands each record to one
member at a time, locked until that member acknowledges it (ShareAcknowledge, or with its next
ShareFetch). Checked here: three consumers on one partition together get every record once and
never the same record at once; a released record is delivered again, each time with a higher
delivery count, until group.share.delivery.count.limit archives it; ShareGroupDescribe and
ListGroups show the group.

The share partition starts at the partition's end (share.auto.offset.reset=latest, Kafka's
default), so each test first sends probe records until a member has received one: from then on
every record produced is for the group."""
import json
import subprocess
import time

from confluent_kafka import Producer

from clients import java, java_background
from conftest import SOURCE_DIR, wait_for


def create_topic(broker, name, partitions):
    java("AdminOps", f"--bootstrap={broker.bootstrap}", f"--create-topic={name}",
         f"--partitions={partitions}", line="4.x")


class Member:
    """One ShareConsume program; its deliveries are read back from its events file."""

    def __init__(self, broker, tmp_path, name, group, topic, *extra):
        """`broker`: anything with a .bootstrap (a broker or a cluster)."""
        self.dir = tmp_path / name
        self.dir.mkdir(parents=True)
        self.events_file = self.dir / "events.jsonl"
        self.events_file.touch()
        self.stop_file = self.dir / "stop"
        self.proc = java_background(
            "ShareConsume", f"--bootstrap={broker.bootstrap}", f"--group={group}",
            f"--topic={topic}", f"--events={self.events_file}", f"--stop-file={self.stop_file}",
            "--timeout-ms=240000", *extra, workdir=self.dir, line="4.x")

    def events(self):
        return [json.loads(line) for line in self.events_file.read_text().splitlines()
                if line.endswith("}")]

    def stop(self):
        self.stop_file.touch()
        return self.proc.wait(120)


def producer(broker):
    return Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 0})


def send(p, topic, values, partition=0):
    for v in values:
        p.produce(topic, value=v.encode(), partition=partition)
    assert p.flush(30) == 0


def probe_until_delivered(p, topic, members, partitions=1):
    """Sends probes to every partition until each has delivered one to some member."""
    sent = [0]

    def delivered():
        seen = {e["p"] for m in members for e in m.events() if e["v"].startswith("probe-")}
        if len(seen) == partitions:
            return True
        for part in range(partitions):
            send(p, topic, [f"probe-{sent[0]}"], partition=part)
        sent[0] += 1
        return False

    wait_for(delivered, timeout=90, what="a share consumer receiving a probe")


def test_three_share_consumers_on_one_partition_get_every_record_once(broker, tmp_path):
    create_topic(broker, "share-three", 1)
    members = [Member(broker, tmp_path, f"m{i}", "share-three-group", "share-three")
               for i in range(3)]
    p = producer(broker)
    probe_until_delivered(p, "share-three", members)
    values = [f"r-{i}" for i in range(600)]
    # In waves, so that the members' fetches interleave.
    for wave in range(6):
        send(p, "share-three", values[wave * 100:(wave + 1) * 100])

    def all_received():
        got = {e["v"] for m in members for e in m.events()}
        return set(values) <= got

    wait_for(all_received, timeout=120, what="every record delivered to some member")
    results = [m.stop() for m in members]
    deliveries = [e for m in members for e in m.events() if e["v"].startswith("r-")]
    # Every record accepted at its first delivery: no record reached two members, or one twice.
    assert sorted(e["v"] for e in deliveries) == sorted(values)
    assert {e["d"] for e in deliveries} == {1}
    assert all(r["acknowledge_errors"] == 0 for r in results), results
    # Offsets are contiguous and each went to one member.
    offsets = [e["o"] for e in deliveries]
    assert len(set(offsets)) == len(offsets)


def test_a_released_record_comes_back_until_the_delivery_count_limit_archives_it(
        broker_factory, tmp_path):
    broker = broker_factory(overrides={"group.share.delivery.count.limit": "3"}).start()
    create_topic(broker, "share-release", 1)
    member = Member(broker, tmp_path, "m", "share-release-group", "share-release",
                    "--release=poison")
    p = producer(broker)
    probe_until_delivered(p, "share-release", [member])
    send(p, "share-release", ["before", "poison", "after"])

    def poison_deliveries():
        return [e["d"] for e in member.events() if e["v"] == "poison"]

    wait_for(lambda: len(poison_deliveries()) >= 3, timeout=60, what="three deliveries of poison")
    # Archived after its third delivery: a record sent later arrives with no fourth before it.
    send(p, "share-release", ["trailer"])
    wait_for(lambda: any(e["v"] == "trailer" for e in member.events()), timeout=60,
             what="the trailer record")
    result = member.stop()
    assert poison_deliveries() == [1, 2, 3], member.events()
    others = [e for e in member.events() if e["v"] in ("before", "after", "trailer")]
    assert sorted(e["v"] for e in others) == ["after", "before", "trailer"]
    assert {e["d"] for e in others} == {1}
    assert result["acknowledge_errors"] == 0, result


def share_groups_tool(broker, *args):
    return subprocess.run([str(SOURCE_DIR / "bin" / "kafka-share-groups.sh"), "--bootstrap-server",
                           broker.bootstrap, *args], capture_output=True, text=True, timeout=60)


def test_share_groups_are_described_and_listed(broker, tmp_path):
    create_topic(broker, "share-describe", 3)
    members = [Member(broker, tmp_path, f"d{i}", "share-describe-group", "share-describe")
               for i in range(2)]
    try:
        partitions = ["share-describe-0", "share-describe-1", "share-describe-2"]

        def described():
            # Settled: both members have moved to the assignment of the epoch the second joined
            # at (the first learns it at its next heartbeat): each partition goes to one member.
            got = java("ShareGroupAdmin", f"--bootstrap={broker.bootstrap}",
                       "--describe=share-describe-group", line="4.x", check=False)
            members = got.get("members") or []
            assigned = sorted(p for m in members for p in m["assignment"])
            return got if len(members) == 2 and assigned == partitions else None

        got = wait_for(described, timeout=90, what="two members splitting three partitions")
        assert got["state"] == "Stable", got
        assert all(m["assignment"] for m in got["members"]), got
        assert all(m["client_id"] == "sluice-java-share" for m in got["members"]), got
        listed = java("ShareGroupAdmin", f"--bootstrap={broker.bootstrap}", "--list", line="4.x")
        # Java's GroupType and GroupState print as "Share" and "Stable".
        assert {"id": "share-describe-group", "type": "Share", "state": "Stable"} in listed["groups"], \
            listed

        # kafka-share-groups.sh, in Kafka's layouts.
        out = share_groups_tool(broker, "--list")
        assert out.returncode == 0 and out.stdout.split() == ["share-describe-group"], out
        out = share_groups_tool(broker, "--list", "--state")
        assert out.stdout.splitlines() == ["GROUP                STATE",
                                           "share-describe-group Stable"], out
        out = share_groups_tool(broker, "--describe", "--group", "share-describe-group", "--members")
        rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
        assert rows[0] == ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"]
        assert sorted(r[5] for r in rows[1:]) == ["share-describe:0,2", "share-describe:1"], out
        assert {r[2] for r in rows[1:]} == {"/127.0.0.1"} and {r[4] for r in rows[1:]} == {"1", "2"}
        out = share_groups_tool(broker, "--describe", "--group", "share-describe-group", "--state")
        rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
        assert rows[0] == ["GROUP", "COORDINATOR", "(ID)", "STATE", "#MEMBERS"], out
        assert rows[1][0] == "share-describe-group" and rows[1][-2:] == ["Stable", "2"], out

        # The start offsets: each share partition was started at the end of its (empty) partition
        # when first fetched; records accepted move it on.
        def offsets():
            out = share_groups_tool(broker, "--describe", "--group", "share-describe-group")
            rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
            return rows if len(rows) == 4 else None

        rows = wait_for(offsets, timeout=60, what="three share partitions with offsets")
        assert rows[0] == ["GROUP", "TOPIC", "PARTITION", "START-OFFSET", "LAG"], rows
        assert [r[2] for r in rows[1:]] == ["0", "1", "2"]
        assert all(r[3] == "0" and r[4] == "0" for r in rows[1:]), rows
        p = producer(broker)
        send(p, "share-describe", [f"x-{i}" for i in range(10)], partition=1)
        wait_for(lambda: sum(len(m.events()) for m in members) == 10, timeout=60,
                 what="ten records delivered")

        def moved():
            rows = offsets()
            return rows if rows and rows[2][3] == "10" else None

        rows = wait_for(moved, timeout=60, what="partition 1's start offset at 10")
        assert rows[2][4] == "0", rows
        out = share_groups_tool(broker, "--delete", "--group", "share-describe-group")
        assert "is not EMPTY" in out.stdout and out.returncode != 0, out
    finally:
        for m in members:
            m.stop()
    # The members left when they closed: the group is empty and may go.
    wait_for(lambda: "Empty" in share_groups_tool(broker, "--list", "--state").stdout, timeout=30,
             what="the group empty")
    out = share_groups_tool(broker, "--delete", "--group", "share-describe-group")
    assert out.stdout.strip() == \
        "Deletion of requested share groups ('share-describe-group') was successful.", out
    assert share_groups_tool(broker, "--list").stdout.strip() == ""
    out = share_groups_tool(broker, "--describe", "--group", "share-describe-group")
    assert "Error: Share group 'share-describe-group' does not exist." in out.stdout, out


def test_share_state_survives_a_broker_killed_and_restarted(broker_factory, tmp_path):
    # The state of a share partition lives in __share_group_state: after SIGKILL and a restart the
    # group neither gets again what it accepted (each acknowledgement was written before it was
    # answered) nor skips what was produced while nobody read (the start offset was kept).
    broker = broker_factory().start()
    create_topic(broker, "share-restart", 1)
    first = Member(broker, tmp_path, "first", "share-restart-group", "share-restart")
    p = producer(broker)
    probe_until_delivered(p, "share-restart", [first])
    send(p, "share-restart", [f"a-{i}" for i in range(100)])
    wait_for(lambda: sum(e["v"].startswith("a-") for e in first.events()) == 100, timeout=60,
             what="the first member receiving a-0..a-99")
    stopped = first.stop()  # commitSync after every poll: all of it acknowledged and answered
    assert stopped["acknowledge_errors"] == 0, stopped
    send(p, "share-restart", [f"b-{i}" for i in range(100)])
    broker.kill()
    broker.start()
    second = Member(broker, tmp_path, "second", "share-restart-group", "share-restart")
    wait_for(lambda: sum(e["v"].startswith("b-") for e in second.events()) >= 100, timeout=90,
             what="the second member receiving b-0..b-99 after the restart")
    second.stop()
    got = second.events()
    assert not [e for e in got if e["v"].startswith("a-")], "accepted records came back"
    b_values = sorted(e["v"] for e in got if e["v"].startswith("b-"))
    assert b_values == sorted(f"b-{i}" for i in range(100))
    assert {e["d"] for e in got if e["v"].startswith("b-")} == {1}


def test_the_console_share_consumer_reads_and_acknowledges(broker, tmp_path):
    create_topic(broker, "share-console", 1)
    out_path, err_path = tmp_path / "console.out", tmp_path / "console.err"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        console = subprocess.Popen(
            [str(SOURCE_DIR / "bin" / "kafka-console-share-consumer.sh"), "--bootstrap-server",
             broker.bootstrap, "--topic", "share-console", "--group", "console-group",
             "--property", "print.key=true", "--property", "print.offset=true",
             "--timeout-ms", "60000"], stdout=out, stderr=err, text=True)
    try:
        p = producer(broker)
        sent = [0]

        def started():  # probes until the share partition is started and one is printed
            if "probe" in out_path.read_text():
                return True
            p.produce("share-console", key=b"k", value=f"probe-{sent[0]}".encode(), partition=0)
            p.flush(10)
            sent[0] += 1
            time.sleep(0.2)
            return False

        wait_for(started, timeout=60, what="the console share consumer printing a probe")
        for i in range(50):
            p.produce("share-console", key=f"key-{i}".encode(), value=f"c-{i}".encode(), partition=0)
        assert p.flush(30) == 0
        wait_for(lambda: out_path.read_text().count("\tc-") == 50, timeout=60,
                 what="fifty records printed")
    finally:
        console.terminate()
        console.wait(60)
    lines = [line.split("\t") for line in out_path.read_text().splitlines()]
    records = [line for line in lines if line[-1].startswith("c-")]
    # print.offset and print.key: "Offset:N", the key, the value — each record once, in order.
    assert [r[-1] for r in records] == [f"c-{i}" for i in range(50)], lines
    assert [r[1] for r in records] == [f"key-{i}" for i in range(50)]
    offsets = [int(r[0].removeprefix("Offset:")) for r in records]
    assert offsets == list(range(offsets[0], offsets[0] + 50))
    total = len(lines)
    assert f"Processed a total of {total} messages" in err_path.read_text()
    # Everything printed was accepted: the share partition's start offset is past it all.
    end = offsets[-1] + 1

    def accepted():
        out = share_groups_tool(broker, "--describe", "--group", "console-group")
        rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
        return len(rows) == 2 and rows[1][3] == str(end) and rows[1][4] == "0"

    wait_for(accepted, timeout=30, what=f"the start offset at {end}")


def share_admin(broker, *args, check=True):
    return java("ShareGroupAdmin", f"--bootstrap={broker.bootstrap}", *args, line="4.x",
                check=check)


def test_share_offsets_are_reset_and_deleted_while_the_group_is_empty(broker, tmp_path):
    """kafka-share-groups --reset-offsets/--delete-offsets and Kafka 4.x's Admin
    alterShareGroupOffsets/deleteShareGroupOffsets (AlterShareGroupOffsets and
    DeleteShareGroupOffsets, which reach the share coordinator as Initialize- and
    DeleteShareGroupState): a reset makes the next member read again from the new start, a
    deletion forgets the topic, and deleting the group forgets its state."""
    topic, group = "share-reset", "share-reset-group"
    create_topic(broker, topic, 1)
    p = producer(broker)
    first = Member(broker, tmp_path, "first", group, topic)
    try:
        probe_until_delivered(p, topic, [first])
        send(p, topic, [f"a-{i}" for i in range(10)])
        wait_for(lambda: sum(e["v"].startswith("a-") for e in first.events()) == 10, timeout=60,
                 what="ten records delivered")
        # While a member is in the group its offsets stay as they are.
        out = share_groups_tool(broker, "--reset-offsets", "--group", group, "--topic", topic,
                                "--to-earliest", "--execute")
        assert out.returncode == 1 and f"Share group '{group}' is not empty." in out.stderr, out
        refused = share_admin(broker, f"--alter-offsets={group}", f"--offsets={topic}:0:0",
                              check=False)
        assert "GroupNotEmptyException" in refused.get("error", ""), refused
    finally:
        first.stop()
    wait_for(lambda: "Empty" in share_groups_tool(broker, "--list", "--state").stdout, timeout=30,
             what="the group empty")
    end = share_admin(broker, f"--list-offsets={group}")["offsets"][f"{topic}-0"]
    assert end >= 11, end  # the probes and the ten, all accepted

    # --dry-run plans without changing anything; --execute applies the plan.
    out = share_groups_tool(broker, "--reset-offsets", "--group", group, "--topic", topic,
                            "--to-offset", "3", "--dry-run")
    rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
    assert rows == [["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], [group, topic, "0", "3"]], out
    assert share_admin(broker, f"--list-offsets={group}")["offsets"][f"{topic}-0"] == end
    out = share_groups_tool(broker, "--reset-offsets", "--group", group, "--all-topics",
                            "--to-earliest", "--execute")
    rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
    assert rows[1] == [group, topic, "0", "0"], out
    assert share_admin(broker, f"--list-offsets={group}")["offsets"][f"{topic}-0"] == 0

    # Java's Admin moves it again; the next member reads from there, every record again.
    assert share_admin(broker, f"--alter-offsets={group}",
                       f"--offsets={topic}:0:{end - 10}")["done"] is True
    second = Member(broker, tmp_path, "second", group, topic)
    try:
        wait_for(lambda: sum(e["v"].startswith("a-") for e in second.events()) == 10, timeout=90,
                 what="the ten records delivered again after the reset")
        assert not any(e["v"].startswith("probe-") for e in second.events()), second.events()
        assert all(e["d"] == 1 for e in second.events()), second.events()
    finally:
        second.stop()
    wait_for(lambda: "Empty" in share_groups_tool(broker, "--list", "--state").stdout, timeout=30,
             what="the group empty again")

    # --delete-offsets forgets the topic's share state; a second time there is nothing left.
    out = share_groups_tool(broker, "--delete-offsets", "--group", group, "--topic", topic)
    rows = [line.split(None, 1) for line in out.stdout.splitlines() if line.strip()]
    assert rows == [["TOPIC", "STATUS"], [topic, "Successful"]], out
    out = share_groups_tool(broker, "--describe", "--group", group)
    assert f"Share group '{group}' has no offset information." in out.stdout, out
    failed = share_admin(broker, f"--delete-offsets={group}", f"--topics={topic}", check=False)
    assert "There is no offset information to delete." in failed.get("error", ""), failed

    # A reset state goes with the group: a group of the same name starts afresh at the end.
    share_admin(broker, f"--alter-offsets={group}", f"--offsets={topic}:0:0")
    assert share_admin(broker, f"--list-offsets={group}")["offsets"][f"{topic}-0"] == 0
    out = share_groups_tool(broker, "--delete", "--group", group)
    assert "was successful" in out.stdout, out
    third = Member(broker, tmp_path, "third", group, topic)
    try:
        probe_until_delivered(p, topic, [third])
        assert not any(e["v"].startswith("a-") for e in third.events()), third.events()
    finally:
        third.stop()


def group_configs_tool(broker, *args):
    return subprocess.run([str(SOURCE_DIR / "bin" / "kafka-configs.sh"), "--bootstrap-server",
                           broker.bootstrap, "--entity-type", "groups", *args],
                          capture_output=True, text=True, timeout=60)


def test_a_group_config_starts_a_share_group_at_the_earliest_record(broker, tmp_path):
    """Group configs (ConfigResource GROUP, Kafka 4.x): share.auto.offset.reset=earliest makes a
    new share group deliver what was written before it existed."""
    topic, group = "share-earliest", "share-earliest-group"
    create_topic(broker, topic, 1)
    send(producer(broker), topic, [f"old-{i}" for i in range(5)])
    out = group_configs_tool(broker, "--entity-name", group, "--alter", "--add-config",
                             "share.auto.offset.reset=earliest")
    assert out.returncode == 0 and out.stdout == f"Completed updating config for group {group}.\n", out
    out = group_configs_tool(broker, "--entity-name", group, "--describe")
    assert out.stdout.splitlines() == [
        f"Dynamic configs for group {group} are:",
        "  share.auto.offset.reset=earliest sensitive=false "
        "synonyms={DYNAMIC_GROUP_CONFIG:share.auto.offset.reset=earliest}"], out
    out = group_configs_tool(broker, "--entity-name", group, "--describe", "--all")
    assert "  share.delivery.count.limit=5 sensitive=false synonyms={}" in out.stdout, out
    # Kafka's checks.
    out = group_configs_tool(broker, "--entity-name", group, "--alter", "--add-config",
                             "share.auto.offset.reset=sometimes")
    assert out.returncode == 1 and "share.auto.offset.reset" in out.stderr, out
    out = group_configs_tool(broker, "--entity-name", group, "--alter", "--add-config", "colour=1")
    assert out.returncode == 1 and "Unknown group config name: colour" in out.stderr, out

    member = Member(broker, tmp_path, "early", group, topic)
    try:
        wait_for(lambda: sorted(e["v"] for e in member.events()) ==
                 [f"old-{i}" for i in range(5)], timeout=90, what="the five older records")
    finally:
        member.stop()
