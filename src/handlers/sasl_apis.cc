// SaslHandshake (17) and SaslAuthenticate (36), the raw-token path of v0 handshakes and the
// dispatcher's SASL gate. See sasl_exchange.h.
#include <spdlog/spdlog.h>

#include "handlers/broker_services.h"
#include "handlers/handlers.h"
#include "handlers/sasl_exchange.h"
#include "protocol/error_code.h"
#include "protocol/generated/api_table.h"
#include "protocol/generated/sasl_authenticate.h"
#include "protocol/generated/sasl_handshake.h"

namespace sluice::handlers {
namespace {

using protocol::error_code;
using clock = net::connection_session::clock;

constexpr int16_t api_versions_key = 18;
constexpr int16_t sasl_handshake_key = 17;
constexpr int16_t sasl_authenticate_key = 36;

std::shared_ptr<sasl_exchange> exchange_of(const net::connection_session& session) {
  return std::dynamic_pointer_cast<sasl_exchange>(session.sasl_exchange());
}

std::string api_name(int16_t key) {
  const auto* api = protocol::find_api(key);
  return api ? std::string(api->name) : std::to_string(key);
}

const char* text_of(const sasl_exchange& ex) {
  return ex.reauthenticating ? "re-authentication" : "authentication";
}

// The outcome of one client token.
struct token_outcome {
  bool ok = false;
  bool close_silently = false;  // illegal state: close without an answer
  security::byte_string reply;  // the server token, when ok
  std::string error_message;    // for the client, when !ok
  int64_t session_lifetime_ms = 0;
};

token_outcome evaluate_token(const net::connection_ref& connection, sasl_exchange& ex,
                             const security::listener_sasl_config& listener,
                             std::span<const uint8_t> token) {
  token_outcome out;
  auto& session = *connection->session;
  auto fail_with = [&](std::string message, std::string log_detail) {
    spdlog::info("Failed {} with {} ({}) on listener {}", text_of(ex), connection->client_address(),
                 log_detail, connection->listener_name);
    out.error_message = std::move(message);
    return out;
  };
  auto answer = ex.server->evaluate(token);
  if (!answer) {
    switch (answer.code()) {
      case security::errc::authentication_failed:
        return fail_with(answer.message(), answer.message());
      case security::errc::sasl_failed:
        // Kafka's rule: a SaslException's message may name the user; the client gets a generic one.
        return fail_with(std::string("Authentication failed during ") + text_of(ex) +
                             " due to invalid credentials with SASL mechanism " + ex.mechanism,
                         answer.message());
      default:
        spdlog::info("Closing connection from {} during SASL {}: {}", connection->client_address(),
                     text_of(ex), answer.message());
        out.close_silently = true;
        return out;
    }
  }
  out.reply = std::move(answer).value();
  out.ok = true;
  if (!ex.server->complete()) return out;

  std::string principal = "User:" + ex.server->authorization_id();
  if (ex.reauthenticating && principal != ex.previous_principal) {
    auto pretty = [](const std::string& p) {
      auto colon = p.find(':');
      return p.substr(0, colon) + "." + p.substr(colon + 1);
    };
    out.ok = false;
    return fail_with("Cannot change principals during re-authentication from " +
                         pretty(ex.previous_principal) + ": " + pretty(principal),
                     "principal changed");
  }
  // KIP-368: the session lasts connections.max.reauth.ms (0: for ever), or less when the
  // credential expires sooner.
  const int64_t max_reauth = listener.reauth_ms(ex.mechanism);
  const auto expiry_ms = ex.server->credential_expiry_ms();
  std::optional<clock::time_point> expiry;
  if (expiry_ms || max_reauth > 0) {
    int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    int64_t lifetime = max_reauth > 0 ? max_reauth : INT64_MAX;
    if (expiry_ms) lifetime = std::min(lifetime, *expiry_ms - now_ms);
    lifetime = std::max<int64_t>(lifetime, 0);
    out.session_lifetime_ms = lifetime;
    expiry = clock::now() + std::chrono::milliseconds(lifetime);
  }
  spdlog::debug("Connection from {} {} as {} with {}", connection->client_address(),
                ex.reauthenticating ? "re-authenticated" : "authenticated", principal,
                ex.mechanism);
  session.authenticate(principal, expiry, ex.mechanism, ex.server->token_authenticated());
  session.set_raw_tokens(false);
  session.set_sasl_exchange(nullptr);
  return out;
}

const security::listener_sasl_config* listener_of(const net::connection_ref& connection,
                                                  const broker_services& services) {
  return services.sasl ? services.sasl->find(connection->listener_name) : nullptr;
}

}  // namespace

sasl_verdict sasl_admit(const net::connection_ref& connection, int16_t api_key) {
  auto& session = *connection->session;
  auto close = [&](const std::string& why) {
    spdlog::info("Closing connection from {} on listener {}: {}", connection->client_address(),
                 connection->listener_name, why);
    return sasl_verdict::close;
  };
  if (!session.restricted()) {
    auto expiry = session.expiry();
    if (!expiry) return sasl_verdict::serve;
    if (api_key == sasl_handshake_key && session.begin_reauthentication(clock::now())) {
      // KIP-368: an authenticated client with a session lifetime re-authenticates, at most once
      // a second; a handshake sooner is served as an ordinary request (ILLEGAL_SASL_STATE), or
      // closes the connection when the session has expired.
      auto ex = std::make_shared<sasl_exchange>();
      ex->st = sasl_exchange::state::handshake;
      ex->reauthenticating = true;
      ex->previous_principal = session.principal();
      ex->previous_mechanism = session.sasl_mechanism();
      session.set_sasl_exchange(std::move(ex));
      return sasl_verdict::serve;
    }
    if (clock::now() > *expiry) return close("expired SASL session (connections.max.reauth.ms)");
    return sasl_verdict::serve;
  }
  auto ex = exchange_of(session);
  if (!ex) {
    ex = std::make_shared<sasl_exchange>();
    session.set_sasl_exchange(ex);
  }
  using st = sasl_exchange::state;
  switch (api_key) {
    case api_versions_key:
      if (ex->st != st::handshake_or_versions)
        return close("Unexpected ApiVersions request received during SASL authentication");
      ex->st = st::handshake;
      return sasl_verdict::serve;
    case sasl_handshake_key:
      if (ex->st != st::handshake_or_versions && ex->st != st::handshake)
        return close("Unexpected Kafka request of type SASL_HANDSHAKE during SASL " +
                     std::string(text_of(*ex)));
      return sasl_verdict::serve;
    case sasl_authenticate_key:
      if (ex->st == st::bad_mechanism) return close(ex->bad_mechanism_message);
      if (ex->st != st::authenticate || !ex->kafka_headers)
        return close("Unexpected Kafka request of type SASL_AUTHENTICATE during SASL handshake.");
      return sasl_verdict::serve;
    default:
      return close("Unexpected Kafka request of type " + api_name(api_key) +
                   " during SASL handshake.");
  }
}

void handle_sasl_handshake(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::sasl_handshake_request request;
  if (auto d = request.decode(body, ctx.api_version()); !d) return reply.close();
  protocol::sasl_handshake_response response;
  auto& session = *ctx.connection->session;
  auto ex = exchange_of(session);
  const auto* listener = listener_of(ctx.connection, ctx.services);
  if (!ex || !listener) {
    // Authenticated without a session lifetime, or not a SASL listener: Kafka's KafkaApis answer.
    response.error_code = static_cast<int16_t>(error_code::illegal_sasl_state);
    return reply.send(response);
  }
  response.mechanisms = listener->enabled_mechanisms;
  if (!listener->enabled(request.mechanism)) {
    spdlog::info("Failed {} with {}: Unsupported SASL mechanism {}", text_of(*ex),
                 ctx.connection->client_address(), request.mechanism);
    response.error_code = static_cast<int16_t>(error_code::unsupported_sasl_mechanism);
    return reply.send(response, /*then_close=*/true);
  }
  ex->kafka_headers = ctx.api_version() >= 1;
  if (ex->reauthenticating && request.mechanism != ex->previous_mechanism) {
    ex->st = sasl_exchange::state::bad_mechanism;
    ex->bad_mechanism_message = "SASL mechanism '" + request.mechanism +
                                "' requested by client is not supported for re-authentication "
                                "of mechanism '" +
                                ex->previous_mechanism + "'";
    return reply.send(response);
  }
  auto server = security::make_sasl_server(
      *listener, request.mechanism, ctx.services.sasl->credentials, ctx.services.sasl->tokens);
  if (!server) return reply.close();
  ex->server = std::move(server).value();
  ex->mechanism = request.mechanism;
  ex->st = sasl_exchange::state::authenticate;
  if (!ex->kafka_headers) session.set_raw_tokens(true);
  reply.send(response);
}

void handle_sasl_authenticate(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::sasl_authenticate_request request;
  if (auto d = request.decode(body, ctx.api_version()); !d) return reply.close();
  protocol::sasl_authenticate_response response;
  auto ex = exchange_of(*ctx.connection->session);
  const auto* listener = listener_of(ctx.connection, ctx.services);
  if (!ex || !listener || ex->st != sasl_exchange::state::authenticate) {
    response.error_code = static_cast<int16_t>(error_code::illegal_sasl_state);
    response.error_message = "SaslAuthenticate request received after successful authentication";
    return reply.send(response);
  }
  auto outcome = evaluate_token(ctx.connection, *ex, *listener, request.auth_bytes);
  if (outcome.close_silently) return reply.close();
  if (!outcome.ok) {
    response.error_code = static_cast<int16_t>(error_code::sasl_authentication_failed);
    response.error_message = outcome.error_message;
    return reply.send(response, /*then_close=*/true);
  }
  response.auth_bytes = std::move(outcome.reply);
  response.session_lifetime_ms = outcome.session_lifetime_ms;
  reply.send(response);
}

void handle_raw_sasl_token(const net::connection_ref& connection,
                           std::shared_ptr<const protocol::bytes> token,
                           const broker_services& services, net::response_callback done) {
  auto ex = exchange_of(*connection->session);
  const auto* listener = listener_of(connection, services);
  if (!ex || !listener || ex->st != sasl_exchange::state::authenticate || !ex->server)
    return done(net::outbound_response::close());
  auto outcome = evaluate_token(connection, *ex, *listener, *token);
  // Without Kafka headers there is no way to send an error: the connection just closes.
  if (!outcome.ok) return done(net::outbound_response::close());
  protocol::writer w;
  w.write_raw(outcome.reply);
  done(net::outbound_response::with(std::move(w)));
}

}  // namespace sluice::handlers
