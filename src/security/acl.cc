#include "security/acl.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace sluice::security {

namespace {

struct names {
  int8_t code;
  std::string_view upper;   // the Java enum name
  std::string_view pascal;  // SecurityUtils' stored name
};

constexpr std::array resource_names{
    names{0, "UNKNOWN", "Unknown"},
    names{1, "ANY", "Any"},
    names{2, "TOPIC", "Topic"},
    names{3, "GROUP", "Group"},
    names{4, "CLUSTER", "Cluster"},
    names{5, "TRANSACTIONAL_ID", "TransactionalId"},
    names{6, "DELEGATION_TOKEN", "DelegationToken"},
    names{7, "USER", "User"},
};
constexpr std::array pattern_names{
    names{0, "UNKNOWN", "Unknown"}, names{1, "ANY", "Any"},           names{2, "MATCH", "Match"},
    names{3, "LITERAL", "Literal"}, names{4, "PREFIXED", "Prefixed"},
};
constexpr std::array operation_names{
    names{0, "UNKNOWN", "Unknown"},
    names{1, "ANY", "Any"},
    names{2, "ALL", "All"},
    names{3, "READ", "Read"},
    names{4, "WRITE", "Write"},
    names{5, "CREATE", "Create"},
    names{6, "DELETE", "Delete"},
    names{7, "ALTER", "Alter"},
    names{8, "DESCRIBE", "Describe"},
    names{9, "CLUSTER_ACTION", "ClusterAction"},
    names{10, "DESCRIBE_CONFIGS", "DescribeConfigs"},
    names{11, "ALTER_CONFIGS", "AlterConfigs"},
    names{12, "IDEMPOTENT_WRITE", "IdempotentWrite"},
    names{13, "CREATE_TOKENS", "CreateTokens"},
    names{14, "DESCRIBE_TOKENS", "DescribeTokens"},
};
constexpr std::array permission_names{
    names{0, "UNKNOWN", "Unknown"},
    names{1, "ANY", "Any"},
    names{2, "DENY", "Deny"},
    names{3, "ALLOW", "Allow"},
};

template <class Table>
const names& entry_of(const Table& table, int8_t code) {
  for (const auto& n : table)
    if (n.code == code) return n;
  return table.front();  // UNKNOWN
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// SecurityUtils.valueFromMap: the Pascal name as given, else the upper-cased text against the
// upper-cased Pascal names (so "TRANSACTIONALID" matches) and, like the Java enums' valueOf of
// the clients, the enum names ("TRANSACTIONAL_ID").
template <class Table>
int8_t parse(const Table& table, std::string_view text) {
  for (const auto& n : table)
    if (n.pascal == text) return n.code;
  const std::string wanted = upper(text);
  for (const auto& n : table)
    if (upper(n.pascal) == wanted || n.upper == wanted) return n.code;
  return 0;
}

}  // namespace

resource_type resource_type_from_code(int8_t code) {
  return static_cast<resource_type>(entry_of(resource_names, code).code);
}
pattern_type pattern_type_from_code(int8_t code) {
  return static_cast<pattern_type>(entry_of(pattern_names, code).code);
}
acl_operation operation_from_code(int8_t code) {
  return static_cast<acl_operation>(entry_of(operation_names, code).code);
}
acl_permission permission_from_code(int8_t code) {
  return static_cast<acl_permission>(entry_of(permission_names, code).code);
}

std::string_view enum_name(resource_type t) {
  return entry_of(resource_names, static_cast<int8_t>(t)).upper;
}
std::string_view enum_name(pattern_type t) {
  return entry_of(pattern_names, static_cast<int8_t>(t)).upper;
}
std::string_view enum_name(acl_operation o) {
  return entry_of(operation_names, static_cast<int8_t>(o)).upper;
}
std::string_view enum_name(acl_permission p) {
  return entry_of(permission_names, static_cast<int8_t>(p)).upper;
}
std::string_view pascal_name(resource_type t) {
  return entry_of(resource_names, static_cast<int8_t>(t)).pascal;
}
std::string_view pascal_name(acl_operation o) {
  return entry_of(operation_names, static_cast<int8_t>(o)).pascal;
}
std::string_view pascal_name(acl_permission p) {
  return entry_of(permission_names, static_cast<int8_t>(p)).pascal;
}

resource_type parse_resource_type(std::string_view name) {
  return static_cast<resource_type>(parse(resource_names, name));
}
acl_operation parse_operation(std::string_view name) {
  return static_cast<acl_operation>(parse(operation_names, name));
}
acl_permission parse_permission(std::string_view name) {
  return static_cast<acl_permission>(parse(permission_names, name));
}
pattern_type parse_pattern_type(std::string_view name) {
  return static_cast<pattern_type>(parse(pattern_names, name));
}

bool resource_pattern_filter::matches(const resource_pattern& p) const {
  if (type != resource_type::any && type != p.type) return false;
  if (pattern != pattern_type::any && pattern != pattern_type::match && pattern != p.pattern)
    return false;
  if (!name) return true;
  if (pattern == pattern_type::any || pattern == p.pattern) return *name == p.name;
  // MATCH: every stored pattern that applies to the name.
  switch (p.pattern) {
    case pattern_type::literal:
      return *name == p.name || p.name == wildcard_resource;
    case pattern_type::prefixed:
      return name->starts_with(p.name);
    default:
      return false;
  }
}

bool resource_pattern_filter::matches_at_most_one() const {
  return type != resource_type::any && type != resource_type::unknown && name &&
         pattern != pattern_type::match && pattern != pattern_type::unknown;
}

bool acl_entry_filter::matches(const acl_entry& e) const {
  if (principal && *principal != e.principal) return false;
  if (host && *host != e.host) return false;
  if (operation != acl_operation::any && operation != e.operation) return false;
  return permission == acl_permission::any || permission == e.permission;
}

bool acl_binding_filter::has_unknown() const {
  return pattern.type == resource_type::unknown || pattern.pattern == pattern_type::unknown ||
         entry.operation == acl_operation::unknown || entry.permission == acl_permission::unknown;
}

const std::vector<acl_operation>& supported_operations(resource_type t) {
  using o = acl_operation;
  static const std::vector<o> topic{o::read,  o::write,    o::create,           o::remove,
                                    o::alter, o::describe, o::describe_configs, o::alter_configs};
  static const std::vector<o> group{o::read, o::remove, o::describe};
  static const std::vector<o> cluster{
      o::create,           o::alter,         o::describe,        o::cluster_action,
      o::describe_configs, o::alter_configs, o::idempotent_write};
  static const std::vector<o> transactional_id{o::write, o::describe};
  static const std::vector<o> delegation_token{o::describe};
  static const std::vector<o> user{o::create_tokens, o::describe_tokens};
  static const std::vector<o> none;
  switch (t) {
    case resource_type::topic:
      return topic;
    case resource_type::group:
      return group;
    case resource_type::cluster:
      return cluster;
    case resource_type::transactional_id:
      return transactional_id;
    case resource_type::delegation_token:
      return delegation_token;
    case resource_type::user:
      return user;
    default:
      return none;
  }
}

std::optional<std::pair<std::string, std::string>> split_principal(std::string_view principal) {
  auto colon = principal.find(':');
  if (principal.empty() || colon == std::string_view::npos) return std::nullopt;
  return std::pair{std::string(principal.substr(0, colon)),
                   std::string(principal.substr(colon + 1))};
}

std::optional<std::string> invalid_binding(const acl_binding& b) {
  const auto& p = b.pattern;
  const auto& e = b.entry;
  if (p.type == resource_type::unknown || p.pattern == pattern_type::unknown ||
      e.operation == acl_operation::unknown || e.permission == acl_permission::unknown)
    return "ACL binding contains unknown elements";
  if (p.type == resource_type::any) return "resourceType must not be ANY";
  if (p.pattern == pattern_type::any || p.pattern == pattern_type::match)
    return fmt::format("patternType must not be {}", enum_name(p.pattern));
  if (e.operation == acl_operation::any) return "operation must not be ANY";
  if (e.permission == acl_permission::any) return "permissionType must not be ANY";
  if (p.name.find('/') != std::string::npos)
    return fmt::format("ACL binding contains invalid resource name: {}", p.name);
  if (!split_principal(e.principal))
    return fmt::format("expected a string in format principalType:principalName but got {}",
                       e.principal);
  return std::nullopt;
}

std::string to_string(const resource_pattern& p) {
  return fmt::format("ResourcePattern(resourceType={}, name={}, patternType={})", enum_name(p.type),
                     p.name, enum_name(p.pattern));
}

std::string to_string(const resource_pattern_filter& f) {
  return fmt::format("ResourcePattern(resourceType={}, name={}, patternType={})", enum_name(f.type),
                     f.name ? *f.name : "<any>", enum_name(f.pattern));
}

std::string to_string(const acl_entry& e) {
  return fmt::format("(principal={}, host={}, operation={}, permissionType={})", e.principal,
                     e.host, enum_name(e.operation), enum_name(e.permission));
}

}  // namespace sluice::security
