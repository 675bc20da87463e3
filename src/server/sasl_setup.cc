#include "server/sasl_setup.h"

#include <spdlog/spdlog.h>

#include "cluster/metadata_store.h"

namespace sluice::server {

result<sasl_setup> make_sasl_setup(const server_config& config) {
  const broker_config& c = config.typed();
  sasl_setup out;
  security::sasl_inputs in;
  in.enabled_mechanisms = c.sasl_enabled_mechanisms;
  in.connections_max_reauth_ms = c.connections_max_reauth_ms;
  in.server_max_receive_size = c.sasl_server_max_receive_size;
  in.properties = config.given_properties();
  if (in.properties.contains("sasl.jaas.config"))
    spdlog::warn(
        "Server config sasl.jaas.config should be prefixed with SASL mechanism name, ignoring "
        "config");
  for (const auto& l : c.listeners) {
    if (l.security_protocol.rfind("SASL_", 0) != 0) continue;
    auto listener = security::load_listener_sasl_config(l.name, in);
    if (!listener) return fail(errc::invalid_config, "invalid value for " + listener.message());
    if (!out.services) {
      out.services = std::make_unique<handlers::sasl_services>();
      out.services->credentials = std::make_shared<security::credential_cache>();
    }
    out.services->listeners.emplace(l.name, std::move(*listener));
  }
  // Delegation tokens (Kafka's tokenAuthEnabled: a secret key is set).
  auto text_of = [&](std::string_view key) -> std::optional<std::string> {
    const auto* e = config.find(key);
    return e ? e->text() : std::nullopt;
  };
  auto secret = text_of("delegation.token.secret.key");
  if (!secret || secret->empty()) secret = text_of("delegation.token.master.key");
  if (secret && !secret->empty()) {
    if (!out.services) {
      out.services = std::make_unique<handlers::sasl_services>();
      out.services->credentials = std::make_shared<security::credential_cache>();
    }
    security::token_settings settings;
    settings.max_lifetime_ms = std::stoll(text_of("delegation.token.max.lifetime.ms").value());
    settings.renew_time_ms = std::stoll(text_of("delegation.token.expiry.time.ms").value());
    settings.expiry_check_interval_ms =
        std::stoll(text_of("delegation.token.expiry.check.interval.ms").value());
    out.services->tokens = std::make_shared<security::token_cache>(*secret);
    out.token_settings = settings;
  }
  static const std::map<std::string, security::listener_sasl_config> none;
  for (const auto& key :
       security::ignored_sasl_keys(in.properties, out.services ? out.services->listeners : none))
    spdlog::warn("Ignoring {}", key);
  for (const auto& l : c.listeners) {
    if (l.name != c.inter_broker_listener_name || l.security_protocol.rfind("SASL_", 0) != 0)
      continue;
    const auto& listener = out.services->listeners.at(l.name);
    auto creds =
        security::inter_broker_credentials(listener, c.sasl_mechanism_inter_broker_protocol);
    if (!creds) return fail(errc::invalid_config, "invalid value for " + creds.message());
    out.inter_broker = std::move(*creds);
  }
  return out;
}

namespace {

class client_exchange final : public net::sasl_client_exchange {
 public:
  explicit client_exchange(std::unique_ptr<security::sasl_client> client)
      : client_(std::move(client)) {}
  std::variant<std::vector<uint8_t>, std::string> evaluate(
      std::span<const uint8_t> server_token) override {
    auto token = client_->evaluate(server_token);
    if (!token) return token.message();
    return std::move(token).value();
  }
  bool complete() const override { return client_->complete(); }

 private:
  std::unique_ptr<security::sasl_client> client_;
};

}  // namespace

std::shared_ptr<const net::client_sasl> inter_broker_client_sasl(
    const security::sasl_client_credentials& credentials) {
  auto out = std::make_shared<net::client_sasl>();
  out->mechanism = credentials.mechanism;
  out->start = [credentials]() -> std::unique_ptr<net::sasl_client_exchange> {
    return std::make_unique<client_exchange>(security::make_sasl_client(credentials));
  };
  return out;
}

void follow_delegation_tokens(cluster::metadata_store& store, handlers::sasl_services& services,
                              const security::token_settings& settings) {
  if (!services.tokens) return;
  std::weak_ptr<security::token_cache> weak = services.tokens;
  // Writes go to the store (which tells every broker, this one included); the manager updates
  // its own cache at once so an answer never runs ahead of it.
  services.token_manager = std::make_unique<security::token_manager>(
      *services.tokens, settings,
      [&store](const std::string& id, const security::token_info* info) {
        auto r = store.put_delegation_token(
            id,
            info ? std::optional<std::string>(security::encode_token_info(*info)) : std::nullopt);
        if (!r) spdlog::error("Cannot store delegation token {}: {}", id, r.message());
        return r.ok();
      });
  store.watch([&store, weak](const cluster::metadata_change& change) {
    if (change.what != cluster::metadata_change::kind::delegation_token_changed) return;
    auto cache = weak.lock();
    if (!cache) return;
    auto tokens = store.delegation_tokens();
    auto it = tokens.find(change.topic);
    if (it == tokens.end()) return cache->remove(change.topic);
    auto info = security::decode_token_info(it->second);
    if (!info)
      return spdlog::warn("Ignoring delegation token {}: {}", change.topic, info.message());
    if (auto known = cache->find(change.topic); known && *known == *info) return;
    cache->update(*info);
  });
  std::vector<security::token_info> all;
  for (const auto& [id, json] : store.delegation_tokens()) {
    auto info = security::decode_token_info(json);
    if (!info) {
      spdlog::warn("Ignoring delegation token {}: {}", id, info.message());
      continue;
    }
    all.push_back(std::move(*info));
  }
  services.tokens->replace_all(all);
  spdlog::info("Delegation tokens loaded: {}", all.size());
}

void follow_user_credentials(cluster::metadata_store& store,
                             std::shared_ptr<security::credential_cache> cache) {
  // Watch first, then load: a change in between is seen by one or the other.
  store.watch([&store, weak = std::weak_ptr(cache)](const cluster::metadata_change& change) {
    if (change.what != cluster::metadata_change::kind::user_configs_changed) return;
    auto cache = weak.lock();
    if (!cache) return;
    auto users = store.user_configs();
    auto it = users.find(change.topic);
    auto problems = it == users.end()
                        ? (cache->remove_user(change.topic), std::vector<std::string>{})
                        : cache->update_user(change.topic, it->second);
    for (const auto& p : problems) spdlog::warn("Ignoring a SCRAM credential: {}", p);
  });
  for (const auto& p : cache->replace_all(store.user_configs()))
    spdlog::warn("Ignoring a SCRAM credential: {}", p);
  spdlog::info("SCRAM credentials loaded for {} user(s)", cache->size());
}

}  // namespace sluice::server
