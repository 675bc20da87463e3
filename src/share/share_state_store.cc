#include "share/share_state_store.h"

namespace sluice::share {

using protocol::error_code;

namespace {

std::optional<error_code> error_of(coordinator::append_status s) {
  switch (s) {
    case coordinator::append_status::ok:
      return std::nullopt;
    case coordinator::append_status::not_leader:
      return error_code::not_coordinator;
    case coordinator::append_status::unavailable:
      return error_code::coordinator_not_available;
    default:
      return error_code::unknown_server_error;
  }
}

}  // namespace

share_state_store::share_state_store(coordinator::offsets_log& log, int32_t state_partitions,
                                     std::function<int64_t()> clock_ms)
    : log_(log), clock_ms_(std::move(clock_ms)), core_(state_partitions) {}

int32_t share_state_store::partition_for(const share_partition_key& key) const {
  return core_.partition_for(key);  // depends only on the partition count: no lock
}

template <class F>
void share_state_store::run(F&& f) {
  std::lock_guard lock(mutex_);
  f(core_, clock_ms_());
}

void share_state_store::on_partition_elected(int32_t partition, int32_t leader_epoch) {
  coordinator::load_partition(core_, mutex_, log_, partition, leader_epoch, "__share_group_state",
                              [this](auto&& f) { run(std::forward<decltype(f)>(f)); });
}

void share_state_store::on_partition_resigned(int32_t partition,
                                              std::optional<int32_t> leader_epoch) {
  run([&](share_coordinator& core, int64_t) { core.unload(partition, leader_epoch); });
}

result<persisted_state, error_code> share_state_store::read(const share_partition_key& key,
                                                            int32_t leader_epoch) {
  std::lock_guard lock(mutex_);
  return core_.read(key, leader_epoch);
}

void share_state_store::issue(result<coordinator::log_record, error_code> record, int32_t partition,
                              unique_function<void(std::optional<error_code>)> done,
                              std::unique_lock<std::mutex>& lock) {
  if (!record) {
    lock.unlock();
    return done(record.error().code);
  }
  issuer_.push({partition, std::move(record).value(), std::move(done)});
  if (!issuer_.claim()) return;
  lock.unlock();
  issuer_.drain(lock, [this](pending_append a) {
    auto done =
        std::make_shared<unique_function<void(std::optional<error_code>)>>(std::move(a.done));
    std::vector<coordinator::log_record> records;
    records.push_back(std::move(a.record));
    log_.append(a.partition, std::move(records),
                [done](coordinator::append_status s) { (*done)(error_of(s)); });
  });
}

void share_state_store::write(const share_partition_key& key, const persisted_state& state,
                              unique_function<void(std::optional<error_code>)> done) {
  std::unique_lock lock(mutex_);
  issue(core_.write(key, state, clock_ms_()), core_.partition_for(key), std::move(done), lock);
}

void share_state_store::initialize(const share_partition_key& key, int32_t state_epoch,
                                   int64_t start_offset,
                                   unique_function<void(std::optional<error_code>)> done) {
  std::unique_lock lock(mutex_);
  issue(core_.initialize(key, state_epoch, start_offset, clock_ms_()), core_.partition_for(key),
        std::move(done), lock);
}

void share_state_store::remove(const share_partition_key& key,
                               unique_function<void(std::optional<error_code>)> done) {
  std::unique_lock lock(mutex_);
  issue(core_.remove(key, clock_ms_()), core_.partition_for(key), std::move(done), lock);
}

}  // namespace sluice::share
