#include "server/dynamic_broker_config.h"

#include "net/tls_context.h"
#include "server/listener_configs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace sluice::server {

security::result<security::password_encoder> make_password_encoder(const broker_config& c,
                                                                   const std::string& secret) {
  return security::password_encoder::create(
      {.secret = secret,
       .key_factory_algorithm = c.password_encoder_keyfactory_algorithm,
       .cipher_algorithm = c.password_encoder_cipher_algorithm,
       .key_length = c.password_encoder_key_length,
       .iterations = c.password_encoder_iterations});
}

namespace {

bool is_password(const std::string& name) {
  const config_key* k = find_broker_config_key(name);
  return k != nullptr && k->type == config_type::password;
}

}  // namespace

dynamic_broker_config::dynamic_broker_config(const server_config& base)
    : base_(base), current_(std::make_shared<const server_config>(base)) {
  // Start-up checked the settings (config.cc): a secret that is set makes an encoder.
  const auto& c = base.typed();
  if (c.password_encoder_secret) {
    if (auto e = make_password_encoder(c, *c.password_encoder_secret)) passwords_.current = *e;
  }
  if (c.password_encoder_old_secret) {
    if (auto e = make_password_encoder(c, *c.password_encoder_old_secret)) passwords_.old = *e;
  }
}

std::shared_ptr<const server_config> dynamic_broker_config::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

cluster::config_map dynamic_broker_config::applicable(std::optional<int32_t> broker,
                                                      const cluster::config_map& configs,
                                                      const password_codecs& passwords,
                                                      std::vector<std::string>* problems) {
  std::vector<std::string> unknown, read_only, per_broker, undecodable;
  cluster::config_map out;
  for (const auto& [key, value] : configs) {
    const config_key* k = find_broker_config_key(key);  // listener.name.<l>.<key> as <key>
    if (k == nullptr || k->ignored) {
      unknown.push_back(key);
    } else if (k->mode == update_mode::read_only) {
      read_only.push_back(key);
    } else if (k->mode == update_mode::per_broker && !broker) {
      per_broker.push_back(key);
    } else if (k->type == config_type::password) {
      std::optional<std::string> plain;
      for (const auto* codec : {&passwords.current, &passwords.old}) {
        if (plain || !*codec) continue;
        if (auto decoded = (*codec)->decode(value)) plain = std::move(*decoded);
      }
      if (plain)
        out.emplace(key, std::move(*plain));
      else
        undecodable.push_back(key);
    } else {
      out.emplace(key, value);
    }
  }
  if (problems != nullptr) {
    if (!read_only.empty())
      problems->push_back(
          fmt::format("Cannot update these configs dynamically: {}", fmt::join(read_only, ", ")));
    if (!per_broker.empty())
      problems->push_back(fmt::format(
          "Cannot update these configs at default cluster level, broker id must be specified: {}",
          fmt::join(per_broker, ", ")));
    if (!unknown.empty())
      problems->push_back(
          fmt::format("Unknown broker configs: {} (see docs/configuration.md for the keys)",
                      fmt::join(unknown, ", ")));
    if (!undecodable.empty())
      problems->push_back(
          passwords.current
              ? fmt::format("Dynamic password configs could not be decoded with "
                            "password.encoder.secret: {}",
                            fmt::join(undecodable, ", "))
              : fmt::format("Password encoder secret not configured (password.encoder.secret), "
                            "so these password configs cannot be read: {}",
                            fmt::join(undecodable, ", ")));
  }
  return out;
}

std::optional<std::string> dynamic_broker_config::check(
    std::optional<int32_t> broker, const cluster::config_map& configs,
    const cluster::metadata_store& store) const {
  const auto own = base_.typed().broker_id;
  dynamic_layers others;
  if (broker)
    others.cluster_default =
        applicable(std::nullopt, store.broker_configs(std::nullopt), passwords_, nullptr);
  else
    others.broker = applicable(own, store.broker_configs(own), passwords_, nullptr);
  return check_layers(base_, broker, configs, passwords_, std::move(others));
}

std::variant<cluster::config_map, std::string> dynamic_broker_config::to_stored(
    std::optional<int32_t> broker, const cluster::config_map& before,
    const cluster::config_map& after) const {
  cluster::config_map out = after;
  for (auto& [key, value] : out) {
    if (!is_password(key)) continue;
    if (auto kept = before.find(key); kept != before.end() && kept->second == value) continue;
    if (!broker) return std::string("Password config can be defined only at broker level");
    if (!passwords_.current) return std::string("Password encoder secret not configured");
    value = passwords_.current->encode(value);
  }
  return out;
}

