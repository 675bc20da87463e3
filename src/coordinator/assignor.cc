#include "coordinator/assignor.h"

#include <algorithm>

namespace sluice::coordinator {

namespace {

using partition = std::pair<protocol::uuid, int32_t>;

size_t load(const partition_assignment& a) {
  size_t n = 0;
  for (const auto& [t, ps] : a) n += ps.size();
  return n;
}

}  // namespace

group_assignment assign_uniform(const std::map<std::string, assignor_member>& members,
                                const std::map<protocol::uuid, int32_t>& partition_counts) {
  group_assignment out;
  for (const auto& [id, m] : members) out[id];
  // 1. Stickiness: each member keeps the partitions it had that still exist and it still wants.
  std::set<partition> placed;
  for (const auto& [id, m] : members) {
    for (const auto& [topic, partitions] : m.current) {
      auto count = partition_counts.find(topic);
      if (count == partition_counts.end() || !m.topics.contains(topic)) continue;
      for (int32_t p : partitions)
        if (p < count->second && placed.insert({topic, p}).second) out[id][topic].insert(p);
    }
  }
  // 2. Every partition nobody has goes to the least-loaded member subscribed to its topic (ties by
  //    member id), in topic-then-partition order.
  for (const auto& [topic, count] : partition_counts) {
    for (int32_t p = 0; p < count; ++p) {
      if (placed.contains({topic, p})) continue;
      const std::string* best = nullptr;
      for (const auto& [id, m] : members) {
        if (!m.topics.contains(topic)) continue;
        if (!best || load(out[id]) < load(out[*best])) best = &id;
      }
      if (!best) continue;
      out[*best][topic].insert(p);
      placed.insert({topic, p});
    }
  }
  // 3. Balance: move a partition from a member to another subscribed to its topic while that
  //    narrows a gap of more than one. Each move lowers the sum of squared loads, so this ends.
  bool moved = true;
  while (moved) {
    moved = false;
    for (auto& [from, from_parts] : out) {
      for (auto& [to, to_parts] : out) {
        if (load(from_parts) <= load(to_parts) + 1) continue;
        const auto& wanted = members.at(to).topics;
        for (auto& [topic, partitions] : from_parts) {
          if (!wanted.contains(topic) || partitions.empty()) continue;
          int32_t p = *partitions.rbegin();
          partitions.erase(p);
          to_parts[topic].insert(p);
          moved = true;
          break;
        }
        if (moved) break;
      }
      if (moved) break;
    }
  }
  for (auto& [id, a] : out) std::erase_if(a, [](const auto& kv) { return kv.second.empty(); });
  return out;
}

group_assignment assign_range(const std::map<std::string, assignor_member>& members,
                              const std::map<protocol::uuid, int32_t>& partition_counts) {
  group_assignment out;
  for (const auto& [id, m] : members) out[id];
  for (const auto& [topic, count] : partition_counts) {
    std::vector<std::string> subscribers;
    for (const auto& [id, m] : members)
      if (m.topics.contains(topic)) subscribers.push_back(id);
    if (subscribers.empty()) continue;
    const int32_t n = static_cast<int32_t>(subscribers.size());
    const int32_t each = count / n;
    const int32_t extra = count % n;
    int32_t next = 0;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t take = each + (i < extra ? 1 : 0);
      for (int32_t k = 0; k < take; ++k) out[subscribers[i]][topic].insert(next++);
    }
  }
  for (auto& [id, a] : out) std::erase_if(a, [](const auto& kv) { return kv.second.empty(); });
  return out;
}

std::optional<group_assignment> run_assignor(
    std::string_view name, const std::map<std::string, assignor_member>& members,
    const std::map<protocol::uuid, int32_t>& partition_counts) {
  if (name == "uniform") return assign_uniform(members, partition_counts);
  if (name == "range") return assign_range(members, partition_counts);
  return std::nullopt;
}

}  // namespace sluice::coordinator
