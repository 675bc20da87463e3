// kafka-transactions: Kafka's tool for the transactional state of producers (KIP-664) — list,
// describe, describe-producers, abort and find-hanging — with Kafka 3.9's argparse4j command
// line, tables, messages and exit codes (0 success, 1 any failure, help included). The requests
// go over txn_admin (raw connections): librdkafka 2.0.2 cannot send them.
#include <fmt/format.h>

#include <cstdio>

#include "cli/client/txn_admin.h"
#include "cli/client/txn_hanging.h"
#include "cli/kafka/kafka_transactions.h"
#include "cli/kafka/transactions_report.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

// Kafka's printErrorAndExit.
int fail_with(std::string_view message) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}
int fail_with(std::string_view message, std::string_view cause) {
  return fail_with(
      fmt::format("{}: {}. Enable debug logging for additional detail.", message, cause));
}

int print_table(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows) {
  std::fputs(kafka_table(headers, rows).c_str(), stdout);
  return 0;
}

}  // namespace

argparse_parser kafka_transactions_parser() {
  argparse_parser p("kafka-transactions.sh",
                    "This tool is used to analyze the transactional state of producers in the "
                    "cluster. It can be used to detect and recover from hanging transactions.",
                    "0.1.0 (Sluice)");
  p.add({{"-v", "--version"},
         "",
         value_type::string,
         false,
         false,
         "show the version of this Kafka distribution and exit",
         "",
         "",
         ""});
  p.add({{"--command-config"},
         "FILE",
         value_type::string,
         true,
         false,
         "property file containing configs to be passed to admin client",
         "",
         "",
         ""});
  p.add({{"--bootstrap-server"},
         "host:port",
         value_type::string,
         true,
         true,
         "hostname and port for the broker to connect to, in the form `host:port`  (multiple "
         "comma-separated entries can be given)",
         "",
         "",
         ""});
  p.commands_title("commands", "COMMAND");
  auto opt = [](std::string flag, value_type type, bool required, std::string help,
                std::string default_value = {}, std::string group = {},
                std::string group_description = {}) {
    return arg_option{{std::move(flag)},
                      "",
                      type,
                      true,
                      required,
                      std::move(help),
                      std::move(default_value),
                      std::move(group),
                      std::move(group_description)};
  };
  p.add_command("list", "list transactions");
  p.add("list", opt("--duration-filter", value_type::int64, false,
                    "Duration (in millis) to filter by: if < 0, all transactions will be "
                    "returned; otherwise, only transactions running longer than this duration "
                    "will be returned"));
  p.add_command("describe", "describe the state of an active transactional-id",
                "Describe the state of an active transactional-id.");
  p.add("describe", opt("--transactional-id", value_type::string, true, "transactional id"));
  p.add_command("describe-producers",
                "describe the states of active producers for a topic partition");
  p.add("describe-producers",
        opt("--broker-id", value_type::int32, false,
            "optional broker id to describe the producer state on a specific replica"));
  p.add("describe-producers", opt("--topic", value_type::string, true, "topic name"));
  p.add("describe-producers", opt("--partition", value_type::int32, true, "partition number"));
  p.add_command("abort", "abort a hanging transaction (requires administrative privileges)");
  p.add("abort", opt("--topic", value_type::string, true, "topic name"));
  p.add("abort", opt("--partition", value_type::int32, true, "partition number"));
  const std::string newer = "Brokers on versions 3.0 and above";
  const std::string newer_about =
      "For newer brokers, only the start offset of the transaction to be aborted is required";
  const std::string older = "Brokers on versions older than 3.0";
  const std::string older_about = "For older brokers, you must provide all of these arguments";
  p.add("abort", opt("--start-offset", value_type::int64, false,
                     "start offset of the transaction to abort", "", newer, newer_about));
  p.add("abort",
        opt("--producer-id", value_type::int64, false, "producer id", "", older, older_about));
  p.add("abort", opt("--producer-epoch", value_type::int16, false, "producer epoch", "", older,
                     older_about));
  p.add("abort", opt("--coordinator-epoch", value_type::int32, false, "coordinator epoch", "",
                     older, older_about));
  p.add_command("find-hanging", "find hanging transactions");
  p.add("find-hanging", opt("--broker-id", value_type::int32, false,
                            "broker id to search for hanging transactions"));
  p.add("find-hanging", opt("--max-transaction-timeout", value_type::int32, false,
                            "maximum transaction timeout in minutes to limit the scope of the "
                            "search (15 minutes by default)",
                            "15"));
  p.add("find-hanging",
        opt("--topic", value_type::string, false,
            "topic name to limit search to (required if --partition is specified)"));
  p.add("find-hanging", opt("--partition", value_type::int32, false, "partition number"));
  return p;
}

