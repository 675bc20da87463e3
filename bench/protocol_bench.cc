// Benchmarks of the generated codec. Decoding a Produce request must cost the same whether it
// carries 16 KiB or 1 MiB of records (records are a view into the frame, never copied): compare
// the time and the bytes_allocated counter of the two sizes. Then a Metadata response round trip
// (encode + decode) of a mid-sized cluster. Heap use is counted by the operator new below.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "protocol/generated/metadata.h"
#include "protocol/generated/produce.h"

namespace {

std::atomic<size_t> allocated_bytes{0};

}  // namespace

// Every heap allocation of the process goes through here, so a benchmark can report how many bytes
// one iteration allocated. Not inlined: GCC would otherwise pair the inlined malloc/free with the
// new/delete at call sites and warn about a mismatch that is not there.
[[gnu::noinline]] void* operator new(size_t size) {
  allocated_bytes.fetch_add(size, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  std::abort();  // out of memory: no exceptions in this code base
}
[[gnu::noinline]] void* operator new[](size_t size) {
  return operator new(size);
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}

namespace sluice::protocol {
namespace {

constexpr int16_t produce_version = 9;

// A Produce v9 request: one topic, four partitions sharing `payload_bytes` of (opaque) records.
bytes produce_frame(size_t payload_bytes, bytes& payload) {
  payload.assign(payload_bytes, 0x5a);
  produce_request request;
  request.acks = -1;
  request.timeout_ms = 30000;
  auto& topic = request.topic_data.emplace_back();
  topic.name = "events";
  const size_t part = payload_bytes / 4;
  for (int32_t i = 0; i < 4; ++i) {
    auto& partition = topic.partition_data.emplace_back();
    partition.index = i;
    partition.records =
        records::view(bytes_view(payload).subspan(static_cast<size_t>(i) * part, part));
  }
  writer w;
  if (!request.encode(w, produce_version).ok()) std::abort();
  return w.take_buffer();
}

void produce_decode(benchmark::State& state) {
  bytes payload;
  const bytes frame = produce_frame(static_cast<size_t>(state.range(0)), payload);
  const size_t before = allocated_bytes.load();
  for (auto _ : state) {
    reader r(frame);
    produce_request request;
    auto result = request.decode(r, produce_version);
    benchmark::DoNotOptimize(result);
    benchmark::DoNotOptimize(request.topic_data.data());
  }
  const double per_iteration = static_cast<double>(allocated_bytes.load() - before) /
                               static_cast<double>(state.iterations());
  state.counters["bytes_allocated"] = per_iteration;
  state.counters["frame_bytes"] = static_cast<double>(frame.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(frame.size()));
}
BENCHMARK(produce_decode)->Arg(16 << 10)->Arg(1 << 20);

metadata_response sample_metadata(int topics, int partitions) {
  metadata_response m;
  m.cluster_id = "sluice-bench-cluster";
  m.controller_id = 1;
  for (int32_t b = 0; b < 3; ++b) {
    auto& broker = m.brokers.emplace_back();
    broker.node_id = b;
    broker.host = "broker-" + std::to_string(b) + ".example.internal";
    broker.port = 9092;
    broker.rack = "rack-" + std::to_string(b);
  }
  for (int t = 0; t < topics; ++t) {
    auto& topic = m.topics.emplace_back();
    topic.name = "topic-" + std::to_string(t);
    topic.topic_id.value[0] = static_cast<uint8_t>(t);
    for (int32_t p = 0; p < partitions; ++p) {
      auto& partition = topic.partitions.emplace_back();
      partition.partition_index = p;
      partition.leader_id = p % 3;
      partition.leader_epoch = 7;
      partition.replica_nodes = {0, 1, 2};
      partition.isr_nodes = {0, 1, 2};
    }
  }
  return m;
}

void metadata_response_round_trip(benchmark::State& state) {
  const int16_t version = static_cast<int16_t>(state.range(0));
  const metadata_response m = sample_metadata(100, 10);
  size_t encoded = 0;
  for (auto _ : state) {
    writer w;
    if (!m.encode(w, version).ok()) std::abort();
    reader r(w.buffer());
    metadata_response back;
    auto result = back.decode(r, version);
    benchmark::DoNotOptimize(result);
    encoded = w.buffer().size();
  }
  state.counters["encoded_bytes"] = static_cast<double>(encoded);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(metadata_response_round_trip)->Arg(1)->Arg(12);

}  // namespace
}  // namespace sluice::protocol

BENCHMARK_MAIN();
