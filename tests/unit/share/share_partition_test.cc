#include "share/share_partition.h"

#include <gtest/gtest.h>

#include "share/share_coordinator.h"
#include "share/share_partition_manager.h"

namespace sluice::share {
namespace {

using protocol::error_code;

delivery_config small_config() {
  delivery_config c;
  c.record_lock_duration_ms = 1000;
  c.delivery_count_limit = 3;
  c.max_record_locks = 10;
  return c;
}

TEST(share_partition, records_go_to_one_member_at_a_time) {
  share_partition p(0, small_config());
  EXPECT_EQ(p.next_fetch_offset(0), 0);
  auto a = p.acquire("a", {{0, 4}}, 500, 0);
  ASSERT_EQ(a, (std::vector<acquired_range>{{0, 4, 1}}));
  // Another member reading the same batch gets nothing: every record is locked.
  EXPECT_TRUE(p.acquire("b", {{0, 4}}, 500, 0).empty());
  EXPECT_EQ(p.next_fetch_offset(0), 5);
  auto b = p.acquire("b", {{5, 7}}, 500, 0);
  EXPECT_EQ(b, (std::vector<acquired_range>{{5, 7, 1}}));
}

TEST(share_partition, accepted_records_move_the_start_offset) {
  share_partition p(10, small_config());
  p.acquire("a", {{10, 14}}, 500, 0);
  EXPECT_EQ(p.acknowledge("a", 10, 12, {ack_type::accept}, 0), std::nullopt);
  EXPECT_EQ(p.start_offset(), 13);
  EXPECT_EQ(p.in_flight(), 2u);
  EXPECT_EQ(p.acknowledge("a", 13, 14, {ack_type::accept, ack_type::reject}, 0), std::nullopt);
  EXPECT_EQ(p.start_offset(), 15);
  EXPECT_EQ(p.in_flight(), 0u);
}

TEST(share_partition, only_the_holder_may_acknowledge_and_nothing_changes_when_refused) {
  share_partition p(0, small_config());
  p.acquire("a", {{0, 3}}, 500, 0);
  EXPECT_EQ(p.acknowledge("b", 0, 1, {ack_type::accept}, 0), error_code::invalid_record_state);
  // Offsets past what was acquired are not the member's either; the whole batch is refused.
  EXPECT_EQ(p.acknowledge("a", 2, 5, {ack_type::accept}, 0), error_code::invalid_record_state);
  EXPECT_EQ(p.state_of(2), record_state::acquired);
  EXPECT_EQ(p.acknowledge("a", 0, 1, {ack_type::accept, ack_type::accept, ack_type::accept}, 0),
            error_code::invalid_request);  // one type per offset, or one for all
}

TEST(share_partition, released_records_are_delivered_again_until_the_limit_archives_them) {
  share_partition p(0, small_config());  // limit 3
  for (int16_t delivery = 1; delivery <= 3; ++delivery) {
    ASSERT_EQ(p.next_fetch_offset(0), 0);
    auto got = p.acquire("a", {{0, 0}}, 500, 0);
    ASSERT_EQ(got, (std::vector<acquired_range>{{0, 0, delivery}}));
    ASSERT_EQ(p.acknowledge("a", 0, 0, {ack_type::release}, 0), std::nullopt);
  }
  EXPECT_EQ(p.start_offset(), 1);  // archived after its third delivery
  EXPECT_EQ(p.next_fetch_offset(0), 1);
}

TEST(share_partition, an_expired_lock_frees_the_record_for_another_member) {
  share_partition p(0, small_config());
  p.acquire("a", {{0, 1}}, 500, 0);
  EXPECT_EQ(p.next_fetch_offset(999), 2);
  EXPECT_EQ(p.next_fetch_offset(1000), 0);  // the lock ran out
  EXPECT_EQ(p.acquire("b", {{0, 1}}, 500, 1000), (std::vector<acquired_range>{{0, 1, 2}}));
  // The first holder's late acknowledgement is refused.
  EXPECT_EQ(p.acknowledge("a", 0, 1, {ack_type::accept}, 1001), error_code::invalid_record_state);
  // Renew extends the lock.
  EXPECT_EQ(p.acknowledge("b", 0, 1, {ack_type::renew}, 1900), std::nullopt);
  EXPECT_EQ(p.next_fetch_offset(2500), 2);
}

TEST(share_partition, the_lock_bound_limits_records_in_flight) {
  share_partition p(0, small_config());  // 10 locks
  auto got = p.acquire("a", {{0, 4}, {5, 14}}, 500, 0);
  ASSERT_EQ(got, (std::vector<acquired_range>{{0, 9, 1}}));
  EXPECT_EQ(p.next_fetch_offset(0), std::nullopt);
  EXPECT_EQ(p.acknowledge("a", 0, 4, {ack_type::accept}, 0), std::nullopt);
  EXPECT_EQ(p.next_fetch_offset(0), 10);
}

TEST(share_partition, max_records_keeps_whole_batches) {
  share_partition p(0, small_config());
  auto got = p.acquire("a", {{0, 2}, {3, 5}, {6, 8}}, 4, 0);
  EXPECT_EQ(got, (std::vector<acquired_range>{{0, 5, 1}}));
}

TEST(share_partition, a_closed_session_gives_its_records_back) {
  share_partition p(0, small_config());
  p.acquire("a", {{0, 2}}, 500, 0);
  p.acquire("b", {{3, 4}}, 500, 0);
  EXPECT_EQ(p.release_member("a", 0), 3u);
  EXPECT_EQ(p.next_fetch_offset(0), 0);
  EXPECT_EQ(p.acquire("b", {{0, 4}}, 500, 0), (std::vector<acquired_range>{{0, 2, 2}}));
}

TEST(share_partition_manager, sessions_follow_kafkas_epochs) {
  share_partition_manager m({small_config(), 2});
  const protocol::uuid topic{};
  EXPECT_EQ(m.check_session("g", "a", 1), error_code::share_session_not_found);
  auto opened = m.update_session("g", "a", 0, {{topic, 0}}, {}, 0);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened.value().size(), 1u);
  EXPECT_EQ(m.update_session("g", "a", 2, {}, {}, 0).error().code,
            error_code::invalid_share_session_epoch);
  auto next = m.update_session("g", "a", 1, {{topic, 1}}, {{topic, 0}}, 0);
  ASSERT_TRUE(next);
  EXPECT_EQ(next.value(), (std::vector<session_partition>{{topic, 1}}));
  ASSERT_TRUE(m.update_session("g", "b", 0, {}, {}, 0));
  EXPECT_EQ(m.update_session("g", "c", 0, {}, {}, 0).error().code,
            error_code::share_session_limit_reached);
  ASSERT_TRUE(m.update_session("g", "a", -1, {}, {}, 0));
  EXPECT_EQ(m.session_count(), 1u);
}

TEST(share_partition_manager, closing_a_session_releases_the_members_records) {
  share_partition_manager m({small_config(), 10});
  const share_partition_key key{"g", protocol::uuid{}, 0};
  ASSERT_TRUE(m.update_session("g", "a", 0, {{key.topic_id, 0}}, {}, 0));
  EXPECT_EQ(m.next_fetch_offset(key, 0), std::nullopt);  // not loaded yet
  std::optional<std::optional<error_code>> loaded;
  m.load(
      key, 0, [] { return 7; }, [&](std::optional<error_code> e) { loaded = e; });
  ASSERT_TRUE(loaded.has_value());
  EXPECT_FALSE(*loaded);
  EXPECT_EQ(m.next_fetch_offset(key, 0), 7);
  EXPECT_EQ(m.acquire(key, "a", {{7, 9}}, 500, 0).size(), 1u);
  EXPECT_EQ(m.next_fetch_offset(key, 0), 10);
  ASSERT_TRUE(m.update_session("g", "a", -1, {}, {}, 0));
  EXPECT_EQ(m.next_fetch_offset(key, 0), 7);
}

// A persister that keeps states in a map and answers when told to (or at once).
struct fake_persister : state_persister {
  std::map<share_partition_key, persisted_state> kept;
  bool hold = false;
  std::vector<std::pair<persisted_state, unique_function<void(std::optional<error_code>)>>> held;
  int reads = 0;

