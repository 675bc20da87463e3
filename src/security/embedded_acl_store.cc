#include "security/embedded_acl_store.h"

#include <fmt/format.h>

#include "security/acl_zk_layout.h"

namespace sluice::security {

namespace layout = acl_zk_layout;

acl_result<acl_map> embedded_acl_store::read_all() {
  acl_map out;
  for (const auto& [path, document] : store_.acl_documents()) {
    auto pattern = layout::resource_of_path(path);
    if (!pattern)
      return fail(acl_errc::storage_failed, fmt::format("bad ACL path {} in the state file", path));
    auto acls = layout::decode_acls(document);
    if (!acls) return fail(acl_errc::storage_failed, fmt::format("{}: {}", path, acls.message()));
    if (!acls->empty()) out.emplace(std::move(*pattern), std::move(*acls));
  }
  return out;
}

acl_result<acl_set> embedded_acl_store::read(const resource_pattern& pattern) {
  const auto documents = store_.acl_documents();
  auto it = documents.find(layout::resource_path(pattern));
  if (it == documents.end()) return acl_set{};
  auto acls = layout::decode_acls(it->second);
  if (!acls) return fail(acl_errc::storage_failed, acls.message());
  return std::move(*acls);
}

acl_result<acl_store::update_outcome> embedded_acl_store::update(const resource_pattern& pattern,
                                                                 const edit_fn& edit) {
  update_outcome outcome;
  std::optional<failure<acl_errc>> bad;
  auto written = store_.update_acl_document(
      layout::resource_path(pattern),
      [&](const std::optional<std::string>& current)
          -> cluster::result<std::optional<std::string>> {
        if (current) {
          auto acls = layout::decode_acls(*current);
          if (!acls) {
            bad = fail(acl_errc::storage_failed, acls.message());
            return fail(cluster::errc::invalid_request, acls.message());
          }
          outcome.before = std::move(*acls);
        }
        outcome.after = edit(outcome.before);
        if (outcome.after.empty()) return std::optional<std::string>();
        return std::optional<std::string>(layout::encode_acls(outcome.after));
      });
  if (bad) return std::move(*bad);
  if (!written) return fail(acl_errc::storage_failed, written.message());
  return outcome;
}

}  // namespace sluice::security
