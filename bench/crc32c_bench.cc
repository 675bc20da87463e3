// CRC-32C throughput (bench/crc32c_bench.cc): the chosen implementation and the portable fallback
// over 1 MiB, beside memcpy of the same buffer so the figure can be read against memory bandwidth
// on the same machine. Figures are recorded in docs/benchmarks.md ("Codec").
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "base/crc32c.h"

namespace {

std::vector<uint8_t> random_bytes(size_t n) {
  std::mt19937_64 rng(7);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

void bm_crc32c(benchmark::State& state) {
  auto data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(sluice::crc32c_extend(0, data.data(), data.size()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetLabel(sluice::crc32c_hardware_available() ? "hardware" : "portable");
}

void bm_crc32c_portable(benchmark::State& state) {
  auto data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(sluice::crc32c_portable(0, data.data(), data.size()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void bm_memcpy(benchmark::State& state) {
  auto data = random_bytes(static_cast<size_t>(state.range(0)));
  std::vector<uint8_t> copy(data.size());
  for (auto _ : state) {
    std::memcpy(copy.data(), data.data(), data.size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

}  // namespace

BENCHMARK(bm_crc32c)->Arg(1 << 20)->Arg(16 << 10)->Arg(1 << 10)->Arg(64);
BENCHMARK(bm_crc32c_portable)->Arg(1 << 20);
BENCHMARK(bm_memcpy)->Arg(1 << 20);

BENCHMARK_MAIN();
