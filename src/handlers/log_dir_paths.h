// log_dir_paths: how the log-dir APIs (DescribeLogDirs, AlterReplicaLogDirs) name a log dir: an
// absolute, normalised path without a trailing separator, so dirs compare equal however they
// were spelled in server.properties or a request.
#pragma once

#include <filesystem>
#include <string>

namespace sluice::handlers {

inline std::string normalise_log_dir(const std::string& dir) {
  std::error_code ec;
  auto p = std::filesystem::absolute(dir, ec);
  if (ec) p = dir;
  p = p.lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p.string();
}

}  // namespace sluice::handlers
