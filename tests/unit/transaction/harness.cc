#include "harness.h"

#include <spdlog/spdlog.h>

namespace sluice::transaction::testing {
namespace {

// The coordinator logs loads and aborts at info; keep test output to what matters.
const bool quiet_logs = [] {
  spdlog::set_level(spdlog::level::critical);
  return true;
}();

std::vector<protocol::add_partitions_to_txn_request::add_partitions_to_txn_topic> topics_of(
    const std::vector<topic_partition>& tps) {
  std::vector<protocol::add_partitions_to_txn_request::add_partitions_to_txn_topic> out;
  for (const auto& tp : tps) {
    if (out.empty() || out.back().name != tp.topic) out.emplace_back().name = tp.topic;
    out.back().partitions.push_back(tp.partition);
  }
  return out;
}

std::map<topic_partition, int16_t> errors_of(
    const std::vector<protocol::add_partitions_to_txn_response::add_partitions_to_txn_topic_result>&
        topics) {
  std::map<topic_partition, int16_t> out;
  for (const auto& t : topics) {
    for (const auto& p : t.results_by_partition) {
      out[topic_partition{t.name, p.partition_index}] = p.partition_error_code;
    }
  }
  return out;
}

}  // namespace

std::map<topic_partition, int16_t> partition_errors(
    const protocol::add_partitions_to_txn_response& r) {
  return errors_of(r.results_by_topic_v3_and_below);
}

std::map<topic_partition, int16_t> partition_errors_v4(
    const protocol::add_partitions_to_txn_response& r) {
  EXPECT_EQ(r.results_by_transaction.size(), 1u);
  if (r.results_by_transaction.empty()) return {};
  return errors_of(r.results_by_transaction[0].topic_results);
}

harness::harness(txn_config config, bool load_all)
    : core(config, txn_hooks{
                       .allocate_producer_id = [this]() -> std::optional<int64_t> {
                         if (!pids_available) return std::nullopt;
                         return next_pid++;
                       },
                       .partition_exists =
                           [this](const topic_partition& tp) { return !missing.contains(tp); },
                       .group_partition = {},
                   }) {
  (void)quiet_logs;
  core.start(now);
  if (load_all) {
    for (int32_t p = 0; p < config.state_log_partitions; ++p) load(p);
  }
}

void harness::load(int32_t partition, int32_t epoch) {
  core.begin_load(partition, epoch);
  for (const auto& r : log[partition]) EXPECT_TRUE(core.replay(partition, epoch, r).ok());
  core.finish_load(partition, epoch, true, now);
  drain();
}

void harness::reload(int32_t partition) {
  int32_t epoch = core.coordinator_epoch(partition).value_or(-1) + 1;
  unload(partition);
  load(partition, epoch);
}

void harness::seed(const std::string& id, const txn_record& value) {
  int32_t p = partition_of(id);
  log[p].push_back(txn_log_record(id, value, now));
  reload(p);
}

void harness::drain() {
  for (;;) {
    auto ready = core.take_ready();
    auto appends = core.take_appends();
    for (auto& m : core.take_markers()) markers.push_back(std::move(m));
    for (uint64_t id : core.take_cancelled_markers()) {
      cancelled.push_back(id);
      std::erase_if(markers, [id](const marker_request& m) { return m.id == id; });
    }
    if (ready.empty() && appends.empty()) return;
    for (auto& t : ready) t();
    for (auto& a : appends) {
      if (!auto_complete) {
        held.push_back(std::move(a));
        continue;
      }
      auto& out = log[a.partition];
      out.insert(out.end(), a.records.begin(), a.records.end());
      core.append_done(a.id, append_status::ok, now);
    }
  }
}

void harness::complete_held(append_status status) {
  auto appends = std::exchange(held, {});
  for (auto& a : appends) {
    if (status == append_status::ok) {
      auto& out = log[a.partition];
      out.insert(out.end(), a.records.begin(), a.records.end());
    }
    core.append_done(a.id, status, now);
  }
  drain();
}

void harness::advance(int64_t ms) {
  now += ms;
  core.on_timer(now);
  drain();
}

void harness::finish_markers(marker_outcome outcome) {
  auto pending = std::exchange(markers, {});
  for (const auto& m : pending) {
    for (const auto& tp : m.partitions) core.marker_done(m.id, tp, outcome, now);
  }
  drain();
}

std::vector<std::optional<txn_record>> harness::records_of(const std::string& id) {
  std::vector<std::optional<txn_record>> out;
  for (const auto& r : log[partition_of(id)]) {
    std::optional<protocol::bytes_view> value;
    if (r.value) value = protocol::bytes_view(*r.value);
    auto decoded = decode_txn_record(r.key, value);
    EXPECT_TRUE(decoded.ok());
    if (!decoded.ok()) continue;
    const auto& entry = std::get<txn_entry>(*decoded);
    if (entry.transactional_id == id) out.push_back(entry.value);
  }
  return out;
}

reply<protocol::init_producer_id_response> harness::init(std::optional<std::string> id,
                                                         int32_t timeout_ms, int64_t pid,
                                                         int16_t epoch, int16_t version) {
  protocol::init_producer_id_request r;
  r.transactional_id = std::move(id);
  r.transaction_timeout_ms = timeout_ms;
  r.producer_id = pid;
  r.producer_epoch = epoch;
  reply<protocol::init_producer_id_response> out;
  core.init_producer_id(r, version, now, out.sink());
  drain();
  return out;
}

producer harness::init_ok(const std::string& id, int32_t timeout_ms) {
  auto r = init(id, timeout_ms);
  EXPECT_TRUE(r.done());
  if (!r.done()) return {};
  EXPECT_EQ(r->error_code, 0);
  return producer{r->producer_id, r->producer_epoch};
}

reply<protocol::add_partitions_to_txn_response> harness::add(const std::string& id, producer p,
                                                             std::vector<topic_partition> tps,
                                                             int16_t version) {
  protocol::add_partitions_to_txn_request r;
  r.v3_and_below_transactional_id = id;
  r.v3_and_below_producer_id = p.pid;
  r.v3_and_below_producer_epoch = p.epoch;
  r.v3_and_below_topics = topics_of(tps);
  reply<protocol::add_partitions_to_txn_response> out;
  core.add_partitions_to_txn(r, version, now, out.sink());
  drain();
  return out;
}

reply<protocol::add_partitions_to_txn_response> harness::add_v4(const std::string& id, producer p,
                                                                std::vector<topic_partition> tps,
                                                                bool verify_only) {
  protocol::add_partitions_to_txn_request r;
  auto& t = r.transactions.emplace_back();
  t.transactional_id = id;
  t.producer_id = p.pid;
  t.producer_epoch = p.epoch;
  t.verify_only = verify_only;
  t.topics = topics_of(tps);
  reply<protocol::add_partitions_to_txn_response> out;
  core.add_partitions_to_txn(r, 4, now, out.sink());
  drain();
  return out;
}

reply<protocol::add_offsets_to_txn_response> harness::add_offsets(const std::string& id, producer p,
                                                                  const std::string& group,
                                                                  int16_t version) {
  protocol::add_offsets_to_txn_request r;
  r.transactional_id = id;
  r.producer_id = p.pid;
  r.producer_epoch = p.epoch;
  r.group_id = group;
  reply<protocol::add_offsets_to_txn_response> out;
  core.add_offsets_to_txn(r, version, now, out.sink());
  drain();
  return out;
}

reply<protocol::end_txn_response> harness::end(const std::string& id, producer p, bool commit,
                                               int16_t version) {
  protocol::end_txn_request r;
  r.transactional_id = id;
  r.producer_id = p.pid;
  r.producer_epoch = p.epoch;
  r.committed = commit;
  reply<protocol::end_txn_response> out;
  core.end_txn(r, version, now, out.sink());
  drain();
  return out;
}

reply<protocol::describe_transactions_response> harness::describe(std::vector<std::string> ids) {
  protocol::describe_transactions_request r;
  r.transactional_ids = std::move(ids);
  reply<protocol::describe_transactions_response> out;
  core.describe_transactions(r, 0, out.sink());
  drain();
  return out;
}

reply<protocol::list_transactions_response> harness::list(std::vector<std::string> states,
                                                          std::vector<int64_t> pids,
                                                          int64_t duration) {
  protocol::list_transactions_request r;
  r.state_filters = std::move(states);
  r.producer_id_filters = std::move(pids);
  r.duration_filter = duration;
  reply<protocol::list_transactions_response> out;
  core.list_transactions(r, 1, now, out.sink());
  drain();
  return out;
}

producer harness::begin(const std::string& id, std::vector<topic_partition> tps) {
  producer p = init_ok(id);
  auto r = add(id, p, std::move(tps));
  EXPECT_TRUE(r.done());
  for (const auto& [tp, e] : partition_errors(*r)) EXPECT_EQ(e, 0) << tp.topic << tp.partition;
  return p;
}

}  // namespace sluice::transaction::testing
