// acl_store: where ACLs are kept — the interface the ZooKeeper store (zk_acl_store: Kafka's
// znodes, shared by every broker and kafka-acls.sh) and the embedded store (embedded_acl_store: a
// single broker's sluice-metadata.json) implement. acl_manager is its only user.
//
// Every call may block (ZooKeeper round trips, an fsync): call it from a request worker, a
// ZooKeeper watch thread or a tool's main thread, never a network thread. Thread-safe.
#pragma once

#include <functional>
#include <utility>

#include "security/acl.h"

namespace sluice::security {

class acl_store {
 public:
  virtual ~acl_store() = default;

  // Every stored ACL.
  virtual acl_result<acl_map> read_all() = 0;
  // One pattern's stored set (empty when it has none).
  virtual acl_result<acl_set> read(const resource_pattern& pattern) = 0;

  // Changes one pattern's set by read-modify-write, atomic against every other writer (another
  // broker, kafka-acls.sh): `edit` gets the stored set and returns the new one; it is called again
  // when another writer got in between, so it must have no side effects. An empty result removes
  // the pattern. When the set changed, the change is announced (ZooKeeper: a change notice every
  // broker watches). Returns the stored set before and after.
  using edit_fn = std::function<acl_set(const acl_set& current)>;
  struct update_outcome {
    acl_set before;
    acl_set after;
  };
  virtual acl_result<update_outcome> update(const resource_pattern& pattern,
                                            const edit_fn& edit) = 0;
};

}  // namespace sluice::security
