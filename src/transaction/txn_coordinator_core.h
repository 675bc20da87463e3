// txn_coordinator_core: Kafka's transaction coordinator (KIP-98, KIP-360, KIP-447, KIP-890 part
// 1, as Apache Kafka 3.9 behaves) as a deterministic state machine.
//
// Events in: decoded requests (with the version they came in and the current time), appends to
// __transaction_state finishing, transaction markers reported written, timers falling due, and
// __transaction_state partitions gained (loaded by replaying their records) and lost. Effects
// out, queued rather than run: responses (take_ready: each request's completion is called
// exactly once, at once or when its record is written), records to append (take_appends; report
// each with append_done), markers to write (take_markers; report each partition with
// marker_done), markers no longer wanted (take_cancelled_markers: stop retrying them), and the
// next deadline (next_deadline; call on_timer then). Nothing here does I/O or reads a clock;
// txn_coordinator is the driver for the broker, tests drive it by hand.
//
// A transactional id lives on __transaction_state partition partition_for(id); the coordinator
// serves it only while it owns that partition (loaded at a leader epoch, which is the
// coordinator epoch its markers carry). Otherwise requests get NOT_COORDINATOR, or
// COORDINATOR_LOAD_IN_PROGRESS while the partition loads; before start() and after stop()
// COORDINATOR_NOT_AVAILABLE.
//
// Writes. Every change to an id is one TransactionLogValue record; the id's state changes only
// when the append is reported ok, through the same apply() that replays records on load (one
// code path for live and recovery). While a write is in flight the id has a pending state and
// other requests get CONCURRENT_TRANSACTIONS. Responses wait for their record: InitProducerId
// answers after its Empty record, AddPartitionsToTxn/AddOffsetsToTxn after Ongoing, EndTxn after
// PrepareCommit/PrepareAbort (the markers follow). A failed append answers NOT_COORDINATOR
// (not_leader, failed), COORDINATOR_NOT_AVAILABLE (unavailable) or UNKNOWN_SERVER_ERROR
// (too_large), as Kafka maps them.
//
// Markers. After PrepareCommit/PrepareAbort (written live, or found on load) one marker_request
// lists the transaction's partitions; when each is reported written (or gone) CompleteCommit/
// CompleteAbort is written, retried after complete_retry_backoff_ms while the log says
// unavailable. Unloading the partition drops its markers (cancelled); the next owner sends them
// again from what it loads.
//
// Threading: none. One thread at a time; txn_coordinator serialises callers with a mutex. Hooks
// are called from inside the entry points and must not call back into the core.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/completion.h"
#include "protocol/generated/add_offsets_to_txn.h"
#include "protocol/generated/add_partitions_to_txn.h"
#include "protocol/generated/describe_transactions.h"
#include "protocol/generated/end_txn.h"
#include "protocol/generated/init_producer_id.h"
#include "protocol/generated/list_transactions.h"
#include "transaction/config.h"
#include "transaction/log_records.h"
#include "transaction/markers.h"
#include "transaction/txn_metadata.h"

namespace sluice::transaction {

using coordinator::completion;
using coordinator::task;

// Records the driver must append to a __transaction_state partition (one batch, acks=all), then
// report with append_done(id, ...).
struct append_request {
  uint64_t id = 0;
  int32_t partition = 0;
  std::vector<log_record> records;
};

// What the coordinator asks of its surroundings. Called with the driver's lock held.
struct txn_hooks {
  // A new producer id, or nullopt when none can be handed out now (the next block is still being
  // fetched): the request then gets COORDINATOR_LOAD_IN_PROGRESS, which clients retry, as
  // Kafka's coordinator answers. Unset: never an id.
  std::function<std::optional<int64_t>()> allocate_producer_id;
  // Whether a topic-partition exists (AddPartitionsToTxn answers UNKNOWN_TOPIC_OR_PARTITION for
  // those that do not, and OPERATION_NOT_ATTEMPTED for the rest). Unset: everything exists.
  std::function<bool(const topic_partition&)> partition_exists;
  // The __consumer_offsets partition of a group (AddOffsetsToTxn). Unset: computed like the
  // group coordinator does over txn_config::offsets_topic_partitions.
  std::function<int32_t(std::string_view group_id)> group_partition;
};

class txn_coordinator_core {
 public:
  explicit txn_coordinator_core(txn_config config, txn_hooks hooks = {});
  ~txn_coordinator_core();
  txn_coordinator_core(const txn_coordinator_core&) = delete;
  txn_coordinator_core& operator=(const txn_coordinator_core&) = delete;

