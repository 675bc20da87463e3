// kafka-features: Kafka 3.9's FeatureCommand — `describe` (each feature the broker supports, its
// range, its finalized level and the epoch: ApiVersions v4's feature fields, as Kafka's Admin
// describeFeatures reads them), `upgrade`, `downgrade` and `disable` (UpdateFeatures, sent to the
// controller). Sluice supports group.version and share.version (cluster/features.h). Options,
// messages and exit codes are Kafka's (its argparse errors: usage and "kafka-features: error:"
// on stderr, exit 1). `--metadata` names metadata.version, which a ZooKeeper-mode cluster does not
// finalize: the broker refuses it, as Kafka's does.
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <map>

#include "cli/raw_client.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/update_features.h"

namespace sluice::cli {
namespace {

constexpr const char* usage_text =
    "usage: kafka-features [-h] [--command-config COMMAND_CONFIG]\n"
    "                      (--bootstrap-server BOOTSTRAP_SERVER | --bootstrap-controller "
    "BOOTSTRAP_CONTROLLER)\n"
    "                      {describe,upgrade,downgrade,disable} ...\n";

int usage_error(const std::string& message) {
  std::fputs(usage_text, stderr);
  std::fprintf(stderr, "kafka-features: error: %s\n", message.c_str());
  return 1;
}

struct options {
  std::string bootstrap, command_config, command, metadata;
  std::vector<std::string> features;
  bool dry_run = false, unsafe = false;
};

// Kafka's "name=level" parsing for upgrade and downgrade.
result<std::pair<std::string, int16_t>> parse_feature_level(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos)
    return fail(errc::usage,
                fmt::format("Can't parse feature=level string {}: equals sign not found.", text));
  const std::string name = text.substr(0, eq), level = text.substr(eq + 1);
  int16_t value = 0;
  auto [end, ec] = std::from_chars(level.data(), level.data() + level.size(), value);
  if (ec != std::errc() || end != level.data() + level.size())
    return fail(errc::usage,
                fmt::format("Can't parse feature=level string {}: unable to parse {} as a "
                            "short.",
                            text, level));
  return std::make_pair(name, value);
}

int describe(raw_connection& conn, deadline d) {
  using protocol::api_versions_request;
  using protocol::api_versions_response;
  api_versions_request request;
  request.client_software_name = "sluice-cli";
  request.client_software_version = "0.1.0";
  // v4 and later include the features whose minimum level is 0.
  const int16_t version = conn.pick_version(api_versions_request::api_key, 3, 4).value_or(3);
  auto response = conn.call<api_versions_request, api_versions_response>(request, version, d);
  if (!response) {
    std::fprintf(stderr, "%s\n", response.message().c_str());
    return 1;
  }
  std::map<std::string, int16_t> finalized;
  for (const auto& f : response->finalized_features) finalized[f.name] = f.max_version_level;
  std::map<std::string, std::pair<int16_t, int16_t>> supported;
  for (const auto& f : response->supported_features)
    supported[f.name] = {f.min_version, f.max_version};
  const std::string epoch = response->finalized_features_epoch >= 0
                                ? std::to_string(response->finalized_features_epoch)
                                : std::string("-");
  for (const auto& [name, range] : supported) {
    auto it = finalized.find(name);
    std::printf(
        "Feature: %s\tSupportedMinVersion: %d\tSupportedMaxVersion: %d\tFinalizedVersionLevel: "
        "%d\tEpoch: %s\n",
        name.c_str(), range.first, range.second, it == finalized.end() ? 0 : it->second,
        epoch.c_str());
  }
  return 0;
}

// The controller's connection (UpdateFeatures goes there, as Kafka's Admin sends it).
result<raw_connection> controller_of(raw_connection& bootstrap, const property_map& settings,
                                     deadline d) {
  using protocol::metadata_request;
  using protocol::metadata_response;
  metadata_request request;
  request.topics = std::vector<metadata_request::metadata_request_topic>{};
  auto version = bootstrap.pick_version(metadata_request::api_key, 1, 12);
  if (!version) return fail(errc::unsupported, "the broker does not answer Metadata v1+");
  auto md = bootstrap.call<metadata_request, metadata_response>(request, *version, d);
  if (!md) return std::move(md).error();
  for (const auto& b : md->brokers)
    if (b.node_id == md->controller_id) return raw_connection::open(b.host, b.port, settings, d);
  return fail(errc::unreachable, "no controller is known");
}

int update(raw_connection& bootstrap, const property_map& settings, const options& o, deadline d) {
  using protocol::update_features_request;
  using protocol::update_features_response;
  struct wanted {
    std::string name;
    int16_t level;
  };
  std::vector<wanted> updates;
  std::map<std::string, int> seen;
  const char* verb = o.command == "upgrade"     ? "upgrade"
                     : o.command == "downgrade" ? "downgrade"
                                                : "disable";
  if (!o.metadata.empty()) {
    // metadata.version's levels are Kafka's release strings; a ZooKeeper-mode cluster supports
    // none of them, so the level sent does not matter: the broker refuses the feature.
    updates.push_back({"metadata.version", 1});
  }
  for (const auto& f : o.features) {
    if (o.command == "disable") {
      updates.push_back({f, 0});
      continue;
    }
    auto parsed = parse_feature_level(f);
    if (!parsed) return usage_error(parsed.message());
    updates.push_back({parsed->first, parsed->second});
  }
  for (const auto& u : updates)
    if (++seen[u.name] > 1)
      return usage_error(fmt::format("Feature {} was specified more than once.", u.name));
  if (updates.empty())
    return usage_error(fmt::format("You must specify at least one feature to {}", verb));

  auto controller = controller_of(bootstrap, settings, d);
  if (!controller) {
    std::fprintf(stderr, "%s\n", controller.message().c_str());
    return 1;
  }
  update_features_request request;
  const auto version = controller->pick_version(update_features_request::api_key, 0, 1);
  if (!version) {
    std::fprintf(stderr, "The controller does not support UpdateFeatures.\n");
    return 1;
  }
  if (*version >= 1) request.validate_only = o.dry_run;
  for (const auto& u : updates) {
    auto& k = request.feature_updates.emplace_back();
    k.feature = u.name;
    k.max_version_level = u.level;
    const bool down = o.command != "upgrade";
    if (*version == 0) {
      k.allow_downgrade = down;  // v0 has no unsafe downgrade
    } else {
      k.upgrade_type = !down ? 1 : o.unsafe ? 3 : 2;
    }
  }
  auto response =
      controller->call<update_features_request, update_features_response>(request, *version, d);
  if (!response) {
    std::fprintf(stderr, "%s\n", response.message().c_str());
    return 1;
  }
  std::map<std::string, std::string> errors;  // by feature, as Kafka's Admin reports them
  for (const auto& u : updates) {
    if (response->error_code != 0) {
      errors[u.name] = response->error_message.value_or("");
      continue;
    }
    auto it = std::find_if(response->results.begin(), response->results.end(),
                           [&](const auto& r) { return r.feature == u.name; });
    if (it == response->results.end())
      errors[u.name] = "The controller response did not contain a result for feature " + u.name;
    else if (it->error_code != 0)
      errors[u.name] = it->error_message.value_or("");
  }
  std::map<std::string, int16_t> ordered;
  for (const auto& u : updates) ordered[u.name] = u.level;
  for (const auto& [name, level] : ordered) {
    auto e = errors.find(name);
    const bool disable = o.command == "disable";
    if (e == errors.end()) {
      if (disable)
        std::printf("%s %s disabled.\n", name.c_str(), o.dry_run ? "can be" : "was");
      else
        std::printf("%s %s %sd to %d.\n", name.c_str(), o.dry_run ? "can be" : "was", verb, level);
    } else {
      const char* could = o.dry_run ? "Can not" : "Could not";
      if (disable)
        std::printf("%s disable %s. %s\n", could, name.c_str(), e->second.c_str());
      else
        std::printf("%s %s %s to %d. %s\n", could, verb, name.c_str(), level, e->second.c_str());
    }
  }
  if (!errors.empty()) {
    std::fprintf(stderr, "%zu out of %zu operation(s) failed.\n", errors.size(), updates.size());
    return 1;
  }
  return 0;
}

}  // namespace

