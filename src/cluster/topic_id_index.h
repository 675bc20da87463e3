// topic_id_index: topic names by topic id, beside a store's name-keyed topic map. Each lookup is
// checked against the map (the topic still exists and still has that id) and a miss rebuilds the
// index from the map, so the map's writers need not keep the index up to date; only an id of no
// topic costs a scan. Not thread-safe: used under the owning store's lock.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "cluster/metadata_store.h"

namespace sluice::cluster {

class topic_id_index {
 public:
  const topic_metadata* find(const protocol::uuid& id,
                             const std::map<std::string, topic_metadata>& topics) {
    if (id.is_zero()) return nullptr;
    if (const topic_metadata* t = check(id, topics)) return t;
    names_.clear();
    for (const auto& [name, t] : topics) names_[t.id] = name;
    return check(id, topics);
  }

 private:
  const topic_metadata* check(const protocol::uuid& id,
                              const std::map<std::string, topic_metadata>& topics) const {
    auto n = names_.find(id);
    if (n == names_.end()) return nullptr;
    auto t = topics.find(n->second);
    return t != topics.end() && t->second.id == id ? &t->second : nullptr;
  }

  std::map<protocol::uuid, std::string> names_;
};

}  // namespace sluice::cluster
