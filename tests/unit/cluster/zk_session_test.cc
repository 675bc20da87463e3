#include "cluster/zk_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "zk_test_server.h"

namespace sluice::cluster {
namespace {

using testing::zk_test_server;
using namespace std::chrono_literals;

// Collects what watches and listeners report, from the session's event thread.
template <class T>
class inbox {
 public:
  void push(T value) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(value));
    }
    changed_.notify_all();
  }
  // Waits until `count` items arrived (up to `timeout`); returns what there is.
  std::vector<T> wait_for(size_t count, std::chrono::milliseconds timeout = 5s) {
    return wait_until([&](const std::vector<T>& items) { return items.size() >= count; }, timeout);
  }
  template <class Pred>
  std::vector<T> wait_until(Pred done, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return done(items_); });
    return items_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<T> items_;
};

class zk_session_test : public ::testing::Test {
 protected:
  zk_options options(const std::string& chroot) {
    return {.connect = zk_test_server::shared().connect_string(chroot),
            .session_timeout = 4000ms,
            .connection_timeout = 5000ms};
  }
  std::unique_ptr<zk_session> connect(const std::string& chroot) {
    auto s = zk_session::connect(options(chroot));
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
};

TEST_F(zk_session_test, create_get_set_remove_children) {
  auto zk = connect(zk_test_server::unique_chroot());
  ASSERT_TRUE(zk);
  EXPECT_TRUE(zk->connected());
  EXPECT_NE(zk->session_id(), 0);

  auto created = zk->create("/a", "one");
  ASSERT_TRUE(created.ok()) << created.message();
  EXPECT_EQ(*created, "/a");
  auto again = zk->create("/a", "two");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), zk_errc::node_exists);

  auto node = zk->get("/a");
  ASSERT_TRUE(node.ok()) << node.message();
  EXPECT_EQ(node->data, "one");
  EXPECT_EQ(node->stat.version, 0);
  EXPECT_EQ(node->stat.ephemeral_owner, 0);
  EXPECT_GT(node->stat.czxid, 0);

  auto stat = zk->set("/a", "three", 0);
  ASSERT_TRUE(stat.ok()) << stat.message();
  EXPECT_EQ(stat->version, 1);
  auto stale = zk->set("/a", "four", 0);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.code(), zk_errc::bad_version);
  EXPECT_EQ(zk->get("/a")->data, "three");

  EXPECT_EQ(zk->get("/missing").code(), zk_errc::no_node);
  EXPECT_EQ(zk->create("/missing/child", "").code(), zk_errc::no_node);
  auto deep = zk->create_recursive("/b/c/d", "leaf");
  ASSERT_TRUE(deep.ok()) << deep.message();
  EXPECT_EQ(zk->get("/b/c/d")->data, "leaf");
  EXPECT_EQ(zk->get("/b/c")->data, "");  // parents are empty (null) nodes
  ASSERT_TRUE(zk->create("/b/e", "").ok());

  auto kids = zk->children("/b");
  ASSERT_TRUE(kids.ok()) << kids.message();
  std::sort(kids->begin(), kids->end());
  EXPECT_EQ(*kids, (std::vector<std::string>{"c", "e"}));
  EXPECT_EQ(zk->get("/b")->stat.num_children, 2);

  EXPECT_EQ(zk->remove("/b").code(), zk_errc::not_empty);
  EXPECT_EQ(zk->remove("/a", 7).code(), zk_errc::bad_version);
  EXPECT_TRUE(zk->remove("/a", 1).ok());
  EXPECT_EQ(zk->remove("/a").code(), zk_errc::no_node);
  auto exists = zk->exists("/a");
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(exists->has_value());

  EXPECT_TRUE(zk->remove_recursive("/b").ok());
  EXPECT_FALSE(zk->exists("/b")->has_value());
  EXPECT_TRUE(zk->remove_recursive("/b").ok());  // absent: nothing to do

  // Sequential nodes get the counter appended; the returned path is inside the chroot.
  auto seq = zk->create("/changes", "");
  ASSERT_TRUE(seq.ok());
  auto first = zk->create("/changes/config_change_", "x", zk_create_mode::persistent_sequential);
  ASSERT_TRUE(first.ok()) << first.message();
  EXPECT_EQ(*first, "/changes/config_change_0000000000");

  std::string big(300 * 1024, 'z');  // larger than the first read buffer
  ASSERT_TRUE(zk->create("/big", big).ok());
  EXPECT_EQ(zk->get("/big")->data, big);
}