  void read(const share_partition_key& key, int32_t,
            unique_function<void(result<persisted_state, error_code>)> done) override {
    ++reads;
    auto it = kept.find(key);
    done(it == kept.end() ? persisted_state{} : it->second);
  }
  void write(const share_partition_key& key, const persisted_state& state,
             unique_function<void(std::optional<error_code>)> done) override {
    if (hold) {
      held.emplace_back(state, std::move(done));
      return;
    }
    if (auto it = kept.find(key); it != kept.end() && it->second.state_epoch > state.state_epoch)
      return done(error_code::fenced_state_epoch);
    kept[key] = state;
    done(std::nullopt);
  }
  void initialize(const share_partition_key& key, int32_t state_epoch, int64_t start_offset,
                  unique_function<void(std::optional<error_code>)> done) override {
    kept[key] = persisted_state{state_epoch, -1, start_offset, {}};
    done(std::nullopt);
  }
  void remove(const share_partition_key& key,
              unique_function<void(std::optional<error_code>)> done) override {
    kept.erase(key);
    done(std::nullopt);
  }
};

TEST(share_partition_manager, a_new_leader_resumes_from_the_kept_state) {
  fake_persister store;
  const share_partition_key key{"g", protocol::uuid{}, 0};
  {
    share_partition_manager first({small_config(), 10}, &store);
    ASSERT_TRUE(first.update_session("g", "a", 0, {{protocol::uuid{}, 0}}, {}, 0));
    bool ready = false;
    first.load(
        key, 3, [] { return 100; }, [&](auto e) { ready = !e; });
    ASSERT_TRUE(ready);
    EXPECT_EQ(store.kept.at(key).start_offset, 100);  // the start is kept before delivering
    first.acquire(key, "a", {{100, 104}}, 500, 0);
    ASSERT_EQ(first.acknowledge(key, "a", 100, 101, {ack_type::accept}, 0), std::nullopt);
    ASSERT_EQ(first.acknowledge(key, "a", 103, 103, {ack_type::reject}, 0), std::nullopt);
    first.persist(key, [](auto) {});
  }
  // 102 and 104 were acquired, never acknowledged: available again, counted once.
  share_partition_manager second({small_config(), 10}, &store);
  ASSERT_TRUE(second.update_session("g", "b", 0, {{protocol::uuid{}, 0}}, {}, 0));
  second.load(
      key, 4, [] { return 999; }, [](auto) {});
  EXPECT_EQ(second.next_fetch_offset(key, 0), 102);
  auto again = second.acquire(key, "b", {{100, 106}}, 500, 0);
  EXPECT_EQ(again, (std::vector<acquired_range>{{102, 102, 2}, {104, 104, 2}, {105, 106, 1}}));
}

TEST(share_partition_manager, writes_of_one_partition_go_out_one_at_a_time_newest_last) {
  fake_persister store;
  const share_partition_key key{"g", protocol::uuid{}, 0};
  share_partition_manager m({small_config(), 10}, &store);
  ASSERT_TRUE(m.update_session("g", "a", 0, {{protocol::uuid{}, 0}}, {}, 0));
  m.load(
      key, 0, [] { return 0; }, [](auto) {});
  m.acquire(key, "a", {{0, 2}}, 500, 0);
  store.hold = true;
  int done = 0;
  ASSERT_EQ(m.acknowledge(key, "a", 0, 0, {ack_type::accept}, 0), std::nullopt);
  m.persist(key, [&](auto e) { done += !e; });
  ASSERT_EQ(m.acknowledge(key, "a", 1, 1, {ack_type::accept}, 0), std::nullopt);
  m.persist(key, [&](auto e) { done += !e; });
  ASSERT_EQ(m.acknowledge(key, "a", 2, 2, {ack_type::accept}, 0), std::nullopt);
  m.persist(key, [&](auto e) { done += !e; });
  ASSERT_EQ(store.held.size(), 1u);  // one in flight; the other two wait and are coalesced
  store.hold = false;
  auto first = std::move(store.held[0]);
  store.held.clear();
  store.kept[key] = first.first;
  first.second(std::nullopt);
  EXPECT_EQ(done, 3);
  EXPECT_EQ(store.kept.at(key).start_offset, 3);  // the newest state is the one kept
}

}  // namespace
}  // namespace sluice::share

