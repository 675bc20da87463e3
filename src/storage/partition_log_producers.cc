// partition_log's producer state: the checks of an append's batches, replaying the log into the
// state, producer snapshots, the transaction index searches of read_committed fetches.
#include <spdlog/spdlog.h>

#include "protocol/record_batch.h"
#include "storage/partition_log.h"
#include "storage/producer_snapshot.h"

namespace sluice::storage {

namespace {

// The COMMIT/ABORT marker of a control batch (its one record), into `b`. False when the batch
// holds no such record (emptied by compaction, or another control type).
protocol::batch_result<bool> read_marker(std::span<const uint8_t> batch,
                                         std::vector<uint8_t>& scratch, producer_batch& b) {
  protocol::read_options opts;
  opts.verify_crc = false;  // checked on the way in, or by recovery
  auto view = protocol::record_batch_view::open(batch, scratch, opts);
  if (!view) return std::move(view).error();
  protocol::record_view rec;
  auto cursor = view->records();
  auto more = cursor.next(rec);
  if (!more) return std::move(more).error();
  if (!*more) return false;
  auto key = protocol::parse_control_key(rec);
  if (!key) return std::move(key).error();
  if (key->type != protocol::control_type::commit && key->type != protocol::control_type::abort)
    return false;
  auto marker = protocol::parse_end_txn_marker(rec);
  if (!marker) return std::move(marker).error();
  b.marker = *marker;
  b.marker_timestamp = rec.timestamp(view->header());
  return true;
}

}  // namespace

result<std::vector<producer_batch>> partition_log::producer_batches(
    std::span<const uint8_t> batches, const std::vector<size_t>& positions,
    append_origin origin) const {
  std::vector<producer_batch> out;
  out.reserve(positions.size());
  std::vector<uint8_t> scratch;
  for (size_t pos : positions) {
    auto h = protocol::batch_header::parse(batches.subspan(pos));
    if (!h) return fail(errc::corrupt_message, "unreadable batch header");
    auto b = producer_batch::from_header(*h);
    if (h->is_control() && h->producer_id >= 0) {
      auto bytes = batches.subspan(pos, static_cast<size_t>(h->total_size()));
      auto m = read_marker(bytes, scratch, b);
      if (!m && origin != append_origin::replication)
        return fail(errc::invalid_record, "control batch at offset " +
                                              std::to_string(h->base_offset) + ": " +
                                              std::string(protocol::to_string(m.code())));
    }
    out.push_back(b);
  }
  return out;
}

result<void> partition_log::replay_producers(int64_t from, int64_t to, int64_t rebuild_txn_from) {
  if (from >= to) return ok_v;
  file_io& io = *files_->io;
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> scratch;
  auto segments = segments_snapshot();
  for (size_t i = 0; i < segments.size(); ++i) {
    auto& seg = segments[i];
    int64_t end = i + 1 < segments.size() ? segments[i + 1]->base_offset() : INT64_MAX;
    if (end <= from) continue;
    if (seg->base_offset() >= to) break;
    int64_t start_pos = 0;
    if (from > seg->base_offset()) {
      auto loc = seg->find_batch(from);
      if (!loc) return std::move(loc).error();
      if (!*loc) continue;
      start_pos = (*loc)->position;
    }
    const bool rebuild = seg->base_offset() >= rebuild_txn_from;
    auto h = seg->handle();
    if (!h) return std::move(h).error();
    int fd = (*h)->fd.get();
    batch_scanner sc(io, fd, start_pos, seg->size(), {.chunk_size = 64 * 1024});
    while (sc.next()) {
      const auto& hd = sc.header();
      if (hd.last_offset() < from) continue;
      if (hd.base_offset >= to) break;
      if (hd.producer_id < 0) continue;
      auto b = producer_batch::from_header(hd);
      if (hd.is_control()) {
        // Only markers are read beyond their header; data batches are never decompressed.
        bytes.resize(static_cast<size_t>(hd.total_size()));
        auto n = io.pread(fd, bytes, sc.position());
        if (!n) return std::move(n).error();
        if (*n != bytes.size()) return fail(errc::io_error, seg->path(".log") + ": short read");
        auto m = read_marker(bytes, scratch, b);
        if (!m)
          spdlog::warn("storage: {}: unreadable control batch at offset {}: {}", seg->path(".log"),
                       hd.base_offset, protocol::to_string(m.code()));
      }
      std::vector<aborted_txn> aborted;
      {
        std::lock_guard lock(producers_mu_);
        aborted = producers_.replay(b);
      }
      if (!rebuild) continue;
      for (const auto& a : aborted) {
        auto r = seg->txn().append(a);
        if (!r) return r;
      }
    }
    if (sc.state() == batch_scanner::status::error) return fail(errc::io_error, sc.problem());
    if (sc.state() != batch_scanner::status::end && sc.state() != batch_scanner::status::ok)
      spdlog::warn("storage: replaying producers from {}: stopped at byte {}: {}",
                   seg->path(".log"), sc.position(), sc.problem());
  }
  std::lock_guard lock(producers_mu_);
  producers_.set_end_offset(to);
  return ok_v;
}

result<void> partition_log::load_producers(int64_t limit, int64_t rebuild_txn_from) {
  file_io& io = *files_->io;
  const int64_t start = log_start_.load();
  const int64_t end = log_end_.load();
  int64_t from = start;
  {
    std::lock_guard lock(producers_mu_);
    producers_.clear(start);
  }
  while (!snapshots_.empty()) {
    auto it = snapshots_.upper_bound(limit);
    if (it == snapshots_.begin()) break;
    int64_t offset = *std::prev(it);
    auto entries = read_producer_snapshot(io, files_->dir, offset);
    if (entries) {
      std::lock_guard lock(producers_mu_);
      producers_.load(*entries, offset, last_now_ms_);
      from = std::max(offset, start);
      break;
    }
    if (entries.code() != errc::corrupt_file && entries.code() != errc::not_found)
      return std::move(entries).error();
    // A damaged snapshot only costs a longer replay: report it, drop it, use an older one.
    spdlog::warn("storage: ignoring producer snapshot {} of {}: {}", offset, tp_.dir_name(),
                 entries.message());
    snapshots_.erase(offset);
    auto r = io.remove(producer_snapshot_path(files_->dir, offset));
    if (!r) return r;
  }
  auto replayed = replay_producers(from, end, rebuild_txn_from);
  if (!replayed) return replayed;
  {
    std::lock_guard lock(producers_mu_);
    producers_.truncate_head(start);
    producers_.set_end_offset(end);
  }
  // What was replayed need not be replayed again after the next crash.
  if (from < end) return take_snapshot_locked(end);
  return ok_v;
}

result<void> partition_log::take_snapshot_locked(int64_t offset) {
  if (!snapshots_.empty() && *snapshots_.rbegin() >= offset) return ok_v;
  std::vector<producer_snapshot_entry> entries;
  {
    std::lock_guard lock(producers_mu_);
    producers_.set_end_offset(std::max(producers_.end_offset(), offset));
    entries = producers_.snapshot_entries();
  }
  // Written now, fsynced by the next flush(): no fsync on the append path.
  auto w = write_producer_snapshot(*files_->io, files_->dir, offset, entries, false);
  if (!w) return w;
  snapshots_.insert(offset);
  unsynced_snapshots_.push_back(producer_snapshot_path(files_->dir, offset));
  return ok_v;
}

result<void> partition_log::delete_snapshots_locked(const std::function<bool(int64_t)>& doomed) {
  for (auto it = snapshots_.begin(); it != snapshots_.end();) {
    if (!doomed(*it)) {
      ++it;
      continue;
    }
    auto r = files_->io->remove(producer_snapshot_path(files_->dir, *it));
    if (!r) return r;
    it = snapshots_.erase(it);
  }
  return ok_v;
}

result<void> partition_log::remove_stray_snapshots() {
  std::set<int64_t> bases;
  for (const auto& [base, seg] : segments_) bases.insert(base);
  int64_t last_base = bases.empty() ? 0 : *bases.rbegin();
  std::optional<int64_t> latest_stray;
  for (int64_t offset : snapshots_) {
    if (bases.count(offset) == 0) latest_stray = offset;
  }
  return delete_snapshots_locked([&](int64_t offset) {
    if (bases.count(offset) != 0) return false;
    return offset != latest_stray || offset < last_base;
  });
}

std::optional<int64_t> partition_log::first_unstable_offset() const {
  std::lock_guard lock(producers_mu_);
  return producers_.first_unstable_offset();
}

std::vector<producer_info> partition_log::active_producers() const {
  std::lock_guard lock(producers_mu_);
  return producers_.active_producers();
}

uint64_t partition_log::start_transaction_verification(int64_t producer_id, int32_t sequence,
                                                       int16_t epoch, int64_t now_ms) {
  std::lock_guard lock(producers_mu_);
  return producers_.start_verification(producer_id, sequence, epoch, now_ms);
}

void partition_log::remove_expired_producers(int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  last_now_ms_ = std::max(last_now_ms_, now_ms);
  std::lock_guard plock(producers_mu_);
  producers_.remove_expired(now_ms);
}

void partition_log::set_producer_id_expiration_ms(int64_t ms) {
  std::lock_guard lock(producers_mu_);
  producers_.set_producer_id_expiration_ms(ms);
}

std::vector<int64_t> partition_log::producer_snapshot_offsets() const {
  std::lock_guard lock(write_mu_);
  return {snapshots_.begin(), snapshots_.end()};
}

std::vector<aborted_txn> partition_log::aborted_transactions(int64_t start_offset,
                                                             int64_t upper_bound_offset) const {
  // A segment may be replaced (compaction, retention, truncation) while it is searched: then the
  // search starts over with the new segment list, as read() does.
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<aborted_txn> out;
    bool retry = false;
    auto [seg, next_base] = floor_segment(start_offset);
    while (seg) {
      auto found = seg->txn().collect(start_offset, upper_bound_offset);
      if (seg->retired()) {
        retry = true;
        break;
      }
      if (!found) {
        spdlog::error("storage: searching aborted transactions of {}: {}", tp_.dir_name(),
                      found.message());
        return out;
      }
      out.insert(out.end(), found->aborted.begin(), found->aborted.end());
      if (found->complete) break;
      std::tie(seg, next_base) = next_segment(seg->base_offset());
    }
    if (!retry) return out;
  }
  spdlog::error("storage: {} kept changing while its aborted transactions were searched",
                tp_.dir_name());
  return {};
}

}  // namespace sluice::storage
