// kafka-get-offsets: prints topic:partition:offset for the chosen partitions at a time (latest,
// earliest or a timestamp), as Kafka's GetOffsetShell does. --isolation-level is Sluice's
// addition (Kafka 3.9's tool has none and asks read_uncommitted, the default here too):
// read_committed reports the last stable offset as the latest.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <regex>

#include "cli/kafka_args.h"
#include "cli/offsets.h"
#include "cli/raw_client.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "cli/topic_service.h"
#include "protocol/generated/list_offsets.h"

namespace sluice::cli {
namespace {

int error_occurred(std::string_view message) {
  std::fprintf(stderr, "Error occurred: %.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

// One rule of --topic-partitions: a topic regex and a partition range [low, high).
struct partition_rule {
  std::regex topic;
  int32_t low = 0;
  int32_t high = std::numeric_limits<int32_t>::max();
};

result<std::regex> topic_regex(std::string_view pattern) {
  std::string expr;
  for (char c : pattern) {
    if (c == ',')
      expr += '|';
    else if (c != ' ')
      expr += c;
  }
  try {
    return std::regex(expr.empty() ? ".*" : expr);
  } catch (const std::regex_error&) {
    return fail(errc::usage, fmt::format("Invalid topic pattern '{}'", pattern));
  }
}

result<partition_rule> parse_rule(const std::string& spec) {
  static const std::regex shape("([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?");
  std::smatch m;
  if (!std::regex_match(spec, m, shape)) {
    return fail(errc::usage, "Invalid rule specification: " + spec);
  }
  partition_rule r;
  auto re = topic_regex(m[1].str());
  if (!re) return std::move(re).error();
  r.topic = std::move(*re);
  if (m[2].matched && m[2].length() > 0) {
    r.low = std::stoi(m[2].str());
    r.high = r.low + 1;
  } else {
    if (m[3].matched && m[3].length() > 0) r.low = std::stoi(m[3].str());
    if (m[4].matched && m[4].length() > 0) r.high = std::stoi(m[4].str());
  }
  return r;
}

// The offset of the record with the largest timestamp (ListOffsets v7+ with timestamp -3), asked
// of each partition's leader over raw_connection: librdkafka 2.0.2 cannot send that version.
result<std::vector<partition_offset>> max_timestamp_offsets(
    const cluster_metadata& md, const std::vector<std::pair<std::string, int32_t>>& partitions,
    bool read_committed, const property_map& settings, deadline d) {
  using protocol::list_offsets_request;
  using protocol::list_offsets_response;
  std::map<int32_t, list_offsets_request> by_leader;
  for (const auto& [topic, partition] : partitions) {
    const topic_info* t = md.find(topic);
    int32_t leader = -1;
    for (const partition_info& pi : t->partitions) {
      if (pi.id == partition) leader = pi.leader;
    }
    list_offsets_request& req = by_leader[leader];
    req.replica_id = -1;
    req.isolation_level = read_committed ? 1 : 0;
    if (req.topics.empty() || req.topics.back().name != topic)
      req.topics.push_back({topic, {}, {}});
    req.topics.back().partitions.push_back({partition, -1, -3, 1, {}});
  }
  std::vector<partition_offset> out;
  for (const auto& [leader, req] : by_leader) {
    const broker_info* b = nullptr;
    for (const broker_info& bi : md.brokers) {
      if (bi.id == leader) b = &bi;
    }
    if (b == nullptr) continue;
    auto conn = raw_connection::open(b->host, b->port, settings, d);
    if (!conn) return std::move(conn).error();
    auto version =
        conn->pick_version(list_offsets_request::api_key, 7, list_offsets_request::max_version);
    if (!version)
      return fail(errc::unsupported, "the broker has no ListOffsets v7 (max-timestamp)");
    auto resp = conn->call<list_offsets_request, list_offsets_response>(req, *version, d);
    if (!resp) return std::move(resp).error();
    for (const auto& t : resp->topics) {
      for (const auto& p : t.partitions) {
        partition_offset po;
        po.topic = t.name;
        po.partition = p.partition_index;
        po.offset = p.offset;
        po.error = static_cast<rd_kafka_resp_err_t>(p.error_code);
        out.push_back(std::move(po));
      }
    }
  }
  return out;
}

}  // namespace

int kafka_get_offsets_main(const args_t& args) {
  kafka_tool_parser p("An interactive shell for getting topic-partition offsets.");
  std::string bootstrap_server, topic_partitions, topic, partitions,
      time = "latest", command_config, isolation_level;
  bool exclude_internal = false;
  p.text(bootstrap_server, "--bootstrap-server", "String: HOST1:PORT1,...,HOST3:PORT3",
         "REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.");
  p.text(command_config, "--command-config", "String: config file",
         "A properties file with client settings.");
  p.flag(exclude_internal, "--exclude-internal-topics", "Leave internal topics out.");
  p.text(isolation_level, "--isolation-level", "String",
         "Sluice's addition: read_committed reports the last stable offset as the latest (the "
         "end of what read_committed consumers see), read_uncommitted the log end offset.",
         "read_uncommitted");
  p.text(partitions, "--partitions", "String: partition ids",
         "Comma-separated partition ids (default: all). Not with --topic-partitions.");
  p.text(time, "--time",
         "String: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp",
         "The time to get offsets for: the first offset at or after a timestamp (ms), or latest, "
         "earliest, max-timestamp.",
         "latest");
  p.text(topic, "--topic", "String: topic",
         "The topic (a regular expression) to get offsets for (default: all topics). Not with "
         "--topic-partitions.");
  p.text(topic_partitions, "--topic-partitions",
         "String: topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3",
         "Comma-separated topic-partition patterns: an optional topic regex, then ':' and a "
         "partition, a range low-high (high exclusive), low- or -high.");
  if (auto code = p.parse(args)) return *code;
  if (!p.has("--bootstrap-server") && std::getenv("SLUICE_BROKERS") == nullptr) {
    return p.usage_error("Missing required argument \"[bootstrap-server]\"");
  }
  if (isolation_level != "read_committed" && isolation_level != "read_uncommitted") {
    return p.usage_error(
        fmt::format("Invalid value {} for configuration isolation.level", isolation_level));
  }
  bool read_committed = isolation_level == "read_committed";
  if (p.has("--topic-partitions") && (p.has("--topic") || p.has("--partitions"))) {
    return error_occurred("--topic-partitions cannot be used with --topic or --partitions");
  }
  // Which offset: -1 latest, -2 earliest, -3 max-timestamp, or a timestamp.
  int64_t when = -1;
  if (time == "latest")
    when = -1;
  else if (time == "earliest")
    when = -2;
  else if (time == "max-timestamp")
    when = -3;
  else if (auto n = parse_int<int64_t>(time))
    when = *n;
  else {
    return error_occurred(
        fmt::format("Malformed time argument {}. Please use -1 or latest / -2 or earliest / -3 or "
                    "max-timestamp, or a specified long format timestamp",
                    time));
  }

  std::vector<partition_rule> rules;
  if (p.has("--topic-partitions")) {
    for (const std::string& spec : split(topic_partitions, ',')) {
      auto r = parse_rule(spec);
      if (!r) return error_occurred(r.message());
      rules.push_back(std::move(*r));
    }
  } else {
    auto re = topic_regex(p.has("--topic") ? topic : ".*");
    if (!re) return error_occurred(re.message());
    std::vector<int32_t> ids;
    if (!partitions.empty()) {
      for (const std::string& s : split(partitions, ',')) {
        auto n = parse_int<int32_t>(trim(s));
        if (!n) {
          return error_occurred(
              fmt::format("--partitions expects a comma separated list of "
                          "numeric partition ids, but received: {}",
                          partitions));
        }
        ids.push_back(*n);
      }
    }
    if (ids.empty()) {
      rules.push_back(partition_rule{std::move(*re)});
    } else {
      for (int32_t id : ids) rules.push_back(partition_rule{*re, id, id + 1});
    }
  }

  auto settings = make_settings(bootstrap_server, command_config);
  if (!settings) return error_occurred(settings.message());
  settings->client_id = "GetOffsetShell";
  if (p.has("--isolation-level")) settings->properties["isolation.level"] = isolation_level;
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return error_occurred(client.message());
  deadline d = client->make_deadline();
  auto md = client->metadata(d);
  if (!md) return error_occurred(md.message());
  std::vector<std::pair<std::string, int32_t>> chosen;
  for (const topic_info& t : md->topics) {
    if (exclude_internal && is_internal_topic(t.name)) continue;
    for (const partition_info& pi : t.partitions) {
      for (const partition_rule& r : rules) {
        if (std::regex_match(t.name, r.topic) && pi.id >= r.low && pi.id < r.high) {
          chosen.emplace_back(t.name, pi.id);
          break;
        }
      }
    }
  }
  if (chosen.empty())
    return error_occurred("Could not match any topic-partitions with the specified filters");
  // Kafka orders by the "topic-partition" text.
  std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) {
    return fmt::format("{}-{}", a.first, a.second) < fmt::format("{}-{}", b.first, b.second);
  });
  std::vector<partition_offset> found;
  if (when == -1 || when == -2) {
    for (const auto& [t, part] : chosen) {
      auto w = query_watermarks(*client, t, part, d);
      if (!w) {
        if (w.code() == errc::unreachable || w.code() == errc::timed_out)
          return error_occurred(w.message());
        std::fprintf(stderr, "Skip getting offsets for topic-partition %s-%d due to error: %s\n",
                     t.c_str(), part, w.message().c_str());
        continue;
      }
      partition_offset po;
      po.topic = t;
      po.partition = part;
      po.offset = when == -1 ? w->high : w->low;
      found.push_back(po);
    }
  } else if (when == -3) {
    auto r = max_timestamp_offsets(*md, chosen, read_committed, settings->properties, d);
    if (!r) return error_occurred(r.message());
    found = std::move(*r);
  } else {
    auto r = offsets_for_time(*client, chosen, when, d);
    if (!r) return error_occurred(r.message());
    found = std::move(*r);
  }
  for (const auto& [t, part] : chosen) {
    for (const partition_offset& po : found) {
      if (po.topic == t && po.partition == part && po.offset >= 0 &&
          po.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::printf("%s:%d:%lld\n", t.c_str(), part, static_cast<long long>(po.offset));
      }
    }
  }
  return 0;
}

}  // namespace sluice::cli
