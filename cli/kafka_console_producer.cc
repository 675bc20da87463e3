// kafka-console-producer: reads stdin line by line and produces each line as a record, with
// Kafka's flags, reader properties (parse.key, key.separator, ...) and the `>` prompt on a
// terminal.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "cli/kafka_args.h"
#include "cli/producer.h"
#include "cli/record_format.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

struct producer_options {
  std::string bootstrap_server, broker_list, topic, compression_codec, line_reader_class;
  std::string request_required_acks = "-1", reader_config, producer_config;
  std::vector<std::string> property, producer_property;
  int32_t batch_size = 16384, message_send_max_retries = 3, request_timeout_ms = 1500;
  int32_t max_partition_memory_bytes = 16384, socket_buffer_size = 102400;
  int64_t retry_backoff_ms = 100, timeout = 1000, metadata_expiry_ms = 300000;
  int64_t max_block_ms = 60000, max_memory_bytes = 32 * 1024 * 1024;
  bool sync = false;
};

void define(kafka_tool_parser& p, producer_options& o) {
  p.integer(o.batch_size, "--batch-size", "Integer: size",
            "Number of messages to send in one batch when not sending synchronously.", 16384);
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED unless --broker-list is given: the server(s) to connect to, "
         "HOST1:PORT1,HOST2:PORT2.");
  p.text(o.broker_list, "--broker-list", "String: broker-list",
         "DEPRECATED, use --bootstrap-server instead; ignored when --bootstrap-server is given.");
  p.optional_text(o.compression_codec, "--compression-codec", "String: compression-codec",
                  "The compression codec: 'none', 'gzip', 'snappy', 'lz4' or 'zstd'. Without a "
                  "value, 'gzip'.",
                  "gzip");
  p.text(o.line_reader_class, "--line-reader", "String: reader_class",
         "The line reader; only Kafka's default LineMessageReader is built in.");
  p.integer(o.max_block_ms, "--max-block-ms", "Long: max block on send",
            "The longest time a send may block.", int64_t{60000});
  p.integer(o.max_memory_bytes, "--max-memory-bytes", "Long: total memory in bytes",
            "The memory used to buffer records waiting to be sent (buffer.memory).",
            int64_t{32 * 1024 * 1024});
  p.integer(o.max_partition_memory_bytes, "--max-partition-memory-bytes",
            "Integer: memory in bytes per partition", "The batch size per partition (batch.size).",
            16384);
  p.integer(o.message_send_max_retries, "--message-send-max-retries", "Integer",
            "How often a failed send is retried (retries).", 3);
  p.integer(o.metadata_expiry_ms, "--metadata-expiry-ms", "Long: metadata expiration interval",
            "Refresh metadata at least this often (metadata.max.age.ms).", int64_t{300000});
  p.list(o.producer_property, "--producer-property", "String: producer_prop",
         "A producer setting key=value (repeatable).");
  p.text(o.producer_config, "--producer.config", "String: config file",
         "A producer properties file; --producer-property wins over it.");
  p.list(o.property, "--property", "String: prop",
         "A line reader setting key=value: parse.key, key.separator, parse.headers, "
         "headers.delimiter, headers.separator, headers.key.separator, null.marker, "
         "ignore.error.");
  p.text(o.reader_config, "--reader-config", "String: config file",
         "A line reader properties file; --property wins over it.");
  p.text(o.request_required_acks, "--request-required-acks", "String: request required acks",
         "The acks of produce requests.", "-1");
  p.integer(o.request_timeout_ms, "--request-timeout-ms", "Integer: request timeout ms",
            "The ack timeout of produce requests.", 1500);
  p.integer(o.retry_backoff_ms, "--retry-backoff-ms", "Long",
            "Wait before retrying (retry.backoff.ms).", int64_t{100});
  p.integer(o.socket_buffer_size, "--socket-buffer-size", "Integer: size",
            "The TCP send buffer size (send.buffer.bytes).", 102400);
  p.flag(o.sync, "--sync", "Send each message synchronously, one at a time as it arrives.");
  p.integer(o.timeout, "--timeout", "Long: timeout_ms",
            "How long a message may wait for a batch to fill (linger.ms).", int64_t{1000});
  p.text(o.topic, "--topic", "String: topic", "REQUIRED: the topic to produce messages to.");
}

// Kafka's rule: a flag's value wins when the flag is given, or when the setting is not in the
// user's properties yet (the flag's default then fills it).
void merge(property_map& props, const kafka_tool_parser& p, std::string_view flag,
           const std::string& key, const std::string& value) {
  if (p.has(flag) || !props.contains(key)) props[key] = value;
}

}  // namespace

