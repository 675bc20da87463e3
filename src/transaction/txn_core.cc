// txn_coordinator_core: construction, partitions (load, replay, unload), the write plumbing,
// effects and timers. The requests live in txn_init.cc, txn_add.cc, txn_end.cc and
// txn_admin.cc; the periodic sweeps in txn_cleanup.cc.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "coordinator/partitioner.h"
#include "transaction/txn_coordinator_core.h"

namespace sluice::transaction {

txn_coordinator_core::txn_coordinator_core(txn_config config, txn_hooks hooks)
    : config_(config), hooks_(std::move(hooks)) {}

txn_coordinator_core::~txn_coordinator_core() = default;

int32_t txn_coordinator_core::partition_for(std::string_view transactional_id) const {
  return coordinator::partition_for(transactional_id, config_.state_log_partitions);
}

// ---- lifecycle ------------------------------------------------------------------------------

void txn_coordinator_core::start(int64_t now_ms) {
  if (active_) return;
  active_ = true;
  abort_sweep_at_ = now_ms + config_.abort_timed_out_interval_ms;
  expire_sweep_at_ = now_ms + config_.remove_expired_interval_ms;
}

void txn_coordinator_core::stop(int64_t /*now_ms*/) {
  std::vector<int32_t> owned;
  for (const auto& [p, state] : partitions_) owned.push_back(p);
  for (int32_t p : owned) unload(p, std::nullopt);
  abort_sweep_at_.reset();
  expire_sweep_at_.reset();
  completion_retries_.clear();
  active_ = false;
}

// ---- partitions -----------------------------------------------------------------------------

bool txn_coordinator_core::is_loading(int32_t partition) const {
  auto it = partitions_.find(partition);
  return it != partitions_.end() && it->second.loading;
}

bool txn_coordinator_core::owns(int32_t partition) const {
  auto it = partitions_.find(partition);
  return it != partitions_.end() && !it->second.loading;
}

std::optional<int32_t> txn_coordinator_core::coordinator_epoch(int32_t partition) const {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return std::nullopt;
  return it->second.epoch;
}

void txn_coordinator_core::begin_load(int32_t partition, int32_t epoch) {
  if (auto it = partitions_.find(partition); it != partitions_.end()) {
    if (it->second.epoch > epoch) return;  // a stale election
    unload(partition, std::nullopt);
  }
  partition_state& ps = partitions_[partition];
  ps.epoch = epoch;
  ps.load_id = next_load_id_++;
  spdlog::info("transaction coordinator: loading __transaction_state-{} (epoch {})", partition,
               epoch);
}

result<void> txn_coordinator_core::replay(int32_t partition, int32_t epoch,
                                          const log_record& record) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || !it->second.loading || it->second.epoch != epoch) return ok_v;
  std::optional<protocol::bytes_view> value;
  if (record.value) value = protocol::bytes_view(*record.value);
  auto decoded = decode_txn_record(record.key, value);
  if (!decoded) {
    spdlog::warn("transaction coordinator: skipping a bad record in __transaction_state-{}: {}",
                 partition, decoded.message());
    return std::move(decoded).error();
  }
  if (auto* entry = std::get_if<txn_entry>(&*decoded)) {
    apply_entry(it->second, partition, std::move(*entry));
  } else {
    spdlog::warn("transaction coordinator: ignoring a key of version {} in __transaction_state-{}",
                 std::get<unknown_key>(*decoded).version, partition);
  }
  return ok_v;
}

void txn_coordinator_core::apply_entry(partition_state& ps, int32_t partition, txn_entry entry) {
  if (!entry.value) {
    ps.txns.erase(entry.transactional_id);
    return;
  }
  auto [it, inserted] = ps.txns.try_emplace(entry.transactional_id);
  txn_metadata& m = it->second;
  if (inserted) {
    m.transactional_id = entry.transactional_id;
    m.state_partition = partition;
    m.load_id = ps.load_id;
  }
  apply(m, *entry.value);
}

