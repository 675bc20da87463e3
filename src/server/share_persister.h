// share_persister: the broker's state_persister (share/state_persister.h) — where a partition
// leader keeps its share partitions' state. The state of share partition (group, topic,
// partition) lives on one partition of __share_group_state (share_state_store::partition_for);
// the topic is created on first use, as Kafka's internal topics are. When this broker leads that
// partition the call goes straight to the local share_state_store; otherwise it is sent as
// ReadShareGroupState/WriteShareGroupState to the leader, from a worker thread (the network
// threads never block on another broker). As Kafka's persister, it retries while the state
// partition has no coordinator yet (the topic being created, a leader being elected or loading)
// for up to the request timeout, so a share partition waits for its state rather than failing.
//
// Thread-safe: read()/write() from any thread; stop() before destruction.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/metadata_store.h"
#include "net/client_security.h"
#include "server/inter_broker_clients.h"
#include "share/share_state_store.h"
#include "share/state_persister.h"

namespace sluice::server {

struct share_persister_options {
  int32_t broker_id = 0;
  std::string listener_name;  // inter.broker.listener.name
  std::chrono::milliseconds request_timeout{30000};
  net::client_security security;
  // __share_group_state: share.coordinator.state.topic.*.
  int32_t state_partitions = 50;
  int16_t replication_factor = 3;
  int32_t min_isr = 2;
  int32_t segment_bytes = 104857600;
};

class share_persister final : public share::state_persister {
 public:
  share_persister(share_persister_options options, cluster::metadata_store& metadata,
                  share::share_state_store& local);
  ~share_persister() override;
  share_persister(const share_persister&) = delete;
  share_persister& operator=(const share_persister&) = delete;

  void start();
  void stop();  // remote calls still queued are answered COORDINATOR_NOT_AVAILABLE

  void read(const share::share_partition_key& key, int32_t leader_epoch,
            unique_function<void(sluice::result<share::persisted_state, protocol::error_code>)>
                done) override;
  void write(const share::share_partition_key& key, const share::persisted_state& state,
             unique_function<void(std::optional<protocol::error_code>)> done) override;
  void initialize(const share::share_partition_key& key, int32_t state_epoch, int64_t start_offset,
                  unique_function<void(std::optional<protocol::error_code>)> done) override;
  void remove(const share::share_partition_key& key,
              unique_function<void(std::optional<protocol::error_code>)> done) override;

 private:
  using clock = std::chrono::steady_clock;
  using read_done = std::shared_ptr<
      unique_function<void(sluice::result<share::persisted_state, protocol::error_code>)>>;
  using write_done = std::shared_ptr<unique_function<void(std::optional<protocol::error_code>)>>;
  // The leader of the key's __share_group_state partition (creating the topic if it is missing),
  // or the error to answer (COORDINATOR_NOT_AVAILABLE while it has none).
  sluice::result<int32_t, protocol::error_code> leader_for(const share::share_partition_key& key);
  void read_attempt(share::share_partition_key key, int32_t leader_epoch, read_done done,
                    clock::time_point give_up);
  // A change of one share partition's state (write, initialize, remove): made at the local store
  // when this broker is its share coordinator, else sent as `remote` to the one that is.
  struct change {
    std::function<void(share::share_state_store&,
                       unique_function<void(std::optional<protocol::error_code>)>)>
        local;
    std::function<std::optional<protocol::error_code>(net::broker_client&)> remote;
  };
  void change_state(const share::share_partition_key& key, change c,
                    unique_function<void(std::optional<protocol::error_code>)> done);
  void change_attempt(share::share_partition_key key, std::shared_ptr<const change> c,
                      write_done done, clock::time_point give_up);
  // Runs `job` on the worker at `due` (with stopping=true instead if the persister stops first).
  void enqueue(std::function<void(bool stopping)> job, clock::time_point due = clock::time_point());
  // Whether a failed attempt is tried again (a coordinator error, before `give_up`).
  static bool retry(protocol::error_code e, clock::time_point give_up);
  void loop();

  const share_persister_options options_;
  cluster::metadata_store& metadata_;
  share::share_state_store& local_;
  inter_broker_clients clients_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<clock::time_point, std::function<void(bool stopping)>> jobs_;  // mutex_
  bool stopping_ = false;                                                      // mutex_
  std::thread worker_;
};

}  // namespace sluice::server
