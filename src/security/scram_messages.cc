#include "security/scram_messages.h"

#include <charconv>

#include "security/base64.h"

namespace sluice::security {
namespace {

// Kafka's character classes, over bytes (anything above 0x7F fails, as in Kafka's patterns).
bool ascii(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x01 && u <= 0x7F;
}
bool value_safe(char c) {
  return ascii(c) && c != '=' && c != ',';
}
bool value_char(char c) {
  return ascii(c) && c != ',';
}
bool printable(char c) {
  return c >= 0x21 && c <= 0x7E && c != ',';
}

template <class Pred>
bool all_of_nonempty(std::string_view s, Pred p) {
  if (s.empty()) return false;
  for (char c : s)
    if (!p(c)) return false;
  return true;
}

// saslname = 1*(value-safe-char / "=2C" / "=3D")
bool is_sasl_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '=') {
      auto e = s.substr(i, 3);
      if (e != "=2C" && e != "=3D") return false;
      i += 2;
    } else if (!value_safe(s[i])) {
      return false;
    }
  }
  return true;
}

bool is_alpha(std::string_view s) {
  return all_of_nonempty(s,
                         [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
}

// Kafka's BASE64 pattern: whole quartets, the last one possibly padded; may be empty.
std::optional<byte_string> strict_base64(std::string_view s) {
  if (s.size() % 4 != 0) return std::nullopt;
  size_t data = s.size();
  if (data >= 1 && s[data - 1] == '=') --data;
  if (data >= 1 && s[data - 1] == '=' && data == s.size() - 1) --data;
  for (size_t i = 0; i < data; ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '+';
    if (!ok) return std::nullopt;
  }
  return base64_decode(s);
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
}

// "<prefix>=<rest>" → rest, else nullopt.
std::optional<std::string_view> field(std::string_view f, std::string_view prefix) {
  if (f.size() < prefix.size() + 1 || f.substr(0, prefix.size()) != prefix ||
      f[prefix.size()] != '=')
    return std::nullopt;
  return f.substr(prefix.size() + 1);
}

// One extension "ALPHA=VALUE".
std::optional<std::pair<std::string, std::string>> extension(std::string_view f) {
  size_t eq = f.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  auto key = f.substr(0, eq);
  auto value = f.substr(eq + 1);
  if (!is_alpha(key) || !all_of_nonempty(value, value_char)) return std::nullopt;
  return std::pair{std::string(key), std::string(value)};
}

failure<errc> bad(std::string_view what, std::string_view message) {
  std::string m = "Invalid SCRAM ";
  m += what;
  m += " message format: ";
  m += message;
  return fail(errc::sasl_failed, std::move(m));
}

}  // namespace

result<client_first_message> client_first_message::parse(std::span<const uint8_t> bytes) {
  const std::string text = to_text(bytes);
  auto invalid = [&] { return bad("client first", text); };
  auto f = split_commas(text);
  // n , [a=authzid] , [m=reserved ,] n=name , r=nonce {, ext}
  if (f.size() < 4 || f[0] != "n") return invalid();
  client_first_message m;
  if (!f[1].empty()) {
    auto a = field(f[1], "a");
    if (!a || !is_sasl_name(*a)) return invalid();
    m.authorization_id = std::string(*a);
  }
  size_t i = 2;
  if (auto reserved = field(f[i], "m")) {
    if (!all_of_nonempty(*reserved, value_char)) return invalid();
    ++i;
  }
  if (i + 2 > f.size()) return invalid();
  auto name = field(f[i], "n");
  auto nonce = field(f[i + 1], "r");
  if (!name || !is_sasl_name(*name) || !nonce || !all_of_nonempty(*nonce, printable))
    return invalid();
  m.sasl_name = std::string(*name);
  m.nonce = std::string(*nonce);
  for (i += 2; i < f.size(); ++i) {
    auto e = extension(f[i]);
    if (!e) return invalid();
    m.extensions.push_back(std::move(*e));
  }
  return m;
}

std::string client_first_message::bare() const {
  std::string out = "n=";
  out += sasl_name;
  out += ",r=";
  out += nonce;
  for (const auto& [k, v] : extensions) {
    out += ',';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string client_first_message::to_string() const {
  std::string out = "n,";
  out += authorization_id.empty() ? "" : "a=" + authorization_id;
  out += ',';
  out += bare();
  return out;
}

bool client_first_message::token_authenticated() const {
  for (const auto& [k, v] : extensions) {
    if (k == "tokenauth") {
      // Java's Boolean.parseBoolean: "true" in any case.
      std::string lower;
      for (char c : v) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      return lower == "true";
    }
  }
  return false;
}

result<server_first_message> server_first_message::parse(std::span<const uint8_t> bytes) {
  const std::string text = to_text(bytes);
  auto invalid = [&] { return bad("server first", text); };
  auto f = split_commas(text);
  size_t i = 0;
  if (!f.empty()) {
    if (auto reserved = field(f[0], "m")) {
      if (!all_of_nonempty(*reserved, value_char)) return invalid();
      ++i;
    }
  }
  if (i + 3 > f.size()) return invalid();
  auto nonce = field(f[i], "r");
  auto salt_text = field(f[i + 1], "s");
  auto iterations = field(f[i + 2], "i");
  if (!nonce || !all_of_nonempty(*nonce, printable) || !salt_text || !iterations) return invalid();
  auto salt = strict_base64(*salt_text);
  if (!salt || iterations->empty()) return invalid();
  for (char c : *iterations)
    if (c < '0' || c > '9') return invalid();
  for (i += 3; i < f.size(); ++i)
    if (!extension(f[i])) return invalid();
  server_first_message m;
  auto [end, ec] =
      std::from_chars(iterations->data(), iterations->data() + iterations->size(), m.iterations);
  if (ec != std::errc{})
    return fail(errc::sasl_failed, "Invalid SCRAM server first message format: invalid iterations");
  if (m.iterations <= 0)
    return fail(errc::sasl_failed,
                "Invalid SCRAM server first message format: invalid iterations " +
                    std::to_string(m.iterations));
  m.nonce = std::string(*nonce);
  m.salt = std::move(*salt);
  return m;
}

std::string server_first_message::to_string() const {
  std::string out = "r=";
  out += nonce;
  out += ",s=";
  out += base64_encode(salt);
  out += ",i=";
  out += std::to_string(iterations);
  return out;
}

result<client_final_message> client_final_message::parse(std::span<const uint8_t> bytes) {
  const std::string text = to_text(bytes);
  auto invalid = [&] { return bad("client final", text); };
  auto f = split_commas(text);
  // c=binding , r=nonce {, ext} , p=proof
  if (f.size() < 3) return invalid();
  auto binding_text = field(f[0], "c");
  auto nonce = field(f[1], "r");
  auto proof_text = field(f.back(), "p");
  if (!binding_text || !nonce || !all_of_nonempty(*nonce, printable) || !proof_text)
    return invalid();
  auto binding = strict_base64(*binding_text);
  auto proof = strict_base64(*proof_text);
  if (!binding || !proof) return invalid();
  for (size_t i = 2; i + 1 < f.size(); ++i)
    if (!extension(f[i])) return invalid();
  client_final_message m;
  m.channel_binding = std::move(*binding);
  m.nonce = std::string(*nonce);
  m.proof = std::move(*proof);
  return m;
}

std::string client_final_message::without_proof() const {
  std::string out = "c=";
  out += base64_encode(channel_binding);
  out += ",r=";
  out += nonce;
  return out;
}

std::string client_final_message::to_string() const {
  std::string out = without_proof();
  out += ",p=";
  out += base64_encode(proof);
  return out;
}

result<server_final_message> server_final_message::parse(std::span<const uint8_t> bytes) {
  const std::string text = to_text(bytes);
  auto invalid = [&] { return bad("server final", text); };
  auto f = split_commas(text);
  server_final_message m;
  if (auto e = field(f[0], "e"); e && f.size() == 1) {
    if (!all_of_nonempty(*e, value_safe)) return invalid();
    m.error = std::string(*e);
    return m;
  }
  auto v = field(f[0], "v");
  if (!v) return invalid();
  auto signature = strict_base64(*v);
  if (!signature) return invalid();
  for (size_t i = 1; i < f.size(); ++i)
    if (!extension(f[i])) return invalid();
  m.server_signature = std::move(*signature);
  return m;
}

std::string server_final_message::to_string() const {
  if (error) return "e=" + *error;
  return "v=" + base64_encode(server_signature);
}

std::string scram_auth_message(const client_first_message& client_first,
                               const server_first_message& server_first,
                               const client_final_message& client_final) {
  std::string out = client_first.bare();
  out += ',';
  out += server_first.to_string();
  out += ',';
  out += client_final.without_proof();
  return out;
}

}  // namespace sluice::security
