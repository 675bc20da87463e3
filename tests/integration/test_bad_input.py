"""Hostile and broken input on raw sockets: the broker answers what it can, closes what it must,
and keeps serving a well-behaved client meanwhile."""
import socket
import struct

from conftest import kcat
from kafka_wire import record_batch


def frame(body):
    return struct.pack(">i", len(body)) + body


def request(api_key, version, correlation_id, body=b"", client_id=b"raw"):
    header = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id
    return frame(header + body)


def read_frame(sock):
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    return recv_exact(sock, size)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def closed_by_peer(sock, timeout=5):
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def connect(broker):
    return socket.create_connection(("127.0.0.1", broker.port), timeout=5)


def healthy(broker):
    kcat("-b", broker.bootstrap, "-P", "-t", "health", input=b"ping\n")
    out = kcat("-b", broker.bootstrap, "-C", "-t", "health", "-o", "-1", "-e", "-q").stdout
    return out.strip().endswith(b"ping")


def test_garbage_closes_only_that_connection(broker):
    good = connect(broker)
    bad = connect(broker)
    bad.sendall(frame(b"\x00\x12\x00"))  # 3 bytes: not even a header
    assert closed_by_peer(bad)
    good.sendall(request(18, 0, 7))
    assert struct.unpack(">i", read_frame(good)[:4])[0] == 7
    assert healthy(broker)


def test_huge_size_prefix_is_refused_without_allocating(broker):
    bad = connect(broker)
    bad.sendall(struct.pack(">i", 0x7FFFFFF0) + b"\x00" * 16)
    assert closed_by_peer(bad)
    neg = connect(broker)
    neg.sendall(struct.pack(">i", -5))
    assert closed_by_peer(neg)
    assert "127.0.0.1" in broker.log_text()
    assert healthy(broker)


def test_truncated_frame_then_close_is_harmless(broker):
    bad = connect(broker)
    bad.sendall(struct.pack(">i", 100) + b"\x00\x12")
    bad.close()
    assert healthy(broker)


def test_unknown_api_key_closes_connection(broker):
    s = connect(broker)
    s.sendall(request(999, 0, 1))
    assert closed_by_peer(s)
    assert healthy(broker)


def test_api_versions_unknown_version_answers_v0_unsupported(broker):
    s = connect(broker)
    s.sendall(request(18, 99, 42))
    body = read_frame(s)
    correlation, error = struct.unpack(">ih", body[:6])
    assert correlation == 42
    assert error == 35  # UNSUPPORTED_VERSION
    count = struct.unpack(">i", body[6:10])[0]
    keys = {struct.unpack(">hhh", body[10 + 6 * i:16 + 6 * i])[0]: struct.unpack(">hhh", body[10 + 6 * i:16 + 6 * i])[1:]
            for i in range(count)}
    assert keys[18] == (0, 5)  # ApiVersions v5 (KIP-1242)


def produce_v3(topic, partition, batch, acks=1):
    body = struct.pack(">h", -1)  # transactional id: null
    body += struct.pack(">hi", acks, 5000)
    body += struct.pack(">i", 1) + struct.pack(">h", len(topic)) + topic.encode()
    body += struct.pack(">i", 1) + struct.pack(">i", partition) + struct.pack(">i", len(batch)) + batch
    return body


def simple_batch():
    """One uncompressed record (value b"v"), CRC-32C computed in Python."""
    return record_batch([(None, b"v")], timestamp=1000)


def produce_error(response):
    # ProduceResponse v3: correlation, topics[1]{name, partitions[1]{index, error, base offset...}}
    pos = 4 + 4
    name_len = struct.unpack(">h", response[pos:pos + 2])[0]
    pos += 2 + name_len + 4 + 4
    return struct.unpack(">h", response[pos:pos + 2])[0], struct.unpack(">q", response[pos + 2:pos + 10])[0]


def test_produce_with_bad_crc_gets_corrupt_message(broker):
    kcat("-b", broker.bootstrap, "-P", "-t", "crc", input=b"first\n")
    s = connect(broker)
    good = simple_batch()
    s.sendall(request(0, 3, 1, produce_v3("crc", 0, good)))
    error, offset = produce_error(read_frame(s))
    assert (error, offset) == (0, 1)
    bad = bytearray(good)
    bad[-2] ^= 0xFF  # flip a byte of the record: the CRC no longer matches
    s.sendall(request(0, 3, 2, produce_v3("crc", 0, bytes(bad))))
    error, _ = produce_error(read_frame(s))
    assert error == 2  # CORRUPT_MESSAGE
    out = kcat("-b", broker.bootstrap, "-C", "-t", "crc", "-o", "beginning", "-e", "-q").stdout.split()
    assert out == [b"first", b"v"]


