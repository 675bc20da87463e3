#include "storage/log_dir.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace sluice::storage {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

result<dir_lock> dir_lock::acquire(file_io& io, const std::string& dir) {
  auto made = io.make_dirs(dir);
  if (!made) return std::move(made).error();
  std::string path = join_path(dir, lock_file_name);
  auto fd = io.open(path, O_RDWR | O_CREAT);
  if (!fd) return std::move(fd).error();
  if (::flock(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err == EWOULDBLOCK)
      return fail(errc::log_dir_locked, "log dir " + dir +
                                            " is in use by another broker process (" + path +
                                            " is locked); each broker needs its own log.dirs");
    return fail(errc::io_error, "flock " + path + ": " + std::strerror(err));
  }
  dir_lock out;
  out.dir_ = dir;
  out.fd_ = std::move(*fd);
  return out;
}

dir_lock::~dir_lock() {
  if (fd_) ::flock(fd_.get(), LOCK_UN);
}

result<std::map<std::string, std::string>> parse_properties(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return fail(errc::corrupt_file, "line without '=': " + std::string(line));
    out[std::string(trim(line.substr(0, eq)))] = std::string(trim(line.substr(eq + 1)));
  }
  return out;
}

result<meta_properties> read_meta_properties(file_io& io, const std::string& dir) {
  std::string path = join_path(dir, meta_properties_name);
  auto text = read_file(io, path);
  if (!text) return std::move(text).error();
  auto props = parse_properties(*text);
  if (!props) return fail(errc::corrupt_file, path + ": " + props.message());
  meta_properties m;
  auto number = [&](const std::string& key, int32_t& out) -> result<void> {
    const std::string& v = (*props)[key];
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size())
      return fail(errc::corrupt_file, path + ": " + key + " is not a number: " + v);
    return ok_v;
  };
  for (const auto& [key, value] : *props) {
    if (key == "version") {
      auto r = number(key, m.version);
      if (!r) return std::move(r).error();
    } else if (key == "broker.id") {
      int32_t id = 0;
      auto r = number(key, id);
      if (!r) return std::move(r).error();
      m.broker_id = id;
    } else if (key == "cluster.id") {
      m.cluster_id = value;
    } else {
      m.other[key] = value;
    }
  }
  return m;
}

result<void> write_meta_properties(file_io& io, const std::string& dir, const meta_properties& m) {
  std::string text = "#\n#Written by Sluice\nversion=" + std::to_string(m.version) + "\n";
  if (m.broker_id) text += "broker.id=" + std::to_string(*m.broker_id) + "\n";
  if (m.cluster_id) text += "cluster.id=" + *m.cluster_id + "\n";
  for (const auto& [key, value] : m.other) text += key + "=" + value + "\n";
  return write_file_atomically(io, join_path(dir, meta_properties_name), text, true);
}

}  // namespace sluice::storage
