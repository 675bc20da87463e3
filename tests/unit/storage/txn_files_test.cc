// The two transaction files: producer snapshots (<offset>.snapshot) and the aborted-transaction
// index (<base>.txnindex), against byte layouts written out by hand from Kafka's format.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/crc32c.h"
#include "storage/producer_snapshot.h"
#include "storage/txn_index.h"
#include "test_util.h"

namespace sluice::storage {
namespace {

using test::temp_dir;
namespace fs = std::filesystem;

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// Kafka's producer snapshot, version 1, with one producer:
//   id 0x0102030405060708, epoch 5, last sequence 9, last offset 42, offset delta 3,
//   timestamp 0x0000018BCFE56800 (1700000000000), coordinator epoch 7, no open transaction.
std::vector<uint8_t> hand_written_snapshot() {
  std::vector<uint8_t> body = {
      0x00, 0x00, 0x00, 0x01,                          // entry count 1
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // producer id
      0x00, 0x05,                                      // epoch
      0x00, 0x00, 0x00, 0x09,                          // last sequence
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  // last offset 42
      0x00, 0x00, 0x00, 0x03,                          // offset delta
      0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  // timestamp
      0x00, 0x00, 0x00, 0x07,                          // coordinator epoch
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // current txn first offset -1
  };
  uint32_t crc = crc32c(body);  // CRC-32C of everything after the CRC field
  std::vector<uint8_t> out = {0x00,
                              0x01,  // version
                              static_cast<uint8_t>(crc >> 24),
                              static_cast<uint8_t>(crc >> 16),
                              static_cast<uint8_t>(crc >> 8),
                              static_cast<uint8_t>(crc)};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

const producer_snapshot_entry hand_written_entry{0x0102030405060708, 5, 9, 42, 3,
                                                 1'700'000'000'000,  7, -1};

TEST(producer_snapshot, encodes_kafkas_version_1_layout) {
  auto expected = hand_written_snapshot();
  ASSERT_EQ(expected.size(), 56u);
  std::vector<producer_snapshot_entry> one{hand_written_entry};
  EXPECT_EQ(encode_producer_snapshot(one), expected);
  auto decoded = decode_producer_snapshot(expected);
  ASSERT_TRUE(decoded.ok()) << decoded.message();
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0], hand_written_entry);
  // No producers: version, CRC of the count, count 0.
  std::vector<uint8_t> count0 = {0, 0, 0, 0};
  uint32_t crc = crc32c(count0);
  std::vector<uint8_t> empty = {0x00,
                                0x01,
                                static_cast<uint8_t>(crc >> 24),
                                static_cast<uint8_t>(crc >> 16),
                                static_cast<uint8_t>(crc >> 8),
                                static_cast<uint8_t>(crc),
                                0,
                                0,
                                0,
                                0};
  EXPECT_EQ(encode_producer_snapshot({}), empty);
}

TEST(producer_snapshot, refuses_damaged_files) {
  auto good = hand_written_snapshot();
  for (size_t i = 0; i < good.size(); ++i) {
    auto bad = good;
    bad[i] ^= 0x10;
    EXPECT_FALSE(decode_producer_snapshot(bad).ok()) << "flipped byte " << i;
  }
  for (size_t n = 0; n < good.size(); ++n) {
    auto cut = std::vector<uint8_t>(good.begin(), good.begin() + static_cast<ptrdiff_t>(n));
    auto r = decode_producer_snapshot(cut);
    ASSERT_FALSE(r.ok()) << "cut at " << n;
    EXPECT_EQ(r.code(), errc::corrupt_file);
  }
}

TEST(producer_snapshot, writes_and_reads_files_named_by_offset) {
  temp_dir dir;
  std::vector<producer_snapshot_entry> entries{hand_written_entry, {77, 0, -1, -1, 0, 5, 2, 100}};
  ASSERT_TRUE(write_producer_snapshot(posix_file_io(), dir.path, 1234, entries, true).ok());
  std::string path = dir / "00000000000000001234.snapshot";
  EXPECT_EQ(producer_snapshot_path(dir.path, 1234), path);
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(fs::file_size(path), 10u + 2 * 46u);
  auto read = read_producer_snapshot(posix_file_io(), dir.path, 1234);
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_EQ(*read, entries);
  auto missing = read_producer_snapshot(posix_file_io(), dir.path, 99);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), errc::not_found);
  auto bytes = file_bytes(path);
  bytes.resize(bytes.size() - 5);
  write_bytes(path, bytes);
  auto torn = read_producer_snapshot(posix_file_io(), dir.path, 1234);
  ASSERT_FALSE(torn.ok());
  EXPECT_EQ(torn.code(), errc::corrupt_file);
}

