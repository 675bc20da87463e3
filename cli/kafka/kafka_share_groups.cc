// kafka-share-groups: Kafka 4.x's ShareGroupCommand for KIP-932 share groups — --list (with
// --state: the groups and their states), --describe of --group(s) or --all-groups (the share
// partitions' start offsets and lag by default; --members; --state; --verbose adds Kafka's extra
// columns), --delete, --reset-offsets of an inactive group (the scopes and targets of
// kafka-consumer-groups, planned by the same code; a share group's "current" offset is its start
// offset) and --delete-offsets of whole topics. Options, layouts and messages are Kafka's. The
// requests are the ones Kafka's Admin client sends (client/share_group_admin.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "cli/client/broker_pool.h"
#include "cli/client/share_group_admin.h"
#include "cli/group_report.h"
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
  groups_options reset;  // --reset-offsets' scope and target, and --delete-offsets' topics
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

// Kafka's ShareGroupCommand prints an unexpected failure so and exits 0.
int share_command_failed(std::string_view message) {
  print_error("Executing share group command failed due to " + std::string(message));
  return 0;
}

std::string error_text(int16_t code, const std::string& message) {
  return kafka_error_message(static_cast<rd_kafka_resp_err_t>(code), message);
}

// --reset-offsets: plan new start offsets for an inactive share group, and with --execute apply
// them (AlterShareGroupOffsets). Kafka's GroupOffsetsResetter plans them; so does plan_reset.
int run_reset_offsets(kafka_client& client, broker_pool& pool, const options& o,
                      const kafka_tool_parser& p) {
  const std::string& group = o.group.front();
  groups_context ctx{client, o.reset, p};
  auto d = ctx.next_deadline();
  auto described = describe_share_group(pool, group, d);
  if (!described) return share_command_failed(described.message());
  if (described->error == 0 && described->state != "Empty" && described->state != "Dead") {
    std::fprintf(stderr, "Share group '%s' is not empty.\n", group.c_str());
    return 1;
  }
  std::optional<std::vector<std::pair<std::string, std::vector<partition_offset>>>> file_plan;
  if (p.has("--from-file")) {
    std::ifstream in(o.reset.from_file);
    if (!in) return share_command_failed(o.reset.from_file + " (No such file or directory)");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = parse_reset_csv(text, group);
    if (!parsed) return share_command_failed(parsed.message());
    file_plan = std::move(*parsed);
  }
  // The start offsets kept now: --all-topics' scope and --to-current's target.
  std::vector<partition_offset> current;
  if (described->error == 0) {
    auto kept = describe_share_group_offsets(pool, group, ctx.next_deadline());
    if (!kept) return share_command_failed(kept.message());
    for (const auto& k : *kept) {
      if (!k.start_offset) continue;
      partition_offset po;
      po.topic = k.topic;
      po.partition = k.partition;
      po.offset = *k.start_offset;
      current.push_back(std::move(po));
    }
  }
  std::vector<std::pair<std::string, int32_t>> scope;
  if (o.reset.all_topics) {
    for (const auto& c : current) scope.emplace_back(c.topic, c.partition);
  } else if (p.has("--topic")) {
    auto named = topic_scope(ctx);
    if (!named) {
      if (named.code() == errc::usage) return p.usage_error(named.message());
      return share_command_failed(named.message());
    }
    scope = std::move(*named);
  }
  auto offsets = plan_reset(ctx, group, scope, current, file_plan ? &*file_plan : nullptr);
  if (!offsets) {
    if (offsets.code() == errc::usage) return p.usage_error(offsets.message());
    return share_command_failed(offsets.message());
  }
  std::sort(offsets->begin(), offsets->end());
  if (o.reset.execute && !offsets->empty()) {
    std::vector<std::tuple<std::string, int32_t, int64_t>> wanted;
    for (const auto& po : *offsets) wanted.emplace_back(po.topic, po.partition, po.offset);
    auto done = alter_share_group_offsets(pool, group, wanted, ctx.next_deadline());
    if (!done) return share_command_failed(done.message());
    if (done->error != 0) return share_command_failed(error_text(done->error, done->error_message));
    for (const auto& item : done->items)
      if (item.error != 0) return share_command_failed(error_text(item.error, item.error_message));
  }
  std::vector<std::pair<std::string, std::vector<partition_offset>>> plan;
  if (!offsets->empty()) plan.emplace_back(group, std::move(*offsets));
  if (o.reset.do_export) {
    std::printf("%s\n", format_reset_csv(plan, true).c_str());
  } else {
    std::fputs(format_reset_plan(plan).c_str(), stdout);
  }
  return 0;
}

