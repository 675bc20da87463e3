// zk_acl_store: ACLs in ZooKeeper exactly where Kafka's ZooKeeper-mode AclAuthorizer keeps them
// (acl_zk_layout.h), so kafka-acls.sh --authorizer-properties zookeeper.connect=..., Kafka brokers
// and every Sluice broker share them.
//
// Writes are conditional on the znode version read (or on its absence), retried with 100-150 ms
// backoff up to 10 times as Kafka's updateResourceAcls, so concurrent writers never lose each
// other's ACLs; each change is announced with a sequential change notice. watch() follows those
// notices as Kafka's ZkNodeChangeNotificationListener does: each new notice names one pattern to
// read again; notices older than 15 minutes are purged.
//
// Owned by acl_manager (broker) or kafka-acls (tool). Operations block (call them from a worker or
// the tool's thread); watch callbacks run one at a time on the session's event thread.
#pragma once

#include <functional>
#include <memory>

#include "cluster/zk_session.h"
#include "security/acl_store.h"

namespace sluice::security {

class zk_acl_store final : public acl_store {
 public:
  // Creates Kafka's ACL paths that are missing (its createAclPaths).
  static acl_result<std::unique_ptr<zk_acl_store>> open(cluster::zk_session& zk);
  ~zk_acl_store() override;  // stops watching

  acl_result<acl_map> read_all() override;
  acl_result<acl_set> read(const resource_pattern& pattern) override;
  acl_result<update_outcome> update(const resource_pattern& pattern, const edit_fn& edit) override;

  // From now on: `changed(pattern)` for every new change notice (in notice order, this store's
  // own included), and `reload()` after the ZooKeeper session expired (notices may have been
  // missed). Both on the session's event thread. Call once, before reading everything.
  using changed_fn = std::function<void(const resource_pattern&)>;
  void watch(changed_fn changed, std::function<void()> reload);
  // No callback is running or made once this returns. (Not from inside a callback.)
  void stop_watching();

  // Use open(); public for make_unique.
  explicit zk_acl_store(cluster::zk_session& zk);

 private:
  struct watcher;
  cluster::zk_session& zk_;
  std::shared_ptr<watcher> watcher_;
};

}  // namespace sluice::security
