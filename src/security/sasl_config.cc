#include "security/sasl_config.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "security/jws.h"
#include "security/oauthbearer_jwks.h"
#include "security/oauthbearer_unsecured.h"
#include "security/scram_server.h"

namespace sluice::security {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    auto item = s.substr(start, comma == std::string_view::npos ? s.npos : comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

template <class T>
std::optional<T> parse_number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

failure<errc> invalid(const std::string& key, const std::string& reason) {
  return fail(errc::invalid_config, key + ": " + reason);
}

constexpr std::string_view jwks_handler =
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler";
constexpr std::string_view jwks_handler_deprecated =
    "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler";
constexpr std::string_view unsecured_handler =
    "org.apache.kafka.common.security.oauthbearer.internals.unsecured."
    "OAuthBearerUnsecuredValidatorCallbackHandler";

// OAUTHBEARER's validator on a listener: Kafka's unsecured one from the JAAS options, or, with
// the JWKS callback handler class, a jwks_validator from the sasl.oauthbearer.* keys (each with
// its listener.name.<l>.oauthbearer. override).
result<std::shared_ptr<const token_validator>> load_oauth_validator(
    const std::string& listener_name, const sasl_inputs& in, const jaas_entry* jaas,
    const std::string& jaas_key) {
  auto lookup = [&](const std::string& key) -> std::pair<std::string, const std::string*> {
    std::string prefixed = listener_key(listener_name, "oauthbearer." + key);
    if (auto it = in.properties.find(prefixed); it != in.properties.end())
      return {prefixed, &it->second};
    if (auto it = in.properties.find(key); it != in.properties.end()) return {key, &it->second};
    return {prefixed, nullptr};
  };
  auto [class_key, handler] = lookup("sasl.server.callback.handler.class");
  std::string handler_class = handler ? std::string(trim(*handler)) : std::string();
  if (handler_class.empty() || handler_class == unsecured_handler) {
    auto validator =
        unsecured_validator::make(jaas ? jaas->options : std::map<std::string, std::string>{});
    if (!validator) return invalid(jaas_key, validator.message());
    return std::shared_ptr<const token_validator>(std::move(*validator));
  }
  if (handler_class != jwks_handler && handler_class != jwks_handler_deprecated)
    return invalid(class_key, "Sluice cannot load the class " + handler_class + "; it offers " +
                                  std::string(jwks_handler) +
                                  " (with a file:// JWKS) and the "
                                  "default unsecured validator");
  auto [url_key, url] = lookup("sasl.oauthbearer.jwks.endpoint.url");
  if (!url || trim(*url).empty())
    return invalid(url_key,
                   "the OAuth configuration option sasl.oauthbearer.jwks.endpoint.url is "
                   "required by " +
                       handler_class);
  std::string location = trim(*url);
  if (location.rfind("file:", 0) != 0)
    return invalid(url_key, "Sluice reads the key set from a file:// URL only, not " + location);
  std::string path = location.substr(5);
  if (path.rfind("//", 0) == 0) path = path.substr(2);  // file:///abs/path → /abs/path
  std::ifstream file(path);
  if (!file) return invalid(url_key, "cannot read the file " + path);
  std::stringstream text;
  text << file.rdbuf();

  jwks_options options;
  if (auto [k, v] = lookup("sasl.oauthbearer.expected.audience"); v)
    options.expected_audience = split_list(*v);
  if (auto [k, v] = lookup("sasl.oauthbearer.expected.issuer"); v && !trim(*v).empty())
    options.expected_issuer = trim(*v);
  if (auto [k, v] = lookup("sasl.oauthbearer.scope.claim.name"); v && !is_blank(*v))
    options.scope_claim = trim(*v);
  if (auto [k, v] = lookup("sasl.oauthbearer.sub.claim.name"); v && !is_blank(*v))
    options.sub_claim = trim(*v);
  if (auto [k, v] = lookup("sasl.oauthbearer.clock.skew.seconds"); v) {
    auto skew = parse_number<int32_t>(*v);
    if (!skew || *skew < 0) return invalid(k, "'" + *v + "' is not a non-negative int");
    options.clock_skew_seconds = *skew;
  }
  auto validator = jwks_validator::make(text.str(), std::move(options));
  if (!validator) return invalid(url_key, path + ": " + validator.message());
  return std::shared_ptr<const token_validator>(std::move(*validator));
}

}  // namespace

bool listener_sasl_config::enabled(std::string_view mechanism) const {
  for (const auto& m : enabled_mechanisms)
    if (m == mechanism) return true;
  return false;
}

int64_t listener_sasl_config::reauth_ms(std::string_view mechanism) const {
  auto it = max_reauth_ms.find(std::string(mechanism));
  return it == max_reauth_ms.end() ? 0 : it->second;
}

bool mechanism_supported(std::string_view mechanism) {
  return mechanism == "PLAIN" || mechanism == "OAUTHBEARER" ||
         find_scram_mechanism(mechanism) != nullptr;
}

std::string listener_key(std::string_view listener_name, std::string_view rest) {
  std::string out = "listener.name.";
  out += lower(listener_name);
  out += '.';
  out += rest;
  return out;
}

result<listener_sasl_config> load_listener_sasl_config(const std::string& listener_name,
                                                       const sasl_inputs& in) {
  listener_sasl_config out;
  out.listener_name = listener_name;
  auto get = [&](const std::string& key) -> const std::string* {
    auto it = in.properties.find(key);
    return it == in.properties.end() ? nullptr : &it->second;
  };

  std::string mechanisms_key = listener_key(listener_name, "sasl.enabled.mechanisms");
  if (const auto* text = get(mechanisms_key)) {
    out.enabled_mechanisms = split_list(*text);
  } else {
    mechanisms_key = "sasl.enabled.mechanisms";
    out.enabled_mechanisms = in.enabled_mechanisms;
  }
  if (out.enabled_mechanisms.empty())
    return invalid(mechanisms_key, "listener " + listener_name +
                                       " is a SASL listener and needs at least one mechanism");
  for (const auto& m : out.enabled_mechanisms) {
    if (!mechanism_supported(m))
      return invalid(mechanisms_key, "SASL mechanism " + m + " (enabled on listener " +
                                         listener_name +
                                         ") is not supported; Sluice offers PLAIN, SCRAM-SHA-256, "
                                         "SCRAM-SHA-512 and OAUTHBEARER");
  }

  std::string size_key = listener_key(listener_name, "sasl.server.max.receive.size");
  out.max_receive_size = in.server_max_receive_size;
  if (const auto* text = get(size_key)) {
    auto v = parse_number<int32_t>(*text);
    if (!v || *v < 1) return invalid(size_key, "'" + *text + "' is not a positive int");
    out.max_receive_size = *v;
  }

  std::optional<int64_t> listener_reauth;
  std::string reauth_key = listener_key(listener_name, "connections.max.reauth.ms");
  if (const auto* text = get(reauth_key)) {
    listener_reauth = parse_number<int64_t>(*text);
    if (!listener_reauth) return invalid(reauth_key, "'" + *text + "' is not a long");
  }
  for (const auto& m : out.enabled_mechanisms) {
    int64_t reauth = listener_reauth.value_or(in.connections_max_reauth_ms);
    std::string key = listener_key(listener_name, lower(m) + ".connections.max.reauth.ms");
    if (const auto* text = get(key)) {
      auto v = parse_number<int64_t>(*text);
      if (!v) return invalid(key, "'" + *text + "' is not a long");
      reauth = *v;
    }
    out.max_reauth_ms[m] = reauth;

    std::string jaas_key = listener_key(listener_name, lower(m) + ".sasl.jaas.config");
    const auto* jaas_text = get(jaas_key);
    if (!jaas_text && m == "OAUTHBEARER") {
      auto validator = load_oauth_validator(listener_name, in, nullptr, jaas_key);
      if (!validator) return std::move(validator).error();
      out.oauth = std::move(*validator);
    }
    if (!jaas_text) {
      if (m == "PLAIN")
        return invalid(jaas_key,
                       "listener " + listener_name +
                           " enables PLAIN, whose users come from this JAAS config "
                           "(org.apache.kafka.common.security.plain.PlainLoginModule required "
                           "user_<name>=\"<password>\" ...;), and it is not set");
      continue;
    }
    auto entry = parse_jaas_config(*jaas_text);
    if (!entry) return invalid(jaas_key, entry.message());
    if (entry->login_module != plain_login_module && entry->login_module != scram_login_module &&
        entry->login_module != oauthbearer_login_module)
      return invalid(jaas_key, "No LoginModule found for " + entry->login_module +
                                   " (Sluice offers Kafka's PlainLoginModule, ScramLoginModule "
                                   "and OAuthBearerLoginModule)");
    if (m == "PLAIN") {
      auto users = std::make_shared<plain_users>();
      for (const auto& [k, v] : entry->options)
        if (k.rfind("user_", 0) == 0) (*users)[k.substr(5)] = v;
      out.plain = std::move(users);
    }
    if (m == "OAUTHBEARER") {
      auto validator = load_oauth_validator(listener_name, in, &*entry, jaas_key);
      if (!validator) return std::move(validator).error();
      out.oauth = std::move(*validator);
    }
    out.jaas[m] = std::move(*entry);
  }
  return out;
}

result<std::unique_ptr<sasl_server>> make_sasl_server(
    const listener_sasl_config& listener, std::string_view mechanism,
    std::shared_ptr<const credential_cache> credentials,
    std::shared_ptr<const token_cache> tokens) {
  if (!listener.enabled(mechanism))
    return fail(errc::invalid_argument, "Unsupported SASL mechanism " + std::string(mechanism));
  if (mechanism == "PLAIN") return std::unique_ptr<sasl_server>(new plain_server(listener.plain));
  if (mechanism == "OAUTHBEARER")
    return std::unique_ptr<sasl_server>(new oauthbearer_server(listener.oauth));
  if (const auto* scram = find_scram_mechanism(mechanism)) {
    auto lookup = [scram, credentials](const std::string& user) {
      return credentials ? credentials->find(*scram, user) : std::nullopt;
    };
    token_credential_lookup token_lookup;
    if (tokens)
      // A token past its expiry is refused at once, not only once the expiry check removes it.
      token_lookup = [scram, tokens](const std::string& id) -> std::optional<token_credential> {
        auto c = tokens->credential(*scram, id);
        if (c && c->expiry_timestamp < system_now_ms()) return std::nullopt;
        return c;
      };
    return std::unique_ptr<sasl_server>(
        new scram_server(*scram, lookup, std::nullopt, std::move(token_lookup)));
  }
  return fail(errc::invalid_argument, "Unsupported SASL mechanism " + std::string(mechanism));
}

result<sasl_client_credentials> inter_broker_credentials(const listener_sasl_config& listener,
                                                         const std::string& mechanism) {
  std::string jaas_key =
      listener_key(listener.listener_name, lower(mechanism) + ".sasl.jaas.config");
  if (!listener.enabled(mechanism))
    return fail(errc::invalid_config,
                "sasl.mechanism.inter.broker.protocol: must be included in sasl.enabled.mechanisms "
                "when SASL is used for inter-broker communication (" +
                    mechanism + " is not enabled on the inter-broker listener " +
                    listener.listener_name + ")");
  auto it = listener.jaas.find(mechanism);
  if (it == listener.jaas.end())
    return invalid(jaas_key,
                   "the inter-broker listener needs it for the broker's own username "
                   "and password with " +
                       mechanism);
  const auto& options = it->second.options;
  if (mechanism == "OAUTHBEARER") {
    if (auto token = make_unsecured_token(options, system_now_ms()); !token)
      return invalid(jaas_key, token.message());
    return sasl_client_credentials{mechanism, {}, {}, options};
  }
  auto user = options.find("username");
  auto password = options.find("password");
  if (user == options.end() || password == options.end())
    return invalid(jaas_key,
                   "the inter-broker mechanism's JAAS entry needs the username and "
                   "password options");
  return sasl_client_credentials{mechanism, user->second, password->second, {}};
}

std::unique_ptr<sasl_client> make_sasl_client(const sasl_client_credentials& c) {
  if (c.mechanism == "OAUTHBEARER")
    return std::make_unique<oauthbearer_client>([options = c.oauth_login_options] {
      return make_unsecured_token(options, system_now_ms());
    });
  if (const auto* scram = find_scram_mechanism(c.mechanism))
    return std::make_unique<scram_client>(*scram, c.username, c.password);
  return std::make_unique<plain_client>(c.username, c.password);
}

}  // namespace sluice::security

