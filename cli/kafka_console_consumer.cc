// kafka-console-consumer: prints records of a topic (or of topics matching --include) with Kafka's
// flags, formatter properties and the closing "Processed a total of N messages" on stderr.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "cli/consumer.h"
#include "cli/kafka_args.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

struct consumer_options {
  std::string bootstrap_server, topic, include, whitelist, offset = "latest", formatter;
  std::string formatter_config, consumer_config, key_deserializer, value_deserializer;
  std::string isolation_level = "read_uncommitted", group;
  std::vector<std::string> consumer_property, property;
  int32_t partition = 0, max_messages = -1;
  int64_t timeout_ms = -1;
  bool from_beginning = false, skip_message_on_error = false, systest_events = false;
};

void define(kafka_tool_parser& p, consumer_options& o) {
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED: the server(s) to connect to.");
  p.list(o.consumer_property, "--consumer-property", "String: consumer_prop",
         "A consumer setting key=value (repeatable).");
  p.text(o.consumer_config, "--consumer.config", "String: config file",
         "A consumer properties file; --consumer-property wins over it.");
  p.flag(o.systest_events, "--enable-systest-events",
         "Also log consumer lifecycle events (for system tests).");
  p.text(o.formatter, "--formatter", "String: class",
         "The message formatter; only Kafka's DefaultMessageFormatter is built in.");
  p.text(o.formatter_config, "--formatter-config", "String: config file",
         "A formatter properties file; --property wins over it.");
  p.flag(o.from_beginning, "--from-beginning",
         "Without a committed offset, start from the earliest message rather than the latest.");
  p.text(o.group, "--group", "String: consumer group id", "The consumer group id of the consumer.");
  p.text(o.include, "--include", "String: Java regex (String)",
         "A regular expression of the topics to consume.");
  p.text(o.isolation_level, "--isolation-level", "String",
         "read_committed to skip records of open and aborted transactions, read_uncommitted to "
         "read everything.",
         "read_uncommitted");
  p.text(o.key_deserializer, "--key-deserializer", "String: deserializer for key",
         "Accepted for compatibility; keys are printed as text.");
  p.integer(o.max_messages, "--max-messages", "Integer: num_messages",
            "Stop after this many messages (default: consume forever).");
  p.text(o.offset, "--offset", "String: consume offset",
         "The offset to start from (a non-negative number), 'earliest' or 'latest'.", "latest");
  p.integer(o.partition, "--partition", "Integer: partition",
            "The partition to consume from; starts at its end unless --offset is given.");
  p.list(o.property, "--property", "String: prop",
         "A formatter setting key=value: print.timestamp, print.key, print.offset, "
         "print.partition, print.headers, print.value, key.separator, line.separator, "
         "headers.separator, null.literal.");
  p.flag(o.skip_message_on_error, "--skip-message-on-error",
         "Skip a message that cannot be processed instead of stopping.");
  p.integer(o.timeout_ms, "--timeout-ms", "Long: timeout_ms",
            "Exit when no message arrived for this long.");
  p.text(o.topic, "--topic", "String: topic", "The topic to consume.");
  p.text(o.value_deserializer, "--value-deserializer", "String: deserializer for values",
         "Accepted for compatibility; values are printed as text.");
  p.text(o.whitelist, "--whitelist", "String: Java regex (String)",
         "DEPRECATED, use --include instead.");
}

int finish(int64_t count, int code) {
  std::fflush(stdout);
  std::fprintf(stderr, "Processed a total of %lld messages\n", static_cast<long long>(count));
  return code;
}

}  // namespace

