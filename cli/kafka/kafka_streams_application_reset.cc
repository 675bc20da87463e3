// kafka-streams-application-reset: Kafka 3.9's StreamsResetter, which makes a Kafka Streams
// application reprocess its input from scratch. For the consumer group named by
// --application-id (it must have no active members, unless --force removes them): the input
// topics' committed offsets are reset (to the earliest offset by default, or --to-offset,
// --to-datetime, --by-duration, --to-latest, --shift-by, --from-file), the intermediate topics'
// offsets move to their end, and the application's internal topics (<application.id>-...
// -changelog, -repartition and the foreign-key join topics) are deleted. --dry-run shows what
// would be done. The output is Kafka's, line for line.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "cli/admin.h"
#include "cli/client/broker_pool.h"
#include "cli/group_report.h"
#include "cli/kafka_args.h"
#include "cli/offsets.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "protocol/generated/leave_group.h"

namespace sluice::cli {
namespace {

using topic_partition = std::pair<std::string, int32_t>;

// Java's List.toString: "[a, b]".
std::string java_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

bool matches_internal_topic_format(const std::string& name) {
  static const std::regex fk_registration(".+-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-\\d+-topic");
  static const std::regex fk_response(".+-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-\\d+-topic");
  return name.ends_with("-changelog") || name.ends_with("-repartition") ||
         name.ends_with("-subscription-registration-topic") ||
         name.ends_with("-subscription-response-topic") ||
         std::regex_match(name, fk_registration) || std::regex_match(name, fk_response);
}

int error(const std::string& message) {
  std::fprintf(stderr, "ERROR: %s\n", message.c_str());
  return 1;
}

// Removes every member of `group` (LeaveGroup v3+ at its coordinator naming each member, as
// Kafka's Admin removeMembersFromConsumerGroup does).
result<void> remove_members(kafka_client& client, const group_description& group, deadline d) {
  auto md = client.metadata(d);
  if (!md) return std::move(md).error();
  broker_pool pool(md->brokers, client.properties());
  auto coordinator = pool.find_coordinator(0, group.group_id, d);
  if (!coordinator) return std::move(coordinator).error();
  auto conn = pool.get(*coordinator, d);
  if (!conn) return std::move(conn).error();
  using protocol::leave_group_request;
  using protocol::leave_group_response;
  auto version =
      (*conn)->pick_version(leave_group_request::api_key, 3, leave_group_request::max_version);
  if (!version) return fail(errc::unsupported, "the broker cannot remove group members");
  leave_group_request request;
  request.group_id = group.group_id;
  for (const group_member& m : group.members) {
    auto& who = request.members.emplace_back();
    who.member_id = m.group_instance_id ? "" : m.consumer_id;
    who.group_instance_id = m.group_instance_id;
    who.reason = "member was removed by an admin";
  }
  auto response = (*conn)->call<leave_group_request, leave_group_response>(request, *version, d);
  if (!response) return std::move(response).error();
  if (response->error_code != 0)
    return fail(errc::broker, error_text(static_cast<rd_kafka_resp_err_t>(response->error_code)));
  for (const auto& m : response->members)
    if (m.error_code != 0)
      return fail(errc::broker, error_text(static_cast<rd_kafka_resp_err_t>(m.error_code)));
  return ok_v;
}

struct options {
  std::string application_id, bootstrap_server, bootstrap_servers, input, intermediate, internal;
  std::string to_datetime, by_duration, from_file, config_file;
  int64_t to_offset = 0, shift_by = 0;
  bool to_earliest = false, to_latest = false, force = false, dry_run = false;
};

}  // namespace

int kafka_streams_application_reset_main(const args_t& args) {
  kafka_tool_parser p(
      "This tool helps to quickly reset an application in order to reprocess its data from "
      "scratch.");
  options o;
  p.text(o.application_id, "--application-id", "String: id",
         "The Kafka Streams application ID (application.id).");
  p.text(o.bootstrap_servers, "--bootstrap-servers", "String: urls",
         "DEPRECATED: Comma-separated list of broker urls with format: HOST1:PORT1,HOST2:PORT2");
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "REQUIRED unless --bootstrap-servers(deprecated) is specified. The server(s) to connect "
         "to. The broker list string in the form HOST1:PORT1,HOST2:PORT2. (default: "
         "localhost:9092)");
  p.text(o.input, "--input-topics", "String: list",
         "Comma-separated list of user input topics. For these topics, the tool by default will "
         "reset the offset to the earliest available offset.");
  p.text(o.intermediate, "--intermediate-topics", "String: list",
         "Comma-separated list of intermediate user topics (topics that are input and output "
         "topics). For these topics, the tool will skip to the end.");
  p.text(o.internal, "--internal-topics", "String: list",
         "Comma-separated list of internal topics to delete. Must be a subset of the internal "
         "topics marked for deletion by the default behaviour (do a dry-run without this option "
         "to view these topics).");
  p.integer(o.to_offset, "--to-offset", "Long", "Reset offsets to a specific offset.");
  p.text(o.to_datetime, "--to-datetime", "String",
         "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'");
  p.text(o.by_duration, "--by-duration", "String",
         "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'");
  p.flag(o.to_earliest, "--to-earliest", "Reset offsets to earliest offset.");
  p.flag(o.to_latest, "--to-latest", "Reset offsets to latest offset.");
  p.text(o.from_file, "--from-file", "String", "Reset offsets to values defined in CSV file.");
  p.integer(o.shift_by, "--shift-by", "Long: number-of-offsets",
            "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative");
  p.text(o.config_file, "--config-file", "String: file name",
         "Property file containing configs to be passed to admin clients and embedded consumer.");
  p.flag(o.force, "--force",
         "Force the removal of members of the consumer group (intended to remove stopped "
         "members if a long session timeout was used). Make sure to shut down all stream "
         "applications when this option is specified to avoid unexpected rebalances.");
  p.flag(o.dry_run, "--dry-run",
         "Display the actions that would be performed without executing the reset commands.");
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--application-id"})) return *e;
  static constexpr std::string_view scenarios[] = {
      "--to-offset", "--to-datetime", "--by-duration", "--to-earliest",
      "--to-latest", "--from-file",   "--shift-by"};
  int chosen = 0;
  for (std::string_view s : scenarios) chosen += p.has(s) ? 1 : 0;
  if (chosen > 1) {
    for (std::string_view s : scenarios) {
      if (!p.has(s)) continue;
      for (std::string_view other : scenarios)
        if (other != s && p.has(other))
          return p.usage_error(fmt::format("Option \"[{}]\" can't be used with option \"[{}]\"",
                                           s.substr(2), other.substr(2)));
    }
  }
  const std::string group = o.application_id;
  const std::string brokers = !o.bootstrap_server.empty()    ? o.bootstrap_server
                              : !o.bootstrap_servers.empty() ? o.bootstrap_servers
                                                             : "localhost:9092";
  auto settings = make_settings(brokers, o.config_file);
  if (!settings) return error(settings.message());
  auto admin = kafka_client::create(client_kind::admin, *settings);
  if (!admin) return error(admin.message());
  auto next = [&] { return admin->make_deadline(); };

