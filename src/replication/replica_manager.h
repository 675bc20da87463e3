// replica_manager: the partitions this broker hosts, as the request handlers see them. It owns
// one `partition` per hosted topic-partition (its log, high watermark, leader epoch) and is the
// single entry point for Produce, Fetch, ListOffsets, DeleteRecords, OffsetForLeaderEpoch and
// DescribeLogDirs. Waiting (a Fetch's long poll, an acks=-1 Produce) goes through one
// delayed_operation_queue: appends and high-watermark moves notify it.
//
// Two modes. Embedded (controller_managed = false, a single broker): every hosted partition is
// led here with ISR {self}, so the high watermark is the log end offset. Cluster mode
// (controller_managed = true, issue #7): roles come from the controller (apply_leader_and_isr);
// leaders track their followers' fetches, advance the high watermark over the ISR and report ISR
// changes (send_isr_change); followers run replica fetchers (replica_fetcher.h). Thread-safe:
// handlers call it from any network thread; completions run on the calling thread, the
// delayed-operation timer thread, or a replica fetcher's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/metadata_store.h"
#include "net/client_security.h"
#include "protocol/wire.h"
#include "replication/errc.h"

namespace sluice::storage {
class log_manager;
struct log_config;
}  // namespace sluice::storage

namespace sluice::replication {

class partition;

// ---- produce ----------------------------------------------------------------------------------

// Who wrote a batch. A producer's batches are client input: fully validated, sequence numbers
// checked, no control batches. This broker's coordinators write transaction markers (control
// batches) and transactional offset commits: producer epochs are checked, sequences are not.
enum class append_origin : int8_t { client, coordinator };

struct append_entry {
  std::string topic;
  int32_t partition = 0;
  std::span<uint8_t> batch;  // one v2 batch, patched in place (offsets, epoch); must outlive done
  append_origin origin = append_origin::client;
};

struct append_outcome {
  std::optional<errc> error;
  std::string message;
  int64_t base_offset = -1;
  int64_t log_append_time = -1;  // -1 unless the topic uses LogAppendTime
  int64_t log_start_offset = -1;
  // Produce v8+: each bad record of the batch (its index, Kafka's message), when records were.
  std::vector<std::pair<int32_t, std::string>> record_errors;
};

using append_done = std::function<void(std::vector<append_outcome>)>;

// KIP-890 part 1: a Produce request's transactional id. Before a transactional batch may start a
// transaction in a partition, the leader asks the transaction coordinator whether the partition
// was added to the producer's transaction (AddPartitionsToTxn, verify_only), so a late write from
// a transaction that already ended cannot leave the partition with a transaction that never
// ends.
struct produce_transaction {
  std::string transactional_id;
  // Produce v11+: the client understands TRANSACTION_ABORTABLE (older ones get INVALID_TXN_STATE).
  bool abortable_error_supported = false;
};
struct verification_request {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::vector<std::pair<std::string, int32_t>> partitions;
  bool abortable_error_supported = false;
};
struct verification_failure {
  errc error = errc::invalid_txn_state;
  std::string message;
};
// The partitions that failed verification (absent: verified).
using verification_result = std::map<std::pair<std::string, int32_t>, verification_failure>;
using transaction_verifier =
    std::function<void(verification_request, std::function<void(verification_result)>)>;

// ---- fetch ------------------------------------------------------------------------------------

struct fetch_partition_request {
  std::string topic;
  protocol::uuid topic_id;  // Fetch v13+: the topic is named by id
  int32_t partition = 0;
  int64_t fetch_offset = 0;
  int32_t max_bytes = 0;
  int32_t current_leader_epoch = -1;
  int32_t last_fetched_epoch = -1;
  int64_t log_start_offset = -1;  // followers report theirs
};

// Kafka's DEBUGGING_CONSUMER_ID: a consumer any replica serves, to its high watermark
// (kafka-replica-verification.sh reads every replica with it).
inline constexpr int32_t debugging_replica_id = -2;

struct fetch_request_params {
  int32_t replica_id = -1;  // -1: a consumer; -2: debugging_replica_id; >= 0: a follower
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  bool read_committed = false;
  std::vector<fetch_partition_request> partitions;
};

// A transaction aborted within a read_committed fetch's range: the consumer drops the producer's
// records from first_offset until it meets the ABORT marker.
struct aborted_transaction {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
};

struct fetch_partition_result {
  std::optional<errc> error;
  int64_t high_watermark = -1;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
  protocol::records records;                 // a file region (sendfile), or null
  std::vector<aborted_transaction> aborted;  // read_committed only
  // OffsetForLeaderEpoch-style divergence for followers (Fetch v12+), -1 when none.
  int32_t diverging_epoch = -1;
  int64_t diverging_end_offset = -1;
};

using fetch_done = std::function<void(std::vector<fetch_partition_result>)>;

// ---- offsets ------------------------------------------------------------------------------------

struct offset_lookup {
  int64_t offset = -1;
  int64_t timestamp = -1;
  int32_t leader_epoch = -1;
};

struct epoch_end_offset {
  int32_t leader_epoch = -1;
  int64_t end_offset = -1;
};

struct partition_summary {
  std::string topic;
  int32_t partition = 0;
  std::string log_dir;
  int64_t size_bytes = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t high_watermark = 0;
};

// ---- cluster mode (issue #7): roles from the controller ----------------------------------------

// One partition of a LeaderAndIsr request: this broker leads it (leader == broker_id) or follows.
struct partition_role {
  std::string topic;
  protocol::uuid topic_id;
  int32_t partition = 0;
  int32_t controller_epoch = 0;
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t partition_epoch = 0;
  std::vector<int32_t> replicas;
  bool is_new = false;
};

struct partition_outcome {
  std::string topic;
  int32_t partition = 0;
  std::optional<errc> error;  // stale_controller_epoch, stale_leader_epoch, storage_failed, ...
};

struct stop_replica_entry {
  std::string topic;
  int32_t partition = 0;
  int32_t leader_epoch = -1;  // -1: any; -2: the partition is being deleted (Kafka's sentinel)
  bool delete_log = false;
};

// A leader's ISR change for the controller (AlterPartition).
struct isr_change {
  std::string topic;
  protocol::uuid topic_id;
  int32_t partition = 0;
  int32_t leader_epoch = 0;
  std::vector<int32_t> new_isr;
  int32_t partition_epoch = 0;
};
// What the controller answered: the partition's state now (possibly unchanged), or an error.
struct isr_change_result {
  std::optional<errc> error;  // e.g. fenced_leader_epoch, invalid_update_version, not_controller
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t partition_epoch = 0;
};
// Sends AlterPartition to the current controller and calls back with the outcome (from a worker
// thread; never blocks the caller). Installed by the broker in cluster mode.
using isr_change_sender = std::function<void(isr_change, std::function<void(isr_change_result)>)>;
// Where another broker is reachable (the listener inter-broker traffic uses), or nullopt.
using broker_locator = std::function<std::optional<cluster::broker_endpoint>(int32_t broker_id)>;

// How a replica fetcher reaches a leader (fetch_transport.h). Empty: over the network with
// net::broker_client, the leader found with locate_broker.
class fetch_transport;
using fetch_transport_factory =
    std::function<std::unique_ptr<fetch_transport>(int32_t leader_id, int32_t fetcher_index)>;

// One hosted partition as replication sees it (tests, metrics, describe tools).
struct partition_view {
  bool leader = false;
  int32_t leader_id = -1;
  int32_t leader_epoch = -1;
  int32_t partition_epoch = 0;
  std::vector<int32_t> isr;
  std::vector<int32_t> replicas;
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
};

class replica_manager {
 public:
  struct options {
    int32_t broker_id = 0;
    // Cluster mode: roles come only from the controller (apply_leader_and_isr); reconcile() then
    // creates/deletes local logs but never makes this broker a leader by itself.
    bool controller_managed = false;
    int64_t replica_lag_time_max_ms = 30000;
    int32_t replica_fetch_max_bytes = 1048576;
    int32_t replica_fetch_wait_max_ms = 500;
    int32_t replica_fetch_min_bytes = 1;
    int32_t replica_fetch_response_max_bytes = 10485760;
    int32_t replica_fetch_backoff_ms = 1000;
    int32_t replica_socket_timeout_ms = 30000;
    int32_t num_replica_fetchers = 1;
    // Broker default of min.insync.replicas; topic overrides come from metadata configs.
    int32_t min_insync_replicas = 1;
    // The leader's ISR changes go to the controller through this (AlterPartition). Its callback
    // must not run after shutdown() returned.
    isr_change_sender send_isr_change;
    broker_locator locate_broker;
    // How fetchers' connections to leaders are secured (the inter-broker listener's protocol).
    net::client_security security;
    // Tests: how fetchers reach leaders (default: the network, with locate_broker).
    fetch_transport_factory make_fetch_transport;
    // transaction.partition.verification.enable: how a transactional Produce is verified with
    // its transaction coordinator; empty: not verified. Its callback may run on any thread.
    transaction_verifier verify_transaction;
    // Wall clock in ms for follower lag (replica.lag.time.max.ms); the system clock when empty.
    std::function<int64_t()> clock;
    // replica.high.watermark.checkpoint.interval.ms
    int64_t high_watermark_checkpoint_interval_ms = 5000;
    // Cluster mode: a thread that shrinks the ISR (every replica_lag_time_max_ms / 2) and writes
    // replication-offset-checkpoint. Tests turn it off and call check_isr() themselves.
    bool background_tasks = true;
    // Broker-level log defaults; topic overrides from metadata are applied on top.
    std::function<result<std::shared_ptr<const storage::log_config>>(const cluster::config_map&)>
        make_log_config;
  };

