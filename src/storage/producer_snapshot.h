// Producer-state snapshot files, Kafka's `<offset>.snapshot` (version 1), in a partition folder.
//
// A snapshot holds the producer state as of `offset` (the log end when it was taken): one entry
// per producer with its last batch. Layout (big-endian; docs/on-disk-format.md):
//   int16 version (1), uint32 CRC-32C of every byte after the CRC field, int32 entry count, then
//   per entry: int64 producer id, int16 epoch, int32 last sequence, int64 last offset,
//   int32 offset delta, int64 timestamp, int32 coordinator epoch, int64 current txn first offset.
// Written through a temporary file and a rename, so a reader sees a whole file or none; a file
// that does not decode (torn, bad CRC, unknown version) is corrupt_file.
//
// Free functions over file_io; thread-safe as long as no two threads write the same path.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "storage/file_io.h"
#include "storage/producer_state.h"

namespace sluice::storage {

inline constexpr std::string_view producer_snapshot_suffix = ".snapshot";
inline constexpr int16_t producer_snapshot_version = 1;
inline constexpr size_t producer_snapshot_header_size = 10;  // version, CRC, entry count
inline constexpr size_t producer_snapshot_entry_size = 46;

std::vector<uint8_t> encode_producer_snapshot(std::span<const producer_snapshot_entry> entries);
// errc::corrupt_file when the bytes are not a whole version-1 snapshot with a matching CRC.
result<std::vector<producer_snapshot_entry>> decode_producer_snapshot(
    std::span<const uint8_t> bytes);

// `<dir>/<20-digit offset>.snapshot`.
std::string producer_snapshot_path(std::string_view dir, int64_t offset);
// Writes the snapshot at `offset` atomically (fsynced when `durable`).
result<void> write_producer_snapshot(file_io& io, std::string_view dir, int64_t offset,
                                     std::span<const producer_snapshot_entry> entries,
                                     bool durable);
// Reads one: errc::not_found when missing, errc::corrupt_file when it does not decode.
result<std::vector<producer_snapshot_entry>> read_producer_snapshot(file_io& io,
                                                                    std::string_view dir,
                                                                    int64_t offset);

}  // namespace sluice::storage
