// quota_refresher: keeps the broker's client quotas (quota::client_quotas) in step with the
// user and client-id entities stored in the metadata store, and the acceptor's per-address
// connection rates (net::connection_quotas) with the IP entities. A change notice (the embedded
// store's, or a /config/changes notice in ZooKeeper mode) only sets a flag; the refresher's own
// thread re-reads every entity (blocking ZooKeeper reads never run on a ZooKeeper or network
// thread) and hands them to the quota managers.
//
// Owned by the broker: constructed after the metadata store, stopped before it. changed() may be
// called from any thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/metadata_store.h"
#include "net/connection_quotas.h"
#include "quota/client_quotas.h"

namespace sluice::server {

class quota_refresher {
 public:
  // Reads the stored quotas once before returning, then follows changes. `also` gets every
  // entity read, each time (the KIP-714 subscriptions are client configs too).
  quota_refresher(
      cluster::metadata_store& store, quota::client_quotas& quotas,
      net::connection_quotas& connections,
      std::function<void(const std::map<std::string, cluster::config_map>&)> also = nullptr);
  ~quota_refresher();  // stop()
  quota_refresher(const quota_refresher&) = delete;
  quota_refresher& operator=(const quota_refresher&) = delete;

  void changed();
  void stop();

 private:
  void refresh();
  void run();

  cluster::metadata_store& store_;
  quota::client_quotas& quotas_;
  net::connection_quotas& connections_;
  std::function<void(const std::map<std::string, cluster::config_map>&)> also_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool dirty_ = false;
  bool stopping_ = false;
  std::string logged_;  // the quotas last logged
  std::thread thread_;
};

}  // namespace sluice::server
