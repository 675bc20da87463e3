// replica_manager: partition lifecycle (reconciling with metadata) and the single-partition
// operations (ListOffsets, DeleteRecords, OffsetForLeaderEpoch, summaries). Produce and Fetch are
// in replica_append.cc and replica_fetch.cc.
#include "replication/replica_manager.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <set>

#include "protocol/batch_header.h"
#include "replication/replica_manager_impl.h"

namespace sluice::replication {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::unknown_topic_or_partition:
      return "unknown topic or partition";
    case errc::unknown_topic_id:
      return "unknown topic id";
    case errc::not_leader:
      return "not the leader";
    case errc::offset_out_of_range:
      return "offset out of range";
    case errc::corrupt_message:
      return "corrupt message";
    case errc::message_too_large:
      return "message too large";
    case errc::record_list_too_large:
      return "record list too large";
    case errc::invalid_timestamp:
      return "invalid timestamp";
    case errc::invalid_record:
      return "invalid record";
    case errc::invalid_required_acks:
      return "invalid required acks";
    case errc::not_enough_replicas:
      return "not enough replicas";
    case errc::not_enough_replicas_after_append:
      return "not enough replicas after append";
    case errc::request_timed_out:
      return "request timed out";
    case errc::fenced_leader_epoch:
      return "fenced leader epoch";
    case errc::unknown_leader_epoch:
      return "unknown leader epoch";
    case errc::offset_not_available:
      return "offset not available";
    case errc::policy_violation:
      return "policy violation";
    case errc::invalid_producer_epoch:
      return "invalid producer epoch";
    case errc::out_of_order_sequence:
      return "out of order sequence number";
    case errc::invalid_txn_state:
      return "invalid transaction state";
    case errc::transaction_coordinator_fenced:
      return "transaction coordinator fenced";
    case errc::transaction_abortable:
      return "transaction abortable";
    case errc::invalid_producer_id_mapping:
      return "invalid producer id mapping";
    case errc::storage_error:
      return "storage error";
    case errc::invalid_update_version:
      return "invalid update version (the partition epoch moved on)";
    case errc::ineligible_replica:
      return "ineligible replica";
    case errc::not_controller:
      return "not the controller";
    case errc::stale_broker_epoch:
      return "stale broker epoch";
    case errc::unknown:
      return "unknown error";
  }
  return "unknown error";
}

errc from_storage(storage::errc e) {
  switch (e) {
    case storage::errc::offset_out_of_range:
      return errc::offset_out_of_range;
    case storage::errc::corrupt_message:
      return errc::corrupt_message;
    case storage::errc::message_too_large:
      return errc::message_too_large;
    case storage::errc::record_list_too_large:
      return errc::record_list_too_large;
    case storage::errc::invalid_timestamp:
      return errc::invalid_timestamp;
    case storage::errc::invalid_record:
      return errc::invalid_record;
    case storage::errc::io_error:
      return errc::storage_error;
    case storage::errc::closed:
      return errc::not_leader;
    case storage::errc::not_found:
      return errc::unknown_topic_or_partition;
    case storage::errc::invalid_producer_epoch:
      return errc::invalid_producer_epoch;
    case storage::errc::out_of_order_sequence:
      return errc::out_of_order_sequence;
    case storage::errc::invalid_txn_state:
      return errc::invalid_txn_state;
    case storage::errc::transaction_coordinator_fenced:
      return errc::transaction_coordinator_fenced;
    default:
      return errc::unknown;
  }
}

std::shared_ptr<partition> replica_manager::impl::find(const std::string& topic,
                                                       int32_t index) const {
  std::shared_lock lock(mutex);
  auto it = partitions.find(partition_key(topic, index));
  return it == partitions.end() ? nullptr : it->second;
}

std::shared_ptr<partition> replica_manager::impl::find_by_id(const protocol::uuid& id,
                                                             int32_t index) const {
  std::shared_lock lock(mutex);
  for (const auto& [key, p] : partitions)
    if (p->index() == index && p->topic_id() == id) return p;
  return nullptr;
}

replica_manager::replica_manager(options opts, storage::log_manager& logs,
                                 cluster::metadata_store& metadata)
    : impl_(std::make_unique<impl>(std::move(opts), logs, metadata)) {
  if (impl_->opts.controller_managed) impl_->start_cluster_mode();
}

replica_manager::~replica_manager() {
  shutdown();
}

void replica_manager::on_metadata_change(const cluster::metadata_change& /*change*/) {
  reconcile();
}

