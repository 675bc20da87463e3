// A deterministic driver for txn_coordinator_core in tests: a fake clock (now, advance), a fake
// __transaction_state log (appends complete at once, or are held until the test decides), a fake
// marker channel (markers are held until the test reports them), a producer id counter, and
// helpers that build requests and capture their responses.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "transaction/txn_coordinator_core.h"

namespace sluice::transaction::testing {

using protocol::error_code;

inline int16_t ec(error_code e) {
  return static_cast<int16_t>(e);
}

// A response slot: filled when the completion runs; `calls` counts how often it ran.
template <class R>
struct reply {
  std::shared_ptr<std::optional<R>> value = std::make_shared<std::optional<R>>();
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  bool done() const { return value->has_value(); }
  const R& operator*() const {
    EXPECT_TRUE(done()) << "no response yet";
    return **value;
  }
  const R* operator->() const { return &**this; }
  completion<R> sink() const {
    return [v = value, c = calls](R r) {
      ++*c;
      *v = std::move(r);
    };
  }
};

inline txn_config test_config() {
  txn_config c;
  c.state_log_partitions = 4;
  return c;
}

// A producer as InitProducerId answered it.
struct producer {
  int64_t pid = -1;
  int16_t epoch = -1;
};

class harness {
 public:
  explicit harness(txn_config config = test_config(), bool load_all = true);

  txn_coordinator_core core;
  int64_t now = 1'700'000'000'000;
  bool auto_complete = true;                       // appends succeed as soon as they are made
  std::vector<append_request> held;                // appends made while auto_complete is off
  std::map<int32_t, std::vector<log_record>> log;  // what was written, per partition
  std::vector<marker_request> markers;             // markers asked for and not yet reported
  std::vector<uint64_t> cancelled;                 // markers the core no longer wants
  int64_t next_pid = 1000;
  bool pids_available = true;
  std::set<topic_partition> missing;  // partitions partition_exists denies

  // Runs the ready responses, collects markers and (with auto_complete) completes appends, until
  // quiet.
  void drain();
  // Moves the clock and fires what fell due.
  void advance(int64_t ms);
  // Completes the held appends with `status` (ok ones are written to `log`).
  void complete_held(append_status status = append_status::ok);
  void load(int32_t partition, int32_t epoch = 0);
  void unload(int32_t partition) { core.unload(partition, std::nullopt); }
  // Unloads `partition` and loads it again from `log` at the next epoch.
  void reload(int32_t partition);
  // Writes `value` for `id` straight into the log and reloads its partition: an id in any state.
  void seed(const std::string& id, const txn_record& value);
  int32_t partition_of(const std::string& id) const { return core.partition_for(id); }
  // Reports every partition of every outstanding marker with `outcome`.
  void finish_markers(marker_outcome outcome = marker_outcome::written);
  // The decoded records written for `id`, in order (nullopt: tombstone).
  std::vector<std::optional<txn_record>> records_of(const std::string& id);

  reply<protocol::init_producer_id_response> init(std::optional<std::string> id,
                                                  int32_t timeout_ms = 60'000, int64_t pid = -1,
                                                  int16_t epoch = -1, int16_t version = 4);
  // InitProducerId that must succeed.
  producer init_ok(const std::string& id, int32_t timeout_ms = 60'000);
  reply<protocol::add_partitions_to_txn_response> add(const std::string& id, producer p,
                                                      std::vector<topic_partition> tps,
                                                      int16_t version = 3);
  // A v4 batch of one transaction.
  reply<protocol::add_partitions_to_txn_response> add_v4(const std::string& id, producer p,
                                                         std::vector<topic_partition> tps,
                                                         bool verify_only);
  reply<protocol::add_offsets_to_txn_response> add_offsets(const std::string& id, producer p,
                                                           const std::string& group,
                                                           int16_t version = 3);
  reply<protocol::end_txn_response> end(const std::string& id, producer p, bool commit,
                                        int16_t version = 3);
  reply<protocol::describe_transactions_response> describe(std::vector<std::string> ids);
  reply<protocol::list_transactions_response> list(std::vector<std::string> states = {},
                                                   std::vector<int64_t> pids = {},
                                                   int64_t duration = -1);

  // A producer with an ongoing transaction over `tps`.
  producer begin(const std::string& id, std::vector<topic_partition> tps);
};

// The error of every partition in a v0-3 AddPartitionsToTxn response, by partition.
std::map<topic_partition, int16_t> partition_errors(
    const protocol::add_partitions_to_txn_response& r);
// The same for the one transaction of a v4 response.
std::map<topic_partition, int16_t> partition_errors_v4(
    const protocol::add_partitions_to_txn_response& r);

}  // namespace sluice::transaction::testing