TEST_F(zk_session_test, multi_applies_every_operation_atomically) {
  auto zk = connect(zk_test_server::unique_chroot());
  ASSERT_TRUE(zk);
  ASSERT_TRUE(zk->create("/epoch", "1").ok());
  ASSERT_TRUE(zk->create("/old", "x").ok());
  ASSERT_TRUE(zk->create("/dir", "").ok());

  size_t failed = 99;
  auto done = zk->multi({zk_op::check("/epoch", 0), zk_op::create("/dir/a", "one"),
                         zk_op::create("/dir/seq_", "s", zk_create_mode::persistent_sequential),
                         zk_op::set("/epoch", "2", 0), zk_op::remove("/old", 0)},
                        &failed);
  ASSERT_TRUE(done.ok()) << done.message();
  EXPECT_EQ(failed, 5u);
  ASSERT_EQ(done->size(), 5u);
  // Created paths come back inside the chroot, as from create().
  EXPECT_EQ((*done)[1].path, "/dir/a");
  EXPECT_EQ((*done)[2].path, "/dir/seq_0000000001");
  EXPECT_EQ((*done)[3].stat.version, 1);
  EXPECT_EQ(zk->get("/dir/a")->data, "one");
  EXPECT_EQ(zk->get("/dir/seq_0000000001")->data, "s");
  EXPECT_EQ(zk->get("/epoch")->data, "2");
  EXPECT_EQ(zk->get("/epoch")->stat.version, 1);
  EXPECT_FALSE(zk->exists("/old")->has_value());

  auto none = zk->multi({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(zk_session_test, multi_with_a_failing_operation_writes_nothing) {
  auto zk = connect(zk_test_server::unique_chroot());
  ASSERT_TRUE(zk);
  ASSERT_TRUE(zk->create("/epoch", "1").ok());
  ASSERT_TRUE(zk->set("/epoch", "1").ok());  // version 1: a check of version 0 fails
  ASSERT_TRUE(zk->create("/state", "old").ok());

  // A stale check first: neither the set nor the create after it happens.
  size_t failed = 99;
  auto fenced = zk->multi(
      {zk_op::check("/epoch", 0), zk_op::set("/state", "new", 0), zk_op::create("/fresh", "x")},
      &failed);
  ASSERT_FALSE(fenced.ok());
  EXPECT_EQ(fenced.code(), zk_errc::bad_version);
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(zk->get("/state")->data, "old");
  EXPECT_EQ(zk->get("/state")->stat.version, 0);
  EXPECT_FALSE(zk->exists("/fresh")->has_value());

  // A failure after operations that would succeed rolls those back too, and names its index.
  auto late = zk->multi({zk_op::check("/epoch", 1), zk_op::set("/state", "new", 0),
                         zk_op::create("/fresh", "x"), zk_op::create("/state", "dup")},
                        &failed);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.code(), zk_errc::node_exists);
  EXPECT_EQ(failed, 3u);
  EXPECT_EQ(zk->get("/state")->data, "old");
  EXPECT_FALSE(zk->exists("/fresh")->has_value());

  // Other errors of an operation: a missing parent, a missing node to check.
  auto orphan = zk->multi({zk_op::check("/epoch", 1), zk_op::create("/no/parent", "")}, &failed);
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.code(), zk_errc::no_node);
  EXPECT_EQ(failed, 1u);
  auto absent = zk->multi({zk_op::check("/gone", -1), zk_op::set("/state", "new")}, &failed);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.code(), zk_errc::no_node);
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(zk->get("/state")->data, "old");

  // With the right version the same fenced write goes through.
  auto current = zk->multi({zk_op::check("/epoch", 1), zk_op::set("/state", "new", 0)});
  ASSERT_TRUE(current.ok()) << current.message();
  EXPECT_EQ((*current)[1].stat.version, 1);
  EXPECT_EQ(zk->get("/state")->data, "new");
}

