#include "share/share_partition.h"

#include <algorithm>

namespace sluice::share {

share_partition::share_partition(int64_t start_offset, delivery_config config)
    : config_(config), start_offset_(start_offset), end_offset_(start_offset) {}

share_partition::share_partition(const persisted_state& state, delivery_config config)
    : config_(config), start_offset_(state.start_offset), end_offset_(state.start_offset) {
  // At most twice the lock bound is rebuilt (a kept state is never larger, unless the bound was
  // lowered since): what lies beyond is delivered as new.
  const size_t most = 2 * static_cast<size_t>(std::max(config_.max_record_locks, 1));
  for (const auto& b : state.batches) {
    for (int64_t offset = std::max(b.first_offset, start_offset_);
         offset <= b.last_offset &&
         records_.size() + static_cast<size_t>(offset - end_offset_) < most;
         ++offset) {
      // Offsets between the batches were never delivered: available, not yet counted.
      for (; end_offset_ < offset; ++end_offset_) records_.try_emplace(end_offset_);
      auto& r = records_[offset];
      r.delivery_count = b.delivery_count;
      r.state = b.delivery_state == state_acknowledged ? record_state::acknowledged
                : b.delivery_state == state_archived   ? record_state::archived
                                                       : record_state::available;
      end_offset_ = std::max(end_offset_, offset + 1);
    }
  }
  advance_start();
}

persisted_state share_partition::snapshot(int32_t leader_epoch) const {
  persisted_state out;
  out.leader_epoch = leader_epoch;
  out.start_offset = start_offset_;
  for (const auto& [offset, r] : records_) {
    const int8_t state = r.state == record_state::acknowledged ? state_acknowledged
                         : r.state == record_state::archived   ? state_archived
                                                               : state_available;
    if (state == state_available && r.delivery_count == 0) continue;  // as if never delivered
    if (!out.batches.empty() && out.batches.back().last_offset + 1 == offset &&
        out.batches.back().delivery_state == state &&
        out.batches.back().delivery_count == r.delivery_count) {
      out.batches.back().last_offset = offset;
    } else {
      out.batches.push_back({offset, offset, state, r.delivery_count});
    }
  }
  return out;
}

void share_partition::release(in_flight_record& r) {
  r.member.clear();
  r.deadline_ms = 0;
  r.state = r.delivery_count >= config_.delivery_count_limit ? record_state::archived
                                                             : record_state::available;
}

void share_partition::advance_start() {
  while (!records_.empty()) {
    auto it = records_.begin();
    if (it->second.state != record_state::acknowledged &&
        it->second.state != record_state::archived)
      break;
    start_offset_ = it->first + 1;
    records_.erase(it);
  }
  if (records_.empty()) start_offset_ = end_offset_;
}

size_t share_partition::expire_locks(int64_t now_ms) {
  size_t n = 0;
  for (auto& [offset, r] : records_) {
    if (r.state == record_state::acquired && r.deadline_ms <= now_ms) {
      release(r);
      ++n;
    }
  }
  if (n) advance_start();
  return n;
}

std::optional<int64_t> share_partition::next_fetch_offset(int64_t now_ms) {
  expire_locks(now_ms);
  for (const auto& [offset, r] : records_)
    if (r.state == record_state::available) return offset;
  if (records_.size() >= static_cast<size_t>(config_.max_record_locks)) return std::nullopt;
  return end_offset_;
}

std::vector<acquired_range> share_partition::acquire(const std::string& member,
                                                     const std::vector<log_batch>& batches,
                                                     int32_t max_records, int64_t now_ms) {
  expire_locks(now_ms);
  std::vector<acquired_range> out;
  int64_t taken = 0;
  const int64_t deadline = now_ms + config_.record_lock_duration_ms;
  auto take = [&](int64_t offset, in_flight_record& r) {
    r.state = record_state::acquired;
    r.member = member;
    r.deadline_ms = deadline;
    ++r.delivery_count;
    ++taken;
    if (!out.empty() && out.back().last_offset + 1 == offset &&
        out.back().delivery_count == r.delivery_count) {
      out.back().last_offset = offset;
    } else {
      out.push_back({offset, offset, r.delivery_count});
    }
  };
  for (const auto& batch : batches) {
    if (taken >= max_records) break;  // whole batches: the limit is checked between batches
    for (int64_t offset = std::max(batch.base_offset, start_offset_); offset <= batch.last_offset;
         ++offset) {
      if (offset < end_offset_) {
        auto it = records_.find(offset);
        if (it == records_.end() || it->second.state != record_state::available) continue;
        take(offset, it->second);
        continue;
      }
      if (offset > end_offset_) break;  // a hole before it: only contiguous records are new
      if (records_.size() >= static_cast<size_t>(config_.max_record_locks)) return out;
      auto [it, _] = records_.try_emplace(offset);
      end_offset_ = offset + 1;
      take(offset, it->second);
    }
  }
  return out;
}

std::optional<protocol::error_code> share_partition::acknowledge(const std::string& member,
                                                                 int64_t first, int64_t last,
                                                                 const std::vector<ack_type>& types,
                                                                 int64_t now_ms) {
  if (first > last || types.empty() ||
      (types.size() != 1 && static_cast<int64_t>(types.size()) != last - first + 1))
    return protocol::error_code::invalid_request;
  for (auto t : types)
    if (static_cast<int8_t>(t) < 0 || static_cast<int8_t>(t) > 4)
      return protocol::error_code::invalid_request;
  expire_locks(now_ms);
  // All or nothing: every record must be held by this member.
  for (int64_t offset = first; offset <= last; ++offset) {
    auto it = records_.find(offset);
    if (it == records_.end() || it->second.state != record_state::acquired ||
        it->second.member != member)
      return protocol::error_code::invalid_record_state;
  }
  for (int64_t offset = first; offset <= last; ++offset) {
    auto& r = records_.at(offset);
    const ack_type t = types.size() == 1 ? types[0] : types[static_cast<size_t>(offset - first)];
    switch (t) {
      case ack_type::accept:
        r.state = record_state::acknowledged;
        r.member.clear();
        break;
      case ack_type::release:
        release(r);
        break;
      case ack_type::reject:
      case ack_type::gap:
        r.state = record_state::archived;
        r.member.clear();
        break;
      case ack_type::renew:
        r.deadline_ms = now_ms + config_.record_lock_duration_ms;
        break;
    }
  }
  advance_start();
  return std::nullopt;
}

size_t share_partition::release_member(const std::string& member, int64_t now_ms) {
  (void)now_ms;
  size_t n = 0;
  for (auto& [offset, r] : records_) {
    if (r.state == record_state::acquired && r.member == member) {
      release(r);
      ++n;
    }
  }
  if (n) advance_start();
  return n;
}

std::optional<record_state> share_partition::state_of(int64_t offset) const {
  if (offset < start_offset_) return record_state::acknowledged;
  auto it = records_.find(offset);
  if (it == records_.end())
    return offset >= end_offset_ ? std::optional(record_state::available) : std::nullopt;
  return it->second.state;
}

int16_t share_partition::delivery_count_of(int64_t offset) const {
  auto it = records_.find(offset);
  return it == records_.end() ? 0 : it->second.delivery_count;
}

int64_t delivery_complete_count(const persisted_state& state, int64_t below) {
  int64_t done = 0;
  for (const auto& b : state.batches) {
    if (b.delivery_state != state_acknowledged && b.delivery_state != state_archived) continue;
    const int64_t first = std::max(b.first_offset, state.start_offset);
    const int64_t last = below == std::numeric_limits<int64_t>::max()
                             ? b.last_offset
                             : std::min(b.last_offset, below - 1);
    if (last >= first) done += last - first + 1;
  }
  return done;
}

}  // namespace sluice::share
