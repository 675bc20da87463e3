"""A minimal Kafka wire codec for integration tests that speak the protocol on a raw socket:
request/response encoders (W, R), a one-connection client, CRC-32C and a v2 record-batch builder
with producer ids, sequences, the transactional flag and control markers. Tests use it for the
versions and requests no client library here sends, and to send hostile input on purpose."""
import socket
import struct


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
                self.p += self.uvarint()


class Client:
    def __init__(self, port, source=None):
        """`source`: the local address to connect from (another loopback address, e.g. 127.0.0.2)."""
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
        header = struct.pack(">hhi", api_key, version, self.correlation) + struct.pack(">h", 4) + b"test"
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
