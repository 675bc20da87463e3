// kafka-topics: create, delete, list, describe and alter topics with Kafka's flags and output.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <regex>

#include "cli/kafka_args.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "cli/topic_service.h"

namespace sluice::cli {
namespace {

constexpr std::string_view error_prefix = "Error while executing topic command : ";

struct topics_options {
  std::string bootstrap_server, command_config, zookeeper, topic, replica_assignment;
  std::vector<std::string> config, delete_config;
  int32_t partitions = 0, replication_factor = 0;
  bool list = false, create = false, del = false, alter = false, describe = false;
  bool under_replicated = false, unavailable = false, under_min_isr = false, at_min_isr = false;
  bool with_overrides = false, if_exists = false, if_not_exists = false;
  bool disable_rack_aware = false, force = false, exclude_internal = false;
};

void define(kafka_tool_parser& p, topics_options& o) {
  p.flag(o.alter, "--alter", "Alter the number of partitions and replica assignment of a topic.");
  p.flag(o.at_min_isr, "--at-min-isr-partitions",
         "With --describe, only show partitions whose ISR count equals the configured minimum.");
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED (unless --zookeeper): the broker(s) to connect to, host:port[,host:port].");
  p.text(o.command_config, "--command-config", "String: command config property file",
         "A properties file with client settings for the admin client.");
  p.list(o.config, "--config", "String: name=value",
         "A topic config override for the topic being created (repeatable).");
  p.flag(o.create, "--create", "Create a new topic.");
  p.flag(o.del, "--delete", "Delete a topic.");
  p.list(o.delete_config, "--delete-config", "String: name",
         "A topic config override to remove (only with --zookeeper).");
  p.flag(o.describe, "--describe", "List details for the given topics.");
  p.flag(o.disable_rack_aware, "--disable-rack-aware", "Disable rack-aware replica assignment.");
  p.flag(o.exclude_internal, "--exclude-internal",
         "Leave internal topics out of --list and --describe.");
  p.flag(o.force, "--force", "Suppress console prompts (accepted, no effect).");
  p.flag(o.if_exists, "--if-exists",
         "With --alter, --delete or --describe: act only if the topic exists.");
  p.flag(o.if_not_exists, "--if-not-exists",
         "With --create: act only if the topic does not exist yet.");
  p.flag(o.list, "--list", "List all available topics.");
  p.integer(o.partitions, "--partitions", "Integer: # of partitions",
            "The number of partitions of the topic being created or altered.");
  p.text(o.replica_assignment, "--replica-assignment",
         "String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , "
         "broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...",
         "Manual partition-to-broker assignment for the topic being created or altered.");
  p.integer(o.replication_factor, "--replication-factor", "Integer: replication factor",
            "The replication factor of each partition of the topic being created.");
  p.text(o.topic, "--topic", "String: topic",
         "The topic to create, alter, describe or delete. Except with --create, a regular "
         "expression is accepted.");
  p.flag(o.with_overrides, "--topics-with-overrides",
         "With --describe, only show topics that have overridden configs.");
  p.flag(o.unavailable, "--unavailable-partitions",
         "With --describe, only show partitions whose leader is not available.");
  p.flag(o.under_min_isr, "--under-min-isr-partitions",
         "With --describe, only show partitions whose ISR count is below the configured minimum.");
  p.flag(o.under_replicated, "--under-replicated-partitions",
         "With --describe, only show under-replicated partitions.");
  p.text(o.zookeeper, "--zookeeper", "String: hosts",
         "DEPRECATED: the ZooKeeper connection string host:port[,host:port][/chroot].");
}

// Kafka's argument rules, in Kafka's order. Returns an exit code when they fail.
std::optional<int> check(const kafka_tool_parser& p, const topics_options& o) {
  int actions = o.create + o.list + o.alter + o.describe + o.del;
  if (actions != 1) {
    return p.usage_error(
        "Command must include exactly one action: --list, --describe, --create, --alter or "
        "--delete");
  }
  if (p.has("--bootstrap-server") && p.has("--zookeeper")) {
    std::fprintf(stderr, "Only one of --bootstrap-server or --zookeeper must be specified\n");
    return 1;
  }
  if (o.describe && o.if_exists) {
    if (auto e = p.require({"--topic"})) return e;
  }
  if (!o.list && !o.describe) {
    if (auto e = p.require({"--topic"})) return e;
  }
  if (o.create && !p.has("--replica-assignment") && p.has("--zookeeper")) {
    if (auto e = p.require({"--partitions", "--replication-factor"})) return e;
  }
  if (p.has("--bootstrap-server") && o.alter) {
    if (p.has("--config")) {
      return p.usage_error(
          "Option combination \"[bootstrap-server],[config]\" can't be used with option "
          "\"[alter]\" (the kafka-configs CLI supports altering topic configs with a "
          "--bootstrap-server option)");
    }
    if (auto e = p.require({"--partitions"})) return e;
  }
  using list = std::initializer_list<std::string_view>;
  struct rule {
    std::string_view used;
    list invalid;
  };
  const rule rules[] = {
      {"--config", {"--describe", "--list", "--delete"}},
      {"--delete-config", {"--create", "--describe", "--list", "--delete", "--bootstrap-server"}},
      {"--partitions", {"--describe", "--list", "--delete"}},
      {"--replication-factor", {"--alter", "--describe", "--list", "--delete"}},
      {"--replica-assignment", {"--describe", "--list", "--delete"}},
      {"--under-replicated-partitions",
       {"--alter", "--create", "--list", "--delete", "--under-min-isr-partitions",
        "--at-min-isr-partitions", "--unavailable-partitions", "--topics-with-overrides"}},
      {"--under-min-isr-partitions",
       {"--alter", "--create", "--list", "--delete", "--under-replicated-partitions",
        "--at-min-isr-partitions", "--unavailable-partitions", "--topics-with-overrides",
        "--zookeeper"}},
      {"--at-min-isr-partitions",
       {"--alter", "--create", "--list", "--delete", "--under-replicated-partitions",
        "--under-min-isr-partitions", "--unavailable-partitions", "--topics-with-overrides",
        "--zookeeper"}},
      {"--unavailable-partitions",
       {"--alter", "--create", "--list", "--delete", "--under-replicated-partitions",
        "--under-min-isr-partitions", "--at-min-isr-partitions", "--topics-with-overrides"}},
      {"--topics-with-overrides",
       {"--alter", "--create", "--list", "--delete", "--under-replicated-partitions",
        "--under-min-isr-partitions", "--at-min-isr-partitions", "--unavailable-partitions"}},
      {"--if-exists", {"--create", "--list"}},
      {"--if-not-exists", {"--alter", "--describe", "--list", "--delete"}},
      {"--exclude-internal", {"--alter", "--create", "--delete"}},
  };
  for (const rule& r : rules) {
    for (std::string_view bad : r.invalid) {
      if (auto e = p.exclusive(r.used, {bad})) return e;
    }
  }
  if (o.create && p.has("--replica-assignment")) {
    if (auto e = p.exclusive("--replica-assignment", {"--partitions", "--replication-factor"})) {
      return e;
    }
  }
  return std::nullopt;
}

int report(std::string_view message) {
  std::printf("%.*s%.*s\n", static_cast<int>(error_prefix.size()), error_prefix.data(),
              static_cast<int>(message.size()), message.data());
  return 1;
}

// Kafka's topic filter: a regular expression (',' meaning '|'), matched against whole names.
result<std::vector<std::string>> filter_topics(const std::vector<std::string>& all,
                                               const std::optional<std::string>& pattern,
                                               bool exclude_internal) {
  std::vector<std::string> out;
  std::optional<std::regex> re;
  if (pattern) {
    std::string expr;
    for (char c : *pattern) {
      if (c == ',')
        expr += '|';
      else if (c != ' ')
        expr += c;
    }
    while (!expr.empty() && (expr.front() == '"' || expr.front() == '\'')) expr.erase(0, 1);
    while (!expr.empty() && (expr.back() == '"' || expr.back() == '\'')) expr.pop_back();
    try {
      re.emplace(expr);
    } catch (const std::regex_error&) {
      return fail(errc::usage, fmt::format("Invalid topic pattern '{}'", *pattern));
    }
  }
  for (const std::string& t : all) {
    if (exclude_internal && is_internal_topic(t)) continue;
    if (re && !std::regex_match(t, *re)) continue;
    out.push_back(t);
  }
  return out;
}

result<std::vector<std::vector<int32_t>>> parse_assignment(const std::string& text) {
  std::vector<std::vector<int32_t>> out;
  for (const std::string& part : split(text, ',')) {
    std::vector<int32_t> brokers;
    for (const std::string& b : split(part, ':')) {
      auto id = parse_int<int32_t>(trim(b));
      if (!id) return fail(errc::usage, fmt::format("For input string: \"{}\"", trim(b)));
      if (std::find(brokers.begin(), brokers.end(), *id) != brokers.end()) {
        return fail(
            errc::usage,
            fmt::format("Partition replica lists may not contain duplicate entries: {}", *id));
      }
      brokers.push_back(*id);
    }
    if (!out.empty() && brokers.size() != out.front().size()) {
      return fail(errc::usage, fmt::format("Partition {} has different replication factor: [{}]",
                                           out.size(), fmt::join(brokers, ", ")));
    }
    out.push_back(std::move(brokers));
  }
  return out;
}

result<std::vector<std::pair<std::string, std::string>>> parse_configs(
    const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& a : args) {
    // Kafka splits at '=' with blanks around it and wants exactly two parts.
    std::vector<std::string> parts = split(a, '=');
    if (parts.size() != 2) {
      return fail(errc::usage,
                  "requirement failed: Invalid topic config: all configs to be added must be in "
                  "the format \"key=val\".");
    }
    out.emplace_back(trim(parts[0]), trim(parts[1]));
  }
  return out;
}

int create(topic_service& svc, const topics_options& o, const kafka_tool_parser& p) {
  if (o.topic.find('.') != std::string::npos || o.topic.find('_') != std::string::npos) {
    std::printf(
        "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore "
        "('_') could collide. To avoid issues it is best to use either, but not both.\n");
  }
  if (p.has("--replication-factor") && (o.replication_factor < 1 || o.replication_factor > 32767)) {
    return report("The replication factor must be between 1 and 32767 inclusive");
  }
  if (p.has("--partitions") && o.partitions < 1) {
    return report("The partitions must be greater than 0");
  }
  new_topic nt;
  nt.name = o.topic;
  if (p.has("--partitions")) nt.partitions = o.partitions;
  if (p.has("--replication-factor")) nt.replication_factor = o.replication_factor;
  if (!o.replica_assignment.empty()) {
    auto a = parse_assignment(o.replica_assignment);
    if (!a) return report(a.message());
    nt.assignment = std::move(*a);
  }
  auto configs = parse_configs(o.config);
  if (!configs) return report(configs.message());
  nt.configs = std::move(*configs);
  auto r = svc.create_topic(nt);
  if (!r) return report(r.message());
  if (r->error == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && o.if_not_exists) return 0;
  if (r->error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return report(kafka_error_message(r->error, r->message, o.topic));
  }
  std::printf("Created topic %s.\n", o.topic.c_str());
  return 0;
}

std::string join_ids(const std::vector<int32_t>& ids) {
  return fmt::format("{}", fmt::join(ids, ","));
}

std::optional<int> min_isr(const topic_description& td) {
  for (const config_entry& e : td.configs) {
    if (e.name == "min.insync.replicas" && e.value) return parse_int<int32_t>(*e.value);
  }
  return std::nullopt;
}

int describe(topic_service& svc, const topics_options& o, const std::vector<std::string>& topics) {
  auto descs = svc.describe(topics);
  if (!descs) return report(descs.message());
  std::vector<int32_t> live;
  if (o.unavailable) {
    auto l = svc.live_brokers();
    if (!l) return report(l.message());
    live = std::move(*l);
  }
  bool report_partitions = o.under_replicated || o.unavailable || o.under_min_isr || o.at_min_isr;
  for (const topic_description& td : *descs) {
    std::vector<std::string> overrides;
    for (const config_entry& e : td.configs) {
      if (e.source != RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG && !e.is_default) {
        overrides.push_back(e.name + "=" + e.value.value_or("null"));
      }
    }
    if (!report_partitions && (!o.with_overrides || !overrides.empty())) {
      std::string line = "Topic: " + td.name;
      if (!td.topic_id.empty()) line += "\tTopicId: " + td.topic_id;
      line += fmt::format("\tPartitionCount: {}", td.partitions.size());
      line += fmt::format("\tReplicationFactor: {}",
                          td.partitions.empty() ? 0 : td.partitions.front().replicas.size());
      line += "\tConfigs: " + fmt::format("{}", fmt::join(overrides, ","));
      if (td.marked_for_deletion) line += "\tMarkedForDeletion: true";
      std::printf("%s\n", line.c_str());
    }
    if (o.with_overrides) continue;
    std::optional<int> min = min_isr(td);
    for (const partition_info& pi : td.partitions) {
      bool has_leader = pi.leader >= 0;
      bool leader_live = has_leader && std::find(live.begin(), live.end(), pi.leader) != live.end();
      int isr = static_cast<int>(pi.isr.size());
      if (o.under_replicated && !(isr < static_cast<int>(pi.replicas.size()))) continue;
      if (o.unavailable && leader_live) continue;
      if (o.under_min_isr && !(min && isr < *min)) continue;
      if (o.at_min_isr && !(min && isr == *min)) continue;
      std::string line = fmt::format(
          "\tTopic: {}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}", td.name, pi.id,
          has_leader ? std::to_string(pi.leader) : "none", join_ids(pi.replicas), join_ids(pi.isr));
      if (td.marked_for_deletion) line += "\tMarkedForDeletion: true";
      std::printf("%s\n", line.c_str());
    }
  }
  return 0;
}

int run(topic_service& svc, const topics_options& o, const kafka_tool_parser& p) {
  if (o.create) return create(svc, o, p);
  std::optional<std::string> pattern;
  if (p.has("--topic")) pattern = o.topic;
  auto all = svc.list_topics();
  if (!all) return report(all.message());
  auto topics = filter_topics(*all, pattern, o.exclude_internal);
  if (!topics) return report(topics.message());
  if (o.list) {
    // Through ZooKeeper, as Kafka's tool did, a topic being deleted says so.
    auto marked = svc.marked_for_deletion();
    if (!marked) return report(marked.message());
    std::vector<std::string> lines;
    for (const std::string& t : *topics) {
      bool deleting = std::find(marked->begin(), marked->end(), t) != marked->end();
      lines.push_back(deleting ? t + " - marked for deletion" : t);
    }
    std::printf("%s\n", fmt::format("{}", fmt::join(lines, "\n")).c_str());
    return 0;
  }
  if (pattern && topics->empty() && !o.if_exists) {
    return report(fmt::format("Topic '{}' does not exist as expected", *pattern));
  }
  if (o.describe) return describe(svc, o, *topics);
  if (o.del) {
    for (const std::string& t : *topics) {
      if (is_internal_topic(t)) {
        return report(fmt::format(
            "Topic {} is a kafka internal topic and is not allowed to be marked for deletion.", t));
      }
    }
    if (topics->empty()) return 0;
    auto r = svc.delete_topics(*topics);
    if (!r) return report(r.message());
    for (const item_error& e : *r) {
      if (e.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return report(kafka_error_message(e.error, e.message, e.name));
      }
    }
    for (const item_error& e : *r) {
      std::printf("Topic %s is marked for deletion.\n", e.name.c_str());
      std::printf("Note: This will have no impact if delete.topic.enable is not set to true.\n");
    }
    return 0;
  }
  // --alter: more partitions.
  std::vector<std::vector<int32_t>> assignment;
  if (!o.replica_assignment.empty()) {
    auto a = parse_assignment(o.replica_assignment);
    if (!a) return report(a.message());
    assignment = std::move(*a);
  }
  for (const std::string& t : *topics) {
    if (is_internal_topic(t)) {
      return report(
          fmt::format("The number of partitions for the internal topic {} cannot be changed.", t));
    }
  }
  auto descs = svc.describe(*topics);
  if (!descs) return report(descs.message());
  const bool zookeeper = p.has("--zookeeper");
  if (zookeeper && !descs->empty()) {
    // Kafka's ZooKeeper path warned before adding partitions and confirmed after.
    std::printf(
        "WARNING: If partitions are increased for a topic that has a key, the partition logic or "
        "ordering of the messages will be affected\n");
  }
  for (const topic_description& td : *descs) {
    // A full assignment lists every partition; only the new ones are sent.
    std::vector<std::vector<int32_t>> added;
    for (size_t i = td.partitions.size(); i < assignment.size(); ++i)
      added.push_back(assignment[i]);
    auto r = svc.add_partitions(td.name, o.partitions, added);
    if (!r) return report(r.message());
    if (r->error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return report(kafka_error_message(r->error, r->message, td.name));
    }
    if (zookeeper) std::printf("Adding partitions succeeded!\n");
  }
  return 0;
}

}  // namespace