  // The group must be inactive (or emptied with --force).
  auto described = describe_groups(*admin, {group}, next());
  if (!described) return error(described.message());
  if (!described->empty() && !described->front().members.empty()) {
    const group_description& g = described->front();
    if (!o.force) {
      std::vector<std::string> members;
      for (const group_member& m : g.members)
        members.push_back(fmt::format("(memberId={}, groupInstanceId={}, clientId={}, host={})",
                                      m.consumer_id, m.group_instance_id.value_or("null"),
                                      m.client_id, m.host));
      return error(fmt::format(
          "java.lang.IllegalStateException: Consumer group '{}' is still active and has "
          "following members: {}. Make sure to stop all running application instances before "
          "running the reset tool. You can use option '--force' to remove active members from "
          "the group.",
          group, java_list(members)));
    }
    std::printf("Force deleting all active members in the group: %s\n", group.c_str());
    if (auto r = remove_members(*admin, g, next()); !r) return error(r.message());
  }
  auto md = admin->metadata(next());
  if (!md) return error(md.message());
  std::set<std::string> all_topics;
  std::map<std::string, std::vector<int32_t>> partitions_of;
  for (const topic_info& t : md->topics) {
    all_topics.insert(t.name);
    for (const partition_info& pi : t.partitions) partitions_of[t.name].push_back(pi.id);
  }
  if (o.dry_run)
    std::printf(
        "----Dry run displays the actions which will be performed when running Streams Reset "
        "Tool----\n");

