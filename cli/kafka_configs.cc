// kafka-configs: describe and alter topic and broker configs with Kafka's flags and output (the
// alter itself is config_alter.h's); client quotas of users and clients
// (kafka/client_quotas_command.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cli/admin.h"
#include "cli/config_alter.h"
#include "cli/config_text.h"
#include "cli/kafka/client_quotas_command.h"
#include "cli/kafka_args.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "cli/user_scram.h"
#include "cli/zk_client_quotas.h"
#include "cli/zk_configs.h"
#include "cluster/client_quota_entity.h"

namespace sluice::cli {
namespace {

struct configs_options {
  std::string bootstrap_server, command_config, zookeeper, add_config_file;
  std::vector<std::string> entity_type, entity_name, add_config, delete_config;
  std::string topic, broker, broker_logger, user, client, ip;
  bool entity_default = false, describe = false, alter = false, all = false, force = false;
  bool broker_defaults = false, ip_defaults = false;
};

void define(kafka_tool_parser& p, configs_options& o) {
  p.list(o.add_config, "--add-config", "String",
         "Configs to add, 'k1=v1,k2=[v1,v2,v2],k3=v3'; square brackets group a value with "
         "commas.");
  p.text(o.add_config_file, "--add-config-file", "String", "A properties file of configs to add.");
  p.flag(o.all, "--all", "With --describe: all configs, not only the dynamic ones.");
  p.flag(o.alter, "--alter", "Alter the configuration of the entity.");
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "The Kafka server to connect to.");
  p.text(o.broker, "--broker", "String",
         "The broker's id (same as --entity-type brokers "
         "--entity-name <id>).");
  p.flag(o.broker_defaults, "--broker-defaults",
         "The default configs of all brokers (same as --entity-type brokers --entity-default).");
  p.text(o.broker_logger, "--broker-logger", "String", "The broker's id, for its loggers.");
  p.text(o.client, "--client", "String", "The client id (same as --entity-type clients).");
  p.text(o.command_config, "--command-config", "String: command config property file",
         "A properties file with client settings.");
  p.list(o.delete_config, "--delete-config", "String", "Config keys to remove: 'k1,k2'.");
  p.flag(o.describe, "--describe", "List configs for the given entity.");
  p.flag(o.entity_default, "--entity-default", "The default entity (brokers: every broker).");
  p.list(o.entity_name, "--entity-name", "String", "The entity's name (topic name, broker id).");
  p.list(
      o.entity_type, "--entity-type", "String",
      "The entity's type: topics, brokers, broker-loggers, client-metrics, users (quotas and SCRAM "
      "credentials), clients, ips (connection_creation_rate).");
  p.flag(o.force, "--force", "Suppress console prompts (accepted, no effect).");
  p.text(o.ip, "--ip", "String", "The IP address (same as --entity-type ips --entity-name).");
  p.flag(o.ip_defaults, "--ip-defaults",
         "The default IP entity (same as --entity-type ips --entity-default).");
  p.text(o.topic, "--topic", "String", "The topic (same as --entity-type topics --entity-name).");
  p.text(o.user, "--user", "String", "The user (same as --entity-type users).");
  p.text(o.zookeeper, "--zookeeper", "String: urls",
         "DEPRECATED: the ZooKeeper connection string (host:port[,...][/chroot]); topics, "
         "brokers and users' SCRAM credentials, as Kafka's tool.");
}

// Kafka's singular of an entity type: topic, broker, broker-logger.
std::string entity_word(const std::string& type) {
  return type.substr(0, type.size() - 1);
}

int failed(std::string_view message) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

int describe(kafka_client& c, const configs_options& o, const std::string& type,
             const std::optional<std::string>& name) {
  deadline d = c.make_deadline();
  std::vector<std::string> entities;
  if (name) {
    entities.push_back(*name);
  } else {
    auto md = c.metadata(d);
    if (!md) return failed(md.message());
    if (type == "topics") {
      for (const topic_info& t : md->topics) entities.push_back(t.name);
    } else if (type == "client-metrics" || type == "groups") {
      auto listed = type == "groups" ? list_config_resources(c, 32, d) : list_client_metrics(c, d);
      if (!listed) return failed(listed.message());
      entities = std::move(*listed);
    } else {
      for (const broker_info& b : md->brokers) entities.push_back(std::to_string(b.id));
      if (type == "brokers") entities.push_back("");
    }
  }
  for (const std::string& entity : entities) {
    if (type == "brokers" && entity.empty()) {
      std::printf("Default configs for brokers in the cluster are:\n");
    } else {
      std::printf("%s configs for %s %s are:\n", o.all ? "All" : "Dynamic",
                  entity_word(type).c_str(), entity.c_str());
    }
    auto entries = entity_configs(c, type, entity, o.all, d);
    if (!entries) {
      if (type == "brokers" && entity.empty()) continue;  // no cluster-default resource
      return failed(entries.message());
    }
    for (const config_entry& e : *entries) std::fputs(format_config_entry(e).c_str(), stdout);
  }
  return 0;
}

// --add-config / --add-config-file and --delete-config: what to set and what to remove.
result<std::pair<std::vector<std::pair<std::string, std::string>>, std::vector<std::string>>>
parse_changes(const configs_options& o) {
  std::vector<std::pair<std::string, std::string>> add;
  if (!o.add_config_file.empty()) {
    auto file = load_properties_file(o.add_config_file);
    if (!file) return std::move(file).error();
    for (const auto& kv : *file) add.push_back(kv);
  }
  for (const std::string& a : o.add_config) {
    auto parsed = parse_add_config(a);
    if (!parsed) return std::move(parsed).error();
    add.insert(add.end(), parsed->begin(), parsed->end());
  }
  std::vector<std::string> remove;
  for (const std::string& dc : o.delete_config) {
    for (const std::string& k : split(dc, ',')) {
      if (!trim(k).empty()) remove.push_back(trim(k));
    }
  }
  return std::make_pair(std::move(add), std::move(remove));
}

// Whether --add-config/--delete-config name SCRAM credentials (SCRAM-SHA-256, SCRAM-SHA-512).
bool mentions_scram(const configs_options& o) {
  auto scram = [](const std::string& item) { return item.find("SCRAM-SHA-") != std::string::npos; };
  return std::any_of(o.add_config.begin(), o.add_config.end(), scram) ||
         std::any_of(o.delete_config.begin(), o.delete_config.end(), scram);
}

// Whether --add-config/--delete-config name a client quota (producer_byte_rate, ...).
bool mentions_quota(const configs_options& o) {
  auto quota = [](const std::string& item) {
    for (std::string_view key : {"producer_byte_rate", "consumer_byte_rate", "request_percentage",
                                 "controller_mutation_rate"})
      if (item.find(key) != std::string::npos) return true;
    return false;
  };
  return std::any_of(o.add_config.begin(), o.add_config.end(), quota) ||
         std::any_of(o.delete_config.begin(), o.delete_config.end(), quota);
}

// --entity-type users|clients|ips (or --user/--client/--ip): client quotas over
// --bootstrap-server (the AdminClient APIs) or --zookeeper (the znodes, zk_client_quotas.h).
int client_quotas(const kafka_tool_parser& p, const configs_options& o) {
  std::vector<quota_entity_arg> entity;
  if (p.has("--user")) entity.push_back({"users", o.user});
  if (p.has("--client")) entity.push_back({"clients", o.client});
  if (p.has("--ip")) entity.push_back({"ips", o.ip});
  if (o.ip_defaults) entity.push_back({"ips", std::string()});
  for (size_t i = 0; i < o.entity_type.size(); ++i) {
    std::optional<std::string> name;
    if (i < o.entity_name.size())
      name = o.entity_name[i];
    else if (o.entity_default)
      name = "";
    entity.push_back({o.entity_type[i], name});
  }
  for (const auto& part : entity) {
    if (part.type != "users" && part.type != "clients" && (part.type != "ips" || entity.size() > 1))
      return failed("Invalid entity type combination: only users and clients can be combined");
    if (part.type == "ips" && part.name && !part.name->empty() &&
        !cluster::is_ip_address(*part.name))
      return failed(fmt::format(
          "The entity name for ips must be a valid IP or resolvable host, but it is: {}",
          *part.name));
    if (o.alter && !part.name)
      return failed(
          "an entity-name or default entity must be specified with --alter of users, clients, "
          "brokers or ips");
  }
  if (p.has("--zookeeper")) {
    std::vector<std::pair<std::string, std::string>> add;
    std::vector<std::string> remove;
    if (o.alter) {
      auto changes = parse_changes(o);
      if (!changes) return failed(changes.message());
      std::tie(add, remove) = std::move(*changes);
    }
    auto out = o.describe ? describe_zookeeper_client_quotas(o.zookeeper, entity)
                          : alter_zookeeper_client_quotas(o.zookeeper, entity, add, remove);
    if (!out) return failed(out.message());
    std::fputs(out->c_str(), stdout);
    return 0;
  }
  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) return failed(settings.message());
  if (o.describe) return describe_client_quotas(*settings, entity);
  auto changes = parse_changes(o);
  if (!changes) return failed(changes.message());
  return alter_client_quotas(*settings, entity, changes->first, changes->second);
}

