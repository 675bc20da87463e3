// acl_zk_layout: where and how Kafka's ZooKeeper-mode AclAuthorizer keeps ACLs (Kafka's ZkData
// ZkAclStore, ResourceZNode, the two ZkAclChangeStores), written and read byte-compatibly so
// kafka-acls.sh, Kafka brokers and Sluice share one ZooKeeper:
//   /kafka-acl/<Type>/<name>                    LITERAL patterns, e.g. /kafka-acl/Topic/orders
//   /kafka-acl-extended/prefixed/<Type>/<name>  PREFIXED patterns
//     data: {"acls":[{"principal":"User:alice","permissionType":"Allow","host":"*",
//            "operation":"Read"}],"version":1}
//   /kafka-acl-changes/acl_changes_<seq>           "Topic:orders" style notices (LITERAL) —
//     Kafka writes the enum name: "TOPIC:orders"
//   /kafka-acl-extended-changes/acl_changes_<seq>  {"version":1,"resourceType":"TOPIC",
//     "name":"ord","patternType":"PREFIXED"}
// The embedded store keeps the same documents under the same paths. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "security/acl.h"

namespace sluice::security::acl_zk_layout {

inline constexpr std::string_view literal_root = "/kafka-acl";
inline constexpr std::string_view extended_root = "/kafka-acl-extended";
inline constexpr std::string_view prefixed_root = "/kafka-acl-extended/prefixed";
inline constexpr std::string_view literal_changes = "/kafka-acl-changes";
inline constexpr std::string_view extended_changes = "/kafka-acl-extended-changes";
inline constexpr std::string_view change_prefix = "acl_changes_";

// The concrete resource types, in code order (TOPIC .. USER).
const std::vector<resource_type>& stored_resource_types();
// /kafka-acl or /kafka-acl-extended/prefixed.
std::string_view root(pattern_type p);
// <root>/<Type>
std::string type_path(pattern_type p, resource_type t);
// <root>/<Type>/<name>
std::string resource_path(const resource_pattern& r);
// The path's pattern, or nullopt when it is not a resource znode path (or names an unknown type).
std::optional<resource_pattern> resource_of_path(std::string_view path);
// Every persistent path Kafka's createAclPaths makes (roots, a folder per type, change roots).
std::vector<std::string> persistent_paths();

// A resource znode's data. Entries in a stable order (sorted).
std::string encode_acls(const acl_set& acls);
// Empty data is an empty set, as Kafka reads it. invalid_request for bad JSON, another version,
// or unknown operations/permissions.
acl_result<acl_set> decode_acls(std::string_view json);

// The change notice announcing a change to `r`: its root and its data.
std::string_view change_root(pattern_type p);
std::string encode_change(const resource_pattern& r);
// A notice found under `root` (literal_changes or extended_changes).
acl_result<resource_pattern> decode_change(std::string_view root, std::string_view data);
// The sequence number of a notice's node name ("acl_changes_0000000012" -> 12), or nullopt.
std::optional<int64_t> change_sequence(std::string_view node_name);

}  // namespace sluice::security::acl_zk_layout
