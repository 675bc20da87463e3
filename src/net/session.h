// connection_session: what authentication has established on one client connection — the
// principal every handler authorizes as (Kafka's KafkaPrincipal as "User:<name>") and whether the
// connection may send requests other than ApiVersions and the SASL ones yet. Unlike the rest of
// connection_info it changes after the connection is accepted (a SASL exchange, a
// re-authentication per KIP-368), so it is a shared object of its own.
//
// Created by the network layer when it accepts the connection; PLAINTEXT and SSL connections are
// authenticated from the start (an SSL one with its client certificate's principal, when the
// handshake gives one), SASL ones only after SaslAuthenticate. Thread-safe: any thread may read
// it while a handler of the connection changes it.
//
// The SASL part (issue #13): the exchange in progress (an opaque object the handlers define and
// keep here between requests), the session's expiry (KIP-368 re-authentication) and the framing
// seam of the v0 SaslHandshake — after it, old clients send raw size-prefixed SASL tokens instead
// of Kafka requests. While `raw_tokens()` is set, the network layer hands every frame to the
// dispatcher as it is (never overlapped with another request) and the dispatcher treats it as a
// token; the response's frame body is the raw server token. While the connection is not
// authenticated or an exchange is in progress, frames above `max_sasl_bytes()` close it before
// anything is allocated (Kafka's sasl.server.max.receive.size).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace sluice::net {

inline constexpr std::string_view anonymous_principal = "User:ANONYMOUS";

class connection_session {
 public:
  using clock = std::chrono::steady_clock;
  // What a SASL exchange keeps between requests; defined by the handlers.
  class exchange {
   public:
    virtual ~exchange() = default;
  };

  explicit connection_session(bool authenticated,
                              std::string principal = std::string(anonymous_principal),
                              int32_t max_sasl_bytes = 524288)
      : principal_(std::move(principal)),
        authenticated_(authenticated),
        max_sasl_bytes_(max_sasl_bytes) {}

  std::string principal() const {
    std::lock_guard lock(mutex_);
    return principal_;
  }
  // The client software the connection's ApiVersions (v3+) named ("unknown" until then): what
  // KIP-714's client-metrics match selectors see.
  std::pair<std::string, std::string> client_software() const {
    std::lock_guard lock(mutex_);
    return {software_name_, software_version_};
  }
  void set_client_software(std::string name, std::string version) {
    std::lock_guard lock(mutex_);
    software_name_ = std::move(name);
    software_version_ = std::move(version);
  }
  bool authenticated() const {
    std::lock_guard lock(mutex_);
    return authenticated_;
  }
  // An authentication (SASL, or the TLS handshake) established `principal`; with `expiry`, the
  // session ends then unless the client re-authenticates (KIP-368).
  // `mechanism`: the SASL mechanism used, which a re-authentication must use again.
  // `token_authenticated`: with a delegation token (such a connection may not ask for tokens).
  void authenticate(std::string principal, std::optional<clock::time_point> expiry = std::nullopt,
                    std::string mechanism = {}, bool token_authenticated = false) {
    std::lock_guard lock(mutex_);
    principal_ = std::move(principal);
    authenticated_ = true;
    expiry_ = expiry;
    mechanism_ = std::move(mechanism);
    token_authenticated_ = token_authenticated;
  }
  bool token_authenticated() const {
    std::lock_guard lock(mutex_);
    return token_authenticated_;
  }
  std::string sasl_mechanism() const {
    std::lock_guard lock(mutex_);
    return mechanism_;
  }
  std::optional<clock::time_point> expiry() const {
    std::lock_guard lock(mutex_);
    return expiry_;
  }
  // KIP-368: a re-authentication may start at most once a second (Kafka's
  // MIN_REAUTH_INTERVAL_ONE_SECOND_NANOS). Records `now` as the start and says true when allowed.
  bool begin_reauthentication(clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (last_reauth_start_ && now - *last_reauth_start_ < std::chrono::seconds(1)) return false;
    last_reauth_start_ = now;
    return true;
  }

  // The SASL exchange in progress, if any (null once it completes).
  std::shared_ptr<exchange> sasl_exchange() const {
    std::lock_guard lock(mutex_);
    return exchange_;
  }
  void set_sasl_exchange(std::shared_ptr<exchange> e) {
    std::lock_guard lock(mutex_);
    exchange_ = std::move(e);
  }
  // Frames are raw SASL tokens (after a v0 SaslHandshake) until cleared.
  bool raw_tokens() const {
    std::lock_guard lock(mutex_);
    return raw_tokens_;
  }
  void set_raw_tokens(bool raw) {
    std::lock_guard lock(mutex_);
    raw_tokens_ = raw;
  }
  // Not authenticated, or an exchange (a re-authentication) is in progress: only the SASL
  // requests are served and frames are bounded by max_sasl_bytes().
  bool restricted() const {
    std::lock_guard lock(mutex_);
    return !authenticated_ || exchange_ != nullptr || raw_tokens_;
  }
  int32_t max_sasl_bytes() const { return max_sasl_bytes_; }

 private:
  mutable std::mutex mutex_;
  std::string principal_;
  std::string software_name_ = "unknown";     // mutex_
  std::string software_version_ = "unknown";  // mutex_
  bool authenticated_;
  const int32_t max_sasl_bytes_;
  std::optional<clock::time_point> expiry_;
  std::optional<clock::time_point> last_reauth_start_;
  std::string mechanism_;
  bool token_authenticated_ = false;
  std::shared_ptr<exchange> exchange_;
  bool raw_tokens_ = false;
};

}  // namespace sluice::net
