// The modern `sluice` CLI: its options as plain structs and one entry point per command. The
// argument parsing (CLI11) lives in sluice_app.cc only; the commands live in sluice_*.cc.
// Exit codes: 0 success, 1 failure, 2 wrong usage.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "cli/output.h"
#include "cli/record_format.h"

namespace sluice::cli {

struct global_options {
  std::string brokers;                // -b/--brokers; else $SLUICE_BROKERS, else localhost:9092
  std::vector<std::string> settings;  // -X key=value client settings
  std::string config_file;            // --config: a client .properties file
  output_format format = output_format::text;
  int64_t timeout_ms = 30000;
  bool verbose = false;
  // Client settings from all of the above.
  result<client_settings> client() const;
};

struct topic_create_options {
  std::vector<std::string> names;
  int32_t partitions = -1, replicas = -1;
  std::vector<std::string> configs;
  bool if_not_exists = false;
};
struct topic_delete_options {
  std::vector<std::string> names;
  bool if_exists = false;
};
struct topic_list_options {
  bool internal = false;
};
struct topic_describe_options {
  std::vector<std::string> names;
  bool all_configs = false;
};
struct topic_alter_config_options {
  std::string name;
  std::vector<std::string> set, remove;
};

struct produce_options {
  std::string topic;
  std::vector<std::string> values;  // given on the command line; else lines from stdin
  std::string key;
  bool has_key = false;
  std::vector<std::string> headers;  // key=value
  int32_t partition = -1;
  std::string input_format = "%v";  // how a stdin line splits into %k key and %v value
  std::string compression = "none";
  std::string acks = "all";
  bool sync = false;
};

struct consume_options {
  std::vector<std::string> topics;
  std::string from = "start";  // start, end, an offset, -N (N before the end), @timestamp-ms
  int64_t count = -1;
  std::string group;
  std::vector<int32_t> partitions;
  std::string output_format = "%v\\n";
  int64_t idle_timeout_ms = -1;
  // read_uncommitted (every record) unless --isolation-level, --read-committed or
  // -X isolation.level say otherwise.
  std::string isolation_level;
  bool read_committed = false;
};

struct group_reset_options {
  std::string group;
  std::vector<std::string> topics;
  std::string to;  // earliest, latest, an offset, @timestamp-ms
  bool execute = false;
};

struct perf_produce_options {
  std::string topic;
  int64_t records = 100000;
  int32_t size = 100;
  double rate = -1;
  std::string acks = "all";
  std::string compression = "none";
};
struct perf_consume_options {
  std::string topic;
  int64_t records = 100000;
  std::string group;
  int64_t timeout_ms = 10000;
};

struct txn_list_options {
  std::vector<std::string> states;    // only these states (Ongoing, CompleteCommit, ...)
  std::vector<int64_t> producer_ids;  // only these producers
  std::string older_than;             // only transactions running longer (30s, 15m, ...)
  int64_t older_than_ms = -1;
};
struct txn_producers_options {
  std::string topic;
  std::vector<int32_t> partitions;  // default: all of the topic's
  int32_t broker = -1;              // ask this replica instead of each leader
};
struct txn_hanging_options {
  std::vector<std::string> topics;  // default: every topic
  std::vector<int32_t> partitions;  // with one topic only
  int32_t broker = -1;              // only the partitions this broker leads
  std::string older_than = "15m";   // the longest transaction timeout in use
  int64_t older_than_ms = 15 * 60'000;
};
struct txn_abort_options {
  std::string topic;
  int32_t partition = -1;
  int64_t start_offset = -1;  // the open transaction's first offset (see txn producers)
};

int run_cluster_info(const global_options& g);
int run_topic_create(const global_options& g, const topic_create_options& o);
int run_topic_delete(const global_options& g, const topic_delete_options& o);
int run_topic_list(const global_options& g, const topic_list_options& o);
int run_topic_describe(const global_options& g, const topic_describe_options& o);
int run_topic_alter_config(const global_options& g, const topic_alter_config_options& o);
int run_produce(const global_options& g, const produce_options& o);
int run_consume(const global_options& g, const consume_options& o);
int run_group_list(const global_options& g);
int run_group_describe(const global_options& g, const std::vector<std::string>& groups);
int run_group_reset(const global_options& g, const group_reset_options& o);
int run_group_delete(const global_options& g, const std::vector<std::string>& groups);
int run_perf_produce(const global_options& g, const perf_produce_options& o);
int run_perf_consume(const global_options& g, const perf_consume_options& o);
int run_txn_list(const global_options& g, const txn_list_options& o);
int run_txn_describe(const global_options& g, const std::vector<std::string>& ids);
int run_txn_producers(const global_options& g, const txn_producers_options& o);
int run_txn_hanging(const global_options& g, const txn_hanging_options& o);
int run_txn_abort(const global_options& g, const txn_abort_options& o);

// Prints "sluice: <message>" to stderr (in JSON mode {"error": ...} to stdout too) and returns 1.
int report_error(const global_options& g, std::string_view message);

// Format strings of produce and consume: %t topic, %p partition, %o offset, %k key, %v value,
// %T timestamp (ms), %h headers (k=v,...), %% a percent sign, and \n \t \\ escapes.
std::string format_record(std::string_view format, const console_record& r);
// Splits one input line by a format made of %k, %v and literal text; nullopt when it does not fit.
std::optional<std::pair<std::optional<std::string>, std::string>> parse_with_format(
    std::string_view format, std::string_view line);

}  // namespace sluice::cli
