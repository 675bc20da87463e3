// A small layer over librdkafka's consumer for the tools that read records (console consumer,
// perf test, `sluice consume`): a group subscription or a manual assignment of partitions at
// chosen start positions, polling, and records copied out as console_record.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "cli/admin.h"
#include "cli/client.h"
#include "cli/record_format.h"

namespace sluice::cli {

// Where an assigned partition starts.
struct start_position {
  enum class kind { beginning, end, offset, timestamp, stored } at = kind::end;
  int64_t value = 0;  // the offset or the timestamp (ms)
};

class record_consumer {
 public:
  static result<record_consumer> create(const client_settings& settings);

  // Joins the settings' group.id and subscribes to topics or (`^`-prefixed) regular expressions.
  result<void> subscribe(const std::vector<std::string>& topics);
  // Consumes the given partitions without a group, each from `start`.
  result<void> assign(const std::vector<std::pair<std::string, int32_t>>& partitions,
                      start_position start, deadline d);
  // Consumes the given partitions without a group, each from its own offset.
  result<void> assign_offsets(const std::vector<partition_offset>& partitions);
  // Every partition of `topics` (waiting up to `d` for them to exist), for assign().
  result<std::vector<std::pair<std::string, int32_t>>> partitions_of(
      const std::vector<std::string>& topics, const std::optional<std::regex>& pattern, deadline d);

  // One message or error event, or null after `timeout_ms`.
  message_ptr poll(int timeout_ms);
  // Commits the current positions synchronously (group mode).
  void commit();

  kafka_client& client() { return *client_; }

 private:
  std::unique_ptr<kafka_client> client_;
};

// A copy of a consumed message in the tools' record form.
console_record to_console_record(const rd_kafka_message_t& msg);

}  // namespace sluice::cli
