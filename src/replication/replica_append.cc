// replica_manager::append — the Produce path: validate each partition's batch as Kafka does,
// append it to the partition log (offsets and leader epoch patched in place), wake fetchers
// waiting on the partition, and for acks=-1 wait until the high watermark covers the append.
// In cluster mode only the leader appends; acks=-1 needs min.insync.replicas in the ISR before
// the append (NOT_ENOUGH_REPLICAS) and when the high watermark covers it
// (NOT_ENOUGH_REPLICAS_AFTER_APPEND).
#include <spdlog/spdlog.h>

#include "protocol/record_batch.h"
#include "replication/replica_manager_impl.h"

namespace sluice::replication {

namespace {

errc from_batch(protocol::batch_errc e) {
  switch (protocol::kafka_error_code(e)) {
    case 2:
      return errc::corrupt_message;
    case 10:
      return errc::message_too_large;
    case 32:
      return errc::invalid_timestamp;
    case 87:
      return errc::invalid_record;
    default:
      return errc::unknown;
  }
}

// Waits until every appended partition's high watermark passes its last appended offset, or the
// partition changes leader.
class delayed_produce final : public delayed_operation {
 public:
  struct pending {
    std::shared_ptr<partition> p;
    int64_t required_offset;  // high watermark must reach last offset + 1
    size_t outcome_index;
    int32_t leader_epoch;  // the epoch the batch was appended in
    bool resolved = false;
  };

  delayed_produce(std::vector<append_outcome> outcomes, std::vector<pending> waiting,
                  append_done done)
      : outcomes_(std::move(outcomes)), waiting_(std::move(waiting)), done_(std::move(done)) {}

  bool try_complete() override {
    bool all = true;
    for (auto& w : waiting_) {
      if (w.resolved) continue;
      auto& out = outcomes_[w.outcome_index];
      if (!w.p->is_leader() || w.p->leader_epoch() != w.leader_epoch) {
        out.error = errc::not_leader;
        out.message = "leadership moved before the in-sync replicas acknowledged";
        w.resolved = true;
      } else if (w.p->high_watermark() >= w.required_offset) {
        if (w.p->managed() && w.p->isr_size() < static_cast<size_t>(w.p->min_insync_replicas())) {
          out.error = errc::not_enough_replicas_after_append;
          out.message = "the ISR shrank below min.insync.replicas";
        }
        w.resolved = true;
      } else {
        all = false;
      }
    }
    if (!all) return false;
    done_(std::move(outcomes_));
    return true;
  }

  void on_expire() override {
    for (const auto& w : waiting_) {
      if (!w.resolved && w.p->high_watermark() < w.required_offset) {
        outcomes_[w.outcome_index].error = errc::request_timed_out;
        outcomes_[w.outcome_index].message = "the in-sync replicas did not all acknowledge in time";
      }
    }
    done_(std::move(outcomes_));
  }

 private:
  std::vector<append_outcome> outcomes_;
  std::vector<pending> waiting_;
  append_done done_;
};

}  // namespace

void replica_manager::append(int16_t acks, int32_t timeout_ms, std::vector<append_entry> entries,
                             append_done done, std::optional<produce_transaction> transaction) {
  auto& s = *impl_;
  if (!s.opts.verify_transaction)
    return append_verified(acks, timeout_ms, std::move(entries), {}, {}, std::move(done));
  // Every transactional batch from a producer gets a guard (KIP-890); those that would open a
  // transaction in their partition are verified with the coordinator first (Kafka's rule: an open
  // transaction was verified when it began), and the append then needs the guard still held.
  std::vector<std::optional<uint64_t>> guards(entries.size());
  verification_request request;
  if (transaction) {
    request.transactional_id = transaction->transactional_id;
    request.abortable_error_supported = transaction->abortable_error_supported;
  }
  const int64_t now = wall_clock_ms();
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& entry = entries[i];
    if (entry.origin != append_origin::client) continue;
    auto h = protocol::batch_header::parse(entry.batch);
    if (!h || !h->is_transactional() || h->is_control() || h->producer_id < 0) continue;
    auto p = s.find(entry.topic, entry.partition);
    if (!p || !p->is_leader()) continue;  // answered as such by the append
    guards[i] = p->log().start_transaction_verification(h->producer_id, h->base_sequence,
                                                        h->producer_epoch, now);
    if (*guards[i] == 0 || !transaction) continue;
    request.producer_id = h->producer_id;
    request.producer_epoch = h->producer_epoch;
    request.partitions.emplace_back(entry.topic, entry.partition);
  }
  if (request.partitions.empty())
    return append_verified(acks, timeout_ms, std::move(entries), {}, std::move(guards),
                           std::move(done));
  struct pending {
    std::vector<append_entry> entries;
    std::vector<std::optional<uint64_t>> guards;
    append_done done;
  };
  auto shared =
      std::make_shared<pending>(pending{std::move(entries), std::move(guards), std::move(done)});
  s.opts.verify_transaction(
      std::move(request), [this, acks, timeout_ms, shared](verification_result refused) {
        append_verified(acks, timeout_ms, std::move(shared->entries), std::move(refused),
                        std::move(shared->guards), std::move(shared->done));
      });
}

