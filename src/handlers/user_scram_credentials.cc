// DescribeUserScramCredentials (50) and AlterUserScramCredentials (51), as Kafka 3.9's
// ZkAdminManager: credentials live in the user config entities (/config/users/<user>, or the
// embedded store), one "<mechanism>" → "salt=...,stored_key=...,server_key=...,iterations=N" key
// per mechanism. The client sends the salted password, so the broker derives the stored keys
// with two HMACs and a hash — no PBKDF2 here. Alter is the active controller's in cluster mode
// (NOT_CONTROLLER elsewhere), as Kafka; both run on a request worker (store round trips).
#include <map>
#include <set>

#include "cluster/controller.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "protocol/generated/alter_user_scram_credentials.h"
#include "protocol/generated/describe_user_scram_credentials.h"
#include "security/scram.h"

namespace sluice::handlers {
namespace {

using protocol::error_code;
constexpr std::string_view username_must_not_be_empty = "Username must not be empty";

// The result for a user with at least one SCRAM credential, else nullopt.
std::optional<
    protocol::describe_user_scram_credentials_response::describe_user_scram_credentials_result>
scram_result(const std::string& user, const cluster::config_map& configs) {
  protocol::describe_user_scram_credentials_response::describe_user_scram_credentials_result r;
  r.user = user;
  bool any = false;
  for (const auto* m : security::scram_mechanisms()) {
    auto it = configs.find(std::string(m->name));
    if (it == configs.end()) continue;
    any = true;
    auto c = security::credential_from_string(it->second);
    if (!c) {
      r.error_code = code_of(error_code::unknown_server_error);
      r.error_message = c.message();
      r.credential_infos.clear();
      break;
    }
    r.credential_infos.push_back({m->type, c->iterations});
  }
  if (!any) return std::nullopt;
  return r;
}

}  // namespace

void handle_describe_user_scram_credentials(request_context& ctx, protocol::reader& body,
                                            responder reply) {
  protocol::describe_user_scram_credentials_request request;
  if (auto d = request.decode(body, ctx.api_version()); !d) return reply.close();
  protocol::describe_user_scram_credentials_response response;
  const auto users = ctx.services.metadata.user_configs();
  if (!request.users || request.users->empty()) {
    for (const auto& [user, configs] : users)  // std::map: sorted, as Kafka
      if (auto r = scram_result(user, configs)) response.results.push_back(std::move(*r));
    return reply.send(response);
  }
  std::map<std::string, int> seen;
  for (const auto& u : *request.users) ++seen[u.name];
  std::set<std::string> answered;
  for (const auto& u : *request.users) {
    if (!answered.insert(u.name).second) continue;  // one result per user asked for
    protocol::describe_user_scram_credentials_response::describe_user_scram_credentials_result r;
    r.user = u.name;
    if (u.name.empty()) {
      r.error_code = code_of(error_code::resource_not_found);
      r.error_message = std::string(username_must_not_be_empty);
    } else if (seen[u.name] > 1) {
      r.error_code = code_of(error_code::duplicate_resource);
      r.error_message =
          "Cannot describe SCRAM credentials for the same user twice in a single request: " +
          u.name;
    } else {
      auto it = users.find(u.name);
      auto found = it == users.end() ? std::nullopt : scram_result(u.name, it->second);
      if (found) {
        r = std::move(*found);
      } else {
        r.error_code = code_of(error_code::resource_not_found);
        r.error_message = "Attempt to describe a user credential that does not exist: " + u.name;
      }
    }
    response.results.push_back(std::move(r));
  }
  reply.send(response);
}

void handle_alter_user_scram_credentials(request_context& ctx, protocol::reader& body,
                                         responder reply) {
  protocol::alter_user_scram_credentials_request request;
  if (auto d = request.decode(body, ctx.api_version()); !d) return reply.close();
  protocol::alter_user_scram_credentials_response response;
  auto add = [&](const std::string& user, error_code code, std::optional<std::string> message) {
    response.results.push_back({user, code_of(code), std::move(message)});
  };
  if (ctx.services.controller != nullptr && !ctx.services.controller->active()) {
    std::set<std::string> users;
    for (const auto& u : request.upsertions) users.insert(u.name);
    for (const auto& d : request.deletions) users.insert(d.name);
    for (const auto& u : users) add(u, error_code::not_controller, std::nullopt);
    return reply.send(response);
  }

  // Users refused outright: an empty name, an unknown mechanism, iterations out of range.
  std::map<std::string, std::pair<error_code, std::string>> illegal;
  auto refuse = [&](const std::string& user, const std::string& message) {
    illegal[user] = {message == "Unknown SCRAM mechanism" ? error_code::unsupported_sasl_mechanism
                                                          : error_code::unacceptable_credential,
                     message};
  };
  for (const auto& d : request.deletions) {
    if (d.name.empty())
      refuse(d.name, std::string(username_must_not_be_empty));
    else if (!security::find_scram_mechanism(d.mechanism))
      refuse(d.name, "Unknown SCRAM mechanism");
  }
  for (const auto& u : request.upsertions) {
    const auto* m = security::find_scram_mechanism(u.mechanism);
    if (u.name.empty())
      refuse(u.name, std::string(username_must_not_be_empty));
    else if (!m)
      refuse(u.name, "Unknown SCRAM mechanism");
    else if (u.iterations < m->min_iterations)
      refuse(u.name, "Too few iterations");
    else if (u.iterations > m->max_iterations)
      refuse(u.name, "Too many iterations");
  }
  for (const auto& [user, why] : illegal) add(user, why.first, why.second);

  // A user whose (user, mechanism) pair appears twice is refused as a whole.
  std::map<std::pair<std::string, int8_t>, int> pairs;
  for (const auto& u : request.upsertions)
    if (!illegal.contains(u.name)) ++pairs[{u.name, u.mechanism}];
  for (const auto& d : request.deletions)
    if (!illegal.contains(d.name)) ++pairs[{d.name, d.mechanism}];
  std::set<std::string> duplicated, candidates;
  for (const auto& [pair, count] : pairs) {
    if (count > 1) duplicated.insert(pair.first);
    candidates.insert(pair.first);
  }
  for (const auto& user : duplicated) {
    add(user, error_code::duplicate_resource,
        "A user credential cannot be altered twice in the same request");
    candidates.erase(user);
  }

  const auto stored = ctx.services.metadata.user_configs();
  for (const auto& user : candidates) {
    auto current = stored.contains(user) ? stored.at(user) : cluster::config_map{};
    bool missing = false;
    for (const auto& d : request.deletions)
      if (d.name == user &&
          !current.contains(std::string(security::find_scram_mechanism(d.mechanism)->name)))
        missing = true;
    if (missing) {
      add(user, error_code::resource_not_found,
          "Attempt to delete a user credential that does not exist");
      continue;
    }
    auto edit = [&](const cluster::config_map& now) -> cluster::result<cluster::config_map> {
      auto next = now;
      for (const auto& d : request.deletions)
        if (d.name == user)
          next.erase(std::string(security::find_scram_mechanism(d.mechanism)->name));
      for (const auto& u : request.upsertions) {
        if (u.name != user) continue;
        const auto& m = *security::find_scram_mechanism(u.mechanism);
        auto c = security::make_scram_credential(m, u.salt, u.salted_password, u.iterations);
        next[std::string(m.name)] = security::credential_to_string(c);
      }
      return next;
    };
    if (auto r = ctx.services.metadata.update_user_configs(user, edit); !r)
      add(user, error_code::unknown_server_error, r.message());
    else
      add(user, error_code::none, std::nullopt);
  }
  reply.send(response);
}

}  // namespace sluice::handlers
