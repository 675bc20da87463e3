// A minimal Kafka protocol client, for the requests librdkafka 2.0.2 has no API for: ApiVersions
// as a listing (kafka-broker-api-versions), DescribeLogDirs (kafka-log-dirs), ElectLeaders
// (kafka-leader-election), configs, ACLs, quotas, SCRAM credentials, transactions, and topic ids
// (Metadata v10+, for kafka-topics --describe). It does no encoding of its own: requests and
// responses go through Sluice's generated codec in src/protocol, and the connection is the
// broker's own inter-broker client (net::broker_client), so a tool's --command-config secures it
// with TLS and SASL exactly as it secures the tool's librdkafka handle (connection_security).
//
// One connection per object, blocking I/O bounded by deadlines, used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "cli/properties.h"
#include "net/broker_client.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/headers.h"
#include "protocol/wire.h"

namespace sluice::cli {

class raw_connection {
 public:
  // Connects to `host:port`, secured as `settings` (the tool's client properties) say, and
  // negotiates versions with ApiVersions.
  static result<raw_connection> open(const std::string& host, int port,
                                     const property_map& settings, deadline d);
  // Tries each `host:port` of a comma-separated broker list in turn.
  static result<raw_connection> open_any(const std::string& brokers, const property_map& settings,
                                         deadline d);

  // The broker's ApiVersions answer (its version range for each API).
  const protocol::api_versions_response& api_versions() const { return versions_; }
  // The highest version of `api_key` both the broker and our codec support.
  std::optional<int16_t> pick_version(int16_t api_key, int16_t our_min, int16_t our_max) const;

  // Sends `request` at `version` and decodes the answer.
  template <class Request, class Response>
  result<Response> call(const Request& request, int16_t version, deadline d);

  // The same for a response that holds views into its bytes (records: Fetch, ShareFetch): the
  // bytes come along, so the views stay valid as long as the answer lives.
  template <class Response>
  struct framed {
    protocol::bytes frame;
    Response body;
  };
  template <class Request, class Response>
  result<framed<Response>> call_framed(const Request& request, int16_t version, deadline d);

  const std::string& address() const { return address_; }

 private:
  raw_connection(std::unique_ptr<net::broker_client> client, std::string address)
      : client_(std::move(client)), address_(std::move(address)) {}
  // Sends one request; returns the response body after its header.
  result<protocol::bytes> round_trip(int16_t api_key, int16_t version, protocol::writer& body,
                                     deadline d);
  result<void> negotiate(deadline d);

  std::unique_ptr<net::broker_client> client_;
  std::string address_;
  protocol::api_versions_response versions_;
};

// Splits "h1:p1,h2:p2" into host/port pairs (port 9092 when left out).
std::vector<std::pair<std::string, int>> parse_broker_list(const std::string& brokers);

// Topic ids by name, from a Metadata request (v10 or newer); an error when the broker does not
// support such a version.
result<std::map<std::string, std::string>> fetch_topic_ids(const std::string& brokers,
                                                           const std::vector<std::string>& topics,
                                                           const property_map& settings,
                                                           deadline d);

template <class Request, class Response>
result<Response> raw_connection::call(const Request& request, int16_t version, deadline d) {
  protocol::writer body;
  if (auto enc = request.encode(body, version); !enc) {
    return fail(errc::internal, "cannot encode request: " + enc.message());
  }
  auto bytes = round_trip(Request::api_key, version, body, d);
  if (!bytes) return std::move(bytes).error();
  protocol::reader r(*bytes);
  Response response;
  if (auto dec = response.decode(r, version); !dec || !r.ok()) {
    return fail(errc::broker, "cannot decode the broker's response from " + address_);
  }
  return response;
}

template <class Request, class Response>
result<raw_connection::framed<Response>> raw_connection::call_framed(const Request& request,
                                                                     int16_t version, deadline d) {
  protocol::writer body;
  if (auto enc = request.encode(body, version); !enc) {
    return fail(errc::internal, "cannot encode request: " + enc.message());
  }
  auto bytes = round_trip(Request::api_key, version, body, d);
  if (!bytes) return std::move(bytes).error();
  framed<Response> out{std::move(*bytes), Response{}};
  protocol::reader r(out.frame);  // the views point into out.frame's heap buffer
  if (auto dec = out.body.decode(r, version); !dec || !r.ok()) {
    return fail(errc::broker, "cannot decode the broker's response from " + address_);
  }
  return out;
}

}  // namespace sluice::cli
