// replica_manager::fetch — reads whole batches from each requested partition as file regions
// (sent with sendfile by the network layer), bounded by the high watermark (or the last stable
// offset for read_committed) for consumers and by the log end for followers, and by the
// per-partition and total byte limits. When fewer than min_bytes are available it waits — woken
// by appends and high-watermark moves through the delayed-operation queue — until enough arrive
// or max_wait_ms passes, then reads again.
//
// A debugging consumer (replica_id -2, Kafka's DEBUGGING_CONSUMER_ID) is served by followers too,
// to their high watermark: kafka-replica-verification.sh compares every replica's records so.
//
// A follower's fetch (replica_id >= 0) is also its acknowledgement: on arrival the leader records
// the fetch offset as the follower's log end (maybe advancing the high watermark and expanding the
// ISR), unless the follower's last fetched epoch shows its log diverged (Fetch v12): then it gets
// the epoch and end offset to truncate to, and no records.
//
// KIP-73: a follower's fetch of a replica its topic lists in leader.replication.throttled.replicas
// (for this broker) gets no records while the follower is out of the ISR and the leader's
// replication rate is above leader.replication.throttled.rate; the bytes sent for listed
// replicas are recorded against that rate (replication_throttle).
#include "replication/replica_manager_impl.h"

namespace sluice::replication {

namespace {

struct fetch_state {
  fetch_request_params params;
  std::vector<std::shared_ptr<partition>> partitions;  // null where unknown
  std::vector<std::optional<errc>> lookup_errors;
  std::vector<std::optional<epoch_end_offset>> divergence;  // followers only
  std::vector<bool> throttled;  // followers only: listed for the leader throttle
  replication_throttle* throttle = nullptr;
};

// The bytes of throttled replicas in a final answer count against the leader's rate.
void charge_throttle(const fetch_state& st, const std::vector<fetch_partition_result>& results) {
  if (st.throttle == nullptr) return;
  int64_t bytes = 0;
  for (size_t i = 0; i < results.size(); ++i)
    if (st.throttled[i]) bytes += static_cast<int64_t>(results[i].records.size());
  st.throttle->record(bytes);
}

// Reads every partition once; returns the results and the bytes they carry.
std::pair<std::vector<fetch_partition_result>, int64_t> read_all(const fetch_state& st) {
  std::vector<fetch_partition_result> results(st.params.partitions.size());
  std::optional<bool> over_throttle;  // asked once per read, when a throttled replica needs it
  int64_t total = 0;
  int64_t budget = st.params.max_bytes;
  bool first_data = true;
  for (size_t i = 0; i < results.size(); ++i) {
    auto& out = results[i];
    const auto& req = st.params.partitions[i];
    if (st.lookup_errors[i]) {
      out.error = st.lookup_errors[i];
      continue;
    }
    const auto& p = st.partitions[i];
    if (req.current_leader_epoch >= 0 && req.current_leader_epoch != p->leader_epoch()) {
      out.error = req.current_leader_epoch < p->leader_epoch() ? errc::fenced_leader_epoch
                                                               : errc::unknown_leader_epoch;
      continue;
    }
    if (!p->is_leader() && st.params.replica_id != debugging_replica_id) {
      out.error = errc::not_leader;
      continue;
    }
    int64_t hw = p->high_watermark();
    int64_t lso = p->last_stable_offset();
    int64_t bound = st.params.read_committed ? lso : hw;
    if (st.params.replica_id >= 0) bound = p->log().log_end_offset();  // followers read to LEO
    out.high_watermark = hw;
    out.last_stable_offset = lso;
    out.log_start_offset = p->log().log_start_offset();
    out.records = protocol::records::view({});
    if (const auto& d = st.divergence[i]) {
      out.diverging_epoch = d->leader_epoch;
      out.diverging_end_offset = d->end_offset;
      continue;
    }
    int64_t log_end = p->log().log_end_offset();
    if (req.fetch_offset < out.log_start_offset || req.fetch_offset > log_end) {
      out.error = errc::offset_out_of_range;
      continue;
    }
    if (req.fetch_offset >= bound || budget <= 0) continue;
    if (st.throttled[i]) {
      if (!over_throttle) over_throttle = st.throttle->exceeded();
      if (*over_throttle) {
        const auto isr = p->isr();
        if (std::find(isr.begin(), isr.end(), st.params.replica_id) == isr.end()) continue;
      }
    }
    int32_t limit = static_cast<int32_t>(std::min<int64_t>(req.max_bytes, budget));
    // Kafka hands out at least one whole batch for the first partition with data, so a batch
    // larger than the limits cannot block a consumer forever.
    auto read = p->log().read(req.fetch_offset, limit, bound, first_data);
    if (!read) {
      out.error = from_storage(read.code());
      continue;
    }
    if (read->region.size > 0) {
      first_data = false;
      total += read->region.size;
      budget -= read->region.size;
      out.records = protocol::records::file(read->region);
      // The records stay bytes on their way to the socket; only the small .txnindex is read.
      if (st.params.read_committed && st.params.replica_id < 0) {
        for (const auto& a :
             p->log().aborted_transactions(req.fetch_offset, std::min(read->end_offset, bound)))
          out.aborted.push_back({a.producer_id, a.first_offset});
      }
    }
  }
  return {std::move(results), total};
}

class delayed_fetch final : public delayed_operation {
 public:
  delayed_fetch(std::shared_ptr<const fetch_state> st, fetch_done done)
      : st_(std::move(st)), done_(std::move(done)) {}

