#include "share/share_coordinator.h"

#include <algorithm>

#include "coordinator/partitioner.h"
#include "protocol/generated/share_snapshot_key.h"
#include "protocol/generated/share_snapshot_value.h"
#include "protocol/generated/share_update_key.h"
#include "protocol/generated/share_update_value.h"

namespace sluice::share {

using protocol::error_code;

namespace {

constexpr int16_t snapshot_type = 0;  // ShareSnapshotKey's record type
constexpr int16_t update_type = 1;    // ShareUpdateKey's

template <class Batches>
std::vector<state_batch> from_wire(const Batches& batches) {
  std::vector<state_batch> out;
  for (const auto& b : batches)
    out.push_back({b.first_offset, b.last_offset, b.delivery_state, b.delivery_count});
  return out;
}

}  // namespace

coordinator::log_record share_state_record(const share_partition_key& key,
                                           const std::optional<persisted_state>& state,
                                           int32_t snapshot_epoch, int64_t now_ms) {
  protocol::share_snapshot_key k;
  k.group_id = key.group;
  k.topic_id = key.topic_id;
  k.partition = key.partition;
  coordinator::log_record out;
  out.key = coordinator::encode_versioned(k, snapshot_type);
  out.timestamp_ms = now_ms;
  if (!state) return out;
  protocol::share_snapshot_value v;
  v.snapshot_epoch = snapshot_epoch;
  v.state_epoch = state->state_epoch;
  v.leader_epoch = state->leader_epoch;
  v.start_offset = state->start_offset;
  v.create_timestamp = now_ms;
  v.write_timestamp = now_ms;
  for (const auto& b : state->batches) {
    auto& w = v.state_batches.emplace_back();
    w.first_offset = b.first_offset;
    w.last_offset = b.last_offset;
    w.delivery_state = b.delivery_state;
    w.delivery_count = b.delivery_count;
  }
  out.value = coordinator::encode_versioned(v, 0);
  return out;
}

result<share_state_entry, error_code> decode_share_state_record(
    const coordinator::log_record& record) {
  protocol::reader kr(record.key);
  const int16_t type = kr.read_int16();
  if (!kr.ok() || (type != snapshot_type && type != update_type))
    return error_code::corrupt_message;
  share_state_entry out;
  out.delta = type == update_type;
  // Both keys are {group, topic id, partition} at version 0.
  protocol::share_snapshot_key k;
  if (!k.decode(kr, 0).ok()) return error_code::corrupt_message;
  out.key = {k.group_id, k.topic_id, k.partition};
  if (!record.value) return out;
  protocol::reader vr(*record.value);
  vr.read_int16();  // value version 0
  persisted_state s;
  if (out.delta) {
    protocol::share_update_value v;
    if (!vr.ok() || !v.decode(vr, 0).ok()) return error_code::corrupt_message;
    s.leader_epoch = v.leader_epoch;
    s.start_offset = v.start_offset;
    s.batches = from_wire(v.state_batches);
  } else {
    protocol::share_snapshot_value v;
    if (!vr.ok() || !v.decode(vr, 0).ok()) return error_code::corrupt_message;
    s.state_epoch = v.state_epoch;
    s.leader_epoch = v.leader_epoch;
    s.start_offset = v.start_offset;
    s.batches = from_wire(v.state_batches);
  }
  out.state = std::move(s);
  return out;
}

persisted_state merge_state(const persisted_state& current, const persisted_state& write) {
  persisted_state out;
  out.state_epoch = write.state_epoch;
  out.leader_epoch = write.leader_epoch;
  out.start_offset = write.start_offset >= 0 ? write.start_offset : current.start_offset;
  // The old batches, less what the new ones cover; then the new ones.
  std::vector<state_batch> merged;
  for (const auto& old : current.batches) {
    std::vector<state_batch> pieces{old};
    for (const auto& n : write.batches) {
      std::vector<state_batch> next;
      for (const auto& p : pieces) {
        if (n.last_offset < p.first_offset || n.first_offset > p.last_offset) {
          next.push_back(p);
          continue;
        }
        if (p.first_offset < n.first_offset)
          next.push_back({p.first_offset, n.first_offset - 1, p.delivery_state, p.delivery_count});
        if (p.last_offset > n.last_offset)
          next.push_back({n.last_offset + 1, p.last_offset, p.delivery_state, p.delivery_count});
      }
      pieces = std::move(next);
    }
    merged.insert(merged.end(), pieces.begin(), pieces.end());
  }
  merged.insert(merged.end(), write.batches.begin(), write.batches.end());
  std::sort(merged.begin(), merged.end(), [](const state_batch& a, const state_batch& b) {
    return a.first_offset < b.first_offset;
  });
  for (auto& b : merged) {
    if (b.last_offset < out.start_offset) continue;
    b.first_offset = std::max(b.first_offset, out.start_offset);
    out.batches.push_back(b);
  }
  return out;
}

share_coordinator::share_coordinator(int32_t state_partitions)
    : state_partitions_(std::max(state_partitions, 1)) {}

int32_t share_coordinator::partition_for(const share_partition_key& key) const {
  return coordinator::partition_for(
      key.group + ":" + key.topic_id.to_base64() + ":" + std::to_string(key.partition),
      state_partitions_);
}

void share_coordinator::begin_load(int32_t partition, int32_t epoch) {
  auto it = partitions_.find(partition);
  if (it != partitions_.end() && it->second.first > epoch) return;
  unload(partition, std::nullopt);
  partitions_[partition] = {epoch, true};
}

result<void, error_code> share_coordinator::replay(int32_t partition, int32_t epoch,
                                                   const coordinator::log_record& record) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second.first != epoch || !it->second.second) return ok_v;
  auto entry = decode_share_state_record(record);
  if (!entry) return std::move(entry).error();
  auto& e = entry.value();
  if (!e.state) {
    states_.erase(e.key);
    return ok_v;
  }
  auto& k = states_[e.key];
  if (e.delta) {
    const int32_t state_epoch = k.state.state_epoch;  // an update does not carry it
    k.state = merge_state(k.state, *e.state);
    k.state.state_epoch = state_epoch;
  } else {
    k.state = *e.state;
  }
  ++k.snapshot_epoch;
  return ok_v;
}

