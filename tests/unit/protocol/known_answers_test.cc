// Known answers for the generated codec: the request frames real clients sent (tests/fixtures/
// client-requests/*.bin) and hand-built frames for flexible versions those clients never used must
// decode (request header, then body) and re-encode to exactly the same bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "protocol/generated/api_versions.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/headers.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/produce.h"
#include "protocol/generated/visit.h"
#include "protocol/wire.h"

namespace sluice::protocol {
namespace {

namespace fs = std::filesystem;

bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Decodes `frame` as a request header plus a T body, checks nothing is left over, re-encodes both
// and expects the original bytes. Returns the body (its records views point into `frame`).
template <class T>
T expect_round_trip(const bytes& frame, const std::string& what) {
  reader peek(frame);
  const int16_t api_key = peek.read_int16();
  const int16_t api_version = peek.read_int16();
  const int16_t header_version = request_header_version(api_key, api_version);

  reader r(frame);
  request_header header;
  auto h = header.decode(r, header_version);
  EXPECT_TRUE(h.ok()) << what << ": header: " << (h.ok() ? "" : to_string(h.code()));
  EXPECT_EQ(header.request_api_key, T::api_key) << what;
  T body;
  auto b = body.decode(r, api_version);
  EXPECT_TRUE(b.ok()) << what << ": body: " << (b.ok() ? "" : to_string(b.code()));
  EXPECT_EQ(r.remaining(), 0u) << what << ": bytes left after the body";

  writer w;
  EXPECT_TRUE(header.encode(w, header_version).ok()) << what;
  EXPECT_TRUE(body.encode(w, api_version).ok()) << what;
  EXPECT_EQ(w.buffer(), frame) << what << ": re-encoding differs";
  return body;
}

std::vector<fs::path> fixture_frames(const char* subfolder) {
  const fs::path folder = fs::path(SLUICE_SOURCE_DIR) / "tests/fixtures" / subfolder;
  std::vector<fs::path> frames;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() == ".bin") frames.push_back(entry.path());
  }
  std::sort(frames.begin(), frames.end());
  return frames;
}

void expect_all_round_trip(const std::vector<fs::path>& frames) {
  for (const auto& path : frames) {
    const bytes frame = read_file(path);
    ASSERT_GE(frame.size(), 8u) << path;
    reader peek(frame);
    const int16_t api_key = peek.read_int16();
    const bool known = visit_request_type(api_key, [&](auto type) {
      using request = typename decltype(type)::type;
      expect_round_trip<request>(frame, path.filename().string());
    });
    EXPECT_TRUE(known) << path << ": api key " << api_key;
  }
}

TEST(known_answers, every_client_fixture_decodes_and_re_encodes_byte_exactly) {
  auto frames = fixture_frames("client-requests");
  EXPECT_EQ(frames.size(), 123u);
  expect_all_round_trip(frames);
}

// Frames kcat, kafka-python, confluent-kafka and kafkajs sent to Sluice itself
// (tools/capture_fixtures.py): the versions each client picks against our advertised ranges.
TEST(known_answers, frames_captured_from_clients_talking_to_sluice_round_trip) {
  auto frames = fixture_frames("captured");
  EXPECT_GE(frames.size(), 50u);
  expect_all_round_trip(frames);
}

// ApiVersions v4: flexible body, but the header's client id keeps the int16 length.
TEST(known_answers, api_versions_v4_request) {
  const bytes frame = {
      0x00, 0x12,                        // api key 18 (ApiVersions)
      0x00, 0x04,                        // version 4
      0x00, 0x00, 0x00, 0x07,            // correlation id 7
      0x00, 0x04, 'k',  'c',  'a', 't',  // client id "kcat", int16 length even in header v2
      0x00,                              // header tagged fields: none
      0x05, 'k',  'c',  'a',  't',       // client software name: compact string, length 4 + 1
      0x06, '2',  '.',  '0',  '.', '2',  // client software version "2.0.2"
      0x00,                              // body tagged fields: none
  };
  EXPECT_EQ(request_header_version(18, 4), 2);
  auto body = expect_round_trip<api_versions_request>(frame, "ApiVersions v4");
  EXPECT_EQ(body.client_software_name, "kcat");
  EXPECT_EQ(body.client_software_version, "2.0.2");
}