int kafka_topics_main(const args_t& args) {
  kafka_tool_parser p("Create, delete, describe, or change a topic.");
  topics_options o;
  define(p, o);
  if (auto code = p.parse(args)) return *code;
  if (auto code = check(p, o)) return *code;
  if (p.has("--zookeeper")) {
    if (o.alter && (p.has("--config") || p.has("--delete-config"))) {
      return report(
          "Altering topic configs through --zookeeper is not supported; use kafka-configs.sh "
          "--bootstrap-server <brokers> --alter --entity-type topics");
    }
    if (o.alter) {
      if (auto e = p.require({"--partitions"})) return *e;
    }
    auto svc = make_zookeeper_topic_service(o.zookeeper);
    if (!svc) return report(svc.message());
    return run(**svc, o, p);
  }
  auto settings = admin_settings(o.bootstrap_server, o.command_config);
  if (!settings) return report(settings.message());
  if (!p.has("--bootstrap-server") && std::getenv("SLUICE_BROKERS") == nullptr) {
    std::fprintf(stderr, "Only one of --bootstrap-server or --zookeeper must be specified\n");
    return 1;
  }
  auto svc = make_admin_topic_service(*settings);
  if (!svc) return report(svc.message());
  return run(**svc, o, p);
}

}  // namespace sluice::cli
