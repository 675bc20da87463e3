#include "cluster/replica_assignment.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace sluice::cluster {
namespace {

int32_t random_below(int32_t bound) {
  static thread_local std::mt19937 generator{std::random_device{}()};
  return std::uniform_int_distribution<int32_t>(0, bound - 1)(generator);
}

// The broker index of the `follower_number`-th follower (0-based) of a partition whose first
// replica sits at `first_index`: followers are offset by 1 + (shift + follower_number) mod (n-1),
// so no follower lands on the first replica and different shifts spread followers differently.
int32_t follower_index(int32_t first_index, int32_t shift, int32_t follower_number,
                       int32_t broker_count) {
  const int32_t offset = 1 + (shift + follower_number) % (broker_count - 1);
  return (first_index + offset) % broker_count;
}

std::vector<std::vector<int32_t>> assign_rack_unaware(const std::vector<int32_t>& broker_ids,
                                                      const assignment_request& request,
                                                      int32_t start_index, int32_t shift) {
  const auto broker_count = static_cast<int32_t>(broker_ids.size());
  std::vector<std::vector<int32_t>> assignment;
  assignment.reserve(static_cast<size_t>(request.partitions));
  int32_t partition = std::max(0, request.first_partition);
  for (int32_t i = 0; i < request.partitions; ++i, ++partition) {
    if (partition > 0 && partition % broker_count == 0) ++shift;
    const int32_t first_index = (partition + start_index) % broker_count;
    std::vector<int32_t> replicas{broker_ids[static_cast<size_t>(first_index)]};
    for (int32_t f = 0; f < request.replication_factor - 1; ++f) {
      replicas.push_back(
          broker_ids[static_cast<size_t>(follower_index(first_index, shift, f, broker_count))]);
    }
    assignment.push_back(std::move(replicas));
  }
  return assignment;
}

// Brokers ordered so that consecutive entries alternate racks: racks sorted by name, brokers
// within a rack sorted by id, then one broker from each rack in turn until all are placed.
std::vector<int32_t> rack_alternated(const std::map<int32_t, std::string>& rack_of) {
  std::map<std::string, std::vector<int32_t>> brokers_by_rack;
  for (const auto& [id, rack] : rack_of) brokers_by_rack[rack].push_back(id);  // ids ascending
  std::vector<int32_t> ordered;
  std::vector<size_t> next(brokers_by_rack.size(), 0);
  while (ordered.size() < rack_of.size()) {
    size_t rack_number = 0;
    for (const auto& [rack, ids] : brokers_by_rack) {
      if (next[rack_number] < ids.size()) ordered.push_back(ids[next[rack_number]++]);
      ++rack_number;
    }
  }
  return ordered;
}

std::vector<std::vector<int32_t>> assign_rack_aware(const std::map<int32_t, std::string>& rack_of,
                                                    const assignment_request& request,
                                                    int32_t start_index, int32_t shift) {
  const std::vector<int32_t> brokers = rack_alternated(rack_of);
  const auto broker_count = static_cast<int32_t>(brokers.size());
  std::set<std::string> all_racks;
  for (const auto& [id, rack] : rack_of) all_racks.insert(rack);
  const auto rack_count = static_cast<int32_t>(all_racks.size());

  std::vector<std::vector<int32_t>> assignment;
  assignment.reserve(static_cast<size_t>(request.partitions));
  int32_t partition = std::max(0, request.first_partition);
  for (int32_t i = 0; i < request.partitions; ++i, ++partition) {
    if (partition > 0 && partition % broker_count == 0) ++shift;
    const int32_t first_index = (partition + start_index) % broker_count;
    const int32_t leader = brokers[static_cast<size_t>(first_index)];
    std::vector<int32_t> replicas{leader};
    std::set<std::string> racks_used{rack_of.at(leader)};
    std::set<int32_t> brokers_used{leader};
    int32_t candidate = 0;
    for (int32_t f = 0; f < request.replication_factor - 1; ++f) {
      while (true) {
        const int32_t broker = brokers[static_cast<size_t>(
            follower_index(first_index, shift * rack_count, candidate++, broker_count))];
        const std::string& rack = rack_of.at(broker);
        // Prefer a rack without a replica while one exists, and a broker without one likewise.
        const bool rack_ok =
            !racks_used.contains(rack) || static_cast<int32_t>(racks_used.size()) == rack_count;
        const bool broker_ok = !brokers_used.contains(broker) ||
                               static_cast<int32_t>(brokers_used.size()) == broker_count;
        if (rack_ok && broker_ok) {
          replicas.push_back(broker);
          racks_used.insert(rack);
          brokers_used.insert(broker);
          break;
        }
      }
    }
    assignment.push_back(std::move(replicas));
  }
  return assignment;
}

}  // namespace

result<std::vector<std::vector<int32_t>>> assign_replicas(std::vector<assignable_broker> brokers,
                                                          const assignment_request& request) {
  if (request.partitions <= 0) {
    return fail(errc::invalid_partitions, "Number of partitions must be larger than 0.");
  }
  if (request.replication_factor <= 0) {
    return fail(errc::invalid_replication_factor, "Replication factor must be larger than 0.");
  }
  std::sort(brokers.begin(), brokers.end(),
            [](const assignable_broker& a, const assignable_broker& b) { return a.id < b.id; });
  brokers.erase(std::unique(brokers.begin(), brokers.end(),
                            [](const assignable_broker& a, const assignable_broker& b) {
                              return a.id == b.id;
                            }),
                brokers.end());
  const auto broker_count = static_cast<int32_t>(brokers.size());
  if (request.replication_factor > broker_count) {
    return fail(errc::invalid_replication_factor,
                "Replication factor: " + std::to_string(request.replication_factor) +
                    " larger than available brokers: " + std::to_string(broker_count) + ".");
  }
  const int32_t start_index =
      request.start_index >= 0 ? request.start_index % broker_count : random_below(broker_count);
  const int32_t shift = request.start_partition_shift >= 0 ? request.start_partition_shift
                                                           : random_below(broker_count);

  const bool every_broker_has_rack =
      std::all_of(brokers.begin(), brokers.end(),
                  [](const assignable_broker& b) { return b.rack.has_value(); });
  if (every_broker_has_rack) {
    std::map<int32_t, std::string> rack_of;
    for (const auto& b : brokers) rack_of.emplace(b.id, *b.rack);
    return assign_rack_aware(rack_of, request, start_index, shift);
  }
  std::vector<int32_t> ids;
  ids.reserve(brokers.size());
  for (const auto& b : brokers) ids.push_back(b.id);
  return assign_rack_unaware(ids, request, start_index, shift);
}

}  // namespace sluice::cluster
