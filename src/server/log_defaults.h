// The broker's log.* settings as storage's per-partition defaults, and topic overrides on top.
#pragma once

#include <memory>

#include "cluster/metadata_store.h"
#include "server/config.h"
#include "storage/log_config.h"

namespace sluice::server {

// broker config → the log_config every topic starts from (log.segment.bytes → segment.bytes...).
storage::log_config log_defaults(const broker_config& config);

// Defaults overlaid with a topic's overrides; fails on a bad override.
storage::result<storage::log_config> topic_log_config(const storage::log_config& defaults,
                                                      const cluster::config_map& overrides);

}  // namespace sluice::server
