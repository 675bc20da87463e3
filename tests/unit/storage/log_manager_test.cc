#include "storage/log_manager.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/log_cleaner.h"
#include "test_util.h"

namespace sluice::storage {
namespace {

using test::make_batch;
using test::temp_dir;
namespace fs = std::filesystem;

constexpr int64_t now = 1'700'000'000'000;

log_manager_options options_for(std::vector<std::string> dirs) {
  log_manager_options o;
  o.log_dirs = std::move(dirs);
  o.broker_id = 1;
  o.clock = [] { return now; };
  return o;
}

std::unique_ptr<log_manager> open_manager(log_manager_options o) {
  auto m = log_manager::open(std::move(o));
  EXPECT_TRUE(m.ok()) << (m ? "" : m.message());
  return m ? std::move(*m) : nullptr;
}

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(log_manager, creates_partitions_across_dirs_and_reopens_cleanly) {
  temp_dir a, b;
  std::vector<test::record> before;
  {
    auto m = open_manager(options_for({a.path, b.path}));
    for (int p = 0; p < 4; ++p) {
      auto log = m->create_partition({"orders", p}, log_config{});
      ASSERT_TRUE(log.ok()) << log.message();
      auto batch = make_batch(p + 1, now);
      ASSERT_TRUE((*log)->append(batch, test::at(now)).ok());
    }
    EXPECT_EQ(m->create_partition({"orders", 0}, log_config{}).code(), errc::already_exists);
    EXPECT_EQ(m->create_partition({"", 0}, log_config{}).code(), errc::invalid_argument);
    EXPECT_EQ(m->partitions().size(), 4u);
    EXPECT_EQ(m->dir_of({"orders", 0}), 0u);
    EXPECT_EQ(m->dir_of({"orders", 1}), 1u);
    EXPECT_TRUE(fs::exists(a / "orders-0/00000000000000000000.log"));
    EXPECT_TRUE(fs::exists(b / "orders-1/00000000000000000000.log"));
    before = test::read_all(*m->get({"orders", 3}));
    ASSERT_TRUE(m->shutdown().ok());
  }
  EXPECT_TRUE(fs::exists(a / ".sluice_cleanshutdown"));
  EXPECT_NE(text_of(a / "meta.properties").find("broker.id=1"), std::string::npos);
  EXPECT_EQ(text_of(a / "recovery-point-offset-checkpoint"), "0\n2\norders 0 1\norders 2 3\n");
  EXPECT_EQ(text_of(b / "log-start-offset-checkpoint"), "0\n2\norders 1 0\norders 3 0\n");

  auto m = open_manager(options_for({a.path, b.path}));
  EXPECT_EQ(m->opened_clean(), (std::vector<bool>{true, true}));
  EXPECT_FALSE(fs::exists(a / ".sluice_cleanshutdown"));  // a crash from now on must recover
  ASSERT_EQ(m->partitions().size(), 4u);
  auto log = m->get({"orders", 3});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 4);
  EXPECT_EQ(test::read_all(*log), before);
  EXPECT_EQ(m->get({"nope", 0}), nullptr);
}

TEST(log_manager, a_recovered_partition_takes_the_config_it_is_asked_for) {
  temp_dir a;
  log_config small;
  small.segment_bytes = 1 << 20;
  {
    auto m = open_manager(options_for({a.path}));
    ASSERT_TRUE(m->create_partition({"t", 0}, small).ok());
    ASSERT_TRUE(m->shutdown().ok());
  }
  auto m = open_manager(options_for({a.path}));  // loaded with the manager's defaults
  ASSERT_NE(m->get({"t", 0}), nullptr);
  EXPECT_EQ(m->get({"t", 0})->config()->segment_bytes, log_config{}.segment_bytes);
  // The owner (the replica manager) knows the topic's real config and passes it on.
  auto log = m->get_or_create({"t", 0}, small);
  ASSERT_TRUE(log.ok()) << log.message();
  EXPECT_EQ((*log)->config()->segment_bytes, 1 << 20);
  EXPECT_EQ(m->get({"t", 0})->config()->segment_bytes, 1 << 20);
}

TEST(log_manager, crashed_process_is_recovered) {
  temp_dir dir;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto m = log_manager::open(options_for({dir.path}));
    if (!m) ::_exit(2);
    auto log = (*m)->create_partition({"t", 0}, log_config{});
    if (!log) ::_exit(3);
    for (int i = 0; i < 10; ++i) {
      auto batch = make_batch(3, now);
      if (!(*log)->append(batch, test::at(now))) ::_exit(4);
    }
    ::_exit(0);  // no shutdown: as if killed
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(fs::exists(dir / ".sluice_cleanshutdown"));
  auto m = open_manager(options_for({dir.path}));
  EXPECT_EQ(m->opened_clean(), (std::vector<bool>{false}));
  auto log = m->get({"t", 0});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 30);
  EXPECT_EQ(test::read_all(*log).size(), 30u);
}

