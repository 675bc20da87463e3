// Embedded mode (a single broker, no controller) keeps its behaviour: reconcile() hosts and leads
// every partition with a replica here, the high watermark is the log end offset, acks=-1 answers
// at once, and the cluster-mode calls are refused.
#include <gtest/gtest.h>

#include "cluster_fixture.h"

namespace sluice::replication::test {
namespace {

struct embedded {
  temp_dir dir;
  fake_metadata metadata;
  std::unique_ptr<storage::log_manager> logs;
  std::unique_ptr<replica_manager> rm;

  embedded() {
    storage::log_manager_options lo;
    lo.log_dirs = {dir.path};
    lo.broker_id = 0;
    auto opened = storage::log_manager::open(std::move(lo));
    EXPECT_TRUE(opened.ok());
    logs = std::move(*opened);
    replica_manager::options o;
    o.broker_id = 0;
    o.make_log_config = [](const sluice::cluster::config_map&)
        -> replication::result<std::shared_ptr<const storage::log_config>> {
      return std::make_shared<const storage::log_config>();
    };
    rm = std::make_unique<replica_manager>(std::move(o), *logs, metadata);
  }
  ~embedded() { rm->shutdown(); }

  produce_result produce(std::vector<std::string> values, int16_t acks) {
    auto batch = batch_of(values);
    std::promise<produce_result> done;
    rm->append(acks, 1000, {{"t", 0, std::span<uint8_t>(batch)}},
               [&](std::vector<append_outcome> out) {
                 done.set_value({out.at(0).error, out.at(0).base_offset});
               });
    return done.get_future().get();
  }
};

TEST(embedded_mode, leads_every_hosted_partition_with_the_log_end_as_high_watermark) {
  embedded e;
  sluice::cluster::topic_metadata t;
  t.name = "t";
  t.configs = {{"min.insync.replicas", "2"}};  // ignored without a cluster, as before
  sluice::cluster::partition_state s;
  s.partition = 0;
  s.replicas = {0};
  s.leader = 0;
  s.isr = {0};
  t.partitions.push_back(s);
  e.metadata.set_topic(t);
  std::vector<std::optional<int32_t>> heard;
  e.rm->on_leadership_change(
      [&](const std::string&, int32_t, std::optional<int32_t> epoch) { heard.push_back(epoch); });
  e.rm->reconcile();
  ASSERT_TRUE(e.rm->hosts("t", 0));
  EXPECT_EQ(heard, (std::vector<std::optional<int32_t>>{0}));

  auto r = e.produce({"a", "b"}, -1);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.base_offset, 0);
  auto v = e.rm->describe("t", 0);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->leader);
  EXPECT_EQ(v->high_watermark, 2);
  EXPECT_EQ(v->isr, (std::vector<int32_t>{0}));
  auto latest = e.rm->list_offset("t", 0, -1, false, -1);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->offset, 2);
  EXPECT_EQ(e.rm->led_partitions().size(), 1u);
  EXPECT_EQ(e.rm->under_replicated_count(), 0);

  // No controller here: LeaderAndIsr and StopReplica are refused.
  partition_role role;
  role.topic = "t";
  role.leader = 1;
  role.leader_epoch = 5;
  role.replicas = {0, 1};
  auto refused = e.rm->apply_leader_and_isr(1, 1, {role});
  EXPECT_EQ(refused.at(0).error, errc::fenced_leader_epoch);
  EXPECT_TRUE(e.rm->describe("t", 0)->leader);

  // The topic going away deletes the partition.
  e.metadata.remove_topic("t");
  e.rm->reconcile();
  EXPECT_FALSE(e.rm->hosts("t", 0));
  EXPECT_EQ(heard.back(), std::nullopt);
}

}  // namespace
}  // namespace sluice::replication::test
