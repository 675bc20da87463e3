#include "security/plain.h"

#include <vector>

#include "security/crypto.h"

namespace sluice::security {

result<byte_string> plain_server::evaluate(std::span<const uint8_t> token) {
  if (complete_) return fail(errc::illegal_state, "Authentication exchange has completed");
  const std::string text = to_text(token);
  // Up to four NUL-separated parts, as Kafka's extractTokens; exactly three are valid.
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) {
      parts.push_back(text.substr(start));
      break;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (parts.size() != 3)
    return fail(
        errc::authentication_failed,
        "Invalid SASL/PLAIN response: expected 3 tokens, got " + std::to_string(parts.size()));
  const auto& authzid = parts[0];
  const auto& username = parts[1];
  const auto& password = parts[2];
  if (username.empty())
    return fail(errc::authentication_failed, "Authentication failed: username not specified");
  if (password.empty())
    return fail(errc::authentication_failed, "Authentication failed: password not specified");
  auto it = users_ ? users_->find(username) : plain_users::const_iterator{};
  bool known = users_ && it != users_->end();
  if (!known || !constant_time_equal(to_bytes(password), to_bytes(it->second)))
    return fail(errc::authentication_failed, "Authentication failed: Invalid username or password");
  if (!authzid.empty() && authzid != username)
    return fail(errc::authentication_failed,
                "Authentication failed: Client requested an authorization id that is different "
                "from username");
  authorization_id_ = username;
  complete_ = true;
  return byte_string{};
}

result<byte_string> plain_client::evaluate(std::span<const uint8_t>) {
  if (sent_) return byte_string{};
  sent_ = true;
  std::string token;
  token += '\0';
  token += username_;
  token += '\0';
  token += password_;
  return to_bytes(token);
}

}  // namespace sluice::security
