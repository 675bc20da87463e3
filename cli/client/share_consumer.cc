#include "cli/client/share_consumer.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "protocol/batch_header.h"
#include "protocol/error_code.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/share_acknowledge.h"
#include "protocol/generated/share_fetch.h"
#include "protocol/generated/share_group_heartbeat.h"
#include "protocol/record_batch.h"

namespace sluice::cli {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A member id as Kafka's clients make them: a random UUID in base64.
std::string new_member_id() {
  std::random_device rd;
  protocol::uuid u;
  for (auto& b : u.value) b = static_cast<uint8_t>(rd());
  return u.to_base64();
}

std::string text(protocol::bytes_view b) {
  return std::string(b.begin(), b.end());
}

// A top-level error as Kafka names it, with the broker's message.
template <class Response>
std::string broker_error(const Response& r) {
  std::string out(protocol::error_name(static_cast<protocol::error_code>(r.error_code)));
  if (r.error_message && !r.error_message->empty()) out += ": " + *r.error_message;
  return out;
}

}  // namespace

// Adds offsets [first, last] acknowledged as `type`, merged into the last run when contiguous.
void share_consumer::add_ack(std::vector<partition_ack>& acks, int64_t first, int64_t last,
                             int8_t type) {
  if (!acks.empty() && acks.back().last + 1 == first && acks.back().type == type) {
    acks.back().last = last;
    return;
  }
  acks.push_back({first, last, type});
}

share_consumer::share_consumer(broker_pool& pool, std::string group, std::string topic)
    : pool_(pool),
      group_(std::move(group)),
      topic_(std::move(topic)),
      member_id_(new_member_id()) {}

result<void> share_consumer::heartbeat(deadline d) {
  using protocol::share_group_heartbeat_request;
  using protocol::share_group_heartbeat_response;
  if (coordinator_ < 0) {
    auto c = pool_.find_coordinator(0, group_, d);
    if (!c) return std::move(c).error();
    coordinator_ = *c;
  }
  auto conn = pool_.get(coordinator_, d);
  if (!conn) return std::move(conn).error();
  auto version = (*conn)->pick_version(share_group_heartbeat_request::api_key, 1,
                                       share_group_heartbeat_request::max_version);
  if (!version) return fail(errc::unsupported, "the broker does not support share groups");
  share_group_heartbeat_request request;
  request.group_id = group_;
  request.member_id = member_id_;
  request.member_epoch = member_epoch_;
  if (member_epoch_ == 0) request.subscribed_topic_names = std::vector<std::string>{topic_};
  auto response = (*conn)->call<share_group_heartbeat_request, share_group_heartbeat_response>(
      request, *version, d);
  if (!response) {
    pool_.forget(coordinator_);
    coordinator_ = -1;
    return std::move(response).error();
  }
  using protocol::error_code;
  const auto code = static_cast<error_code>(response->error_code);
  if (code == error_code::not_coordinator || code == error_code::coordinator_not_available ||
      code == error_code::coordinator_load_in_progress) {
    coordinator_ = -1;  // found again next time
    return ok_v;
  }
  if (code == error_code::unknown_member_id || code == error_code::fenced_member_epoch) {
    member_epoch_ = 0;  // rejoin at once
    next_heartbeat_ms_ = 0;
    return ok_v;
  }
  if (code != error_code::none) return fail(errc::broker, broker_error(*response));
  member_epoch_ = response->member_epoch;
  heartbeat_interval_ms_ = std::max(response->heartbeat_interval_ms, 100);
  next_heartbeat_ms_ = now_ms() + heartbeat_interval_ms_;
  if (response->assignment) {
    assigned_.clear();
    for (const auto& t : response->assignment->topic_partitions) {
      topic_id_ = t.topic_id;
      assigned_.insert(assigned_.end(), t.partitions.begin(), t.partitions.end());
    }
    std::sort(assigned_.begin(), assigned_.end());
    if (auto r = refresh_leaders(d); !r) return r;
  }
  return ok_v;
}

