// kafka-consumer-groups' tables, reset plans and argument parsers.
#include "cli/group_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "cli/tool_support.h"

namespace sluice::cli {
namespace {

template <class T>
std::string or_missing(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string(missing_column);
}

const partition_offset* find(const std::vector<partition_offset>& list, const std::string& topic,
                             int32_t partition) {
  for (const partition_offset& p : list) {
    if (p.topic == topic && p.partition == partition) return &p;
  }
  return nullptr;
}

std::string coordinator_text(const group_description& g) {
  return fmt::format("{}:{} ({})", g.coordinator_host, g.coordinator_port, g.coordinator_id);
}

}  // namespace

std::vector<offset_row> group_offset_rows(const group_description& group,
                                          const std::vector<partition_offset>& committed,
                                          const std::vector<partition_offset>& end_offsets) {
  auto row_for = [&](const std::string& topic, int32_t partition) {
    offset_row r;
    r.group = group.group_id;
    r.topic = topic;
    r.partition = partition;
    if (const partition_offset* c = find(committed, topic, partition); c && c->offset >= 0) {
      r.current_offset = c->offset;
    }
    if (const partition_offset* e = find(end_offsets, topic, partition); e && e->offset >= 0) {
      r.log_end_offset = e->offset;
    }
    if (r.current_offset && r.log_end_offset) r.lag = *r.log_end_offset - *r.current_offset;
    return r;
  };
  std::vector<const group_member*> members;
  for (const group_member& m : group.members) {
    if (!m.assignment.empty()) members.push_back(&m);
  }
  std::stable_sort(members.begin(), members.end(),
                   [](const group_member* a, const group_member* b) {
                     return a->assignment.size() > b->assignment.size();
                   });
  std::vector<offset_row> rows;
  std::vector<std::pair<std::string, int32_t>> assigned;
  for (const group_member* m : members) {
    auto parts = m->assignment;
    std::stable_sort(parts.begin(), parts.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
    for (const auto& [topic, partition] : parts) {
      offset_row r = row_for(topic, partition);
      r.consumer_id = m->consumer_id;
      r.host = m->host;
      r.client_id = m->client_id;
      rows.push_back(std::move(r));
      assigned.emplace_back(topic, partition);
    }
  }
  for (const partition_offset& c : committed) {
    if (std::find(assigned.begin(), assigned.end(), std::pair{c.topic, c.partition}) !=
        assigned.end()) {
      continue;
    }
    if (c.offset < 0) continue;  // no committed offset
    rows.push_back(row_for(c.topic, c.partition));
  }
  return rows;
}

std::string format_offset_table(const std::vector<offset_row>& rows) {
  size_t group_w = 15, topic_w = 15, consumer_w = 15, host_w = 15;
  for (const offset_row& r : rows) {
    group_w = std::max(group_w, r.group.size());
    topic_w = std::max(topic_w, r.topic.value_or(std::string(missing_column)).size());
    consumer_w = std::max(consumer_w, r.consumer_id.size());
    host_w = std::max(host_w, r.host.size());
  }
  auto line = [&](std::string_view g, std::string_view t, std::string_view p, std::string_view c,
                  std::string_view e, std::string_view l, std::string_view id, std::string_view h,
                  std::string_view client) {
    return fmt::format("{:<{}} {:<{}} {:<10} {:<15} {:<15} {:<15} {:<{}} {:<{}} {}\n", g, group_w,
                       t, topic_w, p, c, e, l, id, consumer_w, h, host_w, client);
  };
  std::string out = "\n" + line("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET",
                                "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID");
  for (const offset_row& r : rows) {
    out += line(r.group, r.topic.value_or(std::string(missing_column)), or_missing(r.partition),
                or_missing(r.current_offset), or_missing(r.log_end_offset), or_missing(r.lag),
                r.consumer_id, r.host, r.client_id);
  }
  return out;
}

std::string format_members_table(const group_description& group, bool verbose) {
  size_t group_w = 15, consumer_w = 15, instance_w = 17, host_w = 15, client_w = 15;
  bool with_instance = false;
  for (const group_member& m : group.members) {
    group_w = std::max(group_w, group.group_id.size());
    consumer_w = std::max(consumer_w, m.consumer_id.size());
    instance_w = std::max(instance_w, m.group_instance_id.value_or("").size());
    host_w = std::max(host_w, m.host.size());
    client_w = std::max(client_w, m.client_id.size());
    with_instance = with_instance || m.group_instance_id.has_value();
  }
  auto cells = [&](std::string_view g, std::string_view c, std::string_view i, std::string_view h,
                   std::string_view cl, std::string_view n) {
    if (with_instance) {
      return fmt::format("{:<{}} {:<{}} {:<{}} {:<{}} {:<{}} {:<15} ", g, group_w, c, consumer_w, i,
                         instance_w, h, host_w, cl, client_w, n);
    }
    return fmt::format("{:<{}} {:<{}} {:<{}} {:<{}} {:<15} ", g, group_w, c, consumer_w, h, host_w,
                       cl, client_w, n);
  };
  std::string out =
      "\n" + cells("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
  if (verbose) out += "ASSIGNMENT";
  out += "\n";
  for (const group_member& m : group.members) {
    out += cells(group.group_id, m.consumer_id, m.group_instance_id.value_or(""), m.host,
                 m.client_id, std::to_string(m.assignment.size()));
    if (verbose) {
      std::map<std::string, std::vector<int32_t>> by_topic;
      for (const auto& [t, p] : m.assignment) by_topic[t].push_back(p);
      std::vector<std::string> parts;
      for (auto& [t, ps] : by_topic) {
        std::sort(ps.begin(), ps.end());
        parts.push_back(fmt::format("{}({})", t, fmt::join(ps, ",")));
      }
      out +=
          parts.empty() ? std::string(missing_column) : fmt::format("{}", fmt::join(parts, ", "));
    }
    out += "\n";
  }
  return out;
}

std::string format_state_table(const group_description& group) {
  std::string coordinator = coordinator_text(group);
  size_t width = std::max<size_t>(25, coordinator.size());
  return fmt::format("\n{:<{}} {:<25} {:<20} {:<15} {}", "GROUP", width, "COORDINATOR (ID)",
                     "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS") +
         fmt::format("\n{:<{}} {:<25} {:<20} {:<15} {}\n", group.group_id, width, coordinator,
                     group.assignor, group.state, group.members.size());
}

std::string format_group_list(const std::vector<group_listing>& groups, bool with_type,
                              bool with_state) {
  size_t width = 15;
  for (const group_listing& g : groups) width = std::max(width, g.group_id.size());
  width += 10;
  auto row = [&](std::string_view id, std::string_view type, std::string_view state) {
    std::string line = fmt::format("{:<{}}", id, width);
    if (with_type) line += fmt::format(" {:<20}", type);
    if (with_state) line += fmt::format(" {:<20}", state);
    return line + "\n";
  };
  std::string out = row("GROUP", "TYPE", "STATE");
  for (const group_listing& g : groups) out += row(g.group_id, g.type, g.state);
  return out;
}

std::string format_reset_plan(
    const std::vector<std::pair<std::string, std::vector<partition_offset>>>& plan) {
  std::string out;
  if (plan.empty()) return out;
  out +=
      fmt::format("\n{:<30} {:<30} {:<10} {:<15}\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
  for (const auto& [group, offsets] : plan) {
    for (const partition_offset& p : offsets) {
      out += fmt::format("{:<30} {:<30} {:<10} {:<15}\n", group, p.topic, p.partition, p.offset);
    }
  }
  return out;
}

std::string format_reset_csv(
    const std::vector<std::pair<std::string, std::vector<partition_offset>>>& plan,
    bool single_group) {
  std::string out;
  for (const auto& [group, offsets] : plan) {
    for (const partition_offset& p : offsets) {
      out += single_group ? fmt::format("{},{},{}\n", p.topic, p.partition, p.offset)
                          : fmt::format("{},{},{},{}\n", group, p.topic, p.partition, p.offset);
    }
  }
  return out;
}

result<std::pair<std::string, std::vector<int32_t>>> parse_topic_partitions(std::string_view arg) {
  size_t colon = arg.find(':');
  if (colon == std::string_view::npos) return std::pair{std::string(arg), std::vector<int32_t>{}};
  if (arg.find(':', colon + 1) != std::string_view::npos || colon + 1 == arg.size()) {
    return fail(errc::usage,
                fmt::format("Invalid topic arg '{}', expected topic name and partitions", arg));
  }
  std::vector<int32_t> parts;
  for (const std::string& p : split(arg.substr(colon + 1), ',')) {
    auto n = parse_int<int32_t>(trim(p));
    if (!n) {
      return fail(errc::usage,
                  fmt::format("Invalid partition '{}' specified in topic arg '{}''", p, arg));
    }
    parts.push_back(*n);
  }
  return std::pair{std::string(arg.substr(0, colon)), parts};
}

result<int64_t> parse_datetime(std::string_view text) {
  auto bad = [&] {
    return fail(errc::usage, fmt::format("Error parsing timestamp '{}': expected "
                                         "'YYYY-MM-DDTHH:mm:SS.sss' with an optional zone",
                                         text));
  };
  size_t t = text.find('T');
  if (t == std::string_view::npos) {
    return fail(errc::usage,
                "Error parsing timestamp. It does not contain a 'T' according to ISO8601 format");
  }
  // Date and time fields, then milliseconds, then the zone.
  int y, mo, d, h, mi, s, ms = 0;
  std::string body(text);
  char zone_sign = 0;
  int zone_minutes = 0;
  size_t zone_at = body.find_first_of("Z+-", t);
  std::string zone = zone_at == std::string::npos ? "" : body.substr(zone_at);
  std::string clock = body.substr(0, zone_at);
  if (std::sscanf(clock.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
    return bad();
  }
  if (size_t dot = clock.find('.'); dot != std::string::npos) {
    auto n = parse_int<int>(clock.substr(dot + 1));
    if (!n || clock.size() - dot - 1 != 3) return bad();
    ms = *n;
  }
  if (!zone.empty() && zone != "Z") {
    zone_sign = zone[0];
    std::string digits;
    for (char c : zone.substr(1)) {
      if (c != ':') digits += c;
    }
    auto n = parse_int<int>(digits);
    if (!n || (digits.size() != 2 && digits.size() != 4)) return bad();
    zone_minutes = digits.size() == 2 ? *n * 60 : (*n / 100) * 60 + *n % 100;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return bad();
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  int64_t secs = static_cast<int64_t>(timegm(&tm));
  if (zone_sign == '+') secs -= zone_minutes * 60;
  if (zone_sign == '-') secs += zone_minutes * 60;
  return secs * 1000 + ms;
}

result<int64_t> parse_iso_duration(std::string_view text) {
  auto bad = [&] {
    return fail(errc::usage, fmt::format("Text cannot be parsed to a Duration: {}", text));
  };
  if (text.size() < 2 || (text[0] != 'P' && text[0] != 'p')) return bad();
  double total_ms = 0;
  bool in_time = false, any = false;
  std::string number;
  for (size_t i = 1; i < text.size(); ++i) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
    if (c == 'T') {
      if (in_time || !number.empty()) return bad();
      in_time = true;
      continue;
    }
    if ((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+') {
      number += c;
      continue;
    }
    if (number.empty()) return bad();
    double v = std::strtod(number.c_str(), nullptr);
    number.clear();
    any = true;
    if (!in_time && c == 'D')
      total_ms += v * 86400000.0;
    else if (in_time && c == 'H')
      total_ms += v * 3600000.0;
    else if (in_time && c == 'M')
      total_ms += v * 60000.0;
    else if (in_time && c == 'S')
      total_ms += v * 1000.0;
    else
      return bad();
  }
  if (!any || !number.empty()) return bad();
  return static_cast<int64_t>(total_ms);
}

result<std::vector<std::pair<std::string, std::vector<partition_offset>>>> parse_reset_csv(
    std::string_view text, const std::string& default_group) {
  std::vector<std::pair<std::string, std::vector<partition_offset>>> plan;
  auto group_entry = [&](const std::string& g) -> std::vector<partition_offset>& {
    for (auto& [name, offsets] : plan) {
      if (name == g) return offsets;
    }
    plan.emplace_back(g, std::vector<partition_offset>{});
    return plan.back().second;
  };
  for (const std::string& raw : split(text, '\n')) {
    std::string line = trim(raw);
    if (line.empty()) continue;
    std::vector<std::string> cells = split(line, ',');
    if (cells.size() != 3 && cells.size() != 4) {
      return fail(errc::invalid_input, fmt::format("Invalid reset plan line '{}'", line));
    }
    size_t base = cells.size() == 4 ? 1 : 0;
    std::string group = cells.size() == 4 ? cells[0] : default_group;
    auto partition = parse_int<int32_t>(cells[base + 1]);
    auto offset = parse_int<int64_t>(cells[base + 2]);
    if (!partition || !offset || group.empty()) {
      return fail(errc::invalid_input, fmt::format("Invalid reset plan line '{}'", line));
    }
    partition_offset po;
    po.topic = cells[base];
    po.partition = *partition;
    po.offset = *offset;
    group_entry(group).push_back(std::move(po));
  }
  return plan;
}

}  // namespace sluice::cli
