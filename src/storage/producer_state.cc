#include "storage/producer_state.h"

#include <algorithm>

namespace sluice::storage {

namespace {

// Whether `next` may follow `last` (sequences wrap from INT32_MAX to 0).
bool in_sequence(int32_t last, int32_t next) {
  return int64_t{next} == int64_t{last} + 1 || (next == 0 && last == INT32_MAX);
}

// `sequence` minus `delta`, wrapping below 0 to INT32_MAX (the inverse of last_sequence()).
int32_t decrement_sequence(int32_t sequence, int32_t delta) {
  if (sequence < 0) return -1;
  if (sequence < delta) return static_cast<int32_t>(int64_t{INT32_MAX} - (delta - sequence) + 1);
  return sequence - delta;
}

void push_batch(producer_entry& e, const batch_metadata& b) {
  if (e.batches.size() == producer_entry::batches_kept) e.batches.erase(e.batches.begin());
  e.batches.push_back(b);
}

// A producer's batches start over with a new epoch.
void set_epoch(producer_entry& e, int16_t epoch) {
  if (e.epoch == epoch) return;
  e.batches.clear();
  e.epoch = epoch;
}

std::string producer_text(int64_t producer_id, int64_t offset) {
  return "producer " + std::to_string(producer_id) + " at offset " + std::to_string(offset);
}

// Kafka's epoch check: a batch or marker from an older epoch than the latest is a zombie's.
result<void> check_epoch(const producer_entry& staged, int16_t epoch, int64_t offset,
                         append_origin origin) {
  if (epoch >= staged.epoch || origin == append_origin::replication) return ok_v;
  return fail(errc::invalid_producer_epoch, "epoch " + std::to_string(epoch) + " of " +
                                                producer_text(staged.producer_id, offset) +
                                                " is older than its latest epoch " +
                                                std::to_string(staged.epoch));
}

// Kafka's sequence check for a client's data batch. `staged` holds what this append has added so
// far (no batches yet for the append's first batch of the producer), `current` what the log holds.
result<void> check_sequence(const producer_entry& staged, const producer_entry* current,
                            const producer_batch& b) {
  const int32_t first = b.base_sequence;
  if (b.producer_epoch != staged.epoch) {
    if (first != 0 && staged.epoch != -1)
      return fail(errc::out_of_order_sequence,
                  "sequence " + std::to_string(first) + " of " +
                      producer_text(b.producer_id, b.base_offset) + " starts new epoch " +
                      std::to_string(b.producer_epoch) + " (a new epoch starts at sequence 0)");
    return ok_v;
  }
  const int16_t current_epoch = current ? current->epoch : int16_t{-1};
  int32_t last = -1;
  if (!staged.batches.empty()) {
    last = staged.last_sequence();
  } else if (current && b.producer_epoch == current_epoch) {
    last = current->last_sequence();
  }
  // Without a known epoch (the producer's batches were all removed), any sequence goes.
  if (current_epoch == -1 || in_sequence(last, first)) return ok_v;
  return fail(errc::out_of_order_sequence, "sequence " + std::to_string(first) + " of " +
                                               producer_text(b.producer_id, b.base_offset) +
                                               " does not follow its last sequence " +
                                               std::to_string(last));
}

}  // namespace

producer_batch producer_batch::from_header(const protocol::batch_header& h) {
  producer_batch b;
  b.producer_id = h.producer_id;
  b.producer_epoch = h.producer_epoch;
  b.base_sequence = h.base_sequence;
  b.last_offset_delta = h.last_offset_delta;
  b.base_offset = h.base_offset;
  b.max_timestamp = h.max_timestamp;
  b.transactional = h.is_transactional();
  b.control = h.is_control();
  b.marker_timestamp = h.max_timestamp;
  return b;
}

int32_t producer_batch::last_sequence() const {
  if (base_sequence < 0) return -1;
  if (base_sequence > INT32_MAX - last_offset_delta)
    return static_cast<int32_t>(int64_t{last_offset_delta} - (INT32_MAX - base_sequence) - 1);
  return base_sequence + last_offset_delta;
}

const batch_metadata* producer_entry::find_batch(int16_t batch_epoch, int32_t first_seq,
                                                 int32_t last_seq) const {
  if (batch_epoch != epoch) return nullptr;
  for (const auto& b : batches) {
    if (b.first_sequence == first_seq && b.last_sequence == last_seq) return &b;
  }
  return nullptr;
}

producer_state::producer_state(int64_t producer_id_expiration_ms)
    : expiration_ms_(producer_id_expiration_ms) {}

const producer_entry* producer_state::find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

uint64_t producer_state::start_verification(int64_t producer_id, int32_t sequence, int16_t epoch,
                                            int64_t now_ms) {
  const producer_entry* e = find(producer_id);
  if (e != nullptr && e->current_txn_first_offset) return 0;
  auto [it, inserted] = verifications_.try_emplace(producer_id);
  verification_entry& v = it->second;
  if (inserted) {
    v.guard = next_guard_++;
    v.lowest_sequence = sequence;
  } else {
    v.lowest_sequence = std::min(v.lowest_sequence, sequence);
  }
  v.epoch = epoch;
  v.created_ms = now_ms;
  return v.guard;
}

result<producer_update> producer_state::prepare(std::span<const producer_batch> batches,
                                                append_origin origin,
                                                const verification* verified) const {
  producer_update up;
  for (const auto& b : batches) {
    up.end_offset = b.last_offset() + 1;
    if (b.producer_id < 0) continue;
    if (b.control && !b.marker) continue;  // an emptied marker: the transaction is long gone
    const producer_entry* current = find(b.producer_id);
    if (origin == append_origin::client && current != nullptr) {
      if (auto* dup = current->find_batch(b.producer_epoch, b.base_sequence, b.last_sequence())) {
        producer_update d;
        d.duplicate = *dup;
        return d;
      }
    }
    auto [it, inserted] = up.entries.try_emplace(b.producer_id);
    producer_entry& staged = it->second;
    if (inserted) {
      staged.producer_id = b.producer_id;
      if (current != nullptr) {
        staged.epoch = current->epoch;
        staged.coordinator_epoch = current->coordinator_epoch;
        staged.last_timestamp = current->last_timestamp;
        staged.current_txn_first_offset = current->current_txn_first_offset;
      }
    }

    if (b.marker) {
      auto epoch_ok = check_epoch(staged, b.producer_epoch, b.base_offset, origin);
      if (!epoch_ok) return std::move(epoch_ok).error();
      if (staged.coordinator_epoch > b.marker->coordinator_epoch &&
          origin != append_origin::replication)
        return fail(errc::transaction_coordinator_fenced,
                    "marker of " + producer_text(b.producer_id, b.base_offset) +
                        " from coordinator epoch " + std::to_string(b.marker->coordinator_epoch) +
                        ", older than " + std::to_string(staged.coordinator_epoch));
      up.marked_producers.push_back(b.producer_id);
      // A marker without data before it (an empty transaction) leaves no trace in the index.
      if (staged.current_txn_first_offset)
        up.completed_txns.push_back({b.producer_id, *staged.current_txn_first_offset, b.base_offset,
                                     b.marker->type == protocol::control_type::abort});
      set_epoch(staged, b.producer_epoch);
      staged.coordinator_epoch = b.marker->coordinator_epoch;
      staged.current_txn_first_offset.reset();
      staged.last_timestamp = b.marker_timestamp;
      continue;
    }

    auto epoch_ok = check_epoch(staged, b.producer_epoch, b.base_offset, origin);
    if (!epoch_ok) return std::move(epoch_ok).error();
    if (origin == append_origin::client && verified != nullptr && b.transactional &&
        !staged.current_txn_first_offset) {
      // Opening a transaction: only with the guard this append was verified under, still held.
      auto v = verifications_.find(b.producer_id);
      if (v == verifications_.end() || verified->guard == 0 || v->second.guard != verified->guard)
        return fail(errc::invalid_txn_state, "transactional batch of " +
                                                 producer_text(b.producer_id, b.base_offset) +
                                                 " was not part of an ongoing transaction");
      if (b.base_sequence > v->second.lowest_sequence)
        return fail(errc::out_of_order_sequence, "sequence " + std::to_string(b.base_sequence) +
                                                     " of " +
                                                     producer_text(b.producer_id, b.base_offset) +
                                                     " is past the earliest verified sequence " +
                                                     std::to_string(v->second.lowest_sequence));
    }
    if (origin == append_origin::client) {
      auto seq_ok = check_sequence(staged, current, b);
      if (!seq_ok) return std::move(seq_ok).error();
    }
    set_epoch(staged, b.producer_epoch);
    push_batch(staged, {b.base_sequence < 0 ? -1 : b.base_sequence, b.last_sequence(),
                        b.base_offset, b.last_offset(), b.max_timestamp});
    staged.last_timestamp = b.max_timestamp;
    if (staged.current_txn_first_offset && !b.transactional) {
      if (origin != append_origin::replication)
        return fail(errc::invalid_txn_state,
                    "non-transactional batch of " + producer_text(b.producer_id, b.base_offset) +
                        " while its transaction from offset " +
                        std::to_string(*staged.current_txn_first_offset) + " is open");
    } else if (!staged.current_txn_first_offset && b.transactional) {
      staged.current_txn_first_offset = b.base_offset;
      up.started_txns.emplace_back(b.base_offset, b.producer_id);
    }
  }
  return up;
}

std::optional<int64_t> producer_state::next_open_txn(int64_t producer_id) const {
  for (const auto& [first, pid] : open_txns_) {
    if (pid != producer_id) return first;
  }
  return std::nullopt;
}

std::vector<aborted_txn> producer_state::apply(producer_update up) {
  for (auto& [pid, staged] : up.entries) {
    auto it = producers_.find(pid);
    if (it == producers_.end()) {
      producers_.emplace(pid, std::move(staged));
      continue;
    }
    producer_entry& e = it->second;
    set_epoch(e, staged.epoch);
    for (const auto& b : staged.batches) push_batch(e, b);
    e.coordinator_epoch = staged.coordinator_epoch;
    e.current_txn_first_offset = staged.current_txn_first_offset;
    e.last_timestamp = staged.last_timestamp;
  }
  for (const auto& [first, pid] : up.started_txns) {
    open_txns_[first] = pid;
    verifications_.erase(pid);  // used up: the transaction is open now
  }
  std::vector<aborted_txn> aborted;
  // Whatever was verified belonged to the transaction a marker ends, with data here or not.
  for (int64_t pid : up.marked_producers) verifications_.erase(pid);
  for (const auto& c : up.completed_txns) {
    // The last stable offset as the marker lands: the first open transaction of another
    // producer, else the offset right after the marker.
    int64_t lso = next_open_txn(c.producer_id).value_or(c.last_offset + 1);
    if (c.aborted) aborted.push_back({c.producer_id, c.first_offset, c.last_offset, lso});
    open_txns_.erase(c.first_offset);
    if (high_watermark_ >= 0 && c.last_offset >= high_watermark_)
      unreplicated_[c.first_offset] = {c.producer_id, c.last_offset};
  }
  if (up.end_offset >= 0) end_offset_ = up.end_offset;
  return aborted;
}

std::vector<aborted_txn> producer_state::replay(const producer_batch& batch) {
  auto up = prepare(std::span(&batch, 1), append_origin::replication);
  if (!up) return {};  // replication checks nothing: cannot happen
  return apply(std::move(*up));
}

std::optional<int64_t> producer_state::first_unstable_offset() const {
  std::optional<int64_t> out;
  if (!open_txns_.empty()) out = open_txns_.begin()->first;
  if (!unreplicated_.empty()) {
    int64_t u = unreplicated_.begin()->first;
    out = out ? std::min(*out, u) : u;
  }
  return out;
}

void producer_state::on_high_watermark_updated(int64_t offset) {
  high_watermark_ = offset;
  std::erase_if(unreplicated_, [&](const auto& kv) { return kv.second.last_offset < offset; });
}

void producer_state::truncate_head(int64_t offset) {
  // A producer whose batches are all gone (the log start passed its last one) is forgotten, as
  // compaction and retention intend; one known only from markers (no batch) stays until expiry.
  std::erase_if(producers_, [&](const auto& kv) {
    const producer_entry& e = kv.second;
    return !e.current_txn_first_offset && e.last_data_offset() >= 0 &&
           e.last_data_offset() < offset;
  });
  std::erase_if(unreplicated_, [&](const auto& kv) { return kv.second.last_offset < offset; });
  if (end_offset_ < offset) end_offset_ = offset;
}

bool producer_state::expired(const producer_entry& e, int64_t now_ms) const {
  return !e.current_txn_first_offset && now_ms - e.last_timestamp >= expiration_ms_;
}

void producer_state::remove_expired(int64_t now_ms) {
  std::erase_if(producers_, [&](const auto& kv) { return expired(kv.second, now_ms); });
  std::erase_if(verifications_,
                [&](const auto& kv) { return now_ms - kv.second.created_ms >= expiration_ms_; });
}

void producer_state::clear(int64_t end_offset) {
  producers_.clear();
  verifications_.clear();
  open_txns_.clear();
  unreplicated_.clear();
  end_offset_ = end_offset;
}

std::vector<producer_info> producer_state::active_producers() const {
  std::vector<producer_info> out;
  out.reserve(producers_.size());
  for (const auto& [pid, e] : producers_)
    out.push_back({pid, e.epoch, e.last_sequence(), e.last_timestamp, e.coordinator_epoch,
                   e.current_txn_first_offset.value_or(-1)});
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.producer_id < b.producer_id; });
  return out;
}

