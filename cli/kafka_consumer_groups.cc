// kafka-consumer-groups: list, describe, delete consumer groups and reset or delete their offsets,
// with Kafka's flags, tables and messages.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>

#include "cli/admin.h"
#include "cli/client/consumer_group_describe.h"
#include "cli/group_report.h"
#include "cli/groups_command.h"
#include "cli/offsets.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

void define(kafka_tool_parser& p, groups_options& o) {
  p.flag(o.all_groups, "--all-groups", "Apply to all consumer groups.");
  p.flag(o.all_topics, "--all-topics",
         "With --reset-offsets: every topic the group has offsets for.");
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED: the server(s) to connect to.");
  p.text(o.by_duration, "--by-duration", "String: duration",
         "Reset offsets to the time this long ago. Format: 'PnDTnHnMnS'.");
  p.text(o.command_config, "--command-config", "String: command config property file",
         "A properties file with client settings.");
  p.flag(o.del, "--delete", "Delete the groups given with --group (or --all-groups).");
  p.flag(o.delete_offsets, "--delete-offsets",
         "Delete a group's offsets of the topics given with --topic.");
  p.flag(o.describe, "--describe",
         "Describe groups and list offset lag (messages not yet processed).");
  p.flag(o.dry_run, "--dry-run", "Only show what --reset-offsets would do (the default).");
  p.flag(o.execute, "--execute", "Carry out --reset-offsets.");
  p.flag(o.do_export, "--export", "Print the --reset-offsets plan as CSV.");
  p.text(o.from_file, "--from-file", "String: path to CSV file",
         "Reset offsets to the values in a CSV file.");
  p.list(o.group, "--group", "String: consumer group",
         "The consumer group to act on (repeatable).");
  p.text(o.isolation_level, "--isolation-level", "String",
         "Sluice's addition: read_committed measures LOG-END-OFFSET and LAG against the last "
         "stable offset, which is as far as read_committed consumers can read (default: "
         "read_uncommitted, the log end offset, as Kafka's tool).");
  p.flag(o.list, "--list", "List all consumer groups.");
  p.flag(o.members, "--members", "With --describe: describe the members of the group.");
  p.flag(o.offsets, "--offsets",
         "With --describe: list the group's partitions with their offset lag (the default).");
  p.flag(o.reset, "--reset-offsets",
         "Reset offsets of inactive consumer groups: choose a scope (--all-topics or --topic), a "
         "target (--to-earliest, --to-latest, --to-offset, --shift-by, --to-datetime, "
         "--by-duration, --to-current, --from-file) and --dry-run or --execute.");
  p.integer(o.shift_by, "--shift-by", "Long: number-of-offsets",
            "Reset offsets by shifting the current offset by n (positive or negative).");
  p.optional_text(o.state, "--state", "String",
                  "With --describe: the group's state. With --list: the states of all groups, "
                  "optionally only those in the given states (e.g. stable,empty).",
                  "*");
  p.optional_text(o.type, "--type", "String",
                  "With --list: the type of every group (classic, consumer), optionally only "
                  "groups of the given types (e.g. classic,consumer).",
                  "*");
  p.integer(o.timeout, "--timeout", "Long: timeout (ms)",
            "How long to wait for the group and the brokers.", int64_t{5000});
  p.flag(o.to_current, "--to-current", "Reset offsets to the current offset.");
  p.text(o.to_datetime, "--to-datetime", "String: datetime",
         "Reset offsets to the first offset at or after a time. Format: "
         "'YYYY-MM-DDTHH:mm:SS.sss'.");
  p.flag(o.to_earliest, "--to-earliest", "Reset offsets to the earliest offset.");
  p.flag(o.to_latest, "--to-latest", "Reset offsets to the latest offset.");
  p.integer(o.to_offset, "--to-offset", "Long: offset", "Reset offsets to this offset.");
  p.list(o.topic, "--topic", "String: topic",
         "The topic (or topic:0,1,2 for some partitions) to reset or delete offsets of.");
  p.flag(o.verbose, "--verbose", "With --describe --members: also list the assignments.");
}

