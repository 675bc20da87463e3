// acl: the vocabulary of Kafka's authorization (ZooKeeper mode, kafka.security.authorizer.
// AclAuthorizer): resource types, pattern types, operations and permissions with Kafka's wire
// codes and names, ACL entries and bindings, the filters DescribeAcls and DeleteAcls take, and
// the text Kafka's tools print for them. Plain values and pure functions; any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sluice::security {

// Errors of the ACL code. Handlers map them to Kafka codes: invalid_request -> INVALID_REQUEST,
// unavailable -> the store could not be reached or kept changing (UNKNOWN_SERVER_ERROR with the
// message, as Kafka's authorizer answers an exception), storage_failed -> the embedded state
// file could not be written (KAFKA_STORAGE_ERROR).
enum class acl_errc { invalid_request, unavailable, storage_failed };

template <class T>
using acl_result = sluice::result<T, acl_errc>;

// Kafka's ResourceType codes.
enum class resource_type : int8_t {
  unknown = 0,
  any = 1,
  topic = 2,
  group = 3,
  cluster = 4,
  transactional_id = 5,
  delegation_token = 6,
  user = 7,
};

// Kafka's PatternType codes. LITERAL and PREFIXED are stored; ANY and MATCH only filter.
enum class pattern_type : int8_t { unknown = 0, any = 1, match = 2, literal = 3, prefixed = 4 };

// Kafka's AclOperation codes. ANY only filters; ALL in an ACL grants (or denies) everything.
enum class acl_operation : int8_t {
  unknown = 0,
  any = 1,
  all = 2,
  read = 3,
  write = 4,
  create = 5,
  remove = 6,  // DELETE
  alter = 7,
  describe = 8,
  cluster_action = 9,
  describe_configs = 10,
  alter_configs = 11,
  idempotent_write = 12,
  create_tokens = 13,
  describe_tokens = 14,
};

// Kafka's AclPermissionType codes.
enum class acl_permission : int8_t { unknown = 0, any = 1, deny = 2, allow = 3 };

inline constexpr std::string_view cluster_resource_name = "kafka-cluster";
inline constexpr std::string_view wildcard_resource = "*";
inline constexpr std::string_view wildcard_principal = "User:*";
inline constexpr std::string_view wildcard_host = "*";

// Codes from the wire; anything unknown becomes `unknown`, as Kafka's fromCode.
resource_type resource_type_from_code(int8_t code);
pattern_type pattern_type_from_code(int8_t code);
acl_operation operation_from_code(int8_t code);
acl_permission permission_from_code(int8_t code);

// Java enum names, as Kafka's toString prints them: TOPIC, PREFIXED, READ, ALLOW.
std::string_view enum_name(resource_type t);
std::string_view enum_name(pattern_type t);
std::string_view enum_name(acl_operation o);
std::string_view enum_name(acl_permission p);
// Kafka's stored names (SecurityUtils, Pascal case): Topic, TransactionalId, Read, IdempotentWrite,
// Allow. Pattern types are stored by their enum name.
std::string_view pascal_name(resource_type t);
std::string_view pascal_name(acl_operation o);
std::string_view pascal_name(acl_permission p);
// Parsing as SecurityUtils does: the Pascal-case name, or any case with underscores as in the
// enum name ("Topic", "TOPIC", "transactional_id", "TransactionalId"). `unknown` if none matches.
resource_type parse_resource_type(std::string_view name);
acl_operation parse_operation(std::string_view name);
acl_permission parse_permission(std::string_view name);
pattern_type parse_pattern_type(std::string_view name);  // ANY, MATCH, LITERAL, PREFIXED

// A stored resource pattern: a concrete type, LITERAL or PREFIXED, a name ("*": every resource,
// only with LITERAL).
struct resource_pattern {
  resource_type type = resource_type::unknown;
  std::string name;
  pattern_type pattern = pattern_type::literal;
  auto operator<=>(const resource_pattern&) const = default;
};

// One access control entry: who ("User:alice", "User:*"), from where ("*" or an address), what,
// and whether it allows or denies.
struct acl_entry {
  std::string principal;
  std::string host = std::string(wildcard_host);
  acl_operation operation = acl_operation::unknown;
  acl_permission permission = acl_permission::unknown;
  auto operator<=>(const acl_entry&) const = default;
};

struct acl_binding {
  resource_pattern pattern;
  acl_entry entry;
  auto operator<=>(const acl_binding&) const = default;
};

using acl_set = std::set<acl_entry>;
// Every stored ACL by resource pattern (what the authorizer caches and the stores hold).
using acl_map = std::map<resource_pattern, acl_set>;

// Kafka's ResourcePatternFilter: type ANY matches every type, a null name every name; pattern ANY
// matches LITERAL and PREFIXED patterns of exactly that name, MATCH every pattern that applies
// to the name (the literal name, the "*" wildcard, and prefixes of it).
struct resource_pattern_filter {
  resource_type type = resource_type::any;
  std::optional<std::string> name;
  pattern_type pattern = pattern_type::any;
  auto operator<=>(const resource_pattern_filter&) const = default;
  bool matches(const resource_pattern& p) const;
  // Names at most one pattern (no ANY type, a name, not MATCH).
  bool matches_at_most_one() const;
};

// Kafka's AccessControlEntryFilter: null principal/host and ANY operation/permission match all.
struct acl_entry_filter {
  std::optional<std::string> principal;
  std::optional<std::string> host;
  acl_operation operation = acl_operation::any;
  acl_permission permission = acl_permission::any;
  bool matches(const acl_entry& e) const;
};

struct acl_binding_filter {
  resource_pattern_filter pattern;
  acl_entry_filter entry;
  bool matches(const acl_binding& b) const {
    return pattern.matches(b.pattern) && entry.matches(b.entry);
  }
  bool has_unknown() const;
};

// The operations each resource type has (Kafka's AclEntry.supportedOperations), in code order.
const std::vector<acl_operation>& supported_operations(resource_type t);

// Why `binding` cannot be stored (unknown elements, ANY/MATCH, a '/' in the name, no principal
// type), or nullopt. Kafka's AclAuthorizer refuses the same bindings.
std::optional<std::string> invalid_binding(const acl_binding& binding);

// "User:alice" is "User" and "alice"; nullopt without a ':' (Kafka's parseKafkaPrincipal).
std::optional<std::pair<std::string, std::string>> split_principal(std::string_view principal);

// What Kafka's toString gives, as kafka-acls prints it:
// ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)
std::string to_string(const resource_pattern& p);
// ResourcePattern(resourceType=TOPIC, name=<any>, patternType=ANY) for filters
std::string to_string(const resource_pattern_filter& f);
// (principal=User:alice, host=*, operation=READ, permissionType=ALLOW)
std::string to_string(const acl_entry& e);

}  // namespace sluice::security
