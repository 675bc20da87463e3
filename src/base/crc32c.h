// CRC-32C (Castagnoli), the checksum of Kafka record batches (v2).
// Uses the CPU's crc32 instruction (SSE4.2 on x86-64, CRC on ARMv8) when present, chosen once at
// run time, and a portable table-driven fallback otherwise. Thread-safe, no allocation.
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
