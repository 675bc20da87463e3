// kafka-client-metrics: Kafka's ClientMetricsCommand (KIP-714) — client-metrics subscriptions
// (ConfigResource type 16): --list, --describe [--name], --alter (--name or --generate-name;
// --metrics, --interval, --match; an empty value removes the key) and --delete. Options, output
// lines and exit codes are Kafka's; describe shows all three keys with their defaults, as a Kafka
// 4.1+ broker answers.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "cli/config_alter.h"
#include "cli/kafka_args.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "protocol/wire.h"

namespace sluice::cli {
namespace {

struct options {
  std::string bootstrap_server, command_config, name, interval;
  std::vector<std::string> match, metrics;
  bool alter = false, del = false, describe = false, list = false, generate_name = false;
};

int failed(const std::string& message) {
  std::printf("Error while executing client metrics command : %s\n", message.c_str());
  return 1;
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

std::string random_name() {
  protocol::uuid id;
  std::random_device rd;
  for (auto& b : id.value) b = static_cast<uint8_t>(rd());
  return id.to_base64();
}

int run(kafka_client& client, const options& o, const kafka_tool_parser& p) {
  const deadline d = client.make_deadline();
  if (o.list) {
    auto names = list_client_metrics(client, d);
    if (!names) return failed(names.message());
    std::string out;
    for (const auto& n : *names) out += (out.empty() ? "" : "\n") + n;
    std::printf("%s\n", out.c_str());
    return 0;
  }
  if (o.describe) {
    auto names = list_client_metrics(client, d);
    if (!names) return failed(names.message());
    std::vector<std::string> which = *names;
    if (!o.name.empty()) {
      if (std::find(names->begin(), names->end(), o.name) == names->end()) {
        std::printf(
            "The client metric resource %s doesn't exist and doesn't have dynamic config.\n",
            o.name.c_str());
        return 0;
      }
      which = {o.name};
    }
    for (const auto& name : which) {
      auto configs = client_metrics_configs(client, name, d);
      if (!configs) return failed(configs.message());
      std::printf("Client metrics configs for %s are:\n", name.c_str());
      for (const auto& e : *configs)
        std::printf("  %s=%s\n", e.name.c_str(), e.value.value_or("").c_str());
    }
    return 0;
  }
  if (o.del) {
    auto configs = client_metrics_configs(client, o.name, d);
    if (!configs) return failed(configs.message());
    std::vector<std::string> keys;
    for (const auto& e : *configs) keys.push_back(e.name);
    if (auto r = alter_client_metrics(client, o.name, {}, keys, d); !r) return failed(r.message());
    std::printf("Deleted client metrics config for %s.\n", o.name.c_str());
    return 0;
  }
  // --alter
  const std::string name = o.generate_name ? random_name() : o.name;
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::string> remove;
  auto change = [&](const char* key, const std::string& value) {
    if (value.empty())
      remove.push_back(key);
    else
      set.emplace_back(key, value);
  };
  if (p.has("--interval")) change("interval.ms", o.interval);
  if (p.has("--metrics")) change("metrics", joined(o.metrics));
  if (p.has("--match")) change("match", joined(o.match));
  if (auto r = alter_client_metrics(client, name, set, remove, d); !r) return failed(r.message());
  std::printf("Altered client metrics config for %s.\n", name.c_str());
  return 0;
}

}  // namespace

int kafka_client_metrics_main(const args_t& args) {
  kafka_tool_parser p("This tool helps to manipulate and describe client metrics configurations.");
  options o;
  p.flag(o.alter, "--alter", "Alter the configuration for the client metrics resource.");
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED: The Kafka server to connect to.");
  p.text(o.command_config, "--command-config", "String: command config property file",
         "Property file containing configs to be passed to Admin Client.");
  p.flag(o.del, "--delete", "Delete the configuration for the client metrics resource.");
  p.flag(o.describe, "--describe", "List configurations for the client metrics resource.");
  p.flag(o.generate_name, "--generate-name",
         "Generate a UUID to use as the name of the client metrics resource.");
  p.optional_text(o.interval, "--interval", "Integer: push interval",
                  "The metrics push interval in milliseconds. Leave empty to reset the interval.",
                  "");
  p.flag(o.list, "--list", "List the client metrics resources.");
  p.list(o.match, "--match", "String: k1=v1,k2=v2",
         "Matching selector 'k1=v1,k2=v2'. The following is a list of valid selector names: "
         "client_id, client_instance_id, client_software_name, client_software_version, "
         "client_source_address, client_source_port");
  p.list(o.metrics, "--metrics", "String: m1,m2", "Telemetry metric name prefixes 'm1,m2'.");
  p.text(o.name, "--name", "String: name", "Name of client metrics configuration resource.");
  if (auto code = p.parse(args)) return *code;
  const int actions = o.alter + o.del + o.describe + o.list;
  if (actions != 1)
    return p.usage_error(
        "Command must include exactly one action: --alter, --delete, --describe or --list.");
  if (o.bootstrap_server.empty()) {
    std::fprintf(stderr, "--bootstrap-server must be specified.\n");
    return 1;
  }
  if ((o.del || o.describe) &&
      (o.generate_name || p.has("--interval") || p.has("--match") || p.has("--metrics")))
    return p.usage_error("Option \"[" + std::string(o.del ? "delete" : "describe") +
                         "]\" can't be used with option \"[generate-name]\", \"[interval]\", "
                         "\"[match]\" or \"[metrics]\"");
  if (o.list && (!o.name.empty() || o.generate_name || p.has("--interval") || p.has("--match") ||
                 p.has("--metrics")))
    return p.usage_error("Option \"[list]\" can't be used with the other options");
  if (o.alter && (o.name.empty() == !o.generate_name)) {
    std::fprintf(stderr, "One of --name or --generate-name must be specified with --alter.\n");
    return 1;
  }
  if (o.alter && p.has("--interval") && !o.interval.empty() &&
      o.interval.find_first_not_of("0123456789") != std::string::npos) {
    std::fprintf(stderr, "Invalid interval value. Enter an integer, or leave empty to reset.\n");
    return 1;
  }
  if (o.del && o.name.empty()) {
    std::fprintf(stderr, "A client metrics resource name must be specified with --delete.\n");
    return 1;
  }
  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) return failed(settings.message());
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return failed(client.message());
  return run(*client, o, p);
}

}  // namespace sluice::cli