int alter(kafka_client& c, const configs_options& o, const std::string& type,
          const std::string& name) {
  auto changes = parse_changes(o);
  if (!changes) return failed(changes.message());
  const auto& [add, remove] = *changes;
  if (auto r = alter_entity_configs(c, type, name, add, remove, c.make_deadline()); !r) {
    return failed(r.message());
  }
  if (name.empty()) {
    std::printf("Completed updating default config for %s in the cluster.\n", type.c_str());
  } else {
    std::printf("Completed updating config for %s %s.\n", entity_word(type).c_str(), name.c_str());
  }
  return 0;
}

// --entity-type users: SCRAM credentials (user_scram.h).
int users_main(kafka_tool_parser& p, const configs_options& o,
               const std::optional<std::string>& name) {
  if (name && name->empty())
    return failed(
        "The use of --entity-default or --user-defaults is not allowed with User SCRAM "
        "Credentials using --bootstrap-server.");
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::string> remove;
  if (o.alter) {
    auto changes = parse_changes(o);
    if (!changes) return failed(changes.message());
    std::tie(add, remove) = std::move(*changes);
  }
  if (p.has("--zookeeper")) {
    auto out = o.describe ? describe_user_configs_zookeeper(o.zookeeper, name)
                          : alter_user_configs_zookeeper(o.zookeeper, *name, add, remove);
    if (!out) return failed(out.message());
    std::fputs(out->c_str(), stdout);
    return 0;
  }
  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) return failed(settings.message());
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return failed(client.message());
  if (o.describe) {
    auto out = describe_user_scram(*client, name);
    if (!out) return failed(out.message());
    std::fputs(out->c_str(), stdout);
    return 0;
  }
  if (auto r = alter_user_scram(*client, *name, add, remove); !r) return failed(r.message());
  std::printf("Completed updating config for user %s.\n", name->c_str());
  return 0;
}