// Metadata v9: flexible, and the topic list is null ("every topic").
TEST(known_answers, metadata_v9_request_with_null_topics) {
  const bytes frame = {
      0x00, 0x03, 0x00, 0x09,  // api key 3 (Metadata), version 9
      0x00, 0x00, 0x00, 0x2a,  // correlation id 42
      0x00, 0x02, 'c',  '1',   // client id "c1"
      0x00,                    // header tagged fields
      0x00,                    // topics: compact array, 0 = null
      0x01,                    // allow auto topic creation: true
      0x00,                    // include cluster authorized operations (v8-10)
      0x00,                    // include topic authorized operations
      0x00,                    // tagged fields
  };
  auto body = expect_round_trip<metadata_request>(frame, "Metadata v9");
  EXPECT_FALSE(body.topics.has_value());
  EXPECT_TRUE(body.allow_auto_topic_creation);
}

// Metadata v12: topics carry a topic id and a nullable name.
TEST(known_answers, metadata_v12_request_with_one_topic) {
  bytes frame = {
      0x00, 0x03, 0x00, 0x0c,  // api key 3, version 12
      0x00, 0x00, 0x00, 0x2b,  // correlation id 43
      0xff, 0xff,              // client id: null
      0x00,                    // header tagged fields
      0x02,                    // topics: 1 element (1 + 1)
  };
  for (int i = 0; i < 16; ++i) frame.push_back(static_cast<uint8_t>(i + 1));  // topic id
  const bytes rest = {
      0x07, 'o', 'r', 'd', 'e', 'r', 's',  // name: compact nullable string "orders"
      0x00,                                // topic tagged fields
      0x00,                                // allow auto topic creation: false
      0x01,                                // include topic authorized operations: true
      0x00,                                // tagged fields
  };
  frame.insert(frame.end(), rest.begin(), rest.end());
  auto body = expect_round_trip<metadata_request>(frame, "Metadata v12");
  ASSERT_TRUE(body.topics.has_value());
  ASSERT_EQ(body.topics->size(), 1u);
  EXPECT_EQ((*body.topics)[0].name, "orders");
  EXPECT_EQ((*body.topics)[0].topic_id.value[15], 16);
  EXPECT_FALSE(body.allow_auto_topic_creation);
  EXPECT_TRUE(body.include_topic_authorized_operations);
}

// Produce v9: flexible; the records are a view into the frame, never copied.
TEST(known_answers, produce_v9_request) {
  const bytes frame = {
      0x00, 0x00, 0x00, 0x09,                 // api key 0 (Produce), version 9
      0x00, 0x00, 0x00, 0x05,                 // correlation id 5
      0x00, 0x02, 'p',  '1',                  // client id "p1"
      0x00,                                   // header tagged fields
      0x00,                                   // transactional id: compact nullable string, null
      0xff, 0xff,                             // acks -1
      0x00, 0x00, 0x75, 0x30,                 // timeout 30000 ms
      0x02,                                   // topic data: 1 element
      0x07, 'e',  'v',  'e',  'n', 't', 's',  // name "events"
      0x02,                                   // partition data: 1 element
      0x00, 0x00, 0x00, 0x03,                 // index 3
      0x0b,                                   // records: compact bytes, 10 + 1
      0,    1,    2,    3,    4,   5,   6,   7, 8, 9,  // (opaque to the codec)
      0x00,                                            // partition tagged fields
      0x00,                                            // topic tagged fields
      0x00,                                            // tagged fields
  };
  auto body = expect_round_trip<produce_request>(frame, "Produce v9");
  EXPECT_FALSE(body.transactional_id.has_value());
  EXPECT_EQ(body.acks, -1);
  ASSERT_EQ(body.topic_data.size(), 1u);
  EXPECT_EQ(body.topic_data[0].name, "events");
  ASSERT_EQ(body.topic_data[0].partition_data.size(), 1u);
  const records& recs = body.topic_data[0].partition_data[0].records;
  EXPECT_EQ(recs.size(), 10);
  EXPECT_EQ(recs.data().data(), frame.data() + 34);  // a view into the frame
}

