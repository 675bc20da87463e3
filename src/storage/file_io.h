// The file-system seam of the storage engine.
//
// Every open, read, write, fsync, rename and directory operation of storage goes through a file_io,
// so tests can inject faults (a failing fsync, a write that stops half way, a full disk) by
// overriding a method. posix_file_io() is the real one. Errors come back as errc::io_error (or
// errc::not_found for a missing path) with a message naming the path and strerror.
//
// Implementations must be thread-safe: every partition and background thread shares one.
// unique_fd is the RAII owner of a file descriptor (move-only, closes on destruction).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/errc.h"

namespace sluice::storage {

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

struct dir_entry {
  std::string name;
  bool is_dir = false;
};

class file_io {
 public:
  virtual ~file_io() = default;

  // open(2) with O_CLOEXEC added.
  virtual result<unique_fd> open(const std::string& path, int flags, int mode = 0644);
  // Writes all of `data` at `offset`, retrying short writes.
  virtual result<void> pwrite_all(int fd, std::span<const uint8_t> data, int64_t offset);
  // Reads up to data.size() bytes at `offset`; fewer only at the end of the file.
  virtual result<size_t> pread(int fd, std::span<uint8_t> data, int64_t offset);
  virtual result<void> fsync(int fd);
  virtual result<void> truncate(int fd, int64_t size);
  // Reserves `size` bytes of disk without changing the file size (fallocate KEEP_SIZE). Best
  // effort.
  virtual result<void> preallocate(int fd, int64_t size);
  virtual result<int64_t> size_of(int fd);

  // Size of the file at `path`; errc::not_found when it does not exist.
  virtual result<int64_t> file_size(const std::string& path);
  // Last modification time in ms since the epoch.
  virtual result<int64_t> mtime_ms(const std::string& path);
  virtual result<void> rename(const std::string& from, const std::string& to);
  // Removes a file; a missing file is not an error.
  virtual result<void> remove(const std::string& path);
  // Removes a directory tree; a missing one is not an error.
  virtual result<void> remove_all(const std::string& path);
  // Creates a directory (and missing parents); an existing one is not an error.
  virtual result<void> make_dirs(const std::string& path);
  virtual result<void> fsync_dir(const std::string& path);
  // Flushes every file of the file system holding `path` (syncfs): one call instead of one fsync
  // per file when a whole log dir must be made durable (clean shutdown).
  virtual result<void> sync_filesystem(const std::string& path);
  virtual result<std::vector<dir_entry>> list_dir(const std::string& path);
  virtual bool exists(const std::string& path);
};

// The process-wide POSIX implementation.
file_io& posix_file_io();

// Reads a whole (small) file.
result<std::string> read_file(file_io& io, const std::string& path);
// Replaces `path` with `content`: write `path`.tmp, fsync it when `durable`, rename over `path`,
// then fsync the directory when `durable`. Readers see the old or the new file, never a mix.
result<void> write_file_atomically(file_io& io, const std::string& path, std::string_view content,
                                   bool durable);
// fsyncs the file at `path` (a missing file is not an error).
result<void> fsync_path(file_io& io, const std::string& path);

// "dir/name" without doubling slashes.
std::string join_path(std::string_view dir, std::string_view name);
std::string parent_dir(std::string_view path);

}  // namespace sluice::storage
