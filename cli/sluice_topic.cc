// `sluice topic create|delete|list|describe|alter-config`.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cli/admin.h"
#include "cli/config_alter.h"
#include "cli/config_text.h"
#include "cli/sluice_commands.h"
#include "cli/tool_support.h"
#include "cli/topic_service.h"

namespace sluice::cli {
namespace {

result<kafka_client> admin_client(const global_options& g) {
  auto settings = g.client();
  if (!settings) return std::move(settings).error();
  return kafka_client::create(client_kind::admin, *settings);
}

// Prints per-topic results as a table or JSON; 1 when any failed.
int print_results(const global_options& g, const std::vector<item_error>& results,
                  std::string_view verb, bool tolerate_exists, bool tolerate_missing) {
  int code = 0;
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  table t({"TOPIC", "STATUS"});
  for (const item_error& r : results) {
    bool ok = r.error == RD_KAFKA_RESP_ERR_NO_ERROR ||
              (tolerate_exists && r.error == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) ||
              (tolerate_missing && r.error == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    std::string status = r.error == RD_KAFKA_RESP_ERR_NO_ERROR
                             ? std::string(verb)
                             : kafka_error_message(r.error, r.message, r.name);
    if (!ok) code = 1;
    t.add({r.name, status});
    docs.push_back({{"topic", r.name}, {"ok", ok}, {"status", status}});
  }
  if (g.format == output_format::json) {
    print_json(docs);
  } else {
    std::fputs(t.render(use_colour_on_stdout()).c_str(), stdout);
  }
  return code;
}

}  // namespace

int run_topic_create(const global_options& g, const topic_create_options& o) {
  auto client = admin_client(g);
  if (!client) return report_error(g, client.message());
  std::vector<new_topic> topics;
  for (const std::string& name : o.names) {
    new_topic nt;
    nt.name = name;
    nt.partitions = o.partitions;
    nt.replication_factor = o.replicas;
    for (const std::string& c : o.configs) {
      auto kv = split_key_value(c, false);
      if (!kv) return report_error(g, kv.message());
      nt.configs.push_back(*kv);
    }
    topics.push_back(std::move(nt));
  }
  if (auto c = client->connect(client->make_deadline()); !c) return report_error(g, c.message());
  auto r = create_topics(*client, topics, client->make_deadline());
  if (!r) return report_error(g, r.message());
  return print_results(g, *r, "created", o.if_not_exists, false);
}

int run_topic_delete(const global_options& g, const topic_delete_options& o) {
  auto client = admin_client(g);
  if (!client) return report_error(g, client.message());
  if (auto c = client->connect(client->make_deadline()); !c) return report_error(g, c.message());
  auto r = delete_topics(*client, o.names, client->make_deadline());
  if (!r) return report_error(g, r.message());
  return print_results(g, *r, "deleted", false, o.if_exists);
}

int run_topic_list(const global_options& g, const topic_list_options& o) {
  auto client = admin_client(g);
  if (!client) return report_error(g, client.message());
  auto md = client->metadata(client->make_deadline());
  if (!md) return report_error(g, md.message());
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  table t({"NAME", "PARTITIONS", "REPLICAS"});
  for (const topic_info& ti : md->topics) {
    if (!o.internal && is_internal_topic(ti.name)) continue;
    size_t replicas = ti.partitions.empty() ? 0 : ti.partitions.front().replicas.size();
    t.add({ti.name, std::to_string(ti.partitions.size()), std::to_string(replicas)});
    docs.push_back({{"name", ti.name},
                    {"partitions", ti.partitions.size()},
                    {"replicas", replicas},
                    {"internal", is_internal_topic(ti.name)}});
  }
  if (g.format == output_format::json) {
    print_json(docs);
  } else {
    std::fputs(t.render(use_colour_on_stdout()).c_str(), stdout);
  }
  return 0;
}

int run_topic_describe(const global_options& g, const topic_describe_options& o) {
  auto settings = g.client();
  if (!settings) return report_error(g, settings.message());
  auto svc = make_admin_topic_service(*settings);
  if (!svc) return report_error(g, svc.message());
  auto descs = (*svc)->describe(o.names);
  if (!descs) return report_error(g, descs.message());
  for (const std::string& n : o.names) {
    bool found = std::any_of(descs->begin(), descs->end(),
                             [&](const topic_description& d) { return d.name == n; });
    if (!found) return report_error(g, fmt::format("topic '{}' does not exist", n));
  }
  bool colour = use_colour_on_stdout();
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  for (const topic_description& d : *descs) {
    nlohmann::ordered_json configs = nlohmann::ordered_json::object();
    table ct({"KEY", "VALUE", "SOURCE"});
    for (const config_entry& e : d.configs) {
      bool dynamic = e.source == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
      if (!o.all_configs && !dynamic) continue;
      ct.add({e.name, e.value.value_or("(sensitive)"), std::string(config_source_name(e.source))});
      configs[e.name] = e.value ? nlohmann::ordered_json(*e.value) : nlohmann::ordered_json();
    }
    table pt({"PARTITION", "LEADER", "REPLICAS", "ISR"});
    nlohmann::ordered_json parts = nlohmann::ordered_json::array();
    for (const partition_info& p : d.partitions) {
      pt.add({std::to_string(p.id), p.leader >= 0 ? std::to_string(p.leader) : "none",
              fmt::format("{}", fmt::join(p.replicas, ",")),
              fmt::format("{}", fmt::join(p.isr, ","))});
      parts.push_back(
          {{"partition", p.id}, {"leader", p.leader}, {"replicas", p.replicas}, {"isr", p.isr}});
    }
    if (g.format == output_format::json) {
      docs.push_back({{"name", d.name},
                      {"topic_id", d.topic_id},
                      {"internal", d.internal},
                      {"partitions", parts},
                      {"configs", configs}});
      continue;
    }
    std::printf("SUMMARY\n=======\nNAME        %s\n", d.name.c_str());
    if (!d.topic_id.empty()) std::printf("TOPIC ID    %s\n", d.topic_id.c_str());
    std::printf("PARTITIONS  %zu\nREPLICAS    %zu\n\n", d.partitions.size(),
                d.partitions.empty() ? size_t{0} : d.partitions.front().replicas.size());
    std::printf("CONFIGS\n=======\n%s\n",
                ct.empty() ? "(none set on the topic)\n" : ct.render(colour).c_str());
    std::printf("PARTITIONS\n==========\n%s", pt.render(colour).c_str());
  }
  if (g.format == output_format::json) print_json(docs);
  return 0;
}

int run_topic_alter_config(const global_options& g, const topic_alter_config_options& o) {
  std::vector<std::pair<std::string, std::string>> add;
  for (const std::string& s : o.set) {
    auto kv = split_key_value(s, false);
    if (!kv) return report_error(g, kv.message());
    add.push_back(*kv);
  }
  auto client = admin_client(g);
  if (!client) return report_error(g, client.message());
  deadline d = client->make_deadline();
  if (auto c = client->connect(d); !c) return report_error(g, c.message());
  if (auto r = alter_entity_configs(*client, "topics", o.name, add, o.remove, d); !r) {
    return report_error(g, r.message());
  }
  if (g.format == output_format::json) {
    print_json({{"topic", o.name}, {"set", o.set}, {"removed", o.remove}});
  } else {
    std::printf("Updated the configs of topic %s.\n", o.name.c_str());
  }
  return 0;
}

}  // namespace sluice::cli
