"""Reads Kafka's message definition files (JSON with // comments) into a small model.

The model is what the C++ emitter needs: per message its version ranges, and per struct its fields
with the C++ names already chosen (snake_case, clashes resolved). Only the schema data is used;
descriptions ("about") are ignored.
"""

import json
import re

# The top of an open range ("3+"). Kafka versions are small; every set is cut to validVersions.
MAX_VERSION = 255

PRIMITIVES = {
    "int8", "int16", "int32", "int64", "uint16", "uint32", "float64", "bool", "string", "bytes",
    "uuid", "records",
}

# Fixed encoded sizes; variable-length types are handled by min_size().
FIXED_SIZE = {
    "int8": 1, "bool": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4, "int64": 8,
    "float64": 8, "uuid": 16,
}

CPP_KEYWORDS = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
    "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
    "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
    "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
    "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
    "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast",
    "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef",
    "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t",
    "while", "xor", "xor_eq",
    # Not keywords, but macros or names that would break or confuse generated code.
    "errno", "assert", "major", "minor", "stdin", "stdout", "stderr", "unix", "linux", "std",
    "sluice", "protocol",
}

# Members every generated struct has; a field with one of these names gets a trailing underscore.
STRUCT_MEMBERS = {"unknown_tags", "encode", "decode"}
MESSAGE_MEMBERS = STRUCT_MEMBERS | {"api_key", "min_version", "max_version", "flexible_from"}


def strip_comments(text):
    """Removes // comments that are outside string literals."""
    out = []
    for line in text.split("\n"):
        in_string = False
        escaped = False
        cut = len(line)
        for i, c in enumerate(line):
            if escaped:
                escaped = False
                continue
            if c == "\\":
                escaped = True
            elif c == '"':
                in_string = not in_string
            elif c == "/" and not in_string and line[i + 1:i + 2] == "/":
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.loads(strip_comments(f.read()))


def snake(name):
    """PascalCase/camelCase -> snake_case (KRaft is one word: is_kraft_controller)."""
    name = name.replace("KRaft", "Kraft")
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def parse_versions(text):
    """'3+', '0-2', '5', 'none' -> set of versions (bounded by MAX_VERSION)."""
    if text is None:
        return None
    if isinstance(text, (set, frozenset)):  # already a set (a merged schema, see merge.py)
        return set(text)
    text = str(text).strip()
    if text == "none":
        return set()
    if text.endswith("+"):
        return set(range(int(text[:-1]), MAX_VERSION + 1))
    if "-" in text:
        lo, hi = text.split("-")
        return set(range(int(lo), int(hi) + 1))
    return {int(text)}


class Type:
    """A field type: a primitive, a struct, or an array of either."""

    def __init__(self, kind, elem=None, struct=None):
        self.kind = kind  # a primitive name, 'struct' or 'array'
        self.elem = elem  # for arrays
        self.struct = struct  # for structs (a Struct)

    @property
    def is_array(self):
        return self.kind == "array"

    @property
    def is_struct(self):
        return self.kind == "struct"


class Field:
    def __init__(self, spec, message):
        self.spec = spec
        self.name = spec["name"]
        self.cpp_name = snake(self.name)
        self.type_text = spec["type"]
        valid = message.valid
        self.versions = parse_versions(spec["versions"]) & valid
        nullable = parse_versions(spec.get("nullableVersions"))
        self.nullable = (nullable or set()) & self.versions
        tagged = parse_versions(spec.get("taggedVersions"))
        self.tag = spec.get("tag")
        self.is_tagged = self.tag is not None
        self.tagged = (tagged or set()) & self.versions & message.flexible
        self.ignorable = bool(spec.get("ignorable", False))
        self.default = spec.get("default")
        own_flexible = parse_versions(spec.get("flexibleVersions"))
        self.flexible_override = own_flexible  # None: follow the message
        self.type = None  # resolved later
        if self.is_tagged and tagged != parse_versions(spec["versions"]):
            raise ValueError(f"{message.name}.{self.name}: taggedVersions differ from versions")

    @property
    def present(self):
        """Versions in which the field is on the wire (tagged or not)."""
        return self.tagged if self.is_tagged else self.versions

    def default_is_null(self):
        return (self.default is None and "default" in self.spec) or self.default == "null"

    @property
    def is_optional(self):
        """Held in std::optional: a string, bytes, array or struct that may be null."""
        if self.type.kind in ("string", "bytes", "array", "struct"):
            return bool(self.nullable) or self.default_is_null()
        return False