int kafka_features_main(const args_t& args) {
  options o;
  std::string controller_flag;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)name;
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(usage_text, stdout);
      std::puts("\nThis tool manages feature flags in Kafka.");
      return 0;
    }
    if (a == "--bootstrap-server" || a == "--bootstrap-controller" || a == "--command-config" ||
        a == "--feature" || a == "--metadata") {
      auto v = value(a.c_str());
      if (!v) return usage_error("argument " + a + ": expected one argument");
      if (a == "--bootstrap-server") o.bootstrap = *v;
      if (a == "--bootstrap-controller") controller_flag = *v;
      if (a == "--command-config") o.command_config = *v;
      if (a == "--feature") o.features.push_back(*v);
      if (a == "--metadata") o.metadata = *v;
    } else if (a == "--dry-run") {
      o.dry_run = true;
    } else if (a == "--unsafe") {
      o.unsafe = true;
    } else if (o.command.empty() &&
               (a == "describe" || a == "upgrade" || a == "downgrade" || a == "disable")) {
      o.command = a;
    } else {
      return usage_error("unrecognized arguments: '" + a + "'");
    }
  }
  if (!o.bootstrap.empty() && !controller_flag.empty())
    return usage_error(
        "argument --bootstrap-controller: not allowed with argument --bootstrap-server");
  if (o.bootstrap.empty() && controller_flag.empty())
    return usage_error(
        "one of the arguments --bootstrap-server --bootstrap-controller is required");
  if (o.bootstrap.empty()) o.bootstrap = controller_flag;  // Sluice's brokers answer for it
  if (o.command.empty()) return usage_error("too few arguments");
  if (o.command == "describe" && (!o.features.empty() || !o.metadata.empty() || o.dry_run))
    return usage_error("unrecognized arguments with describe");
  if (o.command == "disable" && !o.metadata.empty())
    return usage_error("unrecognized arguments: '--metadata'");
  if (o.command == "upgrade" && o.unsafe) return usage_error("unrecognized arguments: '--unsafe'");

  auto settings = make_settings(o.bootstrap, o.command_config);
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.message().c_str());
    return 1;
  }
  const deadline d = deadline::after(std::chrono::seconds(30));
  auto conn = raw_connection::open_any(settings->brokers, settings->properties, d);
  if (!conn) {
    std::fprintf(stderr, "%s\n", conn.message().c_str());
    return 1;
  }
  if (o.command == "describe") return describe(*conn, d);
  return update(*conn, settings->properties, o, d);
}

}  // namespace sluice::cli