  // ---- input and intermediate topics ----
  auto listed = [](const std::string& text) {
    std::vector<std::string> out;
    for (const std::string& s : split(text, ','))
      if (!trim(s).empty()) out.push_back(trim(s));
    return out;
  };
  const std::vector<std::string> inputs = listed(o.input), intermediates = listed(o.intermediate);
  int exit_code = 0;
  if (inputs.empty() && intermediates.empty()) {
    std::printf("No input or intermediate topics specified. Skipping seek.\n");
  } else {
    if (!inputs.empty())
      std::printf("Reset-offsets for input topics %s\n", java_list(inputs).c_str());
    if (!intermediates.empty())
      std::printf("Seek-to-end for intermediate topics %s\n", java_list(intermediates).c_str());
    std::vector<topic_partition> input_parts, intermediate_parts;
    std::vector<std::string> missing_inputs, missing_intermediates;
    for (const auto& t : inputs) {
      if (!all_topics.contains(t)) {
        missing_inputs.push_back(t);
        continue;
      }
      for (int32_t p : partitions_of[t]) input_parts.emplace_back(t, p);
    }
    for (const auto& t : intermediates) {
      if (!all_topics.contains(t)) {
        missing_intermediates.push_back(t);
        continue;
      }
      for (int32_t p : partitions_of[t]) intermediate_parts.emplace_back(t, p);
    }
    if (!missing_inputs.empty()) {
      std::printf("Following input topics are not found, skipping them\n");
      for (const auto& t : missing_inputs) std::printf("Topic: %s\n", t.c_str());
      exit_code = 1;
    }
    if (!missing_intermediates.empty()) {
      std::printf("Following intermediate topics are not found, skipping them\n");
      for (const auto& t : missing_intermediates) std::printf("Topic:%s\n", t.c_str());
      exit_code = 1;
    }
    if (input_parts.empty() && intermediate_parts.empty()) return exit_code;

    auto committed = list_group_offsets(*admin, group, next());
    if (!committed) return error(committed.message());
    std::map<topic_partition, watermarks> marks;
    for (const auto& tp : input_parts) {
      auto w = query_watermarks(*admin, tp.first, tp.second, next());
      if (!w) return error(w.message());
      marks[tp] = *w;
    }
    // Where each input partition goes, before clamping into [log start, log end].
    std::map<topic_partition, int64_t> target;
    auto position = [&](const topic_partition& tp) {
      // The consumer's position: the committed offset, else (auto.offset.reset=latest... Kafka's
      // default for an embedded consumer is "latest") the end.
      for (const auto& c : *committed)
        if (c.topic == tp.first && c.partition == tp.second && c.offset >= 0) return c.offset;
      return marks[tp].high;
    };
    auto clamp = [&](const topic_partition& tp, int64_t offset) {
      const watermarks& w = marks[tp];
      if (offset >= w.high) {
        std::printf("New offset (%lld) is higher than latest offset. Value will be set to %lld\n",
                    static_cast<long long>(offset), static_cast<long long>(w.high));
        return w.high;
      }
      if (offset <= w.low) {
        if (offset < w.low)
          std::printf(
              "New offset (%lld) is lower than earliest offset. Value will be set to %lld\n",
              static_cast<long long>(offset), static_cast<long long>(w.low));
        return w.low;
      }
      return offset;
    };
    if (!input_parts.empty()) {
      std::printf("Following input topics offsets will be reset to (for consumer group %s)\n",
                  group.c_str());
      if (p.has("--to-offset")) {
        for (const auto& tp : input_parts) target[tp] = clamp(tp, o.to_offset);
      } else if (o.to_latest) {
        for (const auto& tp : input_parts) target[tp] = marks[tp].high;
      } else if (p.has("--shift-by")) {
        for (const auto& tp : input_parts) target[tp] = clamp(tp, position(tp) + o.shift_by);
      } else if (p.has("--to-datetime") || p.has("--by-duration")) {
        int64_t when = 0;
        if (p.has("--to-datetime")) {
          auto t = parse_datetime(o.to_datetime);
          if (!t) return error(t.message());
          when = *t;
        } else {
          auto d = parse_iso_duration(o.by_duration);
          if (!d) return error(d.message());
          when = now_ms() - *d;
        }
        auto found = offsets_for_time(*admin, input_parts, when, next());
        if (!found) return error(found.message());
        for (const auto& f : *found) {
          topic_partition tp{f.topic, f.partition};
          if (f.offset >= 0) {
            target[tp] = f.offset;
          } else {
            target[tp] = marks[tp].high;
            std::printf(
                "Partition %d from topic %s is empty, without a committed record. Falling back "
                "to latest known offset.\n",
                f.partition, f.topic.c_str());
          }
        }
      } else if (p.has("--from-file")) {
        std::ifstream in(o.from_file);
        if (!in) return error("java.nio.file.NoSuchFileException: " + o.from_file);
        std::stringstream text;
        text << in.rdbuf();
        if (text.str().empty())
          return error("java.text.ParseException: Error parsing reset plan CSV file. It is empty,");
        std::map<topic_partition, int64_t> plan;
        for (const std::string& line : split(text.str(), '\n')) {
          if (line.empty()) continue;
          auto parts = split(line, ',');
          auto partition = parts.size() == 3 ? parse_int<int32_t>(parts[1]) : std::nullopt;
          auto offset = parts.size() == 3 ? parse_int<int64_t>(parts[2]) : std::nullopt;
          if (!partition || !offset)
            return error(
                "java.text.ParseException: Reset plan CSV file is not following the format "
                "`TOPIC,PARTITION,OFFSET`.");
          plan[{parts[0], *partition}] = *offset;
        }
        for (const auto& tp : input_parts) {
          auto it = plan.find(tp);
          if (it != plan.end()) target[tp] = clamp(tp, it->second);
        }
      } else {
        for (const auto& tp : input_parts) target[tp] = marks[tp].low;  // the earliest
      }
      for (const auto& tp : input_parts) {
        const int64_t at = target.contains(tp) ? target[tp] : position(tp);
        target[tp] = at;
        std::printf("Topic: %s Partition: %d Offset: %lld\n", tp.first.c_str(), tp.second,
                    static_cast<long long>(at));
      }
    }
    if (!intermediate_parts.empty()) {
      std::printf(
          "Following intermediate topics offsets will be reset to end (for consumer group %s)\n",
          group.c_str());
      std::set<std::string> shown;
      for (const auto& tp : intermediate_parts) {
        if (shown.insert(tp.first).second) std::printf("Topic: %s\n", tp.first.c_str());
        auto w = query_watermarks(*admin, tp.first, tp.second, next());
        if (!w) return error(w.message());
        target[tp] = w->high;
      }
    }
    if (!o.dry_run) {
      std::vector<partition_offset> offsets;
      for (const auto& [tp, at] : target)
        offsets.push_back(
            partition_offset{tp.first, tp.second, at, {}, RD_KAFKA_RESP_ERR_NO_ERROR});
      auto done = alter_group_offsets(*admin, group, offsets, next());
      if (!done) return error(done.message());
      for (const auto& r : *done)
        if (r.error != RD_KAFKA_RESP_ERR_NO_ERROR)
          return error(
              fmt::format("committing {}-{}: {}", r.topic, r.partition, error_text(r.error)));
    }
    std::printf("Done.\n");
  }

