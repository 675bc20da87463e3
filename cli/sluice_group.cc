// `sluice group list|describe|reset|delete`.
#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "cli/admin.h"
#include "cli/offsets.h"
#include "cli/sluice_commands.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

result<kafka_client> connected_admin(const global_options& g) {
  auto settings = g.client();
  if (!settings) return std::move(settings).error();
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return client;
  if (auto c = client->connect(client->make_deadline()); !c) return std::move(c).error();
  return client;
}

}  // namespace

int run_group_list(const global_options& g) {
  auto client = connected_admin(g);
  if (!client) return report_error(g, client.message());
  auto groups = list_groups(*client, client->make_deadline());
  if (!groups) return report_error(g, groups.message());
  if (g.format == output_format::json) {
    nlohmann::ordered_json docs = nlohmann::ordered_json::array();
    for (const group_listing& l : *groups)
      docs.push_back({{"group", l.group_id}, {"state", l.state}});
    print_json(docs);
    return 0;
  }
  table t({"GROUP", "STATE"});
  for (const group_listing& l : *groups) t.add({l.group_id, l.state});
  std::fputs(t.render(use_colour_on_stdout()).c_str(), stdout);
  return 0;
}

int run_group_describe(const global_options& g, const std::vector<std::string>& groups) {
  auto client = connected_admin(g);
  if (!client) return report_error(g, client.message());
  deadline d = client->make_deadline();
  auto descs = describe_groups(*client, groups, d);
  if (!descs) return report_error(g, descs.message());
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  bool colour = use_colour_on_stdout();
  for (const group_description& gd : *descs) {
    if (gd.error != RD_KAFKA_RESP_ERR_NO_ERROR) return report_error(g, gd.message);
    std::vector<partition_offset> committed;
    if (auto c = list_group_offsets(*client, gd.group_id, d)) committed = std::move(*c);
    // Who holds each partition.
    std::map<std::pair<std::string, int32_t>, const group_member*> owner;
    for (const group_member& m : gd.members) {
      for (const auto& tp : m.assignment) owner[tp] = &m;
    }
    std::set<std::pair<std::string, int32_t>> partitions;
    for (const auto& [tp, m] : owner) partitions.insert(tp);
    for (const partition_offset& c : committed) partitions.emplace(c.topic, c.partition);
    table t({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER", "CLIENT-ID",
             "HOST"});
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    int64_t total_lag = 0;
    for (const auto& [topic, partition] : partitions) {
      int64_t current = -1;
      for (const partition_offset& c : committed) {
        if (c.topic == topic && c.partition == partition) current = c.offset;
      }
      auto w = query_watermarks(*client, topic, partition, d);
      int64_t end = w ? w->high : -1;
      int64_t lag = current >= 0 && end >= 0 ? end - current : -1;
      if (lag > 0) total_lag += lag;
      const group_member* m =
          owner.contains({topic, partition}) ? owner[{topic, partition}] : nullptr;
      auto text = [](int64_t v) { return v >= 0 ? std::to_string(v) : std::string("-"); };
      t.add({topic, std::to_string(partition), text(current), text(end), text(lag),
             m ? m->consumer_id : "-", m ? m->client_id : "-", m ? m->host : "-"});
      rows.push_back({{"topic", topic},
                      {"partition", partition},
                      {"current_offset", current},
                      {"log_end_offset", end},
                      {"lag", lag},
                      {"member", m ? m->consumer_id : ""}});
    }
    if (g.format == output_format::json) {
      docs.push_back({{"group", gd.group_id},
                      {"state", gd.state},
                      {"coordinator", gd.coordinator_id},
                      {"members", gd.members.size()},
                      {"total_lag", total_lag},
                      {"partitions", rows}});
      continue;
    }
    std::printf(
        "GROUP        %s\nCOORDINATOR  %d\nSTATE        %s\nMEMBERS      %zu\nTOTAL-LAG    "
        "%lld\n\n",
        gd.group_id.c_str(), gd.coordinator_id, gd.state.c_str(), gd.members.size(),
        static_cast<long long>(total_lag));
    std::fputs(t.render(colour).c_str(), stdout);
  }
  if (g.format == output_format::json) print_json(docs);
  return 0;
}

int run_group_reset(const global_options& g, const group_reset_options& o) {
  // The Kafka tool has every scenario; map the modern flags onto it.
  std::vector<std::string> args = {"--reset-offsets", "--group", o.group};
  if (!g.brokers.empty()) args.insert(args.end(), {"--bootstrap-server", g.brokers});
  if (!g.config_file.empty()) args.insert(args.end(), {"--command-config", g.config_file});
  if (o.topics.empty()) {
    args.push_back("--all-topics");
  } else {
    for (const std::string& t : o.topics) args.insert(args.end(), {"--topic", t});
  }
  if (o.to == "earliest" || o.to == "start") {
    args.push_back("--to-earliest");
  } else if (o.to == "latest" || o.to == "end") {
    args.push_back("--to-latest");
  } else if (o.to.starts_with("@")) {
    auto ts = parse_int<int64_t>(o.to.substr(1));
    if (!ts) return report_error(g, fmt::format("bad --to '{}': @ takes milliseconds", o.to));
    std::time_t secs = static_cast<std::time_t>(*ts / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    args.insert(args.end(),
                {"--to-datetime", fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                              tm.tm_hour, tm.tm_min, tm.tm_sec, *ts % 1000)});
  } else if (o.to.starts_with("+") || o.to.starts_with("-")) {
    args.insert(args.end(), {"--shift-by", o.to});
  } else if (parse_int<int64_t>(o.to)) {
    args.insert(args.end(), {"--to-offset", o.to});
  } else {
    return report_error(g, fmt::format("bad --to '{}': use earliest, latest, an offset, +N/-N or "
                                       "@ms",
                                       o.to));
  }
  args.push_back(o.execute ? "--execute" : "--dry-run");
  return kafka_consumer_groups_main(args);
}

int run_group_delete(const global_options& g, const std::vector<std::string>& groups) {
  auto client = connected_admin(g);
  if (!client) return report_error(g, client.message());
  auto r = delete_groups(*client, groups, client->make_deadline());
  if (!r) return report_error(g, r.message());
  int code = 0;
  table t({"GROUP", "STATUS"});
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  for (const item_error& e : *r) {
    bool ok = e.error == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!ok) code = 1;
    std::string status = ok ? "deleted" : kafka_error_message(e.error, e.message);
    t.add({e.name, status});
    docs.push_back({{"group", e.name}, {"ok", ok}, {"status", status}});
  }
  if (g.format == output_format::json) {
    print_json(docs);
  } else {
    std::fputs(t.render(use_colour_on_stdout()).c_str(), stdout);
  }
  return code;
}

}  // namespace sluice::cli
