// The coordinator against the wire: real client request frames (recorded from librdkafka,
// kafka-python and kafkajs) decoded and driven through a whole group session, and every
// response encoding at every version it can be asked for.
#include <fstream>
#include <iterator>

#include "coordinator/find_coordinator.h"
#include "harness.h"
#include "protocol/generated/headers.h"

namespace sluice::coordinator::testing {
namespace {

template <class Response>
void expect_encodes(const Response& r, int16_t version) {
  protocol::writer w;
  auto result = r.encode(w, version);
  EXPECT_TRUE(result.ok()) << "does not encode at v" << version;
}

struct frame {
  int16_t version = 0;
  std::string client_id;
  protocol::bytes data;
  size_t body_at = 0;
};

std::optional<frame> read_frame(const std::string& name) {
  // The committed copies of the frames real clients sent (tests/fixtures/client-requests).
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/tests/fixtures/client-requests/" + name,
                   std::ios::binary);
  if (!in) return std::nullopt;
  frame f;
  f.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  protocol::reader peek(f.data);
  int16_t key = peek.read_int16();
  f.version = peek.read_int16();
  protocol::reader r(f.data);
  protocol::request_header header;
  EXPECT_TRUE(header.decode(r, protocol::request_header_version(key, f.version)).ok());
  f.client_id = header.client_id.value_or("");
  f.body_at = r.position();
  return f;
}

template <class Request>
Request decode_body(const frame& f) {
  protocol::reader r(protocol::bytes_view(f.data).subspan(f.body_at));
  Request request;
  EXPECT_TRUE(request.decode(r, f.version).ok());
  EXPECT_EQ(r.remaining(), 0u);
  return request;
}

// One member's session as the client recorded it, with the coordinator's member id and
// generation put in place of the recorded ones.
void replay_client(const std::string& client, const std::vector<std::string>& files) {
  harness h;
  std::string member_id;
  int32_t generation = -1;
  std::string recorded_id;
  for (const auto& file : files) {
    SCOPED_TRACE(file);
    auto f = read_frame(client + file);
    ASSERT_TRUE(f) << "missing committed client frames: " << client + file;
    if (file.find("JoinGroup") != std::string::npos) {
      auto request = decode_body<protocol::join_group_request>(*f);
      recorded_id = request.member_id;
      request.member_id = "";
      reply<protocol::join_group_response> out;
      h.core.join_group(request, f->version, client_info{f->client_id, "/127.0.0.1"}, h.now,
                        out.sink());
      h.drain();
      if (f->version >= 4) {
        ASSERT_EQ(out->error_code, ec(error_code::member_id_required));
        expect_encodes(*out, f->version);
        request.member_id = out->member_id;
        out = {};
        h.core.join_group(request, f->version, client_info{f->client_id, "/127.0.0.1"}, h.now,
                          out.sink());
        h.drain();
      }
      h.advance(0);
      ASSERT_TRUE(out.done());
      EXPECT_EQ(out->error_code, 0);
      expect_encodes(*out, f->version);
      member_id = out->member_id;
      generation = out->generation_id;
      EXPECT_EQ(out->leader, member_id);
      EXPECT_EQ(member_id.rfind(f->client_id + "-", 0), 0u);
    } else if (file.find("SyncGroup") != std::string::npos) {
      auto request = decode_body<protocol::sync_group_request>(*f);
      request.member_id = member_id;
      request.generation_id = generation;
      for (auto& a : request.assignments) a.member_id = member_id;
      reply<protocol::sync_group_response> out;
      h.core.sync_group(request, f->version, h.now, out.sink());
      h.drain();
      EXPECT_EQ(out->error_code, 0);
      if (!request.assignments.empty()) {
        EXPECT_EQ(out->assignment, request.assignments[0].assignment);
      }
      expect_encodes(*out, f->version);
    } else if (file.find("Heartbeat") != std::string::npos) {
      auto request = decode_body<protocol::heartbeat_request>(*f);
      request.member_id = member_id;
      request.generation_id = generation;
      reply<protocol::heartbeat_response> out;
      h.core.heartbeat(request, f->version, h.now, out.sink());
      h.drain();
      EXPECT_EQ(out->error_code, 0);
      expect_encodes(*out, f->version);
    } else if (file.find("OffsetCommit") != std::string::npos) {
      auto request = decode_body<protocol::offset_commit_request>(*f);
      if (request.generation_id_or_member_epoch >= 0) {
        request.member_id = member_id;
        request.generation_id_or_member_epoch = generation;
      }
      reply<protocol::offset_commit_response> out;
      h.core.offset_commit(request, f->version, h.now, out.sink());
      h.drain();
      for (const auto& t : out->topics) {
        for (const auto& p : t.partitions) {
          EXPECT_EQ(p.error_code, 0);
        }
      }
      expect_encodes(*out, f->version);
      auto fetched = h.fetch(request.group_id, std::nullopt, 7);
      EXPECT_FALSE(fetched->topics.empty());
    } else if (file.find("OffsetFetch") != std::string::npos) {
      auto request = decode_body<protocol::offset_fetch_request>(*f);
      reply<protocol::offset_fetch_response> out;
      h.core.offset_fetch(request, f->version, out.sink());
      h.drain();
      expect_encodes(*out, f->version);
    } else if (file.find("LeaveGroup") != std::string::npos) {
      auto request = decode_body<protocol::leave_group_request>(*f);
      EXPECT_EQ(request.member_id, recorded_id.empty() ? request.member_id : recorded_id);
      request.member_id = member_id;
      reply<protocol::leave_group_response> out;
      h.core.leave_group(request, f->version, h.now, out.sink());
      h.drain();
      EXPECT_EQ(out->error_code, 0);
      expect_encodes(*out, f->version);
    }
  }
}

TEST(client_frames, librdkafka_group_session) {
  replay_client("confluent-kafka-s05-",
                {"003-JoinGroup-v5.bin", "005-SyncGroup-v3.bin", "006-Heartbeat-v3.bin",
                 "007-OffsetFetch-v5.bin", "008-OffsetCommit-v7.bin", "009-LeaveGroup-v1.bin"});
}

TEST(client_frames, kafka_python_group_session) {
  replay_client("kafka-python-s05-",
                {"000-JoinGroup-v2.bin", "001-SyncGroup-v1.bin", "002-OffsetFetch-v1.bin",
                 "003-OffsetCommit-v2.bin", "004-OffsetCommit-v2.bin", "005-LeaveGroup-v1.bin"});
}

TEST(client_frames, kafkajs_group_session) {
  replay_client("kafkajs-s02-",
                {"003-JoinGroup-v5.bin", "005-SyncGroup-v3.bin", "006-OffsetFetch-v4.bin",
                 "008-Heartbeat-v3.bin", "009-OffsetCommit-v5.bin", "010-OffsetCommit-v5.bin",
                 "011-LeaveGroup-v1.bin"});
}

TEST(client_frames, find_coordinator) {
  internal_topic_view offsets;
  offsets.exists = true;
  offsets.partitions = 50;
  offsets.leader = [](int32_t) { return coordinator_endpoint{1, "localhost", 9092}; };
  internal_topic_view transactions = offsets;  // the transactional producer asks for its own
  for (const char* file : {"kafka-python-s04-002-FindCoordinator-v0.bin",
                           "confluent-kafka-s02-003-FindCoordinator-v2.bin",
                           "kafkajs-s02-002-FindCoordinator-v2.bin"}) {
    SCOPED_TRACE(file);
    auto f = read_frame(file);
    ASSERT_TRUE(f) << "missing committed client frame: " << file;
    auto request = decode_body<protocol::find_coordinator_request>(*f);
    auto answer = find_coordinator(request, f->version, offsets, transactions);
    EXPECT_EQ(answer.response.node_id, 1);
    expect_encodes(answer.response, f->version);
  }
}

// ---- every version ----

TEST(versions, group_responses_encode_at_every_version) {
  for (int16_t v = 0; v <= 9; ++v) {
    SCOPED_TRACE(v);
    harness h;
    join_options o;
    o.version = v;
    o.instance_id = v >= 5 ? std::optional<std::string>("i") : std::nullopt;
    auto first = h.join("g", "", o);
    if (v >= 4 && !o.instance_id) first = h.join("g", first->member_id, o);
    h.advance(0);
    ASSERT_TRUE(first.done());
    expect_encodes(*first, v);
    std::string id = first->member_id;
    int16_t sync_v = std::min<int16_t>(v, 5);
    auto s = h.sync("g", id, 1, {{id, {1}}}, sync_v, sync_v >= 3 ? o.instance_id : std::nullopt);
    EXPECT_EQ(s->error_code, 0);
    expect_encodes(*s, sync_v);
    auto hb = h.heartbeat("g", id, 1, std::min<int16_t>(v, 4));
    expect_encodes(*hb, std::min<int16_t>(v, 4));
    expect_encodes(*h.commit("g", id, 1, {{"t", 0, 1}}, v), v);
    expect_encodes(
        *h.fetch("g", std::vector<std::pair<std::string, std::vector<int32_t>>>{{"t", {0}}}, v), v);
    if (v >= 2) expect_encodes(*h.fetch("g", std::nullopt, v), v);
    expect_encodes(
        *h.fetch("elsewhere-maybe",
                 std::vector<std::pair<std::string, std::vector<int32_t>>>{{"t", {0}}}, v),
        v);
    if (v <= 5) {
      protocol::describe_groups_request d;
      d.groups = {"g", "nope"};
      d.include_authorized_operations = true;
      reply<protocol::describe_groups_response> dr;
      h.core.describe_groups(d, v, dr.sink());
      h.drain();
      expect_encodes(*dr, v);
      reply<protocol::list_groups_response> lr;
      h.core.list_groups({}, v, lr.sink());
      h.drain();
      expect_encodes(*lr, v);
      auto leave = v >= 3 ? h.leave_batch("g", {{id, o.instance_id}}, v) : h.leave("g", id, v);
      EXPECT_EQ(leave->error_code, 0);
      expect_encodes(*leave, v);
    }
    if (v <= 2) {
      protocol::delete_groups_request del;
      del.groups_names = {"g", "nope"};
      reply<protocol::delete_groups_response> dr;
      h.core.delete_groups(del, v, h.now, dr.sink());
      h.drain();
      expect_encodes(*dr, v);
    }
  }
}

TEST(versions, find_coordinator_encodes_at_every_version) {
  internal_topic_view offsets;
  for (int16_t v = 0; v <= 6; ++v) {
    protocol::find_coordinator_request r;
    r.key = "g";
    r.coordinator_keys = {"g", "h"};
    expect_encodes(find_coordinator(r, v, offsets, {}).response, v);
  }
}

}  // namespace
}  // namespace sluice::coordinator::testing
