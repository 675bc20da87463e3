// DescribeClientQuotas (key 48) and AlterClientQuotas (key 49), v0–v1: the quotas of user and
// client-id entities (KIP-546), read from and written to the metadata store where Kafka keeps
// them (cluster/client_quota_entity.h). As Kafka's ZooKeeper-mode broker:
//   - filters name "user" or "client-id" components (exact name, default, or any), each type at
//     most once; strict filters leave out entities with other types;
//   - only quota keys are reported and changed: the SCRAM credentials stored in the same user
//     znode are kept, whole, by a read-modify-write of the entity's config map;
//   - byte rates and controller_mutation_rate must be whole numbers (stored as longs),
//     request_percentage is stored as a double; validate_only changes nothing;
//   - "ip" entities (KIP-612) take only connection_creation_rate (an int), are never combined
//     with a user or a client id, and must name an IP address (or be the default).
// Both block on ZooKeeper in cluster mode: they run on the request workers.
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>
#include <variant>

#include "cluster/client_quota_entity.h"
#include "handlers/broker_services.h"
#include "handlers/registry.h"
#include "protocol/error_code.h"
#include "protocol/generated/alter_client_quotas.h"
#include "protocol/generated/describe_client_quotas.h"

namespace sluice::handlers {
namespace {

using cluster::client_quota_entity;
using cluster::quota_entity_name;

constexpr std::string_view user_type = "user";
constexpr std::string_view client_type = "client-id";
constexpr std::string_view ip_type = "ip";
constexpr int8_t match_exact = 0, match_default = 1, match_any = 2;

struct invalid {
  std::string message;
};

// One filter component, checked.
struct component {
  std::string type;
  int8_t match_type;
  std::optional<std::string> name;

