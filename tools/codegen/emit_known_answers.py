"""Known answers for the generated codec: the exact bytes of one sample value per message and
version, computed here by a second, deliberately plain encoder.

The sample value comes from `sample_filler` (tests/unit/protocol/roundtrip_support.h), a
deterministic counter that the C++ random_fill functions consume in field order. This module replays
the same sequence over the same fields (`fill_struct` mirrors emit_tests.emit_fill call for call),
then encodes the value by reading the schema directly (`encode_struct`), sharing no code with
emit_cpp. The C++ test encodes its sample and compares bytes, then decodes these bytes and
compares values, so a mistake in either encoder shows as a mismatch.
"""

import struct as pack

from emit_cpp import BANNER

M64 = (1 << 64) - 1


class SampleFiller:
    """The Python twin of roundtrip::sample_filler; every method draws exactly as it does."""

    def __init__(self):
        self.n = 0

    def next(self):
        self.n += 1
        z = (self.n * 0x9E3779B97F4A7C15) & M64
        return z ^ (z >> 29)

    def integer(self, bits, signed):
        v = self.next() & ((1 << bits) - 1)
        if signed and v >= 1 << (bits - 1):
            v -= 1 << bits
        return v

    def scalar(self, kind):
        if kind in ("int8", "int16", "int32", "int64"):
            return self.integer(int(kind[3:]), True)
        if kind in ("uint16", "uint32"):
            return self.integer(int(kind[4:]), False)
        if kind == "float64":
            return (self.next() % 1024) / 8.0
        if kind == "bool":
            return bool(self.next() & 1)
        if kind == "uuid":
            hi, lo = self.next(), self.next()
            return hi.to_bytes(8, "big") + lo.to_bytes(8, "big")
        raise ValueError(kind)

    def string(self):
        n = self.next() % 5
        return "".join(chr(ord("a") + self.next() % 26) for _ in range(n))

    def bytes(self):
        n = self.next() % 5
        return bytes(self.next() & 0xFF for _ in range(n))

    def null(self, nullable):
        return nullable and self.next() % 3 == 0

    def records(self, nullable):
        if self.null(nullable):
            return None
        n = self.next() % 9
        return bytes(self.next() & 0xFF for _ in range(n))

    def count(self):
        return self.next() % 3

    def unknown_tags(self, known):
        out = []
        if self.next() % 2 == 1:
            tag = 100 + self.next() % 8
            while tag in known:
                tag += 1
            out.append((tag, self.bytes()))
        return out


# ---- the sample value: field name -> value; a struct is (fields, unknown tags) -----------------

def fill_elem(g, t, version):
    if t.is_struct:
        return fill_struct(g, t.struct, version)
    if t.kind == "string":
        return g.string()
    if t.kind == "bytes":
        return g.bytes()
    if t.kind == "records":
        return g.records(False)
    return g.scalar(t.kind)


def fill_field(g, f, version):
    t = f.type
    nc = version in f.nullable
    if t.kind == "string" and f.is_optional:
        return None if g.null(nc) else g.string()
    if t.kind == "bytes" and f.is_optional:
        return None if g.null(nc) else g.bytes()
    if t.kind == "records":
        return g.records(nc)
    if t.is_array:
        if f.is_optional and g.null(nc):
            return None
        return [fill_elem(g, t.elem, version) for _ in range(g.count())]
    if t.is_struct and f.is_optional:
        return None if g.null(nc) else fill_struct(g, t.struct, version)
    return fill_elem(g, t, version)


def fill_struct(g, s, version):
    values = {}
    for f in s.fields:
        if version in f.present:
            values[f.name] = fill_field(g, f, version)
    unknown = []
    if s.message.has_flexible and version in s.message.flexible:
        unknown = g.unknown_tags({f.tag for f in s.tagged_fields()})
    return values, unknown


# ---- defaults (what a default-constructed C++ member holds) ------------------------------------

def default_of(f):
    d = f.default
    kind = f.type.kind
    if f.default_is_null():
        return None
    if kind == "bool":
        return d is True or str(d) == "true"
    if kind == "float64":
        return float(d) if d is not None else 0.0
    if kind in ("int8", "int16", "int32", "int64", "uint16", "uint32"):
        return int(d, 0) if isinstance(d, str) else int(d or 0)
    if kind == "uuid":
        return bytes(16)
    if kind == "string":
        return "" if d is None else str(d)
    if kind in ("bytes", "records"):
        return None if kind == "records" and f.nullable else b""
    if f.type.is_array:
        return []
    if f.type.is_struct:
        return ({}, [])
    raise ValueError(kind)


