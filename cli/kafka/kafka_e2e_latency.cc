// kafka-e2e-latency: Kafka 3.9's EndToEndLatency — `broker_list topic num_messages producer_acks
// message_size_bytes [properties_file]`. One record at a time: send it (acks 1 or all) and wait
// for the delivery report, then read it back from the end of the topic's partitions; the time from
// send to read is one sample. Prints each 1000th sample ("i<TAB>ms"), then "Avg latency: x ms" and
// the 50th/99th/99.9th percentiles in whole ms, as Kafka's tool. A topic that does not exist is
// created with one partition and replication factor 1, as Kafka's tool creates it. The records
// are Kafka's: message_size_bytes copies of one random capital letter (seeded 0).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cli/admin.h"
#include "cli/consumer.h"
#include "cli/offsets.h"
#include "cli/producer.h"
#include "cli/properties.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

constexpr int poll_timeout_ms = 10000;  // Kafka's POLL_TIMEOUT_MS

int failed(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

struct arguments {
  std::string brokers, topic, acks, properties_file;
  int32_t messages = 0, size = 0;
};

}  // namespace

int kafka_e2e_latency_main(const args_t& args) {
  if (args.size() != 5 && args.size() != 6) {
    return failed(
        "USAGE: java org.apache.kafka.tools.EndToEndLatency broker_list topic num_messages "
        "producer_acks message_size_bytes [optional] properties_file");
  }
  arguments a{args[0], args[1], args[3], args.size() > 5 ? trim(args[5]) : std::string(), 0, 0};
  auto messages = parse_int<int32_t>(args[2]);
  auto size = parse_int<int32_t>(args[4]);
  if (!messages || *messages <= 0) return failed("For input string: \"" + args[2] + "\"");
  if (!size || *size < 0) return failed("For input string: \"" + args[4] + "\"");
  a.messages = *messages;
  a.size = *size;
  if (a.acks != "1" && a.acks != "all")
    return failed("Latency testing requires synchronous acknowledgement. Please use 1 or all");

  auto base = make_settings(a.brokers, a.properties_file);
  if (!base) return failed(base.message());
  deadline setup = deadline::after(base->timeout);

  // The topic, created as Kafka's tool creates it when missing.
  {
    auto admin = kafka_client::create(client_kind::admin, *base);
    if (!admin) return failed(admin.message());
    auto md = admin->metadata(setup);  // every topic: asking for one could auto-create it
    if (!md) return failed(md.message());
    const topic_info* t = md->find(a.topic);
    if (t == nullptr || t->partitions.empty()) {
      std::printf(
          "Topic \"%s\" does not exist. Will create topic with 1 partition(s) and "
          "replication factor = 1\n",
          a.topic.c_str());
      std::fflush(stdout);
      auto made = create_topics(*admin, {new_topic{a.topic, 1, 1, {}, {}}}, setup);
      if (!made) return failed(made.message());
      for (const auto& e : *made) {
        if (!e.message.empty()) {
          std::printf("Creation of topic %s failed\n", a.topic.c_str());
          return failed(e.message);
        }
      }
    }
  }

  // The consumer: the end of every partition, no group commits needed for positions.
  client_settings consumer_settings = *base;
  consumer_settings.properties["group.id"] =
      fmt::format("test-group-{}", std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
  consumer_settings.properties["enable.auto.commit"] = "false";
  consumer_settings.properties["auto.offset.reset"] = "latest";
  // No temporal batching: a fetch is answered as soon as the record is there.
  consumer_settings.properties["fetch.wait.max.ms"] = "100";
  auto consumer = record_consumer::create(consumer_settings);
  if (!consumer) return failed(consumer.message());
  auto partitions = consumer->partitions_of({a.topic}, std::nullopt, setup);
  if (!partitions) return failed(partitions.message());
  // From each partition's end as it is now (Kafka's tool resolves its positions before the first
  // send; a lazily resolved "end" could land after the first record).
  std::vector<partition_offset> ends;
  for (const auto& [topic, partition] : *partitions) {
    auto w = query_watermarks(consumer->client(), topic, partition, setup);
    if (!w) return failed(w.message());
    ends.push_back(partition_offset{topic, partition, w->high, {}, RD_KAFKA_RESP_ERR_NO_ERROR});
  }
  if (auto r = consumer->assign_offsets(ends); !r) return failed(r.message());

  client_settings producer_settings = *base;
  producer_settings.properties["linger.ms"] = "0";
  producer_settings.properties["acks"] = a.acks == "all" ? "-1" : "1";
  std::optional<delivery> delivered;
  auto producer =
      record_producer::create(producer_settings, [&](const delivery& d) { delivered = d; });
  if (!producer) return failed(producer.message());

  std::mt19937 random(0);
  std::vector<int64_t> latencies_ms(static_cast<size_t>(a.messages));
  double total_ns = 0;
  for (int32_t i = 0; i < a.messages; ++i) {
    const std::string message(static_cast<size_t>(a.size),
                              static_cast<char>('A' + static_cast<int>(random() % 26)));
    const auto begin = std::chrono::steady_clock::now();
    delivered.reset();
    if (auto r = producer->send(a.topic, -1, std::nullopt, message); !r) return failed(r.message());
    deadline sent = deadline::after(base->timeout);
    while (!delivered && !sent.expired()) producer->poll(1);
    if (!delivered) return failed("the record was not acknowledged in time");
    if (delivered->error != RD_KAFKA_RESP_ERR_NO_ERROR) return failed(error_text(delivered->error));
    // Read it back: the first message event, within Kafka's poll timeout.
    message_ptr got;
    deadline read = deadline::after(std::chrono::milliseconds(poll_timeout_ms));
    while (!read.expired()) {
      got = consumer->poll(std::max(1, read.remaining_ms()));
      if (!got || got->err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (got->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) return failed(error_text(got->err));
      got.reset();
    }
    const auto elapsed = std::chrono::steady_clock::now() - begin;
    if (!got) {
      return failed(
          fmt::format("poll() timed out before finding a result (timeout:[{}])", poll_timeout_ms));
    }
    std::string read_value(static_cast<const char*>(got->payload), got->len);
    if (read_value != message) {
      return failed(fmt::format("The message read [{}] did not match the message sent [{}]",
                                read_value, message));
    }
    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
    if (i % 1000 == 0) std::printf("%d\t%s\n", i, fmt::format("{}", ns / 1e6).c_str());
    total_ns += static_cast<double>(ns);
    latencies_ms[static_cast<size_t>(i)] = ns / 1000 / 1000;
  }
  std::printf("Avg latency: %.4f ms\n", total_ns / a.messages / 1e6);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto at = [&](double q) {
    return latencies_ms[static_cast<size_t>(static_cast<double>(latencies_ms.size()) * q)];
  };
  std::printf("Percentiles: 50th = %lld, 99th = %lld, 99.9th = %lld\n",
              static_cast<long long>(at(0.5)), static_cast<long long>(at(0.99)),
              static_cast<long long>(at(0.999)));
  return 0;
}

}  // namespace sluice::cli
