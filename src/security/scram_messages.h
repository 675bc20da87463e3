// The four SCRAM messages (RFC 5802 §7) parsed and formatted exactly as Kafka's ScramMessages:
// the same grammar (gs2 header "n,[a=<authzid>]," only, the optional reserved "m=" field, Kafka's
// character classes, extensions "key=value" after the nonce) and the same rebuilt forms that go
// into the AuthMessage (the client-first bare part without "m=", the client-final part without
// proof as "c=<binding>,r=<nonce>"). Parse errors are errc::sasl_failed with Kafka's messages.
// Values; any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "security/bytes.h"
#include "security/errc.h"

namespace sluice::security {

// Kafka's ScramExtensions: "key=value" pairs in the order received ("tokenauth=true" marks a
// delegation-token login).
using scram_extensions = std::vector<std::pair<std::string, std::string>>;

struct client_first_message {
  std::string authorization_id;  // empty when the gs2 header has no "a="
  std::string sasl_name;         // escaped user name
  std::string nonce;
  scram_extensions extensions;

  static result<client_first_message> parse(std::span<const uint8_t> bytes);
  std::string bare() const;  // n=<sasl_name>,r=<nonce>[,<k>=<v>...]
  std::string to_string() const;
  bool token_authenticated() const;  // extension tokenauth=true
};

struct server_first_message {
  std::string nonce;  // client nonce + server nonce
  byte_string salt;
  int32_t iterations = 0;

  static result<server_first_message> parse(std::span<const uint8_t> bytes);
  std::string to_string() const;  // r=<nonce>,s=<b64 salt>,i=<n>
};

struct client_final_message {
  byte_string channel_binding;
  std::string nonce;
  byte_string proof;

  static result<client_final_message> parse(std::span<const uint8_t> bytes);
  std::string without_proof() const;  // c=<b64>,r=<nonce>
  std::string to_string() const;
};

struct server_final_message {
  std::optional<std::string> error;  // e=<error>
  byte_string server_signature;      // v=<b64>

  static result<server_final_message> parse(std::span<const uint8_t> bytes);
  std::string to_string() const;
};

// The AuthMessage of RFC 5802 §3, from Kafka's rebuilt forms.
std::string scram_auth_message(const client_first_message& client_first,
                               const server_first_message& server_first,
                               const client_final_message& client_final);

}  // namespace sluice::security
