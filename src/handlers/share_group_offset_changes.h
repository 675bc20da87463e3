// What DeleteGroups shares with the share-group offset handlers (share_group_offset_changes.cc).
#pragma once

#include <set>
#include <string>

#include "base/unique_function.h"

namespace sluice::handlers {

struct broker_services;

// Removes the share state of `group` for every partition of `topics` (DeleteShareGroupState at
// each share coordinator), then runs `then` — on any thread, once every removal is answered.
void remove_share_state(broker_services& services, const std::string& group,
                        const std::set<std::string>& topics, unique_function<void()> then);

}  // namespace sluice::handlers
