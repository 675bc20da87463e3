// The ZooKeeper ACL store against a real ZooKeeper server (tests/unit/cluster/zk_test_server):
// Kafka's znodes and notices, conditional updates that lose nothing under concurrent writers, and
// brokers' managers following each other's changes through the notices.
#include "security/zk_acl_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "../cluster/zk_test_server.h"
#include "security/acl_manager.h"
#include "security/acl_zk_layout.h"

namespace sluice::security {
namespace {

using cluster::testing::zk_test_server;
using namespace std::chrono_literals;
namespace layout = acl_zk_layout;

template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

acl_binding binding(std::string topic, std::string principal, acl_operation op,
                    pattern_type pattern = pattern_type::literal) {
  return {{resource_type::topic, std::move(topic), pattern},
          {std::move(principal), "*", op, acl_permission::allow}};
}

class zk_acl_store_test : public ::testing::Test {
 protected:
  void SetUp() override { chroot_ = zk_test_server::unique_chroot(); }

  std::unique_ptr<cluster::zk_session> session() {
    auto s =
        cluster::zk_session::connect({.connect = zk_test_server::shared().connect_string(chroot_),
                                      .session_timeout = 4000ms,
                                      .connection_timeout = 10000ms});
    EXPECT_TRUE(s) << (s ? "" : s.message());
    return s ? std::move(*s) : nullptr;
  }

  // What acl_manager's owner (the broker) does: open, watch the notices, load.
  std::unique_ptr<acl_manager> manager(cluster::zk_session& zk, authorizer_config config = {}) {
    auto store = zk_acl_store::open(zk);
    EXPECT_TRUE(store) << (store ? "" : store.message());
    auto* raw = store->get();
    auto m = std::make_unique<acl_manager>(std::move(*store), std::move(config));
    raw->watch([m = m.get()](const resource_pattern& p) { m->refresh(p); },
               [m = m.get()] { (void)m->load(); });
    EXPECT_TRUE(m->load());
    return m;
  }

  std::string chroot_;
};

TEST_F(zk_acl_store_test, writes_kafkas_znodes_and_notices) {
  auto zk = session();
  auto store = zk_acl_store::open(*zk);
  ASSERT_TRUE(store);
  for (const auto& path : layout::persistent_paths()) EXPECT_TRUE(zk->get(path)) << path;

  resource_pattern topic{resource_type::topic, "orders", pattern_type::literal};
  auto done = (*store)->update(topic, [](const acl_set& current) {
    acl_set next = current;
    next.insert({"User:alice", "*", acl_operation::read, acl_permission::allow});
    return next;
  });
  ASSERT_TRUE(done) << done.message();
  EXPECT_TRUE(done->before.empty());
  auto node = zk->get("/kafka-acl/Topic/orders");
  ASSERT_TRUE(node);
  EXPECT_EQ(
      node->data,
      R"({"acls":[{"principal":"User:alice","permissionType":"Allow","host":"*","operation":"Read"}],"version":1})");
  auto notices = zk->children("/kafka-acl-changes");
  ASSERT_TRUE(notices);
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(zk->get("/kafka-acl-changes/" + notices->front())->data, "TOPIC:orders");

  resource_pattern prefix{resource_type::group, "app-", pattern_type::prefixed};
  ASSERT_TRUE((*store)->update(prefix, [](const acl_set&) {
    return acl_set{{"User:*", "*", acl_operation::read, acl_permission::deny}};
  }));
  EXPECT_TRUE(zk->get("/kafka-acl-extended/prefixed/Group/app-"));
  auto extended = zk->children("/kafka-acl-extended-changes");
  ASSERT_TRUE(extended);
  ASSERT_EQ(extended->size(), 1u);
  EXPECT_EQ(zk->get("/kafka-acl-extended-changes/" + extended->front())->data,
            R"({"version":1,"resourceType":"GROUP","name":"app-","patternType":"PREFIXED"})");

  auto all = (*store)->read_all();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);

  // Removing the last ACL removes the znode, as Kafka does.
  ASSERT_TRUE((*store)->update(topic, [](const acl_set&) { return acl_set{}; }));
  EXPECT_EQ(zk->get("/kafka-acl/Topic/orders").code(), cluster::zk_errc::no_node);
  EXPECT_EQ(zk->children("/kafka-acl-changes")->size(), 2u);
  // Nothing to change: nothing written, no notice.
  ASSERT_TRUE((*store)->update(topic, [](const acl_set& c) { return c; }));
  EXPECT_EQ(zk->children("/kafka-acl-changes")->size(), 2u);
}

TEST_F(zk_acl_store_test, reads_acls_kafka_wrote) {
  auto zk = session();
  ASSERT_TRUE(zk->create_recursive(
      "/kafka-acl/Cluster/kafka-cluster",
      R"({"version":1,"acls":[{"host":"*","permissionType":"Allow","operation":"ClusterAction","principal":"User:broker"}]})"));
  auto m = manager(*zk);
  EXPECT_TRUE(m->authorizer().authorize({"User:broker", "127.0.0.1"}, acl_operation::cluster_action,
                                        resource_type::cluster, "kafka-cluster"));
  EXPECT_FALSE(m->authorizer().authorize({"User:other", "127.0.0.1"}, acl_operation::cluster_action,
                                         resource_type::cluster, "kafka-cluster"));
}

// Writers on separate sessions (separate brokers, or a broker and kafka-acls.sh) add ACLs to one
// resource at the same time: every ACL survives, because each write is conditional on the
// version it read.
TEST_F(zk_acl_store_test, concurrent_updates_are_not_lost) {
  constexpr int writers = 4;
  constexpr int per_writer = 8;
  std::vector<std::unique_ptr<cluster::zk_session>> sessions;
  std::vector<std::unique_ptr<zk_acl_store>> stores;
  for (int w = 0; w < writers; ++w) {
    sessions.push_back(session());
    auto store = zk_acl_store::open(*sessions.back());
    ASSERT_TRUE(store);
    stores.push_back(std::move(*store));
  }
  resource_pattern topic{resource_type::topic, "contended", pattern_type::literal};
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < per_writer; ++i) {
        auto principal = "User:w" + std::to_string(w) + "-" + std::to_string(i);
        auto r = stores[w]->update(topic, [&](const acl_set& current) {
          acl_set next = current;
          next.insert({principal, "*", acl_operation::write, acl_permission::allow});
          return next;
        });
        if (!r) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto stored = stores[0]->read(topic);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->size(), static_cast<size_t>(writers * per_writer));
}

