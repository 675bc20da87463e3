// kafka-share-groups: Kafka 4.x's ShareGroupCommand for KIP-932 share groups — --list (with
// --state: the groups and their states), --describe of --group(s) or --all-groups (the share
// partitions' start offsets and lag by default; --members; --state; --verbose adds Kafka's extra
// columns), and --delete. Options, layouts and messages are Kafka's. The requests are the ones
// Kafka's Admin client sends (client/share_group_admin.h). --reset-offsets and --delete-offsets
// (AlterShareGroupOffsets/DeleteShareGroupOffsets) are not served yet and are refused by name.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "cli/client/broker_pool.h"
#include "cli/client/share_group_admin.h"
#include "cli/groups_command.h"
#include "cli/kafka_args.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

constexpr const char* missing = "-";  // Kafka's MISSING_COLUMN_VALUE

struct options {
  std::string bootstrap_server, command_config, state;
  std::vector<std::string> group;
  int64_t timeout = 5000;
  bool list = false, describe = false, del = false, all_groups = false, members = false,
       offsets = false, verbose = false, reset_offsets = false, delete_offsets = false;
  bool list_with_state = false, describe_state = false;  // --state given with the action
};

// Java's %-Ns: left-aligned in `width` (a longer value is not cut).
std::string left(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

void print_error(const std::string& message) {
  std::printf("\nError: %s\n", message.c_str());
}

// The assignment as Kafka prints it: "topic:0,1;other:2", topics sorted.
std::string assignment_text(const std::vector<std::pair<std::string, int32_t>>& assignment) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& [t, p] : assignment) by_topic[t].push_back(p);
  std::string out;
  for (auto& [t, ps] : by_topic) {
    std::sort(ps.begin(), ps.end());
    if (!out.empty()) out += ";";
    out += t + ":";
    for (size_t i = 0; i < ps.size(); ++i) out += (i ? "," : "") + std::to_string(ps[i]);
  }
  return out;
}

// Kafka's maybePrintEmptyGroupState: whether the rows should be printed.
bool print_rows(const share_group_description& g, size_t rows) {
  if (g.state == "Dead") {
    print_error("Share group '" + g.group_id + "' does not exist.");
    return false;
  }
  if (g.state == "Empty")
    std::fprintf(stderr, "\nShare group '%s' has no active members.\n", g.group_id.c_str());
  return rows > 0;
}

