// acl_authorizer: Kafka's AclAuthorizer decisions over an in-memory copy of every stored ACL —
// deterministic, no I/O. Whoever owns the storage (acl_manager) feeds it with set_acls/replace_all.
//
// The rules, exactly Kafka 3.9's:
//  - a super user (super.users) may do anything;
//  - the ACLs that apply to a resource are those of its literal name, of the literal "*" of its
//    type, and of every PREFIXED pattern its name starts with;
//  - none at all: allowed only with allow.everyone.if.no.acl.found;
//  - otherwise a DENY that matches wins over any ALLOW; an ALLOW must match. An ACL matches when
//    its principal is the request's or "User:*", its host the client's address or "*", and its
//    operation the one asked for or ALL. ALLOW of READ, WRITE, DELETE or ALTER implies DESCRIBE,
//    ALLOW of ALTER_CONFIGS implies DESCRIBE_CONFIGS (a DENY implies nothing).
// authorize_any() is Kafka's authorizeByResourceType (KIP-679), which InitProducerId uses: may the
// principal do `op` on at least one resource of the type.
//
// Thread-safe: decisions read an immutable snapshot (shared_ptr swapped under a mutex), so the
// network threads never wait for an update beyond that swap.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "security/acl.h"

namespace sluice::security {

struct authorizer_config {
  std::set<std::string> super_users;  // "User:admin"
  bool allow_everyone_if_no_acl_found = false;
};

// Parses super.users ("User:admin;User:alice"); a name without a type fails with the reason.
acl_result<std::set<std::string>> parse_super_users(std::string_view text);

// Who asks: the session's principal ("User:alice") and the client's numeric address.
struct identity {
  std::string principal;
  std::string host;
};

class acl_authorizer {
 public:
  explicit acl_authorizer(authorizer_config config);

  // May `who` do `op` on the resource `type`/`name`?
  bool authorize(const identity& who, acl_operation op, resource_type type,
                 std::string_view name) const;
  // May `who` do `op` on at least one resource of `type` (Kafka's authorizeByResourceType)?
  bool authorize_any(const identity& who, acl_operation op, resource_type type) const;
  // The operations `who` may do on the resource, as Kafka's bit field (1 << operation code) over
  // the type's supported operations: what authorized_operations fields carry.
  int32_t authorized_operations(const identity& who, resource_type type,
                                std::string_view name) const;

  // Every binding the filter matches, sorted.
  std::vector<acl_binding> acls(const acl_binding_filter& filter) const;
  // The stored set of one pattern (empty when none).
  acl_set acls_of(const resource_pattern& pattern) const;
  // Every pattern with ACLs.
  std::vector<resource_pattern> patterns() const;

  // A pattern's set as stored now (empty: the pattern has none left).
  void set_acls(const resource_pattern& pattern, acl_set acls);
  void replace_all(acl_map acls);

  const authorizer_config& config() const { return config_; }

 private:
  std::shared_ptr<const acl_map> snapshot() const;
  bool is_super_user(const identity& who) const;

  const authorizer_config config_;
  mutable std::mutex mutex_;  // guards acls_ (the pointer, not the map it points to)
  std::shared_ptr<const acl_map> acls_;
};

}  // namespace sluice::security