TEST_F(zk_session_test, creates_the_chroot_with_parents) {
  auto chroot = zk_test_server::unique_chroot() + "/kafka/cluster-a";
  {
    auto zk = connect(chroot);
    ASSERT_TRUE(zk);
    ASSERT_TRUE(zk->create("/inside", "1").ok());
  }
  auto root = connect("");
  ASSERT_TRUE(root);
  auto node = root->get(chroot + "/inside");
  ASSERT_TRUE(node.ok()) << node.message();
  EXPECT_EQ(node->data, "1");
  // Connecting again to an existing chroot works and sees the same data.
  auto zk = connect(chroot + "/");
  ASSERT_TRUE(zk);
  EXPECT_EQ(zk->get("/inside")->data, "1");
  // Several servers, one of them down: the client finds the live one.
  auto several = zk_session::connect(
      {.connect = "127.0.0.1:1," + zk_test_server::shared().connect_string(chroot),
       .session_timeout = 4000ms,
       .connection_timeout = 5000ms});
  ASSERT_TRUE(several.ok()) << several.message();
  EXPECT_EQ((*several)->get("/inside")->data, "1");
}

TEST_F(zk_session_test, watches_fire_once_with_the_path) {
  auto zk = connect(zk_test_server::unique_chroot());
  ASSERT_TRUE(zk);
  inbox<zk_watch_event> events;
  auto record = [&](const zk_watch_event& e) { events.push(e); };

  auto absent = zk->exists("/w", record);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  ASSERT_TRUE(zk->create("/w", "1").ok());
  auto got = events.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].what, zk_watch_event::kind::created);
  EXPECT_EQ(got[0].path, "/w");

  ASSERT_TRUE(zk->get("/w", record).ok());
  ASSERT_TRUE(zk->children("/w", record).ok());
  ASSERT_TRUE(zk->set("/w", "2").ok());
  got = events.wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].what, zk_watch_event::kind::data_changed);
  ASSERT_TRUE(zk->set("/w", "3").ok());  // one-shot: no second data event
  ASSERT_TRUE(zk->create("/w/kid", "").ok());
  got = events.wait_for(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].what, zk_watch_event::kind::children_changed);
  EXPECT_EQ(got[2].path, "/w");

  // A watch callback may use the session (it runs on the session's own thread).
  inbox<std::string> reread;
  ASSERT_TRUE(zk->get("/w", [&](const zk_watch_event& e) {
                  auto node = zk->get(e.path);
                  reread.push(node.ok() ? node->data : "error");
                }).ok());
  ASSERT_TRUE(zk->set("/w", "4").ok());
  auto values = reread.wait_for(1);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0], "4");

  ASSERT_TRUE(zk->exists("/w/kid", record).ok());
  ASSERT_TRUE(zk->remove("/w/kid").ok());
  got = events.wait_for(4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3].what, zk_watch_event::kind::deleted);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(events.wait_for(5, 0ms).size(), 4u);
}

TEST_F(zk_session_test, ephemeral_node_vanishes_when_the_session_closes) {
  auto chroot = zk_test_server::unique_chroot();
  auto observer = connect(chroot);
  ASSERT_TRUE(observer);
  int64_t owner = 0;
  {
    auto zk = connect(chroot);
    ASSERT_TRUE(zk);
    ASSERT_TRUE(zk->create("/brokers", "").ok());
    ASSERT_TRUE(zk->create("/brokers/1", "me", zk_create_mode::ephemeral).ok());
    owner = zk->session_id();
    auto node = observer->get("/brokers/1");
    ASSERT_TRUE(node.ok());
    EXPECT_EQ(node->stat.ephemeral_owner, owner);
    EXPECT_NE(observer->session_id(), owner);
    // Unwatched watches pending at close are freed with the session (ASan checks that).
    ASSERT_TRUE(zk->get("/brokers/1", [](const zk_watch_event&) {}).ok());
  }
  // Closing the session deletes its ephemeral nodes at once.
  EXPECT_FALSE(observer->exists("/brokers/1")->has_value());
}

