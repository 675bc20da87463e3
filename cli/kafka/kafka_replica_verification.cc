// kafka-replica-verification: Kafka 3.9's ReplicaVerificationTool — reads every replica of the
// chosen topics' partitions (Fetch as the debugging consumer, replica id -2, which followers serve
// to their high watermark) from a start offset (--time: -1 latest, -2 earliest, or a timestamp),
// and compares them batch by batch up to each replica's high watermark: the same last offsets
// and checksums. An offset mismatch is printed and ends the tool (exit 1); a checksum mismatch is
// printed. Every --report-interval-ms: "max lag is N for partition t-p at offset O among K
// partitions". Runs until interrupted (Ctrl-C / SIGTERM), as Kafka's does. Kafka's options and
// lines; its deprecation warning too.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <regex>
#include <thread>

#include "cli/client/broker_pool.h"
#include "cli/kafka_args.h"
#include "cli/offsets.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "protocol/batch_header.h"
#include "protocol/generated/fetch.h"

namespace sluice::cli {
namespace {

constexpr int32_t debugging_replica_id = -2;  // Kafka's DEBUGGING_CONSUMER_ID
constexpr int16_t fetch_version = 12;         // topics by name; any replica answers it

struct options {
  std::string broker_list, topics_include = ".*", topic_white_list;
  int64_t fetch_size = 1024 * 1024, max_wait_ms = 1000, report_interval_ms = 30000, time = -1;
};

// Kafka's DATE_FORMAT: yyyy-MM-dd HH:mm:ss,SSS (local time).
std::string now_text() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&t, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  return fmt::format("{},{:03d}", buf, static_cast<int>(ms));
}

struct batch_info {
  int64_t last_offset = 0;
  uint32_t checksum = 0;
};

// The whole batches of a fetched records blob below `high_watermark`.
std::vector<batch_info> batches_below(std::span<const uint8_t> data, int64_t high_watermark) {
  std::vector<batch_info> out;
  size_t at = 0;
  while (at < data.size()) {
    auto size = protocol::batch_frame_size(data.subspan(at));
    if (!size || *size > data.size() - at) break;  // a partial batch ends the blob
    auto header = protocol::batch_header::parse(data.subspan(at, *size));
    if (!header) break;
    const int64_t last = header->base_offset + header->last_offset_delta;
    if (last >= high_watermark) break;
    out.push_back({last, header->crc});
    at += *size;
  }
  return out;
}

struct partition_state {
  std::vector<int32_t> replicas;
  int64_t offset = 0;  // verified up to here
};

}  // namespace

