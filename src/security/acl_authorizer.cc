#include "security/acl_authorizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace sluice::security {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The ACLs that apply to `name`: its PREFIXED patterns, the "*" literal, its literal name.
std::vector<const acl_set*> applicable(const acl_map& acls, resource_type type,
                                       std::string_view name) {
  std::vector<const acl_set*> out;
  auto add = [&](std::string_view n, pattern_type p) {
    auto it = acls.find(resource_pattern{type, std::string(n), p});
    if (it != acls.end() && !it->second.empty()) out.push_back(&it->second);
  };
  for (size_t len = name.empty() ? 0 : 1; len <= name.size(); ++len)
    add(name.substr(0, len), pattern_type::prefixed);
  add(wildcard_resource, pattern_type::literal);
  if (name != wildcard_resource) add(name, pattern_type::literal);
  return out;
}

bool entry_matches(const acl_entry& e, const identity& who, acl_operation op,
                   acl_permission permission) {
  return e.permission == permission &&
         (e.principal == who.principal || e.principal == wildcard_principal) &&
         (e.operation == op || e.operation == acl_operation::all) &&
         (e.host == who.host || e.host == wildcard_host);
}

bool any_matches(const std::vector<const acl_set*>& sets, const identity& who, acl_operation op,
                 acl_permission permission) {
  for (const auto* set : sets)
    for (const auto& e : *set)
      if (entry_matches(e, who, op, permission)) return true;
  return false;
}

// ALLOW of these implies the asked operation (Kafka's AclOperation inheritance).
std::vector<acl_operation> allowing(acl_operation op) {
  using o = acl_operation;
  if (op == o::describe) return {o::describe, o::read, o::write, o::remove, o::alter};
  if (op == o::describe_configs) return {o::describe_configs, o::alter_configs};
  return {op};
}

// Some prefix of `name` (1..all of its characters) is a denied prefix.
bool dominated(std::string_view name, const std::set<std::string>& deny_prefixes) {
  for (size_t len = 1; len <= name.size(); ++len)
    if (deny_prefixes.contains(std::string(name.substr(0, len)))) return true;
  return false;
}

}  // namespace

acl_result<std::set<std::string>> parse_super_users(std::string_view text) {
  std::set<std::string> out;
  if (trim(text).empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    auto item = trim(text.substr(start, end - start));
    if (!split_principal(item))
      return fail(
          acl_errc::invalid_request,
          fmt::format("expected a string in format principalType:principalName but got {}", item));
    out.emplace(item);
    start = end + 1;
  }
  return out;
}

acl_authorizer::acl_authorizer(authorizer_config config)
    : config_(std::move(config)), acls_(std::make_shared<const acl_map>()) {}

std::shared_ptr<const acl_map> acl_authorizer::snapshot() const {
  std::lock_guard lock(mutex_);
  return acls_;
}

bool acl_authorizer::is_super_user(const identity& who) const {
  return config_.super_users.contains(who.principal);
}

bool acl_authorizer::authorize(const identity& who, acl_operation op, resource_type type,
                               std::string_view name) const {
  if (is_super_user(who)) return true;
  auto acls = snapshot();
  auto sets = applicable(*acls, type, name);
  if (sets.empty()) return config_.allow_everyone_if_no_acl_found;
  if (any_matches(sets, who, op, acl_permission::deny)) return false;
  for (auto implied : allowing(op))
    if (any_matches(sets, who, implied, acl_permission::allow)) return true;
  return false;
}

bool acl_authorizer::authorize_any(const identity& who, acl_operation op,
                                   resource_type type) const {
  if (is_super_user(who)) return true;
  auto acls = snapshot();
  std::set<std::string> deny_literals, deny_prefixes, allow_literals, allow_prefixes;
  for (auto it = acls->lower_bound(resource_pattern{type, "", pattern_type::unknown});
       it != acls->end() && it->first.type == type; ++it) {
    const bool prefixed = it->first.pattern == pattern_type::prefixed;
    for (const auto& e : it->second) {
      if (entry_matches(e, who, op, acl_permission::deny))
        (prefixed ? deny_prefixes : deny_literals).insert(it->first.name);
      if (entry_matches(e, who, op, acl_permission::allow))
        (prefixed ? allow_prefixes : allow_literals).insert(it->first.name);
    }
  }
  if (deny_literals.contains(std::string(wildcard_resource))) return false;
  if (config_.allow_everyone_if_no_acl_found) return true;
  if (deny_literals.empty() && deny_prefixes.empty())
    return !allow_literals.empty() || !allow_prefixes.empty();
  for (const auto& prefix : allow_prefixes)
    if (!dominated(prefix, deny_prefixes)) return true;
  for (const auto& literal : allow_literals) {
    if (literal == wildcard_resource) return true;
    if (!deny_literals.contains(literal) && !dominated(literal, deny_prefixes)) return true;
  }
  return false;
}

int32_t acl_authorizer::authorized_operations(const identity& who, resource_type type,
                                              std::string_view name) const {
  int32_t bits = 0;
  for (auto op : supported_operations(type))
    if (authorize(who, op, type, name)) bits |= int32_t{1} << static_cast<int>(op);
  return bits;
}

std::vector<acl_binding> acl_authorizer::acls(const acl_binding_filter& filter) const {
  std::vector<acl_binding> out;
  auto acls = snapshot();
  for (const auto& [pattern, set] : *acls) {
    if (!filter.pattern.matches(pattern)) continue;
    for (const auto& e : set)
      if (filter.entry.matches(e)) out.push_back({pattern, e});
  }
  return out;
}

acl_set acl_authorizer::acls_of(const resource_pattern& pattern) const {
  auto acls = snapshot();
  auto it = acls->find(pattern);
  return it == acls->end() ? acl_set{} : it->second;
}

std::vector<resource_pattern> acl_authorizer::patterns() const {
  std::vector<resource_pattern> out;
  auto acls = snapshot();
  for (const auto& [pattern, set] : *acls) out.push_back(pattern);
  return out;
}

void acl_authorizer::set_acls(const resource_pattern& pattern, acl_set acls) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<acl_map>(*acls_);
  if (acls.empty()) {
    next->erase(pattern);
  } else {
    (*next)[pattern] = std::move(acls);
  }
  acls_ = std::move(next);
}

void acl_authorizer::replace_all(acl_map acls) {
  std::erase_if(acls, [](const auto& item) { return item.second.empty(); });
  auto next = std::make_shared<const acl_map>(std::move(acls));
  std::lock_guard lock(mutex_);
  acls_ = std::move(next);
}

}  // namespace sluice::security
