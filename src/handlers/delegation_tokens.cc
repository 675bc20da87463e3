// CreateDelegationToken (38), RenewDelegationToken (39), ExpireDelegationToken (40) and
// DescribeDelegationToken (41) as Kafka 3.9's KafkaApis and DelegationTokenManagerZk decide them:
// refused (DELEGATION_TOKEN_REQUEST_NOT_ALLOWED) on PLAINTEXT, on one-way SSL and on connections
// that authenticated with a token; DELEGATION_TOKEN_AUTH_DISABLED without
// delegation.token.secret.key; only the owner and the renewers may renew or expire a token. With an
// authorizer, a token for another owner needs CREATE_TOKENS on that User resource
// (DELEGATION_TOKEN_AUTHORIZATION_FAILED otherwise), and a token one neither owns nor renews is
// described only with DESCRIBE on its DelegationToken resource (the token id) or DESCRIBE_TOKENS
// on its owner's User resource (KIP-373). The
// decisions are security::token_manager's; tokens are written through the metadata store. Run on a
// request worker (a store round trip, and a new token's SCRAM keys take two PBKDF2 runs).
#include <chrono>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/handlers.h"
#include "handlers/sasl_exchange.h"
#include "protocol/error_code.h"
#include "protocol/generated/create_delegation_token.h"
#include "protocol/generated/describe_delegation_token.h"
#include "protocol/generated/expire_delegation_token.h"
#include "protocol/generated/renew_delegation_token.h"