void replica_manager::set_default_min_insync_replicas(int32_t n) {
  impl_->default_min_insync.store(n, std::memory_order_relaxed);
}

void replica_manager::set_replication_throttle_rates(int64_t leader_bytes_per_second,
                                                     int64_t follower_bytes_per_second) {
  impl_->leader_throttle->set_bound(leader_bytes_per_second);
  impl_->follower_throttle->set_bound(follower_bytes_per_second);
}

result<void> replica_manager::move_to_log_dir(const std::string& topic, int32_t index,
                                              size_t dir_index) {
  auto& s = *impl_;
  std::lock_guard serial(s.reconcile_mutex);  // no role change meanwhile
  storage::topic_partition tp{topic, index};
  auto old = s.find(topic, index);
  if (!old) {
    s.logs.prefer_dir(tp, dir_index);
    return fail(errc::unknown_topic_or_partition, "partition " + tp.dir_name() + " not hosted");
  }
  if (s.logs.dir_of(tp) == dir_index) return ok_v;
  const bool managed = old->managed();
  const bool leading = old->is_leader();
  const int64_t hw = old->high_watermark();
  role_state role{old->leader_id(), old->leader_epoch(), old->partition_epoch(), old->isr(),
                  old->replicas()};
  // Retire the old object first: waiting produces and fetches see the role change and end.
  {
    std::unique_lock lock(s.mutex);
    s.partitions.erase(old->key());
  }
  if (s.fetchers) s.fetchers->remove(old->key());
  old->become_follower({-1, role.leader_epoch, role.partition_epoch, role.isr, role.replicas});
  s.notify(*old);
  s.fetch_waiters.notify(old->key());
  s.produce_waiters.notify(old->key());

  auto moved = s.logs.move_partition(tp, dir_index);
  std::shared_ptr<storage::partition_log> log = moved ? *moved : s.logs.get(tp);
  if (!log) {
    spdlog::error("{}: lost while moving it between log dirs: {}", tp.dir_name(), moved.message());
    return fail(errc::storage_error, moved.message());
  }
  auto p = std::make_shared<partition>(topic, index, old->topic_id(), log, role.leader_epoch);
  if (managed) {
    p->set_managed(s.opts.broker_id, hw);
    p->set_min_insync_replicas(old->min_insync_replicas());
    p->set_replication_throttled(old->leader_throttled(), old->follower_throttled());
  }
  {
    std::unique_lock lock(s.mutex);
    s.partitions.emplace(p->key(), p);
  }
  if (managed) {
    if (leading) {
      p->become_leader(role, s.now_ms());
    } else {
      p->become_follower(role);
      if (role.leader >= 0) s.fetchers->add(p, role.leader, role.leader_epoch);
    }
  }
  s.notify(*p);
  if (!moved) return fail(errc::storage_error, moved.message());
  return ok_v;
}

void replica_manager::impl::apply_throttle_lists(partition& p,
                                                 const cluster::config_map& configs) const {
  p.set_replication_throttled(
      replication_throttle::listed(configs, leader_throttled_replicas, p.index(), opts.broker_id),
      replication_throttle::listed(configs, follower_throttled_replicas, p.index(),
                                   opts.broker_id));
}

