#include "security/acl_zk_layout.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

namespace sluice::security::acl_zk_layout {

namespace {

using json = nlohmann::json;
// Jackson writes Kafka's HashMap keys in hash order and bean properties in declaration order;
// ordered_json keeps exactly the order given here.
using ordered_json = nlohmann::ordered_json;

failure<acl_errc> bad(std::string_view what, std::string_view why) {
  return fail(acl_errc::invalid_request, fmt::format("bad {}: {}", what, why));
}

json parse(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

const std::string* string_field(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

}  // namespace

const std::vector<resource_type>& stored_resource_types() {
  static const std::vector<resource_type> types{resource_type::topic,
                                                resource_type::group,
                                                resource_type::cluster,
                                                resource_type::transactional_id,
                                                resource_type::delegation_token,
                                                resource_type::user};
  return types;
}

std::string_view root(pattern_type p) {
  return p == pattern_type::prefixed ? prefixed_root : literal_root;
}

std::string type_path(pattern_type p, resource_type t) {
  return fmt::format("{}/{}", root(p), pascal_name(t));
}

std::string resource_path(const resource_pattern& r) {
  return fmt::format("{}/{}/{}", root(r.pattern), pascal_name(r.type), r.name);
}

std::optional<resource_pattern> resource_of_path(std::string_view path) {
  for (auto pattern : {pattern_type::prefixed, pattern_type::literal}) {
    std::string prefix = std::string(root(pattern)) + "/";
    if (!path.starts_with(prefix)) continue;
    auto rest = path.substr(prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash + 1 >= rest.size()) return std::nullopt;
    auto type = parse_resource_type(rest.substr(0, slash));
    auto name = rest.substr(slash + 1);
    if (type == resource_type::unknown || type == resource_type::any ||
        name.find('/') != std::string_view::npos)
      return std::nullopt;
    return resource_pattern{type, std::string(name), pattern};
  }
  return std::nullopt;
}

std::vector<std::string> persistent_paths() {
  std::vector<std::string> out;
  for (auto pattern : {pattern_type::literal, pattern_type::prefixed}) {
    out.emplace_back(root(pattern));
    for (auto type : stored_resource_types()) out.push_back(type_path(pattern, type));
  }
  out.emplace_back(literal_changes);
  out.emplace_back(extended_changes);
  return out;
}

std::string encode_acls(const acl_set& acls) {
  ordered_json entries = ordered_json::array();
  for (const auto& e : acls) {
    entries.push_back(ordered_json{{"principal", e.principal},
                                   {"permissionType", pascal_name(e.permission)},
                                   {"host", e.host},
                                   {"operation", pascal_name(e.operation)}});
  }
  return ordered_json{{"acls", entries}, {"version", 1}}.dump();
}

acl_result<acl_set> decode_acls(std::string_view text) {
  constexpr std::string_view what = "ACL JSON";
  if (text.empty()) return acl_set{};
  json doc = parse(text);
  if (doc.is_null()) return acl_set{};
  if (!doc.is_object()) return bad(what, "not a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int64_t>() != 1)
    return bad(what, "version is not 1");
  auto entries = doc.find("acls");
  if (entries == doc.end() || !entries->is_array()) return bad(what, "acls is not an array");
  acl_set out;
  for (const auto& item : *entries) {
    if (!item.is_object()) return bad(what, "an ACL is not an object");
    const auto* principal = string_field(item, "principal");
    const auto* permission = string_field(item, "permissionType");
    const auto* host = string_field(item, "host");
    const auto* operation = string_field(item, "operation");
    if (!principal || !permission || !host || !operation)
      return bad(what, "an ACL lacks principal, permissionType, host or operation");
    if (!split_principal(*principal))
      return bad(what, fmt::format("principal {} is not type:name", *principal));
    acl_entry e{*principal, *host, parse_operation(*operation), parse_permission(*permission)};
    if (e.operation == acl_operation::unknown || e.operation == acl_operation::any)
      return bad(what, fmt::format("unknown operation {}", *operation));
    if (e.permission == acl_permission::unknown || e.permission == acl_permission::any)
      return bad(what, fmt::format("unknown permissionType {}", *permission));
    out.insert(std::move(e));
  }
  return out;
}

std::string_view change_root(pattern_type p) {
  return p == pattern_type::literal ? literal_changes : extended_changes;
}

std::string encode_change(const resource_pattern& r) {
  if (r.pattern == pattern_type::literal) return fmt::format("{}:{}", enum_name(r.type), r.name);
  return ordered_json{{"version", 1},
                      {"resourceType", enum_name(r.type)},
                      {"name", r.name},
                      {"patternType", enum_name(r.pattern)}}
      .dump();
}

acl_result<resource_pattern> decode_change(std::string_view root, std::string_view data) {
  constexpr std::string_view what = "ACL change notice";
  if (root == literal_changes) {
    auto colon = data.find(':');
    if (colon == std::string_view::npos)
      return bad(what, fmt::format("expected ResourceType:ResourceName but got {}", data));
    auto type = parse_resource_type(data.substr(0, colon));
    if (type == resource_type::unknown || type == resource_type::any)
      return bad(what, fmt::format("unknown resource type in {}", data));
    return resource_pattern{type, std::string(data.substr(colon + 1)), pattern_type::literal};
  }
  json doc = parse(data);
  if (!doc.is_object()) return bad(what, "not a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int64_t>() > 1)
    return bad(what, "unsupported version");
  const auto* type = string_field(doc, "resourceType");
  const auto* name = string_field(doc, "name");
  const auto* pattern = string_field(doc, "patternType");
  if (!type || !name || !pattern) return bad(what, "lacks resourceType, name or patternType");
  resource_pattern r{parse_resource_type(*type), *name, parse_pattern_type(*pattern)};
  if (r.type == resource_type::unknown || r.type == resource_type::any ||
      (r.pattern != pattern_type::literal && r.pattern != pattern_type::prefixed))
    return bad(what, fmt::format("unknown resourceType {} or patternType {}", *type, *pattern));
  return r;
}

std::optional<int64_t> change_sequence(std::string_view node_name) {
  if (!node_name.starts_with(change_prefix)) return std::nullopt;
  auto digits = node_name.substr(change_prefix.size());
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty())
    return std::nullopt;
  return value;
}

}  // namespace sluice::security::acl_zk_layout