class Struct:
    def __init__(self, type_name, fields_spec, message, parent=None, common=False):
        self.type_name = type_name
        self.cpp_name = snake(type_name)
        self.message = message
        self.parent = parent
        self.common = common
        self.fields = [Field(f, message) for f in fields_spec]
        for f in self.fields:
            f.owner = self
        self.children = []  # inline structs declared inside this one, in field order
        self.is_message = False
        # A struct held in std::optional is defined at namespace scope (ns_name) with an alias
        # where it would be nested: clang evaluates std::optional's constructibility traits while
        # the enclosing class is incomplete, before a nested class's member defaults are parsed.
        self.hoisted = False
        self.ns_name = None

    def qualified(self):
        """The C++ name from the namespace: produce_request::topic_produce_data."""
        if self.is_message:
            return self.cpp_name
        if self.hoisted:
            return self.ns_name
        if self.common:
            return f"{self.message.root.cpp_name}::{self.cpp_name}"
        return f"{self.parent.qualified()}::{self.cpp_name}"

    def inside_hoisted(self):
        """Whether this struct is, or is nested in, a struct defined at namespace scope."""
        p = self
        while p is not None and not p.is_message:
            if p.hoisted:
                return True
            p = p.parent
        return False

    def all_structs(self):
        """This struct and every struct declared inside it, children first."""
        out = []
        for c in self.children:
            out.extend(c.all_structs())
        out.append(self)
        return out

    def tagged_fields(self):
        return sorted([f for f in self.fields if f.is_tagged], key=lambda f: f.tag)


