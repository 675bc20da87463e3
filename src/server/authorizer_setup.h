// authorizer_setup: the broker's ACL authorizer from its configuration (issue #13) — none when
// authorizer.class.name is empty; in cluster mode Kafka's ACL znodes, followed through their change
// notices; without ZooKeeper the embedded store's sluice-metadata.json. Called once by
// broker::start on the main thread; the manager it returns is what broker_services::acls points at.
#pragma once

#include <memory>

#include "server/config.h"

namespace sluice::cluster {
class zk_session;
class embedded_metadata_store;
}  // namespace sluice::cluster
namespace sluice::security {
class acl_manager;
}

namespace sluice::server {

// nullptr (no error) when no authorizer is configured. Exactly one of `zk` and `embedded` is set.
result<std::unique_ptr<security::acl_manager>> open_authorizer(
    const broker_config& config, cluster::zk_session* zk,
    cluster::embedded_metadata_store* embedded);

}  // namespace sluice::server
