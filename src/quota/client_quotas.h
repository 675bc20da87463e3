// client_quotas: the broker's client quota managers (Kafka's QuotaManagers): produce bytes,
// fetch bytes, request time, controller mutations. Owned by the broker; handlers record through it.
// update() takes every user and client-id entity's stored configs (metadata_store::client_configs)
// after a change; each manager keeps the entities that set its key. Thread-safe.
#pragma once

#include <map>
#include <string>

#include "quota/client_quota_manager.h"
#include "quota/controller_mutation_quota.h"

namespace sluice::quota {

class client_quotas {
 public:
  explicit client_quotas(rate_window window)
      : produce(quota_type::produce, window),
        fetch(quota_type::fetch, window),
        request(quota_type::request, window, window.size),
        controller_mutation(window) {}

  // Entity path -> its config map (quota keys and others, such as SCRAM credentials).
  void update(const std::map<std::string, std::map<std::string, std::string>>& configs);

  client_quota_manager produce;
  client_quota_manager fetch;
  client_quota_manager request;
  controller_mutation_quota controller_mutation;  // controller_mutation_rate (KIP-599)
};

}  // namespace sluice::quota