class Message:
    def __init__(self, spec, source, origin):
        self.spec = spec
        self.source = source  # file name, for error messages
        self.origin = origin  # 'messages' or 'internal-records'
        self.name = spec["name"]
        self.kind = spec["type"]  # request, response, header, data
        self.api_key = spec.get("apiKey")
        self.valid = parse_versions(spec["validVersions"])
        self.min_version = min(self.valid)
        self.max_version = max(self.valid)
        if self.max_version >= MAX_VERSION:
            raise ValueError(f"{self.name}: version {self.max_version} is above {MAX_VERSION - 1}")
        self.flexible = (parse_versions(spec.get("flexibleVersions", "none")) or set()) & self.valid
        self.flexible_from = min(self.flexible) if self.flexible else -1
        self.listeners = spec.get("listeners", [])
        self.latest_unstable = bool(spec.get("latestVersionUnstable", False))
        self.cpp_name = snake(self.name)
        self.common = []
        self.root = None
        self._build()

    @property
    def has_flexible(self):
        return bool(self.flexible)

    def _build(self):
        common_specs = {c["name"]: c for c in self.spec.get("commonStructs", [])}
        by_name = {}
        self.root = Struct(self.name, self.spec["fields"], self, None)
        self.root.is_message = True
        self.root.cpp_name = self.cpp_name
        for name, c in common_specs.items():
            s = Struct(name, c["fields"], self, None, common=True)
            by_name[name] = s
        self.common = list(by_name.values())

        def resolve(struct):
            for f in struct.fields:
                text = f.type_text
                is_array = text.startswith("[]")
                base = text[2:] if is_array else text
                if base in PRIMITIVES:
                    t = Type(base)
                else:
                    if "fields" in f.spec:
                        if base in by_name:
                            raise ValueError(f"{self.name}: struct {base} defined twice")
                        child = Struct(base, f.spec["fields"], self, struct)
                        by_name[base] = child
                        struct.children.append(child)
                        resolve(child)
                    elif base not in by_name:
                        raise ValueError(f"{self.name}: unknown type {base}")
                    t = Type("struct", struct=by_name[base])
                f.type = Type("array", elem=t) if is_array else t

        for s in self.common:
            resolve(s)
        resolve(self.root)
        self.common = self._order_common()
        self._choose_names()

    def _order_common(self):
        """Common structs in an order where each one follows the common structs it uses."""
        ordered = []
        seen = set()

        def uses(s):
            out = []
            for x in s.all_structs():
                for f in x.fields:
                    t = f.type.elem if f.type.is_array else f.type
                    if t.is_struct and t.struct.common:
                        out.append(t.struct)
            return out

        def visit(s):
            if s.type_name in seen:
                return
            seen.add(s.type_name)
            for u in uses(s):
                visit(u)
            ordered.append(s)

        for s in self.common:
            visit(s)
        return ordered

    def structs(self):
        """Every struct of the message, each after the structs it uses (common ones first)."""
        out = []
        for c in self.common:
            out.extend(c.all_structs())
        out.extend(self.root.all_structs())
        return out

    def _choose_names(self):
        structs = self.structs()
        # Field names: keywords and member names get a trailing underscore.
        for s in structs:
            reserved = MESSAGE_MEMBERS if s.is_message else STRUCT_MEMBERS
            for f in s.fields:
                if f.cpp_name in CPP_KEYWORDS or f.cpp_name in reserved:
                    f.cpp_name += "_"
        # Type names: a type whose name equals a field name in a scope where it is declared or
        # used (or a keyword, or an enclosing struct's name) becomes <name>_data.
        users = {}
        for s in structs:
            for f in s.fields:
                t = f.type.elem if f.type.is_array else f.type
                if t.is_struct:
                    users.setdefault(t.struct.type_name, []).append(s)
        for s in structs:
            if s.is_message:
                continue
            scopes = list(users.get(s.type_name, []))
            scopes.append(self.root if s.common else s.parent)
            clash = {f.cpp_name for f in s.fields}  # a member may not share its class's name
            for scope in scopes:
                p = scope
                while p is not None:
                    clash |= {f.cpp_name for f in p.fields}
                    clash.add(p.cpp_name)
                    p = p.parent if not p.common else self.root
            clash |= CPP_KEYWORDS | MESSAGE_MEMBERS
            if s.cpp_name in clash:
                s.cpp_name += "_data"
        self._hoist()
        names = [s.qualified() for s in structs]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: two structs share a C++ name")


    def _hoist(self):
        """Hoists each struct held in std::optional, and the common structs those use."""
        pending = []
        for s in self.structs():
            for f in s.fields:
                if f.type.is_struct and f.is_optional:
                    pending.append(f.type.struct)
        while pending:
            s = pending.pop()
            if s.hoisted:
                continue
            s.hoisted = True
            s.ns_name = f"{self.cpp_name}_{s.cpp_name}"
            for x in s.all_structs():
                for f in x.fields:
                    t = f.type.elem if f.type.is_array else f.type
                    if t.is_struct and t.struct.common:
                        pending.append(t.struct)

    def hoisted_structs(self):
        """The hoisted structs, each after the ones it uses (and after those nested in it)."""
        return [s for s in self.structs() if s.hoisted]


def file_stem(message):
    """The generated file a message goes to: one per API (request + response), one per data
    message, headers.h for the two headers."""
    if message.kind == "header":
        return "headers"
    if message.kind in ("request", "response"):
        base = message.name
        for suffix in ("Request", "Response"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        return snake(base)
    return snake(message.name)


def min_size(t, version, flexible, nullable=False):
    """The fewest bytes a value of type t can take on the wire at this version."""
    if t.kind in FIXED_SIZE:
        return FIXED_SIZE[t.kind]
    if t.kind == "string":
        return 1 if flexible else 2
    if t.kind in ("bytes", "records"):
        return 1 if flexible else 4
    if t.is_array:
        return 1 if flexible else 4
    if t.is_struct:
        if nullable:
            return 1
        return struct_min_size(t.struct, version, flexible)
    raise ValueError(t.kind)


def struct_min_size(struct, version, flexible):
    total = 1 if flexible else 0  # the tagged-field count
    for f in struct.fields:
        if f.is_tagged or version not in f.versions:
            continue
        field_flexible = flexible
        if f.flexible_override is not None and f.type.kind in ("string", "bytes"):
            field_flexible = version in f.flexible_override
        total += min_size(f.type, version, field_flexible, version in f.nullable)
    return total