def test_produce_to_missing_partition_and_topic(broker):
    kcat("-b", broker.bootstrap, "-P", "-t", "one", input=b"x\n")
    s = connect(broker)
    s.sendall(request(0, 3, 1, produce_v3("one", 5, simple_batch())))
    assert produce_error(read_frame(s))[0] == 3  # UNKNOWN_TOPIC_OR_PARTITION
    s.sendall(request(0, 3, 2, produce_v3("never-created", 0, simple_batch())))
    assert produce_error(read_frame(s))[0] == 3
    assert healthy(broker)


def test_produce_names_every_bad_record_as_kafka_does(broker):
    """KIP-467: Produce v8+ lists each invalid record of a batch (its index and Kafka's message),
    and nothing of the batch is written, so a client fails exactly those records."""
    import subprocess
    from conftest import SOURCE_DIR
    from kafka_wire import Client
    p = subprocess.run([str(SOURCE_DIR / "bin" / "kafka-topics.sh"), "--bootstrap-server", broker.bootstrap,
                        "--create", "--topic", "compacted-keys", "--config", "cleanup.policy=compact"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    batch = record_batch([(None, b"a"), (b"k", b"b"), (None, b"c")])
    c = Client(broker.port)

    def build(w):
        w.str(None).i16(-1).i32(10000)
        w.arr(["compacted-keys"], lambda w, t: w.str(t).arr([0], lambda w, p: w.i32(p).records(batch)))
    r = c.call(0, 8, False, build)
    parts = r.arr(lambda r: (r.str(), r.arr(lambda r: (
        r.i32(), r.i16(), r.i64(), r.i64(), r.i64(), r.arr(lambda r: (r.i32(), r.str())), r.str()))))
    _, [(_, error, base, _, _, record_errors, message)] = parts[0]
    c.close()
    why = "Compacted topic cannot accept message without key in topic partition compacted-keys-0"
    assert (error, base) == (87, -1)  # INVALID_RECORD
    assert record_errors == [(0, why), (2, why)]
    assert message == ("One or more records have been rejected due to 2 record errors in total, and "
                       f"only showing the first three errors at most: [RecordError(batchIndex=0, "
                       f"message='{why}'), RecordError(batchIndex=2, message='{why}')]")
    out = kcat("-b", broker.bootstrap, "-C", "-t", "compacted-keys", "-o", "beginning", "-e", "-q")
    assert out.stdout == b""


def test_metadata_with_an_empty_topic_name_gets_an_error_entry(broker):
    """Below v10 (no topic ids) an empty name is an invalid topic, answered as Kafka does
    (INVALID_TOPIC_EXCEPTION for "") — the connection stays open (issue #15)."""
    for version in (1, 9):
        s = connect(broker)
        try:
            topics = struct.pack(">i", 1) + struct.pack(">h", 0)  # one topic named ""
            body = topics + (b"\x01" if version >= 4 else b"")  # allow_auto_topic_creation
            if version >= 8:
                body += b"\x00\x00"  # include cluster/topic authorized operations
            if version >= 9:  # flexible: compact array, compact string, tagged fields
                body = b"\x02" + b"\x01" + b"\x00" + b"\x01" + b"\x00\x00" + b"\x00"
                header = struct.pack(">hhih", 3, version, 11, 3) + b"raw" + b"\x00"
                s.sendall(frame(header + body))
            else:
                s.sendall(request(3, version, 11, body))
            response = read_frame(s)
            assert struct.unpack(">i", response[:4])[0] == 11
            # The error entry: INVALID_TOPIC_EXCEPTION (17) for the empty name.
            assert struct.pack(">h", 17) in response, (version, response)
            s.sendall(request(18, 0, 12))  # still open: ApiVersions on the same connection
            assert struct.unpack(">i", read_frame(s)[:4])[0] == 12
        finally:
            s.close()
    assert healthy(broker)
