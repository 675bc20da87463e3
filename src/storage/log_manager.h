// The storage of a broker: every partition log in every log dir, and the background work on them.
//
// Owns: the log dirs (each locked with .lock, identified by meta.properties), the partitions
// (created, loaded at open, deleted), the shared open-file budget (segment_cache), the per-dir
// checkpoint files, and three background threads started by start():
//   flusher  - fsyncs partitions that flush.messages / flush.ms call for, then writes the
//              recovery-point checkpoints every checkpoint_interval_ms;
//   janitor  - retention (retention.ms, retention.bytes, log start offset) every
//              retention_check_interval_ms, removal of .deleted files after file.delete.delay.ms,
//              log-start-offset checkpoints, removal of deleted partitions, and forgetting idle
//              producers (producer.id.expiration.ms) every
//              producer_id_expiration_check_interval_ms;
//   cleaner  - compaction of cleanup.policy=compact partitions (log_cleaner).
// open() recovers each dir: after a clean shutdown (marker file) partitions load without reading
// their segments; otherwise segments past the recovery point are checked and truncated at the
// first bad batch. shutdown() stops the threads, flushes and closes every partition, writes the
// checkpoints and the clean-shutdown marker, and unlocks the dirs.
//
// Owned by the broker (server/broker), one per process. Every method is thread-safe; the partition
// map has its own mutex that is never held during I/O on a partition.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/checkpoint_file.h"
#include "storage/file_io.h"
#include "storage/log_config.h"
#include "storage/log_dir.h"
#include "storage/partition_log.h"
#include "storage/segment_cache.h"
#include "storage/topic_partition.h"

namespace sluice::storage {

class log_cleaner;

struct log_manager_options {
  std::vector<std::string> log_dirs;  // log.dirs
  log_config defaults;                // the broker's log.* settings
  // Checked against (or written to) meta.properties; -1 leaves broker.id alone.
  int32_t broker_id = -1;
  std::optional<std::string> cluster_id;
  size_t max_open_segment_files = 4096;             // open .log files kept by the cache
  int64_t retention_check_interval_ms = 300000;     // log.retention.check.interval.ms
  int64_t flush_check_interval_ms = 1000;           // how often flush.ms deadlines are checked
  int64_t checkpoint_interval_ms = 60000;           // log.flush.offset.checkpoint.interval.ms
  bool cleaner_enable = true;                       // log.cleaner.enable
  int64_t cleaner_backoff_ms = 15000;               // log.cleaner.backoff.ms
  size_t cleaner_dedupe_buffer_bytes = 128u << 20;  // log.cleaner.dedupe.buffer.size
  int recovery_threads = 1;                         // num.recovery.threads.per.data.dir
  int64_t producer_id_expiration_ms = 86400000;     // producer.id.expiration.ms
  // producer.id.expiration.check.interval.ms: how often the janitor forgets idle producers.
  int64_t producer_id_expiration_check_interval_ms = 600000;
  file_io* io = nullptr;           // posix_file_io() when null
  std::function<int64_t()> clock;  // wall clock in ms; system clock when empty
};

class log_manager {
 public:
  // Locks and loads every log dir (see the class comment). Fails if a dir is locked by another
  // process, or meta.properties disagrees with the options or between dirs.
  static result<std::unique_ptr<log_manager>> open(log_manager_options options);
  ~log_manager();  // shutdown()
  log_manager(const log_manager&) = delete;
  log_manager& operator=(const log_manager&) = delete;

  // Starts the background threads.
  void start();
  // Stops the threads, closes every partition (indexes written, fsynced), writes checkpoints and
  // the clean-shutdown markers, and unlocks the dirs. Idempotent. Returns the first error.
  result<void> shutdown();

