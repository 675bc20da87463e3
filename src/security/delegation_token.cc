#include "security/delegation_token.h"

#include <mutex>

#include <nlohmann/json.hpp>

#include "cluster/zk_layout.h"
#include "security/base64.h"
#include "security/crypto.h"
#include "security/jws.h"

namespace sluice::security {
namespace {

constexpr int32_t token_iterations = 4096;  // Kafka's DelegationTokenManager
constexpr int current_version = 3;

// Kafka's Sanitizer (URL encoding) for the principals in a token's JSON: the same as for
// config entity znodes.
std::string sanitize(std::string_view name) {
  return cluster::zk_layout::sanitize_entity_name(name);
}

std::optional<std::string> desanitize(std::string_view text) {
  return cluster::zk_layout::desanitize_entity_name(text);
}

std::string principal_name(const std::string& principal) {
  auto colon = principal.find(':');
  return colon == std::string::npos ? principal : principal.substr(colon + 1);
}

}  // namespace

bool token_info::owner_or_renewer(const std::string& principal) const {
  if (principal == owner) return true;
  for (const auto& r : renewers)
    if (r == principal) return true;
  return false;
}

std::string encode_token_info(const token_info& t) {
  nlohmann::json renewers = nlohmann::json::array();
  for (const auto& r : t.renewers) renewers.push_back(sanitize(r));
  nlohmann::json doc = {{"version", current_version},
                        {"owner", sanitize(t.owner)},
                        {"tokenRequester", sanitize(t.requester)},
                        {"renewers", renewers},
                        {"issueTimestamp", t.issue_timestamp},
                        {"maxTimestamp", t.max_timestamp},
                        {"expiryTimestamp", t.expiry_timestamp},
                        {"tokenId", t.token_id}};
  return doc.dump();
}

result<token_info> decode_token_info(std::string_view json) {
  auto bad = [&](const std::string& why) {
    return fail(errc::invalid_argument, "not a delegation token: " + why);
  };
  auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return bad("not a JSON object");
  auto version = doc.value("version", 0);
  if (version < 1 || version > current_version) return bad("version " + std::to_string(version));
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_string()) return std::nullopt;
    return desanitize(it->get<std::string>());
  };
  auto number = [&](const char* key) -> std::optional<int64_t> {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  token_info t;
  auto id = doc.find("tokenId");
  auto owner = text("owner");
  auto issue = number("issueTimestamp");
  auto max = number("maxTimestamp");
  auto expiry = number("expiryTimestamp");
  auto renewers = doc.find("renewers");
  if (id == doc.end() || !id->is_string() || !owner || !issue || !max || !expiry ||
      renewers == doc.end() || !renewers->is_array())
    return bad("a field is missing or of the wrong type");
  t.token_id = id->get<std::string>();
  t.owner = *owner;
  if (version >= 3) {
    auto requester = text("tokenRequester");
    if (!requester) return bad("no tokenRequester");
    t.requester = *requester;
  } else {
    t.requester = t.owner;
  }
  for (const auto& r : *renewers) {
    if (!r.is_string()) return bad("a renewer is not a string");
    auto name = desanitize(r.get<std::string>());
    if (!name) return bad("a renewer is not sanitized");
    t.renewers.push_back(*name);
  }
  t.issue_timestamp = *issue;
  t.max_timestamp = *max;
  t.expiry_timestamp = *expiry;
  return t;
}

byte_string token_hmac(std::string_view secret_key, std::string_view token_id) {
  return hmac(hash_algorithm::sha512, to_bytes(secret_key), to_bytes(token_id));
}

void token_cache::update(const token_info& t) {
  entry e;
  e.info = t;
  auto mac = token_hmac(secret_, t.token_id);
  e.hmac_base64 = base64_encode(mac);
  for (const auto* m : scram_mechanisms())
    e.credentials[std::string(m->name)] =
        make_scram_credential(*m, e.hmac_base64, token_iterations);
  std::unique_lock lock(mutex_);
  tokens_[t.token_id] = std::move(e);
}

void token_cache::remove(const std::string& token_id) {
  std::unique_lock lock(mutex_);
  tokens_.erase(token_id);
}

void token_cache::replace_all(const std::vector<token_info>& tokens) {
  {
    std::unique_lock lock(mutex_);
    tokens_.clear();
  }
  for (const auto& t : tokens) update(t);
}

std::optional<token_credential> token_cache::credential(const scram_mechanism& m,
                                                        const std::string& token_id) const {
  std::shared_lock lock(mutex_);
  auto it = tokens_.find(token_id);
  if (it == tokens_.end()) return std::nullopt;
  auto c = it->second.credentials.find(m.name);
  if (c == it->second.credentials.end()) return std::nullopt;
  return token_credential{principal_name(it->second.info.owner), c->second,
                          it->second.info.expiry_timestamp};
}

