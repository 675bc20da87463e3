#include "cli/java_security.h"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "security/jaas.h"

namespace sluice::cli {
namespace {

// Takes `key` out of `settings`, if there.
std::optional<std::string> take(property_map& settings, const std::string& key) {
  auto it = settings.find(key);
  if (it == settings.end()) return std::nullopt;
  std::string value = std::move(it->second);
  settings.erase(it);
  return value;
}

// Sets a librdkafka key unless the user gave it already.
void provide(property_map& settings, const std::string& key, const std::string& value) {
  settings.emplace(key, value);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return s;
}

result<void> translate_jaas(property_map& settings, const std::string& text) {
  auto entry = security::parse_jaas_config(text);
  if (!entry) return fail(errc::invalid_input, "sasl.jaas.config: " + entry.message());
  const auto& o = entry->options;
  auto option = [&](const char* name) -> std::optional<std::string> {
    auto it = o.find(name);
    return it == o.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  if (entry->login_module == security::plain_login_module ||
      entry->login_module == security::scram_login_module) {
    if (auto u = option("username")) provide(settings, "sasl.username", *u);
    if (auto p = option("password")) provide(settings, "sasl.password", *p);
    if (option("tokenauth") == "true")
      return fail(errc::invalid_input,
                  "sasl.jaas.config: tokenauth (delegation tokens) is not supported by Sluice's "
                  "tools, whose client (librdkafka) cannot send the SCRAM extension");
    return ok_v;
  }
  if (entry->login_module == security::oauthbearer_login_module) {
    // Kafka's unsecured login: a token made from the options, as librdkafka's unsecured JWT.
    std::string config;
    if (auto sub = option("unsecuredLoginStringClaim_sub")) config += "principal=" + *sub;
    if (auto scope = option("unsecuredLoginListClaim_scope"); scope && scope->size() > 1) {
      std::string list = scope->substr(1);  // the first character is the delimiter
      for (char& c : list)
        if (c == (*scope)[0]) c = ',';
      config += (config.empty() ? "" : " ") + std::string("scope=") + list;
    }
    if (auto life = option("unsecuredLoginLifetimeSeconds"))
      config += (config.empty() ? "" : " ") + std::string("lifeSeconds=") + *life;
    if (!config.empty()) provide(settings, "sasl.oauthbearer.config", config);
    provide(settings, "enable.sasl.oauthbearer.unsecure.jwt", "true");
    return ok_v;
  }
  return fail(errc::invalid_input,
              fmt::format("sasl.jaas.config: the login module {} is not supported by Sluice's "
                          "tools (PlainLoginModule, ScramLoginModule, OAuthBearerLoginModule are)",
                          entry->login_module));
}

}  // namespace

result<void> translate_java_security(property_map& settings) {
  if (auto jaas = take(settings, "sasl.jaas.config")) {
    if (auto r = translate_jaas(settings, *jaas); !r) return r;
  }
  const std::string truststore_type = upper(take(settings, "ssl.truststore.type").value_or("JKS"));
  take(settings, "ssl.truststore.password");  // a PEM trust store has none
  if (auto trust = take(settings, "ssl.truststore.location")) {
    if (truststore_type != "PEM")
      return fail(errc::invalid_input,
                  fmt::format("ssl.truststore.location: Sluice's tools read PEM trust stores "
                              "(ssl.truststore.type=PEM), not {}; export the CA certificates with "
                              "keytool -exportcert -rfc or openssl pkcs12 -nokeys",
                              truststore_type));
    provide(settings, "ssl.ca.location", *trust);
  }
  const std::string keystore_type = upper(take(settings, "ssl.keystore.type").value_or("JKS"));
  auto keystore_password = take(settings, "ssl.keystore.password");
  if (auto keys = take(settings, "ssl.keystore.location")) {
    if (keystore_type == "PEM") {  // one file with the key and the certificate chain
      provide(settings, "ssl.certificate.location", *keys);
      provide(settings, "ssl.key.location", *keys);
    } else {  // PKCS12 (JKS files from keytool since Java 9 are PKCS12 too)
      provide(settings, "ssl.keystore.location", *keys);
      if (keystore_password) provide(settings, "ssl.keystore.password", *keystore_password);
    }
  }
  if (auto it = settings.find("ssl.endpoint.identification.algorithm");
      it != settings.end() && it->second.empty())
    it->second = "none";
  return ok_v;
}

}  // namespace sluice::cli
