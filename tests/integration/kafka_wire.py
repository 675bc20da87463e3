"""A minimal Kafka wire codec for integration tests that speak the protocol on a raw socket:
request/response encoders (W, R), a one-connection client, CRC-32C and a v2 record-batch builder
with producer ids, sequences, the transactional flag and control markers, and legacy (magic 0/1)
message sets with Produce v0-2, Fetch v0-3 and ListOffsets v0. Tests use it for the
versions and requests no client library here sends, and to send hostile input on purpose."""
import socket
import struct
import zlib


class W:
    """Request body writer; `flex` selects the compact (KIP-482) encodings."""

    def __init__(self, flex):
        self.flex, self.b = flex, bytearray()

    def i8(self, v): self.b += struct.pack(">b", v); return self
    def i16(self, v): self.b += struct.pack(">h", v); return self
    def i32(self, v): self.b += struct.pack(">i", v); return self
    def i64(self, v): self.b += struct.pack(">q", v); return self
    def bool(self, v): return self.i8(1 if v else 0)

    def records(self, data):
        """A records (nullable bytes) field."""
        if data is None:
            return self.uvarint(0) if self.flex else self.i32(-1)
        (self.uvarint(len(data) + 1) if self.flex else self.i32(len(data)))
        self.b += data
        return self
    def uuid(self, v): self.b += v; return self

    def uvarint(self, n):
        while n >= 0x80:
            self.b.append((n & 0x7F) | 0x80)
            n >>= 7
        self.b.append(n)
        return self

    def str(self, s):
        if s is None:
            return self.uvarint(0) if self.flex else self.i16(-1)
        data = s.encode()
        (self.uvarint(len(data) + 1) if self.flex else self.i16(len(data)))
        self.b += data
        return self

    def arr(self, items, fn):
        if items is None:
            return self.uvarint(0) if self.flex else self.i32(-1)
        (self.uvarint(len(items) + 1) if self.flex else self.i32(len(items)))
        for item in items:
            fn(self, item)
        return self

    def tags(self):
        return self.uvarint(0) if self.flex else self


class R:
    def __init__(self, data, flex):
        self.d, self.p, self.flex = data, 0, flex

    def _take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)[0]
        self.p += struct.calcsize(fmt)
        return v

    def i8(self): return self._take(">b")
    def i16(self): return self._take(">h")
    def i32(self): return self._take(">i")
    def i64(self): return self._take(">q")
    def bool(self): return self.i8() != 0

    def uuid(self):
        v = self.d[self.p:self.p + 16]
        self.p += 16
        return bytes(v)

    def uvarint(self):
        n = shift = 0
        while True:
            b = self.d[self.p]
            self.p += 1
            n |= (b & 0x7F) << shift
            if b < 0x80:
                return n
            shift += 7

    def str(self):
        n = self.uvarint() - 1 if self.flex else self.i16()
        if n < 0:
            return None
        v = bytes(self.d[self.p:self.p + n]).decode()
        self.p += n
        return v

    def arr(self, fn):
        n = self.uvarint() - 1 if self.flex else self.i32()
        return None if n < 0 else [fn(self) for _ in range(n)]

    def records(self):
        n = self.uvarint() - 1 if self.flex else self.i32()
        if n < 0:
            return None
        v = bytes(self.d[self.p:self.p + n])
        self.p += n
        return v

    def tags(self):
        if self.flex:
            for _ in range(self.uvarint()):
                self.uvarint()
                size = self.uvarint()  # read before adding: `self.p += self.uvarint()` drops the
                self.p += size         # varint's own bytes (p is read before the call moves it)


class Client:
    def __init__(self, port, source=None, client_id="test"):
        """`source`: the local address to connect from (another loopback address, e.g. 127.0.0.2)."""
        self.client_id = client_id.encode()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30,
                                             source_address=(source, 0) if source else None)
        self.correlation = 0

    def close(self):
        self.sock.close()

    def _read(self, n):
        out = bytearray()
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("broker closed the connection")
            out += chunk
        return bytes(out)

    def call(self, api_key, version, flex, build):
        """Sends one request (header v1, or v2 when flexible) and returns a reader of the body."""
        self.correlation += 1
        body = W(flex)
        build(body)
        header = struct.pack(">hhi", api_key, version, self.correlation) + struct.pack(">h", len(self.client_id)) + self.client_id
        if flex:
            header += b"\x00"
        frame = header + bytes(body.b)
        self.sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", self._read(4))[0]
        r = R(self._read(size), flex)
        assert r.i32() == self.correlation
        r.tags()  # response header v1 when flexible
        return r



def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def _varint(n):
    """Zigzag varint, as record fields are encoded."""
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _bytes_field(b):
    return _varint(-1) if b is None else _varint(len(b)) + b


def record_batch(records, producer_id=-1, producer_epoch=-1, base_sequence=-1,
                 transactional=False, control=False, timestamp=1_700_000_000_000):
    """One uncompressed v2 batch of (key, value) records (bytes or None), offsets from 0."""
    body = b""
    for i, (key, value) in enumerate(records):
        rec = b"\x00" + _varint(0) + _varint(i) + _bytes_field(key) + _bytes_field(value) + _varint(0)
        body += _varint(len(rec)) + rec
    attributes = (0x10 if transactional else 0) | (0x20 if control else 0)
    after_crc = struct.pack(">hiqqqhii", attributes, len(records) - 1, timestamp, timestamp,
                            producer_id, producer_epoch, base_sequence, len(records)) + body
    tail = struct.pack(">ibI", -1, 2, crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(tail)) + tail


