#include "cli/user_scram.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <regex>

#include "cli/raw_client.h"
#include "cli/topic_service.h"
#include "cluster/zk_entity_config.h"
#include "cluster/zk_layout.h"
#include "protocol/error_code.h"
#include "protocol/generated/alter_user_scram_credentials.h"
#include "protocol/generated/describe_user_scram_credentials.h"

namespace sluice::cli {
namespace {

namespace layout = cluster::zk_layout;
constexpr int32_t default_iterations = 4096;

std::string exception_name(int16_t code) {
  switch (static_cast<protocol::error_code>(code)) {
    case protocol::error_code::resource_not_found:
      return "ResourceNotFoundException";
    case protocol::error_code::duplicate_resource:
      return "DuplicateResourceException";
    case protocol::error_code::unacceptable_credential:
      return "UnacceptableCredentialException";
    case protocol::error_code::unsupported_sasl_mechanism:
      return "UnsupportedSaslMechanismException";
    case protocol::error_code::not_controller:
      return "NotControllerException";
    case protocol::error_code::cluster_authorization_failed:
      return "ClusterAuthorizationException";
    default:
      return "KafkaException";
  }
}

// The controller's address (AlterUserScramCredentials goes there in a ZooKeeper cluster).
result<raw_connection> open_controller(kafka_client& c, deadline d) {
  auto md = c.metadata(d);
  if (!md) return std::move(md).error();
  const broker_info* controller = nullptr;
  for (const broker_info& b : md->brokers)
    if (b.id == md->controller_id) controller = &b;
  if (controller == nullptr && !md->brokers.empty()) controller = &md->brokers.front();
  if (controller == nullptr) return fail(errc::unreachable, "No broker to send the request to");
  return raw_connection::open(controller->host, controller->port, c.properties(), d);
}

std::string entity_text(const std::string& user) {
  return fmt::format("user-principal '{}'", user);
}

}  // namespace

result<std::pair<int32_t, std::string>> parse_scram_credential_value(
    const security::scram_mechanism& m, const std::string& value, bool bootstrap) {
  static const std::regex bootstrap_pattern("(?:iterations=(-?[0-9]*),)?password=(.*)");
  static const std::regex zookeeper_pattern("(?:iterations=([0-9]*),)?password=(.*)");
  std::smatch match;
  if (!std::regex_match(value, match, bootstrap ? bootstrap_pattern : zookeeper_pattern))
    return fail(errc::invalid_input,
                fmt::format("Invalid credential property {}={}", m.name, value));
  int32_t iterations = default_iterations;
  if (match[1].matched && !match[1].str().empty() && match[1].str() != "-1") {
    try {
      iterations = std::stoi(match[1].str());
    } catch (const std::exception&) {
      return fail(errc::invalid_input,
                  fmt::format("Invalid credential property {}={}", m.name, value));
    }
  }
  if (iterations < m.min_iterations)
    return fail(errc::invalid_input,
                fmt::format("Iterations {} is less than the minimum {} required for {}", iterations,
                            m.min_iterations, m.name));
  return std::make_pair(iterations, match[2].str());
}

result<std::string> describe_user_scram(kafka_client& c, const std::optional<std::string>& user) {
  deadline d = c.make_deadline();
  auto conn = raw_connection::open_any(c.brokers(), c.properties(), d);
  if (!conn) return std::move(conn).error();
  using protocol::describe_user_scram_credentials_request;
  using protocol::describe_user_scram_credentials_response;
  auto version = conn->pick_version(describe_user_scram_credentials_request::api_key, 0, 0);
  if (!version)
    return fail(errc::unsupported, "The broker does not support DescribeUserScramCredentials");
  describe_user_scram_credentials_request request;
  if (user) request.users->push_back({*user});
  auto response =
      conn->call<describe_user_scram_credentials_request, describe_user_scram_credentials_response>(
          request, *version, d);
  if (!response) return std::move(response).error();
  if (response->error_code != 0)
    return fail(errc::broker,
                response->error_message.value_or("DescribeUserScramCredentials failed"));
  std::string out;
  for (const auto& r : response->results) {
    if (r.error_code != 0) {
      out +=
          fmt::format("Error retrieving SCRAM credential configs for user-principal '{}': {}: {}\n",
                      r.user, exception_name(r.error_code), r.error_message.value_or(""));
      continue;
    }
    std::vector<std::string> infos;
    for (const auto& i : r.credential_infos) {
      const auto* m = security::find_scram_mechanism(i.mechanism);
      infos.push_back(fmt::format("{}=iterations={}", m ? m->name : "UNKNOWN", i.iterations));
    }
    out += fmt::format("SCRAM credential configs for user-principal '{}' are {}\n", r.user,
                       fmt::join(infos, ", "));
  }
  return out;
}

result<void> alter_user_scram(kafka_client& c, const std::string& user,
                              const std::vector<std::pair<std::string, std::string>>& add,
                              const std::vector<std::string>& remove) {
  std::vector<std::string> unknown;
  for (const auto& [k, v] : add)
    if (!security::find_scram_mechanism(k)) unknown.push_back(k);
  if (!unknown.empty())
    return fail(errc::usage, fmt::format("Only quota and SCRAM credential configs can be added for "
                                         "'users' using --bootstrap-server. Unexpected config "
                                         "names: Set({})",
                                         fmt::join(unknown, ", ")));
  for (const auto& k : remove)
    if (!security::find_scram_mechanism(k)) unknown.push_back(k);
  if (!unknown.empty())
    return fail(errc::usage, fmt::format("Only quota and SCRAM credential configs can be deleted "
                                         "for 'users' using --bootstrap-server. Unexpected config "
                                         "names: List({})",
                                         fmt::join(unknown, ", ")));
  using protocol::alter_user_scram_credentials_request;
  using protocol::alter_user_scram_credentials_response;
  alter_user_scram_credentials_request request;
  for (const auto& k : remove)
    request.deletions.push_back({user, security::find_scram_mechanism(k)->type});
  for (const auto& [k, v] : add) {
    const auto& m = *security::find_scram_mechanism(k);
    auto parsed = parse_scram_credential_value(m, v, /*bootstrap=*/true);
    if (!parsed) return std::move(parsed).error();
    alter_user_scram_credentials_request::scram_credential_upsertion u;
    u.name = user;
    u.mechanism = m.type;
    u.iterations = parsed->first;
    u.salt = security::to_bytes(security::secure_random_string());
    u.salted_password = security::salted_password(m, parsed->second, u.salt, u.iterations);
    request.upsertions.push_back(std::move(u));
  }
  deadline d = c.make_deadline();
  auto conn = open_controller(c, d);
  if (!conn) return std::move(conn).error();
  auto version = conn->pick_version(alter_user_scram_credentials_request::api_key, 0, 0);
  if (!version)
    return fail(errc::unsupported, "The broker does not support AlterUserScramCredentials");
  auto response =
      conn->call<alter_user_scram_credentials_request, alter_user_scram_credentials_response>(
          request, *version, d);
  if (!response) return std::move(response).error();
  for (const auto& r : response->results) {
    if (r.error_code != 0)
      return fail(errc::broker,
                  fmt::format("org.apache.kafka.common.errors.{}: {}", exception_name(r.error_code),
                              r.error_message.value_or("")));
  }
  return ok_v;
}

result<std::string> describe_user_configs_zookeeper(const std::string& connect,
                                                    const std::optional<std::string>& user) {
  auto zk = connect_zookeeper(connect);
  if (!zk) return std::move(zk).error();
  std::vector<std::string> users;
  if (user) {
    users.push_back(*user);
  } else {
    auto children = (*zk)->children(std::string(layout::config_users));
    if (!children && children.code() != cluster::zk_errc::no_node)
      return fail(errc::unreachable, "read /config/users: " + children.message());
    if (children)
      for (const auto& z : *children)
        users.push_back(layout::desanitize_entity_name(z).value_or(z));
    std::sort(users.begin(), users.end());
  }
  std::string out;
  for (const auto& u : users) {
    auto configs = cluster::read_entity_config(**zk, layout::user_config_path(u));
    if (!configs) return fail(errc::unreachable, configs.message());
    std::vector<std::string> items;
    for (const auto& [k, v] : *configs) items.push_back(k + "=" + v);
    out += fmt::format("Configs for {} are {}\n", entity_text(u), fmt::join(items, ","));
  }
  return out;
}

result<std::string> alter_user_configs_zookeeper(
    const std::string& connect, const std::string& user,
    const std::vector<std::pair<std::string, std::string>>& add,
    const std::vector<std::string>& remove) {
  // Kafka's tool: over ZooKeeper only SCRAM credentials of users may change.
  bool scram_only = true;
  for (const auto& [k, v] : add) scram_only = scram_only && security::find_scram_mechanism(k);
  for (const auto& k : remove) scram_only = scram_only && security::find_scram_mechanism(k);
  if (!scram_only) {
    std::vector<std::string> adds, removes;
    for (const auto& [k, v] : add) adds.push_back(k + "=" + v);
    return fail(errc::usage,
                fmt::format("requirement failed: --bootstrap-server option must be specified to "
                            "update users configs: {{add: {{{}}}, delete: {}}}. User "
                            "configuration updates using ZooKeeper are only supported for SCRAM "
                            "credential updates.",
                            fmt::join(adds, ", "), fmt::join(remove, ", ")));
  }
  cluster::config_map credentials;  // PBKDF2 once, before the read-modify-write loop
  for (const auto& [k, v] : add) {
    const auto& m = *security::find_scram_mechanism(k);
    auto parsed = parse_scram_credential_value(m, v, /*bootstrap=*/false);
    if (!parsed) return std::move(parsed).error();
    credentials[k] = security::credential_to_string(
        security::make_scram_credential(m, parsed->second, parsed->first));
  }
  auto zk = connect_zookeeper(connect);
  if (!zk) return std::move(zk).error();
  std::optional<std::string> refusal;
  auto edit = [&](const cluster::config_map& current) -> cluster::result<cluster::config_map> {
    std::vector<std::string> missing;
    for (const auto& k : remove)
      if (!current.contains(k)) missing.push_back(k);
    if (!missing.empty()) {
      refusal = fmt::format("Invalid config(s): {}", fmt::join(missing, ","));
      return fail(cluster::errc::invalid_config, *refusal);
    }
    auto next = current;
    for (const auto& [k, v] : credentials) next[k] = v;
    for (const auto& k : remove) next.erase(k);
    return next;
  };
  auto updated = cluster::update_entity_config(**zk, layout::user_config_path(user),
                                               "users/" + layout::sanitize_entity_name(user), edit);
  if (!updated) return fail(refusal ? errc::invalid_input : errc::unreachable, updated.message());
  return fmt::format("Completed updating config for entity: {}.\n", entity_text(user));
}

}  // namespace sluice::cli
