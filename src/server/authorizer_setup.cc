#include "server/authorizer_setup.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "cluster/embedded_metadata_store.h"
#include "cluster/zk_session.h"
#include "security/acl_manager.h"
#include "security/embedded_acl_store.h"
#include "security/zk_acl_store.h"

namespace sluice::server {

result<std::unique_ptr<security::acl_manager>> open_authorizer(
    const broker_config& c, cluster::zk_session* zk, cluster::embedded_metadata_store* embedded) {
  if (c.authorizer_class_name.empty()) return std::unique_ptr<security::acl_manager>();
  security::authorizer_config ac;
  ac.super_users.insert(c.super_users.begin(), c.super_users.end());
  ac.allow_everyone_if_no_acl_found = c.allow_everyone_if_no_acl_found;
  std::unique_ptr<security::acl_manager> manager;
  if (zk != nullptr) {
    auto store = security::zk_acl_store::open(*zk);
    if (!store) return fail(errc::start_failed, "ACLs in ZooKeeper: " + store.message());
    auto* watched = store->get();
    manager = std::make_unique<security::acl_manager>(std::move(*store), std::move(ac));
    // Kafka's order: follow the change notices first, then load, so no change falls in between.
    watched->watch([m = manager.get()](const security::resource_pattern& p) { m->refresh(p); },
                   [m = manager.get()] {
                     if (auto r = m->load(); !r)
                       spdlog::error(
                           "Cannot reload the ACLs after the ZooKeeper session expired: {}",
                           r.message());
                   });
  } else {
    manager = std::make_unique<security::acl_manager>(
        std::make_unique<security::embedded_acl_store>(*embedded), std::move(ac));
  }
  if (auto r = manager->load(); !r) return fail(errc::start_failed, "ACLs: " + r.message());
  spdlog::info("Authorizer {}: super.users [{}], allow.everyone.if.no.acl.found={}",
               c.authorizer_class_name, fmt::join(c.super_users, ", "),
               c.allow_everyone_if_no_acl_found);
  return manager;
}

}  // namespace sluice::server
