#include "server/share_persister.h"

#include <spdlog/spdlog.h>

#include <atomic>

#include "cluster/topic_name.h"
#include "net/broker_client.h"
#include "protocol/generated/delete_share_group_state.h"
#include "protocol/generated/initialize_share_group_state.h"
#include "protocol/generated/read_share_group_state.h"
#include "protocol/generated/write_share_group_state.h"

namespace sluice::server {

using protocol::error_code;

namespace {

constexpr int16_t read_state_version = 0;
constexpr int16_t write_state_version = 1;
constexpr auto backoff = std::chrono::milliseconds(100);  // between attempts while none can answer

// The error of the one partition a Write/Initialize/DeleteShareGroupState response answers.
template <class Response>
std::optional<error_code> single_partition_error(const Response& body) {
  if (body.results.empty() || body.results[0].partitions.empty())
    return error_code::unknown_server_error;
  const int16_t code = body.results[0].partitions[0].error_code;
  return code == 0 ? std::nullopt : std::optional(static_cast<error_code>(code));
}

// A request for the one partition of `key`; `fill` sets the partition's own fields.
template <class Request, class Fill>
Request single_partition_request(const share::share_partition_key& key, Fill fill) {
  Request request;
  request.group_id = key.group;
  auto& t = request.topics.emplace_back();
  t.topic_id = key.topic_id;
  auto& p = t.partitions.emplace_back();
  p.partition = key.partition;
  fill(p);
  return request;
}

template <class Response, class Request>
std::optional<error_code> call_single(net::broker_client& client, const Request& request,
                                      int16_t version) {
  auto answer = client.call<Response>(request, version);
  if (!answer) return error_code::coordinator_not_available;
  return single_partition_error(answer.value().body);
}

}  // namespace

share_persister::share_persister(share_persister_options options, cluster::metadata_store& metadata,
                                 share::share_state_store& local)
    : options_(std::move(options)),
      metadata_(metadata),
      local_(local),
      clients_(metadata, options_.listener_name,
               "sluice-share-persister-" + std::to_string(options_.broker_id),
               options_.request_timeout, options_.security) {}

share_persister::~share_persister() {
  stop();
}

void share_persister::start() {
  worker_ = std::thread([this] { loop(); });
}

void share_persister::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  clients_.close_all();
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  // Whatever is left is answered, never dropped.
  std::multimap<clock::time_point, std::function<void(bool)>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(jobs_);
  }
  for (auto& [due, job] : left) job(true);
}

void share_persister::enqueue(std::function<void(bool stopping)> job, clock::time_point due) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.emplace(due, std::move(job));
      wake_.notify_one();
      return;
    }
  }
  job(true);
}

void share_persister::loop() {
  for (;;) {
    std::function<void(bool)> job;
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        if (stopping_) return;
        if (!jobs_.empty() && jobs_.begin()->first <= clock::now()) break;
        if (jobs_.empty()) {
          wake_.wait(lock);
        } else {
          wake_.wait_until(lock, jobs_.begin()->first);
        }
      }
      job = std::move(jobs_.begin()->second);
      jobs_.erase(jobs_.begin());
    }
    job(false);
  }
}

bool share_persister::retry(error_code e, clock::time_point give_up) {
  return (e == error_code::not_coordinator || e == error_code::coordinator_not_available ||
          e == error_code::coordinator_load_in_progress) &&
         clock::now() < give_up;
}

sluice::result<int32_t, error_code> share_persister::leader_for(
    const share::share_partition_key& key) {
  const std::string name(cluster::share_group_state_topic);
  auto topic = metadata_.topic(name);
  if (!topic) {
    // Created on first use with the configs Kafka gives it, except compaction: every record
    // Sluice writes is a key's whole state (ShareSnapshot), so the latest per key is all a
    // partition needs and compaction keeps it small without Kafka's pruning by DeleteRecords.
    cluster::new_topic spec;
    spec.name = name;
    spec.partitions = options_.state_partitions;
    spec.replication_factor = options_.replication_factor;
    spec.configs = {{"cleanup.policy", "compact"},
                    {"compression.type", "producer"},
                    {"min.insync.replicas", std::to_string(options_.min_isr)},
                    {"segment.bytes", std::to_string(options_.segment_bytes)},
                    {"unclean.leader.election.enable", "false"}};
    auto created = metadata_.create_topic(spec, false);
    if (!created && created.code() != cluster::errc::topic_exists) {
      static std::atomic<bool> warned{false};
      if (!warned.exchange(true))
        spdlog::warn(
            "cannot create {} yet: {} (share.coordinator.state.topic.replication.factor={}); "
            "share groups cannot deliver until it can be created",
            name, created.message(), options_.replication_factor);
    }
    return error_code::coordinator_not_available;
  }
  const int32_t p = local_.partition_for(key);
  if (p < 0 || p >= static_cast<int32_t>(topic->partitions.size()))
    return error_code::coordinator_not_available;
  const int32_t leader = topic->partitions[static_cast<size_t>(p)].leader;
  if (leader < 0) return error_code::coordinator_not_available;
  return leader;
}

void share_persister::read(
    const share::share_partition_key& key, int32_t leader_epoch,
    unique_function<void(sluice::result<share::persisted_state, error_code>)> done) {
  read_attempt(key, leader_epoch, std::make_shared<decltype(done)>(std::move(done)),
               clock::now() + options_.request_timeout);
}