TEST(txn_index, encodes_kafkas_34_byte_entry) {
  const std::vector<uint8_t> expected = {
      0x00, 0x00,                                      // version 0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  // producer id 1000
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  // first offset 2^32
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10,  // last offset 2^32 + 16
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x11,  // last stable offset 2^32 + 17
  };
  const aborted_txn t{1000, int64_t{1} << 32, (int64_t{1} << 32) + 16, (int64_t{1} << 32) + 17};
  auto encoded = txn_index::encode(t);
  EXPECT_EQ(std::vector<uint8_t>(encoded.begin(), encoded.end()), expected);
  auto decoded = txn_index::decode(expected);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, t);
  auto future = expected;
  future[1] = 1;  // a version this broker does not know
  EXPECT_FALSE(txn_index::decode(future).ok());

  temp_dir dir;
  txn_index ix(posix_file_io(), dir / "00000000000000000000.txnindex");
  ASSERT_TRUE(ix.append(t).ok());
  EXPECT_EQ(file_bytes(ix.path()), expected);
}

TEST(txn_index, is_created_lazily_appends_in_order_and_truncates) {
  temp_dir dir;
  const std::string path = dir / "00000000000000000100.txnindex";
  txn_index ix(posix_file_io(), path);
  auto none = ix.read_all();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(ix.truncate_to(0).ok());
  ASSERT_TRUE(ix.flush().ok());
  EXPECT_FALSE(fs::exists(path));

  std::vector<aborted_txn> entries{{1, 100, 110, 111}, {2, 105, 120, 121}, {1, 130, 140, 141}};
  for (const auto& e : entries) ASSERT_TRUE(ix.append(e).ok());
  EXPECT_EQ(fs::file_size(path), 3 * txn_index::entry_size);
  auto refused = ix.append({3, 100, 140, 141});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), errc::invalid_argument);
  EXPECT_EQ(*ix.read_all(), entries);

  // A fresh object over the same file knows its entries (the order check included).
  txn_index again(posix_file_io(), path);
  EXPECT_FALSE(again.append({3, 100, 139, 141}).ok());
  EXPECT_EQ(*again.read_all(), entries);

  ASSERT_TRUE(ix.truncate_to(121).ok());  // drops the entries ending at 121 and later
  EXPECT_EQ(*ix.read_all(), (std::vector<aborted_txn>{entries[0], entries[1]}));
  ASSERT_TRUE(ix.append({4, 125, 126, 127}).ok());
  ASSERT_TRUE(ix.truncate_to(110).ok());
  EXPECT_TRUE(ix.read_all()->empty());
  EXPECT_FALSE(fs::exists(path));
}

TEST(txn_index, collects_overlapping_aborts_and_says_when_the_search_is_complete) {
  temp_dir dir;
  txn_index ix(posix_file_io(), dir / "00000000000000000000.txnindex");
  // Transactions [10,20] (LSO 15: another was open from 15), [15,30] (LSO 31), [40,50] (51).
  ASSERT_TRUE(ix.append({1, 10, 20, 15}).ok());
  ASSERT_TRUE(ix.append({2, 15, 30, 31}).ok());
  ASSERT_TRUE(ix.append({3, 40, 50, 51}).ok());

  auto r = ix.collect(0, 12);  // [0, 12): only the first overlaps; its LSO 15 >= 12
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->aborted, (std::vector<aborted_txn>{{1, 10, 20, 15}}));
  EXPECT_TRUE(r->complete);

  r = ix.collect(21, 45);  // the first ended before 21; the search ends at LSO 51 >= 45
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->aborted, (std::vector<aborted_txn>{{2, 15, 30, 31}, {3, 40, 50, 51}}));
  EXPECT_TRUE(r->complete);

  r = ix.collect(0, 100);  // nothing here bounds the search: later segments may add more
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->aborted.size(), 3u);
  EXPECT_FALSE(r->complete);

  r = ix.collect(51, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->aborted.empty());
  EXPECT_FALSE(r->complete);
}

}  // namespace
}  // namespace sluice::storage