  // A new, empty partition in the log dir holding the fewest partitions (or `dir_index`).
  result<std::shared_ptr<partition_log>> create_partition(const topic_partition& tp,
                                                          const log_config& config,
                                                          std::optional<size_t> dir_index = {});
  // The partition, or null.
  std::shared_ptr<partition_log> get(const topic_partition& tp) const;
  // The partition with `config`: created if it does not exist, else (e.g. recovered at start-up
  // with the broker-wide defaults) reconfigured.
  result<std::shared_ptr<partition_log>> get_or_create(const topic_partition& tp,
                                                       const log_config& config);
  // Removes the partition: it refuses further calls at once, its folder is renamed
  // "<topic>-<partition>.<id>-delete" and removed in the background.
  result<void> delete_partition(const topic_partition& tp);
  std::vector<topic_partition> partitions() const;
  // AlterReplicaLogDirs: moves the partition's folder to log dir `dir_index` and reopens it there;
  // the log it returns replaces the old one, which is closed (the caller stops using it first).
  // A rename when both dirs share a file system, else a copy (every file fsynced) that is
  // renamed into place before the old folder is removed. On failure the partition stays where it
  // was (reopened).
  result<std::shared_ptr<partition_log>> move_partition(const topic_partition& tp,
                                                        size_t dir_index);
  // Where a partition this broker does not hold yet is to be created (AlterReplicaLogDirs before
  // the replica arrives, as Kafka remembers it); the next create_partition uses it once.
  void prefer_dir(const topic_partition& tp, size_t dir_index);
  // The log dir (index into log_dirs) holding a partition.
  std::optional<size_t> dir_of(const topic_partition& tp) const;

  // Writes replication-offset-checkpoint in each dir with the high watermarks of the partitions
  // it holds, and bounds their retention and compaction by them.
  result<void> checkpoint_high_watermarks(const offset_map& high_watermarks);
  // The high watermarks read at open (from replication-offset-checkpoint).
  offset_map loaded_high_watermarks() const;

  // Writes recovery-point-offset-checkpoint and log-start-offset-checkpoint in every dir.
  result<void> write_checkpoints();

  // One pass of each background job, for the threads and for tests.
  void run_retention_once();
  // Forgets the producers idle for producer.id.expiration.ms in every partition.
  void run_producer_expiration_once();
  void run_flush_once(bool all = false);
  // Cleans the partition that most needs it; true if one was cleaned.
  bool run_cleaner_once();
  void purge_deleted();

  const std::vector<std::string>& log_dirs() const { return options_.log_dirs; }
  segment_cache& cache() { return *cache_; }
  log_cleaner& cleaner() { return *cleaner_; }
  int64_t now_ms() const { return options_.clock(); }
  // Whether each dir had a clean-shutdown marker at open.
  const std::vector<bool>& opened_clean() const { return opened_clean_; }

 private:
  struct entry {
    std::shared_ptr<partition_log> log;
    size_t dir;
  };
  struct loaded_offsets {
    offset_map recovery_points, log_starts, high_watermarks, cleaner_offsets;
  };

  class construct_tag {
    friend class log_manager;
    construct_tag() = default;
  };

 public:
  log_manager(construct_tag, log_manager_options options);  // use open()

 private:
  result<void> write_cleaner_checkpoints();
  result<void> lock_and_check_dirs();
  result<void> load_dir(size_t dir);
  result<std::shared_ptr<partition_log>> open_partition(const topic_partition& tp, size_t dir,
                                                        const log_config& config, bool clean,
                                                        const loaded_offsets& offsets);
  void flusher_loop();
  void janitor_loop();
  void cleaner_loop();
  // Sleeps up to `ms` or until `flag` is raised (then lowers it); false when stopping.
  bool wait_for(int64_t ms, bool& flag);
  void wake_flusher();

  log_manager_options options_;
  file_io* io_;
  std::unique_ptr<segment_cache> cache_;
  std::unique_ptr<log_cleaner> cleaner_;
  std::vector<dir_lock> locks_;
  std::vector<bool> opened_clean_;

  mutable std::shared_mutex map_mu_;
  std::unordered_map<topic_partition, entry, topic_partition_hash> partitions_;
  offset_map loaded_hw_;
  std::vector<std::string> doomed_dirs_;  // renamed partition folders waiting for removal (map_mu_)
  std::map<topic_partition, size_t> preferred_dirs_;  // map_mu_

  std::mutex checkpoint_mu_;  // serializes checkpoint file writes

  std::mutex cleaner_mu_;
  offset_map cleaner_offsets_;  // first dirty offset per compacted partition (cleaner_mu_)

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stopping_ = false;
  bool flush_requested_ = false;
  bool purge_requested_ = false;
  bool never_ = false;
  std::vector<std::thread> threads_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace sluice::storage