  const txn_config& config() const { return config_; }
  // The __transaction_state partition of a transactional id (FindCoordinator key type 1).
  int32_t partition_for(std::string_view transactional_id) const;

  // ---- lifecycle ----
  // Starts answering requests and the two periodic sweeps (timed-out transactions, expired ids).
  void start(int64_t now_ms);
  // Unloads every partition and stops answering (COORDINATOR_NOT_AVAILABLE).
  void stop(int64_t now_ms);
  bool active() const { return active_; }

  // ---- partitions of __transaction_state ----
  // This broker now leads `partition` at `epoch` (the coordinator epoch): requests for its ids
  // get COORDINATOR_LOAD_IN_PROGRESS until finish_load. A newer epoch restarts a load; an older
  // one is ignored.
  void begin_load(int32_t partition, int32_t epoch);
  // One record of the partition, in log order (records for another epoch's load are ignored).
  // A record that does not decode is skipped and reported; a key of an unknown version is
  // skipped silently, as Kafka does.
  result<void> replay(int32_t partition, int32_t epoch, const log_record& record);
  // The log was replayed: the ids go live, and those left in PrepareCommit/PrepareAbort (or
  // PrepareEpochFence) get their markers sent and are completed. With ok=false the load failed
  // and the partition is dropped.
  void finish_load(int32_t partition, int32_t epoch, bool ok, int64_t now_ms);
  // This broker no longer leads `partition` (epoch nullopt: whatever the epoch). Its ids and
  // markers are dropped; requests waiting for a write get NOT_COORDINATOR when it is reported.
  void unload(int32_t partition, std::optional<int32_t> epoch);
  bool is_loading(int32_t partition) const;
  bool owns(int32_t partition) const;  // loaded and serving
  std::optional<int32_t> coordinator_epoch(int32_t partition) const;

  // ---- requests (`version`: the request's version, which the response is encoded at) ----
  // Also serves idempotent producers (transactional_id null): a new producer id at epoch 0.
  void init_producer_id(const protocol::init_producer_id_request& request, int16_t version,
                        int64_t now_ms, completion<protocol::init_producer_id_response> done);
  // v0-3: one transaction from its producer. v4+: a batch from brokers; transactions with
  // verify_only are checked (is each partition already in the ongoing transaction of that
  // producer id and epoch?) without writing anything — NONE or TRANSACTION_ABORTABLE per
  // partition.
  void add_partitions_to_txn(const protocol::add_partitions_to_txn_request& request,
                             int16_t version, int64_t now_ms,
                             completion<protocol::add_partitions_to_txn_response> done);
  void add_offsets_to_txn(const protocol::add_offsets_to_txn_request& request, int16_t version,
                          int64_t now_ms, completion<protocol::add_offsets_to_txn_response> done);
  void end_txn(const protocol::end_txn_request& request, int16_t version, int64_t now_ms,
               completion<protocol::end_txn_response> done);
  void describe_transactions(const protocol::describe_transactions_request& request,
                             int16_t version,
                             completion<protocol::describe_transactions_response> done);
  void list_transactions(const protocol::list_transactions_request& request, int16_t version,
                         int64_t now_ms, completion<protocol::list_transactions_response> done);

  // ---- I/O and time ----
  void append_done(uint64_t append_id, append_status status, int64_t now_ms);
  // One partition of marker `marker_id` is done (reports for unknown or cancelled markers, and
  // repeated ones, are ignored).
  void marker_done(uint64_t marker_id, const topic_partition& tp, marker_outcome outcome,
                   int64_t now_ms);
  // Fires everything due at `now_ms`.
  void on_timer(int64_t now_ms);
  std::optional<int64_t> next_deadline() const;

  // ---- effects ----
  std::vector<task> take_ready();
  std::vector<append_request> take_appends();
  std::vector<marker_request> take_markers();
  std::vector<uint64_t> take_cancelled_markers();

  // ---- inspection (tests, tools) ----
  const txn_metadata* find(const std::string& transactional_id) const;
  size_t transaction_count() const;
  size_t pending_append_count() const { return pending_appends_.size(); }
  size_t markers_in_flight() const { return markers_.size(); }

