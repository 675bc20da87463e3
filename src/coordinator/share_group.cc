#include "coordinator/share_group.h"

#include <algorithm>

namespace sluice::coordinator {

std::map<std::string, partition_assignment> assign_share_partitions(
    const std::map<std::string, share_member>& members,
    const std::map<std::string, protocol::uuid>& topic_ids,
    const std::map<std::string, int32_t>& partition_counts) {
  std::map<std::string, partition_assignment> out;
  for (const auto& [id, m] : members) out[id];  // every member has an entry, maybe empty
  for (const auto& [topic, count] : partition_counts) {
    auto id = topic_ids.find(topic);
    if (id == topic_ids.end() || count <= 0) continue;
    std::vector<const share_member*> subscribers;
    for (const auto& [member_id, m] : members) {
      if (std::binary_search(m.subscribed_topic_names.begin(), m.subscribed_topic_names.end(),
                             topic))
        subscribers.push_back(&m);
    }
    if (subscribers.empty()) continue;
    const auto n = static_cast<int32_t>(subscribers.size());
    if (n <= count) {
      for (int32_t p = 0; p < count; ++p) out[subscribers[p % n]->id][id->second].insert(p);
    } else {
      for (int32_t i = 0; i < n; ++i) out[subscribers[i]->id][id->second].insert(i % count);
    }
  }
  return out;
}

}  // namespace sluice::coordinator