std::optional<int> check(const kafka_tool_parser& p, const groups_options& o) {
  if (auto e = p.require({"--bootstrap-server"})) {
    if (std::getenv("SLUICE_BROKERS") == nullptr) return e;
  }
  bool scope = p.has("--group") || o.all_groups;
  if (o.describe) {
    if (!scope)
      return p.usage_error("Option [describe] takes one of these options: [group], [all-groups]");
    if (o.members + o.offsets + p.has("--state") > 1) {
      return p.usage_error(
          "Option [describe] takes at most one of these options: [members], [offsets], [state]");
    }
    if (p.has("--state") && o.state != "*") {
      return p.usage_error("Option [describe] does not take a value for [state]");
    }
  }
  if ((o.members || o.verbose || o.offsets) && !o.describe) {
    return p.usage_error(o.members   ? "Option [members] is only available with [describe]"
                         : o.verbose ? "Option [verbose] is only available with [describe]"
                                     : "Option [offsets] is only available with [describe]");
  }
  if (p.has("--type") && !o.list) {
    return p.usage_error("Option [type] is only available with [list]");
  }
  if (p.has("--state") && !o.describe && !o.list) {
    return p.usage_error("Option [state] is only available with [describe], [list]");
  }
  if (o.del) {
    if (!scope)
      return p.usage_error("Option [delete] takes one of these options: [group], [all-groups]");
    if (p.has("--topic")) {
      return p.usage_error(
          "The consumer does not support topic-specific offset deletion from a consumer group.");
    }
  }
  if (o.delete_offsets && (!p.has("--group") || !p.has("--topic"))) {
    return p.usage_error("Option [delete-offsets] takes the following options: [group], [topic]");
  }
  if (o.reset) {
    if (o.dry_run && o.execute) {
      return p.usage_error("Option [reset-offsets] only accepts one of [execute] and [dry-run]");
    }
    if (!o.dry_run && !o.execute) {
      std::fprintf(stderr,
                   "WARN: No action will be performed as the --execute option is missing.In a "
                   "future major release, the default behavior of this command will be to prompt "
                   "the user before executing the reset rather than doing a dry run. You should "
                   "add the --dry-run option explicitly if you are scripting this command and want "
                   "to keep the current default behavior without prompting.\n");
    }
    if (!scope) {
      return p.usage_error(
          "Option [reset-offsets] takes one of these options: [group], [all-groups]");
    }
    const std::string_view scenarios[] = {"--to-offset",   "--shift-by",    "--to-datetime",
                                          "--by-duration", "--to-earliest", "--to-latest",
                                          "--to-current",  "--from-file"};
    for (std::string_view a : scenarios) {
      for (std::string_view b : scenarios) {
        if (a != b) {
          if (auto e = p.exclusive(a, {b})) return e;
        }
      }
    }
  }
  if (auto e = p.exclusive("--group", {"--all-groups"})) return e;
  if (auto e = p.exclusive("--group", {"--list"})) return e;
  if (auto e = p.exclusive("--topic", {"--list", "--describe"})) return e;
  return std::nullopt;
}

class groups_tool {
 public:
  groups_tool(kafka_client client, const groups_options& o, const kafka_tool_parser& p)
      : client_(std::move(client)), o_(o), p_(p) {}

  int run() {
    if (o_.list) return list();
    if (o_.describe) return describe();
    if (o_.del) return remove();
    groups_context ctx{client_, o_, p_};
    if (o_.reset) return run_reset_offsets(ctx);
    return run_delete_offsets(ctx);
  }

 private:
  deadline next_deadline() const { return deadline::after(std::chrono::milliseconds(o_.timeout)); }

  result<std::vector<std::string>> group_ids() {
    groups_context ctx{client_, o_, p_};
    return selected_groups(ctx);
  }