void replica_manager::reconcile() {
  auto& s = *impl_;
  std::lock_guard serial(s.reconcile_mutex);
  if (s.opts.controller_managed) {
    // Cluster mode: partitions come and go with LeaderAndIsr and StopReplica (the metadata cache
    // may lag behind the controller); only topic configs are applied here.
    for (const auto& topic : s.metadata.topics()) {
      auto config = s.opts.make_log_config(topic.configs);
      int32_t min_insync = s.min_insync_for(topic.configs);
      for (const auto& state : topic.partitions) {
        auto p = s.find(topic.name, state.partition);
        if (!p) continue;
        if (config) p->log().set_config(**config);
        p->set_min_insync_replicas(min_insync);
        s.apply_throttle_lists(*p, topic.configs);
      }
    }
    return;
  }
  std::set<std::string> wanted;
  std::vector<std::shared_ptr<partition>> elected;
  for (const auto& topic : s.metadata.topics()) {
    auto config = s.opts.make_log_config(topic.configs);
    if (!config) {
      spdlog::error("topic {}: invalid configuration ({}); keeping its partitions as they are",
                    topic.name, config.message());
    }
    for (const auto& state : topic.partitions) {
      bool hosted = false;
      for (int32_t r : state.replicas) hosted |= r == s.opts.broker_id;
      if (!hosted) continue;
      auto key = partition_key(topic.name, state.partition);
      wanted.insert(key);
      if (auto existing = s.find(topic.name, state.partition)) {
        if (config) existing->log().set_config(**config);
        existing->set_leader_epoch(state.leader_epoch);
        continue;
      }
      if (!config) continue;
      storage::topic_partition tp{topic.name, state.partition};
      auto log = s.logs.get_or_create(tp, **config);
      if (!log) {
        spdlog::error("cannot open partition {}: {}", key, log.message());
        continue;
      }
      auto p = std::make_shared<partition>(topic.name, state.partition, topic.id, *log,
                                           state.leader_epoch);
      elected.push_back(p);
      std::unique_lock lock(s.mutex);
      s.partitions.emplace(key, std::move(p));
    }
  }
  std::vector<std::shared_ptr<partition>> doomed;
  {
    std::unique_lock lock(s.mutex);
    for (auto it = s.partitions.begin(); it != s.partitions.end();) {
      if (wanted.contains(it->first)) {
        ++it;
      } else {
        doomed.push_back(it->second);
        it = s.partitions.erase(it);
      }
    }
  }
  for (auto& p : doomed) {
    storage::topic_partition tp{p->topic(), p->index()};
    if (auto r = s.logs.delete_partition(tp); !r)
      spdlog::error("cannot delete partition {}: {}", p->key(), r.message());
    // Waiting fetches on it answer now (with an error for that partition).
    s.fetch_waiters.notify(p->key());
    s.produce_waiters.notify(p->key());
    for (const auto& l : s.leadership_listeners) l(p->topic(), p->index(), std::nullopt);
  }
  for (const auto& p : elected)
    for (const auto& l : s.leadership_listeners) l(p->topic(), p->index(), p->leader_epoch());
}

void replica_manager::on_leadership_change(leadership_listener listener) {
  std::lock_guard serial(impl_->reconcile_mutex);
  impl_->leadership_listeners.push_back(std::move(listener));
}

bool replica_manager::hosts(const std::string& topic, int32_t index) const {
  return impl_->find(topic, index) != nullptr;
}

result<replica_manager::batch_chunk> replica_manager::read_batches(const std::string& topic,
                                                                   int32_t index, int64_t offset,
                                                                   int32_t max_bytes) {
  auto p = impl_->find(topic, index);
  if (!p) return errc::unknown_topic_or_partition;
  if (!p->is_leader()) return errc::not_leader;
  batch_chunk chunk;
  // Up to the log end, not the high watermark, as Kafka's coordinators load (FetchIsolation
  // LOG_END): a leader just elected may not know yet that its followers hold what it holds, and
  // stopping at its stale high watermark would forget the newest committed offsets and
  // transaction states. As leader its log is the one every replica will keep.
  const int64_t end = p->log().log_end_offset();
  offset = std::max(offset, p->log().log_start_offset());
  chunk.next_offset = offset;
  if (offset >= end) {
    chunk.at_end = true;
    return chunk;
  }
  auto read = p->log().read(offset, max_bytes, end, true);
  if (!read) return from_storage(read.code());
  protocol::writer w;
  w.write_records(protocol::records::file(read->region), false);
  auto flat = w.flatten();
  if (!flat) return errc::storage_error;
  chunk.data.assign(flat->begin() + 4, flat->end());  // drop the length prefix
  // Continue after the last whole batch returned.
  std::span<const uint8_t> rest(chunk.data);
  while (rest.size() >= protocol::batch_header::size) {
    auto h = protocol::batch_header::parse(rest);
    if (!h || h->total_size() > static_cast<int64_t>(rest.size())) break;
    chunk.next_offset = h->last_offset() + 1;
    rest = rest.subspan(static_cast<size_t>(h->total_size()));
  }
  if (read->region.size == 0) chunk.next_offset = end;  // nothing readable below the end
  chunk.at_end = chunk.next_offset >= end;
  return chunk;
}