namespace {

// The cluster's metadata and a txn_admin over it, within the tool's timeout.
result<txn_admin> open_admin(const parsed_args& a) {
  auto settings =
      make_settings(a.text("bootstrap-server").value_or(""), a.text("command-config").value_or(""));
  if (!settings) return std::move(settings).error();
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return std::move(client).error();
  deadline d = client->make_deadline();
  auto md = client->metadata(d);
  if (!md) return std::move(md).error();
  return txn_admin(std::move(*md), settings->properties, d);
}

topic_partition partition_arg(const parsed_args& a) {
  return {a.text("topic").value_or(""), static_cast<int32_t>(a.number("partition").value_or(0))};
}

int run_list(const parsed_args& a) {
  list_filter filter;
  filter.duration_ms = a.number("duration-filter").value_or(-1);
  auto admin = open_admin(a);
  if (!admin) return fail_with("Failed to list transactions", admin.message());
  auto listings = admin->list(filter);
  if (!listings) return fail_with("Failed to list transactions", listings.message());
  return print_table(list_headers, list_rows(*listings));
}

int run_describe(const parsed_args& a) {
  std::string id = a.text("transactional-id").value_or("");
  std::string what =
      fmt::format("Failed to describe transaction state of transactional-id `{}`", id);
  auto admin = open_admin(a);
  if (!admin) return fail_with(what, admin.message());
  auto d = admin->describe(id);
  if (!d) return fail_with(what, d.message());
  return print_table(describe_headers, {describe_row(*d, now_ms())});
}

int run_describe_producers(const parsed_args& a) {
  topic_partition tp = partition_arg(a);
  std::optional<int32_t> broker;
  if (auto b = a.number("broker-id")) broker = static_cast<int32_t>(*b);
  std::string what =
      fmt::format("Failed to describe producers for partition {} on {}", tp.to_string(),
                  broker ? fmt::format("broker {}", *broker) : std::string("leader"));
  auto admin = open_admin(a);
  if (!admin) return fail_with(what, admin.message());
  auto found = admin->describe_producers({tp}, broker);
  if (!found) return fail_with(what, found.message());
  return print_table(producers_headers, producers_rows(found->front().producers));
}

int run_abort(const parsed_args& a) {
  topic_partition tp = partition_arg(a);
  auto start_offset = a.number("start-offset");
  auto producer_id = a.number("producer-id");
  if (!start_offset && !producer_id) {
    return fail_with(
        "The transaction to abort must be identified either with --start-offset (for brokers on "
        "3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for "
        "older brokers)");
  }
  abort_spec spec;
  spec.partition = tp;
  std::optional<txn_admin> admin;
  if (!start_offset) {
    auto epoch = a.number("producer-epoch");
    if (!epoch) return fail_with("Missing required argument --producer-epoch");
    auto coordinator_epoch = a.number("coordinator-epoch");
    if (!coordinator_epoch) return fail_with("Missing required argument --coordinator-epoch");
    spec.producer_id = *producer_id;
    spec.producer_epoch = static_cast<int16_t>(*epoch);
    // A transaction that hung before its first marker shows coordinator epoch -1; 0 is at most
    // any real epoch, so the marker is accepted.
    spec.coordinator_epoch = static_cast<int32_t>(std::max<int64_t>(0, *coordinator_epoch));
  } else {
    std::string what = "Failed to validate producer state for partition " + tp.to_string();
    auto opened = open_admin(a);
    if (!opened) return fail_with(what, opened.message());
    admin.emplace(std::move(*opened));
    auto found = admin->describe_producers({tp}, std::nullopt);
    if (!found) return fail_with(what, found.message());
    const producer_state* open = nullptr;
    for (const producer_state& p : found->front().producers) {
      if (p.txn_start_offset == start_offset) {
        open = &p;
        break;
      }
    }
    if (open == nullptr) {
      return fail_with(
          fmt::format("Could not find any open transactions starting at offset {} on partition {}",
                      *start_offset, tp.to_string()));
    }
    spec.producer_id = open->producer_id;
    spec.producer_epoch = static_cast<int16_t>(open->producer_epoch);
    spec.coordinator_epoch = open->coordinator_epoch.value_or(0);
  }
  std::string what = "Failed to abort transaction " + spec.to_string();
  if (!admin) {
    auto opened = open_admin(a);
    if (!opened) return fail_with(what, opened.message());
    admin.emplace(std::move(*opened));
  }
  if (auto r = admin->abort(spec); !r) return fail_with(what, r.message());
  return 0;
}

int run_find_hanging(const parsed_args& a) {
  std::optional<int32_t> broker;
  if (auto b = a.number("broker-id")) broker = static_cast<int32_t>(*b);
  if (!a.has("topic") && !broker) {
    return fail_with(
        "The `find-hanging` command requires either --topic or --broker-id to limit the scope of "
        "the search");
  }
  if (a.has("partition") && !a.has("topic")) {
    return fail_with("The --partition argument requires --topic to be provided");
  }
  int64_t max_timeout_ms = a.number("max-transaction-timeout").value_or(15) * 60'000;
  auto admin = open_admin(a);
  if (!admin) {
    return fail_with(a.has("topic") ? "Failed to describe 1 topics" : "Failed to list topics",
                     admin.message());
  }
  // The partition given, or those of the topic (or of every topic) that the broker leads:
  // Kafka's tool takes the broker's replicas, but Sluice answers DescribeProducers on leaders.
  std::vector<topic_partition> partitions = {partition_arg(a)};
  if (!a.has("partition")) {
    std::vector<std::string> topics;
    if (auto t = a.text("topic")) topics.push_back(*t);
    auto led = partitions_led_by(admin->metadata(), topics, broker);
    if (!led) {
      return fail_with(fmt::format("Failed to describe {} topics",
                                   topics.empty() ? admin->metadata().topics.size() : 1),
                       "This server does not host this topic-partition.");
    }
    partitions = std::move(*led);
  }
  auto hanging = find_hanging_txns(*admin, partitions, broker, max_timeout_ms, now_ms());
  if (!hanging)
    return fail_with(hanging.message() + ". Enable debug logging for additional detail.");
  return print_table(hanging_headers, hanging_rows(*hanging, now_ms()));
}

}  // namespace

int kafka_transactions_main(const args_t& args) {
  argparse_parser parser = kafka_transactions_parser();
  parse_outcome parsed = parser.parse(args);
  std::fputs(parsed.out.c_str(), stdout);
  std::fputs(parsed.err.c_str(), stderr);
  if (!parsed.args) return parsed.exit_code;
  const parsed_args& a = *parsed.args;
  // Kafka builds its Admin client, reading --command-config, before running the command.
  if (auto file = a.text("command-config")) {
    if (auto props = load_properties_file(*file); !props) {
      return fail_with("Failed to load admin client properties", props.message());
    }
  }
  if (a.command == "list") return run_list(a);
  if (a.command == "describe") return run_describe(a);
  if (a.command == "describe-producers") return run_describe_producers(a);
  if (a.command == "abort") return run_abort(a);
  if (a.command == "find-hanging") return run_find_hanging(a);
  return fail_with("Unexpected command " + a.command);
}

}  // namespace sluice::cli
