// kafka-broker-api-versions: each broker's supported version range per API, as Kafka prints it.
// librdkafka 2.0.2 has no API to list a broker's ApiVersions, so this asks each broker itself over
// raw_connection (Sluice's codec); "usable" is the highest version that codec also speaks.
#include <fmt/format.h>

#include <cstdio>
#include <map>

#include "cli/kafka_args.h"
#include "cli/raw_client.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "protocol/generated/api_table.h"

namespace sluice::cli {
namespace {

std::string describe_versions(const protocol::api_versions_response& r) {
  std::map<int16_t, std::string> lines;
  for (const auto& k : r.api_keys) {
    const protocol::api_info* api = protocol::find_api(k.api_key);
    std::string text = api != nullptr ? fmt::format("{}({}): ", api->name, k.api_key)
                                      : fmt::format("UNKNOWN({}): ", k.api_key);
    text += k.min_version == k.max_version ? fmt::format("{}", k.min_version)
                                           : fmt::format("{} to {}", k.min_version, k.max_version);
    if (api != nullptr) {
      if (api->max_version < k.min_version) {
        text += " [unusable: node too new]";
      } else if (k.max_version < api->min_version) {
        text += " [unusable: node too old]";
      } else {
        text += fmt::format(" [usable: {}]", std::min(api->max_version, k.max_version));
      }
    }
    lines[k.api_key] = std::move(text);
  }
  // APIs a client uses that the broker does not list at all.
  for (const protocol::api_info& api : protocol::all_apis()) {
    if (!api.has_listener(protocol::api_listener::broker) &&
        !api.has_listener(protocol::api_listener::zk_broker)) {
      continue;
    }
    if (!lines.contains(api.api_key)) {
      lines[api.api_key] = fmt::format("{}({}): UNSUPPORTED", api.name, api.api_key);
    }
  }
  std::string out = "(\n\t";
  bool first = true;
  for (const auto& [key, text] : lines) {
    if (!first) out += ",\n\t";
    out += text;
    first = false;
  }
  return out + "\n)";
}

int failed(std::string_view message) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

}  // namespace

int kafka_broker_api_versions_main(const args_t& args) {
  kafka_tool_parser p("This tool helps to retrieve broker version information.");
  std::string bootstrap_server, command_config;
  p.text(bootstrap_server, "--bootstrap-server", "String: server(s) to use for bootstrapping",
         "REQUIRED: The server to connect to.");
  p.text(command_config, "--command-config", "String: command config property file",
         "A properties file with client settings.");
  if (auto code = p.parse(args)) return *code;
  if (!p.has("--bootstrap-server") && std::getenv("SLUICE_BROKERS") == nullptr) {
    return p.usage_error("Missing required argument \"[bootstrap-server]\"");
  }
  auto settings = make_settings(bootstrap_server, command_config);
  if (!settings) return failed(settings.message());
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return failed(client.message());
  deadline d = client->make_deadline();
  auto md = client->metadata(d);
  if (!md) return failed(md.message());
  for (const broker_info& b : md->brokers) {
    std::string node = fmt::format("{}:{} (id: {} rack: null)", b.host, b.port, b.id);
    auto conn = raw_connection::open(b.host, b.port, settings->properties, d);
    if (!conn) {
      std::printf("%s -> ERROR: %s\n", node.c_str(), conn.message().c_str());
      continue;
    }
    std::printf("%s -> %s\n", node.c_str(), describe_versions(conn->api_versions()).c_str());
  }
  return 0;
}

}  // namespace sluice::cli
