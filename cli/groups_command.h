// Internal to kafka-consumer-groups: its options and what its two source files share
// (kafka_consumer_groups.cc: parsing, list, describe, delete; group_offsets_command.cc:
// --reset-offsets and --delete-offsets).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/admin.h"
#include "cli/client.h"
#include "cli/kafka_args.h"

namespace sluice::cli {

struct groups_options {
  std::string bootstrap_server, command_config, to_datetime, by_duration, from_file, state, type;
  std::string isolation_level = "read_uncommitted";
  std::vector<std::string> group, topic;
  int64_t timeout = 5000, to_offset = 0, shift_by = 0;
  bool list = false, describe = false, del = false, reset = false, delete_offsets = false;
  bool all_groups = false, all_topics = false, dry_run = false, execute = false, do_export = false;
  bool to_earliest = false, to_latest = false, to_current = false;
  bool members = false, verbose = false, offsets = false;
};

struct groups_context {
  kafka_client& client;
  const groups_options& o;
  const kafka_tool_parser& p;
  deadline next_deadline() const { return deadline::after(std::chrono::milliseconds(o.timeout)); }
};

// Kafka prints a failed command as "\nError: Executing consumer group command failed due to
// <message>" and exits 0; returns that exit code.
int command_failed(std::string_view message);

// The groups --group names, or every group with --all-groups.
result<std::vector<std::string>> selected_groups(groups_context& ctx);

// The partitions --topic names (all partitions of a topic given without any).
result<std::vector<std::pair<std::string, int32_t>>> topic_scope(groups_context& ctx);
// The new offsets of `group` for `scope` by the chosen target (--to-earliest/-latest/-offset/
// -datetime/-current, --shift-by, --by-duration), or its part of a --from-file plan; `current`
// holds the offsets --to-current and --shift-by start from (committed offsets, or a share
// group's start offsets). Offsets outside the log are clamped, warning as Kafka does.
result<std::vector<partition_offset>> plan_reset(
    groups_context& ctx, const std::string& group,
    const std::vector<std::pair<std::string, int32_t>>& scope,
    const std::vector<partition_offset>& current,
    const std::vector<std::pair<std::string, std::vector<partition_offset>>>* file_plan);

int run_reset_offsets(groups_context& ctx);
int run_delete_offsets(groups_context& ctx);

}  // namespace sluice::cli
