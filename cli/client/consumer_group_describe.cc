#include "cli/client/consumer_group_describe.h"

#include <algorithm>

#include "cli/client/broker_pool.h"
#include "protocol/generated/consumer_group_describe.h"
#include "protocol/generated/list_groups.h"

namespace sluice::cli {

result<std::optional<group_description>> describe_consumer_group(kafka_client& c,
                                                                 const std::string& group,
                                                                 deadline d) {
  using protocol::consumer_group_describe_request;
  using protocol::consumer_group_describe_response;
  auto md = c.metadata(d);
  if (!md) return std::move(md).error();
  broker_pool pool(md->brokers, c.properties());
  auto coordinator = pool.find_coordinator(0, group, d);
  if (!coordinator) return std::move(coordinator).error();
  auto conn = pool.get(*coordinator, d);
  if (!conn) return std::move(conn).error();
  auto version = (*conn)->pick_version(consumer_group_describe_request::api_key, 0,
                                       consumer_group_describe_request::max_version);
  if (!version) return std::optional<group_description>();  // a broker without KIP-848
  consumer_group_describe_request request;
  request.group_ids = {group};
  auto response = (*conn)->call<consumer_group_describe_request, consumer_group_describe_response>(
      request, *version, d);
  if (!response) return std::move(response).error();
  if (response->groups.empty()) return fail(errc::broker, "ConsumerGroupDescribe answered nothing");
  const auto& g = response->groups.front();
  if (g.error_code == static_cast<int16_t>(RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND))
    return std::optional<group_description>();
  group_description out;
  out.group_id = g.group_id;
  if (g.error_code != 0) {
    out.error = static_cast<rd_kafka_resp_err_t>(g.error_code);
    out.message = kafka_error_message(out.error, g.error_message.value_or(""));
    return std::optional<group_description>(std::move(out));
  }
  out.state = g.group_state;
  out.assignor = g.assignor_name;
  out.coordinator_id = *coordinator;
  if (const broker_info* b = pool.find(*coordinator)) {
    out.coordinator_host = b->host;
    out.coordinator_port = b->port;
  }
  for (const auto& m : g.members) {
    group_member gm;
    gm.consumer_id = m.member_id;
    gm.group_instance_id = m.instance_id;
    gm.client_id = m.client_id;
    gm.host = m.client_host;
    for (const auto& t : m.assignment.topic_partitions)
      for (int32_t p : t.partitions) gm.assignment.emplace_back(t.topic_name, p);
    std::sort(gm.assignment.begin(), gm.assignment.end());
    out.members.push_back(std::move(gm));
  }
  return std::optional<group_description>(std::move(out));
}

result<std::map<std::string, std::string>> list_group_types(kafka_client& c, deadline d) {
  using protocol::list_groups_request;
  using protocol::list_groups_response;
  auto md = c.metadata(d);
  if (!md) return std::move(md).error();
  broker_pool pool(md->brokers, c.properties());
  std::map<std::string, std::string> out;
  for (const broker_info& b : pool.brokers()) {
    auto conn = pool.get(b.id, d);
    if (!conn) return std::move(conn).error();
    auto version =
        (*conn)->pick_version(list_groups_request::api_key, 5, list_groups_request::max_version);
    if (!version) continue;
    list_groups_request request;
    auto response = (*conn)->call<list_groups_request, list_groups_response>(request, *version, d);
    if (!response) return std::move(response).error();
    for (const auto& g : response->groups) out[g.group_id] = g.group_type;
  }
  return out;
}

}  // namespace sluice::cli
