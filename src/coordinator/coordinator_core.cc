// coordinator_core: construction, partitions (load, replay, unload), effects and timers. The
// request handlers live in coordinator_join.cc, coordinator_membership.cc,
// coordinator_offsets.cc and coordinator_admin.cc; the rebalance machinery in
// coordinator_rebalance.cc.
#include "coordinator/coordinator_core.h"

#include <spdlog/spdlog.h>

#include <random>

#include "coordinator/partitioner.h"

namespace sluice::coordinator {

coordinator_core::coordinator_core(coordinator_config config, coordinator_hooks hooks)
    : config_(config), hooks_(std::move(hooks)), uuid_rng_(std::random_device{}()) {}

coordinator_core::~coordinator_core() = default;

int32_t coordinator_core::partition_for(std::string_view group_id) const {
  return coordinator::partition_for(group_id, config_.offsets_topic_partitions);
}

// ---- lifecycle ------------------------------------------------------------------------------

void coordinator_core::start(int64_t now_ms) {
  if (active_) return;
  active_ = true;
  retention_timer_ = timers_.schedule(now_ms + config_.offsets_retention_check_interval_ms,
                                      timer_key{timer_kind::retention});
}

void coordinator_core::stop(int64_t /*now_ms*/) {
  std::vector<int32_t> owned;
  for (const auto& [p, state] : partitions_) owned.push_back(p);
  for (int32_t p : owned) unload(p, std::nullopt);
  timers_.cancel(retention_timer_);
  active_ = false;
}

// ---- partitions -----------------------------------------------------------------------------

bool coordinator_core::is_loading(int32_t partition) const {
  auto it = partitions_.find(partition);
  return it != partitions_.end() && it->second.loading;
}

bool coordinator_core::owns(int32_t partition) const {
  auto it = partitions_.find(partition);
  return it != partitions_.end() && !it->second.loading;
}

void coordinator_core::begin_load(int32_t partition, int32_t epoch) {
  if (auto it = partitions_.find(partition); it != partitions_.end()) {
    if (it->second.epoch > epoch) return;  // a stale election
    unload(partition, std::nullopt);
  }
  partitions_[partition] = partition_state{epoch, true};
  spdlog::info("group coordinator: loading __consumer_offsets-{} (epoch {})", partition, epoch);
}

result<void> coordinator_core::replay(int32_t partition, int32_t epoch, const log_record& record) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || !it->second.loading || it->second.epoch != epoch) return ok_v;
  if (record.txn && record.txn->marker_commits) {
    apply_txn_marker(partition, record.txn->producer_id, *record.txn->marker_commits);
    return ok_v;
  }
  std::optional<protocol::bytes_view> value;
  if (record.value) value = protocol::bytes_view(*record.value);
  auto decoded = decode_record(record.key, value);
  if (!decoded) {
    spdlog::warn("group coordinator: skipping a bad record in __consumer_offsets-{}: {}", partition,
                 decoded.message());
    return std::move(decoded).error();
  }
  apply_record(partition, std::move(decoded).value(), record.txn);
  return ok_v;
}

void coordinator_core::finish_load(int32_t partition, int32_t epoch, bool ok, int64_t now_ms) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || !it->second.loading || it->second.epoch != epoch) return;
  if (!ok) {
    spdlog::error("group coordinator: loading __consumer_offsets-{} failed", partition);
    unload(partition, std::nullopt);
    return;
  }
  it->second.loading = false;
  std::vector<std::string> ids;
  for (const auto& [id, g] : groups_)
    if (g.partition() == partition) ids.push_back(id);
  size_t loaded = 0;
  for (const auto& id : ids) {
    group& g = groups_.at(id);
    // A group whose metadata was deleted and that has no offsets left is gone.
    if (!g.has_metadata_record && !g.has_offsets() && !g.is_consumer_group()) {
      groups_.erase(id);
      continue;
    }
    ++loaded;
    after_load(g, now_ms);
  }
  after_share_load(partition, now_ms);
  spdlog::info("group coordinator: loaded __consumer_offsets-{} (epoch {}): {} groups", partition,
               epoch, loaded);
}

