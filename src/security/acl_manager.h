// acl_manager: the ACL side of Kafka's AclAuthorizer — creating and deleting bindings against an
// acl_store the way Kafka does (createAcls, deleteAcls, acls), and keeping an acl_authorizer's copy
// of every ACL current: loaded at start, updated after each of its own writes, and refreshed from
// the store's change notices (ZooKeeper: other brokers, kafka-acls.sh).
//
// Owned by the broker (which the CreateAcls/DescribeAcls/DeleteAcls handlers reach through
// broker_services) and by kafka-acls --authorizer-properties. create/delete/refresh/load block on
// the store (request workers, watch threads, the tool's thread); authorizer() and describe() are
// in-memory and fine on any thread. One create/delete/refresh at a time (Kafka's lock).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "security/acl_authorizer.h"
#include "security/acl_store.h"

namespace sluice::security {

class acl_manager {
 public:
  acl_manager(std::unique_ptr<acl_store> store, authorizer_config config);
  ~acl_manager();  // drops the store first: its watch callbacks may reach this object

  // Reads every stored ACL into the authorizer.
  acl_result<void> load();
  // A change notice named `pattern`: read it again.
  void refresh(const resource_pattern& pattern);

  const acl_authorizer& authorizer() const { return authorizer_; }
  acl_store& store() { return *store_; }

  // CreateAcls: per binding, in order, nullopt when stored (or already there), else why not.
  // Invalid bindings (invalid_binding) fail with invalid_request and do not stop the others.
  using outcome = std::optional<failure<acl_errc>>;
  std::vector<outcome> create_acls(const std::vector<acl_binding>& bindings);

  // DeleteAcls: per filter, the bindings it removed. A binding several filters match is reported
  // once, under the first of them; one that could not be removed carries the error.
  struct deleted_binding {
    acl_binding binding;
    outcome error;
  };
  std::vector<std::vector<deleted_binding>> delete_acls(
      const std::vector<acl_binding_filter>& filters);

  // DescribeAcls: every binding the filter matches, sorted.
  std::vector<acl_binding> describe(const acl_binding_filter& filter) const {
    return authorizer_.acls(filter);
  }

 private:
  std::unique_ptr<acl_store> store_;
  acl_authorizer authorizer_;
  std::mutex write_mutex_;
};

}  // namespace sluice::security
