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
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace sluice::net {

inline constexpr std::string_view anonymous_principal = "User:ANONYMOUS";

class connection_session {
 public:
  explicit connection_session(bool authenticated,
                              std::string principal = std::string(anonymous_principal))
      : principal_(std::move(principal)), authenticated_(authenticated) {}

  std::string principal() const {
    std::lock_guard lock(mutex_);
    return principal_;
  }
  bool authenticated() const {
    std::lock_guard lock(mutex_);
    return authenticated_;
  }
  // An authentication (SASL, or the TLS handshake) established `principal`.
  void authenticate(std::string principal) {
    std::lock_guard lock(mutex_);
    principal_ = std::move(principal);
    authenticated_ = true;
  }

 private:
  mutable std::mutex mutex_;
  std::string principal_;
  bool authenticated_;
};

}  // namespace sluice::net
