#include "cli/client/share_group_admin.h"

#include <algorithm>

#include "protocol/generated/alter_share_group_offsets.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/delete_share_group_offsets.h"
#include "protocol/generated/describe_share_group_offsets.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/share_group_describe.h"

namespace sluice::cli {

namespace {

// The connection to the group's coordinator, and its id.
result<std::pair<raw_connection*, int32_t>> coordinator_of(broker_pool& pool,
                                                           const std::string& group, deadline d) {
  auto coordinator = pool.find_coordinator(0, group, d);
  if (!coordinator) return std::move(coordinator).error();
  auto conn = pool.get(*coordinator, d);
  if (!conn) return std::move(conn).error();
  return std::make_pair(*conn, *coordinator);
}

// Sends `request` to the group's coordinator at the newest version both know from `min_version`;
// `what` names the operation when the broker is too old for it.
template <class Request, class Response>
result<Response> call_coordinator(broker_pool& pool, const std::string& group,
                                  const Request& request, int16_t min_version, const char* what,
                                  deadline d, int16_t* used_version = nullptr) {
  auto at = coordinator_of(pool, group, d);
  if (!at) return std::move(at).error();
  auto conn = at->first;
  auto version = conn->pick_version(Request::api_key, min_version, Request::max_version);
  if (!version) return fail(errc::unsupported, std::string("the broker cannot ") + what);
  if (used_version != nullptr) *used_version = *version;
  return conn->template call<Request, Response>(request, *version, d);
}

// A share_offsets_change from a response's top-level error.
template <class Response>
share_offsets_change change_of(const Response& response) {
  share_offsets_change out;
  out.error = response.error_code;
  out.error_message = response.error_message.value_or("");
  return out;
}

}  // namespace

result<std::vector<share_group_listing>> list_share_groups(broker_pool& pool,
                                                           const std::vector<std::string>& states,
                                                           deadline d) {
  using protocol::list_groups_request;
  using protocol::list_groups_response;
  std::vector<share_group_listing> out;
  for (const broker_info& b : pool.brokers()) {
    auto conn = pool.get(b.id, d);
    if (!conn) return std::move(conn).error();
    auto version =
        (*conn)->pick_version(list_groups_request::api_key, 5, list_groups_request::max_version);
    if (!version) continue;  // too old to know share groups
    list_groups_request request;
    request.types_filter = {"share"};
    request.states_filter = states;
    auto response = (*conn)->call<list_groups_request, list_groups_response>(request, *version, d);
    if (!response) return std::move(response).error();
    for (const auto& g : response->groups) out.push_back({g.group_id, g.group_state});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
  return out;
}

result<share_group_description> describe_share_group(broker_pool& pool, const std::string& group,
                                                     deadline d) {
  using protocol::share_group_describe_request;
  using protocol::share_group_describe_response;
  auto at = coordinator_of(pool, group, d);
  if (!at) return std::move(at).error();
  auto [conn, coordinator] = *at;
  auto version = conn->pick_version(share_group_describe_request::api_key, 1,
                                    share_group_describe_request::max_version);
  if (!version) return fail(errc::unsupported, "the broker does not support share groups");
  share_group_describe_request request;
  request.group_ids = {group};
  auto response =
      conn->call<share_group_describe_request, share_group_describe_response>(request, *version, d);
  if (!response) return std::move(response).error();
  if (response->groups.empty()) return fail(errc::broker, "ShareGroupDescribe answered nothing");
  const auto& g = response->groups.front();
  share_group_description out;
  out.group_id = group;
  out.error = g.error_code;
  out.error_message = g.error_message.value_or("");
  out.state = g.group_state;
  out.group_epoch = g.group_epoch;
  out.assignment_epoch = g.assignment_epoch;
  out.coordinator.id = coordinator;
  if (const broker_info* b = pool.find(coordinator)) out.coordinator = *b;
  for (const auto& m : g.members) {
    share_member_description sm;
    sm.member_id = m.member_id;
    sm.host = m.client_host;
    sm.client_id = m.client_id;
    sm.member_epoch = m.member_epoch;
    for (const auto& t : m.assignment.topic_partitions)
      for (int32_t p : t.partitions) sm.assignment.emplace_back(t.topic_name, p);
    std::sort(sm.assignment.begin(), sm.assignment.end());
    out.members.push_back(std::move(sm));
  }
  std::sort(out.members.begin(), out.members.end(),
            [](const auto& a, const auto& b) { return a.member_id < b.member_id; });
  return out;
}

result<std::vector<share_partition_offsets>> describe_share_group_offsets(broker_pool& pool,
                                                                          const std::string& group,
                                                                          deadline d) {
  using protocol::describe_share_group_offsets_request;
  using protocol::describe_share_group_offsets_response;
  describe_share_group_offsets_request request;
  auto& g = request.groups.emplace_back();
  g.group_id = group;
  g.topics = std::nullopt;  // every share partition the group has
  int16_t version = 0;
  auto response =
      call_coordinator<describe_share_group_offsets_request, describe_share_group_offsets_response>(
          pool, group, request, 0, "describe share-group offsets", d, &version);
  if (!response) return std::move(response).error();
  std::vector<share_partition_offsets> out;
  for (const auto& rg : response->groups) {
    if (rg.error_code != 0)
      return fail(errc::broker, kafka_error_message(static_cast<rd_kafka_resp_err_t>(rg.error_code),
                                                    rg.error_message.value_or("")));
    for (const auto& t : rg.topics) {
      for (const auto& p : t.partitions) {
        share_partition_offsets o;
        o.topic = t.topic_name;
        o.partition = p.partition_index;
        if (p.error_code == 0 && p.start_offset >= 0) {
          o.start_offset = p.start_offset;
          if (p.leader_epoch >= 0) o.leader_epoch = p.leader_epoch;
          if (version >= 1 && p.lag >= 0) o.lag = p.lag;
        }
        out.push_back(std::move(o));
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

result<share_offsets_change> alter_share_group_offsets(
    broker_pool& pool, const std::string& group,
    const std::vector<std::tuple<std::string, int32_t, int64_t>>& offsets, deadline d) {
  using protocol::alter_share_group_offsets_request;
  using protocol::alter_share_group_offsets_response;
  alter_share_group_offsets_request request;
  request.group_id = group;
  for (const auto& [topic, partition, offset] : offsets) {
    auto it = std::find_if(request.topics.begin(), request.topics.end(),
                           [&](const auto& t) { return t.topic_name == topic; });
    if (it == request.topics.end()) {
      it = request.topics.emplace(request.topics.end());
      it->topic_name = topic;
    }
    auto& p = it->partitions.emplace_back();
    p.partition_index = partition;
    p.start_offset = offset;
  }
  auto response =
      call_coordinator<alter_share_group_offsets_request, alter_share_group_offsets_response>(
          pool, group, request, 0, "alter share-group offsets", d);
  if (!response) return std::move(response).error();
  share_offsets_change out = change_of(*response);
  for (const auto& t : response->responses)
    for (const auto& p : t.partitions)
      out.items.push_back(
          {t.topic_name, p.partition_index, p.error_code, p.error_message.value_or("")});
  return out;
}

result<share_offsets_change> delete_share_group_offsets(broker_pool& pool, const std::string& group,
                                                        const std::vector<std::string>& topics,
                                                        deadline d) {
  using protocol::delete_share_group_offsets_request;
  using protocol::delete_share_group_offsets_response;
  delete_share_group_offsets_request request;
  request.group_id = group;
  for (const auto& t : topics) request.topics.emplace_back().topic_name = t;
  auto response =
      call_coordinator<delete_share_group_offsets_request, delete_share_group_offsets_response>(
          pool, group, request, 0, "delete share-group offsets", d);
  if (!response) return std::move(response).error();
  share_offsets_change out = change_of(*response);
  for (const auto& t : response->responses)
    out.items.push_back({t.topic_name, -1, t.error_code, t.error_message.value_or("")});
  return out;
}

result<int16_t> delete_share_group(broker_pool& pool, const std::string& group, deadline d) {
  using protocol::delete_groups_request;
  using protocol::delete_groups_response;
  delete_groups_request request;
  request.groups_names = {group};
  auto response = call_coordinator<delete_groups_request, delete_groups_response>(
      pool, group, request, 0, "delete groups", d);
  if (!response) return std::move(response).error();
  if (response->results.empty()) return fail(errc::broker, "DeleteGroups answered nothing");
  return response->results.front().error_code;
}

}  // namespace sluice::cli