// Fetch v12: flexible with a known tagged field (cluster id, tag 0) and an unknown one (tag 5),
// which must come back in place.
TEST(known_answers, fetch_v12_request_with_tagged_fields) {
  const bytes frame = {
      0x00, 0x01, 0x00, 0x0c,                                    // api key 1 (Fetch), version 12
      0x00, 0x00, 0x00, 0x63,                                    // correlation id 99
      0x00, 0x08, 'c',  'o',  'n',  's',  'u',  'm',  'e', 'r',  // client id "consumer"
      0x00,                                                      // header tagged fields
      0xff, 0xff, 0xff, 0xff,                                    // replica id -1 (a consumer)
      0x00, 0x00, 0x01, 0xf4,                                    // max wait 500 ms
      0x00, 0x00, 0x00, 0x01,                                    // min bytes 1
      0x03, 0x20, 0x00, 0x00,                                    // max bytes 52428800
      0x01,                                                      // isolation level: read committed
      0x00, 0x00, 0x00, 0x00,                                    // session id 0
      0xff, 0xff, 0xff, 0xff,                                    // session epoch -1
      0x02,                                                      // topics: 1 element
      0x07, 'o',  'r',  'd',  'e',  'r',  's',         // topic "orders" (a name up to v12)
      0x02,                                            // partitions: 1 element
      0x00, 0x00, 0x00, 0x00,                          // partition 0
      0x00, 0x00, 0x00, 0x05,                          // current leader epoch 5
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64,  // fetch offset 100
      0x00, 0x00, 0x00, 0x04,                          // last fetched epoch 4
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // log start offset -1
      0x00, 0x10, 0x00, 0x00,                          // partition max bytes 1 MiB
      0x00,                                            // partition tagged fields
      0x00,                                            // topic tagged fields
      0x01,                                            // forgotten topics: empty compact array
      0x01,                                            // rack id: "" (compact, 0 + 1)
      0x02,                                            // tagged fields: 2
      0x00, 0x08,                                      // tag 0 (cluster id), 8 bytes:
      0x08, 'c',  'l',  'u',  's',  't',  'e',  'r',   // compact string "cluster"
      0x05, 0x02, 0xab, 0xcd,  // tag 5, 2 bytes: unknown at v12, kept verbatim
  };
  auto body = expect_round_trip<fetch_request>(frame, "Fetch v12");
  EXPECT_EQ(body.cluster_id, "cluster");
  EXPECT_EQ(body.replica_id, -1);
  EXPECT_EQ(body.max_bytes, 52428800);
  EXPECT_EQ(body.isolation_level, 1);
  ASSERT_EQ(body.topics.size(), 1u);
  EXPECT_EQ(body.topics[0].topic, "orders");
  ASSERT_EQ(body.topics[0].partitions.size(), 1u);
  EXPECT_EQ(body.topics[0].partitions[0].fetch_offset, 100);
  EXPECT_EQ(body.topics[0].partitions[0].last_fetched_epoch, 4);
  ASSERT_EQ(body.unknown_tags.size(), 1u);
  EXPECT_EQ(body.unknown_tags[0].tag, 5u);
  EXPECT_EQ(body.unknown_tags[0].data, (bytes{0xab, 0xcd}));
}

}  // namespace
}  // namespace sluice::protocol
