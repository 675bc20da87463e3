// kafka-verifiable-consumer: Kafka 3.9's VerifiableConsumer, the group consumer Kafka's system
// tests drive. It joins --group-id, subscribes to --topic and prints one JSON object per line:
// startup_complete; partitions_assigned and partitions_revoked (topic, partition) at each
// rebalance; records_consumed (count, and per partition count, minOffset, maxOffset) for each
// batch a poll returned, with record_data per record under --verbose; offsets_committed
// (offsets, success, error) after each synchronous commit of a batch unless
// --enable-autocommit; and shutdown_complete once --max-messages records were consumed or on
// SIGINT/SIGTERM (after the consumer closed and gave its partitions up, as Kafka's does).
// Every object starts with "timestamp" and "name".
//
// A batch is what one Java poll returns: here the records librdkafka has ready, up to
// max.poll.records (500), collected with a short wait. --group-protocol consumer needs a
// librdkafka with KIP-848 (2.4+); Debian's 2.0.2 refuses it, and the tool says so.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include "cli/consumer.h"
#include "cli/kafka/argparse.h"
#include "cli/kafka/verifiable_events.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

nlohmann::ordered_json partitions_json(const rd_kafka_topic_partition_list_t* parts) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (int i = 0; parts != nullptr && i < parts->cnt; ++i) {
    nlohmann::ordered_json p;
    p["topic"] = parts->elems[i].topic;
    p["partition"] = parts->elems[i].partition;
    out.push_back(std::move(p));
  }
  return out;
}

// The rebalance listener: prints each assignment change, then applies it (incrementally under
// the cooperative protocol).
void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                  void*) {
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    auto j = verifiable_event("partitions_assigned");
    j["partitions"] = partitions_json(parts);
    print_event(j);
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, parts);
    }
  } else {
    auto j = verifiable_event("partitions_revoked");
    j["partitions"] = partitions_json(parts);
    print_event(j);
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }
}

// Kafka's assignor class names (or their short names) as librdkafka's strategies.
std::optional<std::string> assignment_strategy(std::string_view java) {
  if (auto dot = java.rfind('.'); dot != std::string_view::npos) java.remove_prefix(dot + 1);
  if (java == "RangeAssignor" || java == "range") return "range";
  if (java == "RoundRobinAssignor" || java == "roundrobin") return "roundrobin";
  if (java == "CooperativeStickyAssignor" || java == "cooperative-sticky")
    return "cooperative-sticky";
  return std::nullopt;
}

argparse_parser verifiable_consumer_parser() {
  argparse_parser p("verifiable-consumer",
                    "This tool consumes messages from a specific topic and emits consumer events "
                    "(e.g. group rebalances, received messages, and offsets committed) as JSON "
                    "objects to STDOUT.",
                    "");
  add_connection_options(p,
                         "REQUIRED unless --broker-list(deprecated) is specified. The server(s) to "
                         "connect to. Comma-separated list of Kafka brokers in the form "
                         "HOST1:PORT1,HOST2:PORT2,...");
  p.add({.flags = {"--topic"},
         .metavar = "TOPIC",
         .required = true,
         .help = "Consumes messages from this topic."});
  p.add({.flags = {"--group-protocol"},
         .metavar = "GROUP_PROTOCOL",
         .help = "Group protocol (must be one of CLASSIC, CONSUMER)",
         .default_value = "classic"});
  p.add({.flags = {"--group-remote-assignor"},
         .metavar = "GROUP_REMOTE_ASSIGNOR",
         .help = "Group remote assignor; only used if the group protocol is CONSUMER"});
  p.add({.flags = {"--group-id"},
         .metavar = "GROUP_ID",
         .required = true,
         .help = "The groupId shared among members of the consumer group"});
  p.add({.flags = {"--group-instance-id"},
         .metavar = "GROUP_INSTANCE_ID",
         .help = "A unique identifier of the consumer instance"});
  p.add({.flags = {"--max-messages"},
         .metavar = "MAX-MESSAGES",
         .type = value_type::int32,
         .help = "Consume this many messages. If -1 (the default), the consumer will consume "
                 "until the process is killed externally",
         .default_value = "-1"});
  p.add({.flags = {"--session-timeout"},
         .metavar = "TIMEOUT_MS",
         .type = value_type::int32,
         .help = "Set the consumer's session timeout",
         .default_value = "30000"});
  p.add({.flags = {"--verbose"},
         .takes_value = false,
         .help = "Enable to log individual consumed records"});
  p.add({.flags = {"--enable-autocommit"},
         .takes_value = false,
         .help = "Enable offset auto-commit on consumer"});
  p.add({.flags = {"--reset-policy"},
         .metavar = "RESET_POLICY",
         .help = "Set reset policy (must be either 'earliest', 'latest', or 'none'",
         .default_value = "earliest"});
  p.add({.flags = {"--assignment-strategy"},
         .metavar = "ASSIGNMENT_STRATEGY",
         .help = "Set assignment strategy (e.g. "
                 "org.apache.kafka.clients.consumer.RoundRobinAssignor); only used if the group "
                 "protocol is CLASSIC",
         .default_value = "org.apache.kafka.clients.consumer.RangeAssignor"});
  p.add({.flags = {"--consumer.config"},
         .metavar = "CONFIG_FILE",
         .help = "Consumer config properties file (config options shared with command line "
                 "parameters will be overridden)."});
  return p;
}

constexpr size_t max_poll_records = 500;  // Kafka's max.poll.records default

}  // namespace

