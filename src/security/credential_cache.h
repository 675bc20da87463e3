// credential_cache: the SCRAM credentials every user currently has, by mechanism (Kafka's
// CredentialCache). The broker fills it from the user config entities (ZooKeeper's
// /config/users/<user>, kept current by watches, or the embedded store) and SCRAM logins read it.
// Thread-safe: the metadata thread writes while network threads read.
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "security/scram.h"

namespace sluice::security {

class credential_cache {
 public:
  using user_config = std::map<std::string, std::string>;

  // Makes `users` (user name → its stored config, e.g. "SCRAM-SHA-256" → credential text) the
  // whole content; keys other than SCRAM mechanisms (quotas) are ignored. Returns one line per
  // credential that cannot be read (that mechanism is left out for that user).
  std::vector<std::string> replace_all(const std::map<std::string, user_config>& users);
  std::vector<std::string> update_user(const std::string& user, const user_config& config);
  void remove_user(const std::string& user);

  std::optional<scram_credential> find(const scram_mechanism& m, const std::string& user) const;
  size_t size() const;  // users with at least one credential

 private:
  std::vector<std::string> load(const std::string& user, const user_config& config);

  mutable std::shared_mutex mutex_;
  std::map<std::string, std::map<std::string, scram_credential, std::less<>>, std::less<>> users_;
};

}  // namespace sluice::security
