// features: Kafka's feature versioning (KIP-584) as a ZooKeeper-mode cluster keeps it — the
// finalized feature levels in the /feature znode, the levels this broker supports, and the rules
// UpdateFeatures changes them by. Pure: no I/O.
//
// Sluice supports group.version 0–1 (level 1: KIP-848's consumer group protocol) and
// share.version 0–1 (level 1: KIP-932's share groups); a new cluster finalizes both at 1, as a
// new Kafka 4.x cluster does, and a level below 1 turns the protocol off (Kafka 4.x's gates).
// A cluster whose /feature a Kafka 3.9 controller wrote ({} finalized) has neither until an
// operator upgrades them (`kafka-features.sh upgrade --feature group.version=1`), as upgrading
// Kafka itself asks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/errc.h"
#include "protocol/error_code.h"

namespace sluice::cluster {

inline constexpr std::string_view group_version_feature = "group.version";
inline constexpr std::string_view share_version_feature = "share.version";

struct supported_feature {
  std::string_view name;
  int16_t min_level = 0;
  int16_t max_level = 0;
  int16_t default_level = 0;  // finalized when a new cluster creates /feature
};
// What this broker supports, by name.
std::span<const supported_feature> supported_features();

using feature_levels = std::map<std::string, int16_t>;  // finalized, each level >= 1

struct finalized_features {
  int64_t epoch = -1;  // the /feature znode's version; -1: none finalized yet
  feature_levels levels;
  // A feature's finalized level (0 when not finalized).
  int16_t level(std::string_view name) const;
};

// The levels a new cluster finalizes.
feature_levels default_feature_levels();

// /feature's JSON: {"features":{"group.version":{"max_version_level":1}},"version":2,"status":1}.
std::string encode_feature_znode(const feature_levels& levels);
// Disabled (status 0) reads as nothing finalized. Version 1's min_version_level is ignored.
result<feature_levels> decode_feature_znode(std::string_view json);

// UpdateFeatures' upgrade types (v1+; v0's AllowDowngrade maps to upgrade/safe_downgrade).
enum class upgrade_type : int8_t {
  unknown = 0,
  upgrade = 1,
  safe_downgrade = 2,
  unsafe_downgrade = 3
};

struct feature_update {
  std::string name;
  int16_t level = 0;
  upgrade_type type = upgrade_type::upgrade;
};
struct feature_update_result {
  std::string name;
  protocol::error_code code = protocol::error_code::none;
  std::string message;  // empty when it succeeded
};
struct feature_update_outcome {
  feature_levels levels;  // the finalized levels after the updates that succeeded
  std::vector<feature_update_result> results;  // one per update, in order
};
// Applies UpdateFeatures' updates to `current` as Kafka's controller validates them (each on
// its own; INVALID_REQUEST with Kafka's messages). Unlike Kafka 3.9's ZooKeeper controller, an
// unsafe downgrade is allowed (no metadata format depends on these features).
feature_update_outcome apply_feature_updates(const feature_levels& current,
                                             const std::vector<feature_update>& updates);

}  // namespace sluice::cluster
