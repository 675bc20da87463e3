// CRC-32C (Castagnoli), the checksum of Kafka record batches (v2).
// On x86-64 with SSE4.2 (checked once at run time) it runs the crc32 instruction over three
// interleaved lanes and joins them; elsewhere a portable slicing-by-8 table path. Owned by base;
// used by protocol/batch_header and storage. Thread-safe, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice {

// Extends `crc` (0 to start) over `data`.
uint32_t crc32c_extend(uint32_t crc, const uint8_t* data, size_t size);

inline uint32_t crc32c(std::span<const uint8_t> data) {
  return crc32c_extend(0, data.data(), data.size());
}

// The portable implementation, exposed so tests can compare it with the hardware one.
uint32_t crc32c_portable(uint32_t crc, const uint8_t* data, size_t size);
// Whether crc32c_extend uses a CPU instruction on this machine.
bool crc32c_hardware_available();

}  // namespace sluice