TEST(log_manager, second_process_on_the_same_dir_is_refused) {
  temp_dir dir;
  auto m = open_manager(options_for({dir.path}));
  ASSERT_TRUE(m);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto other = log_manager::open(options_for({dir.path}));
    std::string msg = other ? "opened" : other.message();
    if (::write(fds[1], msg.data(), msg.size()) < 0) ::_exit(9);
    ::_exit(other ? 1 : (other.code() == errc::log_dir_locked ? 0 : 2));
  }
  ::close(fds[1]);
  std::string msg(4096, '\0');
  ssize_t n = ::read(fds[0], msg.data(), msg.size());
  msg.resize(n > 0 ? static_cast<size_t>(n) : 0);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << msg;
  EXPECT_NE(msg.find(dir.path), std::string::npos) << msg;
  EXPECT_NE(msg.find("another broker"), std::string::npos) << msg;
  // Once the first one is gone the dir opens.
  ASSERT_TRUE(m->shutdown().ok());
  m.reset();
  EXPECT_TRUE(open_manager(options_for({dir.path})));
}

TEST(log_manager, meta_properties_must_match) {
  temp_dir dir;
  {
    auto o = options_for({dir.path});
    o.cluster_id = "cluster-a";
    auto m = open_manager(o);
  }
  auto o = options_for({dir.path});
  o.broker_id = 2;
  auto m = log_manager::open(o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.code(), errc::inconsistent_metadata);
  auto c = options_for({dir.path});
  c.cluster_id = "cluster-b";
  EXPECT_EQ(log_manager::open(c).code(), errc::inconsistent_metadata);
  EXPECT_TRUE(log_manager::open(options_for({dir.path})).ok());
}

