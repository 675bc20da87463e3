// `sluice consume`: prints records with a format string (or as JSON lines), from a chosen start.
#include <fmt/format.h>

#include <cstdio>

#include "cli/consumer.h"
#include "cli/offsets.h"
#include "cli/sluice_commands.h"
#include "cli/tool_support.h"

namespace sluice::cli {
namespace {

nlohmann::ordered_json record_json(const console_record& r) {
  nlohmann::ordered_json headers = nlohmann::ordered_json::object();
  for (const auto& [k, v] : r.headers) {
    headers[k] = v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
  }
  return {{"topic", r.topic},
          {"partition", r.partition},
          {"offset", r.offset},
          {"timestamp", r.timestamp},
          {"key", r.key ? nlohmann::ordered_json(*r.key) : nlohmann::ordered_json()},
          {"value", r.value ? nlohmann::ordered_json(*r.value) : nlohmann::ordered_json()},
          {"headers", headers}};
}

}  // namespace

int run_consume(const global_options& g, const consume_options& o) {
  auto settings = g.client();
  if (!settings) return report_error(g, settings.message());
  bool group_mode = !o.group.empty();
  settings->properties["group.id"] = group_mode ? o.group : "sluice-consume";
  if (!group_mode) settings->properties.try_emplace("enable.auto.commit", "false");
  // librdkafka reads read_committed by default; Kafka's consumers (and rpk) read everything.
  if (o.read_committed) {
    settings->properties["isolation.level"] = "read_committed";
  } else if (!o.isolation_level.empty()) {
    settings->properties["isolation.level"] = o.isolation_level;
  } else {
    settings->properties.try_emplace("isolation.level", "read_uncommitted");
  }
  // Where to start: start, end, an offset, -N before the end, or @timestamp.
  start_position start;
  int64_t back = 0;
  if (o.from == "start" || o.from == "beginning" || o.from == "earliest") {
    start.at = start_position::kind::beginning;
  } else if (o.from == "end" || o.from == "latest") {
    start.at = start_position::kind::end;
  } else if (o.from.starts_with("@")) {
    auto ts = parse_int<int64_t>(o.from.substr(1));
    if (!ts) return report_error(g, fmt::format("bad --from '{}': @ takes milliseconds", o.from));
    start = {start_position::kind::timestamp, *ts};
  } else if (o.from.starts_with("-")) {
    auto n = parse_int<int64_t>(o.from.substr(1));
    if (!n) return report_error(g, fmt::format("bad --from '{}'", o.from));
    back = *n;
    start.at = start_position::kind::offset;
  } else if (auto n = parse_int<int64_t>(o.from)) {
    start = {start_position::kind::offset, *n};
  } else {
    return report_error(
        g, fmt::format("bad --from '{}': use start, end, an offset, -N or @ms", o.from));
  }
  if (group_mode) {
    settings->properties.try_emplace("auto.offset.reset",
                                     start.at == start_position::kind::end ? "latest" : "earliest");
  }
  auto consumer = record_consumer::create(*settings);
  if (!consumer) return report_error(g, consumer.message());
  deadline d = consumer->client().make_deadline();
  if (auto c = consumer->client().connect(d); !c) return report_error(g, c.message());
  if (group_mode) {
    if (auto s = consumer->subscribe(o.topics); !s) return report_error(g, s.message());
  } else {
    auto parts = consumer->partitions_of(o.topics, std::nullopt, d);
    if (!parts) return report_error(g, parts.message());
    if (!o.partitions.empty()) {
      std::erase_if(*parts, [&](const auto& tp) {
        return std::find(o.partitions.begin(), o.partitions.end(), tp.second) == o.partitions.end();
      });
    }
    if (back > 0) {
      // Each partition starts N records before its end (not before its start).
      std::vector<partition_offset> starts;
      for (const auto& tp : *parts) {
        auto w = query_watermarks(consumer->client(), tp.first, tp.second, d);
        if (!w) return report_error(g, w.message());
        partition_offset po;
        po.topic = tp.first;
        po.partition = tp.second;
        po.offset = std::max(w->low, w->high - back);
        starts.push_back(std::move(po));
      }
      if (auto a = consumer->assign_offsets(starts); !a) return report_error(g, a.message());
    } else if (auto a = consumer->assign(*parts, start, d); !a) {
      return report_error(g, a.message());
    }
  }
  install_stop_handler();
  int64_t count = 0;
  auto last = std::chrono::steady_clock::now();
  while ((o.count < 0 || count < o.count) && !stop_requested()) {
    message_ptr msg = consumer->poll(100);
    if (!msg) {
      std::fflush(stdout);
      if (o.idle_timeout_ms >= 0 &&
          std::chrono::steady_clock::now() - last > std::chrono::milliseconds(o.idle_timeout_ms)) {
        break;
      }
      continue;
    }
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "sluice: %s\n", rd_kafka_message_errstr(msg.get()));
      continue;
    }
    last = std::chrono::steady_clock::now();
    ++count;
    console_record r = to_console_record(*msg);
    std::string out = g.format == output_format::json ? record_json(r).dump() + "\n"
                                                      : format_record(o.output_format, r);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  std::fflush(stdout);
  if (group_mode) consumer->commit();
  return stop_requested() ? 128 + stop_signal() : 0;
}

}  // namespace sluice::cli