  bool try_complete() override {
    auto [results, bytes] = read_all(*st_);
    bool errors = false;
    for (const auto& r : results) errors |= r.error.has_value() || r.diverging_epoch >= 0;
    if (bytes < st_->params.min_bytes && !errors) return false;
    charge_throttle(*st_, results);
    done_(std::move(results));
    return true;
  }
  void on_expire() override {
    auto results = read_all(*st_).first;
    charge_throttle(*st_, results);
    done_(std::move(results));
  }

 private:
  std::shared_ptr<const fetch_state> st_;
  fetch_done done_;
};

}  // namespace

std::optional<epoch_end_offset> replica_manager::impl::record_follower_fetch(
    const std::shared_ptr<partition>& p, int32_t replica, const fetch_partition_request& req) {
  if (!p->managed() || !p->is_leader()) return std::nullopt;
  if (req.current_leader_epoch >= 0 && req.current_leader_epoch != p->leader_epoch())
    return std::nullopt;  // read_all answers with the epoch error
  if (req.last_fetched_epoch >= 0) {
    auto end = p->log().end_offset_for_epoch(req.last_fetched_epoch);
    if (end.epoch < req.last_fetched_epoch || end.end_offset < req.fetch_offset) {
      if (end.epoch >= 0) return epoch_end_offset{end.epoch, end.end_offset};
    }
  }
  if (req.fetch_offset > p->log().log_end_offset()) return std::nullopt;  // out of range
  auto effect = p->record_follower_fetch(replica, req.fetch_offset, req.log_start_offset, now_ms());
  if (effect.high_watermark_moved) notify(*p);
  if (effect.expand) send_isr_change(p, std::move(*effect.expand));
  return std::nullopt;
}

void replica_manager::fetch(fetch_request_params params, fetch_done done) {
  auto& s = *impl_;
  auto st = std::make_shared<fetch_state>();
  st->params = std::move(params);
  std::vector<std::string> keys;
  for (const auto& req : st->params.partitions) {
    std::shared_ptr<partition> p;
    std::optional<errc> error;
    if (req.topic.empty() && !req.topic_id.is_zero()) {
      p = s.find_by_id(req.topic_id, req.partition);
      if (!p) error = errc::unknown_topic_id;
    } else {
      p = s.find(req.topic, req.partition);
      if (!p) error = errc::unknown_topic_or_partition;
    }
    if (p) keys.push_back(p->key());
    st->divergence.push_back(p && st->params.replica_id >= 0
                                 ? s.record_follower_fetch(p, st->params.replica_id, req)
                                 : std::nullopt);
    const bool throttled = p && st->params.replica_id >= 0 && p->leader_throttled();
    st->throttled.push_back(throttled);
    if (throttled) st->throttle = s.leader_throttle.get();
    st->partitions.push_back(std::move(p));
    st->lookup_errors.push_back(error);
  }

  auto [results, bytes] = read_all(*st);
  bool errors = false;
  for (const auto& r : results) errors |= r.error.has_value() || r.diverging_epoch >= 0;
  if (st->params.max_wait_ms <= 0 || bytes >= st->params.min_bytes || errors || keys.empty()) {
    charge_throttle(*st, results);
    return done(std::move(results));
  }

  auto op = std::make_shared<delayed_fetch>(st, std::move(done));
  s.fetch_waiters.add(op, keys, clock::now() + std::chrono::milliseconds(st->params.max_wait_ms));
}

}  // namespace sluice::replication
