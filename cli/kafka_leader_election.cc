// kafka-leader-election: asks the controller to elect preferred (or unclean) leaders. librdkafka
// 2.0.2 has no ElectLeaders, so the request goes over raw_connection (Sluice's codec).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/kafka_args.h"
#include "cli/raw_client.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "protocol/generated/elect_leaders.h"

namespace sluice::cli {
namespace {

int failed(std::string_view message) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

result<std::vector<std::pair<std::string, int32_t>>> read_partitions(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(errc::io, path + " (No such file or directory)");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json js = nlohmann::json::parse(text, nullptr, false);
  if (js.is_discarded() || !js.is_object()) {
    return fail(errc::invalid_input, "Replica election data is empty");
  }
  if (!js.contains("partitions") || !js["partitions"].is_array()) {
    return fail(errc::invalid_input, "Replica election data is missing \"partitions\" field");
  }
  std::vector<std::pair<std::string, int32_t>> out;
  for (const auto& p : js["partitions"]) {
    if (!p.is_object() || !p.contains("topic") || !p["topic"].is_string() ||
        !p.contains("partition") || !p["partition"].is_number_integer()) {
      return fail(errc::invalid_input, "Each partition needs \"topic\" and \"partition\"");
    }
    out.emplace_back(p["topic"].get<std::string>(), p["partition"].get<int32_t>());
  }
  std::vector<std::pair<std::string, int32_t>> sorted = out;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i] == sorted[i - 1]) {
      return fail(errc::invalid_input,
                  fmt::format("Replica election data contains duplicate partitions: {}-{}",
                              sorted[i].first, sorted[i].second));
    }
  }
  return out;
}

}  // namespace

