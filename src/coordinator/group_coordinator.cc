#include "coordinator/group_coordinator.h"

#include <spdlog/spdlog.h>

#include <memory>

namespace sluice::coordinator {

group_coordinator::group_coordinator(coordinator_config config, offsets_log& log,
                                     timer_driver& timer, std::function<int64_t()> clock_ms,
                                     coordinator_hooks hooks)
    : log_(log), timer_(timer), clock_ms_(std::move(clock_ms)), core_(config, std::move(hooks)) {}

group_coordinator::~group_coordinator() = default;

template <class F>
void group_coordinator::run(F&& f) {
  std::unique_lock lock(mutex_);
  f(core_, clock_ms_());
  flush(lock);
}

void group_coordinator::flush(std::unique_lock<std::mutex>& lock) {
  std::vector<task> ready = core_.take_ready();
  for (auto& a : core_.take_appends()) issuer_.push(std::move(a));
  if (auto deadline = core_.next_deadline(); deadline != armed_) {
    armed_ = deadline;
    timer_.arm(deadline);
  }
  bool issue = issuer_.claim();
  lock.unlock();

  for (auto& t : ready) t();
  if (!issue) return;
  issuer_.drain(lock, [this](append_request a) {
    log_.append(a.partition, std::move(a.records), [this, id = a.id](append_status status) {
      run([&](coordinator_core& core, int64_t now) { core.append_done(id, status, now); });
    });
  });
}

void group_coordinator::start() {
  run([](coordinator_core& core, int64_t now) { core.start(now); });
}

void group_coordinator::stop() {
  run([](coordinator_core& core, int64_t now) { core.stop(now); });
}

int32_t group_coordinator::partition_for(std::string_view group_id) const {
  return core_.partition_for(group_id);  // reads only the immutable config
}

void group_coordinator::on_partition_elected(int32_t partition, int32_t leader_epoch) {
  load_partition(core_, mutex_, log_, partition, leader_epoch, "__consumer_offsets",
                 [this](auto&& f) { run(std::forward<decltype(f)>(f)); });
}

void group_coordinator::on_partition_resigned(int32_t partition,
                                              std::optional<int32_t> leader_epoch) {
  run([&](coordinator_core& core, int64_t) { core.unload(partition, leader_epoch); });
}

void group_coordinator::on_timer() {
  run([&](coordinator_core& core, int64_t now) {
    armed_.reset();  // it went off; flush re-arms for what is left
    core.on_timer(now);
  });
}

void group_coordinator::on_partitions_deleted(std::vector<topic_partition> tps) {
  run([&](coordinator_core& core, int64_t now) { core.partitions_deleted(tps, now); });
}

void group_coordinator::join_group(protocol::join_group_request request, int16_t version,
                                   client_info client,
                                   completion<protocol::join_group_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.join_group(std::move(request), version, client, now, std::move(done));
  });
}

void group_coordinator::sync_group(protocol::sync_group_request request, int16_t version,
                                   completion<protocol::sync_group_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.sync_group(std::move(request), version, now, std::move(done));
  });
}

void group_coordinator::consumer_group_heartbeat(
    protocol::consumer_group_heartbeat_request request, int16_t version, client_info client,
    completion<protocol::consumer_group_heartbeat_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.consumer_group_heartbeat(std::move(request), version, client, now, std::move(done));
  });
}

void group_coordinator::consumer_group_describe(
    const protocol::consumer_group_describe_request& request, int16_t version,
    completion<protocol::consumer_group_describe_response> done) {
  run([&](coordinator_core& core, int64_t) {
    core.consumer_group_describe(request, version, std::move(done));
  });
}

void group_coordinator::share_group_heartbeat(
    protocol::share_group_heartbeat_request request, int16_t version, client_info client,
    completion<protocol::share_group_heartbeat_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.share_group_heartbeat(std::move(request), version, client, now, std::move(done));
  });
}

void group_coordinator::share_group_describe(
    const protocol::share_group_describe_request& request, int16_t version,
    completion<protocol::share_group_describe_response> done) {
  run([&](coordinator_core& core, int64_t) {
    core.share_group_describe(request, version, std::move(done));
  });
}

sluice::result<std::set<std::string>, protocol::error_code> group_coordinator::share_group_topics(
    const std::string& group_id) {
  std::lock_guard lock(mutex_);
  return core_.share_group_topics(group_id);
}

std::optional<protocol::error_code> group_coordinator::prepare_share_offsets_change(
    const std::string& group_id, bool create, const std::set<std::string>& topics) {
  std::optional<protocol::error_code> outcome;
  run([&](coordinator_core& core, int64_t now) {
    outcome = core.prepare_share_offsets_change(group_id, create, topics, now);
  });
  return outcome;
}

void group_coordinator::heartbeat(const protocol::heartbeat_request& request, int16_t version,
                                  completion<protocol::heartbeat_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.heartbeat(request, version, now, std::move(done));
  });
}

void group_coordinator::leave_group(const protocol::leave_group_request& request, int16_t version,
                                    completion<protocol::leave_group_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.leave_group(request, version, now, std::move(done));
  });
}

void group_coordinator::offset_commit(const protocol::offset_commit_request& request,
                                      int16_t version,
                                      completion<protocol::offset_commit_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.offset_commit(request, version, now, std::move(done));
  });
}

void group_coordinator::txn_offset_commit(const protocol::txn_offset_commit_request& request,
                                          int16_t version,
                                          completion<protocol::txn_offset_commit_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.txn_offset_commit(request, version, now, std::move(done));
  });
}

void group_coordinator::complete_transaction(int32_t partition, int64_t producer_id, bool commit) {
  run([&](coordinator_core& core, int64_t) {
    core.complete_transaction(partition, producer_id, commit);
  });
}

void group_coordinator::offset_fetch(const protocol::offset_fetch_request& request, int16_t version,
                                     completion<protocol::offset_fetch_response> done) {
  run([&](coordinator_core& core, int64_t) {
    core.offset_fetch(request, version, std::move(done));
  });
}

void group_coordinator::list_groups(const protocol::list_groups_request& request, int16_t version,
                                    completion<protocol::list_groups_response> done) {
  run([&](coordinator_core& core, int64_t) {
    core.list_groups(request, version, std::move(done));
  });
}

void group_coordinator::describe_groups(const protocol::describe_groups_request& request,
                                        int16_t version,
                                        completion<protocol::describe_groups_response> done) {
  run([&](coordinator_core& core, int64_t) {
    core.describe_groups(request, version, std::move(done));
  });
}

void group_coordinator::delete_groups(const protocol::delete_groups_request& request,
                                      int16_t version,
                                      completion<protocol::delete_groups_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.delete_groups(request, version, now, std::move(done));
  });
}

void group_coordinator::offset_delete(const protocol::offset_delete_request& request,
                                      int16_t version,
                                      completion<protocol::offset_delete_response> done) {
  run([&](coordinator_core& core, int64_t now) {
    core.offset_delete(request, version, now, std::move(done));
  });
}

}  // namespace sluice::coordinator