result<offset_lookup> replica_manager::list_offset(const std::string& topic, int32_t index,
                                                   int64_t timestamp, bool read_committed,
                                                   int32_t current_leader_epoch) {
  auto p = impl_->find(topic, index);
  if (!p) return errc::unknown_topic_or_partition;
  if (current_leader_epoch >= 0 && current_leader_epoch != p->leader_epoch())
    return current_leader_epoch < p->leader_epoch() ? errc::fenced_leader_epoch
                                                    : errc::unknown_leader_epoch;
  if (!p->is_leader()) return errc::not_leader;
  offset_lookup out;
  if (timestamp == storage::list_offsets::latest) {
    out.offset = read_committed ? p->last_stable_offset() : p->high_watermark();
    out.leader_epoch = p->leader_epoch();
    return out;
  }
  if (timestamp == storage::list_offsets::earliest ||
      timestamp == storage::list_offsets::earliest_local) {
    out.offset = p->log().log_start_offset();
    // The epoch in which the first remaining offset was written.
    for (const auto& e : p->log().epoch_entries())
      if (e.start_offset <= out.offset) out.leader_epoch = e.epoch;
    return out;
  }
  if (timestamp == storage::list_offsets::latest_tiered ||
      timestamp == storage::list_offsets::earliest_pending_upload) {
    // Tiered storage's offsets: without it there are none (offset -1, as Kafka answers).
    return out;
  }
  auto found = p->log().offset_for_timestamp(timestamp);
  if (!found) return from_storage(found.code());
  // Never reveal offsets above what consumers may read.
  int64_t limit = read_committed ? p->last_stable_offset() : p->high_watermark();
  if (found->offset >= limit) return offset_lookup{};
  out.offset = found->offset;
  out.timestamp = found->timestamp;
  out.leader_epoch = found->leader_epoch;
  return out;
}

result<int64_t> replica_manager::delete_records(const std::string& topic, int32_t index,
                                                int64_t offset) {
  auto p = impl_->find(topic, index);
  if (!p) return errc::unknown_topic_or_partition;
  if (!p->is_leader()) return errc::not_leader;
  auto config = p->log().config();
  if (config->cleanup_compact && !config->cleanup_delete) return errc::policy_violation;
  int64_t hw = p->high_watermark();
  if (offset == -1) offset = hw;
  if (offset < 0 || offset > hw) return errc::offset_out_of_range;
  if (offset > p->log().log_start_offset()) {
    if (auto r = p->log().advance_log_start_offset(offset); !r) return from_storage(r.code());
  }
  return p->log().log_start_offset();
}

result<std::vector<replica_manager::producer_view>> replica_manager::active_producers(
    const std::string& topic, int32_t index) {
  auto p = impl_->find(topic, index);
  if (!p) return errc::unknown_topic_or_partition;
  // Leaders and followers alike: a follower rebuilds the same state from the batches it copies.
  std::vector<producer_view> out;
  for (const auto& s : p->log().active_producers())
    out.push_back({s.producer_id, s.epoch, s.last_sequence, s.last_timestamp, s.coordinator_epoch,
                   s.current_txn_start_offset});
  return out;
}

result<epoch_end_offset> replica_manager::end_offset_for_epoch(const std::string& topic,
                                                               int32_t index,
                                                               int32_t current_leader_epoch,
                                                               int32_t epoch) {
  auto p = impl_->find(topic, index);
  if (!p) return errc::unknown_topic_or_partition;
  if (current_leader_epoch >= 0 && current_leader_epoch != p->leader_epoch())
    return current_leader_epoch < p->leader_epoch() ? errc::fenced_leader_epoch
                                                    : errc::unknown_leader_epoch;
  if (!p->is_leader()) return errc::not_leader;
  auto end = p->log().end_offset_for_epoch(epoch);
  return epoch_end_offset{end.epoch, end.end_offset};
}

std::vector<partition_summary> replica_manager::summaries() const {
  std::vector<partition_summary> out;
  std::shared_lock lock(impl_->mutex);
  for (const auto& [key, p] : impl_->partitions) {
    partition_summary s;
    s.topic = p->topic();
    s.partition = p->index();
    auto dir = std::filesystem::path(p->log().dir()).parent_path().string();
    s.log_dir = dir;
    s.size_bytes = p->log().size_bytes();
    s.log_start_offset = p->log().log_start_offset();
    s.log_end_offset = p->log().log_end_offset();
    s.high_watermark = p->high_watermark();
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> replica_manager::log_dirs() const {
  return impl_->logs.log_dirs();
}

void replica_manager::shutdown() {
  auto& s = *impl_;
  if (s.stopped.exchange(true)) return;
  {
    std::lock_guard lock(s.background_mutex);
    s.background_stop = true;
    s.background_wake.notify_all();
  }
  if (s.background.joinable()) s.background.join();
  if (s.fetchers) s.fetchers->shutdown();
  s.produce_waiters.shutdown();
  s.fetch_waiters.shutdown();
  if (s.opts.controller_managed) s.checkpoint();
}

}  // namespace sluice::replication
