#include "handlers/dispatcher.h"

#include <spdlog/spdlog.h>

#include "handlers/api_versions.h"
#include "handlers/registry.h"
#include "handlers/sasl_exchange.h"
#include "protocol/generated/api_table.h"
#include "protocol/generated/api_versions.h"

namespace sluice::handlers {

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
  if (entry->blocking && workers_ != nullptr) {
    // `r` and `ctx` view the frame that `ctx.frame` keeps alive.
    return workers_->post(
        [handle = entry->handle, ctx = std::move(ctx), r, reply = std::move(reply)]() mutable {
          handle(ctx, r, std::move(reply));
        });
  }
  entry->handle(ctx, r, std::move(reply));
}

}  // namespace sluice::handlers
