// `sluice produce`: records from the command line, or one per stdin line split by a format string.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "cli/producer.h"
#include "cli/sluice_commands.h"
#include "cli/tool_support.h"

namespace sluice::cli {

int run_produce(const global_options& g, const produce_options& o) {
  auto settings = g.client();
  if (!settings) return report_error(g, settings.message());
  settings->properties.try_emplace("acks", o.acks);
  settings->properties.try_emplace("compression.type", o.compression);
  settings->properties.try_emplace("linger.ms", o.sync ? "0" : "5");
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  for (const std::string& h : o.headers) {
    auto kv = split_key_value(h);
    if (!kv) return report_error(g, kv.message());
    headers.emplace_back(kv->first, kv->second);
  }
  int64_t delivered = 0, failed = 0;
  std::string first_error;
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  bool json = g.format == output_format::json;
  auto producer = record_producer::create(*settings, [&](const delivery& d) {
    if (d.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (failed++ == 0) first_error = kafka_error_message(d.error, "");
      return;
    }
    ++delivered;
    if (json) {
      results.push_back({{"topic", d.topic}, {"partition", d.partition}, {"offset", d.offset}});
    } else if (g.verbose) {
      std::fprintf(stderr, "Produced to partition %d at offset %lld.\n", d.partition,
                   static_cast<long long>(d.offset));
    }
  });
  if (!producer) return report_error(g, producer.message());
  if (auto c = producer->client().connect(producer->client().make_deadline()); !c) {
    return report_error(g, c.message());
  }
  std::optional<std::string> key;
  if (o.has_key) key = o.key;
  auto send = [&](const std::optional<std::string>& k, const std::string& v) -> bool {
    if (auto s = producer->send(o.topic, o.partition, k, v, headers); !s) {
      report_error(g, s.message());
      return false;
    }
    if (o.sync) producer->flush(producer->client().make_deadline());
    producer->poll(0);
    return true;
  };
  install_stop_handler();
  if (!o.values.empty()) {
    for (const std::string& v : o.values) {
      if (!send(key, v)) return 1;
    }
  } else {
    std::string line;
    int64_t line_number = 0;
    while (!stop_requested() && std::getline(std::cin, line)) {
      ++line_number;
      auto parsed = parse_with_format(o.input_format, line);
      if (!parsed) {
        return report_error(g, fmt::format("line {} does not match the input format '{}'",
                                           line_number, o.input_format));
      }
      if (!send(parsed->first ? parsed->first : key, parsed->second)) return 1;
    }
  }
  if (!producer->flush(producer->client().make_deadline())) {
    return report_error(
        g, fmt::format("{} records were not delivered in time", producer->outstanding()));
  }
  if (json) print_json(results);
  if (failed > 0) {
    return report_error(
        g, fmt::format("{} of {} records failed: {}", failed, failed + delivered, first_error));
  }
  if (!json && !stdout_is_terminal()) return 0;
  if (!json)
    std::fprintf(stderr, "Produced %lld records to %s.\n", static_cast<long long>(delivered),
                 o.topic.c_str());
  return 0;
}

}  // namespace sluice::cli
