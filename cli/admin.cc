// Synchronous Admin API calls over librdkafka, returning plain structs.
#include "cli/admin.h"

#include <fmt/format.h>

#include <algorithm>

#include "cli/client/consumer_group_describe.h"

namespace sluice::cli {
namespace {

// Waits for the result event and turns a request-level error into a failure.
result<event_ptr> run(kafka_client& c, rd_kafka_queue_t* q, deadline d, std::string_view what) {
  auto ev = c.wait_event(q, d, what);
  if (!ev) return ev;
  rd_kafka_resp_err_t err = rd_kafka_event_error(ev->get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (auto why = c.unreachable_reason()) return fail(errc::unreachable, *why);
    const char* text = rd_kafka_event_error_string(ev->get());
    errc code = err == RD_KAFKA_RESP_ERR__TIMED_OUT             ? errc::timed_out
                : err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ? errc::unsupported
                                                                : errc::broker;
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      return fail(code, fmt::format("Timed out waiting for a node assignment. Call: {}", what));
    }
    return fail(code, kafka_error_message(err, text ? text : ""));
  }
  return ev;
}

std::vector<item_error> topic_results(const rd_kafka_topic_result_t** res, size_t n) {
  std::vector<item_error> out;
  for (size_t i = 0; i < n; ++i) {
    const char* msg = rd_kafka_topic_result_error_string(res[i]);
    out.push_back(
        {rd_kafka_topic_result_name(res[i]), rd_kafka_topic_result_error(res[i]), msg ? msg : ""});
  }
  return out;
}

std::vector<partition_offset> partition_results(const rd_kafka_topic_partition_list_t* list) {
  std::vector<partition_offset> out;
  if (list == nullptr) return out;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    partition_offset po;
    po.topic = p.topic;
    po.partition = p.partition;
    po.offset = p.offset;
    po.error = p.err;
    if (p.metadata != nullptr) {
      po.metadata.assign(static_cast<const char*>(p.metadata), p.metadata_size);
    }
    out.push_back(std::move(po));
  }
  std::sort(out.begin(), out.end());
  return out;
}

partition_list_ptr to_list(const std::vector<partition_offset>& offsets) {
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const partition_offset& po : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), po.topic.c_str(), po.partition)->offset =
        po.offset;
  }
  return list;
}

rd_kafka_ResourceType_t to_rd(resource_type t) {
  switch (t) {
    case resource_type::topic:
      return RD_KAFKA_RESOURCE_TOPIC;
    case resource_type::broker:
      return RD_KAFKA_RESOURCE_BROKER;
    case resource_type::group:
      return RD_KAFKA_RESOURCE_GROUP;
    case resource_type::broker_logger:
      return RD_KAFKA_RESOURCE_BROKER;
  }
  return RD_KAFKA_RESOURCE_UNKNOWN;
}

config_entry copy_entry(const rd_kafka_ConfigEntry_t* e) {
  config_entry ce;
  ce.name = rd_kafka_ConfigEntry_name(e);
  if (const char* v = rd_kafka_ConfigEntry_value(e)) ce.value = v;
  ce.source = rd_kafka_ConfigEntry_source(e);
  ce.is_default = rd_kafka_ConfigEntry_is_default(e) != 0;
  ce.read_only = rd_kafka_ConfigEntry_is_read_only(e) != 0;
  ce.sensitive = rd_kafka_ConfigEntry_is_sensitive(e) != 0;
  size_t n = 0;
  const rd_kafka_ConfigEntry_t** syn = rd_kafka_ConfigEntry_synonyms(e, &n);
  for (size_t i = 0; i < n; ++i) ce.synonyms.push_back(copy_entry(syn[i]));
  return ce;
}

}  // namespace

std::string group_state_name(rd_kafka_consumer_group_state_t state) {
  return rd_kafka_consumer_group_state_name(state);
}

result<std::vector<item_error>> create_topics(kafka_client& c, const std::vector<new_topic>& topics,
                                              deadline d) {
  std::vector<new_topic_ptr> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  char errstr[512];
  for (const new_topic& t : topics) {
    // With an assignment librdkafka wants the partition count and no replication factor.
    int rf = t.assignment.empty() ? t.replication_factor : -1;
    int parts = t.assignment.empty() ? t.partitions : static_cast<int>(t.assignment.size());
    new_topic_ptr nt(rd_kafka_NewTopic_new(t.name.c_str(), parts, rf, errstr, sizeof errstr));
    if (!nt) return fail(errc::invalid_input, errstr);
    for (size_t p = 0; p < t.assignment.size(); ++p) {
      std::vector<int32_t> replicas = t.assignment[p];
      if (rd_kafka_NewTopic_set_replica_assignment(nt.get(), static_cast<int32_t>(p),
                                                   replicas.data(), replicas.size(), errstr,
                                                   sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(errc::invalid_input, errstr);
      }
    }
    for (const auto& [k, v] : t.configs) {
      rd_kafka_NewTopic_set_config(nt.get(), k.c_str(), v.c_str());
    }
    raw.push_back(nt.get());
    owned.push_back(std::move(nt));
  }
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_CREATETOPICS, d);
  rd_kafka_CreateTopics(c.get(), raw.data(), raw.size(), opts.get(), q.get());
  auto ev = run(c, q.get(), d, "createTopics");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_topic_result_t** res =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev->get()), &n);
  return topic_results(res, n);
}