// --delete-offsets: forget the share state of whole topics (DeleteShareGroupOffsets), printing
// Kafka's TOPIC/STATUS table.
int run_delete_offsets(broker_pool& pool, const options& o, deadline d) {
  const std::string& group = o.group.front();
  std::vector<std::string> topics = o.reset.topic;
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  auto done = delete_share_group_offsets(pool, group, topics, d);
  if (!done) return share_command_failed(done.message());
  std::map<std::string, std::string> status;  // by topic
  if (done->error != 0) {
    const std::string why = error_text(done->error, done->error_message);
    print_error(why);
    for (const auto& t : topics) status[t] = "Error: " + why;
  } else {
    for (const auto& t : topics) status[t] = "Successful";
    for (const auto& item : done->items)
      if (item.error != 0)
        status[item.topic] = "Error: " + error_text(item.error, item.error_message);
  }
  size_t width = 15;
  for (const auto& [t, _] : status) width = std::max(width, t.size());
  std::printf("\n%s %s", left("TOPIC", width).c_str(), "STATUS");
  for (const auto& [t, st] : status) std::printf("\n%s %s", left(t, width).c_str(), st.c_str());
  std::printf("\n");
  return 0;
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

// Kafka's checks of --reset-offsets' options; an exit code when one fails.
std::optional<int> check_reset_args(const kafka_tool_parser& p, const options& o) {
  if (o.reset.dry_run && o.reset.execute)
    return p.usage_error("Option [reset-offsets] only accepts one of [execute] and [dry-run]");
  if (!o.reset.dry_run && !o.reset.execute)
    return p.usage_error("Option [reset-offsets] takes the option: [execute] or [dry-run]");
  if (o.group.empty()) return p.usage_error("Option [reset-offsets] takes the option: [group]");
  if (!p.has("--topic") && !o.reset.all_topics && !p.has("--from-file"))
    return p.usage_error(
        "Option [reset-offsets] takes one of these options: [all-topics], [from-file], [topic]");
  if (auto e = p.exclusive("--topic", {"--all-topics", "--from-file"})) return e;
  if (auto e = p.exclusive("--all-topics", {"--topic", "--from-file"})) return e;
  if (!o.reset.to_earliest && !o.reset.to_latest && !o.reset.to_current && !p.has("--to-offset") &&
      !p.has("--to-datetime") && !p.has("--from-file"))
    return p.usage_error(
        "Option [reset-offsets] takes one of these options: [from-file], [to-current], "
        "[to-datetime], [to-earliest], [to-latest], [to-offset]");
  // At most one target (Kafka checks each against the others).
  const std::vector<std::string_view> scenarios = {"--to-offset", "--to-datetime", "--to-earliest",
                                                   "--to-latest", "--to-current",  "--from-file"};
  for (auto used : scenarios)
    for (auto other : scenarios)
      if (used != other && p.has(used) && p.has(other))
        return p.usage_error(fmt::format("Option \"[{}]\" can't be used with option \"[{}]\"",
                                         used.substr(2), other.substr(2)));
  return std::nullopt;
}

int run(broker_pool& pool, const options& o, deadline d) {
  if (o.list) {
    std::vector<std::string> states;
    if (!o.state.empty() && o.state != "*")
      for (const auto& s : split(o.state, ',')) states.push_back(trim(s));
    auto groups = list_share_groups(pool, states, d);
    if (!groups) return share_command_failed(groups.message());
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
    if (!groups) return share_command_failed(groups.message());
    ids.clear();
    for (const auto& g : *groups) ids.push_back(g.group_id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

  if (o.del) {
    std::vector<std::string> deleted;
    std::vector<std::pair<std::string, std::string>> failed;
    auto listed = list_share_groups(pool, {}, d);
    if (!listed) return share_command_failed(listed.message());
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
      if (!code) return share_command_failed(code.message());
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
    if (!g) return share_command_failed(g.message());
    if (g->error != 0) {
      if (g->error == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
        print_error("Share group '" + id + "' does not exist.");
        continue;
      }
      return share_command_failed(
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
      if (!offsets) return share_command_failed(offsets.message());
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
  p.flag(o.reset.all_topics, "--all-topics",
         "Apply to all topics. Supported operation: reset-offsets.");
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED: The server(s) to connect to.");
  p.text(o.command_config, "--command-config", "String: command config property file",
         "Property file containing configs to be passed to Admin Client.");
  p.flag(o.del, "--delete", "Delete share group.");
  p.flag(o.delete_offsets, "--delete-offsets",
         "Delete offsets of share group. Supports one share group at a time, and multiple "
         "topics.");
  p.flag(o.describe, "--describe", "Describe share group, members and offset information.");
  p.flag(o.reset.dry_run, "--dry-run",
         "Output offset reset information without executing the operation. Supported "
         "operation: reset-offsets.");
  p.flag(o.reset.execute, "--execute",
         "Execute the offset reset operation. Supported operation: reset-offsets.");
  p.flag(o.reset.do_export, "--export",
         "Generate offset reset information in CSV format for export to a file. Supported "
         "operation: reset-offsets.");
  p.text(o.reset.from_file, "--from-file", "String: path to CSV file",
         "Reset offsets to values defined in CSV file.");
  p.list(o.group, "--group", "String: group id", "The share group id.");
  p.flag(o.list, "--list", "List all share groups.");
  p.flag(o.members, "--members",
         "Describe members of the group. This option may be used with the --describe option "
         "only.");
  p.flag(o.offsets, "--offsets",
         "Describe the group and list all topic partitions in the group along with their offset "
         "information. This is the default sub-action and may be used with the --describe "
         "option only.");
  p.flag(o.reset_offsets, "--reset-offsets",
         "Reset offsets of share group. Supports one share group at a time, and instances must "
         "be inactive.");
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
  p.text(o.reset.to_datetime, "--to-datetime", "String: datetime",
         "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDThh:mm:ss.sss'");
  p.flag(o.reset.to_current, "--to-current", "Reset offsets to current offset.");
  p.flag(o.reset.to_earliest, "--to-earliest", "Reset offsets to earliest offset.");
  p.flag(o.reset.to_latest, "--to-latest", "Reset offsets to latest offset.");
  p.integer(o.reset.to_offset, "--to-offset", "Long: offset", "Reset offsets to a specific offset.",
            0);
  p.list(o.reset.topic, "--topic", "String: topic",
         "The topic whose offset information should be deleted or reset. In `reset-offsets` "
         "case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are "
         "the partition to be included in the process.");
  p.flag(o.verbose, "--verbose",
         "Provide additional information, if any, when describing the group. This option may "
         "be used with the --describe option only.");
  if (auto code = p.parse(args)) return *code;
  o.reset.group = o.group;
  o.reset.timeout = o.timeout;
  if (auto e = p.require({"--bootstrap-server"})) return *e;
  const int actions = o.list + o.describe + o.del + o.reset_offsets + o.delete_offsets;
  if (actions != 1)
    return p.usage_error(
        "Command must include exactly one action: --list, --describe, --delete, "
        "--reset-offsets, --delete-offsets");
  if (o.delete_offsets && (o.group.empty() || o.reset.topic.empty()))
    return p.usage_error("Option [delete-offsets] takes the following options: [group], [topic]");
  if (o.reset_offsets) {
    if (auto e = check_reset_args(p, o)) return *e;
  }
  if ((o.describe || o.del) && o.group.empty() && !o.all_groups)
    return p.usage_error("Option [" + std::string(o.describe ? "describe" : "delete") +
                         "] takes one of these options: [all-groups], [group]");
  if (auto e = p.exclusive("--group", {"--all-groups"})) return *e;
  o.list_with_state = o.list && p.has("--state");
  o.describe_state = o.describe && p.has("--state");
  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) return share_command_failed(settings.message());
  settings->timeout = std::chrono::milliseconds(std::max<int64_t>(o.timeout, 1));
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return share_command_failed(client.message());
  const deadline d = client->make_deadline();
  auto md = client->metadata(d);
  if (!md) return share_command_failed(md.message());
  broker_pool pool(md->brokers, client->properties());
  if (o.reset_offsets) return run_reset_offsets(*client, pool, o, p);
  if (o.delete_offsets) return run_delete_offsets(pool, o, client->make_deadline());
  return run(pool, o, client->make_deadline());
}

}  // namespace sluice::cli
