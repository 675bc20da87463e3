// broker_pool: raw-protocol connections to the brokers of one cluster, by broker id, for tools
// that must send a request to a particular broker (a partition leader, a transaction coordinator,
// every broker in turn). Each connection is opened on first use and kept for the rest of the run;
// one that failed is dropped so the next use opens it again.
//
// Owned by one tool run and used by its thread only, like raw_connection.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "cli/client.h"
#include "cli/raw_client.h"

namespace sluice::cli {

class broker_pool {
 public:
  // `settings`: the tool's client properties, which say how connections are secured.
  broker_pool(std::vector<broker_info> brokers, property_map settings)
      : brokers_(std::move(brokers)), settings_(std::move(settings)) {}

  // Every broker the cluster metadata named, by ascending id.
  const std::vector<broker_info>& brokers() const { return brokers_; }
  const broker_info* find(int32_t id) const;
  // Learns a broker the metadata did not name (e.g. a coordinator from FindCoordinator).
  void add(const broker_info& b);

  // The connection to broker `id`, opened now if needed.
  result<raw_connection*> get(int32_t id, deadline d);
  // Closes the connection to `id` (after an error on it).
  void forget(int32_t id) { open_.erase(id); }

  // The coordinator of `key` (key_type 0: a group, 1: a transactional id), by FindCoordinator to
  // any broker, learnt into the pool; retried while it is loading or moving, until `d`.
  result<int32_t> find_coordinator(int8_t key_type, const std::string& key, deadline d);

 private:
  std::vector<broker_info> brokers_;
  property_map settings_;
  std::map<int32_t, raw_connection> open_;
};

}  // namespace sluice::cli
