// scram_server: SCRAM-SHA-256/512 server side as Kafka's ScramSaslServer: first message → look up
// the user's stored credential, answer with the combined nonce, salt and iterations; final
// message → check the nonce and the client proof against StoredKey, answer with the server
// signature. Kafka's errors and messages. With the delegation-token extension (tokenauth=true)
// the user name is a token id, the credential the token's and the authenticated principal the
// token's owner, whose session ends when the token expires. See sasl_server.h for ownership and
// threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "security/delegation_token.h"
#include "security/sasl_server.h"
#include "security/scram.h"
#include "security/scram_messages.h"

namespace sluice::security {

// The current credential of `user` for the mechanism, or nullopt when it has none.
using scram_credential_lookup =
    std::function<std::optional<scram_credential>(const std::string& user)>;
// A delegation token's credential for the mechanism, or nullopt (no such token, tokens off).
using token_credential_lookup =
    std::function<std::optional<token_credential>(const std::string& token_id)>;

class scram_server final : public sasl_server {
 public:
  // `server_nonce`: for tests (RFC vectors); by default a fresh secure_random_string().
  scram_server(const scram_mechanism& mechanism, scram_credential_lookup lookup,
               std::optional<std::string> server_nonce = std::nullopt,
               token_credential_lookup token_lookup = nullptr);

  std::string_view mechanism() const override { return mechanism_.name; }
  result<byte_string> evaluate(std::span<const uint8_t> token) override;
  bool complete() const override { return state_ == state::complete; }
  const std::string& authorization_id() const override { return authorization_id_; }
  bool token_authenticated() const override { return token_expiry_ms_.has_value(); }
  std::optional<int64_t> credential_expiry_ms() const override { return token_expiry_ms_; }

 private:
  enum class state { first, final, complete, failed };
  result<byte_string> on_first(std::span<const uint8_t> token);
  result<byte_string> on_final(std::span<const uint8_t> token);

  const scram_mechanism& mechanism_;
  scram_credential_lookup lookup_;
  std::optional<std::string> server_nonce_;
  token_credential_lookup token_lookup_;
  std::optional<int64_t> token_expiry_ms_;  // set by a delegation-token login
  state state_ = state::first;
  std::optional<client_first_message> client_first_;
  std::optional<server_first_message> server_first_;
  std::optional<scram_credential> credential_;
  std::string authorization_id_;
};

// The client side (Kafka's ScramSaslClient): client-first with `client_nonce` (random by
// default), then the proof, then the server signature's check.
class scram_client final : public sasl_client {
 public:
  // `extensions`: {{"tokenauth", "true"}} for a delegation-token login.
  scram_client(const scram_mechanism& mechanism, std::string username, std::string password,
               std::optional<std::string> client_nonce = std::nullopt,
               scram_extensions extensions = {});
  std::string_view mechanism() const override { return mechanism_.name; }
  result<byte_string> evaluate(std::span<const uint8_t> server_token) override;
  bool complete() const override { return state_ == state::complete; }

 private:
  enum class state { send_first, receive_first, receive_final, complete, failed };
  const scram_mechanism& mechanism_;
  std::string username_, password_;
  state state_ = state::send_first;
  client_first_message client_first_;
  byte_string salted_;
  std::string auth_message_;
};

}  // namespace sluice::security