void coordinator_core::unload(int32_t partition, std::optional<int32_t> epoch) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  if (epoch && it->second.epoch > *epoch) return;  // a newer leadership already replaced this one
  for (auto g = groups_.begin(); g != groups_.end();) {
    if (g->second.partition() == partition) {
      drop_group(g->second);
      g = groups_.erase(g);
    } else {
      ++g;
    }
  }
  drop_share_groups(partition);
  partitions_.erase(it);
  spdlog::info("group coordinator: unloaded __consumer_offsets-{}", partition);
}

void coordinator_core::drop_group(group& g) {
  drop_consumer_group(g);
  answer_parked(g, error_code::not_coordinator);
  g.transition_to(group_state::dead, 0);
}

void coordinator_core::answer_parked(group& g, error_code e) {
  timers_.cancel(g.join_timer);
  timers_.cancel(g.sync_timer);
  for (auto& [id, timer] : g.pending_members) timers_.cancel(timer);
  for (auto& [id, m] : g.members()) {
    timers_.cancel(m.session_timer);
    answer_join(m, join_outcome{.error = e, .member_id = m.id});
    if (m.awaiting_sync) {
      auto sync = std::move(*m.awaiting_sync);
      m.awaiting_sync.reset();
      respond(std::move(sync.done), make_sync_response(sync.version, e));
    }
  }
}

// ---- plumbing -------------------------------------------------------------------------------

std::optional<error_code> coordinator_core::check_group(const std::string& group_id,
                                                        bool empty_id_ok) const {
  if (group_id.empty() && !empty_id_ok) return error_code::invalid_group_id;
  if (!active_) return error_code::coordinator_not_available;
  auto it = partitions_.find(partition_for(group_id));
  if (it == partitions_.end()) return error_code::not_coordinator;
  if (it->second.loading) return error_code::coordinator_load_in_progress;
  return std::nullopt;
}