TEST_F(zk_session_test, expiry_opens_a_new_session_and_reports_it) {
  auto zk = connect(zk_test_server::unique_chroot());
  ASSERT_TRUE(zk);
  inbox<zk_session::state> states;
  zk->on_session_event([&](zk_session::state s) { states.push(s); });
  inbox<zk_watch_event> events;
  ASSERT_TRUE(zk->create("/e", "", zk_create_mode::ephemeral).ok());
  ASSERT_TRUE(zk->exists("/e", [&](const zk_watch_event& e) { events.push(e); }).ok());
  // A watch on a node that does not change: only the session's end can fire it.
  ASSERT_TRUE(zk->create("/p", "").ok());
  inbox<zk_watch_event> lost;
  ASSERT_TRUE(zk->get("/p", [&](const zk_watch_event& e) { lost.push(e); }).ok());
  const auto old_session = zk->session_id();

  ASSERT_TRUE(zk->expire_for_testing().ok());
  auto seen = states.wait_until(
      [](const auto& s) {
        return std::find(s.begin(), s.end(), zk_session::state::expired_and_reconnected) != s.end();
      },
      8s);
  auto it = std::find(seen.begin(), seen.end(), zk_session::state::expired_and_reconnected);
  ASSERT_NE(it, seen.end());
  EXPECT_NE(zk->session_id(), old_session);
  EXPECT_TRUE(zk->connected());

  // The old session's ephemeral node went with it, and the watch said what happened (either its
  // deletion, seen before the expiry, or session_lost).
  auto got = events.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].what == zk_watch_event::kind::session_lost ||
              got[0].what == zk_watch_event::kind::deleted);
  EXPECT_FALSE(zk->exists("/e")->has_value());
  auto lost_events = lost.wait_for(1);
  ASSERT_EQ(lost_events.size(), 1u);
  EXPECT_EQ(lost_events[0].what, zk_watch_event::kind::session_lost);
  EXPECT_EQ(lost_events[0].path, "/p");
  // The new session works.
  auto created = zk->create("/e", "", zk_create_mode::ephemeral);
  ASSERT_TRUE(created.ok()) << created.message();
  EXPECT_EQ(zk->get("/e")->stat.ephemeral_owner, zk->session_id());
}

TEST_F(zk_session_test, operations_ride_out_a_server_restart) {
  // Its own server: the shared one must stay up for the other tests.
  std::string error;
  auto server = zk_test_server::start(&error);
  ASSERT_TRUE(server) << error;
  auto s = zk_session::connect({.connect = server->connect_string("/r"),
                                .session_timeout = 6000ms,
                                .connection_timeout = 8000ms});
  ASSERT_TRUE(s.ok()) << s.message();
  auto& zk = **s;
  inbox<zk_session::state> states;
  zk.on_session_event([&](zk_session::state st) { states.push(st); });
  ASSERT_TRUE(zk.create("/before", "1").ok());
  ASSERT_TRUE(zk.create("/mine", "", zk_create_mode::ephemeral).ok());
  const auto session = zk.session_id();

  // An operation under way while the server restarts retries until it is back. (The restart
  // runs on this thread: the server dies with the thread that started it.)
  std::optional<zk_result<std::string>> created;
  std::thread writer([&] {
    std::this_thread::sleep_for(200ms);
    created = zk.create("/during", "2");
  });
  bool restarted = server->restart(500ms, &error);
  writer.join();
  ASSERT_TRUE(restarted) << error;
  ASSERT_TRUE(created->ok()) << created->message();
  auto before = zk.get("/before");
  ASSERT_TRUE(before.ok()) << before.message();
  EXPECT_EQ(before->data, "1");
  // The session outlived the restart, and with it the ephemeral node.
  EXPECT_EQ(zk.session_id(), session);
  EXPECT_TRUE(zk.exists("/mine")->has_value());
  // Listeners heard of the disconnection and of the reconnection after it.
  auto seen = states.wait_until(
      [](const auto& s) {
        auto down = std::find(s.begin(), s.end(), zk_session::state::disconnected);
        return down != s.end() && std::find(down, s.end(), zk_session::state::connected) != s.end();
      },
      5s);
  auto down = std::find(seen.begin(), seen.end(), zk_session::state::disconnected);
  ASSERT_NE(down, seen.end());
  EXPECT_NE(std::find(down, seen.end(), zk_session::state::connected), seen.end());
}

TEST_F(zk_session_test, connecting_to_nothing_times_out) {
  auto start = std::chrono::steady_clock::now();
  auto zk = zk_session::connect(
      {.connect = "127.0.0.1:1", .session_timeout = 2000ms, .connection_timeout = 500ms});
  ASSERT_FALSE(zk.ok());
  EXPECT_EQ(zk.code(), zk_errc::connection_loss);
  EXPECT_NE(zk.message().find("127.0.0.1:1"), std::string::npos) << zk.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace sluice::cluster
