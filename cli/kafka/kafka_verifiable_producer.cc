// kafka-verifiable-producer: Kafka 3.9's VerifiableProducer, the producer Kafka's system tests
// drive and read back. It sends the integers 0, 1, 2, ... as string values ("P.i" with
// --value-prefix P), keyed 0..n-1 over and over with --repeating-keys n, to one topic, at most
// --throughput records a second, with acks --acks and no retries (as Kafka's tool), and prints one
// JSON object per line: startup_complete, then producer_send_success (key, value, topic,
// partition, offset) or producer_send_error (exception, message, topic, key, value) per record,
// and once --max-messages records are sent (or on SIGINT/SIGTERM, after a flush)
// shutdown_complete and tool_data (sent, acked, target_throughput, avg_throughput). Every object
// starts with "timestamp" and "name", as Kafka's does.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/kafka/argparse.h"
#include "cli/kafka/verifiable_events.h"
#include "cli/perf_stats.h"
#include "cli/producer.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "protocol/error_code.h"

namespace sluice::cli {
namespace {

// The Java exception class a Kafka client reports for `err`: Kafka's error name in CamelCase
// (UNKNOWN_TOPIC_OR_PARTITION: UnknownTopicOrPartitionException) for broker errors; a delivery
// timeout is a TimeoutException.
std::string exception_class(rd_kafka_resp_err_t err) {
  const std::string prefix = "class org.apache.kafka.common.errors.";
  if (err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT || err == RD_KAFKA_RESP_ERR__TIMED_OUT)
    return prefix + "TimeoutException";
  if (err <= 0) return "class org.apache.kafka.common.KafkaException";
  std::string name(protocol::error_name(static_cast<protocol::error_code>(err)));
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = false;
  }
  return prefix + out + "Exception";
}

argparse_parser verifiable_producer_parser() {
  argparse_parser p("verifiable-producer",
                    "This tool produces increasing integers to the specified topic and prints "
                    "JSON metadata to stdout on each \"send\" request, making externally visible "
                    "which messages have been acked and which have not.",
                    "");
  p.add({.flags = {"--topic"},
         .metavar = "TOPIC",
         .required = true,
         .help = "Produce messages to this topic."});
  add_connection_options(
      p,
      "REQUIRED: The server(s) to connect to. Comma-separated list of Kafka brokers "
      "in the form HOST1:PORT1,HOST2:PORT2,...");
  p.add({.flags = {"--max-messages"},
         .metavar = "MAX-MESSAGES",
         .type = value_type::int32,
         .help = "Produce this many messages. If -1, produce messages until the process is "
                 "killed externally.",
         .default_value = "-1"});
  p.add({.flags = {"--throughput"},
         .metavar = "THROUGHPUT",
         .type = value_type::int32,
         .help = "If set >= 0, throttle maximum message throughput to *approximately* THROUGHPUT "
                 "messages/sec.",
         .default_value = "-1"});
  p.add({.flags = {"--acks"},
         .metavar = "ACKS",
         .type = value_type::int32,
         .help = "Acks required on each produced message. See Kafka docs on acks for details.",
         .default_value = "-1"});
  p.add({.flags = {"--producer.config"},
         .metavar = "CONFIG_FILE",
         .help = "Producer config properties file."});
  p.add({.flags = {"--message-create-time"},
         .metavar = "CREATETIME",
         .type = value_type::int64,
         .help = "Send messages with creation time starting at the arguments value, in "
                 "milliseconds since epoch",
         .default_value = "-1"});
  p.add({.flags = {"--value-prefix"},
         .metavar = "VALUE-PREFIX",
         .type = value_type::int32,
         .help = "If specified, each produced value will have this prefix with a dot separator"});
  p.add({.flags = {"--repeating-keys"},
         .metavar = "REPEATING-KEYS",
         .type = value_type::int32,
         .help = "If specified, each produced record will have a key starting at 0 increment by "
                 "1 up to the number specified (exclusive), then the key is set to 0 again"});
  return p;
}

}  // namespace

