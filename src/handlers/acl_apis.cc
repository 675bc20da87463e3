// DescribeAcls (key 29), CreateAcls (key 30), DeleteAcls (key 31), v0–v3 as Kafka 3.9 serves them
// (its AclApis): DescribeAcls needs DESCRIBE on the cluster, the other two ALTER (else
// CLUSTER_AUTHORIZATION_FAILED); with no authorizer they answer SECURITY_DISABLED. CreateAcls
// refuses a CLUSTER pattern not named kafka-cluster and an empty name (INVALID_REQUEST) and hands
// the rest to security::acl_manager, which stores them (ZooKeeper or the embedded store) and
// announces them to every broker. v0 knows only LITERAL patterns (a v0 filter's ANY means
// LITERAL); a request with UNKNOWN elements, or another pattern in v0, does not parse and closes
// the connection, as in Kafka. CreateAcls and DeleteAcls write to the store: request workers.
#include <spdlog/spdlog.h>

#include <map>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "protocol/generated/create_acls.h"
#include "protocol/generated/delete_acls.h"
#include "protocol/generated/describe_acls.h"
#include "security/acl_manager.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
namespace sec = security;

int8_t code8(auto e) {
  return static_cast<int8_t>(e);
}

// A filter as DescribeAcls and DeleteAcls carry it; nullopt when Kafka's request would not parse.
template <class Wire>
std::optional<sec::acl_binding_filter> filter_of(Wire& w, int16_t version) {
  auto pattern = sec::pattern_type_from_code(w.pattern_type_filter);
  if (version == 0) {
    if (pattern == sec::pattern_type::any) pattern = sec::pattern_type::literal;
    if (pattern != sec::pattern_type::literal) return std::nullopt;
  }
  sec::acl_binding_filter f{
      {sec::resource_type_from_code(w.resource_type_filter), w.resource_name_filter, pattern},
      {w.principal_filter, w.host_filter, sec::operation_from_code(w.operation),
       sec::permission_from_code(w.permission_type)}};
  if (f.has_unknown()) return std::nullopt;
  return f;
}

// What an acl_manager failure is answered with: Kafka's authorizer answers any exception that is
// not a Kafka ApiException as UNKNOWN_SERVER_ERROR without a message.
std::pair<error_code, std::optional<std::string>> wire_error(const failure<sec::acl_errc>& f) {
  if (f.code == sec::acl_errc::invalid_request) return {error_code::invalid_request, f.message};
  spdlog::error("ACL update failed: {}", f.message);
  return {error_code::unknown_server_error, std::nullopt};
}

}  // namespace

void handle_describe_acls(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::describe_acls_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  auto filter = filter_of(request, version);
  if (!filter) return reply.close();

  protocol::describe_acls_response response;
  if (!access(ctx).allows_cluster(acl_operation::describe)) {
    response.error_code = code_of(error_code::cluster_authorization_failed);
    response.error_message = std::nullopt;
    return reply.send(response);
  }
  if (ctx.services.acls == nullptr) {
    response.error_code = code_of(error_code::security_disabled);
    response.error_message = "No Authorizer is configured on the broker";
    return reply.send(response);
  }
  response.error_message = std::nullopt;
  std::map<sec::resource_pattern, size_t> slot;
  for (const auto& b : ctx.services.acls->describe(*filter)) {
    auto [it, fresh] = slot.try_emplace(b.pattern, response.resources.size());
    if (fresh) {
      auto& r = response.resources.emplace_back();
      r.resource_type = code8(b.pattern.type);
      r.resource_name = b.pattern.name;
      r.pattern_type = code8(b.pattern.pattern);
    }
    auto& acl = response.resources[it->second].acls.emplace_back();
    acl.principal = b.entry.principal;
    acl.host = b.entry.host;
    acl.operation = code8(b.entry.operation);
    acl.permission_type = code8(b.entry.permission);
  }
  reply.send(response);
}