TEST(log_manager, high_watermark_checkpoint_bounds_retention_and_survives_restart) {
  temp_dir dir;
  {
    auto m = open_manager(options_for({dir.path}));
    log_config cfg;
    cfg.segment_bytes = 300;
    cfg.retention_ms = 1;
    cfg.file_delete_delay_ms = 0;
    auto log = *m->create_partition({"t", 0}, cfg);
    for (int i = 0; i < 10; ++i) {
      auto batch = make_batch(2, now - 10'000, 60);
      ASSERT_TRUE(log->append(batch, test::at(now)).ok());
    }
    ASSERT_TRUE(m->checkpoint_high_watermarks({{topic_partition{"t", 0}, 6}}).ok());
    EXPECT_EQ(text_of(dir / "replication-offset-checkpoint"), "0\n1\nt 0 6\n");
    m->run_retention_once();
    EXPECT_GT(log->log_start_offset(), 0);
    EXPECT_LE(log->log_start_offset(), 6);
  }
  auto m = open_manager(options_for({dir.path}));
  EXPECT_EQ(m->loaded_high_watermarks().at(topic_partition{"t", 0}), 6);
  EXPECT_EQ(m->get({"t", 0})->retention_upper_bound(), 6);
}

TEST(log_manager, an_offline_partition_leaves_its_dir_unclean) {
  temp_dir dir;
  test::faulty_io io;
  auto o = options_for({dir.path});
  o.io = &io;
  {
    auto m = open_manager(o);
    auto good = *m->create_partition({"good", 0}, log_config{});
    auto bad = *m->create_partition({"bad", 0}, log_config{});
    auto b1 = make_batch(2, now);
    ASSERT_TRUE(good->append(b1, test::at(now)).ok());
    io.fail_write_after = 10;
    auto b2 = make_batch(2, now);
    EXPECT_EQ(bad->append(b2, test::at(now)).code(), errc::io_error);
    io.fail_write_after = -1;
    (void)m->shutdown();
  }
  EXPECT_FALSE(fs::exists(dir / ".sluice_cleanshutdown"));
  auto m = open_manager(options_for({dir.path}));
  EXPECT_EQ(m->opened_clean(), (std::vector<bool>{false}));
  EXPECT_EQ(m->get({"good", 0})->log_end_offset(), 2);
  EXPECT_EQ(m->get({"bad", 0})->log_end_offset(), 0);
}

TEST(log_manager, delete_partition) {
  temp_dir dir;
  auto m = open_manager(options_for({dir.path}));
  auto log = *m->create_partition({"gone", 0}, log_config{});
  auto batch = make_batch(2, now);
  ASSERT_TRUE(log->append(batch, test::at(now)).ok());
  ASSERT_TRUE(m->delete_partition({"gone", 0}).ok());
  EXPECT_EQ(m->get({"gone", 0}), nullptr);
  EXPECT_FALSE(fs::exists(dir / "gone-0"));
  auto again = make_batch(1, now);
  EXPECT_EQ(log->append(again, test::at(now)).code(), errc::closed);
  EXPECT_EQ(m->delete_partition({"gone", 0}).code(), errc::not_found);
  m->purge_deleted();
  for (const auto& e : fs::directory_iterator(dir.path))
    EXPECT_EQ(e.path().filename().string().find("gone-0"), std::string::npos);
  // The name can be reused at once.
  EXPECT_TRUE(m->create_partition({"gone", 0}, log_config{}).ok());
}

TEST(log_manager, background_threads_flush_retain_and_clean) {
  temp_dir dir;
  auto o = options_for({dir.path});
  o.flush_check_interval_ms = 10;
  o.retention_check_interval_ms = 20;
  o.checkpoint_interval_ms = 20;
  o.cleaner_backoff_ms = 20;
  auto m = open_manager(o);
  log_config flushed;
  flushed.flush_messages = 5;
  auto a = *m->create_partition({"flushed", 0}, flushed);
  log_config timed;
  timed.flush_ms = 30;
  auto b = *m->create_partition({"timed", 0}, timed);
  log_config retained;
  retained.segment_bytes = 300;
  retained.retention_ms = 1000;
  retained.file_delete_delay_ms = 0;
  auto c = *m->create_partition({"retained", 0}, retained);
  log_config compacted;
  compacted.cleanup_compact = true;
  compacted.cleanup_delete = false;
  compacted.segment_bytes = 400;
  compacted.file_delete_delay_ms = 0;
  auto d = *m->create_partition({"compacted", 0}, compacted);
  for (int i = 0; i < 10; ++i) {
    auto x = make_batch(1, now);
    ASSERT_TRUE(a->append(x, test::at(now)).ok());
    auto y = make_batch(1, now);
    ASSERT_TRUE(b->append(y, test::at(now)).ok());
    auto z = make_batch(2, now - 5000, 60);
    ASSERT_TRUE(c->append(z, test::at(now)).ok());
    auto w = test::make_batch({{"same", "v" + std::to_string(i) + std::string(100, 'x')}}, now);
    ASSERT_TRUE(d->append(w, test::at(now)).ok());
  }
  m->start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto done = [&] {
    return a->recovery_point() >= 5 && b->recovery_point() == 10 && c->log_start_offset() > 0 &&
           test::read_all(*d).size() < 5 && fs::exists(dir / "recovery-point-offset-checkpoint") &&
           fs::exists(dir / "cleaner-offset-checkpoint");
  };
  while (!done() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GE(a->recovery_point(), 5);
  EXPECT_EQ(b->recovery_point(), 10);
  EXPECT_GT(c->log_start_offset(), 0);
  auto left = test::read_all(*d);
  EXPECT_LT(left.size(), 5u);
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left.back().value->substr(0, 2), "v9");
  ASSERT_TRUE(m->shutdown().ok());
}

TEST(log_manager, open_files_stay_within_the_budget) {
  temp_dir dir;
  auto o = options_for({dir.path});
  o.io = &test::no_sync();
  o.max_open_segment_files = 16;
  auto m = open_manager(o);
  std::vector<std::shared_ptr<partition_log>> logs;
  for (int p = 0; p < 100; ++p) {
    auto log = *m->create_partition({"many", p}, log_config{});
    auto batch = make_batch(1, now);
    ASSERT_TRUE(log->append(batch, test::at(now)).ok());
    logs.push_back(log);
    EXPECT_LE(m->cache().size(), 16u);
  }
  for (auto& log : logs) {
    EXPECT_EQ(test::read_all(*log).size(), 1u);
    EXPECT_LE(m->cache().size(), 16u);
  }
}

TEST(log_manager, many_partitions_reopen_quickly_after_a_clean_shutdown) {
  temp_dir dir;
  auto o = options_for({dir.path});
  o.io = &test::no_sync();
  {
    auto m = open_manager(o);
    for (int p = 0; p < 500; ++p) {
      auto log = *m->create_partition({"wide", p}, log_config{});
      auto batch = make_batch(1, now);
      ASSERT_TRUE(log->append(batch, test::at(now)).ok());
    }
    ASSERT_TRUE(m->shutdown().ok());
  }
  auto start = std::chrono::steady_clock::now();
  auto m = open_manager(o);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(m->partitions().size(), 500u);
  EXPECT_EQ(m->cache().size(), 0u);          // nothing opened yet
  EXPECT_LT(took, std::chrono::seconds(5));  // generous: debug + sanitizers
  EXPECT_EQ(m->get({"wide", 7})->log_end_offset(), 1);
}

}  // namespace
}  // namespace sluice::storage

