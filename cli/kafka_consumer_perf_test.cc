// kafka-consumer-perf-test: consumes N records and prints Kafka's CSV-like throughput summary.
#include <fmt/format.h>

#include <cstdio>
#include <random>

#include "cli/consumer.h"
#include "cli/kafka_args.h"
#include "cli/perf_stats.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

// Join time of group rebalances, measured from the revocation (or start) to the assignment.
struct rebalance_clock {
  int64_t join_start_ms = 0;
  int64_t total_ms = 0;
  int64_t round_ms = 0;
};
rebalance_clock* active_clock = nullptr;  // the one run of this tool in the process

void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                  void*) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (active_clock != nullptr) {
      int64_t spent = now_ms() - active_clock->join_start_ms;
      active_clock->total_ms += spent;
      active_clock->round_ms += spent;
    }
    rd_kafka_assign(rk, parts);
  } else {
    if (active_clock != nullptr) active_clock->join_start_ms = now_ms();
    rd_kafka_assign(rk, nullptr);
  }
}

}  // namespace

int kafka_consumer_perf_test_main(const args_t& args) {
  kafka_tool_parser p("This tool is used to verify the consumer performance.");
  std::string bootstrap_server, broker_list, topic, group, consumer_config;
  std::string date_format = "yyyy-MM-dd HH:mm:ss:SSS", timeout_text;
  int32_t fetch_size = 1024 * 1024, socket_buffer_size = 2 * 1024 * 1024;
  int64_t messages = 0, reporting_interval = 5000;
  bool from_latest = false, print_metrics = false, detailed = false, hide_header = false;
  p.text(bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED unless --broker-list is given: the server(s) to connect to.");
  p.text(broker_list, "--broker-list", "String: broker-list",
         "DEPRECATED, use --bootstrap-server instead.");
  p.text(consumer_config, "--consumer.config", "String: config file",
         "A consumer properties file.");
  p.text(date_format, "--date-format", "String: date format",
         "The format of the time fields (SimpleDateFormat letters y M d H m s S).",
         "yyyy-MM-dd HH:mm:ss:SSS");
  p.integer(fetch_size, "--fetch-size", "Integer: size",
            "The amount of data to fetch in a single request.", 1024 * 1024);
  p.flag(from_latest, "--from-latest",
         "Without a committed offset, start from the latest message rather than the earliest.");
  p.text(group, "--group", "String: gid", "The group id to consume in (default: no group).");
  p.flag(hide_header, "--hide-header", "Do not print the header line of the stats.");
  p.integer(messages, "--messages", "Long: count", "REQUIRED: the number of messages to consume.");
  p.flag(print_metrics, "--print-metrics", "Print out the metrics.");
  p.integer(reporting_interval, "--reporting-interval", "Long: interval_ms",
            "Interval in milliseconds at which to print progress info.", int64_t{5000});
  p.flag(detailed, "--show-detailed-stats",
         "Print stats for each reporting interval instead of a summary.");
  p.integer(socket_buffer_size, "--socket-buffer-size", "Integer: size",
            "The size of the TCP receive buffer.", 2 * 1024 * 1024);
  p.optional_text(timeout_text, "--timeout", "Long: milliseconds",
                  "The longest time allowed between returned records (default: 10000).", "10000");
  p.text(topic, "--topic", "String: topic", "REQUIRED: the topic to consume from.");
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--topic", "--messages"})) return *e;
  int64_t timeout_ms = 10000;
  if (!timeout_text.empty()) {
    auto t = parse_int<int64_t>(timeout_text);
    if (!t)
      return p.usage_error(
          fmt::format("Cannot parse argument '{}' of option timeout", timeout_text));
    timeout_ms = *t;
  }
  std::string brokers = !bootstrap_server.empty() ? bootstrap_server : broker_list;
  auto settings = make_settings(brokers, consumer_config);
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.message().c_str());
    return 1;
  }
  property_map& props = settings->properties;
  props["max.partition.fetch.bytes"] = std::to_string(fetch_size);
  props["receive.buffer.bytes"] = std::to_string(socket_buffer_size);
  props["auto.offset.reset"] = from_latest ? "latest" : "earliest";
  props["check.crcs"] = "false";
  if (!props.contains("client.id")) props["client.id"] = "perf-consumer-client";
  bool group_mode = !group.empty() || props.contains("group.id");
  if (!group.empty()) props["group.id"] = group;
  if (!group_mode) {
    std::random_device rd;
    props["group.id"] = fmt::format("perf-consumer-{}", rd() % 100000);
    props["enable.auto.commit"] = "false";
  }
  rebalance_clock clock;
  active_clock = &clock;
  if (group_mode) settings->rebalance = on_rebalance;

  if (!hide_header) std::fputs(consumer_perf_header(detailed).c_str(), stdout);
  auto consumer = record_consumer::create(*settings);
  if (!consumer) {
    std::fprintf(stderr, "%s\n", consumer.message().c_str());
    return 1;
  }
  install_stop_handler();
  int64_t start = now_ms();
  clock.join_start_ms = start;
  deadline d = consumer->client().make_deadline();
  if (auto c = consumer->client().connect(d); !c) {
    std::fprintf(stderr, "ERROR %s\n", c.message().c_str());
    return 1;
  }
  if (group_mode) {
    if (auto s = consumer->subscribe({topic}); !s) {
      std::fprintf(stderr, "ERROR %s\n", s.message().c_str());
      return 1;
    }
  } else {
    auto parts = consumer->partitions_of({topic}, std::nullopt, d);
    if (!parts) {
      std::fprintf(stderr, "ERROR %s\n", parts.message().c_str());
      return 1;
    }
    start_position from{from_latest ? start_position::kind::end : start_position::kind::beginning};
    if (auto a = consumer->assign(*parts, from, d); !a) {
      std::fprintf(stderr, "ERROR %s\n", a.message().c_str());
      return 1;
    }
  }

  int64_t read = 0, bytes = 0, last_read = 0, last_bytes = 0;
  int64_t last_report = now_ms(), last_consumed = last_report, now = last_report;
  while (read < messages && now - last_consumed <= timeout_ms && !stop_requested()) {
    message_ptr msg = consumer->poll(100);
    now = now_ms();
    if (!msg || msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    last_consumed = now;
    ++read;
    bytes += static_cast<int64_t>(msg->key_len + msg->len);
    if (now - last_report >= reporting_interval) {
      if (detailed) {
        std::fputs(consumer_perf_progress(0, bytes, last_bytes, read, last_read, last_report, now,
                                          clock.round_ms, date_format)
                       .c_str(),
                   stdout);
      }
      clock.round_ms = 0;
      last_report = now;
      last_read = read;
      last_bytes = bytes;
    }
  }
  if (read < messages) {
    std::printf(
        "WARNING: Exiting before consuming the expected number of messages: timeout (%lld ms) "
        "exceeded. You can use the --timeout option to increase the timeout.\n",
        static_cast<long long>(timeout_ms));
  }
  int64_t end = now_ms();
  active_clock = nullptr;
  if (!detailed) {
    consumer_totals t{start, end, bytes, read, clock.total_ms};
    std::fputs(consumer_perf_summary(t, date_format).c_str(), stdout);
  }
  if (print_metrics) {
    std::string client = props["client.id"];
    std::string a =
        fmt::format("consumer-fetch-manager-metrics:bytes-consumed-total:{{client-id={}}}", client);
    std::string b = fmt::format(
        "consumer-fetch-manager-metrics:records-consumed-total:{{client-id={}}}", client);
    int width = static_cast<int>(std::max(a.size(), b.size()));
    std::printf("\n%-*s   %s\n", width, "Metric Name", "Value");
    std::printf("%-*s : %.3f\n", width, a.c_str(), double(bytes));
    std::printf("%-*s : %.3f\n", width, b.c_str(), double(read));
  }
  return stop_requested() ? 128 + stop_signal() : 0;
}

}  // namespace sluice::cli