result<std::vector<item_error>> delete_topics(kafka_client& c,
                                              const std::vector<std::string>& topics, deadline d) {
  std::vector<delete_topic_ptr> owned;
  std::vector<rd_kafka_DeleteTopic_t*> raw;
  for (const std::string& t : topics) {
    owned.emplace_back(rd_kafka_DeleteTopic_new(t.c_str()));
    raw.push_back(owned.back().get());
  }
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_DELETETOPICS, d);
  rd_kafka_DeleteTopics(c.get(), raw.data(), raw.size(), opts.get(), q.get());
  auto ev = run(c, q.get(), d, "deleteTopics");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_topic_result_t** res =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev->get()), &n);
  return topic_results(res, n);
}

result<std::vector<item_error>> create_partitions(
    kafka_client& c, const std::string& topic, int32_t total,
    const std::vector<std::vector<int32_t>>& assignment, deadline d) {
  char errstr[512];
  new_partitions_ptr np(
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total), errstr, sizeof errstr));
  if (!np) return fail(errc::invalid_input, errstr);
  for (size_t i = 0; i < assignment.size(); ++i) {
    std::vector<int32_t> replicas = assignment[i];
    if (rd_kafka_NewPartitions_set_replica_assignment(
            np.get(), static_cast<int32_t>(i), replicas.data(), replicas.size(), errstr,
            sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail(errc::invalid_input, errstr);
    }
  }
  rd_kafka_NewPartitions_t* raw[] = {np.get()};
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, d);
  rd_kafka_CreatePartitions(c.get(), raw, 1, opts.get(), q.get());
  auto ev = run(c, q.get(), d, "createPartitions");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_topic_result_t** res = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(ev->get()), &n);
  return topic_results(res, n);
}

result<std::vector<config_resource>> describe_configs(
    kafka_client& c, const std::vector<std::pair<resource_type, std::string>>& resources,
    deadline d) {
  std::vector<config_resource_ptr> owned;
  std::vector<rd_kafka_ConfigResource_t*> raw;
  for (const auto& [type, name] : resources) {
    owned.emplace_back(rd_kafka_ConfigResource_new(to_rd(type), name.c_str()));
    raw.push_back(owned.back().get());
  }
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, d);
  rd_kafka_DescribeConfigs(c.get(), raw.data(), raw.size(), opts.get(), q.get());
  auto ev = run(c, q.get(), d, "describeConfigs");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_ConfigResource_t** res = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(ev->get()), &n);
  std::vector<config_resource> out;
  for (size_t i = 0; i < n; ++i) {
    config_resource cr;
    rd_kafka_ResourceType_t t = rd_kafka_ConfigResource_type(res[i]);
    cr.type = t == RD_KAFKA_RESOURCE_BROKER  ? resource_type::broker
              : t == RD_KAFKA_RESOURCE_GROUP ? resource_type::group
                                             : resource_type::topic;
    cr.name = rd_kafka_ConfigResource_name(res[i]);
    cr.error = rd_kafka_ConfigResource_error(res[i]);
    if (const char* m = rd_kafka_ConfigResource_error_string(res[i])) cr.message = m;
    size_t m = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(res[i], &m);
    for (size_t j = 0; j < m; ++j) cr.entries.push_back(copy_entry(entries[j]));
    std::sort(cr.entries.begin(), cr.entries.end(),
              [](const config_entry& a, const config_entry& b) { return a.name < b.name; });
    out.push_back(std::move(cr));
  }
  return out;
}

