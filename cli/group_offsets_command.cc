// kafka-consumer-groups --reset-offsets and --delete-offsets: planning new offsets from the chosen
// scope and target, carrying the plan out, and deleting a group's offsets.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "cli/admin.h"
#include "cli/group_report.h"
#include "cli/groups_command.h"
#include "cli/offsets.h"
#include "cli/tool_support.h"

namespace sluice::cli {

int command_failed(std::string_view message) {
  std::printf("\nError: Executing consumer group command failed due to %.*s\n",
              static_cast<int>(message.size()), message.data());
  return 0;
}

result<std::vector<std::pair<std::string, int32_t>>> topic_scope(groups_context& ctx) {
  std::vector<std::pair<std::string, int32_t>> out;
  for (const std::string& arg : ctx.o.topic) {
    auto tp = parse_topic_partitions(arg);
    if (!tp) return std::move(tp).error();
    if (!tp->second.empty()) {
      for (int32_t p : tp->second) out.emplace_back(tp->first, p);
      continue;
    }
    auto md = ctx.client.metadata(ctx.next_deadline(), &tp->first);
    if (!md) return std::move(md).error();
    const topic_info* t = md->find(tp->first);
    if (t == nullptr || t->error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail(errc::not_found, "This server does not host this topic-partition.");
    }
    for (const partition_info& pi : t->partitions) out.emplace_back(tp->first, pi.id);
  }
  return out;
}

namespace {

// Clamps requested offsets into [log start, log end], warning as Kafka does.
result<std::vector<partition_offset>> clamp(groups_context& ctx,
                                            std::vector<partition_offset> requested) {
  for (partition_offset& r : requested) {
    auto w = query_watermarks(ctx.client, r.topic, r.partition, ctx.next_deadline());
    if (!w) return std::move(w).error();
    if (r.offset > w->high) {
      std::fprintf(stderr,
                   "WARN New offset (%lld) is higher than latest offset for topic partition "
                   "%s-%d. Value will be set to %lld\n",
                   static_cast<long long>(r.offset), r.topic.c_str(), r.partition,
                   static_cast<long long>(w->high));
      r.offset = w->high;
    } else if (r.offset < w->low) {
      std::fprintf(stderr,
                   "WARN New offset (%lld) is lower than earliest offset for topic partition "
                   "%s-%d. Value will be set to %lld\n",
                   static_cast<long long>(r.offset), r.topic.c_str(), r.partition,
                   static_cast<long long>(w->low));
      r.offset = w->low;
    }
  }
  return requested;
}

}  // namespace

result<std::vector<partition_offset>> plan_reset(
    groups_context& ctx, const std::string& group,
    const std::vector<std::pair<std::string, int32_t>>& scope,
    const std::vector<partition_offset>& committed,
    const std::vector<std::pair<std::string, std::vector<partition_offset>>>* file_plan) {
  auto committed_offset = [&](const std::string& t, int32_t p) -> std::optional<int64_t> {
    for (const partition_offset& c : committed) {
      if (c.topic == t && c.partition == p && c.offset >= 0) return c.offset;
    }
    return std::nullopt;
  };
  std::vector<partition_offset> out;
  auto add = [&](const std::string& t, int32_t p, int64_t off) {
    partition_offset po;
    po.topic = t;
    po.partition = p;
    po.offset = off;
    out.push_back(std::move(po));
  };
  if (file_plan != nullptr) {
    for (const auto& [g, offsets] : *file_plan) {
      if (g == group) return clamp(ctx, offsets);
    }
    std::printf("\nError: No reset plan for group %s found\n", group.c_str());
    return out;
  }
  if (ctx.p.has("--to-datetime") || ctx.p.has("--by-duration")) {
    int64_t ts = 0;
    if (ctx.p.has("--to-datetime")) {
      auto t = parse_datetime(ctx.o.to_datetime);
      if (!t) return std::move(t).error();
      ts = *t;
    } else {
      auto dur = parse_iso_duration(ctx.o.by_duration);
      if (!dur) return std::move(dur).error();
      ts = now_ms() - *dur;
    }
    auto found = offsets_for_time(ctx.client, scope, ts, ctx.next_deadline());
    if (!found) return std::move(found).error();
    for (const partition_offset& f : *found) {
      if (f.offset >= 0) {
        add(f.topic, f.partition, f.offset);
        continue;
      }
      std::printf(
          "\nWarn: Partition %d from topic %s is empty. Falling back to latest known "
          "offset.\n",
          f.partition, f.topic.c_str());
      auto w = query_watermarks(ctx.client, f.topic, f.partition, ctx.next_deadline());
      if (!w) return std::move(w).error();
      add(f.topic, f.partition, w->high);
    }
    return out;
  }
  for (const auto& [t, p] : scope) {
    if (ctx.o.to_earliest || ctx.o.to_latest) {
      auto w = query_watermarks(ctx.client, t, p, ctx.next_deadline());
      if (!w) return std::move(w).error();
      add(t, p, ctx.o.to_earliest ? w->low : w->high);
    } else if (ctx.p.has("--to-offset")) {
      add(t, p, ctx.o.to_offset);
    } else if (ctx.p.has("--shift-by")) {
      auto current = committed_offset(t, p);
      if (!current) {
        return fail(errc::usage, fmt::format("Cannot shift offset for partition {}-{} since "
                                             "there is no current committed offset",
                                             t, p));
      }
      add(t, p, *current + ctx.o.shift_by);
    } else {  // --to-current
      auto current = committed_offset(t, p);
      if (current) {
        add(t, p, *current);
      } else {
        auto w = query_watermarks(ctx.client, t, p, ctx.next_deadline());
        if (!w) return std::move(w).error();
        add(t, p, w->high);
      }
    }
  }
  if (ctx.p.has("--to-offset") || ctx.p.has("--shift-by")) return clamp(ctx, out);
  return out;
}

int run_reset_offsets(groups_context& ctx) {
  bool has_target = ctx.o.to_earliest || ctx.o.to_latest || ctx.o.to_current ||
                    ctx.p.has("--to-offset") || ctx.p.has("--shift-by") ||
                    ctx.p.has("--to-datetime") || ctx.p.has("--by-duration") ||
                    ctx.p.has("--from-file");
  if (!has_target) {
    return ctx.p.usage_error(
        "Option '[reset-offsets]' requires one of the following scenarios: [[to-offset], "
        "[shift-by], [to-datetime], [by-duration], [to-earliest], [to-latest], [to-current], "
        "[from-file]]");
  }
  std::optional<std::vector<std::pair<std::string, std::vector<partition_offset>>>> file_plan;
  if (ctx.p.has("--from-file")) {
    std::ifstream in(ctx.o.from_file);
    if (!in) return command_failed(ctx.o.from_file + " (No such file or directory)");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = parse_reset_csv(text, ctx.o.group.size() == 1 ? ctx.o.group.front() : "");
    if (!parsed) return command_failed(parsed.message());
    file_plan = std::move(*parsed);
  }
  auto ids = selected_groups(ctx);
  if (!ids) return command_failed(ids.message());
  auto groups = describe_groups(ctx.client, *ids, ctx.next_deadline());
  if (!groups) return command_failed(groups.message());
  std::vector<std::pair<std::string, std::vector<partition_offset>>> plan;
  for (const group_description& g : *groups) {
    if (g.state != "Empty" && g.state != "Dead") {
      std::printf(
          "\nError: Assignments can only be reset if the group '%s' is inactive, but "
          "the current state is %s.\n",
          g.group_id.c_str(), g.state.c_str());
      plan.emplace_back(g.group_id, std::vector<partition_offset>{});
      continue;
    }
    std::vector<partition_offset> committed;
    auto c = list_group_offsets(ctx.client, g.group_id, ctx.next_deadline());
    if (c) committed = std::move(*c);
    std::vector<std::pair<std::string, int32_t>> scope;
    if (ctx.o.all_topics) {
      for (const partition_offset& po : committed) {
        if (po.offset >= 0) scope.emplace_back(po.topic, po.partition);
      }
    } else if (ctx.p.has("--topic")) {
      auto s = topic_scope(ctx);
      if (!s) {
        if (s.code() == errc::usage) return ctx.p.usage_error(s.message());
        return command_failed(s.message());
      }
      scope = std::move(*s);
    } else if (!file_plan) {
      return ctx.p.usage_error("One of the reset scopes should be defined: --all-topics, --topic.");
    }
    auto offsets = plan_reset(ctx, g.group_id, scope, committed, file_plan ? &*file_plan : nullptr);
    if (!offsets) {
      if (offsets.code() == errc::usage) return ctx.p.usage_error(offsets.message());
      return command_failed(offsets.message());
    }
    if (ctx.o.execute && !offsets->empty()) {
      auto done = alter_group_offsets(ctx.client, g.group_id, *offsets, ctx.next_deadline());
      if (!done) return command_failed(done.message());
      for (const partition_offset& r : *done) {
        if (r.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
          return command_failed(kafka_error_message(r.error, ""));
        }
      }
    }
    plan.emplace_back(g.group_id, std::move(*offsets));
  }
  if (ctx.o.do_export) {
    std::printf("%s\n", format_reset_csv(plan, ctx.o.group.size() == 1).c_str());
  } else {
    std::fputs(format_reset_plan(plan).c_str(), stdout);
  }
  return 0;
}

int run_delete_offsets(groups_context& ctx) {
  const std::string& group = ctx.o.group.front();
  std::vector<partition_offset> partitions;
  std::vector<partition_offset> missing;  // topics that do not exist
  for (const std::string& arg : ctx.o.topic) {
    auto tp = parse_topic_partitions(arg);
    if (!tp) return ctx.p.usage_error(tp.message());
    if (!tp->second.empty()) {
      for (int32_t p : tp->second) {
        partition_offset po;
        po.topic = tp->first;
        po.partition = p;
        partitions.push_back(po);
      }
      continue;
    }
    auto md = ctx.client.metadata(ctx.next_deadline(), &tp->first);
    if (!md) return command_failed(md.message());
    const topic_info* t = md->find(tp->first);
    if (t == nullptr || t->error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      partition_offset po;
      po.topic = tp->first;
      po.partition = -1;
      po.error = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      missing.push_back(po);
      continue;
    }
    for (const partition_info& pi : t->partitions) {
      partition_offset po;
      po.topic = tp->first;
      po.partition = pi.id;
      partitions.push_back(po);
    }
  }
  std::vector<partition_offset> results;
  std::string top_error;
  if (!partitions.empty()) {
    auto r = delete_group_offsets(ctx.client, group, partitions, ctx.next_deadline());
    if (!r) {
      if (r.code() == errc::not_found) {
        top_error = fmt::format("'{}' does not exist.", group);
      } else if (r.message().find("not empty") != std::string::npos ||
                 r.message().find("NON_EMPTY") != std::string::npos) {
        top_error = fmt::format(
            "Deleting offsets of a consumer group '{}' is forbidden if the group is not empty.",
            group);
      } else if (r.code() == errc::unreachable || r.code() == errc::timed_out) {
        return command_failed(r.message());
      } else {
        top_error = fmt::format("Encounter some unknown error: {}", r.message());
      }
      for (partition_offset p : partitions) {
        p.error = RD_KAFKA_RESP_ERR_UNKNOWN;
        results.push_back(p);
      }
    } else {
      results = std::move(*r);
    }
  }
  bool partition_errors = !missing.empty();
  for (const partition_offset& r : results)
    partition_errors |= r.error != RD_KAFKA_RESP_ERR_NO_ERROR;
  std::vector<std::string> topics = ctx.o.topic;
  if (!top_error.empty()) {
    std::printf("\nError: %s\n", top_error.c_str());
  } else if (partition_errors) {
    std::printf("\nError: Encounter some partition level error, see the follow-up details:\n");
  } else {
    std::printf("Request succeed for deleting offsets with topic %s group %s\n",
                fmt::format("{}", fmt::join(topics, ", ")).c_str(), group.c_str());
  }
  results.insert(results.end(), missing.begin(), missing.end());
  std::sort(results.begin(), results.end(),
            [](const partition_offset& a, const partition_offset& b) {
              return a.topic + std::to_string(a.partition) < b.topic + std::to_string(b.partition);
            });
  std::printf("\n%-30s %-15s %-15s\n", "TOPIC", "PARTITION", "STATUS");
  for (const partition_offset& r : results) {
    std::string partition = r.partition >= 0 ? std::to_string(r.partition) : "Not Provided";
    std::string status =
        r.error == RD_KAFKA_RESP_ERR_NO_ERROR
            ? "Successful"
            : "Error: " + (top_error.empty() ? kafka_error_message(r.error, "") : top_error);
    std::printf("%-30s %-15s %-15s\n", r.topic.c_str(), partition.c_str(), status.c_str());
  }
  return 0;
}

}  // namespace sluice::cli