def holds_default(f, value):
    if f.type.is_struct and value is not None:
        return struct_is_default(f.type.struct, value)
    return value == default_of(f)


def struct_is_default(s, value):
    fields, unknown = value
    if unknown:
        return False
    return all(holds_default(f, fields[f.name]) for f in s.fields if f.name in fields)


# ---- the encoder -------------------------------------------------------------------------------

def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


INT_FORMAT = {"int8": ">b", "int16": ">h", "int32": ">i", "int64": ">q", "uint16": ">H",
              "uint32": ">I", "float64": ">d"}


def length_prefix(n, compact, width):
    """A length (or -1 for null) as a compact uvarint(n+1) or a big-endian int of `width`."""
    if compact:
        return uvarint(n + 1)
    return pack.pack(">h" if width == 2 else ">i", n)


def encode_value(t, value, version, compact, width_for_string=2):
    kind = t.kind
    if kind in INT_FORMAT:
        return pack.pack(INT_FORMAT[kind], value)
    if kind == "bool":
        return b"\x01" if value else b"\x00"
    if kind == "uuid":
        return value
    if kind == "string":
        if value is None:
            return length_prefix(-1, compact, 2)
        data = value.encode("utf-8")
        return length_prefix(len(data), compact, 2) + data
    if kind in ("bytes", "records"):
        if value is None:
            return length_prefix(-1, compact, 4)
        return length_prefix(len(value), compact, 4) + value
    if t.is_struct:
        return encode_struct(t.struct, value, version)
    raise ValueError(kind)


def encode_field(f, value, version, compact, tagged):
    t = f.type
    if t.is_array:
        if value is None:
            return length_prefix(-1, compact, 4)
        return length_prefix(len(value), compact, 4) + b"".join(
            encode_value(t.elem, v, version, compact) for v in value)
    if t.is_struct and f.is_optional and version in f.nullable:
        if value is None:
            return uvarint(0) if tagged else b"\xff"
        return (uvarint(1) if tagged else b"\x01") + encode_struct(t.struct, value, version)
    string_compact = compact
    if not tagged and f.flexible_override is not None and t.kind in ("string", "bytes"):
        string_compact = version in f.flexible_override
    return encode_value(t, value, version, string_compact)


def encode_struct(s, value, version):
    fields, unknown = value
    flexible = version in s.message.flexible
    out = bytearray()
    for f in s.fields:
        if not f.is_tagged and version in f.versions:
            out += encode_field(f, fields[f.name], version, flexible, tagged=False)
    if flexible:
        entries = list(unknown)
        for f in s.tagged_fields():
            if version in f.tagged and not holds_default(f, fields[f.name]):
                entries.append((f.tag, encode_field(f, fields[f.name], version, True, True)))
        entries.sort(key=lambda e: e[0])
        out += uvarint(len(entries))
        for tag, data in entries:
            out += uvarint(tag) + uvarint(len(data)) + data
    return bytes(out)


def known_answer(message, version):
    """The hex of the sample value of `message` at `version`."""
    value = fill_struct(SampleFiller(), message.root, version)
    return encode_struct(message.root, value, version).hex()


def emit_known_answers(index, messages):
    out = [BANNER,
           f"// Known answers, shard {index}: the bytes of each message's sample value at each "
           "version,",
           "// from tools/codegen/emit_known_answers.py. Included after roundtrip_shard_"
           f"{index}.inc.",
           "", "namespace sluice::protocol {", "",
           f"inline const roundtrip::known_answer known_answers_shard_{index}[] = {{"]
    for m in messages:
        for version in range(m.min_version, m.max_version + 1):
            out.append(f'    roundtrip::make_known_answer<{m.cpp_name}>("{m.cpp_name}", {version},')
            text = known_answer(m, version)
            chunks = [text[i:i + 96] for i in range(0, len(text), 96)] or [""]
            for i, chunk in enumerate(chunks):
                end = ")," if i == len(chunks) - 1 else ""
                out.append(f'        "{chunk}"{end}')
    out.append("};")
    out.append("")
    out.append("}  // namespace sluice::protocol")
    return "\n".join(out) + "\n"
