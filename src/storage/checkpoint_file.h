// Kafka's text checkpoint files: line 1 the format version (0), line 2 the entry count, then one
// entry per line. Used for the per-log-dir offset checkpoints (recovery-point-offset-checkpoint,
// log-start-offset-checkpoint, replication-offset-checkpoint, cleaner-offset-checkpoint: entries
// "<topic> <partition> <offset>") and the per-partition leader-epoch-checkpoint ("<epoch>
// <offset>").
//
// Writes are atomic (tmp file, optional fsync, rename, optional fsync of the folder), so a reader
// sees the old or the new file. A file that does not parse is errc::corrupt_file; a missing one is
// errc::not_found. Free functions, thread-safe as far as the file system is.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/file_io.h"
#include "storage/topic_partition.h"

namespace sluice::storage {

// The entry lines of a checkpoint file, after checking the version and the count.
result<std::vector<std::string>> read_checkpoint_lines(file_io& io, const std::string& path);
result<void> write_checkpoint_lines(file_io& io, const std::string& path,
                                    const std::vector<std::string>& lines, bool durable);

using offset_map = std::map<topic_partition, int64_t>;

result<offset_map> read_offset_checkpoint(file_io& io, const std::string& path);
result<void> write_offset_checkpoint(file_io& io, const std::string& path,
                                     const offset_map& offsets, bool durable = true);

// Checkpoint file names in a log dir.
inline constexpr const char* recovery_point_checkpoint_name = "recovery-point-offset-checkpoint";
inline constexpr const char* log_start_offset_checkpoint_name = "log-start-offset-checkpoint";
inline constexpr const char* replication_offset_checkpoint_name = "replication-offset-checkpoint";
inline constexpr const char* cleaner_offset_checkpoint_name = "cleaner-offset-checkpoint";

}  // namespace sluice::storage