void txn_coordinator_core::finish_load(int32_t partition, int32_t epoch, bool ok, int64_t now_ms) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || !it->second.loading || it->second.epoch != epoch) return;
  if (!ok) {
    spdlog::error("transaction coordinator: loading __transaction_state-{} failed", partition);
    unload(partition, std::nullopt);
    return;
  }
  it->second.loading = false;
  size_t resumed = 0;
  for (auto& [id, m] : it->second.txns) {
    txn_state s = m.state();
    if (s == txn_state::prepare_commit || s == txn_state::prepare_abort ||
        s == txn_state::prepare_epoch_fence) {
      ++resumed;
      start_markers(m, now_ms);
    }
  }
  spdlog::info(
      "transaction coordinator: loaded __transaction_state-{} (epoch {}): {} transactional ids, "
      "{} transactions to complete",
      partition, epoch, it->second.txns.size(), resumed);
}

void txn_coordinator_core::unload(int32_t partition, std::optional<int32_t> epoch) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  if (epoch && it->second.epoch > *epoch) return;  // a newer leadership already replaced this one
  for (auto m = markers_.begin(); m != markers_.end();) {
    if (m->second.partition == partition) {
      cancelled_.push_back(m->first);
      m = markers_.erase(m);
    } else {
      ++m;
    }
  }
  partitions_.erase(it);
  spdlog::info("transaction coordinator: unloaded __transaction_state-{}", partition);
}

// ---- plumbing -------------------------------------------------------------------------------

txn_coordinator_core::lookup_result txn_coordinator_core::lookup(
    const std::string& transactional_id) {
  if (!active_) return {error_code::coordinator_not_available};
  auto it = partitions_.find(partition_for(transactional_id));
  if (it == partitions_.end()) return {error_code::not_coordinator};
  if (it->second.loading) return {error_code::coordinator_load_in_progress};
  auto t = it->second.txns.find(transactional_id);
  return {error_code::none, t == it->second.txns.end() ? nullptr : &t->second};
}

txn_metadata* txn_coordinator_core::live(const std::string& transactional_id, int32_t partition,
                                         uint64_t load_id) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second.loading || it->second.load_id != load_id) {
    return nullptr;
  }
  auto t = it->second.txns.find(transactional_id);
  return t == it->second.txns.end() ? nullptr : &t->second;
}

const txn_metadata* txn_coordinator_core::find(const std::string& transactional_id) const {
  auto it = partitions_.find(partition_for(transactional_id));
  if (it == partitions_.end()) return nullptr;
  auto t = it->second.txns.find(transactional_id);
  return t == it->second.txns.end() ? nullptr : &t->second;
}

size_t txn_coordinator_core::transaction_count() const {
  size_t n = 0;
  for (const auto& [p, ps] : partitions_) n += ps.txns.size();
  return n;
}

txn_metadata& txn_coordinator_core::create(const std::string& transactional_id, producer_id pid,
                                           int32_t timeout_ms, int64_t now_ms) {
  int32_t partition = partition_for(transactional_id);
  partition_state& ps = partitions_.at(partition);
  txn_metadata& m = ps.txns[transactional_id];
  m.transactional_id = transactional_id;
  m.state_partition = partition;
  m.load_id = ps.load_id;
  m.current.pid = pid;
  m.current.timeout_ms = timeout_ms;
  m.current.last_update_ms = now_ms;
  return m;
}

std::optional<producer_id> txn_coordinator_core::allocate_producer_id() {
  if (!hooks_.allocate_producer_id) return std::nullopt;
  auto id = hooks_.allocate_producer_id();
  if (!id) return std::nullopt;
  return producer_id{*id};
}

void txn_coordinator_core::append(int32_t partition, std::vector<log_record> records,
                                  append_continuation then) {
  auto it = partitions_.find(partition);
  SLUICE_ASSERT(it != partitions_.end(), "append to a partition the coordinator does not own");
  uint64_t id = next_append_id_++;
  pending_appends_.emplace(id, pending_append{partition, it->second.load_id, std::move(then)});
  appends_.push_back(append_request{id, partition, std::move(records)});
}