  int list() {
    auto groups = list_groups(client_, next_deadline());
    if (!groups) return command_failed(groups.message());
    const bool with_state = p_.has("--state"), with_type = p_.has("--type");
    if (!with_state && !with_type) {
      for (const group_listing& g : *groups) std::printf("%s\n", g.group_id.c_str());
      return 0;
    }
    auto states =
        parse_choices(with_state ? o_.state : "*", "state",
                      {"PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty"});
    if (!states) return p_.usage_error(states.message());
    auto types = parse_choices(with_type ? o_.type : "*", "types", {"Consumer", "Classic"});
    if (!types) return p_.usage_error(types.message());
    if (with_type) {
      auto known = list_group_types(client_, next_deadline());
      if (!known) return command_failed(known.message());
      for (group_listing& g : *groups) {
        auto it = known->find(g.group_id);
        // ListGroups names types in lower case; Kafka's tool prints them capitalised.
        if (it != known->end() && !it->second.empty())
          g.type = static_cast<char>(std::toupper(static_cast<unsigned char>(it->second[0]))) +
                   it->second.substr(1);
      }
    }
    std::vector<group_listing> shown;
    for (const group_listing& g : *groups) {
      if ((states->empty() || states->contains(g.state)) &&
          (types->empty() || types->contains(g.type)))
        shown.push_back(g);
    }
    std::fputs(format_group_list(shown, with_type, with_state).c_str(), stdout);
    return 0;
  }