result<item_error> alter_configs(kafka_client& c, resource_type type, const std::string& name,
                                 const std::vector<std::pair<std::string, std::string>>& configs,
                                 deadline d) {
  config_resource_ptr res(rd_kafka_ConfigResource_new(to_rd(type), name.c_str()));
  for (const auto& [k, v] : configs) {
    rd_kafka_ConfigResource_set_config(res.get(), k.c_str(), v.c_str());
  }
  rd_kafka_ConfigResource_t* raw[] = {res.get()};
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_ALTERCONFIGS, d);
  rd_kafka_AlterConfigs(c.get(), raw, 1, opts.get(), q.get());
  auto ev = run(c, q.get(), d, "alterConfigs");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_ConfigResource_t** out =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev->get()), &n);
  item_error ie{name, RD_KAFKA_RESP_ERR_NO_ERROR, ""};
  if (n > 0) {
    ie.error = rd_kafka_ConfigResource_error(out[0]);
    if (const char* m = rd_kafka_ConfigResource_error_string(out[0])) ie.message = m;
  }
  return ie;
}

result<std::vector<partition_offset>> delete_records(kafka_client& c,
                                                     const std::vector<partition_offset>& before,
                                                     deadline d) {
  partition_list_ptr list = to_list(before);
  delete_records_ptr del(rd_kafka_DeleteRecords_new(list.get()));
  rd_kafka_DeleteRecords_t* raw[] = {del.get()};
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_DELETERECORDS, d);
  rd_kafka_DeleteRecords(c.get(), raw, 1, opts.get(), q.get());
  auto ev = run(c, q.get(), d, "deleteRecords");
  if (!ev) return std::move(ev).error();
  return partition_results(
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev->get())));
}

result<std::vector<group_listing>> list_groups(kafka_client& c, deadline d) {
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, d);
  rd_kafka_ListConsumerGroups(c.get(), opts.get(), q.get());
  auto ev = run(c, q.get(), d, "listConsumerGroups");
  if (!ev) return std::move(ev).error();
  const rd_kafka_ListConsumerGroups_result_t* res =
      rd_kafka_event_ListConsumerGroups_result(ev->get());
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(res, &n);
  std::vector<group_listing> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                   group_state_name(rd_kafka_ConsumerGroupListing_state(valid[i])),
                   rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
  }
  size_t e = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(res, &e);
  if (n == 0 && e > 0) return fail(errc::broker, rd_kafka_error_string(errors[0]));
  std::sort(out.begin(), out.end(),
            [](const group_listing& a, const group_listing& b) { return a.group_id < b.group_id; });
  return out;
}

result<std::vector<group_description>> describe_groups(kafka_client& c,
                                                       const std::vector<std::string>& groups,
                                                       deadline d) {
  std::vector<const char*> names;
  for (const std::string& g : groups) names.push_back(g.c_str());
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, d);
  rd_kafka_DescribeConsumerGroups(c.get(), names.data(), names.size(), opts.get(), q.get());
  auto ev = run(c, q.get(), d, "describeConsumerGroups");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** res = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(ev->get()), &n);
  std::vector<group_description> out;
  for (size_t i = 0; i < n; ++i) {
    group_description gd;
    gd.group_id = rd_kafka_ConsumerGroupDescription_group_id(res[i]);
    if (const rd_kafka_error_t* err = rd_kafka_ConsumerGroupDescription_error(res[i])) {
      gd.error = rd_kafka_error_code(err);
      gd.message = rd_kafka_error_string(err);
    }
    gd.state = group_state_name(rd_kafka_ConsumerGroupDescription_state(res[i]));
    if (const char* a = rd_kafka_ConsumerGroupDescription_partition_assignor(res[i])) {
      gd.assignor = a;
    }
    gd.simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(res[i]) != 0;
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(res[i])) {
      gd.coordinator_id = rd_kafka_Node_id(node);
      if (const char* h = rd_kafka_Node_host(node)) gd.coordinator_host = h;
      gd.coordinator_port = rd_kafka_Node_port(node);
    }
    size_t members = rd_kafka_ConsumerGroupDescription_member_count(res[i]);
    for (size_t m = 0; m < members; ++m) {
      const rd_kafka_MemberDescription_t* md = rd_kafka_ConsumerGroupDescription_member(res[i], m);
      group_member gm;
      gm.consumer_id = rd_kafka_MemberDescription_consumer_id(md);
      if (const char* gi = rd_kafka_MemberDescription_group_instance_id(md)) {
        gm.group_instance_id = gi;
      }
      gm.client_id = rd_kafka_MemberDescription_client_id(md);
      gm.host = rd_kafka_MemberDescription_host(md);
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(md)) {
        if (const rd_kafka_topic_partition_list_t* parts =
                rd_kafka_MemberAssignment_partitions(a)) {
          for (int p = 0; p < parts->cnt; ++p) {
            gm.assignment.emplace_back(parts->elems[p].topic, parts->elems[p].partition);
          }
        }
      }
      std::sort(gm.assignment.begin(), gm.assignment.end());
      gd.members.push_back(std::move(gm));
    }
    if (gd.error == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
      // Perhaps a KIP-848 consumer group, which DescribeGroups does not describe.
      auto consumer = describe_consumer_group(c, gd.group_id, d);
      if (consumer && *consumer) gd = std::move(**consumer);
    }
    out.push_back(std::move(gd));
  }
  return out;
}

