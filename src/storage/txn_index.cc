#include "storage/txn_index.h"

#include <fcntl.h>

#include "storage/big_endian.h"

namespace sluice::storage {

std::array<uint8_t, txn_index::entry_size> txn_index::encode(const aborted_txn& txn) {
  std::array<uint8_t, entry_size> out{};
  out[0] = static_cast<uint8_t>(static_cast<uint16_t>(version) >> 8);
  out[1] = static_cast<uint8_t>(version);
  store_be64(out.data() + 2, static_cast<uint64_t>(txn.producer_id));
  store_be64(out.data() + 10, static_cast<uint64_t>(txn.first_offset));
  store_be64(out.data() + 18, static_cast<uint64_t>(txn.last_offset));
  store_be64(out.data() + 26, static_cast<uint64_t>(txn.last_stable_offset));
  return out;
}

result<aborted_txn> txn_index::decode(std::span<const uint8_t> entry) {
  if (entry.size() < entry_size) return fail(errc::corrupt_file, "short transaction index entry");
  auto v = static_cast<int16_t>((uint16_t{entry[0]} << 8) | uint16_t{entry[1]});
  if (v > version)
    return fail(errc::corrupt_file, "transaction index entry version " + std::to_string(v));
  aborted_txn t;
  t.producer_id = static_cast<int64_t>(load_be64(entry.data() + 2));
  t.first_offset = static_cast<int64_t>(load_be64(entry.data() + 10));
  t.last_offset = static_cast<int64_t>(load_be64(entry.data() + 18));
  t.last_stable_offset = static_cast<int64_t>(load_be64(entry.data() + 26));
  return t;
}

result<std::vector<aborted_txn>> txn_index::read_locked() const {
  std::vector<aborted_txn> out;
  if (size_ == 0) return out;
  auto fd = io_.open(path_, O_RDONLY);
  if (!fd) {
    if (fd.code() != errc::not_found) return std::move(fd).error();
    size_ = 0;
    last_offset_ = -1;
    return out;
  }
  auto size = io_.size_of(fd->get());
  if (!size) return std::move(size).error();
  std::vector<uint8_t> bytes(static_cast<size_t>(*size));
  auto n = io_.pread(fd->get(), bytes, 0);
  if (!n) return std::move(n).error();
  bytes.resize(*n);
  for (size_t at = 0; at + entry_size <= bytes.size(); at += entry_size) {
    auto t = decode(std::span(bytes).subspan(at, entry_size));
    if (!t) return fail(errc::corrupt_file, path_ + ": " + t.message());
    out.push_back(*t);
  }
  size_ = static_cast<int64_t>(out.size() * entry_size);
  last_offset_ = out.empty() ? -1 : out.back().last_offset;
  return out;
}

result<void> txn_index::append(const aborted_txn& txn) {
  std::lock_guard lock(mu_);
  if (size_ < 0) {
    auto r = read_locked();
    if (!r) return std::move(r).error();
  }
  if (last_offset_ >= 0 && txn.last_offset <= last_offset_)
    return fail(errc::invalid_argument,
                path_ + ": aborted transaction ending at " + std::to_string(txn.last_offset) +
                    " does not follow the last one, ending at " + std::to_string(last_offset_));
  auto fd = io_.open(path_, O_WRONLY | O_CREAT);
  if (!fd) return std::move(fd).error();
  auto bytes = encode(txn);
  auto w = io_.pwrite_all(fd->get(), bytes, size_);
  if (!w) {
    (void)io_.truncate(fd->get(), size_);  // best effort: no torn entry left behind
    return w;
  }
  size_ += static_cast<int64_t>(entry_size);
  last_offset_ = txn.last_offset;
  return ok_v;
}

result<std::vector<aborted_txn>> txn_index::read_all() const {
  std::lock_guard lock(mu_);
  return read_locked();
}

result<txn_search_result> txn_index::collect(int64_t fetch_offset, int64_t upper_bound) const {
  auto all = read_all();
  if (!all) return std::move(all).error();
  txn_search_result out;
  for (const auto& t : *all) {
    if (t.last_offset >= fetch_offset && t.first_offset < upper_bound) out.aborted.push_back(t);
    if (t.last_stable_offset >= upper_bound) {
      out.complete = true;
      break;
    }
  }
  return out;
}

result<void> txn_index::truncate_to(int64_t offset) {
  std::lock_guard lock(mu_);
  auto all = read_locked();
  if (!all) return std::move(all).error();
  size_t keep = 0;
  while (keep < all->size() && (*all)[keep].last_offset < offset) ++keep;
  if (keep == all->size()) return ok_v;
  if (keep == 0) {
    auto r = io_.remove(path_);
    if (!r) return r;
  } else {
    auto fd = io_.open(path_, O_WRONLY);
    if (!fd) return std::move(fd).error();
    auto t = io_.truncate(fd->get(), static_cast<int64_t>(keep * entry_size));
    if (!t) return t;
  }
  size_ = static_cast<int64_t>(keep * entry_size);
  last_offset_ = keep == 0 ? -1 : (*all)[keep - 1].last_offset;
  return ok_v;
}

result<void> txn_index::reset() {
  std::lock_guard lock(mu_);
  auto r = io_.remove(path_);
  if (!r) return r;
  size_ = 0;
  last_offset_ = -1;
  return ok_v;
}

result<void> txn_index::flush() {
  std::lock_guard lock(mu_);
  if (size_ == 0) return ok_v;
  return fsync_path(io_, path_);
}

void txn_index::forget() {
  std::lock_guard lock(mu_);
  size_ = -1;
  last_offset_ = -1;
}

}  // namespace sluice::storage
