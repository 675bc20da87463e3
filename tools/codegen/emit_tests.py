"""Emits the random-fill functions and case tables of the round-trip property test.

For every struct, random_fill(T&, version, Filler&) sets each field that exists at that version to a
random value it may hold there (null only where the version allows it; tagged fields included) and
adds unknown tagged fields in flexible versions. The filler is roundtrip::filler (seeded random
values) or roundtrip::sample_filler (the known answers' deterministic sample, see
emit_known_answers.py, which must draw from it in exactly this order). The output is a set of .inc shards under
generated/testing/, each included by one test file so the shards compile in parallel.
"""

from emit_cpp import BANNER, Body, NUMERIC_IO, cond

FILL_SCALAR = {
    "int8": "g.int8()", "int16": "g.int16()", "int32": "g.int32()", "int64": "g.int64()",
    "uint16": "g.uint16()", "uint32": "g.uint32()", "float64": "g.float64()",
    "bool": "g.boolean()", "uuid": "g.uuid()",
}


def fill_elem(b, t, x):
    if t.kind in NUMERIC_IO:
        b.add(f"{x} = {FILL_SCALAR[t.kind]};")
    elif t.kind == "string":
        b.add(f"{x} = g.string();")
    elif t.kind == "bytes":
        b.add(f"{x} = g.bytes();")
    elif t.kind == "records":
        b.add(f"{x} = g.records(false);")
    elif t.is_struct:
        b.add(f"random_fill({x}, version, g);")
    else:
        raise ValueError(t.kind)


def fill_field(b, f, x, nc):
    t = f.type
    if t.kind == "string" and f.is_optional:
        b.add(f"{x} = g.optional_string({nc});")
    elif t.kind == "bytes" and f.is_optional:
        b.add(f"{x} = g.optional_bytes({nc});")
    elif t.kind == "records":
        b.add(f"{x} = g.records({nc});")
    elif t.is_array:
        if f.is_optional:
            b.open(f"if (g.null({nc})) {{")
            b.add(f"{x}.reset();")
            b.close("} else {")
            b.indent += 1
            b.add(f"auto& elements = {x}.emplace();")
        else:
            b.open("{")
            b.add(f"auto& elements = {x};")
        b.add("elements.resize(g.count());")
        b.open("for (auto& element : elements) {")
        fill_elem(b, t.elem, "element")
        b.close()
        b.close()
    elif t.is_struct and f.is_optional:
        b.open(f"if (g.null({nc})) {{")
        b.add(f"{x}.reset();")
        b.close("} else {")
        b.indent += 1
        b.add(f"random_fill({x}.emplace(), version, g);")
        b.close()
    else:
        fill_elem(b, t, x)


def emit_fill(s, out):
    msg = s.message
    valid = msg.valid
    b = Body()
    b.add(f"[[maybe_unused]] const bool flexible = {cond(msg.flexible, valid)};")
    for f in s.fields:
        present = cond(f.present, valid)
        if present == "false":
            continue
        if present != "true":
            b.open(f"if ({present}) {{")
        fill_field(b, f, f"m.{f.cpp_name}", cond(f.nullable, f.present))
        if present != "true":
            b.close()
    if msg.has_flexible:
        tags = ", ".join(str(f.tag) for f in s.tagged_fields())
        b.add(f"if (flexible) g.unknown_tags(m.unknown_tags, {{{tags}}});")
    out.append("template <class Filler>")
    out.append(f"void random_fill([[maybe_unused]] {s.qualified()}& m, [[maybe_unused]] int16_t version,")
    out.append("                 [[maybe_unused]] Filler& g) {")
    out.extend(b.lines)
    out.append("}")


def emit_shard(index, messages):
    out = [BANNER,
           f"// Round-trip cases, shard {index}: included by tests/unit/protocol/"
           f"roundtrip_shard_{index}_test.cc after roundtrip_support.h.",
           ""]
    stems = sorted({m.header_stem for m in messages})
    for stem in stems:
        out.append(f'#include "protocol/generated/{stem}.h"')
    out.extend(["", "namespace sluice::protocol {", ""])
    for m in messages:
        for s in m.structs():
            emit_fill(s, out)
            out.append("")
    out.append(f"inline const roundtrip::test_case roundtrip_shard_{index}[] = {{")
    for m in messages:
        out.append(f'    roundtrip::make_case<{m.cpp_name}>("{m.cpp_name}"),')
    out.append("};")
    out.append("")
    out.append("}  // namespace sluice::protocol")
    return "\n".join(out) + "\n"
