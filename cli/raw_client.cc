// Kafka requests over the broker's own client connection (plain, TLS, SASL), encoded and decoded
// by Sluice's generated codec.
#include "cli/raw_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "cli/client/connection_security.h"
#include "protocol/generated/metadata.h"

namespace sluice::cli {
namespace {

// What went wrong on a broker_client call, as the tools report it.
failure<errc> tool_error(const failure<net::errc>& e, const std::string& address) {
  std::string why = e.message;
  // "cannot connect to host:port: Connection refused" -> "Connection refused"
  if (std::string prefix = "cannot connect to " + address + ": "; why.starts_with(prefix)) {
    why = why.substr(prefix.size());
  }
  switch (e.code) {
    case net::errc::resolve_failed:
      return {errc::unreachable, fmt::format("Could not resolve {}: {}", address, why)};
    case net::errc::connect_failed:
      return {errc::unreachable, fmt::format("Connection to {} failed: {}", address, why)};
    case net::errc::io_error:
      return {errc::unreachable, fmt::format("Connection to {} lost: {}", address, why)};
    case net::errc::timed_out:
      return {errc::timed_out, fmt::format("Timed out talking to {}", address)};
    case net::errc::auth_failed:
      return {errc::broker, why};  // "<broker> refused SASL <mechanism>: <the broker's reason>"
    default:
      return {errc::broker, why};
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

result<raw_connection> raw_connection::open(const std::string& host, int port,
                                            const property_map& settings, deadline d) {
  auto security = connection_security(settings);
  if (!security) return std::move(security).error();
  net::broker_client_options options;
  options.host = host;
  options.port = static_cast<uint16_t>(port);
  options.client_id = "sluice-cli";
  options.security = std::move(*security);
  raw_connection conn(std::make_unique<net::broker_client>(std::move(options)),
                      fmt::format("{}:{}", host, port));
  if (auto n = conn.negotiate(d); !n) return std::move(n).error();
  return conn;
}

result<raw_connection> raw_connection::open_any(const std::string& brokers,
                                                const property_map& settings, deadline d) {
  failure<errc> last{errc::unreachable, "no brokers given"};
  for (const auto& [host, port] : parse_broker_list(brokers)) {
    auto conn = open(host, port, settings, d);
    if (conn) return conn;
    last = std::move(conn).error();
    if (last.code != errc::unreachable) break;
  }
  if (last.code == errc::unreachable) {
    return fail(errc::unreachable,
                fmt::format("Could not reach any broker at {}: {}", brokers, last.message));
  }
  return last;
}

result<protocol::bytes> raw_connection::round_trip(int16_t api_key, int16_t version,
                                                   protocol::writer& body, deadline d) {
  std::chrono::milliseconds left{std::max(1, d.remaining_ms())};
  client_->set_timeouts(left, left);
  auto response = client_->round_trip(api_key, version, body.take_buffer());
  if (!response) return tool_error(response.error(), address_);
  return std::move(*response);
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
                                                           const property_map& settings,
                                                           deadline d) {
  auto conn = raw_connection::open_any(brokers, settings, d);
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
