// `sluice perf produce|consume`: throughput runs with a progress bar on a terminal and a summary
// in Kafka's perf-test format (or JSON).
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/consumer.h"
#include "cli/perf_stats.h"
#include "cli/producer.h"
#include "cli/sluice_commands.h"
#include "cli/tool_support.h"

namespace sluice::cli {
namespace {

// Redraws the progress bar on stderr at most every 200 ms, only on a terminal.
class progress {
 public:
  explicit progress(int64_t total) : total_(total), shown_(stderr_is_terminal()) {}
  void update(int64_t done, bool force = false) {
    if (!shown_) return;
    int64_t now = now_ms();
    if (!force && now - last_ < 200) return;
    last_ = now;
    double rate = 1000.0 * static_cast<double>(done) /
                  static_cast<double>(std::max<int64_t>(1, now - start_));
    std::fprintf(stderr, "\r%s", progress_line(done, total_, rate).c_str());
    std::fflush(stderr);
  }
  void finish(int64_t done) {
    if (!shown_) return;
    update(done, true);
    std::fputc('\n', stderr);
  }

 private:
  int64_t total_;
  bool shown_;
  int64_t start_ = now_ms();
  int64_t last_ = 0;
};

}  // namespace

int run_perf_produce(const global_options& g, const perf_produce_options& o) {
  auto settings = g.client();
  if (!settings) return report_error(g, settings.message());
  settings->properties.try_emplace("acks", o.acks);
  settings->properties.try_emplace("compression.type", o.compression);
  settings->properties.try_emplace("linger.ms", "5");
  int64_t start = now_ms();
  producer_stats stats(o.records, start, std::numeric_limits<int64_t>::max());
  int64_t errors = 0;
  std::string first_error;
  auto producer = record_producer::create(*settings, [&](const delivery& d) {
    if (d.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (errors++ == 0) first_error = kafka_error_message(d.error, "");
      return;
    }
    (void)stats.record(static_cast<int>(d.latency_us / 1000), static_cast<int64_t>(d.value_size),
                       now_ms());
  });
  if (!producer) return report_error(g, producer.message());
  if (auto c = producer->client().connect(producer->client().make_deadline()); !c) {
    return report_error(g, c.message());
  }
  install_stop_handler();
  progress bar(o.records);
  std::string payload(static_cast<size_t>(std::max(0, o.size)), 'x');
  throughput_throttler throttle(o.rate, start);
  for (int64_t i = 0; i < o.records && !stop_requested(); ++i) {
    payload[static_cast<size_t>(i) % std::max<size_t>(1, payload.size())] =
        static_cast<char>('a' + i % 26);
    if (auto s = producer->send(o.topic, RD_KAFKA_PARTITION_UA, std::nullopt, payload); !s) {
      return report_error(g, s.message());
    }
    producer->poll(0);
    if (int64_t wait = throttle.delay_ms(i + 1, now_ms()); wait > 0) {
      producer->poll(static_cast<int>(std::min<int64_t>(wait, 100)));
    }
    bar.update(stats.count());
  }
  while (producer->outstanding() > 0 && !stop_requested()) {
    producer->poll(100);
    bar.update(stats.count());
  }
  bar.finish(stats.count());
  int64_t end = now_ms();
  std::string total = stats.total(end);
  if (g.format == output_format::json) {
    double secs = static_cast<double>(std::max<int64_t>(1, end - start)) / 1000.0;
    std::vector<int> p = stats.percentiles();
    print_json({{"records", stats.count()},
                {"errors", errors},
                {"records_per_sec", static_cast<double>(stats.count()) / secs},
                {"mb_per_sec", static_cast<double>(stats.bytes()) / secs / (1024.0 * 1024.0)},
                {"avg_latency_ms", stats.avg_latency()},
                {"max_latency_ms", stats.max_latency()},
                {"p50_ms", p[0]},
                {"p95_ms", p[1]},
                {"p99_ms", p[2]},
                {"p999_ms", p[3]}});
  } else {
    std::fputs(total.c_str(), stdout);
  }
  if (errors > 0) return report_error(g, fmt::format("{} records failed: {}", errors, first_error));
  return 0;
}

int run_perf_consume(const global_options& g, const perf_consume_options& o) {
  auto settings = g.client();
  if (!settings) return report_error(g, settings.message());
  bool group_mode = !o.group.empty();
  settings->properties["group.id"] = group_mode ? o.group : "sluice-perf";
  settings->properties.try_emplace("auto.offset.reset", "earliest");
  if (!group_mode) settings->properties.try_emplace("enable.auto.commit", "false");
  auto consumer = record_consumer::create(*settings);
  if (!consumer) return report_error(g, consumer.message());
  int64_t start = now_ms();
  deadline d = consumer->client().make_deadline();
  if (auto c = consumer->client().connect(d); !c) return report_error(g, c.message());
  if (group_mode) {
    if (auto s = consumer->subscribe({o.topic}); !s) return report_error(g, s.message());
  } else {
    auto parts = consumer->partitions_of({o.topic}, std::nullopt, d);
    if (!parts) return report_error(g, parts.message());
    if (auto a = consumer->assign(*parts, {start_position::kind::beginning}, d); !a) {
      return report_error(g, a.message());
    }
  }
  install_stop_handler();
  progress bar(o.records);
  int64_t read = 0, bytes = 0, last = now_ms();
  while (read < o.records && now_ms() - last <= o.timeout_ms && !stop_requested()) {
    message_ptr msg = consumer->poll(100);
    if (!msg || msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    last = now_ms();
    ++read;
    bytes += static_cast<int64_t>(msg->key_len + msg->len);
    bar.update(read);
  }
  bar.finish(read);
  int64_t end = now_ms();
  consumer_totals t{start, end, bytes, read, 0};
  if (g.format == output_format::json) {
    double secs = static_cast<double>(std::max<int64_t>(1, end - start)) / 1000.0;
    print_json({{"records", read},
                {"bytes", bytes},
                {"records_per_sec", static_cast<double>(read) / secs},
                {"mb_per_sec", static_cast<double>(bytes) / secs / (1024.0 * 1024.0)},
                {"complete", read >= o.records}});
  } else {
    std::fputs(consumer_perf_header(false).c_str(), stdout);
    std::fputs(consumer_perf_summary(t, "yyyy-MM-dd HH:mm:ss:SSS").c_str(), stdout);
  }
  if (read < o.records) {
    return report_error(g, fmt::format("only {} of {} records arrived within {} ms of each other",
                                       read, o.records, o.timeout_ms));
  }
  return 0;
}

}  // namespace sluice::cli