namespace sluice::handlers {
namespace {

using protocol::error_code;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int16_t code_of(security::token_errc e) {
  using te = security::token_errc;
  switch (e) {
    case te::none:
      return 0;
    case te::auth_disabled:
      return static_cast<int16_t>(error_code::delegation_token_auth_disabled);
    case te::not_found:
      return static_cast<int16_t>(error_code::delegation_token_not_found);
    case te::owner_mismatch:
      return static_cast<int16_t>(error_code::delegation_token_owner_mismatch);
    case te::expired:
      return static_cast<int16_t>(error_code::delegation_token_expired);
    case te::invalid_principal:
      return 67;  // INVALID_PRINCIPAL_TYPE
    case te::storage_failed:
      break;
  }
  return static_cast<int16_t>(error_code::unknown_server_error);
}

// Kafka's allowTokenRequests.
bool token_requests_allowed(const request_context& ctx) {
  const auto& session = *ctx.connection->session;
  const auto& protocol = ctx.connection->security_protocol;
  if (session.token_authenticated() || protocol == "PLAINTEXT") return false;
  return !(protocol == "SSL" && session.principal() == net::anonymous_principal);
}

security::token_manager* manager_of(const request_context& ctx) {
  return ctx.services.sasl ? ctx.services.sasl->token_manager.get() : nullptr;
}

std::pair<std::string, std::string> split_principal(const std::string& p) {
  auto colon = p.find(':');
  if (colon == std::string::npos) return {"User", p};
  return {p.substr(0, colon), p.substr(colon + 1)};
}

constexpr int16_t not_allowed =
    static_cast<int16_t>(error_code::delegation_token_request_not_allowed);
constexpr int16_t disabled = static_cast<int16_t>(error_code::delegation_token_auth_disabled);

}  // namespace

void handle_create_delegation_token(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::create_delegation_token_request request;
  if (auto d = request.decode(body, ctx.api_version()); !d) return reply.close();
  protocol::create_delegation_token_response response;
  const std::string requester = ctx.connection->session->principal();
  std::string owner = requester;
  if (request.owner_principal_name && !request.owner_principal_name->empty())
    owner = request.owner_principal_type.value_or("User") + ":" + *request.owner_principal_name;
  std::tie(response.principal_type, response.principal_name) = split_principal(owner);
  if (ctx.api_version() >= 3)  // the requester is in the response from v3
    std::tie(response.token_requester_principal_type, response.token_requester_principal_name) =
        split_principal(requester);
  auto fail_with = [&](int16_t code) {
    response.error_code = code;
    response.issue_timestamp_ms = response.expiry_timestamp_ms = response.max_timestamp_ms = -1;
    return reply.send(response);
  };
  if (!token_requests_allowed(ctx)) return fail_with(not_allowed);
  auto* manager = manager_of(ctx);
  if (!manager) return fail_with(disabled);
  // Creating a token for another owner needs CREATE_TOKENS on that user (the resource is named by
  // the whole principal, "User:bob"); without an authorizer everything is allowed, as in Kafka.
  if (owner != requester &&
      !access(ctx).allows(acl_operation::create_tokens, resource_type::user, owner))
    return fail_with(static_cast<int16_t>(error_code::delegation_token_authorization_failed));
  std::vector<std::string> renewers;
  for (const auto& r : request.renewers)
    renewers.push_back(r.principal_type + ":" + r.principal_name);
  auto made = manager->create(owner, requester, renewers, request.max_lifetime_ms, now_ms());
  if (made.error != security::token_errc::none) return fail_with(code_of(made.error));
  response.issue_timestamp_ms = made.info.issue_timestamp;
  response.expiry_timestamp_ms = made.info.expiry_timestamp;
  response.max_timestamp_ms = made.info.max_timestamp;
  response.token_id = made.info.token_id;
  response.hmac.assign(made.hmac.begin(), made.hmac.end());
  reply.send(response);
}

namespace {

// Renew and Expire: the same checks, then `change` (the manager's renew or expire) on the token
// the HMAC names; the answer carries its new expiry time.
template <class Request, class Response, class Change>
void change_token_expiry(request_context& ctx, protocol::reader& body, responder reply,
                         Change change) {
  Request request;
  if (auto d = request.decode(body, ctx.api_version()); !d) return reply.close();
  Response response;
  response.expiry_timestamp_ms = -1;
  if (!token_requests_allowed(ctx)) {
    response.error_code = not_allowed;
    return reply.send(response);
  }
  auto* manager = manager_of(ctx);
  if (!manager) {
    response.error_code = disabled;
    return reply.send(response);
  }
  auto r = change(*manager, ctx.connection->session->principal(), request);
  response.error_code = code_of(r.error);
  response.expiry_timestamp_ms = r.timestamp;
  reply.send(response);
}

}  // namespace

void handle_renew_delegation_token(request_context& ctx, protocol::reader& body, responder reply) {
  change_token_expiry<protocol::renew_delegation_token_request,
                      protocol::renew_delegation_token_response>(
      ctx, body, std::move(reply), [](auto& manager, const auto& principal, const auto& request) {
        return manager.renew(principal, request.hmac, request.renew_period_ms, now_ms());
      });
}

void handle_expire_delegation_token(request_context& ctx, protocol::reader& body, responder reply) {
  change_token_expiry<protocol::expire_delegation_token_request,
                      protocol::expire_delegation_token_response>(
      ctx, body, std::move(reply), [](auto& manager, const auto& principal, const auto& request) {
        return manager.expire(principal, request.hmac, request.expiry_time_period_ms, now_ms());
      });
}

void handle_describe_delegation_token(request_context& ctx, protocol::reader& body,
                                      responder reply) {
  protocol::describe_delegation_token_request request;
  if (auto d = request.decode(body, ctx.api_version()); !d) return reply.close();
  protocol::describe_delegation_token_response response;
  if (!token_requests_allowed(ctx)) {
    response.error_code = not_allowed;
    return reply.send(response);
  }
  auto* manager = manager_of(ctx);
  if (!manager) {
    response.error_code = disabled;
    return reply.send(response);
  }
  // An empty owner list asks for nothing; a null one for every token the requester may see.
  if (request.owners && request.owners->empty()) return reply.send(response);
  std::optional<std::vector<std::string>> owners;
  if (request.owners) {
    owners.emplace();
    for (const auto& o : *request.owners)
      owners->push_back(o.principal_type + ":" + o.principal_name);
  }
  const access acl(ctx);
  auto may_see = [&](const security::token_info& t) {
    return acl.allows(acl_operation::describe, resource_type::delegation_token, t.token_id) ||
           acl.allows(acl_operation::describe_tokens, resource_type::user, t.owner);
  };
  for (const auto& t : manager->describe(ctx.connection->session->principal(), owners, may_see)) {
    auto& d = response.tokens.emplace_back();
    std::tie(d.principal_type, d.principal_name) = split_principal(t.owner);
    if (ctx.api_version() >= 3)
      std::tie(d.token_requester_principal_type, d.token_requester_principal_name) =
          split_principal(t.requester);
    d.issue_timestamp = t.issue_timestamp;
    d.expiry_timestamp = t.expiry_timestamp;
    d.max_timestamp = t.max_timestamp;
    d.token_id = t.token_id;
    auto mac = ctx.services.sasl->tokens->hmac(t.token_id);
    d.hmac.assign(mac.begin(), mac.end());
    for (const auto& r : t.renewers) {
      auto& renewer = d.renewers.emplace_back();
      std::tie(renewer.principal_type, renewer.principal_name) = split_principal(r);
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