int run(broker_pool& pool, const options& o, deadline d) {
  if (o.list) {
    std::vector<std::string> states;
    if (!o.state.empty() && o.state != "*")
      for (const auto& s : split(o.state, ',')) states.push_back(trim(s));
    auto groups = list_share_groups(pool, states, d);
    if (!groups) return command_failed(groups.message());
    if (!o.list_with_state) {
      for (const auto& g : *groups) std::printf("%s\n", g.group_id.c_str());
      return 0;
    }
    size_t width = 15;
    for (const auto& g : *groups) width = std::max(width, g.group_id.size());
    std::printf("%s %s\n", left("GROUP", width).c_str(), "STATE");
    for (const auto& g : *groups)
      std::printf("%s %s\n", left(g.group_id, width).c_str(), g.state.c_str());
    return 0;
  }
  std::vector<std::string> ids = o.group;
  if (o.all_groups) {
    auto groups = list_share_groups(pool, {}, d);
    if (!groups) return command_failed(groups.message());
    ids.clear();
    for (const auto& g : *groups) ids.push_back(g.group_id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

  if (o.del) {
    std::vector<std::string> deleted;
    std::vector<std::pair<std::string, std::string>> failed;
    auto listed = list_share_groups(pool, {}, d);
    if (!listed) return command_failed(listed.message());
    for (const auto& id : ids) {
      auto it = std::find_if(listed->begin(), listed->end(),
                             [&](const auto& g) { return g.group_id == id; });
      if (it == listed->end()) {
        failed.emplace_back(id, "org.apache.kafka.common.errors.GroupIdNotFoundException: Group '" +
                                    id + "' is not a share group.");
        continue;
      }
      if (it->state != "Empty") {
        failed.emplace_back(id,
                            "org.apache.kafka.common.errors.GroupNotEmptyException: Share "
                            "group '" +
                                id + "' is not EMPTY.");
        continue;
      }
      auto code = delete_share_group(pool, id, d);
      if (!code) return command_failed(code.message());
      if (*code != 0) {
        failed.emplace_back(id, kafka_error_message(static_cast<rd_kafka_resp_err_t>(*code), ""));
        continue;
      }
      deleted.push_back(id);
    }
    auto quoted = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& s : v) out += (out.empty() ? "'" : ", '") + s + "'";
      return out;
    };
    if (failed.empty()) {
      std::printf("Deletion of requested share groups (%s) was successful.\n",
                  quoted(deleted).c_str());
      return 0;
    }
    print_error("Deletion of some share groups failed:");
    for (const auto& [id, why] : failed)
      std::printf("* Group '%s' could not be deleted due to: %s\n", id.c_str(), why.c_str());
    if (!deleted.empty())
      std::printf("\nThese share groups were deleted successfully: %s\n", quoted(deleted).c_str());
    return 1;
  }

  // --describe
  for (const auto& id : ids) {
    auto g = describe_share_group(pool, id, d);
    if (!g) return command_failed(g.message());
    if (g->error != 0) {
      if (g->error == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
        print_error("Share group '" + id + "' does not exist.");
        continue;
      }
      return command_failed(
          kafka_error_message(static_cast<rd_kafka_resp_err_t>(g->error), g->error_message));
    }
    const size_t group_width = std::max<size_t>(15, id.size());
    if (o.members) {
      if (!print_rows(*g, g->members.size())) continue;
      size_t id_w = 15, host_w = 15, client_w = 15;
      for (const auto& m : g->members) {
        id_w = std::max(id_w, m.member_id.size());
        host_w = std::max(host_w, m.host.size());
        client_w = std::max(client_w, m.client_id.size());
      }
      auto row = [&](const std::string& gid, const std::string& mid, const std::string& host,
                     const std::string& client, const std::string& count, const std::string& epoch,
                     const std::string& assignment) {
        std::printf("\n%s %s %s %s %s %s%s", left(gid, group_width).c_str(),
                    left(mid, id_w).c_str(), left(host, host_w).c_str(),
                    left(client, client_w).c_str(), left(count, 12).c_str(),
                    o.verbose ? (left(epoch, 13) + " ").c_str() : "", assignment.c_str());
      };
      row("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "MEMBER-EPOCH", "ASSIGNMENT");
      for (const auto& m : g->members)
        row(id, m.member_id, m.host, m.client_id, std::to_string(m.assignment.size()),
            std::to_string(m.member_epoch), assignment_text(m.assignment));
      std::printf("\n");
    } else if (o.describe_state) {
      print_rows(*g, 1);
      if (g->state == "Dead") continue;
      const std::string coordinator =
          fmt::format("{}:{}  ({})", g->coordinator.host, g->coordinator.port, g->coordinator.id);
      const size_t coord_w = std::max<size_t>(25, coordinator.size());
      if (o.verbose) {
        auto row = [&](const std::string& a, const std::string& b, const std::string& c,
                       const std::string& e1, const std::string& e2, const std::string& n) {
          std::printf("\n%s %s %s %s %s %s", left(a, group_width).c_str(), left(b, coord_w).c_str(),
                      left(c, 15).c_str(), left(e1, 12).c_str(), left(e2, 17).c_str(), n.c_str());
        };
        row("GROUP", "COORDINATOR (ID)", "STATE", "GROUP-EPOCH", "ASSIGNMENT-EPOCH", "#MEMBERS");
        row(id, coordinator, g->state, std::to_string(g->group_epoch),
            std::to_string(g->assignment_epoch), std::to_string(g->members.size()));
      } else {
        auto row = [&](const std::string& a, const std::string& b, const std::string& c,
                       const std::string& n) {
          std::printf("\n%s %s %s %s", left(a, group_width).c_str(), left(b, coord_w).c_str(),
                      left(c, 15).c_str(), n.c_str());
        };
        row("GROUP", "COORDINATOR (ID)", "STATE", "#MEMBERS");
        row(id, coordinator, g->state, std::to_string(g->members.size()));
      }
      std::printf("\n");
    } else {
      auto offsets = describe_share_group_offsets(pool, id, d);
      if (!offsets) return command_failed(offsets.message());
      if (offsets->empty()) {
        std::printf("\nShare group '%s' has no offset information.\n", id.c_str());
        continue;
      }
      size_t topic_w = 15;
      for (const auto& p : *offsets) topic_w = std::max(topic_w, p.topic.size());
      auto opt = [](const auto& v) { return v ? std::to_string(*v) : std::string(missing); };
      auto row = [&](const std::string& topic, const std::string& partition,
                     const std::string& epoch, const std::string& start, const std::string& lag,
                     const std::string& gid) {
        std::printf("\n%s %s %s %s%s %s", left(gid, group_width).c_str(),
                    left(topic, topic_w).c_str(), left(partition, 10).c_str(),
                    o.verbose ? (left(epoch, 13) + " ").c_str() : "", left(start, 13).c_str(),
                    lag.c_str());
      };
      row("TOPIC", "PARTITION", "LEADER-EPOCH", "START-OFFSET", "LAG", "GROUP");
      for (const auto& p : *offsets)
        row(p.topic, std::to_string(p.partition), opt(p.leader_epoch), opt(p.start_offset),
            opt(p.lag), id);
      std::printf("\n");
    }
  }
  return 0;
}

}  // namespace

