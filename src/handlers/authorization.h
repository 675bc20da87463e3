// authorization: the one question handlers ask — may this request's principal do an operation on a
// resource? — answered by the broker's ACL authorizer (security::acl_authorizer, Kafka's
// AclAuthorizer rules) for the connection's principal (net::connection_session) and the client's
// address. With no authorizer (authorizer.class.name empty) everything is allowed and
// authorized_operations report every supported operation, as Kafka does.
//
// An `access` is made per request on the thread handling it (principal copied once); every check
// is an in-memory lookup, fine on a network thread. Handlers call it as Kafka's KafkaApis calls its
// AuthHelper; the checks of each API are listed in docs/security.md.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "handlers/request_context.h"
#include "protocol/error_code.h"
#include "security/acl.h"
#include "security/acl_authorizer.h"

namespace sluice::handlers {

using security::acl_operation;
using security::resource_type;

class access {
 public:
  explicit access(const request_context& ctx);

  // False when no authorizer is configured (every check then allows).
  bool enabled() const { return authorizer_ != nullptr; }

  bool allows(acl_operation op, resource_type type, std::string_view name) const;
  bool allows_cluster(acl_operation op) const;
  bool allows_topic(acl_operation op, std::string_view topic) const {
    return allows(op, resource_type::topic, topic);
  }
  bool allows_group(acl_operation op, std::string_view group) const {
    return allows(op, resource_type::group, group);
  }
  bool allows_transactional_id(acl_operation op, std::string_view id) const {
    return allows(op, resource_type::transactional_id, id);
  }
  // Inter-broker requests (LeaderAndIsr, UpdateMetadata, a replica's Fetch, ...).
  bool allows_inter_broker() const { return allows_cluster(acl_operation::cluster_action); }
  // At least one resource of `type` (Kafka's authorizeByResourceType, KIP-679).
  bool allows_any(acl_operation op, resource_type type) const;

  // The names in `names` the principal may do `op` on (each checked once).
  template <class Range, class NameOf>
  std::set<std::string> allowed(acl_operation op, resource_type type, const Range& names,
                                NameOf name_of) const {
    std::set<std::string> out, refused;
    for (const auto& item : names) {
      const std::string& name = name_of(item);
      if (out.contains(name) || refused.contains(name)) continue;
      (allows(op, type, name) ? out : refused).insert(name);
    }
    return out;
  }

  // Kafka's authorized_operations bit field for the resource.
  int32_t operations(resource_type type, std::string_view name) const;

 private:
  const security::acl_authorizer* authorizer_ = nullptr;
  security::identity who_;
  std::string api_;  // for the denial log line
};

// Kafka's error for a refused resource of `type`: TOPIC_AUTHORIZATION_FAILED,
// GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED, TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
// DELEGATION_TOKEN_AUTHORIZATION_FAILED.
protocol::error_code authorization_error(resource_type type);

// A group heartbeat's authorization, as Kafka's KafkaApis checks ConsumerGroupHeartbeat and
// ShareGroupHeartbeat: READ on the group (else GROUP_AUTHORIZATION_FAILED), then DESCRIBE on
// every subscribed topic (else TOPIC_AUTHORIZATION_FAILED). nullopt when allowed.
std::optional<protocol::error_code> heartbeat_refusal(
    const access& acl, std::string_view group,
    const std::optional<std::vector<std::string>>& topics);

}  // namespace sluice::handlers