// --alter of one user's quotas and SCRAM credentials in one command, as Kafka's tool takes them:
// the quotas (AlterClientQuotas), then the credentials (AlterUserScramCredentials), one report.
int user_quotas_and_scram(const configs_options& o, const std::optional<std::string>& name) {
  if (!name || name->empty())
    return failed(
        "The use of --entity-default or --user-defaults is not allowed with User SCRAM "
        "Credentials using --bootstrap-server.");
  auto changes = parse_changes(o);
  if (!changes) return failed(changes.message());
  std::vector<std::pair<std::string, std::string>> quota_add, scram_add;
  std::vector<std::string> quota_remove, scram_remove;
  for (auto& kv : changes->first)
    (cluster::is_client_quota_key(kv.first) ? quota_add : scram_add).push_back(std::move(kv));
  for (auto& k : changes->second)
    (cluster::is_client_quota_key(k) ? quota_remove : scram_remove).push_back(std::move(k));
  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) return failed(settings.message());
  if (int rc = alter_client_quotas(*settings, {{"users", name}}, quota_add, quota_remove, false);
      rc != 0)
    return rc;
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return failed(client.message());
  if (auto r = alter_user_scram(*client, *name, scram_add, scram_remove); !r)
    return failed(r.message());
  std::printf("Completed updating config for user %s.\n", name->c_str());
  return 0;
}

}  // namespace