int kafka_verifiable_consumer_main(const args_t& args) {
  argparse_parser parser = verifiable_consumer_parser();
  auto parsed = parse_verifiable_args(parser, args);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const parsed_args& a = std::get<verifiable_args>(parsed).args;
  const std::string& brokers = std::get<verifiable_args>(parsed).brokers;
  const std::string topic = *a.text("topic");
  const int64_t max_messages = *a.number("max-messages");
  const bool verbose = a.has("verbose"), auto_commit = a.has("enable-autocommit");

  auto settings = make_settings(brokers, a.text("consumer.config").value_or(""));
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.message().c_str());
    return 1;
  }
  // The tool's settings, then the config file's over them (as Kafka's tool puts them).
  auto& props = settings->properties;
  props.try_emplace("group.id", *a.text("group-id"));
  if (auto instance = a.text("group-instance-id"))
    props.try_emplace("group.instance.id", *instance);
  props.try_emplace("enable.auto.commit", auto_commit ? "true" : "false");
  props.try_emplace("auto.offset.reset", *a.text("reset-policy"));
  props.try_emplace("session.timeout.ms", std::to_string(*a.number("session-timeout")));
  std::string protocol = *a.text("group-protocol");
  for (char& c : protocol) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (protocol != "classic" && protocol != "consumer") {
    std::fprintf(stderr, "verifiable-consumer: error: argument --group-protocol: %s\n",
                 "must be one of CLASSIC, CONSUMER");
    return 1;
  }
  if (protocol == "consumer") {
    props.try_emplace("group.protocol", "consumer");
    if (auto remote = a.text("group-remote-assignor"))
      props.try_emplace("group.remote.assignor", *remote);
  } else {
    auto strategy = assignment_strategy(*a.text("assignment-strategy"));
    if (!strategy) {
      std::fprintf(stderr, "Class %s cannot be found\n", a.text("assignment-strategy")->c_str());
      return 1;
    }
    props.try_emplace("partition.assignment.strategy", *strategy);
  }
  settings->rebalance = on_rebalance;

  auto consumer = record_consumer::create(*settings);
  if (!consumer) {
    std::fprintf(stderr, "%s\n", consumer.message().c_str());
    return 1;
  }
  install_stop_handler();
  print_event(verifiable_event("startup_complete"));
  if (auto s = consumer->subscribe({topic}); !s) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  rd_kafka_t* rk = consumer->client().get();
  int64_t consumed = 0;
  auto finished = [&] { return max_messages >= 0 && consumed >= max_messages; };
  while (!finished() && !stop_requested()) {
    // One "poll": the records ready now, in the order librdkafka hands them out.
    std::vector<message_ptr> batch;
    for (message_ptr m = consumer->poll(100); m; m = consumer->poll(batch.empty() ? 100 : 0)) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::fprintf(stderr, "%s\n", rd_kafka_message_errstr(m.get()));
        continue;
      }
      batch.push_back(std::move(m));
      if (batch.size() >= max_poll_records) break;
    }
    if (batch.empty()) continue;
    // Per partition, in first-seen order: the records up to --max-messages.
    struct summary {
      std::string topic;
      int32_t partition;
      int64_t count = 0, min_offset = 0, max_offset = 0;
    };
    std::vector<summary> summaries;
    std::map<std::pair<std::string, int32_t>, size_t> index;
    for (const auto& m : batch) {
      if (finished()) break;
      const std::string t = rd_kafka_topic_name(m->rkt);
      auto [it, fresh] = index.try_emplace({t, m->partition}, summaries.size());
      if (fresh) summaries.push_back({t, m->partition, 0, m->offset, m->offset});
      summary& s = summaries[it->second];
      ++s.count;
      s.max_offset = m->offset;
      ++consumed;
      if (verbose) {
        auto r = verifiable_event("record_data");
        r["key"] =
            m->key
                ? nlohmann::ordered_json(std::string(static_cast<const char*>(m->key), m->key_len))
                : nlohmann::ordered_json(nullptr);
        r["value"] =
            m->payload
                ? nlohmann::ordered_json(std::string(static_cast<const char*>(m->payload), m->len))
                : nlohmann::ordered_json(nullptr);
        r["topic"] = t;
        r["partition"] = m->partition;
        r["offset"] = m->offset;
        print_event(r);
      }
    }
    auto j = verifiable_event("records_consumed");
    j["count"] = batch.size();
    j["partitions"] = nlohmann::ordered_json::array();
    for (const auto& s : summaries) {
      nlohmann::ordered_json p;
      p["topic"] = s.topic;
      p["partition"] = s.partition;
      p["count"] = s.count;
      p["minOffset"] = s.min_offset;
      p["maxOffset"] = s.max_offset;
      j["partitions"].push_back(std::move(p));
    }
    print_event(j);
    if (auto_commit || summaries.empty()) continue;
    rd_kafka_topic_partition_list_t* offsets =
        rd_kafka_topic_partition_list_new(static_cast<int>(summaries.size()));
    for (const auto& s : summaries)
      rd_kafka_topic_partition_list_add(offsets, s.topic.c_str(), s.partition)->offset =
          s.max_offset + 1;
    const rd_kafka_resp_err_t err = rd_kafka_commit(rk, offsets, 0);
    auto c = verifiable_event("offsets_committed");
    c["offsets"] = nlohmann::ordered_json::array();
    for (const auto& s : summaries) {
      nlohmann::ordered_json o;
      o["topic"] = s.topic;
      o["partition"] = s.partition;
      o["offset"] = s.max_offset + 1;
      c["offsets"].push_back(std::move(o));
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) c["error"] = kafka_error_message(err, "");
    c["success"] = err == RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_topic_partition_list_destroy(offsets);
    print_event(c);
  }
  rd_kafka_consumer_close(rk);  // leaves the group: partitions_revoked is printed first
  print_event(verifiable_event("shutdown_complete"));
  return 0;
}

}  // namespace sluice::cli
