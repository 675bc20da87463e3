// Tests of kafka-dump-log's segment reader: a segment written here is dumped in Kafka's layout.
#include "cli/dump_log.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "cli/tools.h"
#include "protocol/record_batch.h"

namespace sluice::cli {
namespace {

using protocol::batch_header;
using protocol::bytes_view;

bytes_view bytes_of(const std::string& s) {
  return bytes_view(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

struct segment {
  std::vector<uint8_t> data;
  std::vector<batch_header> headers;
  std::vector<size_t> positions;
  void append(std::vector<uint8_t> batch) {
    positions.push_back(data.size());
    headers.push_back(*batch_header::parse(batch));
    data.insert(data.end(), batch.begin(), batch.end());
  }
};

segment build_segment() {
  segment s;
  protocol::batch_builder_options plain;
  plain.base_offset = 42;
  plain.partition_leader_epoch = 0;
  protocol::record_batch_builder first(plain);
  std::string k0 = "k0", v0 = "hello", v1 = "world";
  first.add(1700000000000, bytes_of(k0), bytes_of(v0));
  first.add(1700000000005, std::nullopt, bytes_of(v1));
  s.append(*first.build());

  protocol::batch_builder_options gz;
  gz.base_offset = 44;
  gz.compression = protocol::compression_type::gzip;
  gz.producer_id = 7;
  gz.producer_epoch = 0;
  gz.base_sequence = 3;
  protocol::record_batch_builder second(gz);
  std::string hk = "trace", hv = "abc", v2 = "compressed";
  protocol::record_header h{hk, bytes_of(hv)};
  second.add(1700000000010, std::nullopt, bytes_of(v2), std::span(&h, 1));
  s.append(*second.build());

  protocol::end_txn_marker_batch marker;
  marker.producer_id = 7;
  marker.producer_epoch = 0;
  marker.marker.type = protocol::control_type::commit;
  marker.marker.coordinator_epoch = 5;
  marker.timestamp_ms = 1700000000020;
  marker.base_offset = 46;  // a gap after 44: compaction or an aborted range
  s.append(protocol::build_end_txn_marker_batch(marker));
  return s;
}

std::string batch_line(const segment& s, size_t i, std::string_view codec, int32_t last_seq) {
  const batch_header& h = s.headers[i];
  return fmt::format(
      "baseOffset: {} lastOffset: {} count: {} baseSequence: {} lastSequence: {} producerId: {} "
      "producerEpoch: {} partitionLeaderEpoch: {} isTransactional: {} isControl: {} "
      "deleteHorizonMs: OptionalLong.empty position: {} CreateTime: {} size: {} magic: 2 "
      "compresscodec: {} crc: {} isvalid: true\n",
      h.base_offset, h.last_offset(), h.records_count, h.base_sequence, last_seq, h.producer_id,
      h.producer_epoch, h.partition_leader_epoch, h.is_transactional(), h.is_control(),
      s.positions[i], h.max_timestamp, h.total_size(), codec, h.crc);
}

TEST(DumpLog, PrintsBatchesOnlyByDefault) {
  segment s = build_segment();
  dump_output d = dump_log_segment(s.data, "/data/t-0/00000000000000000042.log", {});
  EXPECT_EQ(d.out, "Log starting offset: 42\n" + batch_line(s, 0, "none", -1) +
                       batch_line(s, 1, "gzip", 3) + batch_line(s, 2, "none", -1));
  EXPECT_TRUE(d.err.empty());
}

TEST(DumpLog, DeepIterationPrintsRecordsAndData) {
  segment s = build_segment();
  dump_log_options o;
  o.print_data = true;
  dump_output d = dump_log_segment(s.data, "00000000000000000042.log", o);
  std::string expected =
      "Log starting offset: 42\n" + batch_line(s, 0, "none", -1) +
      "| offset: 42 CreateTime: 1700000000000 keySize: 2 valueSize: 5 sequence: -1 headerKeys: [] "
      "key: k0 payload: hello\n"
      "| offset: 43 CreateTime: 1700000000005 keySize: -1 valueSize: 5 sequence: -1 headerKeys: "
      "[] payload: world\n" +
      batch_line(s, 1, "gzip", 3) +
      "| offset: 44 CreateTime: 1700000000010 keySize: -1 valueSize: 10 sequence: 3 headerKeys: "
      "[trace] payload: compressed\n" +
      batch_line(s, 2, "none", -1) +
      "| offset: 46 CreateTime: 1700000000020 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] "
      "endTxnMarker: COMMIT coordinatorEpoch: 5\n";
  EXPECT_EQ(d.out, expected);
  ASSERT_EQ(d.non_consecutive.size(), 1u);
  EXPECT_EQ(d.non_consecutive[0], (std::pair<int64_t, int64_t>{44, 46}));
}

TEST(DumpLog, SkipRecordMetadataLeavesKeysAndPayloads) {
  segment s = build_segment();
  dump_log_options o;
  o.print_data = true;
  o.skip_record_metadata = true;
  dump_output d = dump_log_segment(s.data, "00000000000000000042.log", o);
  EXPECT_NE(d.out.find("\n| key: k0 payload: hello\n payload: world\n"), std::string::npos);
}

TEST(DumpLog, ReportsTrailingBytesAndCorruption) {
  segment s = build_segment();
  std::vector<uint8_t> data = s.data;
  data.insert(data.end(), {1, 2, 3, 4, 5});
  dump_output d = dump_log_segment(data, "00000000000000000042.log", {});
  EXPECT_NE(d.out.find("Found 5 invalid bytes at the end of 00000000000000000042.log\n"),
            std::string::npos);
  // A flipped byte inside the first batch's records breaks its CRC.
  std::vector<uint8_t> bad = s.data;
  bad[batch_header::size + 3] ^= 0xFF;
  dump_output c = dump_log_segment(bad, "00000000000000000042.log", {});
  EXPECT_NE(c.out.find("isvalid: false"), std::string::npos);
}

TEST(DumpLog, MaxBytesStopsEarly) {
  segment s = build_segment();
  dump_log_options o;
  o.max_bytes = static_cast<int64_t>(s.positions[1]);
  dump_output d = dump_log_segment(s.data, "00000000000000000042.log", o);
  EXPECT_EQ(d.out, "Log starting offset: 42\n" + batch_line(s, 0, "none", -1));
}

TEST(DumpLog, DumpsIndexes) {
  std::vector<uint8_t> index = {
      0, 0, 0, 0,   0, 0, 0, 0, 0, 0, 0, 2,
      0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0};  // two entries, then preallocated zeros
  EXPECT_EQ(dump_offset_index(index, "00000000000000000042.index").out,
            "offset: 42 position: 0\noffset: 44 position: 100\n");
  std::vector<uint8_t> time = {0, 0, 1, 0, 0, 0, 0, 9, 0, 0, 0, 1};
  EXPECT_EQ(dump_time_index(time, "00000000000000000042.timeindex").out,
            fmt::format("timestamp: {} offset: 43\n", (int64_t{1} << 40) + 9));
}

TEST(DumpLog, ToolDumpsAFileItWasGiven) {
  segment s = build_segment();
  std::string dir = testing::TempDir();
  std::string path = dir + "/00000000000000000042.log";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(s.data.data()),
              static_cast<std::streamsize>(s.data.size()));
  }
  testing::internal::CaptureStdout();
  int code = kafka_dump_log_main({"--files", path, "--deep-iteration"});
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out.substr(0, out.find('\n')), "Dumping " + path);
  EXPECT_NE(out.find("| offset: 43 CreateTime: 1700000000005 keySize: -1 valueSize: 5"),
            std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sluice::cli
