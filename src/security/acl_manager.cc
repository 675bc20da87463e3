#include "security/acl_manager.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

namespace sluice::security {

acl_manager::acl_manager(std::unique_ptr<acl_store> store, authorizer_config config)
    : store_(std::move(store)), authorizer_(std::move(config)) {}

acl_manager::~acl_manager() {
  store_.reset();
}

acl_result<void> acl_manager::load() {
  std::lock_guard lock(write_mutex_);
  auto all = store_->read_all();
  if (!all) return std::move(all).error();
  size_t count = 0;
  for (const auto& [pattern, acls] : *all) count += acls.size();
  authorizer_.replace_all(std::move(*all));
  spdlog::info("Loaded {} ACLs", count);
  return ok_v;
}

void acl_manager::refresh(const resource_pattern& pattern) {
  std::lock_guard lock(write_mutex_);
  auto acls = store_->read(pattern);
  if (!acls) {
    spdlog::error("Cannot read the ACLs of {} after a change notice: {}", to_string(pattern),
                  acls.message());
    return;
  }
  spdlog::info("Processing Acl change notification for {}, {} ACLs", to_string(pattern),
               acls->size());
  authorizer_.set_acls(pattern, std::move(*acls));
}

std::vector<acl_manager::outcome> acl_manager::create_acls(
    const std::vector<acl_binding>& bindings) {
  std::vector<outcome> results(bindings.size());
  // The valid bindings, grouped by pattern: one store update per pattern.
  std::map<resource_pattern, std::vector<size_t>> by_pattern;
  for (size_t i = 0; i < bindings.size(); ++i) {
    if (auto why = invalid_binding(bindings[i])) {
      results[i] = fail(acl_errc::invalid_request, "Failed to create ACL: " + *why);
      continue;
    }
    by_pattern[bindings[i].pattern].push_back(i);
  }
  std::lock_guard lock(write_mutex_);
  for (const auto& [pattern, indexes] : by_pattern) {
    auto updated = store_->update(pattern, [&](const acl_set& current) {
      acl_set next = current;
      for (auto i : indexes) next.insert(bindings[i].entry);
      return next;
    });
    if (!updated) {
      for (auto i : indexes) results[i] = updated.error();
      continue;
    }
    if (updated->after != updated->before)
      spdlog::info("Updated ACLs for {}: {} ACLs", to_string(pattern), updated->after.size());
    authorizer_.set_acls(pattern, std::move(updated->after));
  }
  return results;
}

std::vector<std::vector<acl_manager::deleted_binding>> acl_manager::delete_acls(
    const std::vector<acl_binding_filter>& filters) {
  std::vector<std::vector<deleted_binding>> results(filters.size());
  std::lock_guard lock(write_mutex_);
  // The patterns that may hold matching ACLs: every cached one, and those a filter names exactly
  // (an ACL another broker just wrote may not have reached this cache yet).
  std::set<resource_pattern> candidates;
  for (auto& p : authorizer_.patterns()) candidates.insert(std::move(p));
  for (const auto& f : filters) {
    if (!f.pattern.matches_at_most_one()) continue;
    if (f.pattern.pattern == pattern_type::literal || f.pattern.pattern == pattern_type::any)
      candidates.insert({f.pattern.type, *f.pattern.name, pattern_type::literal});
    if (f.pattern.pattern == pattern_type::prefixed || f.pattern.pattern == pattern_type::any)
      candidates.insert({f.pattern.type, *f.pattern.name, pattern_type::prefixed});
  }
  for (const auto& pattern : candidates) {
    std::vector<size_t> matching;
    for (size_t i = 0; i < filters.size(); ++i)
      if (filters[i].pattern.matches(pattern)) matching.push_back(i);
    if (matching.empty()) continue;
    // Which filter removes each entry: the first that matches it (recomputed on every attempt).
    std::map<acl_entry, size_t> removed;
    auto updated = store_->update(pattern, [&](const acl_set& current) {
      removed.clear();
      acl_set next;
      for (const auto& e : current) {
        bool matched = false;
        for (auto i : matching) {
          if (filters[i].entry.matches(e)) {
            removed.emplace(e, i);
            matched = true;
            break;
          }
        }
        if (!matched) next.insert(e);
      }
      return next;
    });
    outcome error;
    if (!updated) {
      error = updated.error();
    } else {
      if (!removed.empty())
        spdlog::info("Removed {} ACLs of {}", removed.size(), to_string(pattern));
      authorizer_.set_acls(pattern, std::move(updated->after));
    }
    for (const auto& [entry, index] : removed)
      results[index].push_back({acl_binding{pattern, entry}, error});
  }
  return results;
}

}  // namespace sluice::security
