// replica_manager in cluster mode: roles from the controller (LeaderAndIsr, StopReplica), the
// leader's ISR changes, the periodic ISR check and the high-watermark checkpoint.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "replication/fetch_transport.h"
#include "replication/replica_manager_impl.h"

namespace sluice::replication {

namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

std::vector<std::shared_ptr<partition>> replica_manager::impl::all() const {
  std::shared_lock lock(mutex);
  std::vector<std::shared_ptr<partition>> out;
  out.reserve(partitions.size());
  for (const auto& [key, p] : partitions) out.push_back(p);
  return out;
}

int64_t replica_manager::impl::now_ms() const {
  return opts.clock ? opts.clock() : wall_clock_ms();
}

void replica_manager::impl::notify(const partition& p) {
  produce_waiters.notify(p.key());
  fetch_waiters.notify(p.key());
}

int32_t replica_manager::impl::min_insync_for(const cluster::config_map& configs) const {
  auto it = configs.find("min.insync.replicas");
  if (it != configs.end()) {
    int32_t n = 0;
    const auto& v = it->second;
    if (std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc() && n >= 1) return n;
  }
  return std::max(1, default_min_insync.load(std::memory_order_relaxed));
}

void replica_manager::impl::send_isr_change(const std::shared_ptr<partition>& p,
                                            isr_change change) {
  spdlog::info("{}: proposing ISR [{}] -> [{}] (leader epoch {}, partition epoch {})", p->key(),
               fmt::join(p->isr(), ","), fmt::join(change.new_isr, ","), change.leader_epoch,
               change.partition_epoch);
  if (!opts.send_isr_change) {
    (void)p->complete_isr_change(change, isr_change_result{errc::unknown}, now_ms());
    return;
  }
  auto sent = change;
  opts.send_isr_change(std::move(change), [this, p, sent](isr_change_result answer) {
    if (stopped.load()) return;
    p->complete_isr_change(sent, answer, now_ms());
    notify(*p);  // the ISR (and maybe the high watermark) moved: acks=-1 produces re-check
  });
}

void replica_manager::impl::start_cluster_mode() {
  loaded_high_watermarks = logs.loaded_high_watermarks();
  fetcher_settings fs;
  fs.self_id = opts.broker_id;
  fs.max_wait_ms = opts.replica_fetch_wait_max_ms;
  fs.min_bytes = opts.replica_fetch_min_bytes;
  fs.response_max_bytes = opts.replica_fetch_response_max_bytes;
  fs.partition_max_bytes = opts.replica_fetch_max_bytes;
  fs.backoff_ms = opts.replica_fetch_backoff_ms;
  fs.throttle = follower_throttle;
  auto factory = opts.make_fetch_transport;
  if (!factory) {
    factory = [self = opts.broker_id, locate = opts.locate_broker,
               timeout = opts.replica_socket_timeout_ms, wait = opts.replica_fetch_wait_max_ms,
               security = opts.security](int32_t leader, int32_t index) {
      return make_network_fetch_transport(self, leader, index, locate, timeout, wait, security);
    };
  }
  fetchers = std::make_unique<fetcher_manager>(fs, opts.num_replica_fetchers, std::move(factory));
  if (opts.background_tasks) background = std::thread([this] { background_loop(); });
}

void replica_manager::impl::background_loop() {
  using namespace std::chrono;
  const auto isr_every = milliseconds(std::max<int64_t>(opts.replica_lag_time_max_ms / 2, 10));
  const auto checkpoint_every =
      milliseconds(std::max<int64_t>(opts.high_watermark_checkpoint_interval_ms, 10));
  auto next_isr = steady_clock::now() + isr_every;
  auto next_checkpoint = steady_clock::now() + checkpoint_every;
  std::unique_lock lock(background_mutex);
  while (!background_stop) {
    background_wake.wait_until(lock, std::min(next_isr, next_checkpoint),
                               [&] { return background_stop; });
    if (background_stop) break;
    auto now = steady_clock::now();
    lock.unlock();
    if (now >= next_isr) {
      next_isr = now + isr_every;
      check_isr();
    }
    if (now >= next_checkpoint) {
      next_checkpoint = now + checkpoint_every;
      checkpoint();
    }
    lock.lock();
  }
}

std::vector<partition_outcome> replica_manager::apply_leader_and_isr(
    int32_t controller_id, int32_t controller_epoch, std::vector<partition_role> roles) {
  auto& s = *impl_;
  std::lock_guard serial(s.reconcile_mutex);
  std::vector<partition_outcome> outcomes;
  outcomes.reserve(roles.size());
  if (!s.opts.controller_managed || s.stopped.load() || controller_epoch < s.controller_epoch) {
    if (s.opts.controller_managed && !s.stopped.load())
      spdlog::warn("ignoring LeaderAndIsr from controller {} with stale epoch {} (current {})",
                   controller_id, controller_epoch, s.controller_epoch.load());
    for (const auto& r : roles)
      outcomes.push_back({r.topic, r.partition, errc::fenced_leader_epoch});
    return outcomes;
  }
  s.controller_epoch = controller_epoch;

  const int32_t self = s.opts.broker_id;
  std::vector<std::shared_ptr<partition>> led, resigned;
  struct follow {
    std::shared_ptr<partition> p;
    int32_t leader;
    int32_t epoch;
  };
  std::vector<follow> to_follow;

  for (auto& role : roles) {
    auto& out = outcomes.emplace_back(partition_outcome{role.topic, role.partition, {}});
    if (!contains(role.replicas, self)) {
      out.error = errc::unknown_topic_or_partition;
      continue;
    }
    auto p = s.find(role.topic, role.partition);
    bool fresh = false;
    if (!p) {
      auto topic = s.metadata.topic(role.topic);
      cluster::config_map configs = topic ? topic->configs : cluster::config_map{};
      auto config = s.opts.make_log_config(configs);
      if (!config) config = s.opts.make_log_config({});
      if (!config) {
        out.error = errc::storage_error;
        continue;
      }
      storage::topic_partition tp{role.topic, role.partition};
      auto log = s.logs.get_or_create(tp, **config);
      if (!log) {
        spdlog::error("cannot open partition {}-{}: {}", role.topic, role.partition, log.message());
        out.error = errc::storage_error;
        continue;
      }
      p = std::make_shared<partition>(role.topic, role.partition, role.topic_id, *log, -1);
      auto hw = s.loaded_high_watermarks.find(tp);
      p->set_managed(self, hw == s.loaded_high_watermarks.end() ? -1 : hw->second);
      p->set_min_insync_replicas(s.min_insync_for(configs));
      s.apply_throttle_lists(*p, configs);
      {
        std::unique_lock lock(s.mutex);
        s.partitions.emplace(p->key(), p);
      }
      fresh = true;
    } else if (!fresh) {
      int32_t current = p->leader_epoch();
      bool newer_epoch = role.leader_epoch > current;
      bool same_epoch_newer_state =
          role.leader_epoch == current && role.partition_epoch > p->partition_epoch();
      if (!newer_epoch && !same_epoch_newer_state) {
        spdlog::info(
            "{}: ignoring LeaderAndIsr with leader epoch {} (partition epoch {}); at {} ({})",
            p->key(), role.leader_epoch, role.partition_epoch, current, p->partition_epoch());
        out.error = errc::fenced_leader_epoch;
        continue;
      }
      if (same_epoch_newer_state && p->leader_id() == role.leader) {
        // Only the ISR or the replica set changed.
        if (p->update_membership(
                {role.leader, role.leader_epoch, role.partition_epoch, role.isr, role.replicas}))
          s.notify(*p);
        continue;
      }
    }

    role_state state{role.leader, role.leader_epoch, role.partition_epoch, role.isr, role.replicas};
    if (role.leader == self) {
      s.fetchers->remove(p->key());
      p->become_leader(state, s.now_ms());
      spdlog::info("{}: leader in epoch {}, ISR [{}], log end {}, high watermark {}", p->key(),
                   role.leader_epoch, fmt::join(role.isr, ","), p->log().log_end_offset(),
                   p->high_watermark());
      led.push_back(p);
    } else {
      p->become_follower(state);
      spdlog::info("{}: follower of broker {} in epoch {}, log end {}", p->key(), role.leader,
                   role.leader_epoch, p->log().log_end_offset());
      if (role.leader >= 0) {
        to_follow.push_back({p, role.leader, role.leader_epoch});
      } else {
        s.fetchers->remove(p->key());
      }
      resigned.push_back(p);  // listeners unload whatever they had (Kafka's onResignation)
    }
    s.notify(*p);  // waiting produces and fetches re-check the role and the high watermark
  }

  for (const auto& f : to_follow) s.fetchers->add(f.p, f.leader, f.epoch);
  for (const auto& p : led)
    for (const auto& l : s.leadership_listeners) l(p->topic(), p->index(), p->leader_epoch());
  for (const auto& p : resigned)
    for (const auto& l : s.leadership_listeners) l(p->topic(), p->index(), std::nullopt);
  return outcomes;
}

std::vector<partition_outcome> replica_manager::stop_replicas(
    int32_t controller_id, int32_t controller_epoch, std::vector<stop_replica_entry> entries) {
  auto& s = *impl_;
  std::lock_guard serial(s.reconcile_mutex);
  std::vector<partition_outcome> outcomes;
  if (!s.opts.controller_managed || s.stopped.load() || controller_epoch < s.controller_epoch) {
    if (s.opts.controller_managed && !s.stopped.load())
      spdlog::warn("ignoring StopReplica from controller {} with stale epoch {} (current {})",
                   controller_id, controller_epoch, s.controller_epoch.load());
    for (const auto& e : entries)
      outcomes.push_back({e.topic, e.partition, errc::fenced_leader_epoch});
    return outcomes;
  }
  s.controller_epoch = controller_epoch;
  std::vector<std::shared_ptr<partition>> resigned;
  for (const auto& e : entries) {
    auto& out = outcomes.emplace_back(partition_outcome{e.topic, e.partition, {}});
    storage::topic_partition tp{e.topic, e.partition};
    auto p = s.find(e.topic, e.partition);
    if (!p) {
      if (e.delete_log && s.logs.get(tp)) {
        if (auto r = s.logs.delete_partition(tp); !r) out.error = errc::storage_error;
      }
      continue;
    }
    if (e.leader_epoch >= 0 && e.leader_epoch < p->leader_epoch()) {
      out.error = errc::fenced_leader_epoch;
      continue;
    }
    s.fetchers->remove(p->key());
    if (e.delete_log) {
      {
        std::unique_lock lock(s.mutex);
        s.partitions.erase(p->key());
      }
      p->become_follower({-1, p->leader_epoch(), p->partition_epoch(), {}, {}});
      if (auto r = s.logs.delete_partition(tp); !r) {
        spdlog::error("cannot delete partition {}: {}", p->key(), r.message());
        out.error = errc::storage_error;
      }
    } else {
      p->become_follower({-1, p->leader_epoch(), p->partition_epoch(), p->isr(), p->replicas()});
    }
    s.notify(*p);
    resigned.push_back(p);
  }
  for (const auto& p : resigned)
    for (const auto& l : s.leadership_listeners) l(p->topic(), p->index(), std::nullopt);
  return outcomes;
}

std::vector<std::pair<std::string, int32_t>> replica_manager::led_partitions() const {
  std::vector<std::pair<std::string, int32_t>> out;
  for (const auto& p : impl_->all())
    if (p->is_leader()) out.emplace_back(p->topic(), p->index());
  std::sort(out.begin(), out.end());
  return out;
}

int32_t replica_manager::under_replicated_count() const {
  int32_t n = 0;
  for (const auto& p : impl_->all())
    if (p->managed() && p->is_leader() && p->isr_size() < p->replicas().size()) ++n;
  return n;
}

int32_t replica_manager::controller_epoch() const {
  return impl_->controller_epoch.load();
}

std::optional<partition_view> replica_manager::describe(const std::string& topic,
                                                        int32_t index) const {
  auto p = impl_->find(topic, index);
  if (!p) return std::nullopt;
  partition_view v;
  v.leader = p->is_leader();
  v.leader_id = p->managed() ? p->leader_id() : impl_->opts.broker_id;
  v.leader_epoch = p->leader_epoch();
  v.partition_epoch = p->partition_epoch();
  v.isr = p->managed() ? p->isr() : std::vector<int32_t>{impl_->opts.broker_id};
  v.replicas = p->managed() ? p->replicas() : std::vector<int32_t>{impl_->opts.broker_id};
  v.high_watermark = p->high_watermark();
  v.log_start_offset = p->log().log_start_offset();
  v.log_end_offset = p->log().log_end_offset();
  return v;
}

void replica_manager::impl::check_isr() {
  for (const auto& p : all()) {
    if (!p->managed() || !p->is_leader()) continue;
    if (auto change = p->propose_isr_shrink(now_ms(), opts.replica_lag_time_max_ms))
      send_isr_change(p, std::move(*change));
  }
}

void replica_manager::impl::checkpoint() {
  storage::offset_map hws;
  for (const auto& p : all())
    if (p->managed()) hws[storage::topic_partition{p->topic(), p->index()}] = p->high_watermark();
  if (hws.empty()) return;
  if (auto r = logs.checkpoint_high_watermarks(hws); !r)
    spdlog::warn("cannot write replication-offset-checkpoint: {}", r.message());
}

void replica_manager::check_isr() {
  impl_->check_isr();
}

void replica_manager::checkpoint_high_watermarks() {
  impl_->checkpoint();
}

}  // namespace sluice::replication