  // ---- internal topics ----
  const std::set<std::string> input_set(inputs.begin(), inputs.end()),
      intermediate_set(intermediates.begin(), intermediates.end());
  std::vector<std::string> inferred;
  for (const auto& t : all_topics)
    if (!input_set.contains(t) && !intermediate_set.contains(t) && t.starts_with(group + "-") &&
        matches_internal_topic_format(t))
      inferred.push_back(t);
  std::vector<std::string> to_delete = inferred;
  const std::vector<std::string> specified = listed(o.internal);
  if (!specified.empty()) {
    for (const auto& t : specified)
      if (std::find(inferred.begin(), inferred.end(), t) == inferred.end())
        return error(
            "java.lang.IllegalArgumentException: Invalid topic specified in the --internal-topics "
            "option. Ensure that the topics specified are all internal topics. Do a dry run "
            "without the --internal-topics option to see the list of all internal topics that "
            "can be deleted.");
    to_delete = specified;
    std::printf("Deleting specified internal topics %s\n", java_list(to_delete).c_str());
  } else {
    std::printf("Deleting inferred internal topics %s\n", java_list(to_delete).c_str());
  }
  if (!o.dry_run && !to_delete.empty()) {
    auto deleted = delete_topics(*admin, to_delete, next());
    if (!deleted) return error(deleted.message());
    bool failed = false;
    for (const auto& e : *deleted) {
      if (e.error == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      std::fprintf(stderr, "ERROR: deleting topic %s\n", e.name.c_str());
      failed = true;
    }
    if (failed)
      return error("java.lang.RuntimeException: Encountered an error deleting one or more topics");
  }
  std::printf("Done.\n");
  return exit_code;
}

}  // namespace sluice::cli