void share_persister::read_attempt(share::share_partition_key key, int32_t leader_epoch,
                                   read_done done, clock::time_point give_up) {
  auto again = [this, key, leader_epoch, done, give_up](bool stopping) {
    if (stopping) return (*done)(error_code::coordinator_not_available);
    read_attempt(key, leader_epoch, done, give_up);
  };
  auto leader = leader_for(key);
  if (!leader) {
    if (retry(leader.error().code, give_up)) return enqueue(again, clock::now() + backoff);
    return (*done)(leader.error().code);
  }
  if (leader.value() == options_.broker_id) {
    auto state = local_.read(key, leader_epoch);
    if (!state && retry(state.error().code, give_up)) return enqueue(again, clock::now() + backoff);
    return (*done)(std::move(state));
  }
  enqueue([this, key, leader_epoch, broker = leader.value(), done, give_up, again](bool stopping) {
    if (stopping) return (*done)(error_code::coordinator_not_available);
    auto outcome = [&]() -> sluice::result<share::persisted_state, error_code> {
      auto* client = clients_.client_for(broker);
      if (client == nullptr) return error_code::coordinator_not_available;
      auto request = single_partition_request<protocol::read_share_group_state_request>(
          key, [&](auto& p) { p.leader_epoch = leader_epoch; });
      auto answer =
          client->call<protocol::read_share_group_state_response>(request, read_state_version);
      if (!answer) return error_code::coordinator_not_available;
      const auto& body = answer.value().body;
      if (body.results.empty() || body.results[0].partitions.empty())
        return error_code::unknown_server_error;
      const auto& r = body.results[0].partitions[0];
      if (r.error_code != 0) return static_cast<error_code>(r.error_code);
      share::persisted_state state;
      state.state_epoch = r.state_epoch;
      state.leader_epoch = leader_epoch;
      state.start_offset = r.start_offset;
      for (const auto& b : r.state_batches)
        state.batches.push_back(
            {b.first_offset, b.last_offset, b.delivery_state, b.delivery_count});
      return state;
    }();
    if (!outcome && retry(outcome.error().code, give_up))
      return enqueue(again, clock::now() + backoff);
    (*done)(std::move(outcome));
  });
}

void share_persister::write(const share::share_partition_key& key,
                            const share::persisted_state& state,
                            unique_function<void(std::optional<error_code>)> done) {
  change c;
  c.local = [key, state](share::share_state_store& store, auto answer) {
    store.write(key, state, std::move(answer));
  };
  c.remote = [key, state](net::broker_client& client) {
    auto request =
        single_partition_request<protocol::write_share_group_state_request>(key, [&](auto& p) {
          p.state_epoch = state.state_epoch;
          p.leader_epoch = state.leader_epoch;
          p.start_offset = state.start_offset;
          for (const auto& b : state.batches) {
            auto& w = p.state_batches.emplace_back();
            w.first_offset = b.first_offset;
            w.last_offset = b.last_offset;
            w.delivery_state = b.delivery_state;
            w.delivery_count = b.delivery_count;
          }
        });
    return call_single<protocol::write_share_group_state_response>(client, request,
                                                                   write_state_version);
  };
  change_state(key, std::move(c), std::move(done));
}

void share_persister::initialize(const share::share_partition_key& key, int32_t state_epoch,
                                 int64_t start_offset,
                                 unique_function<void(std::optional<error_code>)> done) {
  change c;
  c.local = [key, state_epoch, start_offset](share::share_state_store& store, auto answer) {
    store.initialize(key, state_epoch, start_offset, std::move(answer));
  };
  c.remote = [key, state_epoch, start_offset](net::broker_client& client) {
    auto request =
        single_partition_request<protocol::initialize_share_group_state_request>(key, [&](auto& p) {
          p.state_epoch = state_epoch;
          p.start_offset = start_offset;
        });
    return call_single<protocol::initialize_share_group_state_response>(client, request, 0);
  };
  change_state(key, std::move(c), std::move(done));
}

void share_persister::remove(const share::share_partition_key& key,
                             unique_function<void(std::optional<error_code>)> done) {
  change c;
  c.local = [key](share::share_state_store& store, auto answer) {
    store.remove(key, std::move(answer));
  };
  c.remote = [key](net::broker_client& client) {
    auto request =
        single_partition_request<protocol::delete_share_group_state_request>(key, [](auto&) {});
    return call_single<protocol::delete_share_group_state_response>(client, request, 0);
  };
  change_state(key, std::move(c), std::move(done));
}

void share_persister::change_state(const share::share_partition_key& key, change c,
                                   unique_function<void(std::optional<error_code>)> done) {
  change_attempt(key, std::make_shared<const change>(std::move(c)),
                 std::make_shared<decltype(done)>(std::move(done)),
                 clock::now() + options_.request_timeout);
}

void share_persister::change_attempt(share::share_partition_key key,
                                     std::shared_ptr<const change> c, write_done done,
                                     clock::time_point give_up) {
  auto again = [this, key, c, done, give_up](bool stopping) {
    if (stopping) return (*done)(error_code::coordinator_not_available);
    change_attempt(key, c, done, give_up);
  };
  auto leader = leader_for(key);
  if (!leader) {
    if (retry(leader.error().code, give_up)) return enqueue(again, clock::now() + backoff);
    return (*done)(leader.error().code);
  }
  if (leader.value() == options_.broker_id) {
    return c->local(local_, [this, done, give_up, again](std::optional<error_code> e) {
      if (e && retry(*e, give_up)) return enqueue(again, clock::now() + backoff);
      (*done)(e);
    });
  }
  enqueue([this, c, broker = leader.value(), done, give_up, again](bool stopping) {
    if (stopping) return (*done)(error_code::coordinator_not_available);
    auto* client = clients_.client_for(broker);
    std::optional<error_code> outcome = client == nullptr
                                            ? std::optional(error_code::coordinator_not_available)
                                            : c->remote(*client);
    if (outcome && retry(*outcome, give_up)) return enqueue(again, clock::now() + backoff);
    (*done)(outcome);
  });
}

}  // namespace sluice::server
