#include "security/scram_server.h"

#include "security/base64.h"

namespace sluice::security {
namespace {

byte_string xor_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  byte_string out(a.size());
  for (size_t i = 0; i < a.size(); ++i) out[i] = a[i] ^ b[i];
  return out;
}

}  // namespace

scram_server::scram_server(const scram_mechanism& mechanism, scram_credential_lookup lookup,
                           std::optional<std::string> server_nonce,
                           token_credential_lookup token_lookup)
    : mechanism_(mechanism),
      lookup_(std::move(lookup)),
      server_nonce_(std::move(server_nonce)),
      token_lookup_(std::move(token_lookup)) {}

result<byte_string> scram_server::evaluate(std::span<const uint8_t> token) {
  result<byte_string> out = fail(errc::illegal_state, "");
  switch (state_) {
    case state::first:
      out = on_first(token);
      break;
    case state::final:
      out = on_final(token);
      break;
    default:
      return fail(errc::illegal_state, state_ == state::complete
                                           ? "Unexpected challenge in Sasl server state COMPLETE"
                                           : "Unexpected challenge in Sasl server state FAILED");
  }
  if (!out) {
    state_ = state::failed;
    credential_.reset();
  }
  return out;
}

result<byte_string> scram_server::on_first(std::span<const uint8_t> token) {
  auto first = client_first_message::parse(token);
  if (!first) return std::move(first).error();
  auto username = scram_username(first->sasl_name);
  if (!username)
    return fail(errc::sasl_failed, "Authentication failed: Credentials could not be obtained");
  std::string authorization_id = *username;
  if (first->token_authenticated()) {
    // A delegation token: the user name is the token id, the principal its owner.
    auto token = token_lookup_ ? token_lookup_(*username) : std::nullopt;
    if (!token)
      return fail(errc::sasl_failed, "Token Authentication failed: Invalid tokenId : " + *username);
    credential_ = token->credential;
    authorization_id = token->owner_name;
    token_expiry_ms_ = token->expiry_timestamp;
  } else {
    credential_ = lookup_(*username);
    if (!credential_)
      return fail(errc::sasl_failed, "Authentication failed: Invalid user credentials");
  }
  if (!first->authorization_id.empty() && first->authorization_id != *username)
    return fail(errc::authentication_failed,
                "Authentication failed: Client requested an authorization id that is different "
                "from username");
  if (credential_->iterations < mechanism_.min_iterations)
    return fail(errc::sasl_failed, "Iterations " + std::to_string(credential_->iterations) +
                                       " is less than the minimum " +
                                       std::to_string(mechanism_.min_iterations) + " for " +
                                       std::string(mechanism_.name));
  authorization_id_ = std::move(authorization_id);
  server_first_message reply;
  reply.nonce = first->nonce + (server_nonce_ ? *server_nonce_ : secure_random_string());
  reply.salt = credential_->salt;
  reply.iterations = credential_->iterations;
  client_first_ = std::move(*first);
  server_first_ = std::move(reply);
  state_ = state::final;
  return to_bytes(server_first_->to_string());
}

result<byte_string> scram_server::on_final(std::span<const uint8_t> token) {
  auto final = client_final_message::parse(token);
  if (!final) return std::move(final).error();
  const auto& expected_nonce = server_first_->nonce;
  if (final->nonce.size() < expected_nonce.size() ||
      final->nonce.compare(final->nonce.size() - expected_nonce.size(), expected_nonce.size(),
                           expected_nonce) != 0)
    return fail(errc::sasl_failed, "Invalid client nonce in the final client message.");
  auto auth_message = to_bytes(scram_auth_message(*client_first_, *server_first_, *final));
  auto client_signature = hmac(mechanism_.alg, credential_->stored_key, auth_message);
  if (client_signature.size() != final->proof.size())
    return fail(errc::illegal_state, "Argument arrays must be of the same length");
  auto computed_stored_key = hash(mechanism_.alg, xor_bytes(client_signature, final->proof));
  if (!constant_time_equal(computed_stored_key, credential_->stored_key))
    return fail(errc::sasl_failed, "Invalid client credentials");
  server_final_message reply;
  reply.server_signature = hmac(mechanism_.alg, credential_->server_key, auth_message);
  credential_.reset();
  state_ = state::complete;
  return to_bytes(reply.to_string());
}

scram_client::scram_client(const scram_mechanism& mechanism, std::string username,
                           std::string password, std::optional<std::string> client_nonce,
                           scram_extensions extensions)
    : mechanism_(mechanism), username_(std::move(username)), password_(std::move(password)) {
  client_first_.sasl_name = scram_sasl_name(username_);
  client_first_.nonce = client_nonce ? *client_nonce : secure_random_string();
  client_first_.extensions = std::move(extensions);
}

result<byte_string> scram_client::evaluate(std::span<const uint8_t> server_token) {
  switch (state_) {
    case state::send_first:
      state_ = state::receive_first;
      return to_bytes(client_first_.to_string());
    case state::receive_first: {
      auto first = server_first_message::parse(server_token);
      if (!first) {
        state_ = state::failed;
        return std::move(first).error();
      }
      if (first->nonce.rfind(client_first_.nonce, 0) != 0) {
        state_ = state::failed;
        return fail(errc::sasl_failed, "Invalid server nonce: does not start with client nonce");
      }
      if (first->iterations < mechanism_.min_iterations) {
        state_ = state::failed;
        return fail(errc::sasl_failed, "Requested iterations " + std::to_string(first->iterations) +
                                           " is less than the minimum " +
                                           std::to_string(mechanism_.min_iterations) + " for " +
                                           std::string(mechanism_.name));
      }
      client_final_message final;
      final.channel_binding = to_bytes("n,,");
      final.nonce = first->nonce;
      // The one Hi() of a client login: the client knows the password, not the stored keys.
      salted_ = salted_password(mechanism_, password_, first->salt, first->iterations);
      auth_message_ = scram_auth_message(client_first_, *first, final);
      auto key = client_key(mechanism_, salted_);
      auto stored = hash(mechanism_.alg, key);
      auto signature = hmac(mechanism_.alg, stored, to_bytes(auth_message_));
      final.proof = xor_bytes(key, signature);
      state_ = state::receive_final;
      return to_bytes(final.to_string());
    }
    case state::receive_final: {
      auto final = server_final_message::parse(server_token);
      state_ = state::failed;
      if (!final) return std::move(final).error();
      if (final->error)
        return fail(errc::authentication_failed, "Sasl authentication using " +
                                                     std::string(mechanism_.name) +
                                                     " failed with error: " + *final->error);
      auto expected =
          hmac(mechanism_.alg, server_key(mechanism_, salted_), to_bytes(auth_message_));
      if (!constant_time_equal(expected, final->server_signature))
        return fail(errc::sasl_failed, "Invalid server signature in server final message");
      state_ = state::complete;
      return byte_string{};
    }
    default:
      return fail(errc::illegal_state, "Unexpected challenge in Sasl client state");
  }
}

}  // namespace sluice::security