const group* coordinator_core::find_group(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

const share_group* coordinator_core::find_share_group(const std::string& group_id) const {
  auto it = share_groups_.find(group_id);
  return it == share_groups_.end() ? nullptr : &it->second;
}

group* coordinator_core::lookup(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

group* coordinator_core::lookup(const std::string& group_id, uint64_t incarnation) {
  group* g = lookup(group_id);
  return g && g->incarnation() == incarnation ? g : nullptr;
}

group& coordinator_core::create_group(const std::string& group_id, int64_t now_ms) {
  auto [it, inserted] =
      groups_.try_emplace(group_id, group_id, partition_for(group_id), next_incarnation_, now_ms);
  if (inserted) ++next_incarnation_;
  return it->second;
}

void coordinator_core::erase_group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  if (it == groups_.end()) return;
  drop_group(it->second);
  groups_.erase(it);
}

template <class Response>
void coordinator_core::respond(completion<Response> done, Response response) {
  ready_.push_back([done = std::move(done), response = std::move(response)]() mutable {
    done(std::move(response));
  });
}

// The response types respond() is used with (it is defined here, called from several files).
template void coordinator_core::respond(completion<protocol::join_group_response>,
                                        protocol::join_group_response);
template void coordinator_core::respond(completion<protocol::sync_group_response>,
                                        protocol::sync_group_response);
template void coordinator_core::respond(completion<protocol::heartbeat_response>,
                                        protocol::heartbeat_response);
template void coordinator_core::respond(completion<protocol::leave_group_response>,
                                        protocol::leave_group_response);
template void coordinator_core::respond(completion<protocol::offset_commit_response>,
                                        protocol::offset_commit_response);
template void coordinator_core::respond(completion<protocol::offset_fetch_response>,
                                        protocol::offset_fetch_response);
template void coordinator_core::respond(completion<protocol::txn_offset_commit_response>,
                                        protocol::txn_offset_commit_response);
template void coordinator_core::respond(completion<protocol::list_groups_response>,
                                        protocol::list_groups_response);
template void coordinator_core::respond(completion<protocol::describe_groups_response>,
                                        protocol::describe_groups_response);
template void coordinator_core::respond(completion<protocol::delete_groups_response>,
                                        protocol::delete_groups_response);
template void coordinator_core::respond(completion<protocol::offset_delete_response>,
                                        protocol::offset_delete_response);
template void coordinator_core::respond(completion<protocol::consumer_group_heartbeat_response>,
                                        protocol::consumer_group_heartbeat_response);
template void coordinator_core::respond(completion<protocol::consumer_group_describe_response>,
                                        protocol::consumer_group_describe_response);
template void coordinator_core::respond(completion<protocol::share_group_heartbeat_response>,
                                        protocol::share_group_heartbeat_response);
template void coordinator_core::respond(completion<protocol::share_group_describe_response>,
                                        protocol::share_group_describe_response);

void coordinator_core::append(int32_t partition, std::vector<log_record> records,
                              append_continuation then) {
  auto it = partitions_.find(partition);
  SLUICE_ASSERT(it != partitions_.end(), "append to a partition the coordinator does not own");
  uint64_t id = next_append_id_++;
  pending_appends_.emplace(id, pending_append{partition, it->second.epoch, std::move(then)});
  appends_.push_back(append_request{id, partition, std::move(records)});
}

void coordinator_core::append_and_forget(int32_t partition, std::vector<log_record> records) {
  if (records.empty()) return;
  append(partition, std::move(records), [partition](append_status status, int64_t) {
    if (status != append_status::ok) {
      spdlog::warn("group coordinator: tombstones for __consumer_offsets-{} were not written",
                   partition);
    }
  });
}

void coordinator_core::append_done(uint64_t append_id, append_status status, int64_t now_ms) {
  auto it = pending_appends_.find(append_id);
  if (it == pending_appends_.end()) return;
  pending_append pending = std::move(it->second);
  pending_appends_.erase(it);
  // Written under a leadership we no longer hold: whatever the log says, the state it was meant
  // for is gone.
  auto p = partitions_.find(pending.partition);
  if (p == partitions_.end() || p->second.loading || p->second.epoch != pending.epoch) {
    status = append_status::not_leader;
  }
  pending.then(status, now_ms);
}

std::string coordinator_core::new_member_id(const std::string& prefix) {
  std::string uuid;
  if (hooks_.new_uuid) {
    uuid = hooks_.new_uuid();
  } else {
    uint64_t hi = uuid_rng_(), lo = uuid_rng_();
    hi = (hi & ~uint64_t{0xF000}) | 0x4000;                      // version 4
    lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
    char text[37];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                  static_cast<unsigned>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    uuid = text;
  }
  return prefix + "-" + uuid;
}

std::vector<task> coordinator_core::take_ready() {
  return std::exchange(ready_, {});
}

std::vector<append_request> coordinator_core::take_appends() {
  return std::exchange(appends_, {});
}

// ---- timers ---------------------------------------------------------------------------------

void coordinator_core::on_timer(int64_t now_ms) {
  while (auto due = timers_.pop_due(now_ms)) fire(due->first, due->second, now_ms);
}

void coordinator_core::fire(timer_id id, const timer_key& key, int64_t now_ms) {
  if (key.kind == timer_kind::retention) {
    retention_timer_ = no_timer;
    expire_offsets(now_ms);
    if (active_) {
      retention_timer_ = timers_.schedule(now_ms + config_.offsets_retention_check_interval_ms,
                                          timer_key{timer_kind::retention});
    }
    return;
  }
  if (key.kind == timer_kind::share_session) return on_share_timer(id, key, now_ms);
  group* g = lookup(key.group, key.group_incarnation);
  if (!g) return;
  switch (key.kind) {
    case timer_kind::member_session:
      on_session_expired(*g, id, key.member, now_ms);
      break;
    case timer_kind::consumer_session:
    case timer_kind::consumer_revocation:
    case timer_kind::consumer_classic_join:
    case timer_kind::consumer_classic_sync:
      on_consumer_timer(*g, id, key, now_ms);
      break;
    case timer_kind::pending_member: {
      auto it = g->pending_members.find(key.member);
      if (it != g->pending_members.end() && it->second == id) {
        it->second = no_timer;
        spdlog::info("group {}: pending member {} did not rejoin within its session timeout",
                     g->id(), key.member);
        remove_pending_member(*g, key.member, now_ms);
      }
      break;
    }
    case timer_kind::join:
      if (g->join_timer == id) {
        g->join_timer = no_timer;
        on_join_timer(*g, now_ms);
      }
      break;
    case timer_kind::sync:
      if (g->sync_timer == id) {
        g->sync_timer = no_timer;
        on_sync_expired(*g, key.generation, now_ms);
      }
      break;
    case timer_kind::retention:
    case timer_kind::share_session:  // handled above
      break;
  }
}

}  // namespace sluice::coordinator
