"""Combines two generations of Kafka's message definitions into one schema per message.

Sluice serves every version a Kafka 3.9 (ZooKeeper-mode) broker serves, plus the versions and APIs
added since. Kafka 4.0 dropped old versions (KIP-896) and ZooKeeper-only APIs from its files, and
added fields and versions on top, so neither folder alone describes what Sluice speaks. For a
message in both folders the merged schema has:

- the union of the two version ranges, except that versions an older file marks unstable
  (`latestVersionUnstable`: early-access drafts such as 3.9's share-group v0) are not taken from it;
- every field of either file, in wire order, present in the union of the versions each file gives
  it (each clipped to that file's own range), nullable and tagged likewise;
- the newer file's names: a field present in a version both files define but under another name
  (TxnOffsetCommit's GenerationId -> GenerationIdOrMemberEpoch) is one field, renamed. Such a
  pair must sit at the same place with the same type, or the merge fails.

For the versions both files define, the merged schema encodes exactly as each does: the merge
checks that, field by field, rather than trusting it.

Record keys of the coordinators (`coordinator-key`, 4.x) carry their record type as `apiKey` and a
version of 0; 3.9 wrote the same keys as data messages whose *version* is the record type. Keys
are brought to 3.9's form (version = record type) so that every key is read the same way.
"""

import copy

from schema import parse_versions


def _vset(text):
    v = parse_versions(text) if not isinstance(text, set) else text
    return set() if v is None else set(v)


def _base_type(type_text):
    return type_text[2:] if type_text.startswith("[]") else type_text


def _same_type(a, b):
    """Same wire type: primitives by name; struct types may be renamed between generations."""
    ta, tb = a["type"], b["type"]
    if ta.startswith("[]") != tb.startswith("[]"):
        return False
    return ta == tb or ("fields" in a and "fields" in b)


class MergeError(ValueError):
    pass


def _clip(field, key, valid):
    if key not in field:
        return set()
    return _vset(field[key]) & valid


def _merge_field_lists(old, new, old_valid, new_valid, where):
    """Merges two field lists (old first in wire history) into one list of field specs."""
    old_by_name = {f["name"]: f for f in old}
    new_by_name = {f["name"]: f for f in new}
    shared = old_valid & new_valid

    # Renames: an old field without a namesake that exists in a version the new file defines.
    renamed = {}  # old name -> new name
    for f in old:
        if f["name"] in new_by_name or not (_clip(f, "versions", old_valid) & shared):
            continue
        # The new field at the same position among the fields both lists have at that version.
        version = min(_clip(f, "versions", old_valid) & shared)
        old_present = [g for g in old if version in _clip(g, "versions", old_valid)]
        new_present = [g for g in new if version in _clip(g, "versions", new_valid)]
        at = old_present.index(f)
        if at >= len(new_present):
            raise MergeError(f"{where}.{f['name']}: no field in its place in the newer file")
        candidate = new_present[at]
        if candidate["name"] in old_by_name or not _same_type(f, candidate):
            raise MergeError(f"{where}.{f['name']}: removed in a version the newer file still "
                             f"defines, and {candidate['name']} is no rename of it")
        renamed[f["name"]] = candidate["name"]

    merged = []
    for f in new:
        match = old_by_name.get(f["name"])
        if match is None:
            match = next((o for o in old if renamed.get(o["name"]) == f["name"]), None)
        if match is not None:
            merged.append(_merge_field(match, f, old_valid, new_valid, f"{where}.{f['name']}"))
        elif _clip(f, "versions", new_valid):
            merged.append(_only(f, new_valid))
    # Fields only the old file has (gone before the newer file's first version): each goes right
    # after the field that precedes it in the old file.
    for i, f in enumerate(old):
        if f["name"] in new_by_name or f["name"] in renamed:
            continue
        if not _clip(f, "versions", old_valid):
            continue
        spec = _only(f, old_valid)
        position = 0
        for prev in reversed(old[:i]):
            name = renamed.get(prev["name"], prev["name"])
            idx = next((k for k, m in enumerate(merged) if m["name"] == name), None)
            if idx is not None:
                position = idx + 1
                break
        merged.insert(position, spec)
    return merged


def _only(field, valid):
    """A field one file alone has, clipped to that file's range."""
    spec = copy.deepcopy(field)
    for key in ("versions", "nullableVersions", "taggedVersions"):
        if key in field:
            spec[key] = _clip(field, key, valid)
    if "fields" in field:
        spec["fields"] = _only_list(field["fields"], valid)
    return spec


def _only_list(fields, valid):
    """Fields one file alone has, without those in none of its versions."""
    return [_only(f, valid) for f in fields if _clip(f, "versions", valid)]