  replica_manager(options opts, storage::log_manager& logs, cluster::metadata_store& metadata);
  ~replica_manager();
  replica_manager(const replica_manager&) = delete;
  replica_manager& operator=(const replica_manager&) = delete;

  // Creates/deletes/reconfigures local partitions to match the metadata (at start-up and on every
  // change). Idempotent.
  void reconcile();
  void on_metadata_change(const cluster::metadata_change& change);
  // min.insync.replicas' broker default changed (a dynamic broker config); applied to partitions
  // without a topic override by the next reconcile().
  void set_default_min_insync_replicas(int32_t n);
  // leader.replication.throttled.rate and follower.replication.throttled.rate (dynamic broker
  // configs; INT64_MAX: unlimited), bounding replicas the topics list as throttled.
  void set_replication_throttle_rates(int64_t leader_bytes_per_second,
                                      int64_t follower_bytes_per_second);

  // AlterReplicaLogDirs: moves a hosted replica's log to log dir `dir_index`
  // (storage::log_manager::move_partition). The partition keeps its role, epochs, ISR and high
  // watermark; requests in flight on it end as after a leadership change (clients retry).
  // unknown_topic_or_partition when it is not hosted here: it is then created in that dir when
  // it arrives. storage_error when the move failed (the replica stays where it was).
  result<void> move_to_log_dir(const std::string& topic, int32_t partition, size_t dir_index);