int kafka_configs_main(const args_t& args) {
  kafka_tool_parser p(
      "This tool helps to manipulate and describe entity config for a topic, client, user, broker "
      "or ip");
  configs_options o;
  define(p, o);
  if (auto code = p.parse(args)) return *code;
  if (o.describe == o.alter) {
    return p.usage_error("Command must include exactly one action: --describe, --alter");
  }
  if (auto e = p.exclusive("--describe", {"--alter", "--add-config", "--delete-config"})) return *e;
  // The entity: --entity-type/--entity-name/--entity-default, or one of the shortcuts.
  std::vector<std::string> types = o.entity_type;
  std::vector<std::string> names = o.entity_name;
  bool shortcut = p.has("--topic") || p.has("--broker") || o.broker_defaults ||
                  p.has("--broker-logger") || p.has("--user") || p.has("--client") ||
                  p.has("--ip") || o.ip_defaults;
  if (shortcut && (!types.empty() || !names.empty() || o.entity_default)) {
    return failed(
        "--entity-{type,name,default} should not be used in conjunction with specific entity "
        "flags");
  }
  bool is_default = o.entity_default || o.broker_defaults;
  if (p.has("--topic")) types = {"topics"}, names = {o.topic};
  if (p.has("--broker")) types = {"brokers"}, names = {o.broker};
  if (o.broker_defaults) types = {"brokers"};
  if (p.has("--broker-logger")) types = {"broker-loggers"}, names = {o.broker_logger};
  if (p.has("--user")) types = {"users"}, names = {o.user};
  if (p.has("--client")) types = {"clients"};
  if (p.has("--ip") || o.ip_defaults) types = {"ips"};
  if (types.empty()) return failed("At least one entity type must be specified");
  const std::string& type = types.front();
  // A user's SCRAM credentials go to users_main (AlterUserScramCredentials, or the user's znode
  // with --zookeeper); quotas of users and clients to client_quotas (AlterClientQuotas, or the
  // znodes). Describing a user over --bootstrap-server shows both, as Kafka's tool does.
  const bool one_user = type == "users" && types.size() == 1 && !p.has("--client");
  const bool scram = one_user && mentions_scram(o);
  if (scram && mentions_quota(o) && o.alter && !p.has("--zookeeper")) {
    return user_quotas_and_scram(o, names.empty() ? std::optional<std::string>()
                                                  : std::optional<std::string>(names.front()));
  }
  if ((type == "users" || type == "clients" || type == "ips") && !scram) {
    if (o.alter && !p.has("--add-config") && !p.has("--add-config-file") &&
        !p.has("--delete-config")) {
      return failed(
          "At least one of --add-config, --add-config-file, or --delete-config must be specified "
          "with --alter");
    }
    if (!(o.describe && one_user && !p.has("--zookeeper"))) return client_quotas(p, o);
    if (int rc = client_quotas(p, o); rc != 0) return rc;
  }
  if (type != "topics" && type != "brokers" && type != "broker-loggers" && type != "users" &&
      type != "client-metrics" && type != "groups") {
    return failed(fmt::format(
        "Invalid entity type {}, the entity type must be one of topics, clients, users, brokers, "
        "ips, broker-loggers, client-metrics, groups with the --bootstrap-server argument",
        type));
  }
  if ((type == "client-metrics" || type == "groups") && p.has("--zookeeper"))
    return failed("--entity-type " + type + " is only supported with --bootstrap-server");
  if ((type == "client-metrics" || type == "groups") && is_default)
    return failed("Default entity name is not allowed for " + type);
  if (p.has("--bootstrap-server") && p.has("--zookeeper")) {
    return failed("Only one of --bootstrap-server or --zookeeper must be specified");
  }
  if (!p.has("--bootstrap-server") && !p.has("--zookeeper") &&
      std::getenv("SLUICE_BROKERS") == nullptr) {
    return failed(
        "One of the required --bootstrap-server or --zookeeper arguments must be specified");
  }
  std::optional<std::string> name;
  if (!names.empty()) name = names.front();
  if (is_default) name = "";
  if ((type == "brokers" || type == "broker-loggers") && name && !name->empty() &&
      !parse_int<int32_t>(*name)) {
    return failed(
        fmt::format("The entity name for {} must be a valid integer broker id, but it "
                    "is: {}",
                    type, *name));
  }
  if (type == "broker-loggers" && is_default) {
    return failed("Default entity name is not allowed for broker-loggers");
  }
  if (o.alter) {
    if (!name || (type == "topics" && name->empty())) {
      return failed(type == "topics"
                        ? "an entity name must be specified with --alter of topics"
                        : "an entity-name or default entity must be specified with --alter of "
                          "users, clients, brokers or ips");
    }
    if (!p.has("--add-config") && !p.has("--add-config-file") && !p.has("--delete-config")) {
      return failed(
          "At least one of --add-config, --add-config-file, or --delete-config must be specified "
          "with --alter");
    }
    if (p.has("--add-config") && p.has("--add-config-file")) {
      return failed("Only one of --add-config or --add-config-file must be specified");
    }
  }
  if (type == "users") return users_main(p, o, name);
  if (p.has("--zookeeper")) {
    if (type == "broker-loggers") {
      return failed("--entity-type broker-loggers is only supported with --bootstrap-server");
    }
    zookeeper_config_change change{type, name, {}, {}};
    if (o.alter) {
      auto changes = parse_changes(o);
      if (!changes) return failed(changes.message());
      std::tie(change.add, change.remove) = std::move(*changes);
    }
    auto out = o.describe ? describe_zookeeper_configs(o.zookeeper, change)
                          : alter_zookeeper_configs(o.zookeeper, change);
    if (!out) return failed(out.message());
    std::fputs(out->c_str(), stdout);
    return 0;
  }
  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) return failed(settings.message());
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return failed(client.message());
  if (auto c = client->connect(client->make_deadline()); !c) return failed(c.message());
  return o.describe ? describe(*client, o, type, name) : alter(*client, o, type, *name);
}

}  // namespace sluice::cli