int kafka_console_producer_main(const args_t& args) {
  kafka_tool_parser p("This tool helps to read data from standard input and publish it to Kafka.");
  producer_options o;
  define(p, o);
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--topic"})) return *e;
  std::string brokers = !o.bootstrap_server.empty() ? o.bootstrap_server : o.broker_list;
  if (brokers.empty() && std::getenv("SLUICE_BROKERS") == nullptr) {
    return p.usage_error("Missing required argument \"[bootstrap-server]\"");
  }
  if (!o.line_reader_class.empty() &&
      o.line_reader_class.find("LineMessageReader") == std::string::npos) {
    return p.usage_error(
        fmt::format("Line reader class {} is not available; only the default "
                    "LineMessageReader is built in",
                    o.line_reader_class));
  }

  // Reader properties: the file, then --property.
  property_map reader_props;
  if (!o.reader_config.empty()) {
    auto file = load_properties_file(o.reader_config);
    if (!file) return p.usage_error(file.message());
    reader_props = std::move(*file);
  }
  if (auto r = add_key_values(reader_props, o.property); !r) return p.usage_error(r.message());
  auto reader = line_reader::from_properties(reader_props);
  if (!reader) {
    std::fprintf(stderr, "%s\n", reader.message().c_str());
    return 1;
  }

  auto settings = make_settings(brokers, o.producer_config, o.producer_property);
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.message().c_str());
    return 1;
  }
  property_map& props = settings->properties;
  props["compression.type"] = o.compression_codec.empty() ? "none" : o.compression_codec;
  if (!props.contains("client.id")) props["client.id"] = "console-producer";
  merge(props, p, "--timeout", "linger.ms", std::to_string(o.timeout));
  merge(props, p, "--request-required-acks", "acks", o.request_required_acks);
  merge(props, p, "--request-timeout-ms", "request.timeout.ms",
        std::to_string(o.request_timeout_ms));
  merge(props, p, "--message-send-max-retries", "retries",
        std::to_string(o.message_send_max_retries));
  merge(props, p, "--retry-backoff-ms", "retry.backoff.ms", std::to_string(o.retry_backoff_ms));
  merge(props, p, "--socket-buffer-size", "send.buffer.bytes",
        std::to_string(o.socket_buffer_size));
  merge(props, p, "--max-memory-bytes", "buffer.memory", std::to_string(o.max_memory_bytes));
  merge(props, p, "--batch-size", "batch.size", std::to_string(o.batch_size));
  if (p.has("--max-partition-memory-bytes")) {
    props["batch.size"] = std::to_string(o.max_partition_memory_bytes);
  }
  merge(props, p, "--metadata-expiry-ms", "metadata.max.age.ms",
        std::to_string(o.metadata_expiry_ms));
  merge(props, p, "--max-block-ms", "max.block.ms", std::to_string(o.max_block_ms));
  // librdkafka waits for a broker's reply at most this long per record (Java's
  // delivery.timeout.ms).
  if (!props.contains("delivery.timeout.ms") && !props.contains("message.timeout.ms")) {
    props["message.timeout.ms"] = "120000";
  }

  bool sync_failed = false;
  std::string sync_error;
  auto producer = record_producer::create(*settings, [&](const delivery& d) {
    if (d.error == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    std::string msg = kafka_error_message(d.error, "");
    if (o.sync) {
      sync_failed = true;
      sync_error = msg;
      return;
    }
    std::fprintf(stderr,
                 "ERROR Error when sending message to topic %s with key: %s, value: %zu bytes "
                 "with error: %s\n",
                 d.topic.c_str(), d.key ? fmt::format("{} bytes", d.key->size()).c_str() : "null",
                 d.value_size, msg.c_str());
  });
  if (!producer) {
    std::fprintf(stderr, "%s\n", producer.message().c_str());
    return 1;
  }
  if (auto c = producer->client().connect(producer->client().make_deadline()); !c) {
    std::fprintf(stderr, "ERROR %s\n", c.message().c_str());
    return 1;
  }

  install_stop_handler();
  bool prompt = stdin_is_terminal() && stdout_is_terminal();
  std::string line;
  int64_t line_number = 0;
  int exit_code = 0;
  for (;;) {
    ++line_number;
    if (prompt) {
      std::fputs(">", stdout);
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line) || stop_requested()) break;
    auto rec = reader->parse(line, line_number);
    if (!rec) {
      std::fprintf(stderr, "%s\n", rec.message().c_str());
      exit_code = 1;
      break;
    }
    if (auto s = producer->send(o.topic, RD_KAFKA_PARTITION_UA, rec->key, rec->value, rec->headers);
        !s) {
      std::fprintf(stderr, "ERROR %s\n", s.message().c_str());
      exit_code = 1;
      break;
    }
    if (o.sync) {
      producer->flush(deadline::after(std::chrono::minutes(5)));
      if (sync_failed) {
        std::fprintf(stderr, "ERROR Error when sending message to topic %s: %s\n", o.topic.c_str(),
                     sync_error.c_str());
        exit_code = 1;
        break;
      }
    } else {
      producer->poll(0);
    }
  }
  if (!producer->flush(deadline::after(std::chrono::minutes(5)))) {
    std::fprintf(stderr, "ERROR %d messages were not delivered before the producer closed\n",
                 producer->outstanding());
  }
  if (stop_requested()) return 128 + stop_signal();
  return exit_code;
}

}  // namespace sluice::cli