  // Produce. acks: 0, 1 or -1 (checked by the caller). Completes once every partition has its
  // outcome — for acks=-1 once the high watermark covers the append, or on timeout.
  void append(int16_t acks, int32_t timeout_ms, std::vector<append_entry> entries, append_done done,
              std::optional<produce_transaction> transaction = std::nullopt);

  // Fetch: answers when min_bytes are available or max_wait_ms passed. Results in request order.
  void fetch(fetch_request_params params, fetch_done done);

  // ListOffsets: timestamp -1 latest, -2 earliest, -3 max timestamp, else the first offset whose
  // timestamp >= it.
  result<offset_lookup> list_offset(const std::string& topic, int32_t partition, int64_t timestamp,
                                    bool read_committed, int32_t current_leader_epoch);
  // DeleteRecords: advances the log start offset; -1 means the high watermark. Returns the new
  // log start offset (Kafka's "low watermark").
  result<int64_t> delete_records(const std::string& topic, int32_t partition, int64_t offset);
  // DescribeProducers: the producers a replica of a partition knows (idempotent and
  // transactional), with their last sequence and open transaction; leader or follower, as Kafka.
  struct producer_view {
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    int32_t last_sequence = -1;
    int64_t last_timestamp = -1;
    int32_t coordinator_epoch = -1;
    int64_t current_txn_start_offset = -1;
  };
  result<std::vector<producer_view>> active_producers(const std::string& topic, int32_t partition);
  result<epoch_end_offset> end_offset_for_epoch(const std::string& topic, int32_t partition,
                                                int32_t current_leader_epoch, int32_t epoch);

