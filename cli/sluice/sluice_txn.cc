// `sluice txn list|describe|producers|hanging|abort`: the views of kafka-transactions.sh in the
// modern CLI's style (aligned tables, or --format json), over the same txn_admin requests and the
// same hanging-transaction reasoning.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cli/client/txn_admin.h"
#include "cli/client/txn_hanging.h"
#include "cli/sluice_commands.h"
#include "cli/tool_support.h"

namespace sluice::cli {
namespace {

result<txn_admin> open_admin(const global_options& g) {
  auto settings = g.client();
  if (!settings) return std::move(settings).error();
  auto client = kafka_client::create(client_kind::admin, *settings);
  if (!client) return std::move(client).error();
  deadline d = client->make_deadline();
  auto md = client->metadata(d);
  if (!md) return std::move(md).error();
  return txn_admin(std::move(*md), settings->properties, d);
}

template <class T>
nlohmann::ordered_json json_or_null(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
}

template <class T>
std::string text_or_dash(const std::optional<T>& v) {
  return v ? std::to_string(*v) : "-";
}

// "42s", "17m", "3h": how long ago, for people.
std::string age(int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 120'000) return fmt::format("{}s", ms / 1000);
  if (ms < 7'200'000) return fmt::format("{}m", ms / 60'000);
  return fmt::format("{}h", ms / 3'600'000);
}

void render(const global_options& g, const table& t, const nlohmann::ordered_json& docs) {
  if (g.format == output_format::json) {
    print_json(docs);
  } else {
    std::fputs(t.render(use_colour_on_stdout()).c_str(), stdout);
  }
}

}  // namespace

int run_txn_list(const global_options& g, const txn_list_options& o) {
  auto admin = open_admin(g);
  if (!admin) return report_error(g, admin.message());
  list_filter filter{o.states, o.producer_ids, o.older_than_ms};
  auto listings = admin->list(filter);
  if (!listings) return report_error(g, listings.message());
  std::stable_sort(listings->begin(), listings->end(), [](const auto& a, const auto& b) {
    return a.transactional_id < b.transactional_id;
  });
  table t({"TRANSACTIONAL-ID", "COORDINATOR", "PRODUCER-ID", "STATE"});
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  for (const txn_listing& l : *listings) {
    t.add({l.transactional_id, std::to_string(l.coordinator), std::to_string(l.producer_id),
           l.state});
    docs.push_back({{"transactional_id", l.transactional_id},
                    {"coordinator", l.coordinator},
                    {"producer_id", l.producer_id},
                    {"state", l.state}});
  }
  render(g, t, docs);
  return 0;
}

int run_txn_describe(const global_options& g, const std::vector<std::string>& ids) {
  auto admin = open_admin(g);
  if (!admin) return report_error(g, admin.message());
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  int code = 0;
  bool first = true;
  for (const std::string& id : ids) {
    auto d = admin->describe(id);
    if (!d) {
      std::fprintf(stderr, "sluice: %s\n", d.message().c_str());
      code = 1;
      continue;
    }
    int64_t now = now_ms();
    std::optional<int64_t> duration;
    if (d->start_time_ms) duration = now - *d->start_time_ms;
    std::vector<std::string> parts;
    for (const topic_partition& tp : d->partitions) parts.push_back(tp.to_string());
    if (g.format == output_format::json) {
      docs.push_back({{"transactional_id", id},
                      {"coordinator", d->coordinator_id},
                      {"producer_id", d->producer_id},
                      {"producer_epoch", d->producer_epoch},
                      {"state", d->state},
                      {"timeout_ms", d->timeout_ms},
                      {"start_time_ms", json_or_null(d->start_time_ms)},
                      {"duration_ms", json_or_null(duration)},
                      {"partitions", parts}});
      continue;
    }
    std::printf(
        "%sTRANSACTIONAL-ID  %s\nCOORDINATOR       %d\nPRODUCER-ID       %lld\nPRODUCER-EPOCH    "
        "%d\nSTATE             %s\nTIMEOUT-MS        %d\nSTARTED           %s\nPARTITIONS        "
        "%s\n",
        first ? "" : "\n", id.c_str(), d->coordinator_id, static_cast<long long>(d->producer_id),
        d->producer_epoch, d->state.c_str(), d->timeout_ms,
        d->start_time_ms ? fmt::format("{} ({} ago)", *d->start_time_ms, age(*duration)).c_str()
                         : "-",
        parts.empty() ? "-" : fmt::format("{}", fmt::join(parts, ",")).c_str());
    first = false;
  }
  if (g.format == output_format::json) print_json(docs);
  return code;
}

int run_txn_producers(const global_options& g, const txn_producers_options& o) {
  auto admin = open_admin(g);
  if (!admin) return report_error(g, admin.message());
  std::vector<topic_partition> partitions;
  if (o.partitions.empty()) {
    auto all = partitions_led_by(admin->metadata(), {o.topic}, std::nullopt);
    if (!all) return report_error(g, all.message());
    partitions = std::move(*all);
  } else {
    for (int32_t p : o.partitions) partitions.push_back({o.topic, p});
  }
  std::optional<int32_t> broker;
  if (o.broker >= 0) broker = o.broker;
  auto found = admin->describe_producers(partitions, broker);
  if (!found) return report_error(g, found.message());
  table t({"PARTITION", "PRODUCER-ID", "EPOCH", "COORDINATOR-EPOCH", "LAST-SEQUENCE",
           "LAST-TIMESTAMP", "TXN-START-OFFSET"});
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  for (const partition_producers& pp : *found) {
    for (const producer_state& p : pp.producers) {
      t.add({std::to_string(pp.partition.partition), std::to_string(p.producer_id),
             std::to_string(p.producer_epoch), text_or_dash(p.coordinator_epoch),
             std::to_string(p.last_sequence), std::to_string(p.last_timestamp),
             text_or_dash(p.txn_start_offset)});
      docs.push_back({{"topic", pp.partition.topic},
                      {"partition", pp.partition.partition},
                      {"producer_id", p.producer_id},
                      {"producer_epoch", p.producer_epoch},
                      {"coordinator_epoch", json_or_null(p.coordinator_epoch)},
                      {"last_sequence", p.last_sequence},
                      {"last_timestamp", p.last_timestamp},
                      {"txn_start_offset", json_or_null(p.txn_start_offset)}});
    }
  }
  render(g, t, docs);
  return 0;
}

int run_txn_hanging(const global_options& g, const txn_hanging_options& o) {
  if (!o.partitions.empty() && o.topics.size() != 1) {
    std::fprintf(stderr, "sluice: --partition needs exactly one topic\n");
    return 2;
  }
  auto admin = open_admin(g);
  if (!admin) return report_error(g, admin.message());
  std::optional<int32_t> broker;
  if (o.broker >= 0) broker = o.broker;
  std::vector<topic_partition> partitions;
  if (o.partitions.empty()) {
    auto led = partitions_led_by(admin->metadata(), o.topics, broker);
    if (!led) return report_error(g, led.message());
    partitions = std::move(*led);
  } else {
    for (int32_t p : o.partitions) partitions.push_back({o.topics.front(), p});
  }
  int64_t now = now_ms();
  auto hanging = find_hanging_txns(*admin, partitions, broker, o.older_than_ms, now);
  if (!hanging) return report_error(g, hanging.message());
  table t({"TOPIC", "PARTITION", "PRODUCER-ID", "EPOCH", "COORDINATOR-EPOCH", "START-OFFSET",
           "LAST-TIMESTAMP", "AGE"});
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  for (const open_txn& h : *hanging) {
    const producer_state& p = h.producer;
    t.add({h.partition.topic, std::to_string(h.partition.partition), std::to_string(p.producer_id),
           std::to_string(p.producer_epoch), text_or_dash(p.coordinator_epoch),
           text_or_dash(p.txn_start_offset), std::to_string(p.last_timestamp),
           age(now - p.last_timestamp)});
    docs.push_back({{"topic", h.partition.topic},
                    {"partition", h.partition.partition},
                    {"producer_id", p.producer_id},
                    {"producer_epoch", p.producer_epoch},
                    {"coordinator_epoch", json_or_null(p.coordinator_epoch)},
                    {"start_offset", json_or_null(p.txn_start_offset)},
                    {"last_timestamp", p.last_timestamp},
                    {"age_ms", now - p.last_timestamp}});
  }
  render(g, t, docs);
  return 0;
}

int run_txn_abort(const global_options& g, const txn_abort_options& o) {
  auto admin = open_admin(g);
  if (!admin) return report_error(g, admin.message());
  topic_partition tp{o.topic, o.partition};
  auto found = admin->describe_producers({tp}, std::nullopt);
  if (!found) return report_error(g, found.message());
  const auto& producers = found->front().producers;
  auto open = std::find_if(producers.begin(), producers.end(), [&](const producer_state& p) {
    return p.txn_start_offset == o.start_offset;
  });
  if (open == producers.end()) {
    return report_error(g, fmt::format("no open transaction starts at offset {} of {}",
                                       o.start_offset, tp.to_string()));
  }
  abort_spec spec{tp, open->producer_id, static_cast<int16_t>(open->producer_epoch),
                  open->coordinator_epoch.value_or(0)};
  if (auto r = admin->abort(spec); !r) return report_error(g, r.message());
  if (g.format == output_format::json) {
    print_json({{"topic", tp.topic},
                {"partition", tp.partition},
                {"start_offset", o.start_offset},
                {"producer_id", spec.producer_id},
                {"producer_epoch", spec.producer_epoch},
                {"aborted", true}});
  } else {
    std::printf("Aborted the transaction of producer %lld (epoch %d) at %s offset %lld\n",
                static_cast<long long>(spec.producer_id), spec.producer_epoch,
                tp.to_string().c_str(), static_cast<long long>(o.start_offset));
  }
  return 0;
}

}  // namespace sluice::cli