void share_coordinator::finish_load(int32_t partition, int32_t epoch, bool ok, int64_t) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second.first != epoch) return;
  if (!ok) return unload(partition, epoch);
  it->second.second = false;
}

void share_coordinator::unload(int32_t partition, std::optional<int32_t> epoch) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || (epoch && it->second.first > *epoch)) return;
  std::erase_if(states_, [&](const auto& e) { return partition_for(e.first) == partition; });
  partitions_.erase(it);
}

bool share_coordinator::owns(int32_t partition) const {
  auto it = partitions_.find(partition);
  return it != partitions_.end() && !it->second.second;
}

std::optional<error_code> share_coordinator::check(int32_t partition) const {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return error_code::not_coordinator;
  if (it->second.second) return error_code::coordinator_load_in_progress;
  return std::nullopt;
}

result<persisted_state, error_code> share_coordinator::read(const share_partition_key& key,
                                                            int32_t leader_epoch) const {
  if (auto e = check(partition_for(key))) return *e;
  auto it = states_.find(key);
  if (it == states_.end()) return persisted_state{};
  if (leader_epoch >= 0 && leader_epoch < it->second.state.leader_epoch)
    return error_code::fenced_leader_epoch;
  return it->second.state;
}

result<coordinator::log_record, error_code> share_coordinator::write(const share_partition_key& key,
                                                                     const persisted_state& write,
                                                                     int64_t now_ms) {
  if (auto e = check(partition_for(key))) return *e;
  auto& k = states_[key];
  if (write.leader_epoch >= 0 && write.leader_epoch < k.state.leader_epoch)
    return error_code::fenced_leader_epoch;
  if (write.state_epoch < k.state.state_epoch) return error_code::fenced_state_epoch;
  k.state = merge_state(k.state, write);
  ++k.snapshot_epoch;
  return share_state_record(key, k.state, k.snapshot_epoch, now_ms);
}

result<coordinator::log_record, error_code> share_coordinator::initialize(
    const share_partition_key& key, int32_t state_epoch, int64_t start_offset, int64_t now_ms) {
  if (auto e = check(partition_for(key))) return *e;
  if (state_epoch < 0) return error_code::invalid_request;
  auto& k = states_[key];
  if (state_epoch < k.state.state_epoch) return error_code::fenced_state_epoch;
  k.state = persisted_state{};
  k.state.state_epoch = state_epoch;
  k.state.start_offset = start_offset < 0 ? -1 : start_offset;
  ++k.snapshot_epoch;
  return share_state_record(key, k.state, k.snapshot_epoch, now_ms);
}

result<coordinator::log_record, error_code> share_coordinator::remove(
    const share_partition_key& key, int64_t now_ms) {
  if (auto e = check(partition_for(key))) return *e;
  states_.erase(key);
  return share_state_record(key, std::nullopt, 0, now_ms);
}

}  // namespace sluice::share
