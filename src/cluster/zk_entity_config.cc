#include "cluster/zk_entity_config.h"

#include <fmt/format.h>

#include <optional>

#include "cluster/zk_layout.h"

namespace sluice::cluster {

namespace {

failure<errc> unavailable(const failure<zk_errc>& e) {
  return fail(errc::unavailable, e.message);
}

// The set and the znode's version; nullopt version when the znode does not exist.
result<std::pair<config_map, std::optional<int32_t>>> read_versioned(zk_session& zk,
                                                                     const std::string& path) {
  using out = std::pair<config_map, std::optional<int32_t>>;
  auto node = zk.get(path);
  if (!node) {
    if (node.code() == zk_errc::no_node) return out{};
    return unavailable(node.error());
  }
  auto decoded = zk_layout::decode_entity_config(node->data);
  if (!decoded) return fail(errc::unavailable, path + ": " + decoded.message());
  return out{std::move(decoded).value(), node->stat.version};
}

}  // namespace

result<config_map> read_entity_config(zk_session& zk, const std::string& path) {
  auto read = read_versioned(zk, path);
  if (!read) return std::move(read).error();
  return std::move(read->first);
}

result<void> update_entity_config(zk_session& zk, const std::string& path,
                                  const std::string& entity_path,
                                  const metadata_store::config_edit& edit,
                                  const config_validator& validate) {
  constexpr int attempts = 20;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto read = read_versioned(zk, path);
    if (!read) return std::move(read).error();
    auto& [current, version] = *read;
    auto next = edit(current);
    if (!next) return std::move(next).error();
    if (auto r = check_topic_configs(*next, validate); !r) return r;
    const auto data = zk_layout::encode_entity_config(*next);
    if (version) {
      auto written = zk.set(path, data, *version);
      if (!written && written.code() == zk_errc::bad_version) continue;
      if (!written) return unavailable(written.error());
    } else {
      auto created = zk.create_recursive(path, data);
      if (!created && created.code() == zk_errc::node_exists) continue;
      if (!created) return unavailable(created.error());
    }
    // Parents included: a tool may be the first to write to a fresh ZooKeeper (as Kafka's).
    auto notice = zk.create_recursive(std::string(zk_layout::config_changes) + "/config_change_",
                                      zk_layout::encode_config_change(entity_path),
                                      zk_create_mode::persistent_sequential);
    if (!notice) return unavailable(notice.error());
    return ok_v;
  }
  return fail(
      errc::unavailable,
      fmt::format("{} kept changing under {} attempts to update it; try again", path, attempts));
}

}  // namespace sluice::cluster
