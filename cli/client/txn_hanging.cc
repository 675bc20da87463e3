// Finding hanging transactions: which open transactions their coordinator will not finish.
#include "cli/client/txn_hanging.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace sluice::cli {
namespace {

constexpr size_t max_batch = 500;  // partitions per DescribeProducers, as Kafka's tool batches

}  // namespace

std::vector<open_txn> old_open_txns(const std::vector<partition_producers>& partitions,
                                    int64_t now_ms, int64_t max_timeout_ms) {
  std::vector<open_txn> out;
  for (const partition_producers& pp : partitions) {
    for (const producer_state& p : pp.producers) {
      if (p.txn_start_offset && now_ms - p.last_timestamp > max_timeout_ms) {
        out.push_back({pp.partition, p});
      }
    }
  }
  return out;
}

std::vector<open_txn> hanging_txns(
    const std::vector<open_txn>& candidates,
    const std::map<int64_t, std::string>& transactional_ids,
    const std::map<std::string, std::optional<txn_description>>& descriptions) {
  std::vector<open_txn> sorted = candidates;
  std::stable_sort(sorted.begin(), sorted.end(), [](const open_txn& a, const open_txn& b) {
    return a.producer.producer_id < b.producer.producer_id;
  });
  std::vector<open_txn> out;
  for (const open_txn& t : sorted) {
    auto id = transactional_ids.find(t.producer.producer_id);
    if (id == transactional_ids.end()) {
      out.push_back(t);  // no transactional id has this producer id
      continue;
    }
    auto d = descriptions.find(id->second);
    if (d == descriptions.end() || !d->second) {
      out.push_back(t);  // the coordinator does not know the id
      continue;
    }
    // The coordinator lists the partitions of an ongoing transaction and those still waiting for
    // a marker; if ours is among them, the coordinator will still write its marker.
    const auto& parts = d->second->partitions;
    if (std::find(parts.begin(), parts.end(), t.partition) == parts.end()) out.push_back(t);
  }
  return out;
}

result<std::vector<topic_partition>> partitions_led_by(const cluster_metadata& md,
                                                       const std::vector<std::string>& topics,
                                                       std::optional<int32_t> broker_id) {
  std::vector<std::string> names = topics;
  if (names.empty()) {
    for (const topic_info& t : md.topics) names.push_back(t.name);
  }
  std::vector<topic_partition> out;
  for (const std::string& name : names) {
    const topic_info* t = md.find(name);
    if (t == nullptr || t->error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail(errc::not_found, fmt::format("Topic '{}' does not exist", name));
    }
    for (const partition_info& p : t->partitions) {
      // Every partition the broker holds a replica of: followers answer DescribeProducers too.
      if (!broker_id ||
          std::find(p.replicas.begin(), p.replicas.end(), *broker_id) != p.replicas.end())
        out.push_back({name, p.id});
    }
  }
  return out;
}

result<std::vector<open_txn>> find_hanging_txns(txn_admin& admin,
                                                const std::vector<topic_partition>& partitions,
                                                std::optional<int32_t> broker_id,
                                                int64_t max_timeout_ms, int64_t now_ms) {
  std::vector<open_txn> candidates;
  for (size_t i = 0; i < partitions.size(); i += max_batch) {
    std::vector<topic_partition> batch(
        partitions.begin() + static_cast<ptrdiff_t>(i),
        partitions.begin() + static_cast<ptrdiff_t>(std::min(partitions.size(), i + max_batch)));
    auto found = admin.describe_producers(batch, broker_id);
    if (!found) {
      return fail(
          found.code(),
          fmt::format(
              "Failed to describe producers for {} partitions on broker {}: {}", batch.size(),
              broker_id ? fmt::format("Optional[{}]", *broker_id) : std::string("Optional.empty"),
              found.message()));
    }
    for (open_txn& t : old_open_txns(*found, now_ms, max_timeout_ms)) candidates.push_back(t);
  }
  if (candidates.empty()) return candidates;

  std::set<int64_t> producer_ids;
  for (const open_txn& t : candidates) producer_ids.insert(t.producer.producer_id);
  list_filter filter;
  filter.producer_ids.assign(producer_ids.begin(), producer_ids.end());
  auto listings = admin.list(filter);
  if (!listings) {
    return fail(listings.code(), fmt::format("Failed to list transactions for {} producers: {}",
                                             producer_ids.size(), listings.message()));
  }
  std::map<int64_t, std::string> transactional_ids;
  for (const txn_listing& l : *listings) {
    if (producer_ids.contains(l.producer_id)) transactional_ids[l.producer_id] = l.transactional_id;
  }
  std::set<std::string> ids;
  for (const auto& [pid, id] : transactional_ids) ids.insert(id);
  std::map<std::string, std::optional<txn_description>> descriptions;
  for (const std::string& id : ids) {
    auto d = admin.describe(id);
    if (!d && d.code() != errc::not_found) {
      return fail(d.code(),
                  fmt::format("Failed to describe {} transactions: {}", ids.size(), d.message()));
    }
    descriptions[id] = d ? std::optional(std::move(*d)) : std::nullopt;
  }
  return hanging_txns(candidates, transactional_ids, descriptions);
}

}  // namespace sluice::cli