namespace sluice::security {

std::vector<std::string> ignored_sasl_keys(
    const std::map<std::string, std::string>& properties,
    const std::map<std::string, listener_sasl_config>& sasl_listeners) {
  std::vector<std::string> out;
  constexpr std::string_view prefix = "listener.name.";
  for (const auto& [key, value] : properties) {
    if (key.rfind(prefix, 0) != 0) continue;
    const bool jaas = key.ends_with(".sasl.jaas.config");
    const bool mechanisms = key.ends_with(".sasl.enabled.mechanisms");
    if (!jaas && !mechanisms) continue;
    std::string_view rest = std::string_view(key).substr(prefix.size());
    size_t dot = rest.find('.');
    std::string listener(rest.substr(0, dot));
    const listener_sasl_config* found = nullptr;
    for (const auto& [name, config] : sasl_listeners)
      if (lower(name) == listener) found = &config;
    if (!found) {
      out.push_back(key + " (no SASL listener is named " + listener + " in lower case)");
      continue;
    }
    if (!jaas) continue;
    std::string mechanism(rest.substr(dot + 1, rest.size() - dot - 1 - 17));
    bool enabled = false;
    for (const auto& m : found->enabled_mechanisms) enabled = enabled || lower(m) == mechanism;
    if (!enabled)
      out.push_back(key + " (listener " + found->listener_name + " does not enable " + mechanism +
                    ")");
  }
  return out;
}

}  // namespace sluice::security