int kafka_leader_election_main(const args_t& args) {
  kafka_tool_parser p(
      "This tool attempts to elect a new leader for a set of topic partitions. The type of "
      "elections supported are preferred replicas and unclean replicas.");
  std::string bootstrap_server, admin_config, json_file, topic, election_type;
  int32_t partition = 0;
  bool all = false;
  p.text(admin_config, "--admin.config", "String: config file",
         "A properties file with client settings.");
  p.flag(all, "--all-topic-partitions",
         "Elect on every eligible partition. Not with --topic or --path-to-json-file.");
  p.text(bootstrap_server, "--bootstrap-server", "String: host:port",
         "REQUIRED: the broker(s) to connect to, host:port[,host:port].");
  p.text(election_type, "--election-type", "String: election type",
         "REQUIRED: \"preferred\" (only where the leader is not the preferred replica) or "
         "\"unclean\" (only where there is no leader).");
  p.integer(partition, "--partition", "Integer: partition id",
            "The partition to elect for. REQUIRED with --topic.");
  p.text(json_file, "--path-to-json-file", "String: Path to JSON file",
         "A JSON file of the partitions to elect for:\n{\"partitions\":\n\t[{\"topic\": \"foo\", "
         "\"partition\": 1},\n\t {\"topic\": \"foobar\", \"partition\": 2}]\n}\nNot with "
         "--all-topic-partitions or --topic.");
  p.text(topic, "--topic", "String: topic name",
         "The topic to elect for. Not with --path-to-json-file or --all-topic-partitions.");
  if (auto code = p.parse(args)) return *code;
  std::vector<std::string> missing;
  if (!p.has("--bootstrap-server") && std::getenv("SLUICE_BROKERS") == nullptr) {
    missing.push_back("bootstrap-server");
  }
  if (!p.has("--election-type")) missing.push_back("election-type");
  if (!missing.empty()) {
    return failed(fmt::format("Missing required option(s): {}", fmt::join(missing, ", ")));
  }
  std::string type = election_type;
  std::transform(type.begin(), type.end(), type.begin(), ::toupper);
  if (type != "PREFERRED" && type != "UNCLEAN") {
    return p.usage_error(fmt::format(
        "Cannot parse argument '{}' of option election-type. Possible values: PREFERRED, UNCLEAN",
        election_type));
  }
  if (p.has("--topic") + all + p.has("--path-to-json-file") != 1) {
    return failed(
        "One and only one of the following options is required: topic, all-topic-partitions, "
        "path-to-json-file");
  }
  if (p.has("--topic") && !p.has("--partition"))
    return failed("Missing required option(s): partition");
  if (!p.has("--topic") && p.has("--partition")) {
    return failed("Option partition is only allowed if topic is used");
  }

  std::optional<std::vector<std::pair<std::string, int32_t>>> partitions;
  if (p.has("--topic")) partitions = {{topic, partition}};
  if (p.has("--path-to-json-file")) {
    auto parts = read_partitions(json_file);
    if (!parts) return failed(parts.message());
    partitions = std::move(*parts);
  }

  auto settings = make_settings(bootstrap_server, admin_config);
  if (!settings) return failed(settings.message());
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return failed(client.message());
  deadline d = client->make_deadline();
  auto md = client->metadata(d);
  if (!md) return failed(md.message());
  const broker_info* controller = nullptr;
  for (const broker_info& b : md->brokers) {
    if (b.id == md->controller_id) controller = &b;
  }
  if (controller == nullptr && !md->brokers.empty()) controller = &md->brokers.front();
  if (controller == nullptr) return failed("No broker to send the election to");
  auto conn = raw_connection::open(controller->host, controller->port, settings->properties, d);
  if (!conn) return failed(conn.message());
  using protocol::elect_leaders_request;
  using protocol::elect_leaders_response;
  auto version =
      conn->pick_version(elect_leaders_request::api_key, 0, elect_leaders_request::max_version);
  if (!version) return failed("The broker does not support ElectLeaders");
  elect_leaders_request req;
  req.election_type = type == "PREFERRED" ? 0 : 1;
  req.timeout_ms = d.remaining_ms();
  if (partitions) {
    std::map<std::string, std::vector<int32_t>> by_topic;
    for (const auto& [t, part] : *partitions) by_topic[t].push_back(part);
    for (auto& [t, parts] : by_topic) req.topic_partitions->push_back({t, parts, {}});
  } else {
    req.topic_partitions.reset();  // null: every partition
  }
  if (*version == 0 && req.election_type != 0) {
    return failed("The broker only supports preferred leader elections");
  }
  auto resp = conn->call<elect_leaders_request, elect_leaders_response>(req, *version, d);
  if (!resp) {
    if (resp.code() == errc::timed_out) {
      std::printf("Timeout waiting for election results\n");
      return failed("Timeout waiting for election results");
    }
    return failed(resp.message());
  }
  if (resp->error_code == 31) {  // CLUSTER_AUTHORIZATION_FAILED
    std::printf("Not authorized to perform leader election\n");
    return failed("Not authorized to perform leader election");
  }
  if (resp->error_code != 0) {
    return failed(kafka_error_message(static_cast<rd_kafka_resp_err_t>(resp->error_code), ""));
  }
  std::vector<std::string> succeeded, noop;
  std::vector<std::pair<std::string, std::string>> errors;
  for (const auto& t : resp->replica_election_results) {
    for (const auto& r : t.partition_result) {
      std::string tp = fmt::format("{}-{}", t.topic, r.partition_id);
      if (r.error_code == 0) {
        succeeded.push_back(tp);
      } else if (r.error_code == 84) {  // ELECTION_NOT_NEEDED
        noop.push_back(tp);
      } else {
        errors.emplace_back(tp, kafka_error_message(static_cast<rd_kafka_resp_err_t>(r.error_code),
                                                    r.error_message.value_or("")));
      }
    }
  }
  if (!succeeded.empty()) {
    std::printf("Successfully completed leader election (%s) for partitions %s\n", type.c_str(),
                fmt::format("{}", fmt::join(succeeded, ", ")).c_str());
  }
  if (!noop.empty()) {
    std::printf("Valid replica already elected for partitions %s\n",
                fmt::format("{}", fmt::join(noop, ", ")).c_str());
  }
  for (const auto& [tp, message] : errors) {
    std::printf("Error completing leader election (%s) for partition: %s: %s\n", type.c_str(),
                tp.c_str(), message.c_str());
  }
  if (!errors.empty())
    return failed(fmt::format("{} replica(s) could not be elected", errors.size()));
  return 0;
}

}  // namespace sluice::cli