namespace sluice::share {
namespace {

TEST(share_partition_manager, a_partition_nobody_fetches_is_loaded_afresh_after_a_reset) {
  fake_persister store;
  const share_partition_key key{"g", protocol::uuid{}, 0};
  const session_partition sp{protocol::uuid{}, 0};
  share_partition_manager m({small_config(), 10}, &store);
  ASSERT_TRUE(m.update_session("g", "a", 0, {sp}, {}, 0));
  m.load(
      key, 0, [] { return 100; }, [](auto) {});
  m.acquire(key, "a", {{100, 109}}, 500, 0);
  ASSERT_EQ(m.acknowledge(key, "a", 100, 109, {ack_type::accept}, 0), std::nullopt);
  m.persist(key, [](auto) {});
  EXPECT_EQ(m.next_fetch_offset(key, 0), 110);
  // The member leaves; the group is empty, and its offsets are reset meanwhile.
  ASSERT_TRUE(m.update_session("g", "a", -1, {}, {}, 0));
  store.initialize(key, 1, 20, [](auto) {});
  ASSERT_TRUE(m.update_session("g", "b", 0, {sp}, {}, 0));
  EXPECT_EQ(m.next_fetch_offset(key, 0), std::nullopt);  // not loaded: it was dropped
  m.load(
      key, 0, [] { return 999; }, [](auto) {});
  EXPECT_EQ(m.next_fetch_offset(key, 0), 20);
}

TEST(share_partition_manager, a_fenced_write_drops_the_copy_for_a_reload) {
  fake_persister store;
  const share_partition_key key{"g", protocol::uuid{}, 0};
  const session_partition sp{protocol::uuid{}, 0};
  share_partition_manager m({small_config(), 10}, &store);
  ASSERT_TRUE(m.update_session("g", "a", 0, {sp}, {}, 0));
  m.load(
      key, 0, [] { return 100; }, [](auto) {});
  m.acquire(key, "a", {{100, 104}}, 500, 0);
  store.initialize(key, 1, 50, [](auto) {});  // reset while a session still held it
  ASSERT_EQ(m.acknowledge(key, "a", 100, 100, {ack_type::accept}, 0), std::nullopt);
  std::optional<error_code> outcome;
  m.persist(key, [&](auto e) { outcome = e; });
  EXPECT_EQ(outcome, error_code::fenced_state_epoch);
  EXPECT_EQ(m.next_fetch_offset(key, 0), std::nullopt);
  m.load(
      key, 0, [] { return 999; }, [](auto) {});
  EXPECT_EQ(m.next_fetch_offset(key, 0), 50);
  // Without a persister nothing is dropped: the state lives only there.
  share_partition_manager memory_only({small_config(), 10});
  ASSERT_TRUE(memory_only.update_session("g", "a", 0, {sp}, {}, 0));
  memory_only.load(
      key, 0, [] { return 7; }, [](auto) {});
  ASSERT_TRUE(memory_only.update_session("g", "a", -1, {}, {}, 0));
  EXPECT_EQ(memory_only.next_fetch_offset(key, 0), 7);
}

}  // namespace
}  // namespace sluice::share
