#include "quota/client_quotas.h"

#include <cstdlib>

namespace sluice::quota {

namespace {

// The user and client-id entities' values of `key`, by entity path.
std::map<std::string, double> bounds_of(
    const std::map<std::string, std::map<std::string, std::string>>& configs,
    std::string_view key) {
  std::map<std::string, double> bounds;
  for (const auto& [path, values] : configs) {
    auto entity = cluster::client_quota_entity::from_path(path);
    if (!entity || entity->ip) continue;  // IP entities are the acceptor's (connection_quotas)
    auto it = values.find(std::string(key));
    if (it == values.end()) continue;
    char* end = nullptr;
    double v = std::strtod(it->second.c_str(), &end);
    if (end != it->second.c_str()) bounds[path] = v;
  }
  return bounds;
}

}  // namespace

void client_quotas::update(
    const std::map<std::string, std::map<std::string, std::string>>& configs) {
  for (client_quota_manager* m : {&produce, &fetch, &request}) {
    m->set_quotas(bounds_of(configs, quota_key(m == &produce ? quota_type::produce
                                               : m == &fetch ? quota_type::fetch
                                                             : quota_type::request)));
  }
  controller_mutation.set_quotas(bounds_of(configs, "controller_mutation_rate"));
}

}  // namespace sluice::quota