namespace sluice::storage {
namespace {

// AlterReplicaLogDirs: a partition moves to another log dir with every record, offset and
// epoch — by a rename, or (another file system, simulated by a rename that fails) by a copy into
// a "-future" folder renamed into place — and reopens there; a restart finds it only there.
class no_folder_rename final : public file_io {
 public:
  result<void> rename(const std::string& from, const std::string& to) override {
    if (fs::is_directory(from) && !to.ends_with("-delete") && !from.ends_with("-future"))
      return fail(errc::io_error, "rename " + from + ": EXDEV (simulated)");
    return file_io::rename(from, to);
  }
};

void expect_moves_between_dirs(file_io* io) {
  temp_dir a, b;
  std::vector<test::record> before;
  auto o = options_for({a.path, b.path});
  o.io = io;
  {
    auto m = open_manager(o);
    auto log = m->create_partition({"moving", 0}, log_config{}, 0);
    ASSERT_TRUE(log.ok()) << log.message();
    for (int i = 0; i < 3; ++i) {
      auto batch = make_batch(5, now + i);
      ASSERT_TRUE((*log)->append(batch, test::at(now + i)).ok());
    }
    ASSERT_TRUE((*log)->assign_epoch_start_offset(3, 10).ok());
    before = test::read_all(**log);
    const auto epochs = (*log)->epoch_entries();
    ASSERT_FALSE(epochs.empty());
    auto moved = m->move_partition({"moving", 0}, 1);
    ASSERT_TRUE(moved.ok()) << moved.message();
    EXPECT_NE(moved->get(), log->get());
    EXPECT_EQ(m->dir_of({"moving", 0}), 1u);
    EXPECT_EQ(m->get({"moving", 0}), *moved);
    auto late = make_batch(1, now);
    EXPECT_FALSE((*log)->append(late, test::at(now)).ok());  // the old one is closed
    EXPECT_EQ(test::read_all(**moved), before);
    EXPECT_EQ((*moved)->epoch_entries(), epochs);
    auto more = make_batch(2, now);
    ASSERT_TRUE((*moved)->append(more, test::at(now)).ok());
    before = test::read_all(**moved);
    EXPECT_TRUE(fs::exists(b / "moving-0/00000000000000000000.log"));
    m->purge_deleted();
    EXPECT_FALSE(fs::exists(a / "moving-0"));
    // Moving to where it is is nothing; to a dir that is not configured, an error.
    EXPECT_EQ(m->move_partition({"moving", 0}, 1)->get(), moved->get());
    EXPECT_EQ(m->move_partition({"moving", 0}, 7).code(), errc::invalid_argument);
  }
  for (const auto& entry : fs::directory_iterator(a.path))
    EXPECT_FALSE(entry.path().filename().string().starts_with("moving-0")) << entry.path();
  auto m = open_manager(o);
  EXPECT_EQ(m->dir_of({"moving", 0}), 1u);
  EXPECT_EQ(test::read_all(*m->get({"moving", 0})), before);
}

TEST(log_manager, a_partition_moves_to_another_log_dir_by_rename) {
  expect_moves_between_dirs(nullptr);
}

TEST(log_manager, a_partition_moves_to_another_file_system_by_copy) {
  no_folder_rename io;
  expect_moves_between_dirs(&io);
}

TEST(log_manager, a_preferred_dir_places_the_next_creation_and_leftover_copies_are_removed) {
  temp_dir a, b;
  {
    auto m = open_manager(options_for({a.path, b.path}));
    m->prefer_dir({"later", 0}, 0);
    m->prefer_dir({"later", 1}, 0);
    ASSERT_TRUE(m->create_partition({"later", 0}, log_config{}).ok());
    ASSERT_TRUE(m->create_partition({"later", 1}, log_config{}).ok());
    EXPECT_EQ(m->dir_of({"later", 0}), 0u);
    EXPECT_EQ(m->dir_of({"later", 1}), 0u);  // without the preference: the emptier dir, b
  }
  fs::create_directories(b / "later-2.0123abcd-future");  // a copy a crash interrupted
  auto m = open_manager(options_for({a.path, b.path}));
  EXPECT_FALSE(fs::exists(b / "later-2.0123abcd-future"));
  EXPECT_EQ(m->partitions().size(), 2u);
}

}  // namespace
}  // namespace sluice::storage
