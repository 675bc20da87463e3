// kafka-consumer-groups' text: the describe tables (offsets, members, state), the group list, the
// reset plan and its CSV, plus the parsers of its arguments (topic:partitions, ISO date-times and
// durations, reset-plan CSV). Pure functions over plain rows, unit-tested on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/admin.h"
#include "cli/errors.h"

namespace sluice::cli {

inline constexpr std::string_view missing_column = "-";

// One row of `--describe` (offsets): optional columns print as "-".
struct offset_row {
  std::string group;
  std::optional<std::string> topic;
  std::optional<int32_t> partition;
  std::optional<int64_t> current_offset;
  std::optional<int64_t> log_end_offset;
  std::optional<int64_t> lag;
  std::string consumer_id = std::string(missing_column);
  std::string host = std::string(missing_column);
  std::string client_id = std::string(missing_column);
};

// The rows of one group: members' assigned partitions (members with the most partitions first),
// then committed partitions no member holds. `end_offsets` gives log end offsets by partition.
std::vector<offset_row> group_offset_rows(const group_description& group,
                                          const std::vector<partition_offset>& committed,
                                          const std::vector<partition_offset>& end_offsets);

std::string format_offset_table(const std::vector<offset_row>& rows);
std::string format_members_table(const group_description& group, bool verbose);
std::string format_state_table(const group_description& group);
std::string format_group_list(const std::vector<group_listing>& groups, bool with_type,
                              bool with_state);
// The reset plan: GROUP TOPIC PARTITION NEW-OFFSET, and its CSV export.
std::string format_reset_plan(
    const std::vector<std::pair<std::string, std::vector<partition_offset>>>& plan);
std::string format_reset_csv(
    const std::vector<std::pair<std::string, std::vector<partition_offset>>>& plan,
    bool single_group);

// "topic" or "topic:0,1,2": the topic, and the partitions when given.
result<std::pair<std::string, std::vector<int32_t>>> parse_topic_partitions(std::string_view arg);
// Kafka's --to-datetime: 'YYYY-MM-DDTHH:mm:SS.sss' with an optional zone (Z, +hh:mm, -hhmm);
// UTC when none. Milliseconds since the epoch.
result<int64_t> parse_datetime(std::string_view text);
// Kafka's --by-duration: ISO-8601 'PnDTnHnMnS' (fractions of seconds allowed). Milliseconds.
result<int64_t> parse_iso_duration(std::string_view text);
// A reset plan CSV: "topic,partition,offset" lines (for `default_group`) or
// "group,topic,partition,offset" lines.
result<std::vector<std::pair<std::string, std::vector<partition_offset>>>> parse_reset_csv(
    std::string_view text, const std::string& default_group);

}  // namespace sluice::cli
