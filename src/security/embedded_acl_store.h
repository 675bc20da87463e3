// embedded_acl_store: a single broker's ACLs (no zookeeper.connect), kept by the embedded metadata
// store in sluice-metadata.json as the documents Kafka's znodes would hold, under the same paths
// (acl_zk_layout.h). One process writes them, so no change notices: acl_manager updates its
// authorizer after each write. Owned by the broker's acl_manager; thread-safe; writes fsync.
#pragma once

#include "cluster/embedded_metadata_store.h"
#include "security/acl_store.h"

namespace sluice::security {

class embedded_acl_store final : public acl_store {
 public:
  explicit embedded_acl_store(cluster::embedded_metadata_store& store) : store_(store) {}

  acl_result<acl_map> read_all() override;
  acl_result<acl_set> read(const resource_pattern& pattern) override;
  acl_result<update_outcome> update(const resource_pattern& pattern, const edit_fn& edit) override;

 private:
  cluster::embedded_metadata_store& store_;
};

}  // namespace sluice::security
