// Helpers shared by the log cleaner's files (log_cleaner.cc: the offset map; log_cleaner_group.cc:
// rewriting and swapping segments): key hashes, batch walking, and batch rewriting. Internal to
// the storage module; used by the cleaner thread only.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/crc32c.h"
#include "protocol/record_batch.h"
#include "storage/log_cleaner.h"

namespace sluice::storage {

namespace cleaner_detail {

// 96 bits of key hash: two independent hashes, so a collision (which would drop a live record)
// is vanishingly unlikely.
struct key_hash {
  uint64_t a;
  uint32_t b;
  friend bool operator==(const key_hash&, const key_hash&) = default;
};
struct key_hash_hasher {
  size_t operator()(const key_hash& k) const { return static_cast<size_t>(k.a); }
};
inline key_hash hash_key(protocol::bytes_view key) {
  std::string_view s(reinterpret_cast<const char*>(key.data()), key.size());
  return key_hash{std::hash<std::string_view>()(s), crc32c(key)};
}

// Bytes the offset map costs per key (node, bucket, allocator overhead of unordered_map).
inline constexpr size_t map_entry_cost = 64;

// Reads a whole batch at `position`.
inline result<void> read_batch(file_io& io, int fd, int64_t position, int64_t size,
                               std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(size));
  auto n = io.pread(fd, out, position);
  if (!n) return std::move(n).error();
  if (*n != out.size()) return fail(errc::io_error, "short read of a batch");
  return ok_v;
}

inline failure<errc> batch_failure(protocol::batch_errc e, const std::string& where) {
  return fail(errc::corrupt_message, where + ": " + std::string(protocol::to_string(e)));
}

// The type of a control batch's record; nullopt when it has none (emptied by compaction) or it
// does not parse.
inline std::optional<protocol::control_type> control_type_of(std::span<const uint8_t> batch,
                                                             std::vector<uint8_t>& scratch) {
  auto view = protocol::record_batch_view::open(batch, scratch);
  if (!view) return std::nullopt;
  protocol::record_view rec;
  auto cursor = view->records();
  auto more = cursor.next(rec);
  if (!more || !*more) return std::nullopt;
  auto key = protocol::parse_control_key(rec);
  if (!key) return std::nullopt;
  return key->type;
}

// A batch with no records left, kept for its header (a producer's last sequence and epoch), as
// Kafka writes it: no compression, base timestamp = max timestamp.
inline std::vector<uint8_t> empty_batch(const protocol::batch_header& h) {
  protocol::batch_header e = h;
  e.batch_length =
      static_cast<int32_t>(protocol::batch_header::size - protocol::batch_header::log_overhead);
  e.attributes = static_cast<int16_t>(h.attributes & (0x8 | 0x10 | 0x20));
  e.base_timestamp = h.max_timestamp;
  e.records_count = 0;
  std::vector<uint8_t> out(protocol::batch_header::size);
  e.encode(out);
  protocol::update_batch_crc(out);
  return out;
}

// `view`'s batch with only the records `keep` accepts (at least one), same offsets (the last
// offset included, so producer sequences stay whole), compression, producer fields and leader
// epoch; with `horizon`, the delete-horizon attribute.
template <class Keep>
protocol::batch_result<std::vector<uint8_t>> rebuild_batch(const protocol::record_batch_view& view,
                                                           Keep&& keep,
                                                           std::optional<int64_t> horizon) {
  const protocol::batch_header& h = view.header();
  protocol::batch_builder_options o;
  o.compression = h.compression();
  o.base_offset = h.base_offset;
  o.partition_leader_epoch = h.partition_leader_epoch;
  o.producer_id = h.producer_id;
  o.producer_epoch = h.producer_epoch;
  o.base_sequence = h.base_sequence;
  o.transactional = h.is_transactional();
  o.control = h.is_control();
  o.ts_type = h.ts_type();
  if (h.ts_type() == protocol::timestamp_type::log_append_time)
    o.log_append_time_ms = h.max_timestamp;
  o.delete_horizon_ms = horizon;
  protocol::record_batch_builder builder(o);
  int32_t next_delta = 0;
  std::vector<protocol::record_header> headers;
  auto built = view.for_each([&](const protocol::record_view& rec) {
    if (!keep(rec)) return;
    builder.skip_offsets(rec.offset_delta - next_delta);
    headers.clear();
    for (auto hd : rec.headers()) headers.push_back(hd);
    builder.add(rec.timestamp(h), rec.key, rec.value, headers);
    next_delta = rec.offset_delta + 1;
  });
  if (!built) return std::move(built).error();
  builder.skip_offsets(h.last_offset_delta + 1 - next_delta);
  return builder.build();
}

// Visits every batch of a sealed segment: f(position, header, bytes) -> result<bool> (false
// stops).
template <class F>
result<void> for_each_batch(file_io& io, segment& seg, F&& f) {
  auto h = seg.handle();
  if (!h) return std::move(h).error();
  int fd = (*h)->fd.get();
  batch_scanner sc(io, fd, 0, seg.size(), {.chunk_size = 64 * 1024});
  std::vector<uint8_t> bytes;
  while (sc.next()) {
    auto r = read_batch(io, fd, sc.position(), sc.header().total_size(), bytes);
    if (!r) return r;
    auto more = f(sc.position(), sc.header(), std::span<const uint8_t>(bytes));
    if (!more) return std::move(more).error();
    if (!*more) return ok_v;
  }
  if (sc.state() != batch_scanner::status::end)
    return fail(errc::io_error, seg.path(".log") + ": " + sc.problem());
  return ok_v;
}

}  // namespace cleaner_detail

struct log_cleaner::key_map {
  std::unordered_map<cleaner_detail::key_hash, int64_t, cleaner_detail::key_hash_hasher> offsets;
};

}  // namespace sluice::storage
