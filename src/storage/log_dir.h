// Helpers for one log dir (an entry of log.dirs): its .lock, meta.properties and clean-shutdown
// marker.
//
// - dir_lock holds flock(LOCK_EX) on <dir>/.lock for the life of the broker; a second process
//   pointed at the same dir fails with errc::log_dir_locked and a message naming the dir.
// - meta.properties is Kafka's "key=value" file: version=0, broker.id, cluster.id.
// - The clean-shutdown marker, <dir>/.sluice_cleanshutdown (Kafka: .kafka_cleanshutdown), is
//   written after every partition of the dir was flushed and checkpointed at shutdown, and
//   removed once the dir is loaded again. Its presence at open means no recovery is needed.
// Free functions and a move-only RAII type; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "storage/file_io.h"

namespace sluice::storage {

inline constexpr const char* lock_file_name = ".lock";
inline constexpr const char* meta_properties_name = "meta.properties";
inline constexpr const char* clean_shutdown_marker_name = ".sluice_cleanshutdown";

class dir_lock {
 public:
  // Creates the dir if needed and locks it (non-blocking).
  static result<dir_lock> acquire(file_io& io, const std::string& dir);
  dir_lock() = default;
  dir_lock(dir_lock&&) noexcept = default;
  dir_lock& operator=(dir_lock&&) noexcept = default;
  ~dir_lock();  // unlocks
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  unique_fd fd_;
};

struct meta_properties {
  int32_t version = 0;
  std::optional<int32_t> broker_id;
  std::optional<std::string> cluster_id;
  std::map<std::string, std::string> other;  // keys we do not interpret, kept on rewrite
};

// errc::not_found when the file is absent, errc::corrupt_file when malformed.
result<meta_properties> read_meta_properties(file_io& io, const std::string& dir);
result<void> write_meta_properties(file_io& io, const std::string& dir, const meta_properties& m);

// Parses "key=value" lines ('#' and '!' comments, blank lines, spaces around '=' trimmed).
result<std::map<std::string, std::string>> parse_properties(std::string_view text);

}  // namespace sluice::storage