int kafka_console_consumer_main(const args_t& args) {
  kafka_tool_parser p(
      "This tool helps to read data from Kafka topics and outputs it to standard output.");
  consumer_options o;
  define(p, o);
  if (auto code = p.parse(args)) return *code;
  if (o.include.empty()) o.include = o.whitelist;
  if (p.has("--topic") == !o.include.empty()) {
    return p.usage_error("Exactly one of --include/--topic is required. ");
  }
  if (p.has("--partition")) {
    if (!p.has("--topic"))
      return p.usage_error("The topic is required when partition is specified.");
    if (o.from_beginning && p.has("--offset")) {
      return p.usage_error("Options from-beginning and offset cannot be specified together.");
    }
  } else if (p.has("--offset")) {
    return p.usage_error("The partition is required when offset is specified.");
  }
  if (!p.has("--bootstrap-server") && std::getenv("SLUICE_BROKERS") == nullptr) {
    return p.usage_error("Missing required argument \"[bootstrap-server]\"");
  }
  if (!o.formatter.empty() && o.formatter.find("DefaultMessageFormatter") == std::string::npos) {
    return p.usage_error(
        fmt::format("Formatter {} is not available; only the default "
                    "DefaultMessageFormatter is built in",
                    o.formatter));
  }
  if (o.isolation_level != "read_committed" && o.isolation_level != "read_uncommitted") {
    return p.usage_error(
        fmt::format("Invalid value {} for configuration isolation.level", o.isolation_level));
  }

  // Start offset, from --offset (with --partition) or --from-beginning.
  start_position start{
      o.from_beginning ? start_position::kind::beginning : start_position::kind::end, 0};
  if (p.has("--offset")) {
    std::string lower = o.offset;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == "earliest") {
      start.at = start_position::kind::beginning;
    } else if (lower == "latest") {
      start.at = start_position::kind::end;
    } else if (auto n = parse_int<int64_t>(o.offset); n && *n >= 0) {
      start = {start_position::kind::offset, *n};
    } else {
      return p.usage_error(
          fmt::format("The provided offset value '{}' is incorrect. Valid values "
                      "are 'earliest', 'latest', or a non-negative long.",
                      o.offset));
    }
  }

  auto settings = make_settings(o.bootstrap_server, o.consumer_config, o.consumer_property);
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.message().c_str());
    return 1;
  }
  property_map& props = settings->properties;
  // The group may come from --group, --consumer-property or the config file; all must agree.
  const std::vector<std::string> groups =
      group_ids_given(p.has("--group") ? std::optional(o.group) : std::nullopt, props);
  if (groups.size() > 1) {
    return p.usage_error(fmt::format(
        "The group ids provided in different places (directly using '--group', via "
        "'--consumer-property', or via '--consumer.config') do not match. Detected group ids: "
        "'{}'",
        fmt::join(groups, "', '")));
  }
  if (!groups.empty() && p.has("--partition")) {
    return p.usage_error("Options group and partition cannot be specified together.");
  }
  if (auto it = props.find("auto.offset.reset"); it != props.end()) {
    if (o.from_beginning && it->second != "earliest") {
      std::fprintf(stderr,
                   "Can't simultaneously specify --from-beginning and 'auto.offset.reset=%s', "
                   "please remove one option\n",
                   it->second.c_str());
      return 1;
    }
  } else {
    props["auto.offset.reset"] = o.from_beginning ? "earliest" : "latest";
  }
  if (!props.contains("client.id")) props["client.id"] = "console-consumer";
  if (p.has("--isolation-level") || !props.contains("isolation.level")) {
    props["isolation.level"] = o.isolation_level;
  }
  bool group_mode = !groups.empty();
  if (group_mode) {
    props["group.id"] = groups.front();
  } else {
    // Without a group Kafka's tool joins a throwaway one; reading by assignment needs none and
    // gives the same records.
    std::random_device rd;
    props["group.id"] = fmt::format("console-consumer-{}", rd() % 100000);
    if (!props.contains("enable.auto.commit")) props["enable.auto.commit"] = "false";
  }

  property_map formatter_props;
  if (!o.formatter_config.empty()) {
    auto file = load_properties_file(o.formatter_config);
    if (!file) return p.usage_error(file.message());
    formatter_props = std::move(*file);
  }
  if (auto r = add_key_values(formatter_props, o.property); !r) return p.usage_error(r.message());
  message_formatter formatter = message_formatter::from_properties(formatter_props);

  auto consumer = record_consumer::create(*settings);
  if (!consumer) {
    std::fprintf(stderr, "%s\n", consumer.message().c_str());
    return 1;
  }
  install_stop_handler();
  deadline connect_by = consumer->client().make_deadline();
  if (auto c = consumer->client().connect(connect_by); !c) {
    std::fprintf(stderr, "ERROR %s\n", c.message().c_str());
    return finish(0, 1);
  }
  std::optional<std::regex> pattern;
  if (!o.include.empty()) {
    try {
      pattern.emplace(o.include);
    } catch (const std::regex_error&) {
      return p.usage_error(fmt::format("Invalid regular expression '{}'", o.include));
    }
  }
  if (p.has("--partition")) {
    if (auto a = consumer->assign({{o.topic, o.partition}}, start, connect_by); !a) {
      std::fprintf(stderr, "ERROR %s\n", a.message().c_str());
      return finish(0, 1);
    }
  } else if (group_mode) {
    std::string subscription = p.has("--topic") ? o.topic : "^" + o.include;
    if (auto s = consumer->subscribe({subscription}); !s) {
      std::fprintf(stderr, "ERROR %s\n", s.message().c_str());
      return finish(0, 1);
    }
  } else {
    std::vector<std::string> topics;
    if (p.has("--topic")) topics.push_back(o.topic);
    // Wait for the topic to appear as long as the consumer would wait for messages.
    deadline exists_by = o.timeout_ms >= 0
                             ? deadline::after(std::chrono::milliseconds(o.timeout_ms))
                             : deadline::after(std::chrono::hours(24 * 365));
    std::optional<std::vector<std::pair<std::string, int32_t>>> parts;
    while (!parts) {
      auto found = consumer->partitions_of(
          topics, pattern,
          deadline::after(std::chrono::milliseconds(std::min(1000, exists_by.remaining_ms()))));
      if (found) {
        parts = std::move(*found);
      } else if (found.code() != errc::not_found) {
        std::fprintf(stderr, "ERROR %s\n", found.message().c_str());
        return finish(0, 1);
      } else if (exists_by.expired() || stop_requested()) {
        std::fprintf(stderr, "ERROR Error processing message, terminating consumer process: %s\n",
                     found.message().c_str());
        return finish(0, stop_requested() ? 128 + stop_signal() : 0);
      }
    }
    if (auto a = consumer->assign(*parts, start, connect_by); !a) {
      std::fprintf(stderr, "ERROR %s\n", a.message().c_str());
      return finish(0, 1);
    }
  }

  int64_t count = 0;
  bool interactive = stdout_is_terminal();
  auto last_message = std::chrono::steady_clock::now();
  std::string last_error;
  while (o.max_messages < 0 || count < o.max_messages) {
    if (stop_requested()) return finish(count, 128 + stop_signal());
    message_ptr msg = consumer->poll(100);
    if (!msg) {
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
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string text = rd_kafka_message_errstr(msg.get());
      if (text != last_error) std::fprintf(stderr, "WARN %s\n", text.c_str());
      last_error = text;
      continue;
    }
    last_message = std::chrono::steady_clock::now();
    ++count;
    std::string out = formatter.format(to_console_record(*msg));
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() ||
        (interactive && std::fflush(stdout) != 0) || std::ferror(stdout)) {
      std::fprintf(stderr, "Unable to write to standard out, closing consumer.\n");
      break;
    }
  }
  if (group_mode && props["enable.auto.commit"] != "false") consumer->commit();
  return finish(count, 0);
}

}  // namespace sluice::cli
