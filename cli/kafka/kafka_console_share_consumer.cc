// kafka-console-share-consumer: Kafka 4.x's ConsoleShareConsumer — reads a topic as a member of a
// share group (KIP-932; --group, default "console-share-consumer") and prints each record with
// the console consumer's formatter (print.key, print.offset, ... as
// --property/--formatter-property). Records are accepted as they are printed, or released
// (--release: delivered again, to this or another member) or rejected (--reject). --max-messages
// and --timeout-ms end the run; "Processed a total of N messages" goes to stderr, as Kafka's. The
// share-group protocol is spoken directly (client/share_consumer.h): librdkafka has no share
// consumer.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/client/broker_pool.h"
#include "cli/client/share_consumer.h"
#include "cli/kafka_args.h"
#include "cli/properties.h"
#include "cli/record_format.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

struct options {
  std::string bootstrap_server, topic, group, formatter, formatter_config;
  std::string consumer_config, command_config, key_deserializer, value_deserializer;
  std::vector<std::string> consumer_property, command_property, property, formatter_property;
  int32_t max_messages = -1;
  int64_t timeout_ms = -1;
  bool reject = false, release = false, reject_message_on_error = false, systest_events = false;
};

}  // namespace

int kafka_console_share_consumer_main(const args_t& args) {
  kafka_tool_parser p(
      "This tool helps to read data from Kafka topics using share groups and outputs it to "
      "standard output.");
  options o;
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED: The server(s) to connect to.");
  p.text(o.command_config, "--command-config", "String: config file",
         "Consumer config properties file. Note that --command-property takes precedence over "
         "this config.");
  p.list(o.command_property, "--command-property", "String: consumer_prop",
         "Consumer config properties in the form key=value.");
  p.text(o.consumer_config, "--consumer-config", "String: config file",
         "(DEPRECATED) Consumer config properties file. Note that --command-property takes "
         "precedence over this config. This option will be removed in a future version. Use "
         "--command-config instead.");
  p.list(o.consumer_property, "--consumer-property", "String: consumer_prop",
         "(DEPRECATED) Consumer config properties in the form key=value. This option will be "
         "removed in a future version. Use --command-property instead.");
  p.flag(o.systest_events, "--enable-systest-events",
         "Log lifecycle events of the share consumer in addition to logging consumed messages. "
         "(This is specific for system tests.)");
  p.text(o.formatter, "--formatter", "String: class",
         "The name of a class to use for formatting Kafka messages for display.",
         "org.apache.kafka.tools.consumer.DefaultMessageFormatter");
  p.text(o.formatter_config, "--formatter-config", "String: config file",
         "Config properties file to initialize the message formatter. Note that "
         "--formatter-property takes precedence over this config.");
  p.list(o.formatter_property, "--formatter-property", "String: prop",
         "The properties to initialize the message formatter. Default properties include: "
         "print.timestamp=true|false, print.key=true|false, print.offset=true|false, "
         "print.partition=true|false, print.headers=true|false, print.value=true|false, "
         "key.separator=<key.separator>, line.separator=<line.separator>, "
         "headers.separator=<line.separator>, null.literal=<null.literal>.");
  p.text(o.group, "--group", "String: share group id", "The share group id of the consumer.");
  p.text(o.key_deserializer, "--key-deserializer", "String: deserializer for keys",
         "The name of the class to use for deserializing keys.");
  p.integer(o.max_messages, "--max-messages", "Integer: num_messages",
            "The maximum number of messages to consume before exiting. If not set, consumption "
            "is continual.");
  p.list(o.property, "--property", "String: prop",
         "(DEPRECATED) The properties to initialize the message formatter. This option will be "
         "removed in a future version. Use --formatter-property instead.");
  p.flag(o.reject, "--reject", "If specified, messages are rejected as they are consumed.");
  p.flag(o.reject_message_on_error, "--reject-message-on-error",
         "If there is an error when processing a message, reject it instead of halting.");
  p.flag(o.release, "--release", "If specified, messages are released as they are consumed.");
  p.integer(o.timeout_ms, "--timeout-ms", "Long: timeout_ms",
            "If specified, exit if no message is available for consumption for the specified "
            "interval.");
  p.text(o.topic, "--topic", "String: topic", "The topic to consume from.");
  p.text(o.value_deserializer, "--value-deserializer", "String: deserializer for values",
         "The name of the class to use for deserializing values.");
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--bootstrap-server", "--topic"})) return *e;
  if (o.reject && o.release) return p.usage_error("Option [reject] cannot be used with [release]");
  if (o.formatter.find("DefaultMessageFormatter") == std::string::npos)
    return p.usage_error(fmt::format(
        "Formatter {} is not available; only the default DefaultMessageFormatter is built in",
        o.formatter));

  std::vector<std::string> consumer_props = o.consumer_property;
  consumer_props.insert(consumer_props.end(), o.command_property.begin(), o.command_property.end());
  auto settings = make_settings(o.bootstrap_server,
                                o.command_config.empty() ? o.consumer_config : o.command_config,
                                consumer_props);
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.message().c_str());
    return 1;
  }
  property_map& props = settings->properties;
  // The group may come from --group, the properties or the config file; all must agree.
  const std::vector<std::string> groups =
      group_ids_given(p.has("--group") ? std::optional(o.group) : std::nullopt, props);
  if (groups.size() > 1)
    return p.usage_error(fmt::format(
        "The group ids provided in different places (directly using '--group', via "
        "'--command-property', or via '--command-config') do not match. Detected group ids: "
        "'{}'",
        fmt::join(groups, "', '")));
  const std::string group = groups.empty() ? "console-share-consumer" : groups.front();

  property_map formatter_props;
  if (!o.formatter_config.empty()) {
    auto file = load_properties_file(o.formatter_config);
    if (!file) return p.usage_error(file.message());
    formatter_props = std::move(*file);
  }
  std::vector<std::string> formatter_kv = o.property;
  formatter_kv.insert(formatter_kv.end(), o.formatter_property.begin(), o.formatter_property.end());
  if (auto r = add_key_values(formatter_props, formatter_kv); !r) return p.usage_error(r.message());
  const message_formatter formatter = message_formatter::from_properties(formatter_props);

  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) {
    std::fprintf(stderr, "%s\n", client.message().c_str());
    return 1;
  }
  auto md = client->metadata(client->make_deadline());
  if (!md) {
    std::fprintf(stderr, "ERROR %s\n", md.message().c_str());
    return 1;
  }
  broker_pool pool(md->brokers, client->properties());
  share_consumer consumer(pool, group, o.topic);
  install_stop_handler();  // SIGINT/SIGTERM: acknowledge, leave and report, as Kafka's does
  const int8_t ack = o.reject ? 3 : o.release ? 2 : 1;
  int64_t count = 0;
  int exit_code = 0;
  auto last_message = std::chrono::steady_clock::now();
  while (o.max_messages < 0 || count < o.max_messages) {
    if (stop_requested()) {
      exit_code = 128 + stop_signal();
      break;
    }
    auto records = consumer.poll(500, ack, client->make_deadline());
    if (!records) {
      std::fprintf(stderr, "ERROR Error processing message, terminating consumer process: %s\n",
                   records.message().c_str());
      exit_code = 1;
      break;
    }
    if (records->empty()) {
      std::fflush(stdout);
      auto idle = std::chrono::steady_clock::now() - last_message;
      if (o.timeout_ms >= 0 && idle > std::chrono::milliseconds(o.timeout_ms)) {
        std::fprintf(stderr,
                     "ERROR Error processing message, terminating consumer process: no message "
                     "for %lld ms (TimeoutException)\n",
                     static_cast<long long>(o.timeout_ms));
        break;
      }
      continue;
    }
    last_message = std::chrono::steady_clock::now();
    bool write_failed = false;
    for (const console_record& r : *records) {
      // Records past --max-messages in this poll are still acknowledged as the tool says (the
      // share consumer hands records out in whole batches).
      if (o.max_messages >= 0 && count >= o.max_messages) break;
      ++count;
      std::string out = formatter.format(r);
      if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::ferror(stdout)) {
        std::fprintf(stderr, "Unable to write to standard out, closing consumer.\n");
        write_failed = true;
        break;
      }
    }
    if (write_failed) break;
    std::fflush(stdout);  // a poll's records reach a pipe at once, as Java's System.out does
  }
  std::fflush(stdout);
  consumer.close(client->make_deadline());
  std::fprintf(stderr, "Processed a total of %lld messages\n", static_cast<long long>(count));
  return exit_code;
}

}  // namespace sluice::cli
