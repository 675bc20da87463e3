// kafka-delete-records: deletes records before the offsets a JSON file gives, per partition.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/admin.h"
#include "cli/kafka_args.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

int failed(std::string_view message) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

// {"partitions": [{"topic": "t", "partition": 0, "offset": 5}], "version": 1}
result<std::vector<partition_offset>> parse_offsets(const std::string& text) {
  nlohmann::json js = nlohmann::json::parse(text, nullptr, false);
  if (js.is_discarded() || !js.is_object()) {
    return fail(errc::invalid_input, "The input string is not a valid JSON");
  }
  int version =
      js.contains("version") && js["version"].is_number_integer() ? js["version"].get<int>() : 1;
  if (version != 1) {
    return fail(errc::invalid_input, fmt::format("Not supported version field value {}", version));
  }
  if (!js.contains("partitions") || !js["partitions"].is_array()) {
    return fail(errc::invalid_input, "Missing partitions field");
  }
  std::vector<partition_offset> out;
  std::map<std::pair<std::string, int32_t>, int> seen;
  for (const nlohmann::json& p : js["partitions"]) {
    if (!p.is_object() || !p.contains("topic") || !p["topic"].is_string() ||
        !p.contains("partition") || !p["partition"].is_number_integer() || !p.contains("offset") ||
        !p["offset"].is_number_integer()) {
      return fail(
          errc::invalid_input,
          "Each partition needs \"topic\" (string), \"partition\" and \"offset\" (numbers)");
    }
    partition_offset po;
    po.topic = p["topic"].get<std::string>();
    po.partition = p["partition"].get<int32_t>();
    po.offset = p["offset"].get<int64_t>();
    ++seen[{po.topic, po.partition}];
    out.push_back(std::move(po));
  }
  std::vector<std::string> duplicates;
  for (const auto& [tp, n] : seen) {
    if (n > 1) duplicates.push_back(fmt::format("{}-{}", tp.first, tp.second));
  }
  if (!duplicates.empty()) {
    return fail(errc::invalid_input,
                fmt::format("Offset json file contains duplicate topic partitions: {}",
                            fmt::join(duplicates, ",")));
  }
  return out;
}

}  // namespace

int kafka_delete_records_main(const args_t& args) {
  kafka_tool_parser p(
      "This tool helps to delete records of the given partitions down to the specified offset.");
  std::string bootstrap_server, offset_json_file, command_config;
  p.text(bootstrap_server, "--bootstrap-server", "String: server(s) to use for bootstrapping",
         "REQUIRED: The server to connect to.");
  p.text(command_config, "--command-config", "String: command config property file path",
         "A properties file with client settings.");
  p.text(offset_json_file, "--offset-json-file", "String: Offset json file path",
         "REQUIRED: the JSON file with an offset per partition, in the format\n"
         "{\"partitions\":\n  [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}],\n "
         "\"version\":1\n}");
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--offset-json-file"})) return *e;
  if (!p.has("--bootstrap-server") && std::getenv("SLUICE_BROKERS") == nullptr) {
    return p.usage_error("Missing required argument \"[bootstrap-server]\"");
  }
  std::ifstream in(offset_json_file);
  if (!in) return failed(offset_json_file + " (No such file or directory)");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto offsets = parse_offsets(text);
  if (!offsets) return failed(offsets.message());

  auto settings = make_settings(bootstrap_server, command_config);
  if (!settings) return failed(settings.message());
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return failed(client.message());
  std::printf("Executing records delete operation\n");
  std::fflush(stdout);
  deadline d = client->make_deadline();
  if (auto c = client->connect(d); !c) return failed(c.message());
  auto done = delete_records(*client, *offsets, d);
  if (!done) return failed(done.message());
  std::printf("Records delete operation completed:\n");
  for (const partition_offset& r : *done) {
    if (r.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::printf("partition: %s-%d\tlow_watermark: %lld\n", r.topic.c_str(), r.partition,
                  static_cast<long long>(r.offset));
    } else {
      std::printf("partition: %s-%d\terror: %s\n", r.topic.c_str(), r.partition,
                  kafka_error_message(r.error, "").c_str());
    }
  }
  return 0;
}

}  // namespace sluice::cli
