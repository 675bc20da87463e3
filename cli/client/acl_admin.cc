#include "cli/client/acl_admin.h"

#include <fmt/format.h>

#include "protocol/generated/create_acls.h"
#include "protocol/generated/delete_acls.h"
#include "protocol/generated/describe_acls.h"

namespace sluice::cli {

namespace {

namespace sec = security;

int8_t code8(auto e) {
  return static_cast<int8_t>(e);
}

failure<errc> broker_error(int16_t code, const std::optional<std::string>& message) {
  return fail(errc::broker, kafka_exception_text(code, message));
}

template <class Request>
result<int16_t> version_for(raw_connection& c, int16_t min = 0) {
  auto v = c.pick_version(Request::api_key, min, Request::max_version);
  if (!v)
    return fail(errc::unsupported,
                fmt::format("org.apache.kafka.common.errors.UnsupportedVersionException: {} does "
                            "not support this ACL request",
                            c.address()));
  return *v;
}

// Prefixed patterns and pattern filters other than LITERAL need v1.
int16_t min_version_for(sec::pattern_type p) {
  return p == sec::pattern_type::literal ? 0 : 1;
}

template <class Wire>
void fill_filter(Wire& w, const sec::acl_binding_filter& f) {
  w.resource_type_filter = code8(f.pattern.type);
  w.resource_name_filter = f.pattern.name;
  w.pattern_type_filter = code8(f.pattern.pattern);
  w.principal_filter = f.entry.principal;
  w.host_filter = f.entry.host;
  w.operation = code8(f.entry.operation);
  w.permission_type = code8(f.entry.permission);
}

}  // namespace

result<std::vector<sec::acl_binding>> describe_acls(raw_connection& c,
                                                    const sec::acl_binding_filter& f, deadline d) {
  using request_t = protocol::describe_acls_request;
  auto v = version_for<request_t>(c, min_version_for(f.pattern.pattern));
  if (!v) return std::move(v).error();
  request_t req;
  fill_filter(req, f);
  auto resp = c.call<request_t, protocol::describe_acls_response>(req, *v, d);
  if (!resp) return std::move(resp).error();
  if (resp->error_code != 0) return broker_error(resp->error_code, resp->error_message);
  std::vector<sec::acl_binding> out;
  for (const auto& r : resp->resources) {
    sec::resource_pattern pattern{sec::resource_type_from_code(r.resource_type), r.resource_name,
                                  sec::pattern_type_from_code(r.pattern_type)};
    for (const auto& a : r.acls)
      out.push_back({pattern,
                     {a.principal, a.host, sec::operation_from_code(a.operation),
                      sec::permission_from_code(a.permission_type)}});
  }
  return out;
}

result<void> create_acls(raw_connection& c, const std::vector<sec::acl_binding>& bindings,
                         deadline d) {
  using request_t = protocol::create_acls_request;
  int16_t min = 0;
  for (const auto& b : bindings) min = std::max(min, min_version_for(b.pattern.pattern));
  auto v = version_for<request_t>(c, min);
  if (!v) return std::move(v).error();
  request_t req;
  for (const auto& b : bindings) {
    auto& out = req.creations.emplace_back();
    out.resource_type = code8(b.pattern.type);
    out.resource_name = b.pattern.name;
    out.resource_pattern_type = code8(b.pattern.pattern);
    out.principal = b.entry.principal;
    out.host = b.entry.host;
    out.operation = code8(b.entry.operation);
    out.permission_type = code8(b.entry.permission);
  }
  auto resp = c.call<request_t, protocol::create_acls_response>(req, *v, d);
  if (!resp) return std::move(resp).error();
  for (const auto& r : resp->results)
    if (r.error_code != 0) return broker_error(r.error_code, r.error_message);
  return ok_v;
}

result<std::vector<sec::acl_binding>> delete_acls(
    raw_connection& c, const std::vector<sec::acl_binding_filter>& filters, deadline d) {
  using request_t = protocol::delete_acls_request;
  int16_t min = 0;
  for (const auto& f : filters)
    min = std::max(min, f.pattern.pattern == sec::pattern_type::literal ||
                                f.pattern.pattern == sec::pattern_type::any
                            ? int16_t{0}
                            : int16_t{1});
  auto v = version_for<request_t>(c, min);
  if (!v) return std::move(v).error();
  request_t req;
  for (const auto& f : filters) fill_filter(req.filters.emplace_back(), f);
  auto resp = c.call<request_t, protocol::delete_acls_response>(req, *v, d);
  if (!resp) return std::move(resp).error();
  std::vector<sec::acl_binding> out;
  for (const auto& r : resp->filter_results) {
    if (r.error_code != 0) return broker_error(r.error_code, r.error_message);
    for (const auto& m : r.matching_acls) {
      if (m.error_code != 0) return broker_error(m.error_code, m.error_message);
      out.push_back({{sec::resource_type_from_code(m.resource_type), m.resource_name,
                      sec::pattern_type_from_code(m.pattern_type)},
                     {m.principal, m.host, sec::operation_from_code(m.operation),
                      sec::permission_from_code(m.permission_type)}});
    }
  }
  return out;
}

}  // namespace sluice::cli