  bool matches(const std::optional<quota_entity_name>& n) const {
    if (!n) return false;
    switch (match_type) {
      case match_exact:
        return n->name == name;
      case match_default:
        return !n->name;
      default:
        return true;
    }
  }
};

std::variant<std::map<std::string, component>, invalid> read_filter(
    const protocol::describe_client_quotas_request& request) {
  std::map<std::string, component> by_type;
  for (const auto& c : request.components) {
    if (c.entity_type != user_type && c.entity_type != client_type && c.entity_type != ip_type)
      return invalid{"Custom entity type '" + c.entity_type + "' not supported"};
    if (by_type.contains(c.entity_type))
      return invalid{"Duplicate " + c.entity_type + " filter component entity type"};
    if (c.match_type == match_exact && !c.match)
      return invalid{"Unspecified match for entity type " + c.entity_type};
    if (c.match_type != match_exact && c.match_type != match_default && c.match_type != match_any)
      return invalid{"Unexpected match type " + std::to_string(c.match_type)};
    by_type.emplace(c.entity_type, component{c.entity_type, c.match_type, c.match});
  }
  return by_type;
}

bool matches(const std::map<std::string, component>& filter, bool strict,
             const client_quota_entity& e) {
  auto check = [&](std::string_view type, const std::optional<quota_entity_name>& part) {
    auto it = filter.find(std::string(type));
    if (it == filter.end()) return !part || !strict;
    return it->second.matches(part);
  };
  return check(user_type, e.user) && check(client_type, e.client_id) && check(ip_type, e.ip);
}

template <class EntityData>
std::vector<EntityData> entity_data(const client_quota_entity& e) {
  std::vector<EntityData> out;
  if (e.user) {
    auto& d = out.emplace_back();
    d.entity_type = user_type;
    d.entity_name = e.user->name;
  }
  if (e.client_id) {
    auto& d = out.emplace_back();
    d.entity_type = client_type;
    d.entity_name = e.client_id->name;
  }
  if (e.ip) {
    auto& d = out.emplace_back();
    d.entity_type = ip_type;
    d.entity_name = e.ip->name;
  }
  return out;
}

// The entity an AlterClientQuotas entry names, or why it is not one.
template <class EntityData>
std::variant<client_quota_entity, invalid> read_entity(const std::vector<EntityData>& parts) {
  client_quota_entity e;
  for (const auto& p : parts) {
    std::optional<quota_entity_name>* slot = p.entity_type == user_type     ? &e.user
                                             : p.entity_type == client_type ? &e.client_id
                                             : p.entity_type == ip_type     ? &e.ip
                                                                            : nullptr;
    if (slot == nullptr) return invalid{"Unhandled client quota entity type: " + p.entity_type};
    if (*slot) return invalid{"Duplicate " + p.entity_type + " entity type"};
    if (p.entity_name && p.entity_name->empty())
      return invalid{"Empty " + p.entity_type + " not supported"};
    *slot = quota_entity_name{p.entity_name};
  }
  if (!e.user && !e.client_id && !e.ip) return invalid{"Invalid empty client quota entity"};
  if (e.ip && (e.user || e.client_id))
    return invalid{
        "Invalid quota entity combination, IP entity should not be combined with "
        "User or ClientId entity."};
  if (e.ip && e.ip->name && !cluster::is_ip_address(*e.ip->name))
    return invalid{*e.ip->name + " is not a valid IP or resolvable host."};
  return e;
}

// The stored text of a quota value: longs for the byte and mutation rates, an int for
// connection_creation_rate, a double otherwise (as Kafka's ConfigDef types them).
std::variant<std::string, invalid> stored_value(const client_quota_entity& entity,
                                                const std::string& key, double value) {
  if (!entity.has_quota_key(key)) return invalid{"Invalid configuration key " + key};
  if (key == cluster::ip_connection_rate_key) {
    if (std::floor(value) != value || value < 0 || value > 2147483647.0)
      return invalid{"Configuration " + key + " must be a INT value"};
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  if (key == "request_percentage") {
    std::string text = fmt::format("{}", value);
    if (text.find_first_of(".eE") == std::string::npos) text += ".0";
    return text;
  }
  if (std::floor(value) != value || std::isinf(value))
    return invalid{"Configuration " + key + " must be a LONG value"};
  return fmt::format("{}", static_cast<int64_t>(value));
}

}  // namespace

void handle_describe_client_quotas(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::describe_client_quotas_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  protocol::describe_client_quotas_response response;
  response.error_message = std::nullopt;
  auto filter = read_filter(request);
  if (auto* bad = std::get_if<invalid>(&filter)) {
    response.error_code = static_cast<int16_t>(protocol::error_code::invalid_request);
    response.error_message = bad->message;
    response.entries = std::nullopt;
    return reply.send(response);
  }
  auto stored = ctx.services.metadata.client_configs();
  if (!stored) {
    response.error_code = static_cast<int16_t>(protocol::error_code::unknown_server_error);
    response.error_message = stored.message();
    response.entries = std::nullopt;
    return reply.send(response);
  }
  const auto& by_type = std::get<0>(filter);
  for (const auto& [path, configs] : *stored) {
    auto entity = client_quota_entity::from_path(path);
    if (!entity || !matches(by_type, request.strict, *entity)) continue;
    protocol::describe_client_quotas_response::entry_data entry;
    for (const auto& [key, text] : configs) {
      if (!entity->has_quota_key(key)) continue;
      char* end = nullptr;
      double v = std::strtod(text.c_str(), &end);
      if (end == text.c_str()) continue;
      entry.values.push_back({key, v, {}});
    }
    if (entry.values.empty()) continue;
    entry.entity =
        entity_data<protocol::describe_client_quotas_response::entry_data::entity_data>(*entity);
    response.entries->push_back(std::move(entry));
  }
  reply.send(response);
}

void handle_alter_client_quotas(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::alter_client_quotas_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  protocol::alter_client_quotas_response response;
  for (const auto& entry : request.entries) {
    auto& out = response.entries.emplace_back();
    for (const auto& p : entry.entity) out.entity.push_back({p.entity_type, p.entity_name, {}});
    out.error_message = std::nullopt;
    auto refuse = [&](protocol::error_code code, std::string message) {
      out.error_code = static_cast<int16_t>(code);
      out.error_message = std::move(message);
    };
    auto entity = read_entity(entry.entity);
    if (auto* bad = std::get_if<invalid>(&entity)) {
      refuse(protocol::error_code::invalid_request, bad->message);
      continue;
    }
    // The changes, checked before anything is written.
    std::map<std::string, std::optional<std::string>> changes;
    std::optional<std::string> problem;
    for (const auto& op : entry.ops) {
      if (changes.contains(op.key)) {
        problem = "Duplicate quota key " + op.key;
        break;
      }
      if (op.remove) {
        if (!std::get<0>(entity).has_quota_key(op.key)) {
          problem = "Invalid configuration key " + op.key;
          break;
        }
        changes[op.key] = std::nullopt;
        continue;
      }
      auto text = stored_value(std::get<0>(entity), op.key, op.value);
      if (auto* bad = std::get_if<invalid>(&text)) {
        problem = bad->message;
        break;
      }
      changes[op.key] = std::get<std::string>(text);
    }
    if (problem) {
      refuse(protocol::error_code::invalid_request, *problem);
      continue;
    }
    if (request.validate_only) continue;
    auto edit = [&](const cluster::config_map& current) -> cluster::result<cluster::config_map> {
      cluster::config_map next = current;  // other keys (SCRAM credentials) stay as they are
      for (const auto& [key, value] : changes) {
        if (value)
          next[key] = *value;
        else
          next.erase(key);
      }
      return next;
    };
    auto stored = ctx.services.metadata.update_client_configs(std::get<0>(entity).path(), edit);
    if (!stored) refuse(protocol::error_code::unknown_server_error, stored.message());
  }
  reply.send(response);
}

}  // namespace sluice::handlers