result<std::vector<partition_offset>> list_group_offsets(kafka_client& c, const std::string& group,
                                                         deadline d) {
  list_group_offsets_ptr req(rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr));
  rd_kafka_ListConsumerGroupOffsets_t* raw[] = {req.get()};
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, d);
  rd_kafka_ListConsumerGroupOffsets(c.get(), raw, 1, opts.get(), q.get());
  auto ev = run(c, q.get(), d, "listConsumerGroupOffsets");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_group_result_t** res = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(ev->get()), &n);
  if (n == 0) return std::vector<partition_offset>{};
  if (const rd_kafka_error_t* err = rd_kafka_group_result_error(res[0])) {
    return fail(rd_kafka_error_code(err) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND ? errc::not_found
                                                                                 : errc::broker,
                rd_kafka_error_string(err));
  }
  return partition_results(rd_kafka_group_result_partitions(res[0]));
}

result<std::vector<partition_offset>> alter_group_offsets(
    kafka_client& c, const std::string& group, const std::vector<partition_offset>& offsets,
    deadline d) {
  partition_list_ptr list = to_list(offsets);
  alter_group_offsets_ptr req(rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
  rd_kafka_AlterConsumerGroupOffsets_t* raw[] = {req.get()};
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, d);
  rd_kafka_AlterConsumerGroupOffsets(c.get(), raw, 1, opts.get(), q.get());
  auto ev = run(c, q.get(), d, "alterConsumerGroupOffsets");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_group_result_t** res = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(ev->get()), &n);
  if (n == 0) return std::vector<partition_offset>{};
  if (const rd_kafka_error_t* err = rd_kafka_group_result_error(res[0])) {
    return fail(errc::broker, rd_kafka_error_string(err));
  }
  return partition_results(rd_kafka_group_result_partitions(res[0]));
}

result<std::vector<item_error>> delete_groups(kafka_client& c,
                                              const std::vector<std::string>& groups, deadline d) {
  std::vector<delete_group_ptr> owned;
  std::vector<rd_kafka_DeleteGroup_t*> raw;
  for (const std::string& g : groups) {
    owned.emplace_back(rd_kafka_DeleteGroup_new(g.c_str()));
    raw.push_back(owned.back().get());
  }
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_DELETEGROUPS, d);
  rd_kafka_DeleteGroups(c.get(), raw.data(), raw.size(), opts.get(), q.get());
  auto ev = run(c, q.get(), d, "deleteConsumerGroups");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_group_result_t** res =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev->get()), &n);
  std::vector<item_error> out;
  for (size_t i = 0; i < n; ++i) {
    item_error ie{rd_kafka_group_result_name(res[i]), RD_KAFKA_RESP_ERR_NO_ERROR, ""};
    if (const rd_kafka_error_t* err = rd_kafka_group_result_error(res[i])) {
      ie.error = rd_kafka_error_code(err);
      ie.message = rd_kafka_error_string(err);
    }
    out.push_back(std::move(ie));
  }
  return out;
}

result<std::vector<partition_offset>> delete_group_offsets(
    kafka_client& c, const std::string& group, const std::vector<partition_offset>& partitions,
    deadline d) {
  partition_list_ptr list = to_list(partitions);
  delete_group_offsets_ptr req(rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get()));
  rd_kafka_DeleteConsumerGroupOffsets_t* raw[] = {req.get()};
  queue_ptr q(rd_kafka_queue_new(c.get()));
  auto opts = c.admin_options(RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, d);
  rd_kafka_DeleteConsumerGroupOffsets(c.get(), raw, 1, opts.get(), q.get());
  auto ev = run(c, q.get(), d, "deleteConsumerGroupOffsets");
  if (!ev) return std::move(ev).error();
  size_t n = 0;
  const rd_kafka_group_result_t** res = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
      rd_kafka_event_DeleteConsumerGroupOffsets_result(ev->get()), &n);
  if (n == 0) return std::vector<partition_offset>{};
  if (const rd_kafka_error_t* err = rd_kafka_group_result_error(res[0])) {
    return fail(rd_kafka_error_code(err) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND ? errc::not_found
                                                                                 : errc::broker,
                rd_kafka_error_string(err));
  }
  return partition_results(rd_kafka_group_result_partitions(res[0]));
}

}  // namespace sluice::cli