void replica_manager::append_verified(int16_t acks, int32_t timeout_ms,
                                      std::vector<append_entry> entries,
                                      verification_result refused,
                                      std::vector<std::optional<uint64_t>> guards,
                                      append_done done) {
  auto& s = *impl_;
  std::vector<append_outcome> outcomes(entries.size());
  std::vector<delayed_produce::pending> waiting;
  std::vector<uint8_t> scratch;
  const int64_t now = wall_clock_ms();

  for (size_t i = 0; i < entries.size(); ++i) {
    auto& entry = entries[i];
    auto& out = outcomes[i];
    if (auto it = refused.find({entry.topic, entry.partition}); it != refused.end()) {
      out.error = it->second.error;
      out.message = it->second.message;
      continue;
    }
    auto p = s.find(entry.topic, entry.partition);
    if (!p) {
      out.error = errc::unknown_topic_or_partition;
      continue;
    }
    if (!p->is_leader()) {
      out.error = errc::not_leader;
      continue;
    }
    out.log_start_offset = p->log().log_start_offset();
    auto config = p->log().config();

    protocol::append_validation_options check;
    check.topic_timestamp_type = config->message_timestamp_type;
    check.now_ms = now;
    check.max_timestamp_before_ms = config->timestamp_before_max_ms();
    check.max_timestamp_after_ms = config->timestamp_after_max_ms();
    check.require_keys = config->cleanup_compact;
    check.allow_control_batches = entry.origin == append_origin::coordinator;
    check.max_decompressed_bytes =
        std::max<size_t>(protocol::default_max_decompressed_bytes,
                         static_cast<size_t>(config->max_message_bytes) * 4);
    std::vector<protocol::append_validation_options::record_error> bad_records;
    const std::string partition_name = entry.topic + "-" + std::to_string(entry.partition);
    check.record_errors = &bad_records;
    check.partition = partition_name;
    auto valid = protocol::validate_for_append(entry.batch, check, scratch);
    if (!valid) {
      out.error = from_batch(valid.code());
      out.message = valid.message().empty() ? std::string(protocol::to_string(valid.code()))
                                            : valid.message();
      // Every bad record, as Kafka's RecordValidationException lists them (KIP-467); errors of
      // the batch as a whole name no record.
      for (auto& r : bad_records)
        out.record_errors.emplace_back(r.batch_index, std::move(r.message));
      continue;
    }

    bool hw_moved = false;
    bool appended_any = false;
    bool leading = p->with_leader_lock([&](int32_t leader_epoch) {
      if (acks == -1 && p->managed() &&
          p->isr_size() < static_cast<size_t>(p->min_insync_replicas())) {
        out.error = errc::not_enough_replicas;
        out.message = "the ISR has " + std::to_string(p->isr_size()) +
                      " replicas, min.insync.replicas is " +
                      std::to_string(p->min_insync_replicas());
        return;
      }
      storage::append_options options;
      options.leader_epoch = leader_epoch;
      options.now_ms = now;
      options.crc_verified = true;  // validate_for_append checked it: do not pay for it twice
      options.origin = entry.origin == append_origin::coordinator
                           ? storage::append_origin::coordinator
                           : storage::append_origin::client;
      if (i < guards.size() && guards[i]) options.verified = storage::verification{*guards[i]};
      auto appended = p->log().append(entry.batch, options);
      if (!appended) {
        out.error = from_storage(appended.code());
        out.message = appended.message();
        if (out.error == errc::storage_error)
          spdlog::error("append to {} failed: {}", p->key(), appended.message());
        return;
      }
      out.base_offset = appended->first_offset;
      out.log_append_time = appended->log_append_time;
      out.log_start_offset = appended->log_start_offset;
      // A retried batch already in the log: the producer gets the original's offset, as from
      // Kafka, and (with acks=-1) waits until that batch is replicated.
      if (!appended->duplicate) {
        hw_moved = p->maybe_advance_high_watermark();
        appended_any = true;
      }
      if (acks == -1) waiting.push_back({p, appended->last_offset + 1, i, leader_epoch});
    });
    if (!leading) out.error = errc::not_leader;
    // Outside the leader lock: completions may append again.
    if (hw_moved) s.produce_waiters.notify(p->key());
    if (appended_any) s.fetch_waiters.notify(p->key());
  }

  if (acks != -1 || waiting.empty()) return done(std::move(outcomes));
  std::vector<std::string> keys;
  for (const auto& w : waiting) keys.push_back(w.p->key());
  auto op =
      std::make_shared<delayed_produce>(std::move(outcomes), std::move(waiting), std::move(done));
  s.produce_waiters.add(op, keys, clock::now() + std::chrono::milliseconds(timeout_ms));
}

}  // namespace sluice::replication
