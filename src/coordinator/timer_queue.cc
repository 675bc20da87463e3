#include "coordinator/timer_queue.h"

namespace sluice::coordinator {

timer_id timer_queue::schedule(int64_t deadline_ms, timer_key key) {
  timer_id id = next_id_++;
  by_deadline_.emplace(std::make_pair(deadline_ms, id), std::move(key));
  deadline_of_.emplace(id, deadline_ms);
  return id;
}

void timer_queue::cancel(timer_id& id) {
  if (id == no_timer) return;
  if (auto it = deadline_of_.find(id); it != deadline_of_.end()) {
    by_deadline_.erase(std::make_pair(it->second, id));
    deadline_of_.erase(it);
  }
  id = no_timer;
}

std::optional<int64_t> timer_queue::next_deadline() const {
  if (by_deadline_.empty()) return std::nullopt;
  return by_deadline_.begin()->first.first;
}

std::optional<std::pair<timer_id, timer_key>> timer_queue::pop_due(int64_t now_ms) {
  if (by_deadline_.empty()) return std::nullopt;
  auto it = by_deadline_.begin();
  if (it->first.first > now_ms) return std::nullopt;
  timer_id id = it->first.second;
  auto out = std::make_pair(id, std::move(it->second));
  by_deadline_.erase(it);
  deadline_of_.erase(id);
  return out;
}

}  // namespace sluice::coordinator
