#!/usr/bin/env python3
"""Generates Sluice's Kafka protocol codec from Kafka's message definitions.

  python3 tools/codegen/generate.py --schemas src/protocol/schemas/kafka-3.9 \
      --schemas src/protocol/schemas/kafka-4.4 --out <build>/generated/protocol/generated

Each --schemas folder holds one Kafka generation's messages/ (requests, responses, headers, data
messages) and internal-records/ (coordinator records), oldest generation first; a message in more
than one is merged (merge.py): every version of each, the newest names. Writes into --out:
  <api>.h/.cc           request + response of one API (produce.h: produce_request, produce_response)
  headers.h/.cc         request_header, response_header and the header-version helpers
  <data>.h/.cc          one per data message and internal record (consumer_protocol_assignment.h,
                        offset_commit_key.h, ...)
  api_table.h/.cc       api key -> name, version range, flexible-from, listeners
  visit.h               api key -> request/response type dispatch (for tools, tests and fuzzing)
  testing/*.inc         random-fill functions and case tables of the round-trip property test, and
                        each message's known-answer bytes per version (test code, not library code)
Files in --out that this run did not write are removed, so the folder mirrors the schemas.
Output is deterministic: the same schemas give the same bytes. Python 3 standard library only.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emit_cpp import BANNER, emit_header, emit_source  # noqa: E402
from emit_known_answers import emit_known_answers  # noqa: E402
from emit_tests import emit_shard  # noqa: E402
from merge import merge_message, normalise  # noqa: E402
from schema import Message, file_stem, load_json  # noqa: E402

TEST_SHARDS = 4
LISTENER_BITS = {"zkBroker": 1, "broker": 2, "controller": 4}


def load_specs(folder):
    """file name -> parsed JSON of every definition in a folder ({} if it does not exist)."""
    if not os.path.isdir(folder):
        return {}
    return {name: load_json(os.path.join(folder, name))
            for name in sorted(os.listdir(folder)) if name.endswith(".json")}


def load_messages(generations):
    """The merged model of every message across the schema generations, oldest first."""
    out = []
    for origin in ("messages", "internal-records"):
        # An API is one message across generations even when renamed (ListClientMetricsResources
        # became ListConfigResources): requests and responses are matched by api key.
        merged = {}
        for folder in generations:
            specs = load_specs(os.path.join(folder, origin))
            for name, spec in specs.items():
                key = (spec["type"], spec["apiKey"]) if spec["type"] in ("request", "response") \
                    else name
                if key not in merged:
                    merged[key] = (name, normalise(spec))
                    continue
                request = merged.get(("request", spec.get("apiKey")), (None, {}))[1]
                unstable = bool(request.get("latestVersionUnstable", False))
                merged[key] = (name, merge_message(merged[key][1], spec, unstable))
        out.extend(Message(spec, name, origin)
                   for name, spec in sorted(merged.values(), key=lambda item: item[0]))
    return out


def api_name(message):
    return message.name[: -len("Request")]


def emit_api_table(requests):
    header = [
        BANNER, "#pragma once", "", "#include <cstdint>", "#include <span>",
        "#include <string_view>", "", "namespace sluice::protocol {", "",
        "// Which server roles accept an API (bits of api_info::listeners).",
        "enum class api_listener : uint8_t { zk_broker = 1, broker = 2, controller = 4 };", "",
        "struct api_info {",
        "  int16_t api_key;",
        "  std::string_view name;  // Kafka's API name, e.g. \"Produce\"",
        "  int16_t min_version;",
        "  int16_t max_version;",
        "  int16_t flexible_from;  // first flexible version, -1 if none",
        "  bool latest_version_unstable;  // max_version is still in development upstream",
        "  uint8_t listeners;  // api_listener bits",
        "",
        "  bool has_listener(api_listener l) const { return (listeners & static_cast<uint8_t>(l)) != 0; }",
        "  bool is_flexible(int16_t version) const { return flexible_from >= 0 && version >= flexible_from; }",
        "};", "",
        "// Every API, by ascending key.",
        "std::span<const api_info> all_apis();",
        "// The API with this key, or nullptr.",
        "const api_info* find_api(int16_t api_key);", "",
        "}  // namespace sluice::protocol",
    ]
    rows = []
    for m in requests:
        bits = 0
        for listener in m.listeners:
            bits |= LISTENER_BITS[listener]
        unstable = "true" if m.latest_unstable else "false"
        rows.append(f'    {{{m.api_key}, "{api_name(m)}", {m.min_version}, {m.max_version}, '
                    f'{m.flexible_from}, {unstable}, {bits}}},')
    max_key = max(m.api_key for m in requests)
    index = [-1] * (max_key + 1)
    for i, m in enumerate(requests):
        index[m.api_key] = i
    index_lines = []
    for i in range(0, len(index), 16):
        index_lines.append("    " + ", ".join(str(x) for x in index[i:i + 16]) + ",")
    source = [
        BANNER, '#include "protocol/generated/api_table.h"', "", "namespace sluice::protocol {", "",
        "namespace {", "", "constexpr api_info apis[] = {", *rows, "};", "",
        "// api key -> position in apis, -1 for unused keys.",
        f"constexpr int16_t by_key[{max_key + 1}] = {{", *index_lines, "};", "",
        "}  // namespace", "",
        "std::span<const api_info> all_apis() { return apis; }", "",
        "const api_info* find_api(int16_t api_key) {",
        f"  if (api_key < 0 || api_key > {max_key} || by_key[api_key] < 0) return nullptr;",
        "  return &apis[by_key[api_key]];",
        "}", "",
        "}  // namespace sluice::protocol",
    ]
    return "\n".join(header) + "\n", "\n".join(source) + "\n"


HEADER_HELPER_DECLS = (
    "// The request header version for a request of this API and version: 2 for flexible versions,",
    "// 1 otherwise, 0 for ControlledShutdown v0. Unknown APIs get 1, whose layout (key, version,",
    "// correlation id, client id) is a prefix every header version shares.",
    "int16_t request_header_version(int16_t api_key, int16_t api_version);",
    "// The response header version: 1 for flexible versions, else 0; ApiVersions always uses 0.",
    "int16_t response_header_version(int16_t api_key, int16_t api_version);",
)

HEADER_HELPER_DEFS = (
    "int16_t request_header_version(int16_t api_key, int16_t api_version) {",
    "  if (api_key == 7 && api_version == 0) return 0;  // ControlledShutdown v0",
    "  const api_info* api = find_api(api_key);",
    "  if (api == nullptr) return 1;",
    "  return api->is_flexible(api_version) ? 2 : 1;",
    "}",
    "",
    "int16_t response_header_version(int16_t api_key, int16_t api_version) {",
    "  if (api_key == 18) return 0;  // ApiVersions: clients parse the header before the version is known",
    "  const api_info* api = find_api(api_key);",
    "  if (api == nullptr) return 0;",
    "  return api->is_flexible(api_version) ? 1 : 0;",
    "}",
    "",
)


def emit_visit(requests, responses, stems):
    out = [BANNER,
           "// Dispatch from an api key to the generated request/response type.",
           "#pragma once", "", "#include <cstdint>", "#include <type_traits>", ""]
    for stem in stems:
        out.append(f'#include "protocol/generated/{stem}.h"')
    out.extend(["", "namespace sluice::protocol {", ""])
    for kind, items in (("request", requests), ("response", responses)):
        out.append(f"// Calls f(std::type_identity<T>{{}}) with the {kind} type of `api_key`; false if"
                   " the key is unknown.")
        out.append("template <class F>")
        out.append(f"bool visit_{kind}_type(int16_t api_key, F&& f) {{")
        out.append("  switch (api_key) {")
        for m in items:
            out.append(f"    case {m.api_key}:")
            out.append(f"      f(std::type_identity<{m.cpp_name}>{{}});")
            out.append("      return true;")
        out.append("    default:")
        out.append("      return false;")
        out.append("  }")
        out.append("}")
        out.append("")
    out.append("}  // namespace sluice::protocol")
    return "\n".join(out) + "\n"


def generate(generations, out_dir, list_only=False):
    messages = load_messages(generations)
    groups = {}
    for m in messages:
        m.header_stem = file_stem(m)
        groups.setdefault(m.header_stem, []).append(m)
    order = {"header": 0, "request": 1, "response": 2, "data": 3}
    for stem in groups:
        groups[stem].sort(key=lambda m: (order[m.kind], m.name))
    requests = sorted([m for m in messages if m.kind == "request"], key=lambda m: m.api_key)
    responses = sorted([m for m in messages if m.kind == "response"], key=lambda m: m.api_key)
    api_stems = sorted({m.header_stem for m in requests + responses})

    files = {}
    for stem, group in sorted(groups.items()):
        if stem == "headers":
            files[f"{stem}.h"] = lambda g=group: emit_header("headers", g, HEADER_HELPER_DECLS)
            files[f"{stem}.cc"] = lambda g=group: emit_source(
                "headers", g, ["protocol/generated/api_table.h"], HEADER_HELPER_DEFS)
        else:
            files[f"{stem}.h"] = lambda s=stem, g=group: emit_header(s, g)
            files[f"{stem}.cc"] = lambda s=stem, g=group: emit_source(s, g)
    table = [m for m in requests if m.listeners]
    files["api_table.h"] = lambda: emit_api_table(table)[0]
    files["api_table.cc"] = lambda: emit_api_table(table)[1]
    files["visit.h"] = lambda: emit_visit(requests, responses, api_stems)

    # Round-trip test shards: whole files per shard, balanced by struct count.
    shards = [[] for _ in range(TEST_SHARDS)]
    weights = [0] * TEST_SHARDS
    sized = sorted(groups.items(), key=lambda kv: (-sum(len(m.structs()) for m in kv[1]), kv[0]))
    for stem, group in sized:
        i = weights.index(min(weights))
        shards[i].extend(group)
        weights[i] += sum(len(m.structs()) for m in group)
    for i, shard in enumerate(shards):
        shard.sort(key=lambda m: (m.header_stem, order[m.kind], m.name))
        files[f"testing/roundtrip_shard_{i}.inc"] = lambda i=i, s=shard: emit_shard(i, s)
        files[f"testing/known_answers_shard_{i}.inc"] = lambda i=i, s=shard: emit_known_answers(i, s)

    if list_only:
        return sorted(files)
    os.makedirs(os.path.join(out_dir, "testing"), exist_ok=True)
    for rel, make in files.items():
        text = make()
        path = os.path.join(out_dir, rel)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
    for sub in ("", "testing"):
        folder = os.path.join(out_dir, sub)
        for name in sorted(os.listdir(folder)):
            rel = os.path.join(sub, name) if sub else name
            if os.path.isfile(os.path.join(folder, name)) and rel not in files:
                os.remove(os.path.join(folder, name))
    return len(files)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schemas", action="append", required=True,
                        help="a folder with messages/ and internal-records/; repeat, oldest first")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--list", action="store_true",
                        help="print the files a run would write, one per line, and write nothing")
    args = parser.parse_args()
    if args.list:
        print("\n".join(generate(args.schemas, args.out, list_only=True)))
        return
    count = generate(args.schemas, args.out)
    print(f"generated {count} files into {args.out}")


if __name__ == "__main__":
    main()