void handle_create_acls(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::create_acls_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  std::vector<sec::acl_binding> bindings;
  for (const auto& c : request.creations) {
    sec::acl_binding b{{sec::resource_type_from_code(c.resource_type), c.resource_name,
                        sec::pattern_type_from_code(c.resource_pattern_type)},
                       {c.principal, c.host, sec::operation_from_code(c.operation),
                        sec::permission_from_code(c.permission_type)}};
    if (version == 0 && b.pattern.pattern != sec::pattern_type::literal) return reply.close();
    if (b.pattern.pattern == sec::pattern_type::unknown ||
        b.pattern.type == sec::resource_type::unknown ||
        b.entry.operation == sec::acl_operation::unknown ||
        b.entry.permission == sec::acl_permission::unknown)
      return reply.close();
    bindings.push_back(std::move(b));
  }

  protocol::create_acls_response response;
  auto fail_all = [&](error_code e, std::optional<std::string> message) {
    for (size_t i = 0; i < bindings.size(); ++i)
      response.results.push_back({.error_code = code_of(e), .error_message = message});
    reply.send(response);
  };
  if (!access(ctx).allows_cluster(acl_operation::alter))
    return fail_all(error_code::cluster_authorization_failed, std::nullopt);
  if (ctx.services.acls == nullptr)
    return fail_all(error_code::security_disabled, "No Authorizer is configured.");

  response.results.resize(bindings.size());
  std::vector<sec::acl_binding> valid;
  std::vector<size_t> valid_index;
  for (size_t i = 0; i < bindings.size(); ++i) {
    auto& out = response.results[i];
    out.error_message = std::nullopt;
    const auto& p = bindings[i].pattern;
    if (p.type == sec::resource_type::cluster && p.name != sec::cluster_resource_name) {
      out.error_code = code_of(error_code::invalid_request);
      out.error_message = "The only valid name for the CLUSTER resource is kafka-cluster";
    } else if (p.name.empty()) {
      out.error_code = code_of(error_code::invalid_request);
      out.error_message = "Invalid empty resource name";
    } else {
      valid.push_back(bindings[i]);
      valid_index.push_back(i);
    }
  }
  auto outcomes = ctx.services.acls->create_acls(valid);
  for (size_t j = 0; j < outcomes.size(); ++j) {
    if (!outcomes[j]) continue;
    auto [e, message] = wire_error(*outcomes[j]);
    response.results[valid_index[j]].error_code = code_of(e);
    response.results[valid_index[j]].error_message = std::move(message);
  }
  reply.send(response);
}

void handle_delete_acls(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::delete_acls_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  std::vector<sec::acl_binding_filter> filters;
  for (auto& f : request.filters) {
    auto filter = filter_of(f, version);
    if (!filter) return reply.close();
    filters.push_back(std::move(*filter));
  }

  protocol::delete_acls_response response;
  auto fail_all = [&](error_code e, std::optional<std::string> message) {
    for (size_t i = 0; i < filters.size(); ++i) {
      auto& out = response.filter_results.emplace_back();
      out.error_code = code_of(e);
      out.error_message = message;
    }
    reply.send(response);
  };
  if (!access(ctx).allows_cluster(acl_operation::alter))
    return fail_all(error_code::cluster_authorization_failed, std::nullopt);
  if (ctx.services.acls == nullptr)
    return fail_all(error_code::security_disabled, "No Authorizer is configured.");

  for (const auto& deleted : ctx.services.acls->delete_acls(filters)) {
    auto& out = response.filter_results.emplace_back();
    out.error_message = std::nullopt;
    for (const auto& d : deleted) {
      auto& m = out.matching_acls.emplace_back();
      m.error_message = std::nullopt;
      if (d.error) {
        auto [e, message] = wire_error(*d.error);
        m.error_code = code_of(e);
        m.error_message = std::move(message);
      }
      m.resource_type = code8(d.binding.pattern.type);
      m.resource_name = d.binding.pattern.name;
      m.pattern_type = code8(d.binding.pattern.pattern);
      m.principal = d.binding.entry.principal;
      m.host = d.binding.entry.host;
      m.operation = code8(d.binding.entry.operation);
      m.permission_type = code8(d.binding.entry.permission);
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