def end_txn_marker(producer_id, producer_epoch, commit, coordinator_epoch=0):
    """A COMMIT/ABORT control batch, as a coordinator writes it (clients may not)."""
    key = struct.pack(">hh", 0, 1 if commit else 0)
    value = struct.pack(">hi", 0, coordinator_epoch)
    return record_batch([(key, value)], producer_id, producer_epoch, -1, transactional=True,
                        control=True)


# --- legacy message sets (magic 0 and 1): Produce v0-2, Fetch v0-3 -----------------------------

def legacy_message(offset, magic, key, value, timestamp=-1, attributes=0):
    """One message entry: offset, size, crc (CRC-32 IEEE over magic..end), magic, attributes,
    [timestamp, magic 1], key, value."""
    body = struct.pack(">bb", magic, attributes)
    if magic == 1:
        body += struct.pack(">q", timestamp)
    for field in (key, value):
        body += struct.pack(">i", -1) if field is None else struct.pack(">i", len(field)) + field
    message = struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF) + body
    return struct.pack(">qi", offset, len(message)) + message


def legacy_gzip_wrapper(magic, records, timestamp=-1):
    """A gzip wrapper around (key, value) records: magic 1 inner offsets are relative and the
    wrapper carries the last one; magic 0 inner offsets are absolute (from 0 here)."""
    inner = b"".join(legacy_message(i, magic, k, v, timestamp) for i, (k, v) in enumerate(records))
    compressor = zlib.compressobj(wbits=31)
    value = compressor.compress(inner) + compressor.flush()
    return legacy_message(len(records) - 1, magic, None, value, timestamp, attributes=1)


def parse_legacy(data):
    """[(offset, magic, timestamp or None, key, value)] of a message set, wrappers opened; a partial
    entry at the end (as a fetch may cut one) is ignored."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        offset, size = struct.unpack_from(">qi", data, pos)
        if pos + 12 + size > len(data):
            break
        m = data[pos + 12:pos + 12 + size]
        pos += 12 + size
        crc, magic, attributes = struct.unpack_from(">Ibb", m, 0)
        assert zlib.crc32(m[4:]) & 0xFFFFFFFF == crc, "legacy message CRC"
        at, timestamp = 6, None
        if magic == 1:
            timestamp = struct.unpack_from(">q", m, at)[0]
            at += 8
        fields = []
        for _ in range(2):
            n = struct.unpack_from(">i", m, at)[0]
            at += 4
            fields.append(None if n < 0 else bytes(m[at:at + n]))
            at += max(n, 0)
        codec = attributes & 7
        if codec == 0:
            out.append((offset, magic, timestamp, fields[0], fields[1]))
            continue
        assert codec == 1, f"test helper reads gzip wrappers only (codec {codec})"
        inner = parse_legacy(zlib.decompress(fields[1], wbits=47))
        base = offset - inner[-1][0] if magic == 1 else 0
        out += [(base + o, mg, ts, k, v) for o, mg, ts, k, v in inner]
    return out


def produce_legacy(client, version, topic, partition, message_set, acks=1):
    """Produce v0-2 of one message set; returns (error, base offset)."""
    r = client.call(0, version, False, lambda w: w.i16(acks).i32(10000).arr(
        [topic], lambda w, t: w.str(t).arr([partition], lambda w, p: w.i32(p).records(message_set))))
    topics = r.arr(lambda r: (r.str(), r.arr(lambda r: (r.i32(), r.i16(), r.i64(),
                                                         r.i64() if version >= 2 else None))))
    (_, [(_, error, base, _)]) = topics[0]
    return error, base


def fetch_legacy(client, version, topic, partition, offset, max_bytes=1 << 20):
    """Fetch v0-3 of one partition; returns (error, high watermark, records bytes)."""
    def build(w):
        w.i32(-1).i32(100).i32(0)
        if version >= 3:
            w.i32(max_bytes)
        w.arr([topic], lambda w, t: w.str(t).arr(
            [partition], lambda w, p: w.i32(p).i64(offset).i32(max_bytes)))
    r = client.call(1, version, False, build)
    if version >= 1:
        r.i32()  # throttle time
    topics = r.arr(lambda r: (r.str(), r.arr(lambda r: (r.i32(), r.i16(), r.i64(), r.records()))))
    (_, [(_, error, hw, records)]) = topics[0]
    return error, hw, records or b""


def list_offsets_v0(client, topic, partition, timestamp, max_num_offsets=1):
    """ListOffsets v0; returns (error, [offsets])."""
    r = client.call(2, 0, False, lambda w: w.i32(-1).arr([topic], lambda w, t: w.str(t).arr(
        [partition], lambda w, p: w.i32(p).i64(timestamp).i32(max_num_offsets))))
    topics = r.arr(lambda r: (r.str(), r.arr(lambda r: (r.i32(), r.i16(), r.arr(lambda r: r.i64())))))
    (_, [(_, error, offsets)]) = topics[0]
    return error, offsets