 private:
  struct partition_state {
    int32_t epoch = 0;
    bool loading = true;
    uint64_t load_id = 0;
    std::map<std::string, txn_metadata> txns;
  };
  using append_continuation = unique_function<void(append_status, int64_t now_ms)>;
  struct pending_append {
    int32_t partition = 0;
    uint64_t load_id = 0;
    append_continuation then;
  };
  // A transaction whose markers are being written, and the record that completes it.
  struct marker_state {
    std::string transactional_id;
    int32_t partition = 0;
    uint64_t load_id = 0;
    txn_transit complete;
  };
  // Where a request stands with its id: an error to answer, or the id's metadata (null: unknown).
  struct lookup_result {
    error_code error = error_code::none;
    txn_metadata* txn = nullptr;
  };
  using error_callback = unique_function<void(error_code)>;
  using written_callback = unique_function<void(error_code, txn_metadata*, int64_t now_ms)>;

  // ---- plumbing (txn_core.cc) ----
  lookup_result lookup(const std::string& transactional_id);
  // The id if its partition is still loaded as `load_id`.
  txn_metadata* live(const std::string& transactional_id, int32_t partition, uint64_t load_id);
  txn_metadata& create(const std::string& transactional_id, producer_id pid, int32_t timeout_ms,
                       int64_t now_ms);
  // A replayed record or a written tombstone: the id takes the value, or goes.
  void apply_entry(partition_state& ps, int32_t partition, txn_entry entry);
  template <class Response>
  void respond(completion<Response> done, Response response);
  void append(int32_t partition, std::vector<log_record> records, append_continuation then);
  // Writes `t` for `m` (pending = its state meanwhile); on success applies it. `then` gets the
  // error and the id (null when its partition went away). With retry_unavailable the pending
  // state survives COORDINATOR_NOT_AVAILABLE, for the caller to write again.
  void write(txn_metadata& m, txn_transit t, int64_t now_ms, bool retry_unavailable,
             written_callback then);
  std::optional<producer_id> allocate_producer_id();

  // ---- InitProducerId (txn_init.cc) ----
  void init_transactional(const protocol::init_producer_id_request& request,
                          std::optional<std::pair<producer_id, producer_epoch>> expected,
                          int64_t now_ms,
                          unique_function<void(error_code, producer_id, producer_epoch)> reply);
  // Bumps the epoch of an ongoing transaction and aborts it (Kafka's prepareFenceProducerEpoch).
  void fence_and_abort(txn_metadata& m, int64_t now_ms, error_callback done);

  // ---- AddPartitionsToTxn, AddOffsetsToTxn (txn_add.cc) ----
  using partition_errors = std::map<topic_partition, error_code>;
  void add_one(const std::string& transactional_id, producer_id pid, producer_epoch epoch,
               bool verify_only, std::set<topic_partition> tps, int16_t version, int64_t now_ms,
               unique_function<void(partition_errors)> done);
  void add_partitions(const std::string& transactional_id, producer_id pid, producer_epoch epoch,
                      const std::set<topic_partition>& tps, int64_t now_ms, error_callback done);
  partition_errors verify_partitions(const std::string& transactional_id, producer_id pid,
                                     producer_epoch epoch, const std::set<topic_partition>& tps);

  // ---- EndTxn and markers (txn_end.cc) ----
  void end_transaction(const std::string& transactional_id, producer_id pid, producer_epoch epoch,
                       txn_result result, bool from_client, int64_t now_ms, error_callback done);
  void start_markers(txn_metadata& m, int64_t now_ms);
  void write_completion(uint64_t marker_id, int64_t now_ms);
  void drop_markers(uint64_t marker_id);

  // ---- the sweeps (txn_cleanup.cc) ----
  void abort_timed_out(int64_t now_ms);
  void remove_expired(int64_t now_ms);
  void write_tombstones(int32_t partition, uint64_t load_id,
                        std::vector<std::pair<std::string, producer_epoch>> ids,
                        std::vector<log_record> records);

  txn_config config_;
  txn_hooks hooks_;
  bool active_ = false;
  std::map<int32_t, partition_state> partitions_;
  uint64_t next_load_id_ = 1;
  std::map<uint64_t, pending_append> pending_appends_;
  uint64_t next_append_id_ = 1;
  std::map<uint64_t, marker_state> markers_;
  uint64_t next_marker_id_ = 1;
  std::optional<int64_t> abort_sweep_at_;
  std::optional<int64_t> expire_sweep_at_;
  std::multimap<int64_t, uint64_t> completion_retries_;  // deadline -> marker id
  std::vector<task> ready_;
  std::vector<append_request> appends_;
  std::vector<marker_request> marker_effects_;
  std::vector<uint64_t> cancelled_;
};

template <class Response>
void txn_coordinator_core::respond(completion<Response> done, Response response) {
  ready_.push_back([done = std::move(done), response = std::move(response)]() mutable {
    done(std::move(response));
  });
}

}  // namespace sluice::transaction
