#include "handlers/dispatcher.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "handlers/api_versions.h"
#include "handlers/registry.h"
#include "handlers/sasl_exchange.h"
#include "protocol/generated/api_table.h"
#include "protocol/generated/api_versions.h"
#include "quota/client_quotas.h"

namespace sluice::handlers {

namespace {

using steady = std::chrono::steady_clock;

// The APIs Kafka never charges to request_percentage: version discovery and authentication
// (ApiVersions, SaslHandshake, SaslAuthenticate) and the inter-broker cluster actions
// (LeaderAndIsr, StopReplica, UpdateMetadata, ControlledShutdown, WriteTxnMarkers, Envelope,
// AlterPartition). Followers' Fetches are exempted by the Fetch handler.
bool exempt_from_request_quota(int16_t api_key) {
  switch (api_key) {
    case 4:
    case 5:
    case 6:
    case 7:
    case 17:
    case 18:
    case 27:
    case 36:
    case 58:
    case 56:
      return true;
    default:
      return false;
  }
}

// One request's charge to the request-time quota (Kafka's ClientRequestQuotaManager): the time
// its handler ran, as a percentage of one thread's second. A handler that answers at once is
// charged up to its answer; one that answers later (a delayed Fetch, an acks=-1 Produce) the
// time it ran before returning, not the wait.
struct request_timing {
  steady::time_point start = steady::now();
  std::atomic<int64_t> ran_ns{-1};  // set when the handler returns
};

responder::request_time_charge charge_of(quota::client_quotas& quotas, const request_context& ctx,
                                         std::shared_ptr<request_timing> timing) {
  return
      [&quotas, timing = std::move(timing),
       user = quota::quota_user(ctx.connection->session->principal()), client = ctx.client_id()] {
        const auto now = steady::now();
        int64_t ns = timing->ran_ns.load();
        if (ns < 0)
          ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - timing->start).count();
        const double percent = static_cast<double>(ns) * 100.0 / 1e9;
        return quotas.request.record(
            user, client, percent,
            std::chrono::duration_cast<sampled_rate::time_ms>(now.time_since_epoch()));
      };
}

}  // namespace

void dispatcher::dispatch(const net::connection_ref& connection, net::request_frame frame,
                          net::response_callback done) {
  // Handlers see the bytes; the frame (and with it the buffer's way back to the connection's pool)
  // lives as long as any of them keeps `owned`.
  auto holder = std::make_shared<net::request_frame>(std::move(frame));
  std::shared_ptr<const protocol::bytes> owned(holder, &holder->bytes());
  // After a v0 SaslHandshake the client sends raw SASL tokens, not requests.
  if (connection->session->raw_tokens())
    return handle_raw_sasl_token(connection, std::move(owned), services_, std::move(done));
  protocol::reader r(*owned);
  // The first four fields are laid out alike in every header version: peek key and version.
  protocol::reader peek(*owned);
  int16_t api_key = peek.read_int16();
  int16_t api_version = peek.read_int16();
  if (!peek.ok()) {
    spdlog::warn("closing connection from {}: request frame of {} bytes has no header",
                 connection->client_address(), owned->size());
    return done(net::outbound_response::close());
  }

  // SASL listeners: only ApiVersions and the SASL requests before authentication; an expired
  // session closes (KIP-368). One gate here rather than in every handler.
  if (sasl_admit(connection, api_key) == sasl_verdict::close)
    return done(net::outbound_response::close());

  protocol::request_header header;
  auto header_version = protocol::request_header_version(api_key, api_version);
  const handler_entry* entry = find_handler(api_key);
  // An ApiVersions request from a newer client: only the fields every header version shares
  // matter (its body and any header tags are not read), so read it as header v1.
  if (api_key == protocol::api_versions_request::api_key && entry != nullptr &&
      api_version > entry->max_version)
    header_version = 1;
  if (auto h = header.decode(r, header_version); !h) {
    spdlog::warn("closing connection from {}: undecodable request header ({})",
                 connection->client_address(), protocol::to_string(h.code()));
    return done(net::outbound_response::close());
  }

  if (entry == nullptr) {
    const auto* api = protocol::find_api(api_key);
    spdlog::warn("closing connection from {}: unsupported API {} ({}) v{}",
                 connection->client_address(), api_key, api ? api->name : "unknown", api_version);
    return done(net::outbound_response::close());
  }
  if (api_version < entry->min_version || api_version > entry->max_version) {
    if (api_key == protocol::api_versions_request::api_key)
      return answer_unsupported_api_versions(responder(header, std::move(done)));
    const auto* api = protocol::find_api(api_key);
    spdlog::warn("closing connection from {}: {} v{} is not supported (this broker serves v{}-v{})",
                 connection->client_address(), api ? api->name : "api", api_version,
                 entry->min_version, entry->max_version);
    return done(net::outbound_response::close());
  }

  request_context ctx{connection, std::move(header), owned, services_};
  responder reply(ctx.header, std::move(done));
  std::shared_ptr<request_timing> timing;
  if (services_.quotas != nullptr && !exempt_from_request_quota(api_key) &&
      services_.quotas->request.enabled()) {
    timing = std::make_shared<request_timing>();
    reply.charge_request_time_with(charge_of(*services_.quotas, ctx, timing));
  }
  auto ran = [](const std::shared_ptr<request_timing>& t) {
    if (t) {
      t->ran_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - t->start).count();
    }
  };
  if (entry->blocking && workers_ != nullptr) {
    // `r` and `ctx` view the frame that `ctx.frame` keeps alive.
    return workers_->post([handle = entry->handle, ctx = std::move(ctx), r,
                           reply = std::move(reply), timing, ran]() mutable {
      if (timing) timing->start = steady::now();  // the queue's wait is not the handler's time
      handle(ctx, r, std::move(reply));
      ran(timing);
    });
  }
  entry->handle(ctx, r, std::move(reply));
  ran(timing);
}

}  // namespace sluice::handlers