std::unordered_map<int64_t, producer_last_record> producer_state::last_records() const {
  std::unordered_map<int64_t, producer_last_record> out;
  for (const auto& [pid, e] : producers_) out[pid] = {e.last_data_offset(), e.epoch};
  return out;
}

std::vector<producer_snapshot_entry> producer_state::snapshot_entries() const {
  std::vector<producer_snapshot_entry> out;
  out.reserve(producers_.size());
  for (const auto& [pid, e] : producers_) {
    producer_snapshot_entry s;
    s.producer_id = pid;
    s.epoch = e.epoch;
    s.last_sequence = e.last_sequence();
    s.last_offset = e.last_data_offset();
    s.offset_delta =
        e.batches.empty()
            ? 0
            : static_cast<int32_t>(e.batches.back().last_offset - e.batches.back().first_offset);
    s.timestamp = e.last_timestamp;
    s.coordinator_epoch = e.coordinator_epoch;
    s.current_txn_first_offset = e.current_txn_first_offset.value_or(-1);
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.producer_id < b.producer_id; });
  return out;
}

void producer_state::load(std::span<const producer_snapshot_entry> entries, int64_t end_offset,
                          int64_t now_ms) {
  clear(end_offset);
  for (const auto& s : entries) {
    producer_entry e;
    e.producer_id = s.producer_id;
    e.epoch = s.epoch;
    e.coordinator_epoch = s.coordinator_epoch;
    e.last_timestamp = s.timestamp;
    if (s.current_txn_first_offset >= 0) e.current_txn_first_offset = s.current_txn_first_offset;
    if (s.last_offset >= 0)
      e.batches.push_back({decrement_sequence(s.last_sequence, s.offset_delta), s.last_sequence,
                           s.last_offset - s.offset_delta, s.last_offset, s.timestamp});
    if (expired(e, now_ms)) continue;
    if (e.current_txn_first_offset) open_txns_[*e.current_txn_first_offset] = e.producer_id;
    producers_.emplace(e.producer_id, std::move(e));
  }
}

}  // namespace sluice::storage
