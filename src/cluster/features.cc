#include "cluster/features.h"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>

namespace sluice::cluster {

using protocol::error_code;

namespace {

constexpr std::array<supported_feature, 2> supported = {{
    {group_version_feature, 0, 1, 1},
    {share_version_feature, 0, 1, 1},
}};

const supported_feature* find_supported(std::string_view name) {
  for (const auto& f : supported)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

std::span<const supported_feature> supported_features() {
  return supported;
}

int16_t finalized_features::level(std::string_view name) const {
  auto it = levels.find(std::string(name));
  return it == levels.end() ? 0 : it->second;
}

feature_levels default_feature_levels() {
  feature_levels out;
  for (const auto& f : supported)
    if (f.default_level >= 1) out[std::string(f.name)] = f.default_level;
  return out;
}

std::string encode_feature_znode(const feature_levels& levels) {
  nlohmann::json features = nlohmann::json::object();
  for (const auto& [name, level] : levels) features[name] = {{"max_version_level", level}};
  nlohmann::json doc = {{"features", features}, {"version", 2}, {"status", 1}};
  return doc.dump();
}

result<feature_levels> decode_feature_znode(std::string_view json) {
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail(errc::invalid_request, "not JSON");
  const auto version = doc.value("version", 0);
  if (version < 1 || version > 2)
    return fail(errc::invalid_request, fmt::format("Unsupported version: {}", version));
  if (!doc.contains("status") || !doc["status"].is_number_integer())
    return fail(errc::invalid_request, "no status");
  feature_levels out;
  if (doc["status"].get<int>() == 0) return out;  // disabled: nothing finalized
  const auto& features = doc.value("features", nlohmann::json::object());
  if (!features.is_object()) return fail(errc::invalid_request, "features is not an object");
  for (const auto& [name, value] : features.items()) {
    if (!value.is_object() || !value.contains("max_version_level") ||
        !value["max_version_level"].is_number_integer())
      return fail(errc::invalid_request, "feature " + name + " has no max_version_level");
    const int level = value["max_version_level"].get<int>();
    if (level < 1 || level > INT16_MAX)
      return fail(errc::invalid_request, fmt::format("feature {} has level {}", name, level));
    out[name] = static_cast<int16_t>(level);
  }
  return out;
}

feature_update_outcome apply_feature_updates(const feature_levels& current,
                                             const std::vector<feature_update>& updates) {
  feature_update_outcome out;
  out.levels = current;
  for (const auto& u : updates) {
    auto& r = out.results.emplace_back();
    r.name = u.name;
    auto refuse = [&](std::string message) {
      r.code = error_code::invalid_request;
      r.message = std::move(message);
    };
    const bool downgrade =
        u.type == upgrade_type::safe_downgrade || u.type == upgrade_type::unsafe_downgrade;
    auto existing = out.levels.find(u.name);
    if (u.name.empty()) {
      refuse("Feature name can not be empty.");
    } else if (u.type == upgrade_type::unknown) {
      refuse("Received unknown upgrade type.");
    } else if (u.level < 1 && downgrade) {
      // A deletion: the feature is no longer finalized.
      if (existing == out.levels.end())
        refuse("Can not delete non-existing finalized feature.");
      else
        out.levels.erase(existing);
    } else if (u.level < 1) {
      refuse(fmt::format(
          "Can not provide versionLevel: {} less than 1 without setting the SAFE downgradeType "
          "in the request.",
          u.level));
    } else if (existing != out.levels.end() && existing->second == u.level) {
      refuse(fmt::format(
          "Can not {} a finalized feature from existing versionLevel:{} to the same value.",
          downgrade ? "downgrade" : "upgrade", existing->second));
    } else if (existing != out.levels.end() && u.level < existing->second && !downgrade) {
      refuse(fmt::format(
          "Can not downgrade finalized feature from existing versionLevel:{} to provided "
          "versionLevel:{} without setting the downgradeType to SAFE in the request.",
          existing->second, u.level));
    } else if (downgrade && u.level > (existing == out.levels.end() ? 0 : existing->second)) {
      refuse(fmt::format(
          "When the downgradeType is set to SAFE in the request, the provided versionLevel:{} can "
          "not be greater than existing versionLevel:{}.",
          u.level, existing == out.levels.end() ? 0 : existing->second));
    } else if (const supported_feature* s = find_supported(u.name); s == nullptr) {
      refuse(
          "Could not apply finalized feature update because the provided feature is not "
          "supported.");
    } else if (u.level < s->min_level || u.level > s->max_level) {
      refuse(fmt::format(
          "Could not apply finalized feature update because the provided versionLevel:{} is "
          "lower than the supported minVersion:{}.",
          u.level, s->min_level));
    } else {
      out.levels[u.name] = u.level;
    }
  }
  return out;
}

}  // namespace sluice::cluster
