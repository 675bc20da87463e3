// txn_coordinator: the transaction coordinator as the broker uses it — txn_coordinator_core plus
// the I/O it needs: __transaction_state through state_log, transaction markers through
// marker_channel, one timer through txn_timer, and the clock. Handlers call the request entry
// points (after authorisation; the core answers everything else, including NOT_COORDINATOR);
// the replica manager calls on_partition_elected/on_partition_resigned when this broker gains or
// loses the leadership of a __transaction_state partition; the timer calls on_timer.
//
// Owned by the broker (server/broker), which constructs it after the replica manager and the
// marker channel, calls start(), and at shutdown calls stop() before it stops the log and the
// marker channel (whose outstanding appends and reports must still call back) and destroys this.
//
// Threading: every entry point may be called from any thread. One mutex serialises the core;
// completions (responses), state_log and marker_channel calls run after it is released, so a log
// or channel that calls back at once never deadlocks. Appends, markers and cancellations are
// handed over in the order the core made them. Hooks run under the mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <variant>

#include "coordinator/driver_support.h"
#include "transaction/txn_coordinator_core.h"
#include "transaction/txn_io.h"

namespace sluice::transaction {

class txn_coordinator {
 public:
  // `clock_ms`: wall-clock milliseconds since the epoch (transaction timestamps are wall-clock
  // time). `log`, `markers` and `timer` must outlive this object.
  txn_coordinator(txn_config config, state_log& log, marker_channel& markers, txn_timer& timer,
                  std::function<int64_t()> clock_ms, txn_hooks hooks = {});
  ~txn_coordinator();
  txn_coordinator(const txn_coordinator&) = delete;
  txn_coordinator& operator=(const txn_coordinator&) = delete;

  void start();
  void stop();

  // The __transaction_state partition of a transactional id (FindCoordinator key type 1).
  int32_t partition_for(std::string_view transactional_id) const;

  // Leadership of __transaction_state partitions (the coordinator epoch is the leader epoch).
  void on_partition_elected(int32_t partition, int32_t leader_epoch);
  void on_partition_resigned(int32_t partition, std::optional<int32_t> leader_epoch);
  // The timer armed through txn_timer went off.
  void on_timer();

  // Requests, decoded at `version`; `done` gets the response to send at that version.
  void init_producer_id(const protocol::init_producer_id_request& request, int16_t version,
                        completion<protocol::init_producer_id_response> done);
  void add_partitions_to_txn(const protocol::add_partitions_to_txn_request& request,
                             int16_t version,
                             completion<protocol::add_partitions_to_txn_response> done);
  void add_offsets_to_txn(const protocol::add_offsets_to_txn_request& request, int16_t version,
                          completion<protocol::add_offsets_to_txn_response> done);
  void end_txn(const protocol::end_txn_request& request, int16_t version,
               completion<protocol::end_txn_response> done);
  void describe_transactions(const protocol::describe_transactions_request& request,
                             int16_t version,
                             completion<protocol::describe_transactions_response> done);
  void list_transactions(const protocol::list_transactions_request& request, int16_t version,
                         completion<protocol::list_transactions_response> done);

 private:
  struct cancel_marker {
    uint64_t id = 0;
  };
  using io_op = std::variant<append_request, marker_request, cancel_marker>;

  // Runs `f(core, now)` under the lock, then delivers what it produced.
  template <class F>
  void run(F&& f);
  void flush(std::unique_lock<std::mutex>& lock);
  void issue(io_op op);

  state_log& log_;
  marker_channel& markers_;
  txn_timer& timer_;
  std::function<int64_t()> clock_ms_;
  mutable std::mutex mutex_;
  txn_coordinator_core core_;
  coordinator::ordered_issuer<io_op> issuer_;  // mutex_
  std::optional<int64_t> armed_;
};

}  // namespace sluice::transaction
