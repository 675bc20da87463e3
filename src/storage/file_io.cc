#include "storage/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sluice::storage {

namespace {

failure<errc> os_error(std::string_view what, const std::string& path, int err = errno) {
  return fail(err == ENOENT ? errc::not_found : errc::io_error,
              std::string(what) + " " + path + ": " + std::strerror(err));
}

failure<errc> fd_error(std::string_view what, int fd, int err = errno) {
  return fail(errc::io_error,
              std::string(what) + " fd " + std::to_string(fd) + ": " + std::strerror(err));
}

}  // namespace

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void unique_fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

result<unique_fd> file_io::open(const std::string& path, int flags, int mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return os_error("open", path);
  return unique_fd(fd);
}

result<void> file_io::pwrite_all(int fd, std::span<const uint8_t> data, int64_t offset) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fd_error("pwrite", fd);
    }
    if (n == 0) return fail(errc::io_error, "pwrite wrote nothing");
    data = data.subspan(static_cast<size_t>(n));
    offset += n;
  }
  return ok_v;
}

result<size_t> file_io::pread(int fd, std::span<uint8_t> data, int64_t offset) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pread(fd, data.data() + done, data.size() - done, offset + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fd_error("pread", fd);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

result<void> file_io::fsync(int fd) {
  if (::fdatasync(fd) != 0) return fd_error("fdatasync", fd);
  return ok_v;
}

result<void> file_io::truncate(int fd, int64_t size) {
  if (::ftruncate(fd, size) != 0) return fd_error("ftruncate", fd);
  return ok_v;
}

result<void> file_io::preallocate(int fd, int64_t size) {
  if (::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size) != 0 && errno != EOPNOTSUPP)
    return fd_error("fallocate", fd);
  return ok_v;
}

result<int64_t> file_io::size_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fd_error("fstat", fd);
  return static_cast<int64_t>(st.st_size);
}

result<int64_t> file_io::file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return os_error("stat", path);
  return static_cast<int64_t>(st.st_size);
}

result<int64_t> file_io::mtime_ms(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return os_error("stat", path);
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

result<void> file_io::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return os_error("rename", from + " -> " + to);
  return ok_v;
}

result<void> file_io::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return os_error("unlink", path);
  return ok_v;
}

result<void> file_io::remove_all(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return fail(errc::io_error, "remove " + path + ": " + ec.message());
  return ok_v;
}

result<void> file_io::make_dirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return fail(errc::io_error, "mkdir " + path + ": " + ec.message());
  return ok_v;
}

result<void> file_io::fsync_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("open dir", path);
  unique_fd owner(fd);
  if (::fsync(fd) != 0) return os_error("fsync dir", path);
  return ok_v;
}

result<void> file_io::sync_filesystem(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("open dir", path);
  unique_fd owner(fd);
  if (::syncfs(fd) != 0) return os_error("syncfs", path);
  return ok_v;
}

result<std::vector<dir_entry>> file_io::list_dir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return os_error("opendir", path);
  std::vector<dir_entry> out;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = ::fstatat(::dirfd(dir), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
    }
    out.push_back(dir_entry{std::string(name), is_dir});
  }
  ::closedir(dir);
  return out;
}

bool file_io::exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

file_io& posix_file_io() {
  static file_io io;
  return io;
}

result<std::string> read_file(file_io& io, const std::string& path) {
  auto fd = io.open(path, O_RDONLY);
  if (!fd) return std::move(fd).error();
  std::string out;
  int64_t at = 0;
  for (;;) {
    out.resize(static_cast<size_t>(at) + 4096);
    auto n =
        io.pread(fd->get(), {reinterpret_cast<uint8_t*>(out.data()) + at, out.size() - at}, at);
    if (!n) return std::move(n).error();
    at += static_cast<int64_t>(*n);
    if (*n < 4096) break;
  }
  out.resize(static_cast<size_t>(at));
  return out;
}

result<void> write_file_atomically(file_io& io, const std::string& path, std::string_view content,
                                   bool durable) {
  std::string tmp = path + ".tmp";
  {
    auto fd = io.open(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) return std::move(fd).error();
    auto w = io.pwrite_all(fd->get(),
                           {reinterpret_cast<const uint8_t*>(content.data()), content.size()}, 0);
    if (!w) return w;
    if (durable) {
      auto s = io.fsync(fd->get());
      if (!s) return s;
    }
  }
  auto r = io.rename(tmp, path);
  if (!r) return r;
  if (durable) return io.fsync_dir(parent_dir(path));
  return ok_v;
}

result<void> fsync_path(file_io& io, const std::string& path) {
  auto fd = io.open(path, O_RDONLY);
  if (!fd) {
    if (fd.code() == errc::not_found) return ok_v;
    return std::move(fd).error();
  }
  return io.fsync(fd->get());
}

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

std::string parent_dir(std::string_view path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace sluice::storage
