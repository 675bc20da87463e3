#include "security/jws.h"

namespace sluice::security {
namespace {

result<nlohmann::json> json_part(std::string_view part) {
  auto bytes = base64url_decode(part);
  if (!bytes) return fail(errc::invalid_argument, "malformed Base64 URL encoded value");
  auto doc =
      nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(errc::invalid_argument, "malformed JSON");
  if (!doc.is_object()) return nlohmann::json::object();
  return doc;
}

const char* type_name(const nlohmann::json& v) {
  if (v.is_number()) return "Number";
  if (v.is_array()) return "List";
  return "String";
}

std::string as_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "null";
  return "";  // an object
}

failure<errc> wrong_type(const std::string& name, const char* wanted, const nlohmann::json& v) {
  return fail(errc::invalid_argument,
              "The '" + name + "' claim was not of type " + wanted + ": " + type_name(v));
}

}  // namespace

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  return true;
}

std::string trim(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return std::string(s);
}

result<compact_jws> parse_compact_jws(std::string_view text) {
  if (text.find("..") != std::string_view::npos)
    return fail(errc::invalid_argument, "Malformed compact serialization contains '..'");
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? text.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3)
    return fail(errc::invalid_argument,
                "Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded "
                "values");
  compact_jws out;
  out.header_part = parts[0];
  out.payload_part = parts[1];
  out.signature_part = parts[2];
  auto header = json_part(parts[0]);
  if (!header) return std::move(header).error();
  auto claims = json_part(parts[1]);
  if (!claims) return std::move(claims).error();
  out.header = std::move(*header);
  out.claims = std::move(*claims);
  return out;
}

result<std::optional<double>> number_claim(const nlohmann::json& claims, const std::string& name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<double>{};
  if (!it->is_number()) return wrong_type(name, "Number", *it);
  return std::optional<double>{it->get<double>()};
}

result<std::optional<std::string>> string_claim(const nlohmann::json& claims,
                                                const std::string& name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<std::string>{};
  if (it->is_number() || it->is_array()) return wrong_type(name, "String", *it);
  return std::optional<std::string>{as_text(*it)};
}

result<std::set<std::string>> scope_claim(const nlohmann::json& claims, const std::string& name) {
  std::set<std::string> out;
  auto it = claims.find(name);
  if (it == claims.end()) return out;
  if (it->is_number()) return wrong_type(name, "List", *it);
  if (!it->is_array()) {
    auto text = as_text(*it);
    if (!is_blank(text)) out.insert(trim(text));
    return out;
  }
  for (const auto& element : *it) {
    auto text = element.is_number() ? element.dump() : as_text(element);
    if (!is_blank(text)) out.insert(trim(text));
  }
  return out;
}

}  // namespace sluice::security