void dynamic_broker_config::reencode_passwords(cluster::metadata_store& store) const {
  if (!passwords_.current || !passwords_.old) return;
  const auto own = base_.typed().broker_id;
  auto rewrite = [&](const cluster::config_map& stored) -> cluster::result<cluster::config_map> {
    cluster::config_map out = stored;
    for (auto& [key, value] : out) {
      if (!is_password(key) || passwords_.current->decode(value)) continue;
      if (auto plain = passwords_.old->decode(value)) value = passwords_.current->encode(*plain);
    }
    return out;
  };
  auto stored = store.broker_configs(own);
  auto next = rewrite(stored);
  if (!next || *next == stored) return;
  if (auto r = store.update_broker_configs(own, rewrite); !r) {
    spdlog::error(
        "Could not re-encode dynamic password configs with the new "
        "password.encoder.secret: {}",
        r.message());
    return;
  }
  spdlog::info(
      "Re-encoded dynamic password configs of broker {} with the new "
      "password.encoder.secret",
      own);
}

std::optional<std::string> dynamic_broker_config::check_alone(const server_config& base,
                                                              std::optional<int32_t> broker,
                                                              const cluster::config_map& configs) {
  return check_layers(base, broker, configs, {}, {});
}

std::optional<std::string> dynamic_broker_config::check_layers(const server_config& base,
                                                               std::optional<int32_t> broker,
                                                               const cluster::config_map& configs,
                                                               const password_codecs& passwords,
                                                               dynamic_layers others) {
  std::vector<std::string> problems;
  auto wanted = applicable(broker, configs, passwords, &problems);
  if (!problems.empty()) return fmt::format("{}", fmt::join(problems, "; "));
  (broker ? others.broker : others.cluster_default) = std::move(wanted);
  auto next = base.with_dynamic(others);
  if (!next) return next.message();
  return check_tls_stores(base.typed(), next->typed());
}

// Key and trust stores named by a dynamic change must load before the change is accepted, as
// Kafka checks them: each TLS listener whose stores differ from `before`'s gets a trial context.
std::optional<std::string> dynamic_broker_config::check_tls_stores(const broker_config& before,
                                                                   const broker_config& after) {
  for (const auto& [name, settings] : after.listener_tls) {
    auto old = before.listener_tls.find(name);
    if (old != before.listener_tls.end() && net::same_stores(old->second, settings)) continue;
    auto trial = net::tls_context::create(net::tls_context::role::server, settings);
    if (!trial) return "listener " + name + ": " + trial.message();
  }
  return std::nullopt;
}

bool dynamic_broker_config::refresh(const cluster::metadata_store& store) {
  std::lock_guard serial(refresh_mutex_);
  const auto own = base_.typed().broker_id;
  dynamic_layers stored{store.broker_configs(std::nullopt), store.broker_configs(own)};
  if (stored == last_stored_) return false;
  last_stored_ = stored;
  dynamic_layers layers;
  std::vector<std::string> problems;
  layers.cluster_default = applicable(std::nullopt, stored.cluster_default, passwords_, &problems);
  layers.broker = applicable(own, stored.broker, passwords_, &problems);
  for (const auto& p : problems) spdlog::warn("Ignoring stored dynamic broker configs: {}", p);
  if (current()->dynamic() == layers) return false;

  auto next = base_.with_dynamic(layers);
  if (!next) {
    spdlog::error("Dynamic broker configs not applied, keeping the current ones: {}",
                  next.message());
    return false;
  }
  std::vector<std::string> shown;
  auto text = [](const std::string& k, const std::string& v) {
    return k + "=" + (is_password(k) ? std::string("[hidden]") : v);
  };
  for (const auto& [k, v] : layers.cluster_default) shown.push_back(text(k, v) + " (default)");
  for (const auto& [k, v] : layers.broker) shown.push_back(text(k, v));
  spdlog::info("Dynamic broker configs now: {}",
               shown.empty() ? std::string("none") : fmt::format("{}", fmt::join(shown, ", ")));
  std::lock_guard lock(mutex_);
  current_ = std::make_shared<const server_config>(std::move(next).value());
  return true;
}

}  // namespace sluice::server
