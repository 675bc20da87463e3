// A deterministic driver for coordinator_core in tests: a fake clock (now, advance), a fake
// __consumer_offsets log (appends complete at once, or are held until the test decides), and
// helpers that build requests and capture their responses.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/coordinator_core.h"

namespace sluice::coordinator::testing {

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

struct join_options {
  int16_t version = 5;
  std::string client_id = "client";
  std::optional<std::string> instance_id;
  int32_t session_timeout_ms = 10'000;
  int32_t rebalance_timeout_ms = 30'000;
  std::string protocol_type = "consumer";
  std::vector<std::pair<std::string, protocol::bytes>> protocols = {{"range", {1, 2, 3}}};
};

inline coordinator_config test_config() {
  coordinator_config c;
  c.offsets_topic_partitions = 4;
  c.initial_rebalance_delay_ms = 0;
  c.min_session_timeout_ms = 1'000;
  c.max_session_timeout_ms = 60'000;
  return c;
}

// Consumer-protocol subscription bytes (version 0) for `topics`.
protocol::bytes subscription(const std::vector<std::string>& topics);

class harness {
 public:
  explicit harness(coordinator_config config = test_config(), coordinator_hooks hooks = {},
                   bool load_all = true);

  coordinator_core core;
  int64_t now = 1'700'000'000'000;
  bool auto_complete = true;                       // appends succeed as soon as they are made
  std::vector<append_request> held;                // appends made while auto_complete is off
  std::map<int32_t, std::vector<log_record>> log;  // what was written, per partition

  // Runs the ready responses and (with auto_complete) completes appends, until quiet.
  void drain();
  // Moves the clock and fires what fell due.
  void advance(int64_t ms);
  // Completes the held appends with `status` (ok ones are written to `log`).
  void complete_held(append_status status = append_status::ok);
  void load(int32_t partition, int32_t epoch = 0);
  int32_t partition_of(const std::string& group) const { return core.partition_for(group); }

  reply<protocol::join_group_response> join(const std::string& group, const std::string& member,
                                            const join_options& o = {});
  // The v4+ two-step join for a new dynamic member: returns the assigned member id and the
  // parked second JoinGroup.
  std::pair<std::string, reply<protocol::join_group_response>> join_new(const std::string& group,
                                                                        const join_options& o = {});
  reply<protocol::sync_group_response> sync(
      const std::string& group, const std::string& member, int32_t generation,
      std::vector<std::pair<std::string, protocol::bytes>> assignments = {}, int16_t version = 3,
      std::optional<std::string> instance_id = std::nullopt);
  reply<protocol::heartbeat_response> heartbeat(
      const std::string& group, const std::string& member, int32_t generation, int16_t version = 3,
      std::optional<std::string> instance_id = std::nullopt);
  reply<protocol::leave_group_response> leave(const std::string& group, const std::string& member,
                                              int16_t version = 1);
  reply<protocol::leave_group_response> leave_batch(
      const std::string& group,
      std::vector<std::pair<std::string, std::optional<std::string>>> members, int16_t version = 3);
  reply<protocol::offset_commit_response> commit(
      const std::string& group, const std::string& member, int32_t generation,
      std::vector<std::tuple<std::string, int32_t, int64_t>> offsets, int16_t version = 7,
      std::optional<std::string> instance_id = std::nullopt, std::string metadata = "");
  reply<protocol::offset_fetch_response> fetch(
      const std::string& group,
      std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> topics,
      int16_t version = 7, bool require_stable = false);
  // The committed offset of one partition as OffsetFetch v7 reports it (-1: none).
  int64_t committed(const std::string& group, const std::string& topic, int32_t partition);

  // A stable group with the given members (dynamic, joined with v3 so no two-step), each
  // assigned `assignment:<index>`. Returns the member ids in join order and the generation.
  struct stable_group {
    std::vector<std::string> members;
    int32_t generation = 0;
  };
  stable_group make_stable(const std::string& group, size_t count, const join_options& o = {});
};

}  // namespace sluice::coordinator::testing
