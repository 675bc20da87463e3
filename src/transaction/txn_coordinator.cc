#include "transaction/txn_coordinator.h"

#include <spdlog/spdlog.h>

#include <memory>

namespace sluice::transaction {

txn_coordinator::txn_coordinator(txn_config config, state_log& log, marker_channel& markers,
                                 txn_timer& timer, std::function<int64_t()> clock_ms,
                                 txn_hooks hooks)
    : log_(log),
      markers_(markers),
      timer_(timer),
      clock_ms_(std::move(clock_ms)),
      core_(config, std::move(hooks)) {}

txn_coordinator::~txn_coordinator() = default;

template <class F>
void txn_coordinator::run(F&& f) {
  std::unique_lock lock(mutex_);
  f(core_, clock_ms_());
  flush(lock);
}

void txn_coordinator::flush(std::unique_lock<std::mutex>& lock) {
  std::vector<task> ready = core_.take_ready();
  // Cancellations first (a marker the core replaced is cancelled before its successor is sent);
  // a marker cancelled before it was ever sent is not sent at all.
  auto cancelled = core_.take_cancelled_markers();
  auto markers = core_.take_markers();
  for (uint64_t id : cancelled) {
    if (std::erase_if(markers, [id](const marker_request& m) { return m.id == id; }) == 0) {
      issuer_.push(cancel_marker{id});
    }
  }
  for (auto& m : markers) issuer_.push(std::move(m));
  for (auto& a : core_.take_appends()) issuer_.push(std::move(a));
  if (auto deadline = core_.next_deadline(); deadline != armed_) {
    armed_ = deadline;
    timer_.arm(deadline);
  }
  bool issue_now = issuer_.claim();
  lock.unlock();

  for (auto& t : ready) t();
  if (issue_now) issuer_.drain(lock, [this](io_op op) { issue(std::move(op)); });
}

void txn_coordinator::issue(io_op op) {
  if (auto* a = std::get_if<append_request>(&op)) {
    log_.append(a->partition, std::move(a->records), [this, id = a->id](append_status status) {
      run([&](txn_coordinator_core& core, int64_t now) { core.append_done(id, status, now); });
    });
  } else if (auto* m = std::get_if<marker_request>(&op)) {
    uint64_t id = m->id;
    markers_.send(std::move(*m), [this, id](const topic_partition& tp, marker_outcome outcome) {
      run([&](txn_coordinator_core& core, int64_t now) { core.marker_done(id, tp, outcome, now); });
    });
  } else {
    markers_.cancel(std::get<cancel_marker>(op).id);
  }
}

void txn_coordinator::start() {
  run([](txn_coordinator_core& core, int64_t now) { core.start(now); });
}

void txn_coordinator::stop() {
  run([](txn_coordinator_core& core, int64_t now) { core.stop(now); });
}

int32_t txn_coordinator::partition_for(std::string_view transactional_id) const {
  return core_.partition_for(transactional_id);  // reads only the immutable config
}

void txn_coordinator::on_partition_elected(int32_t partition, int32_t leader_epoch) {
  coordinator::load_partition(core_, mutex_, log_, partition, leader_epoch, "__transaction_state",
                              [this](auto&& f) { run(std::forward<decltype(f)>(f)); });
}

void txn_coordinator::on_partition_resigned(int32_t partition,
                                            std::optional<int32_t> leader_epoch) {
  run([&](txn_coordinator_core& core, int64_t) { core.unload(partition, leader_epoch); });
}

void txn_coordinator::on_timer() {
  run([&](txn_coordinator_core& core, int64_t now) {
    armed_.reset();  // it went off; flush re-arms for what is left
    core.on_timer(now);
  });
}

void txn_coordinator::init_producer_id(const protocol::init_producer_id_request& request,
                                       int16_t version,
                                       completion<protocol::init_producer_id_response> done) {
  run([&](txn_coordinator_core& core, int64_t now) {
    core.init_producer_id(request, version, now, std::move(done));
  });
}

void txn_coordinator::add_partitions_to_txn(
    const protocol::add_partitions_to_txn_request& request, int16_t version,
    completion<protocol::add_partitions_to_txn_response> done) {
  run([&](txn_coordinator_core& core, int64_t now) {
    core.add_partitions_to_txn(request, version, now, std::move(done));
  });
}

void txn_coordinator::add_offsets_to_txn(const protocol::add_offsets_to_txn_request& request,
                                         int16_t version,
                                         completion<protocol::add_offsets_to_txn_response> done) {
  run([&](txn_coordinator_core& core, int64_t now) {
    core.add_offsets_to_txn(request, version, now, std::move(done));
  });
}

void txn_coordinator::end_txn(const protocol::end_txn_request& request, int16_t version,
                              completion<protocol::end_txn_response> done) {
  run([&](txn_coordinator_core& core, int64_t now) {
    core.end_txn(request, version, now, std::move(done));
  });
}

void txn_coordinator::describe_transactions(
    const protocol::describe_transactions_request& request, int16_t version,
    completion<protocol::describe_transactions_response> done) {
  run([&](txn_coordinator_core& core, int64_t) {
    core.describe_transactions(request, version, std::move(done));
  });
}

void txn_coordinator::list_transactions(const protocol::list_transactions_request& request,
                                        int16_t version,
                                        completion<protocol::list_transactions_response> done) {
  run([&](txn_coordinator_core& core, int64_t now) {
    core.list_transactions(request, version, now, std::move(done));
  });
}

}  // namespace sluice::transaction