int kafka_replica_verification_main(const args_t& args) {
  kafka_tool_parser p("Validate that all replicas for a set of topics have the same data.");
  options o;
  p.text(o.broker_list, "--broker-list", "String: hostname:port,...,hostname:port",
         "REQUIRED: The list of hostname and port of the server to connect to.");
  p.integer(o.fetch_size, "--fetch-size", "Integer: bytes", "The fetch size of each request.",
            1024 * 1024);
  p.integer(o.max_wait_ms, "--max-wait-ms", "Integer: ms",
            "The max amount of time each fetch request waits.", 1000);
  p.integer(o.report_interval_ms, "--report-interval-ms", "Long: ms", "The reporting interval.",
            30000);
  p.integer(o.time, "--time", "Long: timestamp/-1(latest)/-2(earliest)",
            "Timestamp for getting the initial offsets.", -1);
  p.text(o.topics_include, "--topics-include", "String: Java regex (String)",
         "List of topics to verify replica consistency.", ".*");
  p.text(o.topic_white_list, "--topic-white-list", "String: Java regex (String)",
         "DEPRECATED use --topics-include instead; ignored if --topics-include specified. List of "
         "topics to verify replica consistency.");
  if (args.empty()) {
    std::fputs(p.usage().c_str(), stderr);
    return 1;
  }
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--broker-list"})) return *e;
  std::fprintf(stderr,
               "WARN This tool is deprecated and may be removed in a future major release.\n");
  if (p.has("--topic-white-list") && !p.has("--topics-include"))
    o.topics_include = o.topic_white_list;
  std::regex include;
  try {
    include = std::regex(o.topics_include, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    std::fprintf(stderr, "%s is an invalid regex\n", o.topics_include.c_str());
    return 1;
  }
  install_stop_handler();
  auto settings = make_settings(o.broker_list, "");
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.message().c_str());
    return 1;
  }
  settings->client_id = "ReplicaVerification";
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) {
    std::fprintf(stderr, "%s\n", client.message().c_str());
    return 1;
  }
  auto md = client->metadata(client->make_deadline());
  if (!md) {
    std::fprintf(stderr, "%s\n", md.message().c_str());
    return 1;
  }
  // The partitions to verify, their replicas and where each starts.
  std::map<std::pair<std::string, int32_t>, partition_state> partitions;
  for (const topic_info& t : md->topics) {
    if (t.error != RD_KAFKA_RESP_ERR_NO_ERROR || !std::regex_match(t.name, include)) continue;
    for (const partition_info& pi : t.partitions) {
      partition_state st;
      st.replicas = pi.replicas;
      if (o.time == -1 || o.time == -2) {
        auto w = query_watermarks(*client, t.name, pi.id, client->make_deadline());
        if (!w) {
          std::fprintf(stderr, "%s\n", w.message().c_str());
          return 1;
        }
        st.offset = o.time == -1 ? w->high : w->low;
      } else {
        auto found = offsets_for_time(*client, {{t.name, pi.id}}, o.time, client->make_deadline());
        if (!found || found->empty()) {
          std::fprintf(stderr, "%s\n", found ? "no offset for the time" : found.message().c_str());
          return 1;
        }
        st.offset = std::max<int64_t>(found->front().offset, 0);
      }
      partitions[{t.name, pi.id}] = std::move(st);
    }
  }
  if (partitions.empty()) {
    std::fprintf(stderr,
                 "ERROR No topics found. %s if specified, is either filtering out all topics or "
                 "there is no topic.\n",
                 o.topics_include.c_str());
    return 1;
  }
  broker_pool pool(md->brokers, client->properties());
  std::printf("%s: verification process is started\n", now_text().c_str());
  std::fflush(stdout);

  auto last_report = std::chrono::steady_clock::now();
  while (!stop_requested()) {
    // One round: every broker's replicas at the verified offsets.
    struct fetched {
      std::vector<batch_info> batches;
      int64_t high_watermark = -1;
    };
    std::map<std::pair<std::string, int32_t>, std::map<int32_t, fetched>> round;
    for (const broker_info& b : pool.brokers()) {
      protocol::fetch_request request;
      request.replica_id = debugging_replica_id;
      request.max_wait_ms = static_cast<int32_t>(o.max_wait_ms);
      request.min_bytes = 1;
      for (const auto& [tp, st] : partitions) {
        if (std::find(st.replicas.begin(), st.replicas.end(), b.id) == st.replicas.end()) continue;
        auto it = std::find_if(request.topics.begin(), request.topics.end(),
                               [&](const auto& t) { return t.topic == tp.first; });
        if (it == request.topics.end()) {
          it = request.topics.emplace(request.topics.end());
          it->topic = tp.first;
        }
        auto& fp = it->partitions.emplace_back();
        fp.partition = tp.second;
        fp.fetch_offset = st.offset;
        fp.partition_max_bytes = static_cast<int32_t>(o.fetch_size);
      }
      if (request.topics.empty()) continue;
      auto conn = pool.get(b.id, client->make_deadline());
      if (!conn) {
        pool.forget(b.id);
        continue;  // tried again next round
      }
      auto answer = (*conn)->call_framed<protocol::fetch_request, protocol::fetch_response>(
          request, fetch_version, client->make_deadline());
      if (!answer) {
        pool.forget(b.id);
        continue;
      }
      for (const auto& t : answer->body.responses)
        for (const auto& part : t.partitions) {
          if (part.error_code != 0) continue;
          auto& f = round[{t.topic, part.partition_index}][b.id];
          f.high_watermark = part.high_watermark;
          f.batches = batches_below(part.records.data(), part.high_watermark);
        }
    }
    // Verify each partition whose every replica answered.
    int64_t max_lag = -1, offset_with_max_lag = -1;
    std::string max_lag_partition = "null";
    for (auto& [tp, st] : partitions) {
      auto it = round.find(tp);
      if (it == round.end() || it->second.size() != st.replicas.size()) continue;
      const auto& replicas = it->second;
      int64_t max_hw = -1;
      size_t common = SIZE_MAX;
      for (const auto& [id, f] : replicas) {
        max_hw = std::max(max_hw, f.high_watermark);
        common = std::min(common, f.batches.size());
      }
      const std::string name = fmt::format("{}-{}", tp.first, tp.second);
      for (size_t i = 0; i < common; ++i) {
        const auto& [first_id, first] = *replicas.begin();
        for (const auto& [id, f] : replicas) {
          if (f.batches[i].last_offset != first.batches[i].last_offset) {
            std::printf(
                "%s: partition %s: replica %d's offset %lld doesn't match replica %d's "
                "offset %lld\n",
                now_text().c_str(), name.c_str(), first_id,
                static_cast<long long>(first.batches[i].last_offset), id,
                static_cast<long long>(f.batches[i].last_offset));
            return 1;
          }
          if (f.batches[i].checksum != first.batches[i].checksum)
            std::printf(
                "%s: partition %s has unmatched checksum at offset %lld; replica %d's "
                "checksum %u; replica %d's checksum %u\n",
                now_text().c_str(), name.c_str(), static_cast<long long>(f.batches[i].last_offset),
                first_id, first.batches[i].checksum, id, f.batches[i].checksum);
        }
        st.offset = first.batches[i].last_offset + 1;
      }
      if (max_hw - st.offset > max_lag) {
        max_lag = max_hw - st.offset;
        offset_with_max_lag = st.offset;
        max_lag_partition = name;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::milliseconds(o.report_interval_ms)) {
      std::printf("%s: max lag is %lld for partition %s at offset %lld among %zu partitions\n",
                  now_text().c_str(), static_cast<long long>(max_lag), max_lag_partition.c_str(),
                  static_cast<long long>(offset_with_max_lag), partitions.size());
      std::fflush(stdout);
      last_report = now;
    }
    if (round.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return 0;
}

}  // namespace sluice::cli
