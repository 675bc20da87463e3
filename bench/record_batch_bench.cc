// Record-batch throughput (bench/record_batch_bench.cc): open + iterate, append validation (both
// depths) and building, for a batch of 1024 records of 1 KiB, uncompressed and with each codec.
// bytes_per_second counts uncompressed record bytes; items_per_second counts records. Figures are
// recorded in docs/benchmarks.md ("Codec").
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "protocol/record_batch.h"

namespace {

using namespace sluice::protocol;

constexpr int kRecords = 1024;
constexpr size_t kValueSize = 1024;

// Values that compress about as well as JSON-ish application payloads.
std::vector<std::vector<uint8_t>> make_values() {
  static const char* words[] = {"\"id\":", "\"user\":",  "\"event\":\"click\",",
                                "\"ts\":", "1700000000", "\"page\":\"/home\",",
                                "{",       "}",          ",",
                                "42"};
  std::mt19937 rng(1);
  std::vector<std::vector<uint8_t>> out(kRecords);
  for (auto& v : out) {
    std::string s;
    while (s.size() < kValueSize) {
      s += words[rng() % 10];
      if (rng() % 4 == 0) s += std::to_string(rng() % 100000);
    }
    s.resize(kValueSize);
    v.assign(s.begin(), s.end());
  }
  return out;
}

std::vector<uint8_t> make_batch(compression_type codec) {
  static const auto values = make_values();
  batch_builder_options options;
  options.compression = codec;
  options.producer_id = 1000;
  options.producer_epoch = 0;
  options.base_sequence = 0;
  record_batch_builder builder(options);
  const record_header headers[] = {{"trace", bytes_view(values[0]).first(16)}};
  for (int i = 0; i < kRecords; ++i) {
    std::string key = "key-" + std::to_string(i);
    builder.add(1'700'000'000'000 + i,
                bytes_view(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                bytes_view(values[static_cast<size_t>(i)]), headers);
  }
  return builder.build().value();
}

void set_counters(benchmark::State& state, const std::vector<uint8_t>& batch) {
  size_t records_size = validate_for_append(batch)->records_size;
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * records_size));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kRecords);
  state.counters["batch_bytes"] = static_cast<double>(batch.size());
  state.SetLabel(std::string(to_string(static_cast<compression_type>(state.range(0)))));
}

void bm_open_and_iterate(benchmark::State& state) {
  auto batch = make_batch(static_cast<compression_type>(state.range(0)));
  std::vector<uint8_t> scratch;
  for (auto _ : state) {
    auto view = record_batch_view::open(batch, scratch);
    size_t sum = 0;
    auto r = view->for_each([&](const record_view& rec) {
      sum += rec.value->size();
      for (const record_header& h : rec.headers()) sum += h.key.size();
    });
    benchmark::DoNotOptimize(r.ok());
    benchmark::DoNotOptimize(sum);
  }
  set_counters(state, batch);
}

void bm_validate_full(benchmark::State& state) {
  auto batch = make_batch(static_cast<compression_type>(state.range(0)));
  std::vector<uint8_t> scratch;
  append_validation_options options;
  for (auto _ : state) {
    auto r = validate_for_append(batch, options, scratch);
    benchmark::DoNotOptimize(r.ok());
  }
  set_counters(state, batch);
}

void bm_validate_header_and_crc(benchmark::State& state) {
  auto batch = make_batch(static_cast<compression_type>(state.range(0)));
  std::vector<uint8_t> scratch;
  append_validation_options options;
  options.depth = validation_depth::header_and_crc;
  for (auto _ : state) {
    auto r = validate_for_append(batch, options, scratch);
    benchmark::DoNotOptimize(r.ok());
  }
  set_counters(state, batch);
}

void bm_build(benchmark::State& state) {
  auto codec = static_cast<compression_type>(state.range(0));
  for (auto _ : state) {
    auto batch = make_batch(codec);
    benchmark::DoNotOptimize(batch.data());
  }
  set_counters(state, make_batch(codec));
}

void codecs(benchmark::internal::Benchmark* b) {
  for (int codec = 0; codec <= 4; ++codec) b->Arg(codec);
}

}  // namespace

BENCHMARK(bm_open_and_iterate)->Apply(codecs);
BENCHMARK(bm_validate_full)->Apply(codecs);
BENCHMARK(bm_validate_header_and_crc)->Arg(0)->Arg(4);
BENCHMARK(bm_build)->Apply(codecs);

BENCHMARK_MAIN();