std::optional<token_info> token_cache::find(const std::string& token_id) const {
  std::shared_lock lock(mutex_);
  auto it = tokens_.find(token_id);
  if (it == tokens_.end()) return std::nullopt;
  return it->second.info;
}

std::optional<token_info> token_cache::find_by_hmac(std::span<const uint8_t> mac) const {
  const std::string wanted = base64_encode(mac);
  std::shared_lock lock(mutex_);
  for (const auto& [id, e] : tokens_)
    if (constant_time_equal(to_bytes(e.hmac_base64), to_bytes(wanted))) return e.info;
  return std::nullopt;
}

std::vector<token_info> token_cache::all() const {
  std::shared_lock lock(mutex_);
  std::vector<token_info> out;
  for (const auto& [id, e] : tokens_) out.push_back(e.info);
  return out;
}

token_manager::created token_manager::create(const std::string& owner, const std::string& requester,
                                             const std::vector<std::string>& renewers,
                                             int64_t max_lifetime_ms, int64_t now_ms) {
  created out;
  for (const auto& r : renewers)
    if (r.rfind("User:", 0) != 0) {
      out.error = token_errc::invalid_principal;
      return out;
    }
  std::lock_guard lock(mutex_);
  token_info t;
  t.token_id = base64url_encode(random_bytes(16));
  t.owner = owner;
  t.requester = requester;
  t.renewers = renewers;
  t.issue_timestamp = now_ms;
  const int64_t lifetime = max_lifetime_ms <= 0
                               ? settings_.max_lifetime_ms
                               : std::min(max_lifetime_ms, settings_.max_lifetime_ms);
  t.max_timestamp = now_ms + lifetime;
  t.expiry_timestamp = std::min(t.max_timestamp, now_ms + settings_.renew_time_ms);
  if (!persist_(t.token_id, &t)) {
    out.error = token_errc::storage_failed;
    return out;
  }
  cache_.update(t);
  out.info = t;
  out.hmac = cache_.hmac(t.token_id);
  return out;
}

token_manager::timestamp_result token_manager::renew(const std::string& principal,
                                                     std::span<const uint8_t> hmac,
                                                     int64_t renew_period_ms, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto t = cache_.find_by_hmac(hmac);
  if (!t) return {token_errc::not_found, -1};
  if (!t->owner_or_renewer(principal)) return {token_errc::owner_mismatch, -1};
  if (t->max_timestamp < now_ms || t->expiry_timestamp < now_ms) return {token_errc::expired, -1};
  const int64_t period = renew_period_ms < 0 ? settings_.renew_time_ms : renew_period_ms;
  t->expiry_timestamp = std::min(t->max_timestamp, now_ms + period);
  if (!persist_(t->token_id, &*t)) return {token_errc::storage_failed, -1};
  cache_.update(*t);
  return {token_errc::none, t->expiry_timestamp};
}

token_manager::timestamp_result token_manager::expire(const std::string& principal,
                                                      std::span<const uint8_t> hmac,
                                                      int64_t expiry_period_ms, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto t = cache_.find_by_hmac(hmac);
  if (!t) return {token_errc::not_found, -1};
  if (!t->owner_or_renewer(principal)) return {token_errc::owner_mismatch, -1};
  if (expiry_period_ms < 0) {  // at once
    if (!persist_(t->token_id, nullptr)) return {token_errc::storage_failed, -1};
    cache_.remove(t->token_id);
    return {token_errc::none, now_ms};
  }
  if (t->max_timestamp < now_ms || t->expiry_timestamp < now_ms) return {token_errc::expired, -1};
  t->expiry_timestamp = std::min(t->max_timestamp, now_ms + expiry_period_ms);
  if (!persist_(t->token_id, &*t)) return {token_errc::storage_failed, -1};
  cache_.update(*t);
  return {token_errc::none, t->expiry_timestamp};
}

std::vector<std::string> token_manager::remove_expired(int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> removed;
  for (const auto& t : cache_.all()) {
    if (t.max_timestamp >= now_ms && t.expiry_timestamp >= now_ms) continue;
    if (!persist_(t.token_id, nullptr)) continue;  // tried again at the next check
    cache_.remove(t.token_id);
    removed.push_back(t.token_id);
  }
  return removed;
}

std::vector<token_info> token_manager::describe(
    const std::string& principal, const std::optional<std::vector<std::string>>& owners,
    const std::function<bool(const token_info&)>& may_see) const {
  std::vector<token_info> out;
  for (auto& t : cache_.all()) {
    if (owners) {
      bool wanted = false;
      for (const auto& o : *owners) wanted = wanted || t.owner_or_renewer(o);
      if (!wanted) continue;
    }
    if (t.owner_or_renewer(principal) || may_see(t)) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace sluice::security
