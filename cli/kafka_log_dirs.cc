// kafka-log-dirs --describe: each broker's log directories and the partitions in them, as Kafka's
// JSON. librdkafka 2.0.2 has no DescribeLogDirs, so each broker is asked over raw_connection
// (Sluice's codec).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/kafka_args.h"
#include "cli/raw_client.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "protocol/generated/describe_log_dirs.h"

namespace sluice::cli {
namespace {

int failed(std::string_view message) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

std::string join_ids(const std::set<int32_t>& ids) {
  return fmt::format("{}", fmt::join(ids, ","));
}

// Kafka names the exception class of a log dir error.
nlohmann::ordered_json error_class(int16_t code) {
  if (code == 0) return nullptr;
  if (code == 57) return "org.apache.kafka.common.errors.KafkaStorageException";
  return fmt::format("org.apache.kafka.common.errors.ApiException (error code {})", code);
}

}  // namespace

int kafka_log_dirs_main(const args_t& args) {
  kafka_tool_parser p("This tool helps to query log directory usage on the specified brokers.");
  std::string bootstrap_server, command_config, topic_list, broker_list;
  bool describe = false;
  p.text(bootstrap_server, "--bootstrap-server", "String: The server(s) to use for bootstrapping",
         "REQUIRED: the server(s) to use for bootstrapping");
  p.text(broker_list, "--broker-list", "String: Broker list",
         "The brokers to query, \"0,1,2\" (default: every broker).");
  p.text(command_config, "--command-config", "String: Admin client property file",
         "A properties file with client settings.");
  p.flag(describe, "--describe", "Describe the log directories of the brokers.");
  p.text(topic_list, "--topic-list", "String: Topic list",
         "The topics to show, \"topic1,topic2,topic3\" (default: every topic).");
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--bootstrap-server", "--describe"})) {
    if (p.has("--bootstrap-server") || std::getenv("SLUICE_BROKERS") == nullptr || !describe) {
      return *e;
    }
  }
  std::set<std::string> topics;
  for (const std::string& t : split(topic_list, ',')) {
    if (!t.empty()) topics.insert(t);
  }
  std::set<int32_t> wanted;
  for (const std::string& b : split(broker_list, ',')) {
    if (b.empty()) continue;
    auto id = parse_int<int32_t>(trim(b));
    if (!id) return failed(fmt::format("Invalid broker id '{}' in --broker-list", b));
    wanted.insert(*id);
  }

  auto settings = make_settings(bootstrap_server, command_config);
  if (!settings) return failed(settings.message());
  if (!settings->properties.contains("client.id")) settings->client_id = "log-dirs-tool";
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return failed(client.message());
  deadline d = client->make_deadline();
  auto md = client->metadata(d);
  if (!md) return failed(md.message());
  std::set<int32_t> cluster;
  for (const broker_info& b : md->brokers) cluster.insert(b.id);
  std::set<int32_t> missing;
  for (int32_t id : wanted) {
    if (!cluster.contains(id)) missing.insert(id);
  }
  if (!missing.empty()) {
    return failed(
        fmt::format("ERROR: The given brokers do not exist from --broker-list: {}. Current "
                    "existent brokers: {}",
                    join_ids(missing), join_ids(cluster)));
  }
  std::set<int32_t> queried = wanted.empty() ? cluster : wanted;
  std::printf("Querying brokers for log directories information\n");
  std::fflush(stdout);

  using protocol::describe_log_dirs_request;
  using protocol::describe_log_dirs_response;
  nlohmann::ordered_json brokers = nlohmann::ordered_json::array();
  for (const broker_info& b : md->brokers) {
    if (!queried.contains(b.id)) continue;
    auto conn = raw_connection::open(b.host, b.port, settings->properties, d);
    if (!conn) return failed(conn.message());
    auto version = conn->pick_version(describe_log_dirs_request::api_key, 0,
                                      describe_log_dirs_request::max_version);
    if (!version) return failed(fmt::format("Broker {} does not support DescribeLogDirs", b.id));
    describe_log_dirs_request req;
    req.topics.reset();  // null: every partition
    auto resp = conn->call<describe_log_dirs_request, describe_log_dirs_response>(req, *version, d);
    if (!resp) return failed(resp.message());
    if (resp->error_code != 0) {
      return failed(
          fmt::format("DescribeLogDirs failed on broker {}: {}", b.id,
                      kafka_error_message(static_cast<rd_kafka_resp_err_t>(resp->error_code), "")));
    }
    nlohmann::ordered_json dirs = nlohmann::ordered_json::array();
    for (const auto& dir : resp->results) {
      nlohmann::ordered_json partitions = nlohmann::ordered_json::array();
      for (const auto& t : dir.topics) {
        if (!topics.empty() && !topics.contains(t.name)) continue;
        for (const auto& part : t.partitions) {
          nlohmann::ordered_json pj;
          pj["partition"] = fmt::format("{}-{}", t.name, part.partition_index);
          pj["size"] = part.partition_size;
          pj["offsetLag"] = part.offset_lag;
          pj["isFuture"] = part.is_future_key;
          partitions.push_back(std::move(pj));
        }
      }
      nlohmann::ordered_json dj;
      dj["partitions"] = std::move(partitions);
      dj["error"] = error_class(dir.error_code);
      dj["logDir"] = dir.log_dir;
      dirs.push_back(std::move(dj));
    }
    nlohmann::ordered_json bj;
    bj["broker"] = b.id;
    bj["logDirs"] = std::move(dirs);
    brokers.push_back(std::move(bj));
  }
  std::printf("Received log directory information from brokers %s\n", join_ids(queried).c_str());
  nlohmann::ordered_json out;
  out["brokers"] = std::move(brokers);
  out["version"] = 1;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace sluice::cli
