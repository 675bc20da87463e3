#include "security/credential_cache.h"

#include <mutex>

namespace sluice::security {

std::vector<std::string> credential_cache::load(const std::string& user,
                                                const user_config& config) {
  std::vector<std::string> problems;
  std::map<std::string, scram_credential, std::less<>> creds;
  for (const auto& [key, value] : config) {
    if (!find_scram_mechanism(key)) continue;
    auto c = credential_from_string(value);
    if (!c) {
      problems.push_back("user " + user + ": " + key + ": credential not valid");
      continue;
    }
    creds.emplace(key, std::move(*c));
  }
  if (creds.empty())
    users_.erase(user);
  else
    users_[user] = std::move(creds);
  return problems;
}

std::vector<std::string> credential_cache::replace_all(
    const std::map<std::string, user_config>& users) {
  std::unique_lock lock(mutex_);
  users_.clear();
  std::vector<std::string> problems;
  for (const auto& [user, config] : users) {
    auto p = load(user, config);
    problems.insert(problems.end(), p.begin(), p.end());
  }
  return problems;
}

std::vector<std::string> credential_cache::update_user(const std::string& user,
                                                       const user_config& config) {
  std::unique_lock lock(mutex_);
  return load(user, config);
}

void credential_cache::remove_user(const std::string& user) {
  std::unique_lock lock(mutex_);
  users_.erase(user);
}

std::optional<scram_credential> credential_cache::find(const scram_mechanism& m,
                                                       const std::string& user) const {
  std::shared_lock lock(mutex_);
  auto u = users_.find(user);
  if (u == users_.end()) return std::nullopt;
  auto c = u->second.find(m.name);
  if (c == u->second.end()) return std::nullopt;
  return c->second;
}

size_t credential_cache::size() const {
  std::shared_lock lock(mutex_);
  return users_.size();
}

}  // namespace sluice::security
