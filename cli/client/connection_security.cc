#include "cli/client/connection_security.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "cli/java_security.h"
#include "net/tls_context.h"
#include "net/tls_settings.h"
#include "security/sasl_config.h"
#include "server/sasl_setup.h"

namespace sluice::cli {
namespace {

std::optional<std::string> value_of(const property_map& settings, const std::string& key) {
  auto it = settings.find(key);
  if (it == settings.end()) return std::nullopt;
  return it->second;
}

result<std::string> load_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(errc::io, fmt::format("cannot read {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

result<net::tls_settings> tls_settings_of(const property_map& settings) {
  net::tls_settings tls;
  tls.keystore_type = "PEM";
  tls.truststore_type = "PEM";
  tls.truststore_location = value_of(settings, "ssl.ca.location");
  auto certificate = value_of(settings, "ssl.certificate.location");
  auto key = value_of(settings, "ssl.key.location");
  if (certificate.has_value() != key.has_value()) {
    return fail(errc::invalid_input,
                fmt::format("{} is set without {}",
                            certificate ? "ssl.certificate.location" : "ssl.key.location",
                            certificate ? "ssl.key.location" : "ssl.certificate.location"));
  }
  if (certificate) {
    // One PEM file holding the key and the chain is what a Java PEM key store is; two files are
    // librdkafka's way. The key store reads a key from either and certificates from either.
    if (*certificate == *key) {
      tls.keystore_location = certificate;
      tls.keys["ssl.keystore.location"] = "ssl.certificate.location";
    } else {
      auto chain = load_text_file(*certificate);
      if (!chain) return fail(errc::invalid_input, "ssl.certificate.location: " + chain.message());
      auto pem_key = load_text_file(*key);
      if (!pem_key) return fail(errc::invalid_input, "ssl.key.location: " + pem_key.message());
      tls.keystore_certificate_chain = std::move(*chain);
      tls.keystore_key = std::move(*pem_key);
      tls.keys["ssl.keystore.certificate.chain"] = "ssl.certificate.location";
      tls.keys["ssl.keystore.key"] = "ssl.key.location";
    }
    tls.key_password = value_of(settings, "ssl.key.password");
  } else if (auto p12 = value_of(settings, "ssl.keystore.location")) {
    tls.keystore_type = "PKCS12";
    tls.keystore_location = std::move(p12);
    tls.keystore_password = value_of(settings, "ssl.keystore.password");
  }
  auto check = value_of(settings, "ssl.endpoint.identification.algorithm").value_or("https");
  if (check != "https" && check != "none" && !check.empty()) {
    return fail(errc::invalid_input,
                fmt::format("Invalid value {} for configuration "
                            "ssl.endpoint.identification.algorithm: https or none",
                            check));
  }
  tls.endpoint_identification_algorithm = check == "https" ? "https" : "";
  return tls;
}

// librdkafka's unsecured-JWT settings ("principal=alice scope=a,b lifeSeconds=60") as the
// options of Kafka's unsecured login module.
std::map<std::string, std::string> unsecured_login_options(const std::string& config) {
  std::map<std::string, std::string> options;
  size_t at = 0;
  while (at < config.size()) {
    size_t end = config.find(' ', at);
    std::string item = config.substr(at, end == std::string::npos ? end : end - at);
    at = end == std::string::npos ? config.size() : end + 1;
    size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    if (name == "principal") options["unsecuredLoginStringClaim_sub"] = value;
    if (name == "scope") options["unsecuredLoginListClaim_scope"] = "," + value;
    if (name == "lifeSeconds") options["unsecuredLoginLifetimeSeconds"] = value;
  }
  return options;
}

result<security::sasl_client_credentials> sasl_credentials_of(const property_map& settings) {
  security::sasl_client_credentials c;
  c.mechanism = upper(value_of(settings, "sasl.mechanism")
                          .value_or(value_of(settings, "sasl.mechanisms").value_or("GSSAPI")));
  if (c.mechanism == "OAUTHBEARER") {
    c.oauth_login_options =
        unsecured_login_options(value_of(settings, "sasl.oauthbearer.config").value_or(""));
    if (!c.oauth_login_options.contains("unsecuredLoginStringClaim_sub")) {
      return fail(errc::invalid_input,
                  "sasl.jaas.config: OAUTHBEARER needs unsecuredLoginStringClaim_sub (the "
                  "principal) for Sluice's tools");
    }
    return c;
  }
  if (c.mechanism != "PLAIN" && c.mechanism != "SCRAM-SHA-256" && c.mechanism != "SCRAM-SHA-512") {
    return fail(errc::invalid_input,
                fmt::format("sasl.mechanism: {} is not supported by Sluice's tools (PLAIN, "
                            "SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER are)",
                            c.mechanism));
  }
  auto user = value_of(settings, "sasl.username");
  auto password = value_of(settings, "sasl.password");
  if (!user || !password) {
    return fail(errc::invalid_input,
                fmt::format("sasl.jaas.config: {} needs a username and a password", c.mechanism));
  }
  c.username = std::move(*user);
  c.password = std::move(*password);
  return c;
}

}  // namespace

result<net::client_security> connection_security(const property_map& given) {
  property_map settings = given;
  if (auto r = translate_java_security(settings); !r) return std::move(r).error();
  net::client_security out;
  out.protocol = upper(value_of(settings, "security.protocol").value_or("PLAINTEXT"));
  if (out.protocol != "PLAINTEXT" && out.protocol != "SSL" && out.protocol != "SASL_PLAINTEXT" &&
      out.protocol != "SASL_SSL") {
    return fail(errc::invalid_input,
                fmt::format("Invalid value {} for configuration security.protocol", out.protocol));
  }
  if (net::uses_tls(out.protocol)) {
    auto tls = tls_settings_of(settings);
    if (!tls) return std::move(tls).error();
    auto ctx = net::tls_context::create(net::tls_context::role::client, *tls);
    if (!ctx) return fail(errc::invalid_input, ctx.message());
    out.tls = std::move(*ctx);
  }
  if (out.protocol.starts_with("SASL_")) {
    auto credentials = sasl_credentials_of(settings);
    if (!credentials) return std::move(credentials).error();
    out.sasl = server::inter_broker_client_sasl(*credentials);
  }
  return out;
}

}  // namespace sluice::cli