result<void> share_consumer::refresh_leaders(deadline d) {
  using protocol::metadata_request;
  using protocol::metadata_response;
  leader_of_.clear();
  if (assigned_.empty()) return ok_v;
  const broker_info& any = pool_.brokers().front();
  auto conn = pool_.get(any.id, d);
  if (!conn) return std::move(conn).error();
  auto version =
      (*conn)->pick_version(metadata_request::api_key, 10, metadata_request::max_version);
  if (!version) return fail(errc::unsupported, "the broker cannot name topics by id");
  metadata_request request;
  auto& t = request.topics->emplace_back();
  t.name = topic_;
  request.allow_auto_topic_creation = false;
  auto response = (*conn)->call<metadata_request, metadata_response>(request, *version, d);
  if (!response) return std::move(response).error();
  for (const auto& b : response->brokers) pool_.add({b.node_id, b.host, b.port});
  for (const auto& topic : response->topics) {
    if (topic.topic_id != topic_id_) continue;
    for (const auto& p : topic.partitions)
      if (std::binary_search(assigned_.begin(), assigned_.end(), p.partition_index))
        leader_of_[p.partition_index] = p.leader_id;
  }
  return ok_v;
}

result<std::vector<console_record>> share_consumer::poll(int32_t max_wait_ms, int8_t ack,
                                                         deadline d) {
  using protocol::share_fetch_request;
  using protocol::share_fetch_response;
  if (member_epoch_ == 0 || now_ms() >= next_heartbeat_ms_) {
    if (auto r = heartbeat(d); !r) return std::move(r).error();
  }
  std::vector<console_record> out;
  std::map<int32_t, std::vector<int32_t>> by_leader;
  for (const auto& [p, leader] : leader_of_)
    if (leader >= 0) by_leader[leader].push_back(p);
  if (by_leader.empty()) {
    // Nothing assigned yet: wait a little rather than spin.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(max_wait_ms, 100)));
    return out;
  }
  // A leader's wait is shared out so one poll takes about max_wait_ms at most.
  const int32_t wait = std::max<int32_t>(max_wait_ms / static_cast<int32_t>(by_leader.size()), 1);
  for (const auto& [leader, partitions] : by_leader) {
    auto conn = pool_.get(leader, d);
    if (!conn) return std::move(conn).error();
    auto version =
        (*conn)->pick_version(share_fetch_request::api_key, 1, share_fetch_request::max_version);
    if (!version) return fail(errc::unsupported, "the broker does not support share groups");
    session& s = sessions_[leader];
    share_fetch_request request;
    request.group_id = group_;
    request.member_id = member_id_;
    request.share_session_epoch = s.epoch;
    request.max_wait_ms = wait;
    request.min_bytes = 1;
    request.max_bytes = 52428800;
    request.max_records = 500;
    request.batch_size = 500;
    auto& topic = request.topics.emplace_back();
    topic.topic_id = topic_id_;
    for (int32_t p : partitions) {
      auto& fp = topic.partitions.emplace_back();
      fp.partition_index = p;
      if (s.epoch == 0) continue;  // a new session carries no acknowledgements
      auto pending = s.pending.find({topic_id_, p});
      if (pending == s.pending.end()) continue;
      for (const auto& a : pending->second) {
        auto& b = fp.acknowledgement_batches.emplace_back();
        b.first_offset = a.first;
        b.last_offset = a.last;
        b.acknowledge_types = {a.type};
      }
      s.pending.erase(pending);
    }
    auto answer =
        (*conn)->call_framed<share_fetch_request, share_fetch_response>(request, *version, d);
    if (!answer) {
      pool_.forget(leader);
      sessions_.erase(leader);
      return std::move(answer).error();
    }
    const share_fetch_response* response = &answer->body;  // records are views into its frame
    const auto top = static_cast<protocol::error_code>(response->error_code);
    if (top == protocol::error_code::share_session_not_found ||
        top == protocol::error_code::invalid_share_session_epoch) {
      s.epoch = 0;  // start the session again (the records it held are released)
      s.pending.clear();
      continue;
    }
    if (top != protocol::error_code::none) return fail(errc::broker, broker_error(*response));
    s.epoch = s.epoch == INT32_MAX ? 1 : s.epoch + 1;
    for (const auto& t : response->responses) {
      for (const auto& p : t.partitions) {
        if (p.error_code != 0) {
          if (p.error_code == static_cast<int16_t>(protocol::error_code::not_leader_or_follower))
            leader_of_.clear();  // asked again at the next heartbeat's assignment

          continue;
        }
        if (p.acquired_records.empty() || p.records.is_null()) continue;
        // The offsets of this partition's records, to tell acquired gaps from records.
        std::vector<console_record> got;
        auto data = p.records.data();
        std::vector<uint8_t> scratch;
        bool unreadable = false;  // a batch that does not decode: its records are released
        for (size_t at = 0; at < data.size();) {
          auto size = protocol::batch_frame_size(data.subspan(at));
          if (!size || at + *size > data.size()) break;
          auto batch = protocol::record_batch_view::open(data.subspan(at, *size), scratch);
          at += *size;
          if (!batch) {
            unreadable = true;
            continue;
          }
          if (batch->header().is_control()) continue;
          const auto& h = batch->header();
          (void)batch->for_each([&](const protocol::record_view& r) {
            const int64_t offset = r.offset(h);
            const bool acquired = std::any_of(
                p.acquired_records.begin(), p.acquired_records.end(),
                [&](const auto& a) { return offset >= a.first_offset && offset <= a.last_offset; });
            if (!acquired) return;
            console_record c;
            c.topic = topic_;
            c.partition = p.partition_index;
            c.offset = offset;
            c.timestamp = r.timestamp(h);
            c.timestamp_type = h.ts_type() == protocol::timestamp_type::log_append_time
                                   ? console_record::ts_kind::log_append_time
                                   : console_record::ts_kind::create_time;
            if (r.key) c.key = text(*r.key);
            if (r.value) c.value = text(*r.value);
            for (const auto& hd : r.headers()) {
              std::optional<std::string> v;
              if (hd.value) v = text(*hd.value);
              c.headers.emplace_back(std::string(hd.key), std::move(v));
            }
            got.push_back(std::move(c));
          });
        }
        // Every acquired offset is acknowledged with the next fetch: records as asked, the
        // offsets without a record as gaps (or released, if a batch could not be read, so
        // nothing is archived unseen).
        auto& acks = s.pending[{topic_id_, p.partition_index}];
        for (const auto& a : p.acquired_records) {
          for (int64_t o = a.first_offset; o <= a.last_offset; ++o) {
            const bool record = std::any_of(got.begin(), got.end(),
                                            [&](const console_record& c) { return c.offset == o; });
            add_ack(acks, o, o, record ? ack : unreadable ? int8_t{2} : int8_t{0});
          }
        }
        for (auto& c : got) out.push_back(std::move(c));
      }
    }
  }
  return out;
}

