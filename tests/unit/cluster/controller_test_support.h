// Test support for controller_state: an in-memory stand-in for the partition state znodes
// (create / conditional set with zkVersions, as ZooKeeper does them) and a driver loop that
// performs a step's writes and feeds the results back until none remain, collecting requests
// and replies.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cluster/controller_state.h"

namespace sluice::cluster::testing {

inline broker_info broker_named(int32_t id, std::optional<std::string> rack = std::nullopt) {
  broker_info b;
  b.id = id;
  b.endpoints.push_back({"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 9090 + id});
  b.rack = std::move(rack);
  return b;
}

inline live_broker live(int32_t id, int64_t epoch = 100) {
  return {broker_named(id), epoch + id};
}

inline protocol::uuid uuid_of(uint8_t n) {
  protocol::uuid u;
  u.value[15] = n;
  u.value[0] = 1;
  return u;
}

struct fake_state_znodes {
  using key = std::pair<std::string, int32_t>;
  std::map<key, stored_partition_state> nodes;
  // What the topic znodes' partition entries hold after assignment writes (replicas, adding,
  // removing), and how many such writes were made.
  std::map<key, partition_view> assignments;
  int assignment_writes = 0;
  // A hook to check every successful write against what it replaces (previous may be null).
  std::function<void(const key&, const stored_partition_state* previous,
                     const zk_layout::leader_and_isr& next)>
      on_write;

  state_write_result apply(const state_write& w) {
    const key k{w.topic, w.partition};
    auto it = nodes.find(k);
    state_write_result r;
    const bool matches = w.expected_version
                             ? (it != nodes.end() && it->second.version == *w.expected_version)
                             : it == nodes.end();
    if (!matches) {
      if (it != nodes.end()) r.current = it->second;
      return r;
    }
    if (on_write) on_write(k, it == nodes.end() ? nullptr : &it->second, w.state);
    const int32_t version = it == nodes.end() ? 0 : it->second.version + 1;
    nodes[k] = stored_partition_state{w.state, version};
    r.ok = true;
    r.new_version = version;
    return r;
  }

  // Performs the writes of `actions` (and of whatever they lead to) and returns everything else.
  controller_actions drive(controller_state& controller, controller_actions actions) {
    controller_actions collected;
    record_assignments(actions);
    while (!actions.state_writes.empty()) {
      std::vector<state_write_result> results;
      for (const auto& w : actions.state_writes) results.push_back(apply(w));
      actions.state_writes.clear();
      collected.append(std::move(actions));
      actions = controller.writes_done(results);
      record_assignments(actions);
    }
    collected.append(std::move(actions));
    return collected;
  }

  void record_assignments(const controller_actions& actions) {
    for (const auto& w : actions.assignment_writes) {
      ++assignment_writes;
      for (const auto& [p, view] : w.partitions) assignments[{w.topic, p}] = view;
    }
  }

  const zk_layout::leader_and_isr& state(const std::string& topic, int32_t p) const {
    return nodes.at({topic, p}).state;
  }
  int32_t version(const std::string& topic, int32_t p) const {
    return nodes.at({topic, p}).version;
  }
};

template <class Request>
std::vector<std::pair<int32_t, Request>> requests_of(const controller_actions& actions) {
  std::vector<std::pair<int32_t, Request>> out;
  for (const auto& r : actions.requests) {
    if (const auto* body = std::get_if<Request>(&r.body)) out.emplace_back(r.broker, *body);
  }
  return out;
}

}  // namespace sluice::cluster::testing
