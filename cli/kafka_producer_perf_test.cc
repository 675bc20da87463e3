// kafka-producer-perf-test: sends N records as fast as allowed and prints Kafka's throughput and
// latency lines (every 5 s and a final total with percentiles).
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#include "cli/kafka_args.h"
#include "cli/perf_stats.h"
#include "cli/producer.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

struct perf_options {
  std::string topic, payload_file, payload_delimiter = "\\n", producer_config, transactional_id;
  std::string bootstrap_server;
  std::vector<std::string> producer_props;
  int64_t num_records = 0, transaction_duration_ms = 3000;
  int32_t record_size = 0;
  double throughput = 0;
  bool payload_monotonic = false, print_metrics = false;
};

// A small fast generator for payload bytes (the content does not matter, only that it varies).
struct splitmix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

}  // namespace

int kafka_producer_perf_test_main(const args_t& args) {
  kafka_tool_parser p("This tool is used to verify the producer performance.");
  p.help_exit_code = 0;
  perf_options o;
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "The server(s) to connect to (or bootstrap.servers in --producer-props).");
  p.integer(o.num_records, "--num-records", "Long: NUM-RECORDS",
            "REQUIRED: number of messages to produce.");
  p.text(o.payload_delimiter, "--payload-delimiter", "String: PAYLOAD-DELIMITER",
         "The delimiter between payloads in --payload-file.", "\\n");
  p.text(o.payload_file, "--payload-file", "String: PAYLOAD-FILE",
         "A UTF-8 file of payloads to pick from at random. Give exactly one of --record-size, "
         "--payload-file or --payload-monotonic.");
  p.flag(o.payload_monotonic, "--payload-monotonic",
         "Payloads are the record numbers, counting up.");
  p.flag(o.print_metrics, "--print-metrics", "Print metrics at the end of the test.");
  p.list(o.producer_props, "--producer-props", "String: PROP-NAME=PROP-VALUE",
         "Producer settings like bootstrap.servers or client.id (several may follow).");
  p.text(o.producer_config, "--producer.config", "String: CONFIG-FILE",
         "A producer properties file.");
  p.integer(o.record_size, "--record-size", "Integer: RECORD-SIZE", "Message size in bytes.");
  p.real(o.throughput, "--throughput", "Double: THROUGHPUT",
         "REQUIRED: send at most about this many messages per second; -1 for no limit.");
  p.text(o.topic, "--topic", "String: TOPIC", "REQUIRED: produce messages to this topic.");
  p.integer(o.transaction_duration_ms, "--transaction-duration-ms", "Long: TRANSACTION-DURATION",
            "With --transactional-id, commit a transaction this often.", int64_t{3000});
  p.text(o.transactional_id, "--transactional-id", "String: TRANSACTIONAL-ID",
         "Send inside transactions with this transactional id.");
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--topic", "--num-records", "--throughput"})) return *e;
  int payload_kinds = p.has("--record-size") + p.has("--payload-file") + o.payload_monotonic;
  if (payload_kinds != 1) {
    return p.usage_error(
        "Exactly one of --record-size, --payload-file or --payload-monotonic is required.");
  }
  if (o.num_records <= 0) return p.usage_error("--num-records must be positive");

  std::vector<std::string> payloads;
  if (!o.payload_file.empty()) {
    std::ifstream in(o.payload_file, std::ios::binary);
    if (!in)
      return p.usage_error(
          fmt::format("File does not exist or empty file provided: {}", o.payload_file));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string delim = o.payload_delimiter == "\\n" ? "\n" : o.payload_delimiter;
    std::printf("Reading payloads from: %s\n", o.payload_file.c_str());
    size_t start = 0;
    while (start < text.size()) {
      size_t at = text.find(delim, start);
      std::string piece = text.substr(start, at == std::string::npos ? at : at - start);
      if (!piece.empty()) payloads.push_back(std::move(piece));
      if (at == std::string::npos) break;
      start = at + delim.size();
    }
    if (payloads.empty()) {
      return p.usage_error(
          fmt::format("File does not exist or empty file provided: {}", o.payload_file));
    }
    std::printf("Number of messages read: %zu\n", payloads.size());
  }

  auto settings = make_settings(o.bootstrap_server, o.producer_config, o.producer_props);
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.message().c_str());
    return 1;
  }
  if (!settings->properties.contains("client.id")) {
    settings->properties["client.id"] = "perf-producer-client";
  }
  if (!o.transactional_id.empty()) settings->properties["transactional.id"] = o.transactional_id;
  bool transactional = settings->properties.contains("transactional.id");

  int64_t start = now_ms();
  producer_stats stats(o.num_records, start);
  int64_t errors = 0;
  std::string first_error;
  auto producer = record_producer::create(*settings, [&](const delivery& d) {
    if (d.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (errors++ == 0) first_error = kafka_error_message(d.error, "");
      return;
    }
    std::string line = stats.record(static_cast<int>(d.latency_us / 1000),
                                    static_cast<int64_t>(d.value_size), now_ms());
    if (!line.empty()) {
      std::fputs(line.c_str(), stdout);
      std::fflush(stdout);
    }
  });
  if (!producer) {
    std::fprintf(stderr, "%s\n", producer.message().c_str());
    return 1;
  }
  if (auto c = producer->client().connect(producer->client().make_deadline()); !c) {
    std::fprintf(stderr, "ERROR %s\n", c.message().c_str());
    return 1;
  }
  rd_kafka_t* rk = producer->client().get();
  auto txn_error = [&](rd_kafka_error_t* raw) -> bool {
    error_ptr e(raw);
    if (!e) return false;
    std::fprintf(stderr, "ERROR %s\n", rd_kafka_error_string(e.get()));
    return true;
  };
  if (transactional && txn_error(rd_kafka_init_transactions(
                           rk, static_cast<int>(producer->client().timeout().count())))) {
    return 1;
  }

  install_stop_handler();
  std::string payload(static_cast<size_t>(std::max(0, o.record_size)), 'A');
  splitmix random{0};
  throughput_throttler throttle(o.throughput, start);
  int64_t txn_size = 0, txn_start = 0;
  for (int64_t i = 0; i < o.num_records && !stop_requested(); ++i) {
    if (transactional && txn_size == 0) {
      if (txn_error(rd_kafka_begin_transaction(rk))) return 1;
      txn_start = now_ms();
    }
    const std::string* value = &payload;
    std::string monotonic;
    if (!payloads.empty()) {
      value = &payloads[random.next() % payloads.size()];
    } else if (o.payload_monotonic) {
      monotonic = std::to_string(i);
      value = &monotonic;
    } else {
      for (char& c : payload) c = static_cast<char>('A' + random.next() % 26);
    }
    if (auto s = producer->send(o.topic, RD_KAFKA_PARTITION_UA, std::nullopt, *value); !s) {
      std::fprintf(stderr, "ERROR %s\n", s.message().c_str());
      return 1;
    }
    producer->poll(0);
    ++txn_size;
    int64_t now = now_ms();
    if (transactional && now - txn_start >= o.transaction_duration_ms) {
      if (txn_error(rd_kafka_commit_transaction(rk, -1))) return 1;
      txn_size = 0;
    }
    if (int64_t wait = throttle.delay_ms(i + 1, now); wait > 0) {
      producer->poll(static_cast<int>(std::min<int64_t>(wait, 1000)));
      int64_t left = throttle.delay_ms(i + 1, now_ms());
      if (left > 0) std::this_thread::sleep_for(std::chrono::milliseconds(left));
    }
  }
  if (transactional && txn_size > 0 && txn_error(rd_kafka_commit_transaction(rk, -1))) return 1;
  producer->flush(deadline::after(std::chrono::minutes(10)));
  std::fputs(stats.total(now_ms()).c_str(), stdout);
  if (errors > 0) {
    std::fprintf(stderr, "ERROR %lld records failed: %s\n", static_cast<long long>(errors),
                 first_error.c_str());
  }
  if (o.print_metrics) {
    std::string client = settings->properties["client.id"];
    std::vector<std::pair<std::string, std::string>> metrics = {
        {fmt::format("producer-metrics:record-error-total:{{client-id={}}}", client),
         fmt::format("{:.3f}", double(errors))},
        {fmt::format("producer-metrics:record-send-total:{{client-id={}}}", client),
         fmt::format("{:.3f}", double(stats.count()))},
        {fmt::format("producer-metrics:request-latency-avg:{{client-id={}}}", client),
         fmt::format("{:.3f}", stats.avg_latency())},
        {fmt::format("producer-metrics:request-latency-max:{{client-id={}}}", client),
         fmt::format("{:.3f}", double(stats.max_latency()))},
    };
    size_t width = 0;
    for (const auto& m : metrics) width = std::max(width, m.first.size());
    std::printf("\n%-*s   %s\n", static_cast<int>(width), "Metric Name", "Value");
    for (const auto& [name, value] : metrics) {
      std::printf("%-*s : %s\n", static_cast<int>(width), name.c_str(), value.c_str());
    }
  }
  return stop_requested() ? 128 + stop_signal() : 0;
}

}  // namespace sluice::cli