void share_consumer::close(deadline d) {
  using protocol::share_acknowledge_request;
  using protocol::share_acknowledge_response;
  for (auto& [leader, s] : sessions_) {
    if (s.epoch == 0) continue;
    auto conn = pool_.get(leader, d);
    if (!conn) continue;
    auto version = (*conn)->pick_version(share_acknowledge_request::api_key, 1,
                                         share_acknowledge_request::max_version);
    if (!version) continue;
    share_acknowledge_request request;
    request.group_id = group_;
    request.member_id = member_id_;
    request.share_session_epoch = -1;  // acknowledge, then close the session
    std::map<protocol::uuid, size_t> topic_at;
    for (const auto& [tp, acks] : s.pending) {
      auto [it, fresh] = topic_at.try_emplace(tp.first, request.topics.size());
      if (fresh) request.topics.emplace_back().topic_id = tp.first;
      auto& part = request.topics[it->second].partitions.emplace_back();
      part.partition_index = tp.second;
      for (const auto& a : acks) {
        auto& b = part.acknowledgement_batches.emplace_back();
        b.first_offset = a.first;
        b.last_offset = a.last;
        b.acknowledge_types = {a.type};
      }
    }
    (void)(*conn)->call<share_acknowledge_request, share_acknowledge_response>(request, *version,
                                                                               d);
  }
  sessions_.clear();
  if (member_epoch_ > 0) {
    member_epoch_ = -1;  // leave
    (void)heartbeat(d);
  }
}

}  // namespace sluice::cli