  // A comma-separated --state or --type value as the canonical names it matches in any case
  // (empty: no filter); Kafka's message when one is not valid.
  static result<std::set<std::string>> parse_choices(const std::string& value,
                                                     std::string_view what,
                                                     std::vector<std::string_view> valid) {
    std::set<std::string> wanted;
    if (value == "*" || value.empty()) return wanted;
    for (const std::string& s : split(value, ',')) {
      std::string t = trim(s);
      bool ok = false;
      for (std::string_view v : valid) {
        if (std::equal(t.begin(), t.end(), v.begin(), v.end(),
                       [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
          wanted.insert(std::string(v));
          ok = true;
        }
      }
      if (!ok) {
        std::string names;
        for (std::string_view v : valid) names += (names.empty() ? "" : ", ") + std::string(v);
        return fail(errc::usage, fmt::format("Invalid {} list '{}'. Valid {} are: {}", what, value,
                                             what == "state" ? "states" : what, names));
      }
    }
    return wanted;
  }

  // Prints the "does not exist" / "no active members" notes; true when the group has rows.
  bool note_state(const group_description& g, size_t rows) {
    if (g.state == "Dead" || g.error == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
      std::printf("\nError: Consumer group '%s' does not exist.\n", g.group_id.c_str());
      return false;
    }
    if (g.state == "Empty") {
      std::fprintf(stderr, "\nConsumer group '%s' has no active members.\n", g.group_id.c_str());
    } else if (g.state == "PreparingRebalance" || g.state == "CompletingRebalance") {
      std::fprintf(stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", g.group_id.c_str());
    }
    return rows > 0;
  }

  int describe() {
    auto ids = group_ids();
    if (!ids) return command_failed(ids.message());
    std::sort(ids->begin(), ids->end());
    auto groups = describe_groups(client_, *ids, next_deadline());
    if (!groups) return command_failed(groups.message());
    std::sort(groups->begin(), groups->end(),
              [](const group_description& a, const group_description& b) {
                return a.group_id < b.group_id;
              });
    for (const group_description& g : *groups) {
      if (g.error != RD_KAFKA_RESP_ERR_NO_ERROR &&
          g.error != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
        return command_failed(g.message);
      }
      if (o_.members) {
        if (note_state(g, g.members.size()))
          std::fputs(format_members_table(g, o_.verbose).c_str(), stdout);
        continue;
      }
      if (p_.has("--state")) {
        if (note_state(g, 1)) std::fputs(format_state_table(g).c_str(), stdout);
        continue;
      }
      std::vector<partition_offset> committed;
      if (g.state != "Dead") {
        auto c = list_group_offsets(client_, g.group_id, next_deadline());
        if (!c && c.code() != errc::not_found) return command_failed(c.message());
        if (c) committed = std::move(*c);
      }
      std::set<std::pair<std::string, int32_t>> partitions;
      for (const group_member& m : g.members) {
        for (const auto& tp : m.assignment) partitions.insert(tp);
      }
      for (const partition_offset& c : committed) partitions.emplace(c.topic, c.partition);
      std::vector<partition_offset> ends;
      for (const auto& [topic, partition] : partitions) {
        auto w = query_watermarks(client_, topic, partition, next_deadline());
        if (!w && w.code() == errc::unreachable) return command_failed(w.message());
        partition_offset po;
        po.topic = topic;
        po.partition = partition;
        po.offset = w ? w->high : -1;
        ends.push_back(po);
      }
      std::vector<offset_row> rows = group_offset_rows(g, committed, ends);
      if (note_state(g, rows.size())) std::fputs(format_offset_table(rows).c_str(), stdout);
    }
    return 0;
  }

  int remove() {
    auto ids = group_ids();
    if (!ids) return command_failed(ids.message());
    auto results = delete_groups(client_, *ids, next_deadline());
    if (!results) return command_failed(results.message());
    std::vector<std::string> ok, failed;
    for (const item_error& r : *results) {
      (r.error == RD_KAFKA_RESP_ERR_NO_ERROR ? ok : failed).push_back(r.name);
    }
    auto quoted = [](const std::vector<std::string>& v) {
      return fmt::format("'{}'", fmt::join(v, "', '"));
    };
    if (failed.empty()) {
      std::printf("Deletion of requested consumer groups (%s) was successful.\n",
                  quoted(ok).c_str());
      return 0;
    }
    std::printf("\nError: Deletion of some consumer groups failed:\n");
    for (const item_error& r : *results) {
      if (r.error == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      std::printf("* Group '%s' could not be deleted due to: %s\n", r.name.c_str(),
                  delete_error_text(r).c_str());
    }
    if (!ok.empty()) {
      std::printf("\nThese consumer groups were deleted successfully: %s\n", quoted(ok).c_str());
    }
    return 0;
  }

  // Kafka prints the exception: its class and message.
  static std::string delete_error_text(const item_error& r) {
    switch (r.error) {
      case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
        return "org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not "
               "exist.";
      case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
        return "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.";
      default:
        return kafka_error_message(r.error, r.message);
    }
  }

  kafka_client client_;
  const groups_options& o_;
  const kafka_tool_parser& p_;
};

}  // namespace

result<std::vector<std::string>> selected_groups(groups_context& ctx) {
  if (!ctx.o.all_groups) return ctx.o.group;
  auto groups = list_groups(ctx.client, ctx.next_deadline());
  if (!groups) return std::move(groups).error();
  std::vector<std::string> ids;
  for (const group_listing& g : *groups) ids.push_back(g.group_id);
  return ids;
}

int kafka_consumer_groups_main(const args_t& args) {
  kafka_tool_parser p(
      "This tool helps to list all consumer groups, describe a consumer group, delete consumer "
      "group info, or reset consumer group offsets.");
  groups_options o;
  define(p, o);
  if (auto code = p.parse(args)) return *code;
  if (auto code = check(p, o)) return *code;
  int actions = o.list + o.describe + o.del + o.reset + o.delete_offsets;
  if (actions != 1) {
    return p.usage_error(
        "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, "
        "--delete-offsets");
  }
  if (o.isolation_level != "read_committed" && o.isolation_level != "read_uncommitted") {
    return command_failed(
        fmt::format("Invalid value {} for configuration isolation.level", o.isolation_level));
  }
  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) return command_failed(settings.message());
  settings->timeout = std::chrono::milliseconds(std::max<int64_t>(o.timeout, 1));
  if (p.has("--isolation-level")) settings->properties["isolation.level"] = o.isolation_level;
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return command_failed(client.message());
  if (auto c = client->connect(client->make_deadline()); !c) return command_failed(c.message());
  groups_tool tool(std::move(*client), o, p);
  return tool.run();
}

}  // namespace sluice::cli
