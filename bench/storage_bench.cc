// Storage benchmarks (issue #3): append throughput against plain write() of the same bytes, reads
// by consecutive offsets against pread() of the same bytes, recovery of a 1 GiB unflushed segment,
// and open time and memory of a log dir holding 10,000 partitions after a clean shutdown.
//
// Each pair (log vs plain syscall) runs in the same process, interleaved, on the same disk, and
// the ratios are printed at the end. Temporary data goes under $TMPDIR (default /tmp) and is
// removed. Figures: docs/benchmarks.md, section Storage.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "protocol/record_batch.h"
#include "storage/log_manager.h"
#include "storage/partition_log.h"

namespace {

using namespace sluice;
using namespace sluice::storage;

constexpr int64_t gib = int64_t{1} << 30;
constexpr int64_t now_ms = 1'700'000'000'000;

struct temp_dir {
  std::string path;
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base ? base : "/tmp") + "/sluice-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path = pattern;
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

// A batch of `records` records of about 1 KiB each (1000-byte value, short key).
std::vector<uint8_t> make_batch(int records) {
  protocol::record_batch_builder b;
  std::string value(1000, 'v');
  for (int i = 0; i < records; ++i) {
    std::string key = "key-" + std::to_string(i);
    b.add(now_ms, protocol::bytes_view(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
          protocol::bytes_view(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
  }
  return b.build().value();
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Wall-clock and thread CPU time of a stretch of work.
struct stopwatch {
  double wall = 0;
  double cpu = 0;
  template <class F>
  void time(F&& f) {
    timespec c0{}, c1{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    auto t0 = std::chrono::steady_clock::now();
    f();
    wall += seconds_since(t0);
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    cpu += static_cast<double>(c1.tv_sec - c0.tv_sec) +
           static_cast<double>(c1.tv_nsec - c0.tv_nsec) / 1e9;
  }
};

struct pair_result {
  std::string name;
  double log_wall, log_cpu, base_wall, base_cpu;  // MB/s
};
std::vector<pair_result>& pair_results() {
  static std::vector<pair_result> r;
  return r;
}

void report_pair(benchmark::State& state, const std::string& name, int64_t bytes,
                 const stopwatch& log, const stopwatch& base) {
  auto mbps = [&](double secs) { return static_cast<double>(bytes) / secs / 1e6; };
  pair_result r{name, mbps(log.wall), mbps(log.cpu), mbps(base.wall), mbps(base.cpu)};
  pair_results().push_back(r);
  state.counters["log_MB/s"] = r.log_wall;
  state.counters["base_MB/s"] = r.base_wall;
  state.counters["ratio_wall"] = r.log_wall / r.base_wall;
  state.counters["ratio_cpu"] = r.log_cpu / r.base_cpu;
}

partition_open_options options(const std::string& dir, segment_cache& cache, log_config cfg) {
  partition_open_options o;
  o.tp = topic_partition{"bench", 0};
  o.dir = dir + "/bench-0";
  o.config = cfg;
  o.io = &posix_file_io();
  o.cache = &cache;
  return o;
}

// ---- append vs write() ------------------------------------------------------------------------

// state.range(0): records of ~1 KiB per batch (16 -> ~16 KiB batches, 1024 -> ~1 MiB);
// state.range(1): 1 when the caller has checked the CRC already (the produce path's
// validate_for_append does), so the log skips its own CRC pass. Each
// iteration appends 1 GiB to a partition log and write()s the same 1 GiB of batches to a plain
// file, alternating in 64 MiB steps so both see the same machine (page cache, writeback, load).
void BM_append_vs_write(benchmark::State& state) {
  auto batch = make_batch(static_cast<int>(state.range(0)));
  const int64_t per_step = std::max<int64_t>(1, (64 << 20) / static_cast<int64_t>(batch.size()));
  const int64_t steps = gib / (per_step * static_cast<int64_t>(batch.size()));
  int64_t bytes = 0;
  stopwatch log_time, write_time;
  for (auto _ : state) {
    temp_dir dir;
    segment_cache cache(64);
    auto log = partition_log::open(options(dir.path, cache, log_config{})).value();
    int fd =
        ::open((dir.path + "/plain.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    append_options opts;
    opts.now_ms = now_ms;
    opts.leader_epoch = 1;
    opts.crc_verified = state.range(1) != 0;
    for (int64_t s = 0; s < steps; ++s) {
      auto plain = [&] {
        write_time.time([&] {
          for (int64_t i = 0; i < per_step; ++i)
            if (::write(fd, batch.data(), batch.size()) != static_cast<ssize_t>(batch.size()))
              state.SkipWithError("write failed");
        });
      };
      auto logged = [&] {
        log_time.time([&] {
          for (int64_t i = 0; i < per_step; ++i) {
            auto r = log->append(batch, opts);
            if (!r) state.SkipWithError(r.message().c_str());
          }
        });
      };
      // Whichever runs second in a step pays more for page allocation: take turns.
      if (s % 2 == 0) {
        plain();
        logged();
      } else {
        logged();
        plain();
      }
      bytes += per_step * static_cast<int64_t>(batch.size());
    }
    ::close(fd);
  }
  state.SetBytesProcessed(bytes);
  report_pair(state,
              "append " + std::to_string(state.range(0)) + " x 1 KiB" +
                  (state.range(1) != 0 ? ", CRC by caller" : ", CRC in log") + " vs write()",
              bytes, log_time, write_time);
}

BENCHMARK(BM_append_vs_write)
    ->ArgsProduct({{16, 1024}, {0, 1}})
    ->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---- reads by consecutive offsets vs pread() --------------------------------------------------

// 1 GiB of ~16 KiB batches in two segments.
struct read_fixture {
  temp_dir dir;
  segment_cache cache{64};
  std::shared_ptr<partition_log> log;
  std::vector<std::string> files;
  int64_t bytes = 0;

  read_fixture() {
    log_config cfg;
    cfg.segment_bytes = 512 << 20;  // reads cross a segment boundary
    log = partition_log::open(options(dir.path, cache, cfg)).value();
    auto batch = make_batch(16);
    append_options opts;
    opts.now_ms = now_ms;
    while (bytes < gib) {
      if (!log->append(batch, opts)) std::abort();
      bytes += static_cast<int64_t>(batch.size());
    }
    for (int64_t base : log->segment_bases())
      files.push_back(dir.path + "/bench-0/" + segment_file_name(base, ".log"));
  }
};

constexpr int32_t fetch_bytes = 1 << 20;  // a consumer's max.partition.fetch.bytes

// Reads the whole log as a consumer does, from offset 0, each read continuing after the last
// batch of the previous one, moving each region's bytes once with pread() (what sendfile() would
// move); against pread() of the same files in 1 MiB steps. Alternates the two, 4 times each.
void BM_read_vs_pread(benchmark::State& state) {
  read_fixture f;
  std::vector<uint8_t> buf(fetch_bytes + (64 << 10));
  int64_t bytes = 0;
  stopwatch log_time, pread_time;
  for (auto _ : state) {
    for (int round = 0; round < 4; ++round) {
      int64_t read_bytes = 0;
      int64_t plain_bytes = 0;
      auto plain = [&] {
        pread_time.time([&] {
          for (const auto& path : f.files) {
            int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            for (int64_t at = 0;;) {
              ssize_t n = ::pread(fd, buf.data(), fetch_bytes, at);
              if (n <= 0) break;
              at += n;
              plain_bytes += n;
            }
            ::close(fd);
          }
        });
      };
      if (round % 2 == 1) plain();
      log_time.time([&] {
        int64_t next = 0;
        while (true) {
          auto r = f.log->read(next, fetch_bytes, INT64_MAX, true);
          if (!r) {
            state.SkipWithError(r.message().c_str());
            break;
          }
          if (r->region.size == 0) break;
          auto size = static_cast<size_t>(r->region.size);
          if (buf.size() < size) buf.resize(size);
          if (::pread(r->region.fd, buf.data(), size, r->region.position) !=
              static_cast<ssize_t>(size))
            state.SkipWithError("pread of the region failed");
          read_bytes += r->region.size;
          for (size_t at = 0; at < size;) {
            auto h = protocol::batch_header::parse({buf.data() + at, size - at}).value();
            next = h.last_offset() + 1;
            at += static_cast<size_t>(h.total_size());
          }
        }
      });
      if (round % 2 == 0) plain();
      if (read_bytes != plain_bytes) state.SkipWithError("the log read a different amount");
      bytes += read_bytes;
    }
  }
  state.SetBytesProcessed(bytes);
  report_pair(state, "read by offsets vs pread()", bytes, log_time, pread_time);
}

BENCHMARK(BM_read_vs_pread)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- recovery of a 1 GiB unflushed segment ----------------------------------------------------

void BM_recover_1gib_segment(benchmark::State& state) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 1536 << 20;
  int64_t end = 0;
  {
    auto log = partition_log::open(options(dir.path, cache, cfg)).value();
    auto batch = make_batch(16);
    append_options opts;
    opts.now_ms = now_ms;
    int64_t bytes = 0;
    while (bytes < gib) {
      if (!log->append(batch, opts)) std::abort();
      bytes += static_cast<int64_t>(batch.size());
    }
    end = log->log_end_offset();
    // No close(), no flush: as if the process died. (The bytes are in the page cache.)
  }
  for (auto _ : state) {
    auto o = options(dir.path, cache, cfg);
    o.recovery_point = 0;
    auto log = partition_log::open(o);
    if (!log || (*log)->log_end_offset() != end) state.SkipWithError("recovery lost data");
  }
  state.SetBytesProcessed(state.iterations() * gib);
}

BENCHMARK(BM_recover_1gib_segment)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- open time and memory for 10,000 partitions -----------------------------------------------

int64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0;
  int64_t resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

void BM_open_10k_partitions(benchmark::State& state) {
  constexpr int partitions = 10'000;
  temp_dir dir;
  log_manager_options o;
  o.log_dirs = {dir.path};
  o.broker_id = 0;
  {
    auto m = log_manager::open(o).value();
    auto batch = make_batch(4);
    append_options opts;
    opts.now_ms = now_ms;
    for (int p = 0; p < partitions; ++p) {
      auto log = m->create_partition({"topic", p}, log_config{}).value();
      auto copy = batch;
      if (!log->append(copy, opts)) std::abort();
    }
    if (!m->shutdown()) std::abort();
  }
  double open_ms = 0;
  double rss_mb = 0;
  double fds = 0;
  for (auto _ : state) {
    // In a fresh process (this program, re-executed), so the memory growth is the open's alone.
    int pipefd[2];
    if (::pipe(pipefd) != 0) std::abort();
    pid_t child = ::fork();
    if (child == 0) {
      ::dup2(pipefd[1], 3);
      std::string arg = "--open-child=" + dir.path;
      ::execl("/proc/self/exe", "storage_bench", arg.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(pipefd[1]);
    double result[3] = {-1, 0, 0};
    if (::read(pipefd[0], result, sizeof result) != sizeof result)
      state.SkipWithError("child failed");
    ::close(pipefd[0]);
    ::waitpid(child, nullptr, 0);
    if (result[0] < 0) state.SkipWithError("open failed");
    open_ms = result[0];
    rss_mb = result[1];
    fds = result[2];
  }
  state.counters["open_ms"] = open_ms;
  state.counters["rss_MiB"] = rss_mb;
  state.counters["open_files"] = fds;
}

// The child side of BM_open_10k_partitions: opens the log dir, writes {ms, MiB, open files} to
// fd 3 (a pipe), and shuts down cleanly so the next round opens a clean dir again.
int open_child(const std::string& dir) {
  log_manager_options o;
  o.log_dirs = {dir};
  o.broker_id = 0;
  int64_t before = rss_bytes();
  auto t0 = std::chrono::steady_clock::now();
  auto m = log_manager::open(o);
  double result[3] = {seconds_since(t0) * 1000,
                      static_cast<double>(rss_bytes() - before) / (1 << 20),
                      m ? static_cast<double>((*m)->cache().size()) : -1};
  if (!m || (*m)->partitions().size() != 10'000) result[0] = -1;
  if (::write(3, result, sizeof result) != sizeof result) return 1;
  if (m) (void)(*m)->shutdown();
  return 0;
}

BENCHMARK(BM_open_10k_partitions)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  if (argc == 2 && std::string_view(argv[1]).starts_with("--open-child="))
    return open_child(std::string(argv[1] + 13));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!pair_results().empty())
    std::printf("\n%-38s %9s %9s %9s %9s %7s %7s\n", "pair (MB/s = 10^6 B/s)", "log wall",
                "base wall", "log cpu", "base cpu", "r wall", "r cpu");
  for (const auto& r : pair_results())
    std::printf("%-48s %9.0f %9.0f %9.0f %9.0f %7.2f %7.2f\n", r.name.c_str(), r.log_wall,
                r.base_wall, r.log_cpu, r.base_cpu, r.log_wall / r.base_wall,
                r.log_cpu / r.base_cpu);
  return 0;
}
