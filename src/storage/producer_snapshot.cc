#include "storage/producer_snapshot.h"

#include "base/crc32c.h"
#include "storage/big_endian.h"
#include "storage/segment.h"

namespace sluice::storage {

namespace {

constexpr size_t crc_at = 2;
constexpr size_t count_at = 6;

void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>((uint16_t{p[0]} << 8) | uint16_t{p[1]});
}

}  // namespace

std::vector<uint8_t> encode_producer_snapshot(std::span<const producer_snapshot_entry> entries) {
  std::vector<uint8_t> out(producer_snapshot_header_size +
                           entries.size() * producer_snapshot_entry_size);
  uint8_t* p = out.data();
  store_be16(p, static_cast<uint16_t>(producer_snapshot_version));
  store_be32(p + count_at, static_cast<uint32_t>(entries.size()));
  p += producer_snapshot_header_size;
  for (const auto& e : entries) {
    store_be64(p, static_cast<uint64_t>(e.producer_id));
    store_be16(p + 8, static_cast<uint16_t>(e.epoch));
    store_be32(p + 10, static_cast<uint32_t>(e.last_sequence));
    store_be64(p + 14, static_cast<uint64_t>(e.last_offset));
    store_be32(p + 22, static_cast<uint32_t>(e.offset_delta));
    store_be64(p + 26, static_cast<uint64_t>(e.timestamp));
    store_be32(p + 34, static_cast<uint32_t>(e.coordinator_epoch));
    store_be64(p + 38, static_cast<uint64_t>(e.current_txn_first_offset));
    p += producer_snapshot_entry_size;
  }
  store_be32(out.data() + crc_at, crc32c_extend(0, out.data() + count_at, out.size() - count_at));
  return out;
}

result<std::vector<producer_snapshot_entry>> decode_producer_snapshot(
    std::span<const uint8_t> bytes) {
  if (bytes.size() < producer_snapshot_header_size)
    return fail(errc::corrupt_file, "snapshot of " + std::to_string(bytes.size()) +
                                        " bytes is shorter than its header");
  const uint8_t* p = bytes.data();
  auto version = static_cast<int16_t>(load_be16(p));
  if (version != producer_snapshot_version)
    return fail(errc::corrupt_file, "unknown snapshot version " + std::to_string(version));
  uint32_t stored = load_be32(p + crc_at);
  uint32_t computed = crc32c_extend(0, p + count_at, bytes.size() - count_at);
  if (stored != computed) return fail(errc::corrupt_file, "snapshot CRC mismatch");
  auto count = static_cast<int32_t>(load_be32(p + count_at));
  if (count < 0 || bytes.size() != producer_snapshot_header_size +
                                       static_cast<size_t>(count) * producer_snapshot_entry_size)
    return fail(errc::corrupt_file, "snapshot of " + std::to_string(bytes.size()) +
                                        " bytes does not hold " + std::to_string(count) +
                                        " entries");
  std::vector<producer_snapshot_entry> out(static_cast<size_t>(count));
  p += producer_snapshot_header_size;
  for (auto& e : out) {
    e.producer_id = static_cast<int64_t>(load_be64(p));
    e.epoch = static_cast<int16_t>(load_be16(p + 8));
    e.last_sequence = static_cast<int32_t>(load_be32(p + 10));
    e.last_offset = static_cast<int64_t>(load_be64(p + 14));
    e.offset_delta = static_cast<int32_t>(load_be32(p + 22));
    e.timestamp = static_cast<int64_t>(load_be64(p + 26));
    e.coordinator_epoch = static_cast<int32_t>(load_be32(p + 34));
    e.current_txn_first_offset = static_cast<int64_t>(load_be64(p + 38));
    p += producer_snapshot_entry_size;
  }
  return out;
}

std::string producer_snapshot_path(std::string_view dir, int64_t offset) {
  return join_path(dir, segment_file_name(offset, producer_snapshot_suffix));
}

result<void> write_producer_snapshot(file_io& io, std::string_view dir, int64_t offset,
                                     std::span<const producer_snapshot_entry> entries,
                                     bool durable) {
  auto bytes = encode_producer_snapshot(entries);
  return write_file_atomically(io, producer_snapshot_path(dir, offset),
                               {reinterpret_cast<const char*>(bytes.data()), bytes.size()},
                               durable);
}

result<std::vector<producer_snapshot_entry>> read_producer_snapshot(file_io& io,
                                                                    std::string_view dir,
                                                                    int64_t offset) {
  std::string path = producer_snapshot_path(dir, offset);
  auto content = read_file(io, path);
  if (!content) return std::move(content).error();
  auto decoded = decode_producer_snapshot(
      {reinterpret_cast<const uint8_t*>(content->data()), content->size()});
  if (!decoded) return fail(errc::corrupt_file, path + ": " + decoded.message());
  return decoded;
}

}  // namespace sluice::storage
