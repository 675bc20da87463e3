// Kafka requests over a plain socket, encoded and decoded by Sluice's generated codec.
#include "cli/raw_client.h"

#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <cerrno>
#include <cstring>

#include "protocol/generated/metadata.h"

namespace sluice::cli {
namespace {

result<void> wait_fd(int fd, short events, deadline d, const std::string& address) {
  for (;;) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, d.remaining_ms());
    if (rc > 0) return ok_v;
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return fail(errc::io, std::strerror(errno));
    return fail(errc::timed_out, fmt::format("Timed out talking to {}", address));
  }
}

}  // namespace

std::vector<std::pair<std::string, int>> parse_broker_list(const std::string& brokers) {
  std::vector<std::pair<std::string, int>> out;
  size_t start = 0;
  while (start <= brokers.size()) {
    size_t comma = brokers.find(',', start);
    std::string entry = brokers.substr(start, comma == std::string::npos ? comma : comma - start);
    // Drop a PLAINTEXT:// style prefix.
    if (size_t scheme = entry.find("://"); scheme != std::string::npos) {
      entry = entry.substr(scheme + 3);
    }
    while (!entry.empty() && entry.front() == ' ') entry.erase(entry.begin());
    while (!entry.empty() && entry.back() == ' ') entry.pop_back();
    if (!entry.empty()) {
      size_t colon = entry.rfind(':');
      if (colon == std::string::npos) {
        out.emplace_back(entry, 9092);
      } else {
        out.emplace_back(entry.substr(0, colon), std::atoi(entry.c_str() + colon + 1));
      }
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

raw_connection::raw_connection(raw_connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      address_(std::move(other.address_)),
      next_correlation_(other.next_correlation_),
      versions_(std::move(other.versions_)) {}

raw_connection& raw_connection::operator=(raw_connection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    address_ = std::move(other.address_);
    next_correlation_ = other.next_correlation_;
    versions_ = std::move(other.versions_);
  }
  return *this;
}

raw_connection::~raw_connection() {
  if (fd_ >= 0) ::close(fd_);
}

result<raw_connection> raw_connection::open(const std::string& host, int port, deadline d) {
  std::string address = fmt::format("{}:{}", host, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return fail(errc::unreachable,
                fmt::format("Could not resolve {}: {}", address, ::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) continue;
    raw_connection conn(fd, address);
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_error = std::strerror(errno);
      continue;
    }
    if (auto w = wait_fd(fd, POLLOUT, d, address); !w) return std::move(w).error();
    int so_error = 0;
    socklen_t len = sizeof so_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
      last_error = std::strerror(so_error);
      continue;
    }
    if (auto n = conn.negotiate(d); !n) return std::move(n).error();
    return conn;
  }
  return fail(errc::unreachable, fmt::format("Connection to {} failed: {}", address, last_error));
}

result<raw_connection> raw_connection::open_any(const std::string& brokers, deadline d) {
  failure<errc> last{errc::unreachable, "no brokers given"};
  for (const auto& [host, port] : parse_broker_list(brokers)) {
    auto conn = open(host, port, d);
    if (conn) return conn;
    last = std::move(conn).error();
    if (last.code == errc::timed_out) break;
  }
  if (last.code == errc::unreachable) {
    return fail(errc::unreachable,
                fmt::format("Could not reach any broker at {}: {}", brokers, last.message));
  }
  return last;
}

result<void> raw_connection::send_all(const std::vector<uint8_t>& bytes, deadline d) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (auto w = wait_fd(fd_, POLLOUT, d, address_); !w) return w;
      continue;
    }
    return fail(errc::unreachable,
                fmt::format("Connection to {} lost: {}", address_, std::strerror(errno)));
  }
  return ok_v;
}

result<void> raw_connection::recv_exact(uint8_t* out, size_t n, deadline d) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd_, out + got, n - got, 0);
    if (r > 0) {
      got += static_cast<size_t>(r);
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (auto w = wait_fd(fd_, POLLIN, d, address_); !w) return w;
      continue;
    }
    return fail(errc::unreachable, fmt::format("Connection to {} closed by the broker", address_));
  }
  return ok_v;
}