  // Whole batches of a partition led here from `offset` (or the log start, if later) up to its log
  // end, copied into memory: for the coordinators loading their internal topics, which read all a
  // new leader holds (Kafka's LOG_END isolation), since its high watermark may still lag.
  struct batch_chunk {
    protocol::bytes data;
    int64_t next_offset = 0;  // where the next read continues
    bool at_end = false;      // next_offset reached the log end
  };
  result<batch_chunk> read_batches(const std::string& topic, int32_t partition, int64_t offset,
                                   int32_t max_bytes);

  // Told when this broker becomes the leader of a partition (with its leader epoch) or stops
  // hosting it (nullopt). Called from reconcile(), outside the manager's locks.
  using leadership_listener = std::function<void(const std::string& topic, int32_t partition,
                                                 std::optional<int32_t> leader_epoch)>;
  void on_leadership_change(leadership_listener listener);
  bool hosts(const std::string& topic, int32_t partition) const;

  // Cluster mode. LeaderAndIsr: become leader or follower of each partition (creating its log if
  // needed); followers truncate to the leader's end offset for their last epoch
  // (OffsetForLeaderEpoch) before fetching. Stale controller or leader epochs are refused per
  // partition. Returns one outcome per role, in order.
  std::vector<partition_outcome> apply_leader_and_isr(int32_t controller_id,
                                                      int32_t controller_epoch,
                                                      std::vector<partition_role> roles);
  // StopReplica: stop fetching/leading, optionally delete the log.
  std::vector<partition_outcome> stop_replicas(int32_t controller_id, int32_t controller_epoch,
                                               std::vector<stop_replica_entry> entries);
  // Partitions this broker currently leads (for controlled shutdown and metrics).
  std::vector<std::pair<std::string, int32_t>> led_partitions() const;
  // Number of led partitions whose ISR is smaller than their replica set.
  int32_t under_replicated_count() const;
  // The highest controller epoch seen (LeaderAndIsr, StopReplica); -1 before any. Requests with
  // a lower one are refused: every partition gets errc::fenced_leader_epoch, which the handlers
  // answer as STALE_CONTROLLER_EPOCH.
  int32_t controller_epoch() const;
  std::optional<partition_view> describe(const std::string& topic, int32_t partition) const;

  // Cluster mode, one pass of the background work (tests call them directly): propose removing
  // ISR members that have not caught up within replica_lag_time_max_ms; write the high
  // watermarks to replication-offset-checkpoint.
  void check_isr();
  void checkpoint_high_watermarks();

  std::vector<partition_summary> summaries() const;
  std::vector<std::string> log_dirs() const;

  // Stops the fetchers and the background thread, answers waiting operations with what is
  // available and (cluster mode) checkpoints the high watermarks. Idempotent.
  void shutdown();

 private:
  // The append itself, once verification is done; `refused` holds the entries it failed.
  // `guards`: per entry, the verification guard its append must present (KIP-890), if any.
  void append_verified(int16_t acks, int32_t timeout_ms, std::vector<append_entry> entries,
                       verification_result refused, std::vector<std::optional<uint64_t>> guards,
                       append_done done);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::replication
