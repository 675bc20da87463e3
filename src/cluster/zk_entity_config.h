// zk_entity_config: reading and changing an entity's config znode (/config/topics/<t>,
// /config/brokers/<id|<default>>) the way Kafka's AdminZkClient does — the JSON in the znode,
// then a /config/changes/config_change_<seq> notification naming the entity, which every broker
// watches. Shared by the ZooKeeper metadata store and the command-line tools.
#pragma once

#include <string>

#include "cluster/metadata_store.h"
#include "cluster/topic_validation.h"
#include "cluster/zk_session.h"

namespace sluice::cluster {

// The stored set (empty when the znode is absent). errc::unavailable when ZooKeeper fails or the
// znode is not Kafka's JSON.
result<config_map> read_entity_config(zk_session& zk, const std::string& path);

// Read-modify-write of the znode at `path`, conditional on the version read (or on its absence)
// and retried when another writer got in between; `validate`, if set, checks every key of the
// new set. Then the change notification for `entity_path` ("topics/<t>", "brokers/<default>").
result<void> update_entity_config(zk_session& zk, const std::string& path,
                                  const std::string& entity_path,
                                  const metadata_store::config_edit& edit,
                                  const config_validator& validate = nullptr);

}  // namespace sluice::cluster
