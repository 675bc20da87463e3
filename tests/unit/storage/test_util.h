// Helpers for the storage tests: temporary folders, batch builders and whole-log readers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "protocol/record_batch.h"
#include "storage/partition_log.h"
#include "storage/segment_cache.h"

namespace sluice::storage::test {

// A fresh folder under /tmp, removed with everything in it when the object dies.
struct temp_dir {
  std::string path;
  temp_dir() {
    std::string pattern = "/tmp/sluice-storage-XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    if (made == nullptr) std::abort();
    path = made;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(std::string_view name) const { return path + "/" + std::string(name); }
};

struct kv {
  std::optional<std::string> key;
  std::optional<std::string> value;
};

inline protocol::bytes_view as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One v2 batch holding `records`, all with timestamp `ts`.
inline std::vector<uint8_t> make_batch(
    const std::vector<kv>& records, int64_t ts,
    protocol::compression_type c = protocol::compression_type::none, int64_t base_offset = 0,
    int32_t epoch = -1) {
  protocol::batch_builder_options o;
  o.compression = c;
  o.base_offset = base_offset;
  o.partition_leader_epoch = epoch;
  protocol::record_batch_builder b(o);
  for (const auto& r : records) {
    std::optional<protocol::bytes_view> k, v;
    if (r.key) k = as_bytes(*r.key);
    if (r.value) v = as_bytes(*r.value);
    b.add(ts, k, v);
  }
  auto built = b.build();
  if (!built) std::abort();
  return std::move(*built);
}

// `count` records with keys "<prefix><i>" and values of `value_size` bytes.
inline std::vector<uint8_t> make_batch(int count, int64_t ts, size_t value_size = 16,
                                       const std::string& prefix = "k") {
  std::vector<kv> records;
  for (int i = 0; i < count; ++i)
    records.push_back(
        {prefix + std::to_string(i), std::string(value_size, static_cast<char>('a' + i % 26))});
  return make_batch(records, ts);
}

// An idempotent (or transactional) producer's batch of `count` records with keys
// "<prefix><i>", all with timestamp `ts`.
struct producer_spec {
  int64_t producer_id = 1000;
  int16_t epoch = 0;
  int32_t sequence = 0;
  bool transactional = false;
};
inline std::vector<uint8_t> make_producer_batch(const producer_spec& p, int count, int64_t ts,
                                                const std::string& prefix = "k") {
  protocol::batch_builder_options o;
  o.producer_id = p.producer_id;
  o.producer_epoch = p.epoch;
  o.base_sequence = p.sequence;
  o.transactional = p.transactional;
  protocol::record_batch_builder b(o);
  for (int i = 0; i < count; ++i) {
    std::string key = prefix + std::to_string(i);
    std::string value = "v" + std::to_string(p.sequence + i);
    b.add(ts, as_bytes(key), as_bytes(value));
  }
  auto built = b.build();
  if (!built) std::abort();
  return std::move(*built);
}

// A COMMIT or ABORT marker for `producer_id`, as a transaction coordinator writes it.
inline std::vector<uint8_t> make_marker(int64_t producer_id, int16_t epoch,
                                        protocol::control_type type, int32_t coordinator_epoch,
                                        int64_t ts) {
  protocol::end_txn_marker_batch spec;
  spec.producer_id = producer_id;
  spec.producer_epoch = epoch;
  spec.marker = {type, coordinator_epoch};
  spec.timestamp_ms = ts;
  return protocol::build_end_txn_marker_batch(spec);
}

struct record {
  int64_t offset;
  int64_t timestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
  friend bool operator==(const record&, const record&) = default;
};

inline std::vector<uint8_t> region_bytes(const protocol::file_region& r) {
  std::vector<uint8_t> out(static_cast<size_t>(r.size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(r.fd, out.data() + done, out.size() - done, r.position + done);
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  return out;
}

// Every batch in `bytes`: (header, records). Fails the test on anything malformed.
inline std::vector<std::pair<protocol::batch_header, std::vector<record>>> parse_batches(
    std::span<const uint8_t> bytes) {
  std::vector<std::pair<protocol::batch_header, std::vector<record>>> out;
  std::vector<uint8_t> scratch;
  while (!bytes.empty()) {
    auto h = protocol::batch_header::parse(bytes);
    EXPECT_TRUE(h.ok());
    if (!h) return out;
    auto one = bytes.first(static_cast<size_t>(h->total_size()));
    auto view = protocol::record_batch_view::open(one, scratch);
    EXPECT_TRUE(view.ok()) << (view ? "" : std::string(protocol::to_string(view.code())));
    if (!view) return out;
    std::vector<record> recs;
    auto r = view->for_each([&](const protocol::record_view& rv) {
      record x{rv.offset(*h), rv.timestamp(*h), std::nullopt, std::nullopt};
      if (rv.key) x.key = std::string(rv.key->begin(), rv.key->end());
      if (rv.value) x.value = std::string(rv.value->begin(), rv.value->end());
      recs.push_back(std::move(x));
    });
    EXPECT_TRUE(r.ok());
    out.emplace_back(*h, std::move(recs));
    bytes = bytes.subspan(one.size());
  }
  return out;
}

// Every record from the log start to the log end, read by consecutive offsets the way a consumer
// does (each read starts at the offset after the last record seen).
inline std::vector<record> read_all(const partition_log& log, int32_t max_bytes = 1 << 20,
                                    int64_t bound = INT64_MAX) {
  std::vector<record> out;
  int64_t next = log.log_start_offset();
  for (int guard = 0; guard < 1000000; ++guard) {
    auto r = log.read(next, max_bytes, bound, true);
    EXPECT_TRUE(r.ok()) << (r ? "" : r.message());
    if (!r || r->region.size == 0) break;
    auto batches = parse_batches(region_bytes(r->region));
    for (auto& [h, recs] : batches) {
      for (auto& rec : recs)
        if (rec.offset >= next) out.push_back(rec);
      next = std::max(next, h.last_offset() + 1);
    }
  }
  return out;
}

// A file_io whose syncs do nothing, for tests where durability is not the subject (fsync and syncfs
// cost milliseconds to seconds on a busy shared disk).
struct no_sync_io : file_io {
  result<void> fsync(int) override { return ok_v; }
  result<void> fsync_dir(const std::string&) override { return ok_v; }
  result<void> sync_filesystem(const std::string&) override { return ok_v; }
};

// A file_io that fails writes or fsyncs on demand.
struct faulty_io : file_io {
  std::atomic<bool> fail_fsync{false};
  std::atomic<int> fail_write_after{-1};  // bytes written before failing (-1: never)
  result<void> fsync(int fd) override {
    if (fail_fsync) return fail(errc::io_error, "injected fsync failure");
    return file_io::fsync(fd);
  }
  result<void> pwrite_all(int fd, std::span<const uint8_t> data, int64_t offset) override {
    int n = fail_write_after.load();
    if (n >= 0) {
      auto part = data.first(std::min(data.size(), static_cast<size_t>(n)));
      (void)file_io::pwrite_all(fd, part, offset);
      return fail(errc::io_error, "injected write failure (disk full)");
    }
    return file_io::pwrite_all(fd, data, offset);
  }
};

inline file_io& no_sync() {
  static no_sync_io io;
  return io;
}

inline partition_open_options open_options(const std::string& dir, segment_cache& cache,
                                           const log_config& cfg = {}) {
  partition_open_options o;
  o.tp = topic_partition{"t", 0};
  o.dir = dir;
  o.config = cfg;
  o.io = &posix_file_io();
  o.cache = &cache;
  return o;
}

inline std::shared_ptr<partition_log> open_log(const partition_open_options& o) {
  auto log = partition_log::open(o);
  EXPECT_TRUE(log.ok()) << (log ? "" : log.message());
  return log ? *log : nullptr;
}

inline append_options at(int64_t now_ms, int32_t epoch = 0) {
  append_options o;
  o.now_ms = now_ms;
  o.leader_epoch = epoch;
  return o;
}

// The broker's own append (transaction markers).
inline append_options as_coordinator(int64_t now_ms, int32_t epoch = 0) {
  append_options o = at(now_ms, epoch);
  o.origin = append_origin::coordinator;
  return o;
}

}  // namespace sluice::storage::test