def _merge_field(old, new, old_valid, new_valid, where):
    if not _same_type(old, new):
        raise MergeError(f"{where}: type {old['type']} became {new['type']}")
    def tag(f):
        return None if f.get("tag") is None else int(f["tag"])

    if tag(old) != tag(new):
        raise MergeError(f"{where}: tag {old.get('tag')} became {new.get('tag')}")
    shared = old_valid & new_valid
    for key in ("versions", "nullableVersions", "taggedVersions"):
        if _clip(old, key, shared) != _clip(new, key, shared):
            raise MergeError(f"{where}: {key} differ in versions both files define")
    if _vset(old.get("flexibleVersions", "0+")) & shared != \
            _vset(new.get("flexibleVersions", "0+")) & shared:
        raise MergeError(f"{where}: flexibleVersions differ")
    spec = copy.deepcopy(new)
    for key in ("versions", "nullableVersions", "taggedVersions"):
        union = _clip(old, key, old_valid) | _clip(new, key, new_valid)
        if key in old or key in new:
            spec[key] = union
    if "fields" in old or "fields" in new:
        spec["fields"] = _merge_field_lists(old.get("fields", []), new.get("fields", []),
                                            old_valid, new_valid, where)
    return spec


def _stable_range(spec, unstable):
    valid = _vset(spec["validVersions"])
    if unstable and valid:
        valid.discard(max(valid))
    return valid


def _fill_versions(fields):
    """A tagged field may leave out `versions` (4.x records do): they are its taggedVersions."""
    out = []
    for f in fields:
        f = dict(f)
        if "versions" not in f and "taggedVersions" in f:
            f["versions"] = f["taggedVersions"]
        if "fields" in f:
            f["fields"] = _fill_versions(f["fields"])
        out.append(f)
    return out


def _normalise_key(spec):
    """A 4.x coordinator key (type in apiKey, version 0) in 3.9's form (version = record type),
    and every field with its versions spelled out."""
    spec = dict(spec, fields=_fill_versions(spec.get("fields", [])))
    if "commonStructs" in spec:
        spec["commonStructs"] = [dict(c, fields=_fill_versions(c["fields"]))
                                 for c in spec["commonStructs"]]
    if spec.get("type") != "coordinator-key":
        if spec.get("type") == "coordinator-value":
            spec = dict(spec, type="data")
            spec.pop("apiKey", None)
        return spec
    record_type = str(spec["apiKey"])
    out = {k: v for k, v in spec.items() if k != "apiKey"}
    out["type"] = "data"
    if _vset(spec["validVersions"]) != {0}:
        raise MergeError(f"{spec['name']}: a coordinator key with versions {spec['validVersions']}")
    out["validVersions"] = record_type
    out["fields"] = []
    for f in spec["fields"]:
        if _vset(f["versions"]) != {0}:
            raise MergeError(f"{spec['name']}.{f['name']}: a key field outside version 0")
        out["fields"].append(dict(f, versions=record_type))
    return out


def _clipped(spec, valid):
    """A message from one file alone, without fields in none of its versions."""
    out = dict(spec, fields=_only_list(spec.get("fields", []), valid))
    if "commonStructs" in spec:
        out["commonStructs"] = [dict(c, fields=_only_list(c["fields"], valid))
                                for c in spec["commonStructs"]]
    return out


def merge_message(old, new, old_unstable=False):
    """The merged spec of one message; `old_unstable` says the older file's top version is an
    early-access draft (from its request's latestVersionUnstable)."""
    old = _normalise_key(old)
    new = _normalise_key(new)
    name = new["name"]
    old_valid = _stable_range(old, old_unstable)
    new_valid = _vset(new["validVersions"])
    if not new_valid:
        return old
    if not old_valid:
        return _clipped(new, new_valid)
    if old["type"] != new["type"]:
        raise MergeError(f"{name}: kind {old['type']} became {new['type']}")
    shared = old_valid & new_valid
    old_flex = _vset(old.get("flexibleVersions", "none"))
    new_flex = _vset(new.get("flexibleVersions", "none"))
    if old_flex & shared != new_flex & shared:
        raise MergeError(f"{name}: flexibleVersions differ in versions both files define")
    spec = copy.deepcopy(new)
    spec["validVersions"] = old_valid | new_valid
    spec["flexibleVersions"] = (old_flex & old_valid) | (new_flex & new_valid)
    listeners = list(old.get("listeners", []))
    for listener in new.get("listeners", []):
        if listener not in listeners:
            listeners.append(listener)
    if listeners:
        spec["listeners"] = listeners
    spec["fields"] = _merge_field_lists(old.get("fields", []), new.get("fields", []), old_valid,
                                        new_valid, name)
    old_common = {c["name"]: c for c in old.get("commonStructs", [])}
    new_common = {c["name"]: c for c in new.get("commonStructs", [])}
    merged_common = []
    for cname in list(new_common) + [c for c in old_common if c not in new_common]:
        o, n = old_common.get(cname), new_common.get(cname)
        if o is None or n is None:
            only = n if o is None else o
            valid = new_valid if o is None else old_valid
            merged_common.append(dict(only, fields=_only_list(only["fields"], valid)))
        else:
            merged_common.append(dict(n, fields=_merge_field_lists(
                o["fields"], n["fields"], old_valid, new_valid, f"{name}.{cname}")))
    if merged_common:
        spec["commonStructs"] = merged_common
    return spec


def normalise(spec):
    """A spec from one folder alone, in the form merge_message gives (keys in 3.9's form)."""
    return _normalise_key(spec)