result<std::vector<uint8_t>> raw_connection::round_trip(int16_t api_key, int16_t version,
                                                        const protocol::writer& body, deadline d) {
  protocol::writer frame;
  frame.write_int32(0);  // size, patched below
  protocol::request_header header;
  header.request_api_key = api_key;
  header.request_api_version = version;
  header.correlation_id = next_correlation_++;
  header.client_id = "sluice-cli";
  if (auto enc = header.encode(frame, protocol::request_header_version(api_key, version)); !enc) {
    return fail(errc::internal, "cannot encode request header");
  }
  frame.write_raw(body.buffer());
  frame.patch_int32(0, static_cast<int32_t>(frame.size() - 4));
  if (auto s = send_all(frame.buffer(), d); !s) return std::move(s).error();

  uint8_t size_bytes[4];
  if (auto r = recv_exact(size_bytes, 4, d); !r) return std::move(r).error();
  protocol::reader size_reader(size_bytes);
  int32_t size = size_reader.read_int32();
  if (size < 4 || size > (256 << 20)) {
    return fail(errc::broker, fmt::format("Bad response size {} from {}", size, address_));
  }
  std::vector<uint8_t> response(static_cast<size_t>(size));
  if (auto r = recv_exact(response.data(), response.size(), d); !r) return std::move(r).error();
  protocol::reader r(response);
  protocol::response_header rh;
  if (auto dec = rh.decode(r, protocol::response_header_version(api_key, version));
      !dec || !r.ok()) {
    return fail(errc::broker, fmt::format("Bad response header from {}", address_));
  }
  if (rh.correlation_id != header.correlation_id) {
    return fail(errc::broker, fmt::format("Response from {} carries correlation id {}, not {}",
                                          address_, rh.correlation_id, header.correlation_id));
  }
  return std::vector<uint8_t>(response.begin() + static_cast<ptrdiff_t>(r.position()),
                              response.end());
}

result<void> raw_connection::negotiate(deadline d) {
  protocol::api_versions_request req;
  req.client_software_name = "sluice-cli";
  req.client_software_version = "0.1.0";
  using protocol::api_versions_response;
  auto v3 = call<protocol::api_versions_request, api_versions_response>(req, 3, d);
  if (v3 && v3->error_code == 0) {
    versions_ = std::move(*v3);
    return ok_v;
  }
  if (!v3 && v3.code() != errc::broker) return std::move(v3).error();
  // An older broker answers UNSUPPORTED_VERSION (in the v0 layout); ask again at v0.
  auto v0 = call<protocol::api_versions_request, api_versions_response>(req, 0, d);
  if (!v0) return std::move(v0).error();
  if (v0->error_code != 0) {
    return fail(errc::broker, fmt::format("ApiVersions failed at {} with error code {}", address_,
                                          v0->error_code));
  }
  versions_ = std::move(*v0);
  return ok_v;
}

std::optional<int16_t> raw_connection::pick_version(int16_t api_key, int16_t our_min,
                                                    int16_t our_max) const {
  for (const auto& k : versions_.api_keys) {
    if (k.api_key != api_key) continue;
    int16_t hi = std::min(k.max_version, our_max);
    int16_t lo = std::max(k.min_version, our_min);
    if (hi < lo) return std::nullopt;
    return hi;
  }
  return std::nullopt;
}

result<std::map<std::string, std::string>> fetch_topic_ids(const std::string& brokers,
                                                           const std::vector<std::string>& topics,
                                                           deadline d) {
  auto conn = raw_connection::open_any(brokers, d);
  if (!conn) return std::move(conn).error();
  using protocol::metadata_request;
  using protocol::metadata_response;
  auto version = conn->pick_version(metadata_request::api_key, 10, metadata_request::max_version);
  if (!version) return fail(errc::unsupported, "the broker has no Metadata v10 (topic ids)");
  metadata_request req;
  req.allow_auto_topic_creation = false;
  req.topics.emplace();
  for (const std::string& t : topics) {
    metadata_request::metadata_request_topic mt;
    mt.name = t;
    req.topics->push_back(std::move(mt));
  }
  auto resp = conn->call<metadata_request, metadata_response>(req, *version, d);
  if (!resp) return std::move(resp).error();
  std::map<std::string, std::string> ids;
  for (const auto& t : resp->topics) {
    if (t.error_code == 0 && t.name && !t.topic_id.is_zero()) ids[*t.name] = t.topic_id.to_base64();
  }
  return ids;
}

}  // namespace sluice::cli