void txn_coordinator_core::append_done(uint64_t append_id, append_status status, int64_t now_ms) {
  auto it = pending_appends_.find(append_id);
  if (it == pending_appends_.end()) return;
  pending_append pending = std::move(it->second);
  pending_appends_.erase(it);
  // Written under a leadership (or a load) we no longer hold: the state it was meant for is gone.
  auto p = partitions_.find(pending.partition);
  if (p == partitions_.end() || p->second.loading || p->second.load_id != pending.load_id) {
    status = append_status::not_leader;
  }
  pending.then(status, now_ms);
}

namespace {

// How Kafka's coordinator reports a failed append of __transaction_state to the client.
error_code append_error(append_status status) {
  switch (status) {
    case append_status::ok:
      return error_code::none;
    case append_status::not_leader:
      return error_code::not_coordinator;
    case append_status::unavailable:
      return error_code::coordinator_not_available;
    case append_status::too_large:
    case append_status::fenced:  // __transaction_state records carry no producer
      return error_code::unknown_server_error;
    case append_status::failed:  // KAFKA_STORAGE_ERROR: Kafka sends the client elsewhere
      return error_code::not_coordinator;
  }
  return error_code::unknown_server_error;
}

}  // namespace

void txn_coordinator_core::write(txn_metadata& m, txn_transit t, int64_t now_ms,
                                 bool retry_unavailable, written_callback then) {
  m.pending = t.next.state;
  auto record = txn_log_record(m.transactional_id, t.next, now_ms);
  append(m.state_partition, {std::move(record)},
         [this, id = m.transactional_id, partition = m.state_partition, load_id = m.load_id,
          t = std::move(t), retry_unavailable,
          then = std::move(then)](append_status status, int64_t now) mutable {
           error_code e = append_error(status);
           txn_metadata* m = live(id, partition, load_id);
           if (!m) {
             then(e == error_code::none ? error_code::not_coordinator : e, nullptr, now);
             return;
           }
           if (e == error_code::none) {
             m->pending.reset();
             apply_written(*m, t);
           } else if (!(retry_unavailable && e == error_code::coordinator_not_available)) {
             spdlog::info("transaction coordinator: writing {} for {} failed: {}",
                          to_string(t.next.state), id, protocol::error_name(e));
             m->pending.reset();
           }
           then(e, m, now);
         });
}

// ---- effects --------------------------------------------------------------------------------

std::vector<task> txn_coordinator_core::take_ready() {
  return std::exchange(ready_, {});
}

std::vector<append_request> txn_coordinator_core::take_appends() {
  return std::exchange(appends_, {});
}

std::vector<marker_request> txn_coordinator_core::take_markers() {
  return std::exchange(marker_effects_, {});
}

std::vector<uint64_t> txn_coordinator_core::take_cancelled_markers() {
  return std::exchange(cancelled_, {});
}

// ---- timers ---------------------------------------------------------------------------------

std::optional<int64_t> txn_coordinator_core::next_deadline() const {
  std::optional<int64_t> out;
  auto consider = [&](std::optional<int64_t> t) {
    if (t && (!out || *t < *out)) out = t;
  };
  consider(abort_sweep_at_);
  consider(expire_sweep_at_);
  if (!completion_retries_.empty()) consider(completion_retries_.begin()->first);
  return out;
}

void txn_coordinator_core::on_timer(int64_t now_ms) {
  while (!completion_retries_.empty() && completion_retries_.begin()->first <= now_ms) {
    uint64_t marker_id = completion_retries_.begin()->second;
    completion_retries_.erase(completion_retries_.begin());
    if (markers_.contains(marker_id)) write_completion(marker_id, now_ms);
  }
  if (abort_sweep_at_ && *abort_sweep_at_ <= now_ms) {
    abort_sweep_at_ = now_ms + config_.abort_timed_out_interval_ms;
    abort_timed_out(now_ms);
  }
  if (expire_sweep_at_ && *expire_sweep_at_ <= now_ms) {
    expire_sweep_at_ = now_ms + config_.remove_expired_interval_ms;
    remove_expired(now_ms);
  }
}

}  // namespace sluice::transaction
