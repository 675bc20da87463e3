// Up-conversion (legacy message set -> one v2 batch) and down-conversion (v2 batches -> magic 0/1
// message set), as Kafka 3.x's LogValidator and RecordsUtil.downConvert. See legacy_records.h.
#include "protocol/legacy_records.h"
#include "protocol/record_batch.h"

namespace sluice::protocol::legacy {

namespace {

failure<legacy_errc> fail(legacy_errc code, std::string message) {
  return failure<legacy_errc>{code, std::move(message)};
}

// One v2 batch's records down-converted into `out`. True when the output is full: the caller
// stops there, so the consumer continues from the first record left out (no gap).
legacy_result<bool> convert_batch(const record_batch_view& batch, const down_convert_options& o,
                                  bool first, std::vector<uint8_t>& out) {
  const batch_header& h = batch.header();
  const timestamp_type ts_type = h.ts_type();
  const int8_t ts_bit = o.magic == 1 && ts_type == timestamp_type::log_append_time ? 0x8 : 0;
  const compression_type codec = h.compression();

  if (codec == compression_type::none) {
    // One message per record. Old consumers expect nothing below their fetch offset here.
    std::vector<uint8_t> one;
    bool stopped = false;
    auto r = batch.for_each([&](const record_view& rec) {
      const int64_t offset = rec.offset(h);
      if (offset < o.fetch_offset) return true;
      one.clear();
      write_message(one, offset, o.magic, ts_bit, rec.timestamp(h), rec.key, rec.value);
      if (!(first && out.empty()) && out.size() + one.size() > o.max_bytes) {
        stopped = true;
        return false;
      }
      out.insert(out.end(), one.begin(), one.end());
      return true;
    });
    if (!r) return fail(legacy_errc::corrupt_batch, r.message());
    return stopped;
  }

  // A compressed batch becomes one wrapper of the same codec holding every record.
  std::vector<uint8_t> inner;
  int64_t base = -1, last = -1, max_ts = -1;
  auto r = batch.for_each([&](const record_view& rec) {
    const int64_t offset = rec.offset(h);
    if (base < 0) base = offset;
    last = offset;
    const int64_t ts = rec.timestamp(h);
    max_ts = std::max(max_ts, ts);
    // Magic 1 inner offsets are relative to the wrapper's first; magic 0 keeps them absolute.
    write_message(inner, o.magic == 1 ? offset - base : offset, o.magic, ts_bit, ts, rec.key,
                  rec.value);
  });
  if (!r) return fail(legacy_errc::corrupt_batch, r.message());
  if (base < 0) return false;  // no records left (compaction)
  auto compressed = compress_inner(codec, o.magic, inner);
  if (!compressed) return std::move(compressed).error();
  const int64_t wrapper_ts = ts_type == timestamp_type::log_append_time ? h.max_timestamp : max_ts;
  std::vector<uint8_t> wrapper;
  write_message(wrapper, last, o.magic, static_cast<int8_t>(static_cast<int>(codec) | ts_bit),
                wrapper_ts, std::nullopt, bytes_view(*compressed));
  if (!(first && out.empty()) && out.size() + wrapper.size() > o.max_bytes) return true;
  out.insert(out.end(), wrapper.begin(), wrapper.end());
  return false;
}

}  // namespace

legacy_result<std::vector<uint8_t>> to_record_batch(const message_set& set,
                                                    compression_type compression) {
  if (set.messages.empty()) return fail(legacy_errc::bad_record, "empty message set");
  batch_builder_options options;
  options.compression = compression;
  record_batch_builder builder(options);
  for (const auto& m : set.messages) builder.add(m.magic == 0 ? -1 : m.timestamp, m.key, m.value);
  auto built = builder.build();
  if (!built) return fail(legacy_errc::internal_error, built.message());
  return std::move(*built);
}

legacy_result<std::vector<uint8_t>> down_convert(bytes_view batches,
                                                 const down_convert_options& options) {
  std::vector<uint8_t> out;
  std::vector<uint8_t> scratch;
  read_options read;
  read.verify_crc = false;  // the broker's own log, already validated on append
  read.max_decompressed_bytes = options.max_decompressed_bytes;
  bool first = true;
  while (!batches.empty() && out.size() < options.max_bytes) {
    auto size = batch_frame_size(batches);
    if (!size || *size > batches.size()) break;  // a partial batch at the end of the read
    const bytes_view one = batches.subspan(0, *size);
    batches = batches.subspan(*size);
    auto batch = record_batch_view::open(one, scratch, read);
    if (!batch) return fail(legacy_errc::corrupt_batch, batch.message());
    const batch_header& h = batch->header();
    if (h.base_offset < 0 || h.last_offset() < h.base_offset)
      return fail(legacy_errc::corrupt_batch, "batch offsets out of range");
    if (h.is_control()) continue;  // transaction markers mean nothing to old consumers
    if (h.compression() == compression_type::zstd)
      return fail(
          legacy_errc::unsupported_compression,
          "zstd batches cannot be down-converted to magic " + std::to_string(options.magic));
    if (h.last_offset() < options.fetch_offset && h.compression() == compression_type::none)
      continue;
    const size_t before = out.size();
    auto full = convert_batch(*batch, options, first, out);
    if (!full) return std::move(full).error();
    if (out.size() != before) first = false;
    if (*full) break;
  }
  return out;
}

}  // namespace sluice::protocol::legacy
