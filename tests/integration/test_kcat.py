"""kcat (librdkafka 2.0.2) against the real broker: metadata, and 10,000 keyed messages with
headers per compression codec, consumed back byte for byte."""
import pytest

from conftest import kcat

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
COUNT = 10_000


def test_metadata_lists_broker_and_topics(broker):
    kcat("-b", broker.bootstrap, "-P", "-t", "meta-topic", input=b"x\n")
    out = kcat("-b", broker.bootstrap, "-L").stdout.decode()
    assert f"broker 1 at {broker.bootstrap}" in out
    assert 'topic "meta-topic" with 1 partitions' in out
    assert "partition 0, leader 1, replicas: 1, isrs: 1" in out


@pytest.mark.parametrize("codec", CODECS)
def test_keyed_messages_with_headers_round_trip(broker, codec):
    topic = f"kcat-{codec}"
    lines = [f"key-{i}|value-{i}-{'x' * (i % 50)}" for i in range(COUNT)]
    kcat("-b", broker.bootstrap, "-P", "-t", topic, "-z", codec, "-K", "|",
         "-H", "origin=kcat", "-H", f"codec={codec}", "-X", "linger.ms=5",
         input=("\n".join(lines) + "\n").encode())
    out = kcat("-b", broker.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
               "-f", "%o|%k|%s|%h\n").stdout.decode()
    got = out.splitlines()
    assert len(got) == COUNT
    for i, line in enumerate(got):
        offset, key, value, headers = line.split("|", 3)
        assert int(offset) == i
        assert key == f"key-{i}"
        assert value == f"value-{i}-{'x' * (i % 50)}"
        assert headers == f"origin=kcat,codec={codec}"