int kafka_share_groups_main(const args_t& args) {
  kafka_tool_parser p("This tool helps to list, describe, reset and delete share groups.");
  options o;
  p.flag(o.all_groups, "--all-groups", "Apply to all share groups.");
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED: The server(s) to connect to.");
  p.text(o.command_config, "--command-config", "String: command config property file",
         "Property file containing configs to be passed to Admin Client.");
  p.flag(o.del, "--delete", "Delete share group.");
  p.flag(o.delete_offsets, "--delete-offsets",
         "Delete offsets of share group. Supports one share group at a time, and multiple "
         "topics.");
  p.flag(o.describe, "--describe", "Describe share group, members and offset information.");
  p.list(o.group, "--group", "String: group id", "The share group id.");
  p.flag(o.list, "--list", "List all share groups.");
  p.flag(o.members, "--members",
         "Describe members of the group. This option may be used with the --describe option "
         "only.");
  p.flag(o.offsets, "--offsets",
         "Describe the group and list all topic partitions in the group along with their offset "
         "information. This is the default sub-action and may be used with the --describe "
         "option only.");
  p.flag(o.reset_offsets, "--reset-offsets", "Reset offsets of share group.");
  p.optional_text(o.state, "--state", "String",
                  "When specified with --describe, it displays the state of the group. When "
                  "specified with --list, it displays the state of all groups. It can also be "
                  "used to list groups with specific states. Valid values are Empty, Stable and "
                  "Dead.",
                  "*");
  p.integer(o.timeout, "--timeout", "Long: timeout (ms)",
            "The timeout that can be set for some use cases. For example, it can be used when "
            "describing the group to specify the maximum amount of time in milliseconds to wait "
            "before the group stabilizes.",
            5000);
  p.flag(o.verbose, "--verbose",
         "Provide additional information, if any, when describing the group. This option may "
         "be used with the --describe option only.");
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--bootstrap-server"})) return *e;
  const int actions = o.list + o.describe + o.del + o.reset_offsets + o.delete_offsets;
  if (actions != 1)
    return p.usage_error(
        "Command must include exactly one action: --list, --describe, --delete, "
        "--reset-offsets, --delete-offsets");
  if (o.reset_offsets || o.delete_offsets)
    return command_failed(
        "--reset-offsets and --delete-offsets are not supported by Sluice yet "
        "(AlterShareGroupOffsets/DeleteShareGroupOffsets are not served).");
  if ((o.describe || o.del) && o.group.empty() && !o.all_groups)
    return p.usage_error("Option [" + std::string(o.describe ? "describe" : "delete") +
                         "] takes one of these options: [all-groups], [group]");
  if (auto e = p.exclusive("--group", {"--all-groups"})) return *e;
  o.list_with_state = o.list && p.has("--state");
  o.describe_state = o.describe && p.has("--state");
  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) return command_failed(settings.message());
  settings->timeout = std::chrono::milliseconds(std::max<int64_t>(o.timeout, 1));
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return command_failed(client.message());
  const deadline d = client->make_deadline();
  auto md = client->metadata(d);
  if (!md) return command_failed(md.message());
  broker_pool pool(md->brokers, client->properties());
  return run(pool, o, client->make_deadline());
}

}  // namespace sluice::cli
