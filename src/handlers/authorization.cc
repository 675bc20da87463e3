#include "handlers/authorization.h"

#include <spdlog/spdlog.h>

#include "handlers/broker_services.h"
#include "protocol/generated/api_table.h"
#include "security/acl_manager.h"

namespace sluice::handlers {

access::access(const request_context& ctx) {
  if (ctx.services.acls == nullptr) return;
  authorizer_ = &ctx.services.acls->authorizer();
  who_.principal = ctx.connection->session->principal();
  who_.host = ctx.connection->client_host;
  const auto* api = protocol::find_api(ctx.header.request_api_key);
  api_ = api ? std::string(api->name) : std::to_string(ctx.header.request_api_key);
}

bool access::allows(acl_operation op, resource_type type, std::string_view name) const {
  if (authorizer_ == nullptr) return true;
  bool allowed = authorizer_->authorize(who_, op, type, name);
  // Kafka's authorizer logger line (at debug: a denial is the client's business, not the log's).
  if (!allowed)
    spdlog::debug(
        "Principal = {} is Denied Operation = {} from host = {} on resource = {}:LITERAL:{} for "
        "request = {}",
        who_.principal, security::pascal_name(op), who_.host, security::pascal_name(type), name,
        api_);
  return allowed;
}

bool access::allows_cluster(acl_operation op) const {
  return allows(op, resource_type::cluster, security::cluster_resource_name);
}

bool access::allows_any(acl_operation op, resource_type type) const {
  return authorizer_ == nullptr || authorizer_->authorize_any(who_, op, type);
}

int32_t access::operations(resource_type type, std::string_view name) const {
  if (authorizer_ != nullptr) return authorizer_->authorized_operations(who_, type, name);
  int32_t bits = 0;
  for (auto op : security::supported_operations(type)) bits |= int32_t{1} << static_cast<int>(op);
  return bits;
}

protocol::error_code authorization_error(resource_type type) {
  using protocol::error_code;
  switch (type) {
    case resource_type::topic:
      return error_code::topic_authorization_failed;
    case resource_type::group:
      return error_code::group_authorization_failed;
    case resource_type::transactional_id:
      return error_code::transactional_id_authorization_failed;
    case resource_type::delegation_token:
      return error_code::delegation_token_authorization_failed;
    default:
      return error_code::cluster_authorization_failed;
  }
}

std::optional<protocol::error_code> heartbeat_refusal(
    const access& acl, std::string_view group,
    const std::optional<std::vector<std::string>>& topics) {
  if (!acl.allows_group(acl_operation::read, group))
    return protocol::error_code::group_authorization_failed;
  if (topics)
    for (const auto& topic : *topics)
      if (!acl.allows_topic(acl_operation::describe, topic))
        return protocol::error_code::topic_authorization_failed;
  return std::nullopt;
}

}  // namespace sluice::handlers