int kafka_verifiable_producer_main(const args_t& args) {
  argparse_parser parser = verifiable_producer_parser();
  auto parsed = parse_verifiable_args(parser, args);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const parsed_args& a = std::get<verifiable_args>(parsed).args;
  const std::string& brokers = std::get<verifiable_args>(parsed).brokers;
  const std::string topic = *a.text("topic");
  const int64_t max_messages = *a.number("max-messages");
  const int64_t throughput = *a.number("throughput");
  const std::optional<int64_t> value_prefix = a.number("value-prefix");
  const std::optional<int64_t> repeating_keys = a.number("repeating-keys");
  std::optional<int64_t> create_time = *a.number("message-create-time");
  if (*create_time == -1) create_time.reset();

  auto settings = make_settings(brokers, a.text("producer.config").value_or(""));
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.message().c_str());
    return 1;
  }
  // As Kafka's tool: its own settings, then the config file's over them.
  settings->properties.try_emplace("acks", std::to_string(*a.number("acks")));
  settings->properties.try_emplace("retries", "0");
  install_stop_handler();
  int64_t sent = 0, acked = 0;
  auto producer = record_producer::create(*settings, [&](const delivery& d) {
    auto j = verifiable_event(d.error == RD_KAFKA_RESP_ERR_NO_ERROR ? "producer_send_success"
                                                                    : "producer_send_error");
    if (d.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++acked;
    } else {
      j["exception"] = exception_class(d.error);
      j["message"] = kafka_error_message(d.error, "");
    }
    j["key"] = d.key ? nlohmann::ordered_json(*d.key) : nlohmann::ordered_json(nullptr);
    j["value"] =
        d.value ? nlohmann::ordered_json(std::string(*d.value)) : nlohmann::ordered_json(nullptr);
    j["topic"] = d.topic;
    if (d.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      j["partition"] = d.partition;
      j["offset"] = d.offset;
    }
    print_event(j);
  });
  if (!producer) {
    std::fprintf(stderr, "%s\n", producer.message().c_str());
    return 1;
  }

  print_event(verifiable_event("startup_complete"));
  const int64_t start = now_ms();
  throughput_throttler throttler(static_cast<double>(throughput), start);
  const int64_t limit = max_messages < 0 ? INT64_MAX : max_messages;
  int64_t key_counter = 0;
  for (int64_t i = 0; i < limit && !stop_requested(); ++i) {
    std::optional<std::string> key;
    if (repeating_keys) {
      key = std::to_string(key_counter++);
      if (key_counter == *repeating_keys) key_counter = 0;
    }
    std::string value = value_prefix ? fmt::format("{}.{}", *value_prefix, i) : std::to_string(i);
    int64_t timestamp = 0;
    if (create_time) {
      // As Kafka's tool: the next record's time moves on by the time elapsed since the start.
      timestamp = *create_time;
      *create_time += now_ms() - start;
    }
    ++sent;
    if (auto r = producer->send(topic, -1, key, value, {}, timestamp); !r) {
      auto j = verifiable_event("producer_send_error");
      j["exception"] = "class org.apache.kafka.common.KafkaException";
      j["message"] = r.message();
      j["topic"] = topic;
      j["key"] = key ? nlohmann::ordered_json(*key) : nlohmann::ordered_json(nullptr);
      j["value"] = value;
      print_event(j);
    }
    producer->poll(0);
    if (int64_t wait = throttler.delay_ms(i, now_ms()); wait > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
  // As Kafka's shutdown hook: flush what is queued, then the summary.
  producer->flush(deadline::after(std::chrono::minutes(2)));  // delivery.timeout.ms's default
  print_event(verifiable_event("shutdown_complete"));
  auto data = verifiable_event("tool_data");
  const int64_t elapsed = std::max<int64_t>(now_ms() - start, 1);
  data["sent"] = sent;
  data["acked"] = acked;
  data["target_throughput"] = throughput;
  data["avg_throughput"] = 1000.0 * static_cast<double>(acked) / static_cast<double>(elapsed);
  print_event(data);
  return 0;
}

}  // namespace sluice::cli