// Two brokers: an ACL created through one is enforced by the other once the notice arrives, and
// so is its removal; a kafka-acls-style writer (a bare store) is followed too.
TEST_F(zk_acl_store_test, managers_follow_each_others_changes) {
  auto zk1 = session();
  auto zk2 = session();
  auto zk3 = session();
  auto a = manager(*zk1);
  auto b = manager(*zk2);
  const identity alice{"User:alice", "127.0.0.1"};
  auto can_read = [&](acl_manager& m, const std::string& topic) {
    return m.authorizer().authorize(alice, acl_operation::read, resource_type::topic, topic);
  };
  auto created = a->create_acls({binding("t1", "User:alice", acl_operation::read)});
  ASSERT_EQ(created.size(), 1u);
  EXPECT_FALSE(created[0]);
  EXPECT_TRUE(can_read(*a, "t1"));  // the writer's own cache at once
  EXPECT_TRUE(eventually([&] { return can_read(*b, "t1"); }));

  auto tool = zk_acl_store::open(*zk3);
  ASSERT_TRUE(tool);
  ASSERT_TRUE(
      (*tool)->update({resource_type::topic, "t", pattern_type::prefixed}, [](const acl_set&) {
        return acl_set{{"User:alice", "*", acl_operation::read, acl_permission::allow}};
      }));
  EXPECT_TRUE(eventually([&] { return can_read(*a, "t2") && can_read(*b, "t2"); }));

  acl_binding_filter t1{{resource_type::topic, "t1", pattern_type::literal}, {}};
  auto deleted = b->delete_acls({t1});
  ASSERT_EQ(deleted.size(), 1u);
  ASSERT_EQ(deleted[0].size(), 1u);
  EXPECT_FALSE(deleted[0][0].error);
  EXPECT_EQ(deleted[0][0].binding, binding("t1", "User:alice", acl_operation::read));
  // t1 is still readable through the prefixed "t" pattern; remove that too.
  acl_binding_filter all_prefixed{{resource_type::any, std::nullopt, pattern_type::prefixed}, {}};
  EXPECT_EQ(b->delete_acls({all_prefixed})[0].size(), 1u);
  EXPECT_TRUE(eventually([&] { return !can_read(*a, "t1") && !can_read(*a, "t2"); }));
  EXPECT_TRUE(eventually([&] { return a->describe({}).empty(); }));
}

// After the session expires, notices written meanwhile are not lost: the store reloads.
TEST_F(zk_acl_store_test, reloads_after_session_expiry) {
  auto zk = session();
  auto writer = session();
  auto m = manager(*zk);
  ASSERT_TRUE(zk->expire_for_testing());
  auto store = zk_acl_store::open(*writer);
  ASSERT_TRUE(store);
  ASSERT_TRUE(
      (*store)->update({resource_type::group, "g", pattern_type::literal}, [](const acl_set&) {
        return acl_set{{"User:bob", "*", acl_operation::read, acl_permission::allow}};
      }));
  EXPECT_TRUE(eventually([&] {
    return m->authorizer().authorize({"User:bob", "h"}, acl_operation::read, resource_type::group,
                                     "g");
  }));
}

TEST_F(zk_acl_store_test, delete_by_filters_reports_each_binding_once) {
  auto zk = session();
  auto m = manager(*zk);
  auto created = m->create_acls({binding("x", "User:a", acl_operation::read),
                                 binding("x", "User:b", acl_operation::write),
                                 binding("y", "User:a", acl_operation::read),
                                 binding("bad/name", "User:a", acl_operation::read)});
  ASSERT_EQ(created.size(), 4u);
  EXPECT_FALSE(created[0]);
  EXPECT_FALSE(created[2]);
  ASSERT_TRUE(created[3]);
  EXPECT_EQ(created[3]->code, acl_errc::invalid_request);
  // Both filters match User:a's READ on x: the first one reports it.
  acl_binding_filter user_a{{resource_type::topic, std::nullopt, pattern_type::any},
                            {.principal = "User:a"}};
  acl_binding_filter topic_x{{resource_type::topic, "x", pattern_type::literal}, {}};
  auto deleted = m->delete_acls({user_a, topic_x});
  ASSERT_EQ(deleted.size(), 2u);
  EXPECT_EQ(deleted[0].size(), 2u);  // x and y of User:a
  ASSERT_EQ(deleted[1].size(), 1u);  // x of User:b
  EXPECT_EQ(deleted[1][0].binding.entry.principal, "User:b");
  auto left = m->store().read_all();
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->empty());
}

}  // namespace
}  // namespace sluice::security
